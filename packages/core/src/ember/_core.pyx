# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The per-op path: the tensor's fields, the op dispatcher and the autograd recorder slot.

Everything a small op touches on its way from Python to a kernel and back lives here, in
Cython, so that an op costs little more than the NumPy call it makes. Op *definitions*
(argument handling, docs) live in ``ember.ops``; kernels live in the backends.
"""

import threading

import numpy as np

import contextvars

from cpython.contextvars cimport PyContextVar_Reset, PyContextVar_Set


cdef extern from *:
    """
    /* The head of NumPy's array object (PyArrayObject_fields, part of NumPy's stable ABI in 1.x and
       2.x) and its WRITEABLE flag: reading the flag directly costs nothing, ndarray.flags builds
       an object. Only used on objects whose type is exactly numpy.ndarray. */
    typedef struct {
        PyObject_HEAD
        char *data;
        int nd;
        Py_ssize_t *dimensions;
        Py_ssize_t *strides;
        PyObject *base;
        PyObject *descr;
        int flags;
    } ember_ndarray_head;
    static inline int ember_ndarray_writeable(PyObject *a) {
        return (((ember_ndarray_head *)a)->flags & 0x0400) != 0;
    }
    """
    bint ember_ndarray_writeable(object) noexcept


cdef extern from "Python.h":
    long long PyLong_AsLongLongAndOverflow(object, int*) except? -1
    int _context_enter "PyContext_Enter"(object) noexcept
    int _context_exit "PyContext_Exit"(object) noexcept
    void _clear_error "PyErr_Clear"() noexcept

cdef type _ndarray = np.ndarray
cdef type _npgeneric = np.generic

# ---------------------------------------------------------------------------------------
# Global state: default dtype, grad mode, the recorder slot, the Tensor class.

cdef object _default_dtype = None   # set by ember.dtypes at import
cdef dict _dtype_by_num = {}       # numpy dtype.num -> ember dtype
cdef object _recorder = None       # installed by ember.autograd
cdef type _Tensor = None           # ember.Tensor, the Python class users see
cdef object _size_type = tuple     # ember.Size
cdef object _bool_dtype = None
cdef object _result_type = None    # ember.dtypes.result_type: PyTorch's promotion rules


class _GradMode(threading.local):
    enabled = True
    inference = False


cdef object _grad_mode = _GradMode()


def _setup(tensor_cls, size_cls, dtype_table, default_dtype, result_type):
    """Called once by ``ember/__init__.py`` to hand the pure-Python pieces to the core (which
    imports none of them: they import the core)."""
    global _Tensor, _size_type, _default_dtype, _bool_dtype, _result_type
    _Tensor = tensor_cls
    _result_type = result_type
    _bool_dtype = dtype_table[np.dtype(bool)]
    _size_type = size_cls
    _default_dtype = default_dtype
    _dtype_by_num.clear()
    for np_dtype, d in dtype_table.items():
        _dtype_by_num[np_dtype.num] = d
    # int64 and float64 have two NumPy type numbers each on some platforms
    for alias, name in (("q", "int64"), ("l", "int64"), ("d", "float64"), ("i", "int32")):
        _dtype_by_num[np.dtype(alias).num] = dtype_table[np.dtype(name)]


def get_default_dtype():
    return _default_dtype


def set_default_dtype(d):
    global _default_dtype
    _default_dtype = d


def is_grad_enabled():
    """True when ops on tensors that require grad are being recorded in this thread."""
    return _grad_mode.enabled


def _set_grad_enabled(bint mode):
    _grad_mode.enabled = mode


def is_inference_mode_enabled():
    return _grad_mode.inference


def _set_inference_mode(bint mode):
    _grad_mode.inference = mode


def set_recorder(recorder):
    """Install the autograd recorder (ember-autograd does this on import).

    The recorder is an object with ``record(name, inputs, outputs, params)``, called after
    a kernel ran when grad mode is on and an input requires grad, and
    ``rebase(tensor, result)``, called when an in-place op on a recorded tensor finished.
    """
    global _recorder
    _recorder = recorder


def get_recorder():
    return _recorder


# ---------------------------------------------------------------------------------------
# NumPy's floating-point error state while a kernel runs

# PyTorch computes log(0), 0/0 and overflows silently; NumPy warns. Kernels run with NumPy's
# error reporting off, scoped to the kernel call: the user's own NumPy code keeps its state and
# every other warning stays visible. The dispatcher enters a context (PEP 567) in which NumPy's
# error-state variable is "ignore" around each kernel: two pointer swaps, where setting and
# resetting the variable (np.errstate) allocates and costs a third of a small op. That context
# can be entered by one thread at a time; a second thread sets the variable in its own context
# instead. Inside it, a kernel sees the other context variables as they were at import.
# On a NumPy without the variable, kernels run in the caller's state.
cdef object _fp_state = None      # NumPy's context variable of the ufunc error state
cdef object _fp_quiet = None      # its value inside np.errstate(all="ignore")
cdef object _fp_context = None    # a context in which it has that value
cdef object _ENTERED = object()   # the token of a kernel that runs in _fp_context


def _setup_fp_state():
    global _fp_state, _fp_quiet, _fp_context
    try:
        from numpy._core.umath import _extobj_contextvar
    except ImportError:
        return
    with np.errstate(all="ignore"):
        _fp_quiet = _extobj_contextvar.get()
    _fp_context = contextvars.copy_context()
    _fp_context.run(_extobj_contextvar.set, _fp_quiet)
    _fp_state = _extobj_contextvar


_setup_fp_state()


cdef inline object _quiet():
    """Turn NumPy's floating-point warnings off; returns the token ``_restore`` takes."""
    if _fp_state is None:
        return None
    if _context_enter(_fp_context) == 0:
        return _ENTERED
    _clear_error()   # entered already: by another thread, or a kernel that runs ops
    return PyContextVar_Set(_fp_state, _fp_quiet)


