"""ember-nn: forward + backward of small models and layers against PyTorch (no optimizer step).

(a) MLP 64-128-128-10, batch 64 and (b) MLP 784-512-512-10, batch 256, with cross-entropy:
no slower than PyTorch. (c) LeNet-5 on 1x28x28, batch 64, with cross-entropy and (d) conv3x3
64->64 + BatchNorm + ReLU on 16x64x32x32: at most 1.5x. Full training steps with an
optimizer are in bench_train.py. Max pooling: the 2x2 LeNet pool, ResNet's 3x3 stride-2 pool
(fwd+bwd, and forward with indices) and a 3x3 stride-1 pool: no slower than PyTorch.
"""

import numpy as np
import torch
from run import Case

import ember


def _mlp(nn, sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def _lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def _conv_block(nn):
    return nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())


def _pair(build, x, y=None, input_grad=False):
    """Zero-argument fwd+bwd callables for ember and torch on the same weights and data."""
    tm, em = build(torch.nn), build(ember.nn)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    tx, ex = torch.from_numpy(x).requires_grad_(input_grad), ember.from_numpy(x).requires_grad_(input_grad)
    if y is None:
        tg, eg = torch.ones(tm(tx).shape), ember.ones(tuple(em(ex).shape))

        def torch_step():
            tm(tx).backward(tg)

        def ember_step():
            em(ex).backward(eg)
    else:
        ty, ey = torch.from_numpy(y), ember.from_numpy(y)
        tloss, eloss = torch.nn.CrossEntropyLoss(), ember.nn.CrossEntropyLoss()

        def torch_step():
            tloss(tm(tx), ty).backward()

        def ember_step():
            eloss(em(ex), ey).backward()
    return ember_step, torch_step


def cases():
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)

    def data(*shape, classes=10):
        return rng.standard_normal(shape).astype(np.float32), rng.integers(0, classes, shape[0])

    ours, theirs = _pair(lambda nn: _mlp(nn, [64, 128, 128, 10]), *data(64, 64))
    yield Case("(a) MLP 64-128-128-10 b64 fwd+bwd (CE)", ours, theirs, target=1.0)
    ours, theirs = _pair(lambda nn: _mlp(nn, [784, 512, 512, 10]), *data(256, 784))
    yield Case("(b) MLP 784-512-512-10 b256 fwd+bwd (CE)", ours, theirs, target=1.0)
    ours, theirs = _pair(_lenet, *data(64, 1, 28, 28))
    yield Case("(c) LeNet-5 1x28x28 b64 fwd+bwd (CE)", ours, theirs, target=1.5)
    ours, theirs = _pair(_conv_block, data(16, 64, 32, 32)[0])
    yield Case("(d) conv3x3 64->64 + BN + ReLU 16x64x32x32 fwd+bwd", ours, theirs, target=1.5)
    x = rng.standard_normal((64, 16, 28, 28)).astype(np.float32)
    ours, theirs = _pair(lambda nn: nn.MaxPool2d(2), x, input_grad=True)
    yield Case("max_pool2d 2x2 64x16x28x28 fwd+bwd", ours, theirs)
    x = rng.standard_normal((16, 64, 112, 112)).astype(np.float32)
    ours, theirs = _pair(lambda nn: nn.MaxPool2d(3, 2, 1), x, input_grad=True)
    yield Case("max_pool2d 3x3 s2 p1 (ResNet) 16x64x112x112 fwd+bwd", ours, theirs, target=1.0)
    ex, tx = ember.from_numpy(x), torch.from_numpy(x)
    yield Case("max_pool2d 3x3 s2 p1 16x64x112x112 fwd, indices", lambda: ember.nn.functional.max_pool2d(
        ex, 3, 2, 1, return_indices=True), lambda: torch.nn.functional.max_pool2d(tx, 3, 2, 1, return_indices=True),
        target=1.0)
    x = rng.standard_normal((32, 64, 56, 56)).astype(np.float32)
    ex, tx = ember.from_numpy(x), torch.from_numpy(x)
    yield Case("max_pool2d 3x3 s1 p1 32x64x56x56 fwd", lambda: ember.nn.functional.max_pool2d(ex, 3, 1, 1),
               lambda: torch.nn.functional.max_pool2d(tx, 3, 1, 1), target=1.0)
