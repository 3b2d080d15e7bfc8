"""``ember.Tensor``: the C-level fields from ``_core`` plus the op families as methods."""

from __future__ import annotations

from ember import _core
from ember.ops.activation import ActivationMethods
from ember.ops.broadcasting import BroadcastingMethods
from ember.ops.closeness import ClosenessMethods
from ember.ops.conversion import ConversionMethods
from ember.ops.diagonals import DiagonalMethods
from ember.ops.factorizations import FactorizationMethods
from ember.ops.factory_methods import FactoryMethods
from ember.ops.float_math import FloatMathMethods
from ember.ops.hyperbolic import HyperbolicMethods
from ember.ops.indexing import IndexingMethods
from ember.ops.inplace_products import InplaceProductMethods
from ember.ops.linalg import LinalgMethods
from ember.ops.linalg_classic import LinalgClassicMethods
from ember.ops.nn_ops import NnOpsMethods
from ember.ops.pointwise import PointwiseMethods
from ember.ops.random import RandomMethods
from ember.ops.random_fill import RandomFillMethods
from ember.ops.reduction import ReductionMethods
from ember.ops.scattering import ScatteringMethods
from ember.ops.searching import SearchingMethods
from ember.ops.sequences import SequenceMethods
from ember.ops.shape import ShapeMethods
from ember.ops.sorting import SortingMethods
from ember.ops.special import SpecialMethods
from ember.ops.splitting import SplittingMethods
from ember.ops.statistics import StatisticsMethods
from ember.ops.strided import StridedMethods
from ember.ops.tensor_info import TensorInfoMethods

# Called with each new subclass of Tensor (``nn.Parameter``, ...): ember.multiprocessing
# registers how the subclass crosses process boundaries.
subclass_hooks: list = []


class Tensor(_core.TensorBase, PointwiseMethods, ReductionMethods, ShapeMethods, IndexingMethods,
             LinalgMethods, SortingMethods, ActivationMethods, NnOpsMethods, ConversionMethods,
             RandomMethods, FactoryMethods, ClosenessMethods, LinalgClassicMethods, SpecialMethods,
             HyperbolicMethods, FloatMathMethods, BroadcastingMethods, DiagonalMethods, SplittingMethods,
             StatisticsMethods, SequenceMethods, SearchingMethods, InplaceProductMethods, RandomFillMethods,
             FactorizationMethods, ScatteringMethods, TensorInfoMethods, StridedMethods):
    """A multi-dimensional array on a device, with autograd fields.

    ``ember.Tensor(2, 3)`` is an uninitialised float tensor of shape (2, 3);
    ``ember.Tensor([1, 2])`` copies data as float. Prefer ``ember.tensor`` and friends.
    """

    __array_ufunc__ = None  # NumPy defers to our reflected operators: np.float32(2) * t

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for hook in subclass_hooks:
            hook(cls)

    def __new__(cls, *args, device=None):
        from ember.ops.creation import empty, tensor
        if len(args) == 1 and not isinstance(args[0], int):
            return tensor(args[0], dtype=_core.get_default_dtype(), device=device)
        return empty(*args, device=device)

    def __repr__(self, *, tensor_contents=None) -> str:
        """``tensor([...], dtype=...)``; ``tensor_contents`` (a string) is printed in place of the
        data, as subclasses that hold their data elsewhere do."""
        from ember._tensor_str import tensor_repr
        return tensor_repr(self, tensor_contents)

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

    @property
    def is_xpu(self) -> bool:
        return self.device.type == "xpu"

    @property
    def is_mps(self) -> bool:
        return self.device.type == "mps"

    @property
    def is_meta(self) -> bool:
        return self.device.type == "meta"

    @property
    def is_quantized(self) -> bool:
        """False: ember has no quantized tensors."""
        return False

    @property
    def is_sparse(self) -> bool:
        """True for a sparse COO tensor (``layout == ember.sparse_coo``)."""
        return False

    @property
    def layout(self):
        """How the elements are stored: ``ember.strided`` (dense) or ``ember.sparse_coo``."""
        from ember.layout import strided
        return strided

    def to_sparse(self, sparse_dim: int | None = None, *, layout=None):
        """The non-zero elements of this tensor as a sparse COO tensor (differentiable).

        ``sparse_dim`` leading dimensions are indexed (all by default); the rest stay dense in
        each value.
        """
        from ember.layout import sparse_coo
        if layout is not None and layout is not sparse_coo:
            raise RuntimeError(f"to_sparse: ember supports layout=ember.sparse_coo only, got {layout}")
        from ember.sparse.coo import dense_to_sparse
        return dense_to_sparse(self, sparse_dim)

    def to_sparse_coo(self):
        """``to_sparse()``."""
        return self.to_sparse()

    def to_dense(self, dtype=None, *, masked_grad=None):
        """This tensor (it is dense already), cast to ``dtype`` if given."""
        return self if dtype is None else self.to(dtype)

    def share_memory_(self):
        """Move this CPU tensor's data into shared memory (no-op if it is already there).

        Processes that receive the tensor through ``ember.multiprocessing`` (or inherit it by
        fork) then see each other's writes. Values, dtype, shape and strides stay. The whole
        memory the tensor views moves; other views of it see the move once they are shared
        too (sending them to a process does that), and alias the tensor again. Tensors on
        other devices are left as they are. Returns the tensor.
        """
        if self.device.type == "cpu":
            from ember.multiprocessing import shared_memory
            self._data = shared_memory.share(self._data)
        return self

    def is_shared(self) -> bool:
        """True if this tensor's data is in shared memory (``share_memory_()``, or received
        from another process)."""
        if self.device.type != "cpu":
            return False
        from ember.multiprocessing import shared_memory
        return shared_memory.find(self._data) is not None

    def get_device(self) -> int:
        return -1 if self.device.index is None else self.device.index