cdef inline void _restore(object token):
    if token is None:
        return
    if token is _ENTERED:
        if _context_exit(_fp_context) != 0:
            _clear_error()
    else:
        PyContextVar_Reset(_fp_state, token)


def run_kernel(kernel, *args):
    """``kernel(*args)`` with NumPy's floating-point warnings off, as the dispatcher runs kernels
    (for ops that call a kernel of the table themselves)."""
    cdef object token = _quiet()
    try:
        return kernel(*args)
    finally:
        _restore(token)


# ---------------------------------------------------------------------------------------
# Devices

cdef class device:
    """Where a tensor's data lives: ``ember.device("cpu")``, ``ember.device("cuda:1")``.

    Args:
        type: a device type (``"cpu"``, ``"cuda"``, a plugin's type) optionally with
            ``":index"``, or a device.
        index: the device ordinal, if not part of ``type``.
    """

    cdef readonly str type
    cdef readonly object index
    cdef public dict _kernels     # the backend's kernel table, on canonical devices only
    cdef public object _backend

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type = (<device>type).type
            self.index = (<device>type).index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string or int, but got {builtin_type(type).__name__}")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if not type or not type.replace("_", "").isalnum():
            raise RuntimeError(f"Invalid device string: '{type}'")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == (<device>other).type and self.index == (<device>other).index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


builtin_type = type


# ---------------------------------------------------------------------------------------
# The tensor's fields

cdef class VersionCounter:
    """Counts in-place changes to a tensor's data; shared by a tensor and its views."""
    cdef public Py_ssize_t value


