# PyTorch's examples/time_sequence_prediction (LSTM cells fitted to sine waves with L-BFGS),
# shortened: 8 waves of 40 steps, 16 hidden units. tests/parity runs it step for step against
# its PyTorch rename; run as a script it prints the held-out loss after each L-BFGS step.
import numpy as np

import ember
import ember.nn as nn
import ember.optim as optim


class Sequence(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = ember.zeros(input.size(0), self.hidden, dtype=ember.double)
        c_t = ember.zeros(input.size(0), self.hidden, dtype=ember.double)
        h_t2 = ember.zeros(input.size(0), self.hidden, dtype=ember.double)
        c_t2 = ember.zeros(input.size(0), self.hidden, dtype=ember.double)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):  # if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return ember.cat(outputs, dim=1)


def make_data():
    rng = np.random.default_rng(2)
    T, L, N = 20, 40, 8
    x = np.empty((N, L), np.int64)
    x[:] = np.arange(L) + rng.integers(-4 * T, 4 * T, N).reshape(N, 1)
    return np.sin(x / 1.0 / T).astype("float64")


def build():
    seq = Sequence()
    seq.double()
    return seq


def train(seq, steps=3, future=20, line_search_fn=None):
    data = make_data()
    input = ember.from_numpy(data[3:, :-1])
    target = ember.from_numpy(data[3:, 1:])
    test_input = ember.from_numpy(data[:3, :-1])
    test_target = ember.from_numpy(data[:3, 1:])
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8, line_search_fn=line_search_fn)
    train_losses, test_losses = [], []
    for _ in range(steps):
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            loss.backward()
            return loss
        train_losses.append(optimizer.step(closure).item())
        with ember.no_grad():
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            test_losses.append(loss.item())
            prediction = pred.detach().numpy()
    return train_losses, test_losses, prediction


def main():
    ember.manual_seed(0)
    _, test_losses, _ = train(build(), steps=4, line_search_fn="strong_wolfe")
    for i, loss in enumerate(test_losses):
        print(f"step {i} loss: {loss:.6f}")


if __name__ == "__main__":
    main()
