"""ember.set_num_threads / get_num_threads: one budget for BLAS and the OpenMP kernels."""

import numpy as np
import pytest

import ember
from ember.backends.cpu import buffers
from ember.backends.cpu.blas_threads import SMALL, blas_threads


@pytest.fixture
def restore_budget():
    before = ember.get_num_threads()
    yield
    ember.set_num_threads(before)


def test_the_budget_caps_openmp_teams_and_blas(restore_budget):
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    assert buffers.threads_for(1 << 40) == 1
    ember.set_num_threads(3)
    assert buffers.threads_for(1 << 40) == 3 and buffers.threads_for(0) == 1
    blas_threads.fit(SMALL)
    if blas_threads._controllers:   # OpenBLAS found through threadpoolctl: its count follows the budget
        assert [c.num_threads for c in blas_threads._controllers] == [3] * len(blas_threads._controllers)
        blas_threads.fit(SMALL - 1)
        assert [c.num_threads for c in blas_threads._controllers] == [1] * len(blas_threads._controllers)
    a = np.random.default_rng(0).standard_normal((300, 300))
    np.testing.assert_allclose((ember.tensor(a) @ ember.tensor(a)).numpy(), a @ a, rtol=1e-12)


@pytest.mark.parametrize("bad, message", [
    (0, "positive integer, got 0"), (-2, "positive integer, got -2"), (2.0, "expects an int, but got float"),
    (True, "expects an int, but got bool"), ("2", "expects an int, but got str")])
def test_bad_counts_are_refused(bad, message, restore_budget):
    with pytest.raises(RuntimeError, match=message):
        ember.set_num_threads(bad)