cdef class TensorBase:
    """The C-level part of ``ember.Tensor``: its data, device, dtype and autograd fields."""

    cdef public object _data             # the backend-native array (NumPy on the CPU)
    cdef public device _device           # canonical device, compared by identity
    cdef public object _dtype
    cdef public bint _requires_grad
    cdef public object _grad
    cdef public object grad_fn
    cdef public VersionCounter _version_counter   # created on first in-place op or view
    cdef public object _base             # the tensor this one is a view of
    cdef public object _autograd_meta    # owned by ember-autograd (hooks, retain_grad)
    cdef object __weakref__

    __array_priority__ = 1000

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def shape(self):
        return _size_type(self._data.shape)

    @property
    def ndim(self):
        return len(self._data.shape)

    def dim(self):
        return len(self._data.shape)

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def _version(self):
        return 0 if self._version_counter is None else self._version_counter.value

    def _bump_version(self):
        _bump(self)

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, bint value):
        if value:
            if not self._dtype.is_floating_point:
                raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
            _require_autograd()
        elif self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        self._requires_grad = value

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, TensorBase):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {builtin_type(value).__name__}")
            if (<TensorBase>value)._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: "
                                   f"{list((<TensorBase>value)._data.shape)} vs {list(self._data.shape)}")
        self._grad = value

    # arithmetic: the hot path goes straight to the dispatcher
    def __add__(self, other):
        return binary("add", self, other, SAME)

    def __radd__(self, other):
        return binary("add", other, self, SAME)

    def __sub__(self, other):
        return subtract(self, other)

    def __rsub__(self, other):
        return subtract(other, self)

    def __mul__(self, other):
        return binary("mul", self, other, SAME)

    def __rmul__(self, other):
        return binary("mul", other, self, SAME)

    def __truediv__(self, other):
        return binary("div", self, other, FLOAT)

    def __rtruediv__(self, other):
        return binary("div", other, self, FLOAT)

    def __neg__(self):
        return unary("neg", self, SAME)

    def __iadd__(self, other):
        return inplace_binary("add", self, other, SAME)

    def __isub__(self, other):
        _check_subtract(self, other)
        return inplace_binary("sub", self, other, SAME)

    def __imul__(self, other):
        return inplace_binary("mul", self, other, SAME)

    def __itruediv__(self, other):
        return inplace_binary("div", self, other, FLOAT)

    def __lt__(self, other):
        return binary("lt", self, other, BOOL)

    def __le__(self, other):
        return binary("le", self, other, BOOL)

    def __gt__(self, other):
        return binary("gt", self, other, BOOL)

    def __ge__(self, other):
        return binary("ge", self, other, BOOL)

    def __eq__(self, other):
        if other is None:
            return False
        return binary("eq", self, other, BOOL)

    def __ne__(self, other):
        if other is None:
            return True
        return binary("ne", self, other, BOOL)

    def __hash__(self):
        return id(self) >> 4


# ---------------------------------------------------------------------------------------
# Dispatch

# Result-dtype kinds of elementwise ops.
cpdef enum:
    SAME = 0     # the promoted dtype (add, mul, maximum, neg, ...)
    FLOAT = 1    # the promoted dtype, integers lifted to the default float (div, exp, ...)
    BOOL = 2     # computed in the promoted dtype, returns bool (eq, lt, isnan, ...)


cdef _require_autograd():
    if _recorder is None:
        try:
            import ember.autograd  # noqa: F401  (installs the recorder)
        except ImportError:
            raise RuntimeError(
                "requires_grad=True needs ember-autograd, which is not installed. "
                "Install it with: pip install ember-autograd") from None


cdef inline TensorBase wrap(object data, device dev):
    """A new tensor around a backend-native array."""
    cdef TensorBase t = TensorBase.__new__(_Tensor)
    if builtin_type(data) is not _ndarray and isinstance(data, _npgeneric):
        data = np.asarray(data)   # NumPy returns scalars for 0-d results
    t._data = data
    t._device = dev
    t._dtype = _dtype_by_num[data.dtype.num]
    return t


def _wrap(data, device dev):
    return wrap(data, dev)


# ---------------------------------------------------------------------------------------
# Checks of what kernels return

cdef object _result_checker = None   # ember.backends.result_check's check, while result checks are on


