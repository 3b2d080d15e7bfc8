"""The sequence models of PyTorch's examples and tutorials, written as there with ``torch`` renamed to
``ember``: a word language model (LSTM, GRU and nn.Transformer variants), an LSTM over image rows, a
time-series LSTMCell stack and a GRU seq2seq with attention over packed sequences. Each trains for a
few steps and must lower its loss."""

import math

import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.2, tie_weights=True):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        self.rnn.flatten_parameters()
        output, hidden = self.rnn(emb, hidden)
        decoded = self.decoder(self.drop(output)).view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        zeros = ember.zeros(self.nlayers, bsz, self.nhid)
        return (zeros, zeros.clone()) if self.rnn_type == "LSTM" else zeros


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=100):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = ember.zeros(max_len, d_model)
        position = ember.arange(0, max_len, dtype=ember.float).unsqueeze(1)
        div_term = ember.exp(ember.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = ember.sin(position * div_term)
        pe[:, 1::2] = ember.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

    def forward(self, x):
        return self.dropout(x + self.pe[:x.size(0), :])


class TransformerModel(nn.Transformer):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.2):
        super().__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid, num_encoder_layers=nlayers)
        self.pos_encoder = PositionalEncoding(ninp, dropout)
        self.input_emb = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.decoder = nn.Linear(ninp, ntoken)

    def forward(self, src):
        mask = ember.log(ember.tril(ember.ones(len(src), len(src))))
        src = self.pos_encoder(self.input_emb(src) * math.sqrt(self.ninp))
        return F.log_softmax(self.decoder(self.encoder(src, mask=mask)), dim=-1)


def repackage_hidden(h):
    return h.detach() if isinstance(h, ember.Tensor) else tuple(repackage_hidden(v) for v in h)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "Transformer"])
def test_word_language_model_trains(kind):
    ember.manual_seed(0)
    ntokens, bsz, bptt = 12, 4, 8
    data = (ember.arange(0, 200) * 5 % ntokens).view(bsz, -1).t().contiguous()    # a learnable cycle
    model = TransformerModel(ntokens, 16, 2, 32, 1) if kind == "Transformer" else RNNModel(kind, ntokens, 16, 16, 2)
    criterion = nn.NLLLoss()
    adam = None if kind == "Transformer" else ember.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for epoch in range(4):
        model.train()
        hidden = None if kind == "Transformer" else model.init_hidden(bsz)
        for i in range(0, data.size(0) - 1, bptt):
            seq_len = min(bptt, len(data) - 1 - i)
            x, targets = data[i:i + seq_len], data[i + 1:i + 1 + seq_len].reshape(-1)
            model.zero_grad()
            if kind == "Transformer":
                output = model(x).view(-1, ntokens)
            else:
                output, hidden = model(x, repackage_hidden(hidden))
            loss = criterion(output, targets)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            if adam is not None:
                adam.step()
            else:
                for p in model.parameters():      # main.py's plain SGD
                    p.data.add_(p.grad, alpha=-1.0)
            losses.append(loss.item())
    assert math.isfinite(losses[-1]) and losses[-1] < losses[0] - 0.3


def test_lstm_over_image_rows_trains():
    ember.manual_seed(0)
    rnn, head = nn.LSTM(input_size=8, hidden_size=16, batch_first=True), nn.Linear(16, 2)
    opt = ember.optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=0.02)
    images = ember.randn(32, 8, 8)
    labels = (images[:, :, 0].sum(1) > 0).long()
    losses = []
    for _ in range(30):
        output, _ = rnn(images)
        loss = F.cross_entropy(head(output[:, -1, :]), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.7


def test_time_series_lstm_cells_predict_a_sine():
    ember.manual_seed(0)
    cell1, cell2, linear = nn.LSTMCell(1, 16).double(), nn.LSTMCell(16, 16).double(), nn.Linear(16, 1).double()
    params = [*cell1.parameters(), *cell2.parameters(), *linear.parameters()]
    opt = ember.optim.Adam(params, lr=0.02)
    data = ember.sin(ember.arange(60, dtype=ember.double).view(3, 20) / 3.0)

    def run(inputs):
        h = c = h2 = c2 = ember.zeros(inputs.size(0), 16, dtype=ember.double)
        outputs = []
        for input_t in inputs.split(1, dim=1):
            h, c = cell1(input_t, (h, c))
            h2, c2 = cell2(h, (h2, c2))
            outputs.append(linear(h2))
        return ember.cat(outputs, dim=1)

    losses = []
    for _ in range(25):
        loss = nn.MSELoss()(run(data[:, :-1]), data[:, 1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5


def test_seq2seq_with_attention_over_packed_sequences_trains():
    ember.manual_seed(0)
    vocab, hidden = 10, 16
    embedding, encoder = nn.Embedding(vocab, hidden), nn.GRU(hidden, hidden, batch_first=True)
    dec_embedding, decoder = nn.Embedding(vocab, hidden), nn.GRU(2 * hidden, hidden, batch_first=True)
    wa, ua = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
    va, out = nn.Linear(hidden, 1), nn.Linear(hidden, vocab)
    modules = nn.ModuleList([embedding, encoder, dec_embedding, decoder, wa, ua, va, out])
    opt = ember.optim.Adam(modules.parameters(), lr=0.02)
    seqs = [ember.randint(1, vocab, (n,)) for n in (5, 3, 6, 2)]
    lengths = ember.tensor([len(s) for s in seqs])
    src = pad_sequence(seqs, batch_first=True)
    target = ember.stack([s[:2].flip(0) for s in seqs])     # the first two tokens, reversed

    def forward():
        packed = pack_padded_sequence(embedding(src), lengths, batch_first=True, enforce_sorted=False)
        keys, state = encoder(packed)
        keys, _ = pad_packed_sequence(keys, batch_first=True, total_length=src.size(1))
        token = ember.zeros(len(seqs), 1, dtype=ember.long)
        logits = []
        for i in range(2):
            scores = va(ember.tanh(wa(state.permute(1, 0, 2)) + ua(keys))).squeeze(2).unsqueeze(1)
            context = ember.bmm(F.softmax(scores, dim=-1), keys)
            step, state = decoder(ember.cat((dec_embedding(token), context), dim=2), state)
            logits.append(out(step))
            token = target[:, i].unsqueeze(1)
        return F.log_softmax(ember.cat(logits, dim=1), dim=-1)

    losses = []
    for _ in range(30):
        loss = nn.NLLLoss()(forward().view(-1, vocab), target.view(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5
