"""``ember.Tensor``: the C-level fields from ``_core`` plus the op families as methods."""

from __future__ import annotations

from ember import _core
from ember.ops.activation import ActivationMethods
from ember.ops.conversion import ConversionMethods
from ember.ops.indexing import IndexingMethods
from ember.ops.linalg import LinalgMethods
from ember.ops.linalg_classic import LinalgClassicMethods
from ember.ops.nn_ops import NnOpsMethods
from ember.ops.pointwise import PointwiseMethods
from ember.ops.reduction import ReductionMethods
from ember.ops.shape import ShapeMethods
from ember.ops.sorting import SortingMethods
from ember.ops.special import SpecialMethods
from ember.random import RandomMethods


class Tensor(_core.TensorBase, PointwiseMethods, ReductionMethods, ShapeMethods, IndexingMethods,
             LinalgMethods, SortingMethods, ActivationMethods, NnOpsMethods, ConversionMethods,
             RandomMethods, LinalgClassicMethods, SpecialMethods):
    """A multi-dimensional array on a device, with autograd fields.

    ``ember.Tensor(2, 3)`` is an uninitialised float tensor of shape (2, 3);
    ``ember.Tensor([1, 2])`` copies data as float. Prefer ``ember.tensor`` and friends.
    """

    __array_ufunc__ = None  # NumPy defers to our reflected operators: np.float32(2) * t

    def __new__(cls, *args, device=None):
        from ember.ops.creation import empty, tensor
        if len(args) == 1 and not isinstance(args[0], int):
            return tensor(args[0], dtype=_core.get_default_dtype(), device=device)
        return empty(*args, device=device)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ember._tensor_str import tensor_repr
        return tensor_repr(self)

    def __str__(self) -> str:
        return self.__repr__()

    def __format__(self, spec: str) -> str:
        if self.ndim == 0 and spec:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __reduce_ex__(self, protocol):
        from ember.ops.creation import tensor
        return (tensor, (self.detach().cpu().numpy(),), None)

    def __setstate__(self, state) -> None:
        # Cython generates a __setstate__ for TensorBase that assigns the C fields (data, device) from a
        # tuple; a pickle's BUILD would reach it. Tensors are rebuilt from data (__reduce_ex__), never so.
        import pickle
        raise pickle.UnpicklingError("an ember tensor cannot be given a pickled state (BUILD): tensors are "
                                     "rebuilt from their data only")

    def __deepcopy__(self, memo):
        out = self.clone() if not self.requires_grad else self.detach().clone().requires_grad_(True)
        memo[id(self)] = out
        return out

    def requires_grad_(self, requires_grad: bool = True):
        """Set ``requires_grad`` in place; returns the tensor."""
        self.requires_grad = requires_grad
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor with respect to graph leaves (ember-autograd)."""
        from ember import autograd
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Run ``hook(grad)`` whenever this tensor's gradient is computed (ember-autograd)."""
        from ember.autograd import hooks
        return hooks.register_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Run ``hook(self)`` after this leaf's gradient was accumulated into ``.grad``."""
        from ember.autograd import hooks
        return hooks.register_post_accumulate_grad_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (ember-autograd)."""
        from ember.autograd import hooks
        hooks.retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor on which ``retain_grad()`` was called."""
        if self.grad_fn is None:
            return False
        from ember.autograd import hooks
        return hooks.retains_grad(self)

    @property
    def T(self):
        """This tensor with its dimensions reversed (a view)."""
        from ember.ops.shape import permute
        return permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    def get_device(self) -> int:
        return -1 if self.device.index is None else self.device.index
