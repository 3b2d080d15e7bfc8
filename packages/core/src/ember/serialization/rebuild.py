"""Rebuilding tensors and parameters from a checkpoint's records.

A checkpoint's pickle calls PyTorch's rebuild functions (``torch._utils._rebuild_tensor_v2``,
``_rebuild_parameter``, ...) with storages and numbers read from the file. ``Rebuilder`` gives
ember's versions of them for one load: each checks its arguments, makes the tensor through
``Storage.view`` (the only way a loaded tensor gets memory) and places it with ``map_location``.
"""

from __future__ import annotations

from ember import _core, dtypes
from ember.serialization.placement import Placement
from ember.serialization.storage import LayoutError, Storage


class Rebuilder:
    """The tensor-making functions a checkpoint may call, bound to one load's ``map_location``."""

    def __init__(self, placement: Placement) -> None:
        self.placement = placement

    def functions(self) -> dict[str, object]:
        """PyTorch's dotted names of the rebuild functions, mapped to ember's checked versions."""
        return {
            "torch._utils._rebuild_tensor": self.tensor_v1,
            "torch._utils._rebuild_tensor_v2": self.tensor_v2,
            "torch._utils._rebuild_tensor_v3": self.tensor_v3,
            "torch._utils._rebuild_parameter": self.parameter,
            "torch._utils._rebuild_parameter_with_state": self.parameter_with_state,
            "torch._tensor._rebuild_from_type_v2": self.from_type_v2,
            "torch._utils._rebuild_sparse_tensor": self.sparse_tensor,
        }

    # -- tensors ---------------------------------------------------------------------------

    def tensor_v1(self, storage, storage_offset, size, stride):
        return self._tensor(storage, None, storage_offset, size, stride, False)

    def tensor_v2(self, storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                  metadata=None):
        return self._tensor(storage, None, storage_offset, size, stride, requires_grad)

    def tensor_v3(self, storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                  metadata=None):
        return self._tensor(storage, dtype, storage_offset, size, stride, requires_grad)

    def _tensor(self, storage, dtype, offset, size, stride, requires_grad):
        if not isinstance(storage, Storage):
            raise LayoutError(f"a tensor record's storage is a {type(storage).__name__}, not a storage")
        if type(requires_grad) is not bool:
            raise LayoutError(f"a tensor record's requires_grad is a {type(requires_grad).__name__}, not a bool")
        view = storage.view(storage.dtype if dtype is None else dtype, offset, size, stride)
        from ember.ops.creation import place
        t = self.placement.place(place(view, None), storage.location)
        if requires_grad:
            _requires_grad_if_possible(t)
        return t

    def sparse_tensor(self, layout, data):
        """A sparse COO tensor from its indices and values tensors, checked as ``sparse_coo_tensor`` checks
        a user's (indices inside the size, matching nnz), so a file cannot make one that reads out of bounds."""
        from ember.layout import sparse_coo
        from ember.sparse import sparse_coo_tensor
        if layout is not sparse_coo:
            raise LayoutError(f"a sparse tensor record has layout {layout!r}; ember loads only ember.sparse_coo")
        if not isinstance(data, tuple) or len(data) not in (3, 4):
            raise LayoutError("a sparse tensor record is not (indices, values, size[, is_coalesced])")
        indices, values, size = data[:3]
        coalesced = data[3] if len(data) == 4 else None
        if not isinstance(indices, _core.TensorBase) or not isinstance(values, _core.TensorBase):
            raise LayoutError("a sparse tensor record's indices and values are not tensors")
        if not isinstance(size, tuple) or not all(type(s) is int for s in size):
            raise LayoutError(f"a sparse tensor record's size is {size!r}, not a tuple of ints")
        if coalesced is not None and type(coalesced) is not bool:
            raise LayoutError(f"a sparse tensor record's is_coalesced is a {type(coalesced).__name__}, not a bool")
        try:
            return sparse_coo_tensor(indices, values, size, is_coalesced=coalesced or None)
        except (RuntimeError, ValueError, TypeError, IndexError) as err:
            raise LayoutError(f"a sparse tensor record is invalid: {err}") from None

    # -- parameters ------------------------------------------------------------------------

    def parameter(self, data, requires_grad, backward_hooks=None, state=None):
        if not isinstance(data, _core.TensorBase):
            raise LayoutError(f"a parameter record's data is a {type(data).__name__}, not a tensor")
        if type(requires_grad) is not bool:
            raise LayoutError(f"a parameter record's requires_grad is a {type(requires_grad).__name__}, not a bool")
        cls = parameter_class()
        if cls is None:  # ember-core alone: a plain tensor (it cannot require grad without ember-autograd)
            return data
        if requires_grad and not data.dtype.is_floating_point:
            raise LayoutError(f"a {data.dtype.name} parameter cannot require grad (only floating-point ones can)")
        try:
            return cls(data, requires_grad=requires_grad)
        except RuntimeError:  # ember-nn without ember-autograd: keep the values
            return cls(data, requires_grad=False)

    def parameter_with_state(self, data, requires_grad, backward_hooks, state):
        p = self.parameter(data, requires_grad, backward_hooks)
        set_python_attributes(p, state)
        return p

    def from_type_v2(self, func, new_type, args, state):
        """A tensor of class ``new_type`` (Tensor or Parameter) with Python attributes ``state``."""
        if func not in (self.tensor_v1, self.tensor_v2, self.tensor_v3, self.parameter,
                        self.parameter_with_state):
            raise LayoutError("a tensor-subclass record does not rebuild its tensor with a tensor rebuild function")
        if not isinstance(args, tuple):
            raise LayoutError(f"a tensor-subclass record's arguments are a {type(args).__name__}, not a tuple")
        t = func(*args)
        param = parameter_class()
        if new_type is param and param is not None and type(t) is not param:
            t = param(t, requires_grad=t.requires_grad)
        elif new_type is not type(t) and not (isinstance(new_type, type) and isinstance(t, new_type)):
            raise LayoutError(f"a tensor record asks for class {getattr(new_type, '__name__', new_type)!r}; "
                              f"only ember.Tensor and ember.nn.Parameter are rebuilt from files")
        set_python_attributes(t, state)
        return t


