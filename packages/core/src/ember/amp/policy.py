"""Which ops autocast runs in which precision, and the casting around them.

PyTorch's CPU autocast lists, by the public function that runs each op: ``LOWER`` ops (matmul, linear,
convolutions) run in the autocast dtype; ``FLOAT32`` ops (losses, 3-D pooling, decompositions, ...) in
float32; ``PROMOTE`` ops (cat, stack) in the widest floating dtype of their inputs. Every other op runs
in the dtypes it is given. A package registers its functions with ``register``; the first autocast region
that is entered wraps them where they are reachable (``ember.matmul``, ``ember.nn.functional.linear``), so
ember pays nothing for autocast until a program uses it.
"""

from __future__ import annotations

import functools
import importlib
import sys

from ember import _core, dtypes
from ember.amp.state import STATE

LOWER, FLOAT32, PROMOTE = "lower", "float32", "promote"

# (module, attribute) -> policy; the attribute is rebound in every module that exposes the same function
_REGISTRY: dict[tuple[str, str], str] = {}
# (module, class, method): methods whose tensor arguments are cast to the autocast dtype
_METHODS: set[tuple[str, str, str]] = set()
_installed = False


def register(module: str, names, policy: str) -> None:
    """Run ``module.<name>`` for each of ``names`` under autocast's ``policy`` (LOWER, FLOAT32 or PROMOTE)."""
    for name in names:
        _REGISTRY[(module, name)] = policy
        if _installed and module in sys.modules:
            _wrap_attribute(sys.modules[module], name, policy)


def register_method(module: str, cls: str, method: str) -> None:
    """Cast the tensor arguments of ``module.cls.method`` to the autocast dtype before it runs. For a layer
    whose ``forward`` has a fast path around the registered functionals (``Linear``): a cast input sends it
    down the path that reaches them, which then cast the weights."""
    _METHODS.add((module, cls, method))
    if _installed:
        _wrap_method(importlib.import_module(module), cls, method)


register("ember", ["matmul", "mm", "bmm", "addmm", "addbmm", "baddbmm", "conv1d", "conv2d", "conv_transpose1d",
                   "conv_transpose2d", "prelu", "chain_matmul", "einsum", "tensordot"], LOWER)
register("ember.ops.linalg", ["_matmul", "matmul", "mm", "bmm", "addmm", "baddbmm", "einsum"], LOWER)
register("ember", ["prod", "trace", "cdist", "cholesky", "cholesky_inverse", "cholesky_solve", "inverse",
                   "pinverse", "quantile", "nanquantile", "qr", "svd", "triangular_solve", "geqrf", "orgqr",
                   "ormqr", "lu_solve"], FLOAT32)
register("ember.linalg", ["cholesky", "cholesky_ex", "inv", "inv_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh",
                          "lstsq", "matrix_norm", "matrix_rank", "norm", "vector_norm", "pinv", "solve", "det",
                          "slogdet", "householder_product", "tensorinv", "tensorsolve", "cond", "matrix_power"],
         FLOAT32)
register("ember", ["cat", "stack", "index_copy"], PROMOTE)


def _eligible(x, device_type: str) -> bool:
    """A floating tensor on the autocast device, other than float64 (which autocast leaves alone)."""
    return (isinstance(x, _core.TensorBase) and x._device.type == device_type and x.dtype.is_floating_point
            and x.dtype is not dtypes.float64)


def _cast(x, dtype, device_type: str):
    if not _eligible(x, device_type) or x.dtype is dtype:
        return x
    cache = STATE.cache_enabled and x.is_leaf and x.requires_grad and STATE.nesting > 0
    if cache:
        hit = STATE.cache.get(id(x))
        if hit is not None and hit[0] is x and hit[1].dtype is dtype:
            return hit[1]
    out = x.to(dtype)
    if cache:
        STATE.cache[id(x)] = (x, out)
    return out


def _cast_all(value, dtype, device_type: str):
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_all(v, dtype, device_type) for v in value)
    return _cast(value, dtype, device_type)


def _tensors(values):
    for v in values:
        if isinstance(v, _core.TensorBase):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from _tensors(v)


def _target(policy: str, device_type: str, args, kwargs):
    if policy == LOWER:
        return STATE.dtype.get(device_type, dtypes.float16)
    if policy == FLOAT32:
        return dtypes.float32
    widest = None   # PROMOTE: the widest floating dtype among the eligible inputs
    for t in _tensors(list(args) + list(kwargs.values())):
        if _eligible(t, device_type) and (widest is None or t.dtype.itemsize > widest.itemsize):
            widest = t.dtype
    return widest


def _autocasting(fn, policy: str):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        if STATE.inside_op or not any(STATE.enabled.values()):
            return fn(*args, **kwargs)
        first = next(_tensors(list(args) + list(kwargs.values())), None)
        if first is None or not STATE.enabled.get(first._device.type, False):
            return fn(*args, **kwargs)
        device_type = first._device.type
        dtype = _target(policy, device_type, args, kwargs)
        if dtype is not None:
            args = _cast_all(args, dtype, device_type)
            kwargs = {k: _cast_all(v, dtype, device_type) for k, v in kwargs.items()}
        STATE.inside_op = True   # the op's own calls run as written, as under PyTorch's autocast key
        try:
            return fn(*args, **kwargs)
        finally:
            STATE.inside_op = False

    run.__ember_autocast__ = fn
    return run


def _casting_arguments(fn):
    @functools.wraps(fn)
    def run(self, *args, **kwargs):
        if STATE.inside_op or not any(STATE.enabled.values()):
            return fn(self, *args, **kwargs)
        first = next(_tensors(list(args) + list(kwargs.values())), None)
        if first is None or not STATE.enabled.get(first._device.type, False):
            return fn(self, *args, **kwargs)
        device_type = first._device.type
        dtype = STATE.dtype.get(device_type, dtypes.float16)
        args = _cast_all(args, dtype, device_type)
        kwargs = {k: _cast_all(v, dtype, device_type) for k, v in kwargs.items()}
        return fn(self, *args, **kwargs)

    run.__ember_autocast__ = fn
    return run


def _wrap_method(module, cls_name: str, method: str) -> None:
    cls = getattr(module, cls_name, None)
    fn = cls.__dict__.get(method) if cls is not None else None
    if fn is None or hasattr(fn, "__ember_autocast__"):
        return
    setattr(cls, method, _casting_arguments(fn))


def _wrap_attribute(module, name: str, policy: str) -> None:
    fn = getattr(module, name, None)
    if fn is None or hasattr(fn, "__ember_autocast__"):
        return
    wrapped = _autocasting(fn, policy)
    for other in list(sys.modules.values()):   # every module that re-exports this very function
        if not getattr(other, "__name__", "").startswith("ember"):
            continue
        try:
            same = other.__dict__.get(name) is fn
        except AttributeError:
            continue
        if same:
            setattr(other, name, wrapped)
    from ember._tensor import Tensor

    for cls in Tensor.__mro__:   # methods that are the function itself (``Tensor.prod = prod``)
        for attr, value in list(vars(cls).items()):
            if value is fn and cls is not _core.TensorBase and cls is not object:
                setattr(cls, attr, wrapped)


def install() -> None:
    """Wrap every registered function (once, on entering the first autocast region)."""
    global _installed
    if _installed:
        return
    _installed = True
    for (module, name), policy in list(_REGISTRY.items()):
        try:
            mod = importlib.import_module(module)
        except ImportError:   # a package that is not installed registers nothing
            continue
        _wrap_attribute(mod, name, policy)
    for module, cls, method in list(_METHODS):
        _wrap_method(importlib.import_module(module), cls, method)
