"""Lazy modules: layers that learn their input size from the first input (``LazyLinear``, ``LazyConv2d``,
``LazyBatchNorm2d``, ...). Their parameters start as ``UninitializedParameter`` placeholders; the first
forward call gives them shapes and initial values, and the module becomes the ordinary class
(``LazyLinear`` -> ``Linear``)."""

from __future__ import annotations

import ember
from ember import _core
from ember.nn.modules.batchnorm import BatchNorm1d, BatchNorm2d, InstanceNorm1d, InstanceNorm2d
from ember.nn.modules.batchnorm3d import BatchNorm3d, InstanceNorm3d
from ember.nn.modules.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from ember.nn.modules.conv3d import Conv3d, ConvTranspose3d
from ember.nn.modules.linear import Linear
from ember.nn.parameter import Parameter

__all__ = ["UninitializedParameter", "UninitializedBuffer", "LazyModuleMixin", "LazyLinear", "LazyConv1d",
           "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]


class _Uninitialized:
    """What the placeholders share: no shape yet, and ``materialize`` to get one."""

    cls_to_become: type = ember.Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the placeholder ``shape`` (uninitialised values) and turn it into a ``cls_to_become``."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.data = ember.empty(shape, device=device or self.device, dtype=dtype or self.dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def numel(self):
        raise RuntimeError("Can't access the number of elements of an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before accessing their attributes.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape is not known yet (of a lazy module); ``materialize`` makes it a ``Parameter``."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        return Parameter.__new__(cls, ember.empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        pass

    def __deepcopy__(self, memo):
        out = type(self)(self.requires_grad, self.device, self.dtype)
        memo[id(self)] = out
        return out


class UninitializedBuffer(_Uninitialized, ember.Tensor):
    """A buffer whose shape is not known yet (of a lazy module); ``materialize`` makes it a plain tensor."""

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        data = ember.empty(0, device=device, dtype=dtype)
        out = _core.TensorBase.__new__(cls)
        out._data, out._device, out._dtype = data._data, data._device, data._dtype
        out._version_counter = _core.VersionCounter()
        if requires_grad:
            out.requires_grad = True
        return out

    def __init__(self, requires_grad: bool = False, device=None, dtype=None) -> None:
        pass


def _is_lazy(t) -> bool:
    return isinstance(t, _Uninitialized)


class LazyModuleMixin:
    """The first-call machinery of lazy modules: a forward pre-hook that runs ``initialize_parameters`` on the
    first input, then turns the module into ``cls_to_become``. Loading a state dict materializes the
    placeholders with the saved shapes (the class changes on the next call, as in PyTorch)."""

    cls_to_become: type | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lazy_hooks()

    def _lazy_hooks(self) -> None:
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)
        self._load_hook = self._register_load_state_dict_pre_hook(_materialize_from_state_dict, with_module=True)

    def has_uninitialized_params(self) -> bool:
        """Whether some parameter or buffer is still a placeholder."""
        return _has_placeholders(self)

    def initialize_parameters(self, *args, **kwargs) -> None:
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def _finish(self) -> None:
        self._initialize_hook.remove()
        self._load_hook.remove()
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become


def _has_placeholders(module) -> bool:
    return any(_is_lazy(t) for t in list(module._parameters.values()) + list(module._buffers.values()))


def _infer_parameters(module, args) -> None:
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module._finish()


def _materialize_from_state_dict(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs) -> None:
    for name, t in list(module._parameters.items()) + list(module._buffers.items()):
        key = prefix + name
        if key in state_dict and _is_lazy(t):
            t.materialize(tuple(state_dict[key].shape))


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the size of the first input's last dim."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, 0, False)
        self.out_features = out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        if self.has_uninitialized_params():
            with ember.no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    _spatial = 2

    def _lazy_setup(self, out_channels: int, bias: bool, device, dtype) -> None:
        self.in_channels = 0
        self.out_channels = out_channels
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _input_channels(self, input) -> int:
        batched, unbatched = self._spatial + 2, self._spatial + 1
        if input.ndim not in (batched, unbatched):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {batched}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {list(input.shape)}")
        return input.shape[1] if input.ndim == batched else input.shape[0]

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if self.has_uninitialized_params():
            self.in_channels = self._input_channels(input)
            if self.in_channels % self.groups:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups)
            else:
                shape = (self.out_channels, self.in_channels // self.groups)
            with ember.no_grad():
                self.weight.materialize(shape + tuple(self.kernel_size))
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
                self.reset_parameters()


def _lazy_conv(name: str, base: type, spatial: int, transposed: bool) -> type:
    if transposed:
        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0, groups: int = 1,
                     bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None, dtype=None) -> None:
            base.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
                          padding_mode)
            self._lazy_hooks()
            self._lazy_setup(out_channels, bias, device, dtype)
    else:
        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                     bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
            base.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode)
            self._lazy_hooks()
            self._lazy_setup(out_channels, bias, device, dtype)
    doc = (f"``{base.__name__}`` whose ``in_channels`` is the channel count of the first input "
           f"(dim 1, or dim 0 if unbatched).")
    return type(name, (_LazyConvMixin, base), {"__init__": __init__, "cls_to_become": base, "_spatial": spatial,
                                               "__doc__": doc, "__module__": __name__})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, 1, False)
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, 2, False)
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, 3, False)
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", ConvTranspose1d, 1, True)
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", ConvTranspose2d, 2, True)
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", ConvTranspose3d, 3, True)


class _LazyNormMixin(LazyModuleMixin):
    _instance = False

    def _lazy_setup(self, affine: bool, track_running_stats: bool, device, dtype) -> None:
        self.num_features = 0
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = ember.tensor(0, dtype=ember.int64, device=device)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        if self.has_uninitialized_params():
            unbatched = self._instance and input.ndim == self._spatial + 1
            self.num_features = input.shape[0 if unbatched else 1]
            with ember.no_grad():
                for t in (self.weight, self.bias, self.running_mean, self.running_var):
                    if t is not None and _is_lazy(t):
                        t.materialize((self.num_features,))
                self.reset_parameters()


def _lazy_norm(name: str, base: type, spatial: int, instance: bool) -> type:
    # PyTorch's lazy instance norms default to affine=True and track_running_stats=True, unlike InstanceNorm
    def __init__(self, eps: float = 1e-5, momentum=0.1, affine: bool = True, track_running_stats: bool = True,
                 device=None, dtype=None) -> None:
        base.__init__(self, 0, eps, momentum, False, False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        self._lazy_hooks()
        self._lazy_setup(affine, track_running_stats, device, dtype)

    doc = f"``{base.__name__}`` whose ``num_features`` is the channel count of the first input."
    return type(name, (_LazyNormMixin, base), {"__init__": __init__, "cls_to_become": base, "_spatial": spatial,
                                               "_instance": instance, "__doc__": doc, "__module__": __name__})


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d, 1, False)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d, 2, False)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d, 3, False)
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", InstanceNorm1d, 1, True)
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", InstanceNorm2d, 2, True)
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", InstanceNorm3d, 3, True)