def parameter_class():
    """``ember.nn.Parameter``, or None when ember-nn is not installed."""
    try:
        from ember.nn import Parameter
    except ImportError:
        return None
    return Parameter


def _requires_grad_if_possible(t) -> None:
    try:
        t.requires_grad = True
    except RuntimeError:  # ember-core alone, or an integer tensor: the values load, without gradients
        pass


def set_python_attributes(t, state) -> None:
    """Give a loaded tensor the Python attributes PyTorch saved with it (``t.foo = 3``).

    Only plain instance attributes: a name the tensor's class defines (``_data``, ``grad``,
    ``requires_grad``, methods) is refused, so a file cannot reach the tensor's internals.
    """
    if state is None:
        return
    if isinstance(state, tuple) and len(state) == 2:  # (__dict__ state, __slots__ state)
        state, slots = state
        if slots:
            raise LayoutError("a tensor record sets __slots__ attributes; ember tensors have none to set")
        if state is None:
            return
    if not isinstance(state, dict):
        raise LayoutError(f"a tensor record's attributes are a {type(state).__name__}, not a dict")
    cls = type(t)
    for name in state:
        if type(name) is not str or not name.isidentifier() or name.startswith("__") or hasattr(cls, name):
            raise LayoutError(f"a tensor record sets attribute {name!r}, which ember tensors keep to themselves")
    t.__dict__.update(state)


def is_ember_internal(obj) -> bool:
    """True for ember's own objects that no file may change: tensors, dtypes, devices, Size."""
    from ember.size import Size
    return isinstance(obj, (_core.TensorBase, dtypes.dtype, _core.device, Size))
