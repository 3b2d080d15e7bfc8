"""The CPU nn kernels give the same results with an OpenMP team as single-threaded."""

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.backends.cpu import buffers
from ember.backends.cpu.blas_threads import blas_threads


def _run_all(seed):
    rng = np.random.default_rng(seed)
    x = ember.tensor(rng.standard_normal((3, 16, 9, 8)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((16, 16, 3, 3)), requires_grad=True)
    w5 = ember.tensor(rng.standard_normal((4, 16, 5, 5)), requires_grad=True)
    outs = [F.conv2d(x, w, padding=1), F.conv2d(x, w5, stride=2, padding=2), F.max_pool2d(x, 3, 2, 1),
            F.avg_pool2d(x, 2, ceil_mode=True), F.adaptive_avg_pool2d(x, (4, 3)), F.adaptive_max_pool2d(x, 5),
            F.conv_transpose2d(x, w, stride=2)]
    total = sum((o * o).sum() for o in outs)
    total.backward()
    return [o.detach().numpy() for o in outs] + [x.grad.numpy(), w.grad.numpy(), w5.grad.numpy()]


def test_threaded_kernels_match_single_threaded(monkeypatch):
    single = _run_all(0)
    monkeypatch.setattr(buffers, "PARALLEL_WORK", 0)
    monkeypatch.setattr(blas_threads, "budget", 2)
    threaded = _run_all(0)
    for a, b in zip(single, threaded):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("work", [0, 1 << 40])
def test_thread_choice(monkeypatch, work):
    monkeypatch.setattr(blas_threads, "budget", 2)
    assert buffers.threads_for(work) == (2 if work >= buffers.PARALLEL_WORK else 1)
