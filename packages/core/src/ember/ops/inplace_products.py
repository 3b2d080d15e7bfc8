"""The in-place forms of the fused matrix products: ``addmm_``, ``addbmm_``, ``addmv_``, ``addr_``,
``baddbmm_`` (``self = beta * self + alpha * product``), recorded by autograd like every in-place op."""

from __future__ import annotations

from ember import _core
from ember.ops.linalg import addmm, baddbmm
from ember.ops.linalg_classic import addbmm, addmv, addr


def _write(self, result):
    if tuple(result.shape) != tuple(self.shape):
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                           f"{list(result.shape)}")
    return _core.assign(self, result)


class InplaceProductMethods:
    __slots__ = ()

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        """``self = beta * self + alpha * (mat1 @ mat2)`` in place."""
        return _write(self, addmm(self, mat1, mat2, beta=beta, alpha=alpha))

    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        """``self = beta * self + alpha * sum_i(batch1[i] @ batch2[i])`` in place."""
        return _write(self, addbmm(self, batch1, batch2, beta=beta, alpha=alpha))

    def addmv_(self, mat, vec, *, beta=1, alpha=1):
        """``self = beta * self + alpha * (mat @ vec)`` in place."""
        return _write(self, addmv(self, mat, vec, beta=beta, alpha=alpha))

    def addr_(self, vec1, vec2, *, beta=1, alpha=1):
        """``self = beta * self + alpha * outer(vec1, vec2)`` in place."""
        return _write(self, addr(self, vec1, vec2, beta=beta, alpha=alpha))

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        """``self = beta * self + alpha * (batch1 @ batch2)`` in place, per batch."""
        return _write(self, baddbmm(self, batch1, batch2, beta=beta, alpha=alpha))
