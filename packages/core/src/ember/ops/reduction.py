"""Reductions: ``sum``, ``mean``, ``max``, ``var``, ``norm``, ... over all elements or given dims.

Kernels recorded for autograd (``dims`` is a tuple of non-negative axes, or None for all;
``np_dtype`` a NumPy dtype or None):

    kernel            inputs  params                           output
    sum mean prod     (x,)    (dims, keepdim, np_dtype)        tensor (np_dtype: x is cast first)
    nansum            (x,)    (dims, keepdim, np_dtype)        tensor
    nanmean           (x,)    (dims, keepdim)                  tensor
    amax amin         (x,)    (dims, keepdim)                  tensor   also max(x) / min(x) with no dim
    max_dim min_dim   (x,)    (dim, keepdim)                   (values, indices)   dim an int
    argmax argmin     (x,)    (dim or None, keepdim)           int64 tensor
    var std           (x,)    (dims, correction, keepdim)      tensor
    norm              (x,)    (p, dims, keepdim)               tensor   p a float (inf allowed), fused kernel
    logsumexp         (x,)    (dims, keepdim)                  tensor   fused kernel
    all any           (x,)    (dims, keepdim)                  bool tensor
    cumsum cumprod    (x,)    (dim, np_dtype)                  tensor   dim an int

``norm`` and ``logsumexp`` are composites: a backend without the fused kernel computes them
from ``abs``/``sum``/``amax``/``exp``/``log``, which autograd differentiates op by op.
"""

from __future__ import annotations

import builtins
import functools
import math
import operator

from ember import _core, dtypes
from ember._core import TensorBase
from ember.ops import return_types
from ember.ops.shape import wrap_dim

__all__ = [
    "sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax",
    "argmax", "argmin", "var", "std", "var_mean", "std_mean", "norm", "logsumexp", "all", "any",
    "cumsum", "cumprod", "count_nonzero", "return_types", "ReductionMethods", "normalize_dims",
]

_type_name = _core._type_name


def normalize_dims(dim, ndim: int) -> tuple[int, ...] | None:
    """``dim`` (int, sequence or None) as a tuple of non-negative axes; None means all.

    An empty sequence means all dims, as in ``sum(x, dim=())``; so does any valid dim of a
    0-d tensor.
    """
    if dim is None:
        return None
    try:
        dims = tuple(_index(d) for d in dim) if isinstance(dim, (tuple, list)) else (_index(dim),)
    except TypeError:
        raise TypeError(f"argument 'dim' must be int or tuple of ints, not {type(dim).__name__}") from None
    if len(dims) == 0:
        return None
    out = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {_first_repeat(out)} appears multiple times in the list of dims")
    return out if ndim else None


def _index(d) -> int:
    if isinstance(d, builtins.bool):
        raise TypeError("a bool is not a dim")
    return operator.index(d)


def _first_repeat(dims):
    seen = set()
    for d in dims:
        if d in seen:
            return d
        seen.add(d)


def _check_tensor(name: str, x) -> None:
    if not isinstance(x, TensorBase):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _single_dim(name: str, dim, ndim: int) -> int:
    try:
        return wrap_dim(_index(dim), ndim)
    except TypeError:
        raise TypeError(f"{name}(): argument 'dim' (position 2) must be int, not {type(dim).__name__}") from None


def _np_dtype(dtype):
    if dtype is None:
        return None
    if not isinstance(dtype, dtypes.dtype):
        raise TypeError(f"argument 'dtype' must be ember.dtype, not {type(dtype).__name__}")
    return dtype.numpy


def _check_nonempty(name: str, input, dims, shown=None) -> None:
    """PyTorch refuses ``max`` and friends where there is nothing to reduce.

    ``shown`` are the dims as the user wrote them, which ``amax``'s message repeats.
    """
    if dims is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               f"Specify the reduction dim with the 'dim' argument.")
        return
    for d, written in zip(dims, shown or dims):
        if input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {written} to have non-zero size.")


