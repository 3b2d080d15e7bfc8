"""ember-nn: one full training step (forward, backward, optimizer) against PyTorch.

Targets: (a) and (b) no slower than PyTorch; (c) and (d) at most 1.5x.
"""

import numpy as np
import torch
from run import Case

import ember


def _mlp(lib, sizes):
    nn = lib.nn
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def _lenet(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def _conv_block(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())


def _copy_weights(src, dst):
    with torch.no_grad():
        for (_, a), (_, b) in zip(src.named_parameters(), dst.named_parameters()):
            b.copy_(torch.from_numpy(a.detach().numpy().copy()))


def _step_fns(build, make_opt, x_np, y_np, loss="ce"):
    em = build(ember)
    tm = build(torch)
    _copy_weights(em, tm)
    eo, to = make_opt(ember, em), make_opt(torch, tm)
    ex, tx = ember.from_numpy(x_np), torch.from_numpy(x_np)
    if loss == "ce":
        ey, ty = ember.from_numpy(y_np), torch.from_numpy(y_np)
        eloss, tloss = ember.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()

        def e_step():
            eo.zero_grad()
            eloss(em(ex), ey).backward()
            eo.step()

        def t_step():
            to.zero_grad()
            tloss(tm(tx), ty).backward()
            to.step()
    else:
        def e_step():
            em(ex).sum().backward()

        def t_step():
            tm(tx).sum().backward()
    return e_step, t_step


def cases():
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    sgd = lambda lib, m: lib.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    adam = lambda lib, m: lib.optim.Adam(m.parameters(), lr=1e-3)

    x = rng.standard_normal((64, 64)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    yield Case("(a) MLP 64-128-128-10, batch 64, SGD momentum", *_step_fns(
        lambda lib: _mlp(lib, [64, 128, 128, 10]), sgd, x, y), target=1.0)

    x = rng.standard_normal((256, 784)).astype(np.float32)
    y = rng.integers(0, 10, 256)
    yield Case("(b) MLP 784-512-512-10, batch 256, SGD momentum", *_step_fns(
        lambda lib: _mlp(lib, [784, 512, 512, 10]), sgd, x, y), target=1.0)

    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    yield Case("(c) LeNet-5 1x28x28, batch 64, Adam", *_step_fns(_lenet, adam, x, y), target=1.5)

    x = rng.standard_normal((16, 64, 32, 32)).astype(np.float32)
    yield Case("(d) conv3x3 64->64 + BN + ReLU fwd+bwd, 16x64x32x32", *_step_fns(
        _conv_block, adam, x, None, loss="sum"), target=1.5)
