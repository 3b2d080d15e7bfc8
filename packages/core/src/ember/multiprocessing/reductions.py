"""How tensors cross process boundaries through ``multiprocessing``: by shared memory.

Registered with ``multiprocessing.reduction.ForkingPickler``, the pickler that process
arguments (spawn and forkserver), ``Queue``, ``Pipe`` and ``Pool`` use. A CPU tensor sent
that way is first moved into shared memory (``share_memory_()``, as PyTorch does), then only
its file descriptor and layout are sent: the receiver maps the same pages, so the two
processes see each other's writes. Ordinary ``pickle`` (``ember.save``, a file) still copies
the values. Tensors on other devices are copied too.
"""

from __future__ import annotations

from multiprocessing.reduction import DupFd, ForkingPickler

from ember import _core
from ember.backends.registry import registry
from ember.dtypes import from_numpy_dtype
from ember.multiprocessing import shared_memory


def reduce_tensor(t):
    """``ForkingPickler``'s reduction of an ember tensor (any subclass: ``Parameter``, ...)."""
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does not "
            "support crossing process boundaries. If you just want to transfer the data, call detach() on "
            "the tensor before serializing (e.g., putting it on the queue).")
    if t.device.type != "cpu":
        return t.__reduce_ex__(4)
    if t.is_sparse:   # its indices and values tensors are pickled (and shared) on their own
        return t.__reduce_ex__(4)
    t.share_memory_()
    block, offset = shared_memory.find(t._data)
    if block.handle is None:
        block.handle = SharedFile(block)
    data = t._data
    state = dict(t.__dict__) if getattr(t, "__dict__", None) else None
    return (_rebuild_tensor, (type(t), block.handle, offset, data.shape, data.strides, data.dtype.str,
                              t.requires_grad, state))


class SharedFile:
    """A shared block on its way to another process: pickled as a passed file descriptor.

    Tensors of one block share this object, so one pickle sends the descriptor once (pickle's
    memo) and the receiver maps the file once; every new pickle sends it anew.
    """

    __slots__ = ("block",)

    def __init__(self, block) -> None:
        self.block = block

    def __reduce__(self):
        return (_open_file, (DupFd(self.block.fd), self.block.size))


def _open_file(fd, size):
    return shared_memory.open_file(fd.detach(), size)


def _rebuild_tensor(cls, root, offset, shape, strides, dtype, requires_grad, state):
    array = shared_memory.view(root, offset, tuple(shape), tuple(strides), dtype)
    t = _core.TensorBase.__new__(cls)
    t._data = array
    t._device = registry.cpu
    t._dtype = from_numpy_dtype(array.dtype)   # only ember's dtypes
    if requires_grad:
        t.requires_grad = True
    if state:
        t.__dict__.update(state)
    return t


def register(cls: type) -> None:
    """Send ``cls`` (ember.Tensor or a subclass) through ``ForkingPickler`` by shared memory."""
    ForkingPickler.register(cls, reduce_tensor)


def register_all() -> None:
    """Register ember.Tensor and every subclass defined so far; later subclasses register themselves."""
    from ember._tensor import Tensor, subclass_hooks
    todo = [Tensor]
    while todo:
        cls = todo.pop()
        register(cls)
        todo.extend(cls.__subclasses__())
    if register not in subclass_hooks:
        subclass_hooks.append(register)
