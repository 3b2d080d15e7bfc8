"""ember-autograd: recording an op, and a small graph forward + backward, against PyTorch."""

import numpy as np
import torch
from run import Case

import ember


def _small_graph(lib, x, w, c, d):
    def step():
        y = (lib.relu(x @ w) * c + d).sum()
        y.backward()
    return step


def _chain(lib, x, n):
    def step():
        y = x
        for _ in range(n):
            y = y * 1.0001 + 0.5
        y.sum().backward()
    return step


def cases():
    a, b = ember.ones(16, 16, requires_grad=True), ember.ones(16, 16, requires_grad=True)
    ta, tb = torch.ones(16, 16, requires_grad=True), torch.ones(16, 16, requires_grad=True)
    yield Case("mul 16x16 requires_grad (records a node)", lambda: a * b, lambda: ta * tb, target=1.0)

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((32, 32), dtype=np.float32) for _ in range(4)]
    ours = [ember.from_numpy(v.copy()).requires_grad_() for v in arrays]
    theirs = [torch.from_numpy(v.copy()).requires_grad_() for v in arrays]
    yield Case("32x32 matmul, relu, mul, add, sum: forward + backward", _small_graph(ember, *ours),
               _small_graph(torch, *theirs), target=1.0)

    x, tx = ember.ones(8, requires_grad=True), torch.ones(8, requires_grad=True)
    yield Case("chain of 200 ops on 8 elements: forward + backward", _chain(ember, x, 100), _chain(torch, tx, 100))

    big = [rng.standard_normal((256, 256), dtype=np.float32) for _ in range(4)]
    ours = [ember.from_numpy(v.copy()).requires_grad_() for v in big]
    theirs = [torch.from_numpy(v.copy()).requires_grad_() for v in big]
    yield Case("256x256 matmul, relu, mul, add, sum: forward + backward", _small_graph(ember, *ours),
               _small_graph(torch, *theirs))
