"""Variable-length sequence classification with packed sequences.

Each sequence is a run of random bits of length 3-15; the label says whether it holds more ones
than zeros. Sequences are padded with pad_sequence, packed with pack_padded_sequence
(enforce_sorted=False) and run through an LSTM; the last hidden state of each sequence is
classified, and pad_packed_sequence gives back the padded outputs.
"""

import sys

import numpy as np

import ember
import ember.nn as nn
from ember.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence


def batch(rng, size):
    lengths = rng.integers(3, 16, size=size)
    seqs = [rng.integers(0, 2, size=n) for n in lengths]
    labels = [int(s.sum() * 2 > len(s)) for s in seqs]
    inputs = [ember.tensor(np.stack([s, 1 - s], axis=1).astype(np.float32)) for s in seqs]
    return inputs, ember.tensor(lengths), ember.tensor(labels)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(2, 24, batch_first=True)
        self.head = nn.Linear(24, 2)

    def forward(self, inputs, lengths):
        padded = pad_sequence(inputs, batch_first=True)
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        output, (h_n, _) = self.lstm(packed)
        unpacked, out_lengths = pad_packed_sequence(output, batch_first=True)
        if not ember.equal(out_lengths, lengths) or unpacked.shape[1] != int(lengths.max()):
            sys.exit("pad_packed_sequence did not give back the lengths")
        return self.head(h_n[-1])


def main():
    ember.manual_seed(3)
    rng = np.random.default_rng(3)
    model = Classifier()
    optimizer = ember.optim.Adam(model.parameters(), lr=1e-2)
    criterion = nn.CrossEntropyLoss()
    test = batch(rng, 200)
    for step in range(1, 151):
        inputs, lengths, labels = batch(rng, 32)
        optimizer.zero_grad()
        loss = criterion(model(inputs, lengths), labels)
        loss.backward()
        optimizer.step()
        if step % 50 == 0:
            with ember.no_grad():
                test_loss = criterion(model(test[0], test[1]), test[2]).item()
            print(f"step {step} loss: {test_loss:.4f}")


if __name__ == "__main__":
    main()
