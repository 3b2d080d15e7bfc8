"""Indexing: ``t[key]``, ``t[key] = value``, gather/scatter, masks and ``nonzero``.

Three modules, one concept each (their docstrings list the kernels):

- ``ember.ops.subscripting``: ``t[key]``, ``t[key] = value`` and ``index_put``;
- ``ember.ops.gather_scatter``: the ops along one dim (gather/scatter, ``index_*``, ``take_along_dim``);
- ``ember.ops.selection``: by a mask or a flat position (``masked_*``, ``take``, ``nonzero``).

This module gathers them under their historical import path and ``Tensor``'s methods.
"""

from __future__ import annotations

from ember.ops.gather_scatter import (
    DimIndexingMethods,
    gather,
    index_add,
    index_copy,
    index_fill,
    index_select,
    scatter,
    scatter_add,
    scatter_reduce,
    take_along_dim,
)
from ember.ops.selection import SelectionMethods, argwhere, masked_fill, masked_select, nonzero, take
from ember.ops.subscripting import SubscriptingMethods, index_put

__all__ = [
    "IndexingMethods", "gather", "scatter", "scatter_add", "scatter_reduce", "index_select",
    "index_add", "index_copy", "index_fill", "index_put", "masked_fill", "masked_select", "take",
    "take_along_dim", "nonzero", "argwhere",
]


class IndexingMethods(SubscriptingMethods, DimIndexingMethods, SelectionMethods):
    """``Tensor``'s indexing methods."""

    __slots__ = ()