def _set_result_checker(checker):
    """Install (or remove, with None) the function that checks every kernel result."""
    global _result_checker
    _result_checker = checker


def _get_result_checker():
    return _result_checker


cdef object _bad_result_error = None   # ember.backends.result_check.bad_result, installed on its import


def _set_bad_result_error(fn):
    """Install the function that makes the error for a kernel result ember cannot wrap (the
    result-check layer above the dispatcher owns the wording; the dispatcher only calls it)."""
    global _bad_result_error
    _bad_result_error = fn


cdef object _bad_result(device dev, str name, object res):
    if _bad_result_error is None:   # only while ember.backends is being imported
        return RuntimeError(f"the kernel '{name}' of device {dev} returned a {builtin_type(res).__name__}, "
                            f"not a native array")
    return _bad_result_error(dev, name, res)


cdef inline TensorBase _wrap_one(object res, device dev, str name):
    """``wrap`` of one kernel result; a result that is not a native array of an ember dtype is the
    backend's fault, and the error says so."""
    cdef TensorBase t
    cdef object dt
    if builtin_type(res) is _ndarray:   # the common case, without a try block
        dt = _dtype_by_num.get(res.dtype.num)
        if dt is not None:
            t = TensorBase.__new__(_Tensor)
            t._data = res
            t._device = dev
            t._dtype = dt
            return t
    try:
        return wrap(res, dev)
    except (AttributeError, KeyError, TypeError):
        raise _bad_result(dev, name, res) from None


cdef object _wrap_results(object res, device dev, str name):
    if builtin_type(res) is tuple:
        return tuple([_wrap_one(r, dev, name) for r in res])
    return _wrap_one(res, dev, name)


cdef inline void _bump(TensorBase t):
    if t._version_counter is None:
        t._version_counter = VersionCounter()
    t._version_counter.value += 1


cdef inline bint _recording(TensorBase a, object b):
    if _recorder is None:
        return False
    if not (a._requires_grad or (isinstance(b, TensorBase) and (<TensorBase>b)._requires_grad)):
        return False
    return _grad_mode.enabled


cdef inline bint _any_requires_grad(tuple inputs):
    for t in inputs:
        if isinstance(t, TensorBase) and (<TensorBase>t)._requires_grad:
            return True
    return False


cdef object _kernel(device dev, str name):
    try:
        return dev._kernels[name]
    except KeyError:
        fallback = dev._backend.fallback_kernel(name, dev.index) if dev._backend is not None else None
        if fallback is not None:  # the backend asked for missing kernels to run on the CPU
            return fallback
        raise NotImplementedError(
            f"ember: the '{dev.type}' backend has no kernel for '{name}' and no composite "
            f"covers it; implement '{name}' in the backend or run the op on the CPU") from None
    except TypeError:
        raise RuntimeError(f"device {dev} is not a canonical device; use ember.device() to "
                           f"create tensors on it") from None


cdef _device_mismatch(device a, device b):
    raise RuntimeError(
        f"Expected all tensors to be on the same device, but found at least two devices, "
        f"{a} and {b}!")


cdef object _cast(device dev, object data, object dt):
    return dev._kernels["cast"](data, dt.numpy)


cdef inline object _float_of(object dt):
    return dt if dt.is_floating_point else _default_dtype


cdef object _promote(object a, object b):
    return _result_type(a, b)


cdef _check_subtract(object a, object b):
    """PyTorch refuses ``-`` with bool operands (``^`` or ``~`` is what was meant)."""
    cdef bint ab = isinstance(a, TensorBase) and (<TensorBase>a)._dtype is _bool_dtype
    cdef bint bb = isinstance(b, TensorBase) and (<TensorBase>b)._dtype is _bool_dtype
    if ab and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
                           "`^` or `logical_xor()` operator instead.")
    if ab or bb or isinstance(a, bool) or isinstance(b, bool):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


cpdef subtract(object a, object b):
    """``a - b``."""
    _check_subtract(a, b)
    return binary("sub", a, b, SAME)


