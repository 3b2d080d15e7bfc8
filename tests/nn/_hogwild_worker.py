"""The training loop that test_hogwild runs in child processes (importable by spawned children)."""

import ember
import ember.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 1)
        self.register_buffer("steps", ember.zeros(1))

    def forward(self, x):
        return self.fc2(ember.relu(self.fc1(x)))


def data():
    g = ember.Generator().manual_seed(3)
    x = ember.randn(64, 4, generator=g)
    return x, x.sum(1, keepdim=True) * 0.5


def train(rank, model, steps, losses):
    """Hogwild: SGD steps on the parameters shared with the parent and the other workers."""
    x, y = data()
    optimizer = ember.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        with ember.no_grad():
            model.steps += 1
    losses.put((rank, loss.item(), model.fc1.weight.is_shared()))
