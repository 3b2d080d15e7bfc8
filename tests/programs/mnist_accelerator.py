"""MNIST-style classifier in the shape of PyTorch's official example, on scikit-learn's 8x8 digits.

Picks its device with `accelerator`, sets cudnn flags, trains with a DataLoader and a StepLR
schedule, then saves the whole model and loads it back (`weights_only=False`) and checks that
the loaded model predicts what the trained one does.
"""

import os
import sys
import tempfile

import numpy as np
from sklearn.datasets import load_digits

import ember
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.optim.lr_scheduler import StepLR
from ember.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, 1, padding=1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(32 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(ember.flatten(x, 1))
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def main():
    ember.manual_seed(1)
    ember.backends.cudnn.benchmark = True
    ember.backends.cudnn.deterministic = True
    if ember.accelerator.is_available():
        device = ember.accelerator.current_accelerator()
    else:
        device = ember.device("cpu")
    digits = load_digits()
    images = ember.tensor((digits.images / 16.0).astype(np.float32)).unsqueeze(1)
    labels = ember.tensor(digits.target)
    loader = DataLoader(TensorDataset(images[:1500], labels[:1500]), batch_size=64, shuffle=True)
    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, 5):
        model.train()
        total = 0.0
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(data)
        scheduler.step()
        print(f"epoch {epoch} loss: {total / 1500:.4f}")

    model.eval()
    test_x, test_y = images[1500:].to(device), labels[1500:].to(device)
    with ember.no_grad():
        expected = model(test_x)
    print(f"test accuracy: {(expected.argmax(1) == test_y).float().mean().item():.4f}")
    path = os.path.join(tempfile.mkdtemp(), "mnist_cnn.pt")
    ember.save(model, path)
    loaded = ember.load(path, weights_only=False)
    loaded.eval()
    with ember.no_grad():
        again = loaded(test_x)
    if not ember.equal(again, expected) or type(loaded) is not Net:
        sys.exit("the reloaded model does not predict what the saved one did")
    print("reloaded model agrees")


if __name__ == "__main__":
    main()
