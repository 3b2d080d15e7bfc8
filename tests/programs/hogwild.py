"""Hogwild training in the shape of PyTorch's mnist_hogwild example, on scikit-learn's 8x8 digits.

The model's parameters are put in shared memory; two worker processes train it at the same time
without locks; the parent then evaluates the very same model, which only learned if the workers'
updates reached the parent's memory.
"""

import sys

import numpy as np
from sklearn.datasets import load_digits

import ember
import ember.multiprocessing as mp
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        return F.log_softmax(self.fc2(F.relu(self.fc1(x.flatten(1)))), dim=1)


def dataset():
    digits = load_digits()
    x = ember.tensor((digits.images / 16.0).astype(np.float32))
    return TensorDataset(x, ember.tensor(digits.target))


def train(rank, model, epochs):
    ember.manual_seed(1 + rank)
    data = dataset()
    loader = DataLoader(ember.utils.data.Subset(data, range(1500)), batch_size=32, shuffle=True)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    model.train()
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            F.nll_loss(model(x), y).backward()
            optimizer.step()


def test(model):
    data = dataset()
    x, y = data.tensors[0][1500:], data.tensors[1][1500:]
    model.eval()
    with ember.no_grad():
        out = model(x)
    return F.nll_loss(out, y).item(), (out.argmax(1) == y).float().mean().item()


def main():
    mp.set_start_method("spawn", force=True)
    ember.manual_seed(0)
    model = Net()
    model.share_memory()
    before, _ = test(model)
    print(f"before loss: {before:.4f}")
    processes = []
    for rank in range(2):
        p = mp.Process(target=train, args=(rank, model, 3))
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
        if p.exitcode != 0:
            sys.exit(f"worker exited with {p.exitcode}")
    loss, accuracy = test(model)
    print(f"after loss: {loss:.4f}")
    print(f"accuracy: {accuracy:.3f}")
    if accuracy < 0.8:
        sys.exit("the parent's model did not learn: the workers' updates were lost")


if __name__ == "__main__":
    main()