def _as_written(dim) -> tuple:
    return tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)


# -- sums and products ------------------------------------------------------------------

def sum(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A001 - PyTorch's name
    """The sum of all elements, or over ``dim`` (an int or a tuple of ints).

    Integer and bool inputs sum in int64, as in PyTorch; ``dtype`` casts the input first.
    The sum of no elements is 0.

    Example::

        >>> ember.sum(ember.tensor([[1, 2], [3, 4]]), dim=0)
        tensor([4, 6])
    """
    _check_tensor("sum", input)
    if dtype is None and not input._dtype.is_floating_point:
        dtype = dtypes.int64
    return _core.call("sum", (input,), (normalize_dims(dim, input.ndim), keepdim, _np_dtype(dtype)))


def nansum(input, dim=None, keepdim: bool = False, *, dtype=None):
    """``sum`` treating NaN as zero."""
    _check_tensor("nansum", input)
    if dtype is None and not input._dtype.is_floating_point:
        dtype = dtypes.int64
    return _core.call("nansum", (input,), (normalize_dims(dim, input.ndim), keepdim, _np_dtype(dtype)))


def _check_mean_dtype(name: str, input, dtype) -> None:
    if dtype is not None:
        if not dtype.is_floating_point:
            raise RuntimeError(f"{name}(): could not infer output dtype. Optional dtype must be either a "
                               f"floating point or complex dtype. Got: {_type_name(dtype)}")
    elif not input._dtype.is_floating_point:
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {_type_name(input._dtype)}")


def mean(input, dim=None, keepdim: bool = False, *, dtype=None):
    """The mean of all elements, or over ``dim`` (an int or a tuple of ints).

    Integer inputs need ``dtype=`` (a floating point dtype), as in PyTorch. The mean of no
    elements is NaN.

    Example::

        >>> ember.mean(ember.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
        tensor([1.5000, 3.5000])
    """
    _check_tensor("mean", input)
    _check_mean_dtype("mean", input, dtype)
    return _core.call("mean", (input,), (normalize_dims(dim, input.ndim), keepdim, _np_dtype(dtype)))


def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None):
    """``mean`` ignoring NaN elements."""
    _check_tensor("nanmean", input)
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_type_name(input._dtype)}")
    x = input if dtype is None else input.to(dtype)
    return _core.call("nanmean", (x,), (normalize_dims(dim, input.ndim), keepdim))


def prod(input, dim=None, keepdim: bool = False, *, dtype=None):
    """The product of all elements, or over the single dimension ``dim``.

    Integer and bool inputs multiply in int64. The product of no elements is 1.
    """
    _check_tensor("prod", input)
    dims = None if dim is None else normalize_dims(_single_dim("prod", dim, input.ndim), input.ndim)
    if dtype is None and not input._dtype.is_floating_point:
        dtype = dtypes.int64
    return _core.call("prod", (input,), (dims, keepdim, _np_dtype(dtype)))


def count_nonzero(input, dim=None):
    """The number of nonzero elements, over all elements or ``dim`` (int or tuple)."""
    _check_tensor("count_nonzero", input)
    return sum(input != 0, dim)


def cumsum(input, dim: int, *, dtype=None):
    """Running sums along ``dim``; integer and bool inputs sum in int64.

    Example::

        >>> ember.cumsum(ember.tensor([1, 2, 3]), dim=0)
        tensor([1, 3, 6])
    """
    _check_tensor("cumsum", input)
    d = _single_dim("cumsum", dim, input.ndim)
    if dtype is None and not input._dtype.is_floating_point:
        dtype = dtypes.int64
    return _core.call("cumsum", (input,), (d, _np_dtype(dtype)))


def cumprod(input, dim: int, *, dtype=None):
    """Running products along ``dim``; integer and bool inputs multiply in int64."""
    _check_tensor("cumprod", input)
    d = _single_dim("cumprod", dim, input.ndim)
    if dtype is None and not input._dtype.is_floating_point:
        dtype = dtypes.int64
    return _core.call("cumprod", (input,), (d, _np_dtype(dtype)))


