"""Training steps of real models, ember against PyTorch on the same weights and data.

ResNet-18 (SGD), a DCGAN generator + discriminator step (BCE, Adam), a 2-layer LSTM language
model (clip_grad_norm_, SGD) and a 2-layer TransformerEncoder (AdamW). Each model is built by the
same code for both frameworks (`lib` is `ember` or `torch`); ember's weights are copied into
PyTorch's model, so both run the same arithmetic.
"""

import numpy as np
import torch
from run import Case

import ember


def _basic_block(nn, cin, cout, stride):
    class BasicBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + identity)

    return BasicBlock()


def resnet18(lib, in_channels=3, classes=10):
    nn = lib.nn
    layers = [nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [_basic_block(nn, cin, cout, stride), _basic_block(nn, cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes)]
    return nn.Sequential(*layers)


def dcgan(lib, nz=100, ngf=32, ndf=32):
    nn = lib.nn
    generator = nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh())
    discriminator = nn.Sequential(
        nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False), nn.Sigmoid(), nn.Flatten(0))
    return nn.ModuleDict({"G": generator, "D": discriminator})


def lstm_lm(lib, vocab=2000, hidden=200):
    nn = lib.nn

    class LanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(vocab, hidden)
            self.rnn = nn.LSTM(hidden, hidden, 2, dropout=0.2)
            self.decoder = nn.Linear(hidden, vocab)

        def forward(self, tokens):
            output, _ = self.rnn(self.encoder(tokens))
            return self.decoder(output).view(-1, vocab)

    return LanguageModel()


def transformer(lib, vocab=1000, d_model=128):
    nn = lib.nn

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, d_model)
            layer = nn.TransformerEncoderLayer(d_model, 4, 4 * d_model, dropout=0.1, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2)
            self.head = nn.Linear(d_model, vocab)

        def forward(self, tokens):
            return self.head(self.encoder(self.embed(tokens))).view(-1, vocab)

    return Encoder()


def _same_weights(em, tm):
    state = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in em.state_dict().items()}
    tm.load_state_dict(state)


def _pair(build, step):
    """Two zero-argument training steps: one on an ember model, one on its PyTorch copy."""
    em, tm = build(ember), build(torch)
    _same_weights(em, tm)
    return step(ember, em), step(torch, tm)


def _classifier_step(x, y, optimizer, clip=None):
    def make(lib, model):
        opt = optimizer(lib, model)
        data, target = lib.from_numpy(x), lib.from_numpy(y)
        loss_fn = lib.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss_fn(model(data), target).backward()
            if clip is not None:
                lib.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
        return step
    return make


def _gan_step(z, real):
    def make(lib, model):
        G, D = model["G"], model["D"]
        opt_g = lib.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = lib.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        noise, images = lib.from_numpy(z), lib.from_numpy(real)
        ones, zeros = lib.ones(len(z)), lib.zeros(len(z))
        bce = lib.nn.BCELoss()

        def step():
            opt_d.zero_grad()
            fake = G(noise)
            (bce(D(images), ones) + bce(D(fake.detach()), zeros)).backward()
            opt_d.step()
            opt_g.zero_grad()
            bce(D(fake), ones).backward()
            opt_g.step()
        return step
    return make


def cases():
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    sgd = lambda lib, m: lib.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)

    x = rng.standard_normal((8, 3, 64, 64)).astype(np.float32)
    y = rng.integers(0, 10, 8)
    yield Case("ResNet-18 3x64x64, batch 8, SGD momentum", *_pair(resnet18, _classifier_step(x, y, sgd)))

    x = rng.standard_normal((32, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 32)
    adam = lambda lib, m: lib.optim.Adam(m.parameters(), lr=1e-3)
    yield Case("ResNet-18 1x28x28 stem, batch 32, Adam",
               *_pair(lambda lib: resnet18(lib, in_channels=1), _classifier_step(x, y, adam)))

    z = rng.standard_normal((32, 100, 1, 1)).astype(np.float32)
    real = rng.uniform(-1, 1, (32, 3, 32, 32)).astype(np.float32)
    yield Case("DCGAN G+D step, batch 32, 3x32x32, BCE, Adam", *_pair(dcgan, _gan_step(z, real)))

    tokens = rng.integers(0, 2000, (35, 20))
    yield Case("LSTM LM 2x200, vocab 2000, seq 35, batch 20, clip, SGD",
               *_pair(lstm_lm, _classifier_step(tokens, rng.integers(0, 2000, 35 * 20), sgd, clip=0.25)))

    tokens = rng.integers(0, 1000, (16, 64))
    adamw = lambda lib, m: lib.optim.AdamW(m.parameters(), lr=1e-3)
    yield Case("TransformerEncoder 2x128, 4 heads, batch 16, seq 64, AdamW",
               *_pair(transformer, _classifier_step(tokens, rng.integers(0, 1000, 16 * 64), adamw)))
