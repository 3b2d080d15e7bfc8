"""``elementwise.cu``: unary, binary and comparison kernels, and ``where``, with broadcasting over
any strides. An op whose kernel has no build for the operands' dtype (``exp`` of an int32 array),
or whose operands the kernels do not take (a scalar on the left, a float scalar with an integer
array), runs on the CPU through the backend's fallback, call by call."""

from __future__ import annotations

import numpy as np

from ember_cuda.device_array import DeviceArray
from ember_cuda.launchers.common import Launcher, size_of

UNARY = ("neg", "abs", "sign", "square", "relu", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt",
         "rsqrt", "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "erf", "floor",
         "ceil", "trunc", "sigmoid", "bitwise_not")
PREDICATES = ("isnan", "isinf", "isfinite", "logical_not")
# ember op -> kernel name
BINARY = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "maximum": "maximum", "minimum": "minimum",
          "floor_divide": "floor_divide", "remainder": "remainder", "fmod": "fmod", "pow": "pow", "atan2": "atan2",
          "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or", "bitwise_xor": "bitwise_xor",
          "bitwise_left_shift": "shift_left", "bitwise_right_shift": "shift_right"}
COMPARE = ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor")


def _acc_scalar(value, dtype: np.dtype):
    """``value`` as the kernels' accumulation type for ``dtype``, or None if it does not fit exactly."""
    if dtype == np.bool_:
        return np.bool_(value) if isinstance(value, (bool, np.bool_)) else None
    if dtype.kind in "iu":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            return None
        info = np.iinfo(dtype)
        return dtype.type(value) if info.min <= value <= info.max else None
    if isinstance(value, (bool, np.bool_)):
        value = int(value)
    acc = np.float64 if dtype == np.float64 else np.float32
    return acc(value) if isinstance(value, (int, float, np.number)) else None


def elementwise_kernels(backend, launcher: Launcher, fallback) -> dict:
    """The table entries of the elementwise family; ``fallback(name)`` is the CPU path of op ``name``."""

    def run(kernel, x: DeviceArray, others: tuple, out: DeviceArray) -> None:
        n = size_of(out.shape)
        meta = launcher.meta(out.device, out.shape, out, x, *[o for o in others if isinstance(o, DeviceArray)])
        args = [np.int64(n), x.pointer, *[o.pointer if isinstance(o, DeviceArray) else o for o in others],
                out.pointer, np.int32(len(out.shape)), meta.pointer]
        launcher.launch(kernel, n, *args, index=out.device)

    def unary(name: str, predicate: bool):
        cpu = fallback(name)
        kernel_name = f"unary_{name}"

        def op(x):
            if not isinstance(x, DeviceArray):
                return cpu(x)
            kernel = launcher.function("elementwise", kernel_name, x.dtype, x.device)
            if kernel is None:
                return cpu(x)
            out = backend.empty(x.shape, np.bool_ if predicate else x.dtype, x.device)
            run(kernel, x, (), out)
            return out

        op.__name__ = op.__qualname__ = f"cuda_{name}"
        return op

    def binary(name: str, kernel_base: str, compare: bool, inplace: bool):
        cpu = fallback(name + "_" if inplace else name)

        def op(x, y):
            if not isinstance(x, DeviceArray):
                return cpu(x, y)
            if isinstance(y, DeviceArray):
                if y.dtype != x.dtype or y.device != x.device:
                    return cpu(x, y)
                kernel = launcher.function("elementwise", kernel_base, x.dtype, x.device)
                operand = y
                shape = tuple(np.broadcast_shapes(x.shape, y.shape))
            else:
                operand = None if compare else _acc_scalar(y, x.dtype)
                kernel = None if operand is None else launcher.function("elementwise", f"{kernel_base}_scalar",
                                                                         x.dtype, x.device)
                shape = x.shape
            if kernel is None:
                return cpu(x, y)
            if inplace:
                if shape != x.shape:
                    return cpu(x, y)
                run(kernel, x, (operand,), x)
                return None
            out = backend.empty(shape, np.bool_ if compare else x.dtype, x.device)
            run(kernel, x, (operand,), out)
            return out

        op.__name__ = op.__qualname__ = f"cuda_{name}{'_' if inplace else ''}"
        return op

    def where(condition, x, y):
        cpu = fallback("where")
        arrays = (condition, x, y)
        if not all(isinstance(a, DeviceArray) for a in arrays) or condition.dtype != np.bool_ \
                or x.dtype != y.dtype or len({a.device for a in arrays}) != 1:
            return cpu(condition, x, y)
        kernel = launcher.function("elementwise", "where", x.dtype, x.device)
        if kernel is None:
            return cpu(condition, x, y)
        shape = tuple(np.broadcast_shapes(condition.shape, x.shape, y.shape))
        out = backend.empty(shape, x.dtype, x.device)
        n = size_of(shape)
        meta = launcher.meta(out.device, shape, out, condition, x, y)
        launcher.launch(kernel, n, np.int64(n), condition.pointer, x.pointer, y.pointer, out.pointer,
                        np.int32(len(shape)), meta.pointer, index=out.device)
        return out

    table = {name: unary(name, False) for name in UNARY}
    table.update({name: unary(name, True) for name in PREDICATES})
    for name, kernel in BINARY.items():
        table[name] = binary(name, f"binary_{kernel}", False, False)
        table[name + "_"] = binary(name, f"binary_{kernel}", False, True)
    for name in COMPARE:
        table[name] = binary(name, f"compare_{name}", True, False)
    table["where"] = where
    return table