# -- extremes -------------------------------------------------------------------------

def _extreme(name: str, input, dim, keepdim, other):
    _check_tensor(name, input)
    if other is not None or isinstance(dim, TensorBase):
        from ember.ops.pointwise import maximum, minimum
        return (maximum if name == "max" else minimum)(input, dim if other is None else other)
    if dim is None:
        _check_nonempty(name, input, None)
        return _core.call("a" + name, (input,), (None, keepdim))
    d = _single_dim(name, dim, input.ndim)
    if input.ndim:
        _check_nonempty(name, input, (d,))
    values, indices = _core.call(name + "_dim", (input,), (d, keepdim))
    return getattr(return_types, name)((values, indices))


def max(input, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001 - PyTorch's name
    """The largest element; along ``dim``, the named tuple ``(values, indices)``.

    ``max(input, other)`` with a tensor ``other`` is ``maximum(input, other)``. NaN
    propagates: the maximum of a slice holding NaN is NaN, and its index is the NaN's.

    Example::

        >>> ember.max(ember.tensor([[1, 5], [7, 2]]), dim=1)
        ember.return_types.max(
        values=tensor([5, 7]),
        indices=tensor([1, 0]))
    """
    return _extreme("max", input, dim, keepdim, other)


def min(input, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001 - PyTorch's name
    """The smallest element; along ``dim``, the named tuple ``(values, indices)``.

    ``min(input, other)`` with a tensor ``other`` is ``minimum(input, other)``.
    """
    return _extreme("min", input, dim, keepdim, other)


def amax(input, dim=(), keepdim: bool = False):
    """The largest elements over ``dim`` (int or tuple; all dims by default), values only."""
    _check_tensor("amax", input)
    dims = normalize_dims(dim, input.ndim)
    _check_nonempty("amax", input, dims, _as_written(dim))
    return _core.call("amax", (input,), (dims, keepdim))


def amin(input, dim=(), keepdim: bool = False):
    """The smallest elements over ``dim`` (int or tuple; all dims by default), values only."""
    _check_tensor("amin", input)
    dims = normalize_dims(dim, input.ndim)
    _check_nonempty("amin", input, dims, _as_written(dim))
    return _core.call("amin", (input,), (dims, keepdim))


def aminmax(input, *, dim=None, keepdim: bool = False):
    """``(amin, amax)`` over ``dim`` (an int, or all dims), as the named tuple ``(min, max)``."""
    _check_tensor("aminmax", input)
    dims = None if dim is None else normalize_dims(_single_dim("aminmax", dim, input.ndim), input.ndim)
    if dims is None and input.numel() == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                           "no identity.")
    if dims is not None and input.shape[dims[0]] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    return return_types.aminmax((_core.call("amin", (input,), (dims, keepdim)),
                                 _core.call("amax", (input,), (dims, keepdim))))


def _arg_extreme(name: str, input, dim, keepdim):
    _check_tensor(name, input)
    if input._dtype is dtypes.bool:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        return _core.call(name, (input,), (None, keepdim))
    d = _single_dim(name, dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return _core.call(name, (input,), (d if input.ndim else None, keepdim))


def argmax(input, dim=None, keepdim: bool = False):
    """The index of the largest element: of the flattened input, or along ``dim``.

    Of equal maxima the first is chosen; NaN counts as the largest value.
    """
    return _arg_extreme("argmax", input, dim, keepdim)


def argmin(input, dim=None, keepdim: bool = False):
    """The index of the smallest element: of the flattened input, or along ``dim``."""
    return _arg_extreme("argmin", input, dim, keepdim)


# -- spread ---------------------------------------------------------------------------

def _correction(name: str, dim, unbiased, correction):
    """PyTorch's overloads: ``var(x, dim, unbiased, keepdim)``, ``var(x, unbiased)``, ``correction=``."""
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}(): pass either 'unbiased' or 'correction', not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


def _spread(name: str, input, dim, unbiased, keepdim, correction):
    _check_tensor(name, input)
    if not input._dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dim, correction = _correction(name, dim, unbiased, correction)
    return _core.call(name, (input,), (normalize_dims(dim, input.ndim), correction, keepdim))


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """The variance over ``dim`` (int, tuple or all), ``sum((x - mean)**2) / (N - correction)``.

    Args:
        correction (int or float): subtracted from the element count N; 1 (the default) is
            Bessel's correction, 0 the population variance. ``unbiased=False`` means 0.

    Example::

        >>> ember.var(ember.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor(1.6667)
    """
    return _spread("var", input, dim, unbiased, keepdim, correction)


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """The standard deviation over ``dim``: the square root of ``var`` (same arguments)."""
    return _spread("std", input, dim, unbiased, keepdim, correction)


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(var, mean)`` over ``dim``, as a tuple."""
    v = var(input, dim, unbiased, keepdim, correction=correction)
    d = None if isinstance(dim, builtins.bool) else dim
    return v, mean(input, d, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(std, mean)`` over ``dim``, as a tuple."""
    s = std(input, dim, unbiased, keepdim, correction=correction)
    d = None if isinstance(dim, builtins.bool) else dim
    return s, mean(input, d, keepdim)


# -- norms and logsumexp (composites with fused kernels) --------------------------------

def _norm_order(p, dim) -> float:
    if isinstance(p, str):
        if p == "fro":
            if isinstance(dim, (tuple, list)) and len(dim) > 2:
                raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
            return 2.0
        if p == "nuc":
            raise NotImplementedError("ember.norm: the nuclear norm (p='nuc') is not supported; use p='fro' "
                                      "or a number")
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    if p is None:
        return 2.0
    if not isinstance(p, (builtins.int, builtins.float)) or isinstance(p, builtins.bool):
        raise TypeError(f"norm(): argument 'p' must be a number or a string, not {type(p).__name__}")
    return builtins.float(p)


def _norm_composite(x, p: float, dims, keepdim: bool):
    from ember.ops import pointwise as pw
    if p == 2.0:
        return pw.sqrt(sum(x * x, dims, keepdim))
    if p == 1.0:
        return sum(pw.abs(x), dims, keepdim)
    if p == math.inf:
        return amax(pw.abs(x), dims, keepdim)
    if p == -math.inf:
        return amin(pw.abs(x), dims, keepdim)
    if p == 0.0:
        return sum(x != 0, dims, keepdim, dtype=x.dtype)
    return pw.pow(sum(pw.pow(pw.abs(x), p), dims, keepdim), 1.0 / p)


def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None):
    """The vector norm of ``input`` over ``dim`` (int, tuple, or all elements).

    Args:
        p (float or str): the order: any number, ``inf``, ``-inf``, ``0`` (the count of
            nonzeros), or ``"fro"`` (the 2-norm). Default ``"fro"``.
        dim (int or tuple of ints, optional): dims to reduce; all by default.
        keepdim (bool): keep the reduced dims with size 1.
        dtype (ember.dtype, optional): compute and return in this floating point dtype.

    Example::

        >>> ember.norm(ember.tensor([3.0, 4.0]))
        tensor(5.)
    """
    _check_tensor("norm", input)
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_type_name(input._dtype)}")
    if dtype is not None:
        if not dtype.is_floating_point:
            raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got "
                               f"{_type_name(dtype)}")
        if dtype._rank < input._dtype._rank:
            raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({_type_name(input._dtype)}) should "
                               f"be convertible without narrowing to the specified dtype ({_type_name(dtype)})")
    order = _norm_order(p, dim)
    dims = normalize_dims(dim, input.ndim)
    if builtins.abs(order) == math.inf:
        name = "inf" if order > 0 else "-inf"
        if dims is None and input.numel() == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on an empty tensor because "
                               f"the operation does not have an identity")
        for d in dims or ():
            if input.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on the dimension {d}"
                                   f"because this dimension is empty and the operation does not have an identity")
    x = input if dtype is None or dtype is input._dtype else input.to(dtype)
    if "norm" in x._device._kernels:
        return _core.call("norm", (x,), (order, dims, keepdim))
    return _norm_composite(x, order, dims, keepdim)


