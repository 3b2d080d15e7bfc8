"""Small matrix products run on one BLAS thread, large ones on the thread budget (see backends/cpu/blas_threads.py)."""

import numpy as np
import pytest

import ember


def openblas_threads(threadpoolctl):
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["internal_api"] == "openblas"]


def test_small_products_use_one_thread_and_large_ones_all():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from ember.backends.cpu.blas_threads import blas_threads

    small = ember.ones(8, 8)
    np.testing.assert_array_equal((small @ small).numpy(), np.full((8, 8), 8.0))
    if not openblas_threads(threadpoolctl):
        pytest.skip("NumPy here does not use OpenBLAS")
    assert openblas_threads(threadpoolctl) == [1] * len(openblas_threads(threadpoolctl))
    big = ember.ones(256, 256)
    np.testing.assert_array_equal((big @ big).numpy()[:2, :2], np.full((2, 2), 256.0))
    assert set(openblas_threads(threadpoolctl)) == {blas_threads.budget}
    ember.addmm(ember.zeros(4), ember.ones(3, 5), ember.ones(5, 4))
    assert set(openblas_threads(threadpoolctl)) == {1}