cpdef binary(str name, object a, object b, int kind):
    """Run the elementwise binary op ``name`` on tensors or Python scalars ``a``, ``b``.

    Operands are cast once, straight to the result dtype (for FLOAT ops integers go directly
    to the default float, never through a common integer type).
    """
    cdef TensorBase ta, tb, out
    cdef object x, y, dt
    cdef device dev
    if isinstance(a, TensorBase):
        ta = <TensorBase>a
        dev = ta._device
        x = ta._data
        if isinstance(b, TensorBase):
            tb = <TensorBase>b
            y = tb._data
            if tb._device is not dev:
                if tb._data.ndim == 0 and tb._device.type == "cpu":
                    y = dev._backend.from_numpy(tb._data, dev.index)
                elif ta._data.ndim == 0 and dev.type == "cpu":
                    dev = tb._device
                    x = dev._backend.from_numpy(x, dev.index)
                else:
                    _device_mismatch(ta._device, tb._device)
            dt = ta._dtype if ta._dtype is tb._dtype else _promote(ta, tb)
            if kind == FLOAT and not dt.is_floating_point:
                dt = _default_dtype
            if ta._dtype is not dt:
                x = _cast(dev, x, dt)
            if tb._dtype is not dt:
                y = _cast(dev, y, dt)
        else:
            y = b
            dt = _scalar_result(ta, b)
            if kind == FLOAT and not dt.is_floating_point:
                dt = _default_dtype
            if ta._dtype is not dt:
                x = _cast(dev, x, dt)
    elif isinstance(b, TensorBase):
        tb = <TensorBase>b
        dev = tb._device
        x = a
        y = tb._data
        dt = _scalar_result(tb, a)
        if kind == FLOAT and not dt.is_floating_point:
            dt = _default_dtype
        if tb._dtype is not dt:
            y = _cast(dev, y, dt)
    else:
        return NotImplemented
    cdef object token = _quiet()
    try:
        res = _kernel(dev, name)(x, y)
    except ValueError:
        _raise_if_not_broadcastable(a, b)
        raise
    except OverflowError:   # NumPy refuses an int operand beyond the dtype's range; PyTorch wraps it
        if not _wraps_int_operand(x, y, dt):
            raise
        res = _kernel(dev, name)(_as_element(x, dt), _as_element(y, dt))
    finally:
        _restore(token)
    out = _wrap_one(res, dev, name)
    if _result_checker is not None:
        _result_checker(dev, name, (x, y), (), res, (None, np.dtype(bool) if kind == BOOL else dt.numpy))
    if _recorder is not None and _grad_mode.enabled and (
            (isinstance(a, TensorBase) and (<TensorBase>a)._requires_grad)
            or (isinstance(b, TensorBase) and (<TensorBase>b)._requires_grad)):
        _recorder.record(name, (a, b), out, None)
    return out


cdef _raise_if_not_broadcastable(object a, object b):
    """PyTorch's message for operands whose shapes do not broadcast (right-most clashing dim)."""
    cdef tuple sa = tuple(np.shape((<TensorBase>a)._data)) if isinstance(a, TensorBase) else ()
    cdef tuple sb = tuple(np.shape((<TensorBase>b)._data)) if isinstance(b, TensorBase) else ()
    cdef Py_ssize_t n = max(len(sa), len(sb)), i
    for i in range(n - 1, -1, -1):
        x = sa[i - n + len(sa)] if i - n + len(sa) >= 0 else 1
        y = sb[i - n + len(sb)] if i - n + len(sb) >= 0 else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")


cdef object _UINT64_END = 2 ** 64


cdef inline int _check_int_operand(object s) except -1:
    """PyTorch reads a Python int operand as a 64-bit integer (from -2**63 up to 2**64 - 1, the
    upper half wrapping around in integer tensors, as in C); a wider one is an error."""
    cdef int overflow = 0
    PyLong_AsLongLongAndOverflow(s, &overflow)
    if overflow and (overflow < 0 or s >= _UINT64_END):
        raise OverflowError(f"the Python integer {s} is too big to use with a tensor: integer operands must "
                            f"fit in 64 bits")
    return 0


