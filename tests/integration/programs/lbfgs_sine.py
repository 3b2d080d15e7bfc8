"""Time-sequence prediction in the shape of PyTorch's example: two LSTMCells fitted with LBFGS.

Sine waves with random phases; the model predicts the next value; the optimizer is LBFGS with
a closure (and a strong-Wolfe line search); the test loss is printed after each step.
"""

import numpy as np

import ember
import ember.nn as nn
import ember.optim as optim


class Sequence(nn.Module):
    def __init__(self, hidden=24):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, x, future=0):
        outputs = []
        h_t = ember.zeros(x.size(0), self.hidden, dtype=ember.double)
        c_t = ember.zeros(x.size(0), self.hidden, dtype=ember.double)
        h_t2 = ember.zeros(x.size(0), self.hidden, dtype=ember.double)
        c_t2 = ember.zeros(x.size(0), self.hidden, dtype=ember.double)
        for input_t in x.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return ember.cat(outputs, dim=1)


def main():
    rng = np.random.default_rng(2)
    length = 40
    x = np.arange(length) + rng.integers(-20, 20, size=(24, 1))
    data = np.sin(x / 4.0)
    ember.manual_seed(0)
    inp = ember.from_numpy(data[4:, :-1])
    target = ember.from_numpy(data[4:, 1:])
    test_input = ember.from_numpy(data[:4, :-1])
    test_target = ember.from_numpy(data[:4, 1:])
    seq = Sequence().double()
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8, line_search_fn="strong_wolfe", max_iter=12)
    for i in range(4):
        def closure():
            optimizer.zero_grad()
            loss = criterion(seq(inp), target)
            loss.backward()
            return loss
        optimizer.step(closure)
        with ember.no_grad():
            pred = seq(test_input, future=10)
            loss = criterion(pred[:, :-10], test_target)
        print(f"step {i} loss: {loss.item():.6f}")


if __name__ == "__main__":
    main()
