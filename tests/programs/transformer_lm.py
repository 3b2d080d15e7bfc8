"""A Transformer language model in the shape of PyTorch's word_language_model example.

Token embedding, sinusoidal positional encoding, nn.TransformerEncoder with a causal mask from
nn.Transformer.generate_square_subsequent_mask, batchify/get_batch, clip_grad_norm_, and
evaluation on held-out text. The corpus is generated from a small stochastic grammar.
"""

import math

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F


def corpus(n_tokens: int, vocab: int, seed: int) -> np.ndarray:
    """Text where each token is likely followed by (3 * token + 1) % vocab."""
    rng = np.random.default_rng(seed)
    out = np.empty(n_tokens, dtype=np.int64)
    out[0] = 0
    for i in range(1, n_tokens):
        out[i] = (3 * out[i - 1] + 1) % vocab if rng.random() < 0.8 else rng.integers(vocab)
    return out


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=512):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = ember.zeros(max_len, d_model)
        position = ember.arange(0, max_len, dtype=ember.float).unsqueeze(1)
        div_term = ember.exp(ember.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = ember.sin(position * div_term)
        pe[:, 1::2] = ember.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

    def forward(self, x):
        return self.dropout(x + self.pe[: x.size(0), :])


class TransformerModel(nn.Module):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.1):
        super().__init__()
        self.pos_encoder = PositionalEncoding(ninp, dropout)
        layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.decoder = nn.Linear(ninp, ntoken)
        self.ninp = ninp
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, src):
        mask = nn.Transformer.generate_square_subsequent_mask(len(src))
        src = self.pos_encoder(self.encoder(src) * math.sqrt(self.ninp))
        output = self.transformer_encoder(src, mask)
        return F.log_softmax(self.decoder(output), dim=-1)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data[: nbatch * bsz].view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


def evaluate(model, data, bptt, ntokens):
    model.eval()
    total = 0.0
    with ember.no_grad():
        for i in range(0, data.size(0) - 1, bptt):
            x, y = get_batch(data, i, bptt)
            total += len(x) * F.nll_loss(model(x).view(-1, ntokens), y).item()
    return total / (len(data) - 1)


def main():
    ember.manual_seed(1111)
    ntokens, bptt = 32, 16
    train = batchify(ember.tensor(corpus(6000, ntokens, 0)), 20)
    valid = batchify(ember.tensor(corpus(1000, ntokens, 1)), 10)
    model = TransformerModel(ntokens, 32, 2, 64, 2, dropout=0.1)
    criterion = nn.NLLLoss()
    optimizer = ember.optim.SGD(model.parameters(), lr=0.5)
    for epoch in range(1, 4):
        model.train()
        for i in range(0, train.size(0) - 1, bptt):
            x, y = get_batch(train, i, bptt)
            model.zero_grad()
            loss = criterion(model(x).view(-1, ntokens), y)
            loss.backward()
            ember.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            optimizer.step()
        print(f"epoch {epoch} loss: {evaluate(model, valid, bptt, ntokens):.4f}")


if __name__ == "__main__":
    main()