def logsumexp(input, dim, keepdim: bool = False):
    """``log(sum(exp(input), dim))``, computed without overflow.

    Integer inputs are lifted to the default float dtype. A slice of all ``-inf`` gives
    ``-inf``; the logsumexp of no elements is ``-inf``.

    Example::

        >>> ember.logsumexp(ember.tensor([1000.0, 1000.0]), dim=0)
        tensor(1000.6931)
    """
    _check_tensor("logsumexp", input)
    x = input if input._dtype.is_floating_point else input.to(dtypes.get_default_dtype())
    dims = normalize_dims(dim, x.ndim)
    if "logsumexp" in x._device._kernels:
        return _core.call("logsumexp", (x,), (dims, keepdim))
    return _logsumexp_composite(x, dims, keepdim)


def _logsumexp_composite(x, dims, keepdim: bool):
    from ember.ops import pointwise as pw
    if x.numel() == 0:
        return pw.log(sum(pw.exp(x), dims, keepdim))
    top = amax(x, dims, keepdim=True).detach()
    top = pw.where(pw.isfinite(top), top, 0.0)  # all -inf stays -inf, an inf stays inf
    out = pw.log(sum(pw.exp(x - top), dims, keepdim=True)) + top
    if keepdim:
        return out
    kept = range(x.ndim) if dims is None else dims
    return out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in kept))