cdef object _as_element(object v, object dt):
    """A Python int operand as an element of the integer dtype ``dt``, wrapped around as C casts
    do (``int8 + 300`` adds 44, as in PyTorch); other operands as they are."""
    if builtin_type(v) is not int:
        return v
    return np.array(v & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64).astype(dt.numpy)[()]


cdef inline bint _wraps_int_operand(object x, object y, object dt):
    return dt._category == 1 and (builtin_type(x) is int or builtin_type(y) is int)


cdef object _scalar_result(TensorBase t, object s):
    cdef object dt = t._dtype
    cdef type st = builtin_type(s)
    if st is float:
        if dt.is_floating_point:
            return dt
        return _default_dtype
    if st is int:
        _check_int_operand(s)
        if dt._category >= 1:
            return dt
        return _promote(t, s)
    if st is bool:
        return dt
    if isinstance(s, (int, float, bool, _npgeneric)):
        return _promote(t, s)
    raise TypeError(f"unsupported operand type(s): 'Tensor' and '{st.__name__}'")


cpdef unary(str name, TensorBase x, int kind):
    """Run the elementwise unary op ``name``; FLOAT ops lift integer inputs to float."""
    cdef object data = x._data
    cdef device dev = x._device
    if kind == FLOAT and not x._dtype.is_floating_point:
        data = _cast(dev, data, _default_dtype)
    cdef object token = _quiet()
    try:
        res = _kernel(dev, name)(data)
    finally:
        _restore(token)
    out = _wrap_one(res, dev, name)
    if _result_checker is not None:
        _result_checker(dev, name, (data,), (), res, (data.shape, np.dtype(bool) if kind == BOOL else data.dtype))
    if x._requires_grad and _recorder is not None and _grad_mode.enabled:
        _recorder.record(name, (x,), out, None)
    return out


cpdef inplace_binary(str name, TensorBase self, object other, int kind):
    """``self.name_(other)``: write the result of a binary op into ``self``'s data."""
    cdef TensorBase result
    cdef object y
    cdef device dev = self._device
    _check_inplace(self)
    if _recording(self, other):
        _check_writable(self)
        result = binary(name, self, other, kind)
        _assign(self, result)
        return self
    y = other
    if isinstance(other, TensorBase):
        if (<TensorBase>other)._device is not dev:
            if (<TensorBase>other)._data.ndim != 0:
                _device_mismatch(dev, (<TensorBase>other)._device)
        y = (<TensorBase>other)._data
        dt = self._dtype if (<TensorBase>other)._dtype is self._dtype else _promote(self, other)
    else:
        dt = _scalar_result(self, other)
    if kind == FLOAT:
        dt = _float_of(dt)
    if dt._category > self._dtype._category:
        raise RuntimeError(f"result type {_type_name(dt)} can't be cast to the desired output "
                           f"type {_type_name(self._dtype)}")
    cdef object token = _quiet()
    try:
        try:
            _kernel(dev, name + "_")(self._data, y)
        except OverflowError:   # as in binary: an int operand beyond the dtype's range wraps around
            if not _wraps_int_operand(None, y, self._dtype):
                raise
            _kernel(dev, name + "_")(self._data, _as_element(y, self._dtype))
    except ValueError as e:
        if "broadcast" in str(e):
            _raise_if_not_broadcastable(self, other)
            raise RuntimeError(
                f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                f"{list(np.broadcast_shapes(self._data.shape, np.shape(y)))}") from None
        if "read-only" in str(e):
            _check_writable(self)
        raise
    finally:
        _restore(token)
    _bump(self)
    return self


def _type_name(dt):
    return {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
            "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte",
            "bool": "Bool"}[dt.name]


