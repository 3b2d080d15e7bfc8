"""``ReduceOp``: how a reduction collective combines the ranks' values."""

from __future__ import annotations

import enum

__all__ = ["ReduceOp"]


class ReduceOp(enum.Enum):
    """The reductions of ``all_reduce``, ``reduce`` and ``reduce_scatter_tensor``.

    ``SUM``, ``PRODUCT``, ``MIN`` and ``MAX`` combine elementwise; ``AVG`` is the sum divided by
    the number of ranks of the group (floating-point tensors only). On ``bool`` tensors ``SUM``
    and ``MAX`` are a logical or, ``PRODUCT`` and ``MIN`` a logical and.
    """

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"

    def __repr__(self) -> str:
        return f"<ReduceOp.{self.name}>"