# -- logic ----------------------------------------------------------------------------

def _logical(name: str, input, dim, keepdim):
    _check_tensor(name, input)
    if isinstance(dim, (tuple, list)) and len(dim) == 0:  # PyTorch: no dims means no reduction here
        out = input != 0
    else:
        out = _core.call(name, (input,), (normalize_dims(dim, input.ndim), keepdim))
    return out.to(dtypes.uint8) if input._dtype is dtypes.uint8 else out  # PyTorch keeps uint8


def all(input, dim=None, keepdim: bool = False):  # noqa: A001 - PyTorch's name
    """True if every element (over ``dim``, an int or tuple) is nonzero; True for no elements.

    A uint8 input gives a uint8 result, as in PyTorch.
    """
    return _logical("all", input, dim, keepdim)


def any(input, dim=None, keepdim: bool = False):  # noqa: A001 - PyTorch's name
    """True if any element (over ``dim``, an int or tuple) is nonzero; False for no elements."""
    return _logical("any", input, dim, keepdim)


# -- methods --------------------------------------------------------------------------

def accepts_numpy_names(fn):
    """``fn`` also taking NumPy's ``axis=`` and ``keepdims=`` for ``dim=`` and ``keepdim=``, as
    PyTorch's reductions do."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    return op


class ReductionMethods:
    """The reductions as ``Tensor`` methods: the functions themselves (``input`` is ``self``),
    and the in-place cumulative ops."""

    __slots__ = ()

    def cumsum_(self, dim, *, dtype=None):
        from ember.ops.pointwise import _write_inplace
        return _write_inplace(self, cumsum(self, dim, dtype=dtype))

    def cumprod_(self, dim, *, dtype=None):
        from ember.ops.pointwise import _write_inplace
        return _write_inplace(self, cumprod(self, dim, dtype=dtype))


for _name in ("sum", "nansum", "mean", "nanmean", "prod", "count_nonzero", "max", "min", "amax", "amin", "aminmax",
              "argmax", "argmin", "var", "std", "var_mean", "std_mean", "norm", "logsumexp", "all", "any", "cumsum",
              "cumprod"):
    globals()[_name] = accepts_numpy_names(globals()[_name])
    if _name not in ("var_mean", "std_mean"):
        setattr(ReductionMethods, _name, globals()[_name])