cdef _check_inplace(TensorBase self):
    if self._requires_grad and self.grad_fn is None and _grad_mode.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def check_inplace(TensorBase self):
    """Raise if ``self`` is a leaf that requires grad and grad mode is on, or if its memory
    cannot be written (an ``expand()``ed view, a read-only NumPy array)."""
    _check_inplace(self)
    _check_writable(self)


def check_writable(TensorBase self):
    """Raise if the memory of ``self`` cannot be written (see ``check_inplace``)."""
    _check_writable(self)


cdef _check_writable(TensorBase self):
    """PyTorch refuses to write into a tensor whose elements share memory (an ``expand()``ed
    view); on the CPU NumPy marks such views read-only, like arrays it was handed read-only."""
    cdef object data = self._data
    if builtin_type(data) is not _ndarray or ember_ndarray_writeable(data):
        return
    for n, stride in zip(data.shape, data.strides):
        if stride == 0 and n > 1:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single "
                f"memory location (a tensor of shape {list(data.shape)} expanded from fewer elements). Please "
                "clone() the tensor before performing the operation.")
    raise RuntimeError(f"cannot write into a tensor of shape {list(data.shape)} whose memory is read-only (it shares "
                       "a read-only NumPy array or an expand()ed view). Please clone() the tensor before performing "
                       "the operation.")


cdef _assign(TensorBase self, TensorBase result):
    """Write ``result`` into ``self`` and let autograd make ``self`` its output.

    The recorder rebases before the write, so it can keep the old values a derivative needs.
    """
    cdef object data = result._data
    if result._dtype is not self._dtype:
        data = _cast(self._device, data, self._dtype)
    if result.grad_fn is not None and _recorder is not None:
        _recorder.rebase(self, result)
    _kernel(self._device, "copy_")(self._data, data)
    _bump(self)


def assign(TensorBase self, TensorBase result):
    """Copy ``result`` into ``self`` in place, carrying autograd history (in-place ops)."""
    _check_inplace(self)
    _check_writable(self)
    _assign(self, result)
    return self


def call(str name, tuple inputs, tuple params=()):
    """Run kernel ``name`` on the tensors ``inputs`` with extra arguments ``params``.

    The kernel receives the native arrays followed by ``params`` and returns one native
    array or a tuple of them. The op is recorded for autograd under ``name``.
    """
    if len(inputs) == 0:   # checked: this module has no bounds checks, not even on tuples
        raise TypeError(f"call('{name}'): an op needs at least one input tensor")
    cdef TensorBase first = <TensorBase?>inputs[0]
    cdef device dev = first._device
    cdef list datas = []
    for t in inputs:
        if (<TensorBase?>t)._device is not dev:
            _device_mismatch(dev, (<TensorBase>t)._device)
        datas.append((<TensorBase>t)._data)
    cdef object token = _quiet()
    try:
        res = _kernel(dev, name)(*datas, *params)
    finally:
        _restore(token)
    out = _wrap_results(res, dev, name)
    if _result_checker is not None:
        _result_checker(dev, name, tuple(datas), params, res, None)
    if _recorder is not None and _any_requires_grad(inputs) and _grad_mode.enabled:
        _recorder.record(name, inputs, out, params)
    return out


def call_view(str name, TensorBase x, tuple params=()):
    """Like ``call`` for one input, for ops whose result shares ``x``'s memory."""
    cdef device dev = x._device
    cdef object res = _kernel(dev, name)(x._data, *params)
    cdef TensorBase out = _wrap_one(res, dev, name)
    cdef TensorBase base = x if x._base is None else x._base
    if _result_checker is not None:
        _result_checker(dev, name, (x._data,), params, res, None)
    if base._version_counter is None:
        base._version_counter = VersionCounter()
    out._base = base
    out._version_counter = base._version_counter
    if x._requires_grad and _recorder is not None and _grad_mode.enabled:
        _recorder.record(name, (x,), out, params)
    return out


def create(data, device dev):
    """Wrap a native array that a creation kernel produced (no autograd history)."""
    return wrap(data, dev)
