"""Named tuples for ops that return several tensors: ``ember.max(x, 1)`` gives
``ember.return_types.max(values=..., indices=...)``, like PyTorch's ``torch.return_types``.

Each type is a tuple (it unpacks and indexes like one) whose fields are also attributes,
built from one sequence as PyTorch's are: ``ember.return_types.max((values, indices))``.
"""

from __future__ import annotations

from operator import itemgetter

__all__ = ["max", "min", "aminmax", "sort", "topk", "kthvalue", "mode", "median", "nanmedian",
           "cummax", "cummin", "slogdet", "qr", "svd", "linalg_eigh",
           "linalg_slogdet", "linalg_qr", "linalg_svd", "linalg_inv_ex", "linalg_solve_ex", "linalg_cholesky_ex",
           "linalg_lstsq", "linalg_lu_factor", "linalg_lu_factor_ex", "linalg_lu", "lu_unpack"]


class _ReturnType(tuple):
    """Base of the named result tuples; subclasses set ``_fields``."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __new__(cls, sequence):
        items = tuple(sequence)
        if len(items) != len(cls._fields):
            raise TypeError(f"ember.return_types.{cls.__name__}() takes a {len(cls._fields)}-sequence "
                            f"({len(items)}-sequence given)")
        return tuple.__new__(cls, items)

    @property
    def n_fields(self) -> int:
        return len(self._fields)

    n_sequence_fields = n_fields

    def __repr__(self) -> str:
        body = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"ember.return_types.{type(self).__name__}(\n{body})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _return_type(name: str, fields: tuple[str, ...]) -> type:
    attrs = {"__slots__": (), "_fields": fields, "__module__": __name__, "__qualname__": name,
             "__doc__": f"``({', '.join(fields)})``: what ``{name}`` returns."}
    attrs.update({field: property(itemgetter(i)) for i, field in enumerate(fields)})
    return type(name, (_ReturnType,), attrs)


max = _return_type("max", ("values", "indices"))  # noqa: A001 - PyTorch's names
min = _return_type("min", ("values", "indices"))  # noqa: A001
aminmax = _return_type("aminmax", ("min", "max"))
sort = _return_type("sort", ("values", "indices"))
topk = _return_type("topk", ("values", "indices"))
kthvalue = _return_type("kthvalue", ("values", "indices"))
mode = _return_type("mode", ("values", "indices"))
median = _return_type("median", ("values", "indices"))
nanmedian = _return_type("nanmedian", ("values", "indices"))
cummax = _return_type("cummax", ("values", "indices"))
cummin = _return_type("cummin", ("values", "indices"))
slogdet = _return_type("slogdet", ("sign", "logabsdet"))
qr = _return_type("qr", ("Q", "R"))
svd = _return_type("svd", ("U", "S", "V"))
linalg_eigh = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_slogdet = _return_type("linalg_slogdet", ("sign", "logabsdet"))
linalg_qr = _return_type("linalg_qr", ("Q", "R"))
linalg_svd = _return_type("linalg_svd", ("U", "S", "Vh"))
linalg_inv_ex = _return_type("linalg_inv_ex", ("inverse", "info"))
linalg_solve_ex = _return_type("linalg_solve_ex", ("result", "info"))
linalg_cholesky_ex = _return_type("linalg_cholesky_ex", ("L", "info"))
linalg_lstsq = _return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
linalg_lu_factor = _return_type("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_lu = _return_type("linalg_lu", ("P", "L", "U"))
lu_unpack = _return_type("lu_unpack", ("P", "L", "U"))
