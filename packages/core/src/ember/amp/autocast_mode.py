"""``autocast``: a region (context manager or decorator) in which ops run in mixed precision."""

from __future__ import annotations

import functools
import warnings

from ember import dtypes
from ember.amp import policy
from ember.amp.state import STATE

__all__ = ["autocast", "is_autocast_available", "custom_fwd", "custom_bwd"]

_DEVICE_TYPES = ("cpu", "cuda")
# the lower-precision dtypes each device type's autocast runs in (ember has no bfloat16)
_SUPPORTED = {"cpu": (dtypes.float16,), "cuda": (dtypes.float16,)}


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast supports ``device_type`` (``"cpu"``, and ``"cuda"`` when its backend is installed)."""
    if not isinstance(device_type, str):
        raise TypeError(f"device_type must be a str, got {type(device_type).__name__}")
    return device_type in _DEVICE_TYPES


class autocast:
    """Run the ops inside in mixed precision on ``device_type``.

    Inside the region, matrix products, linear layers and convolutions run in ``dtype``; losses,
    3-D pooling and decompositions run in float32; every other op in the dtype it is given.
    Gradients flow back through the casts, in the parameters' own dtype. Regions nest; an inner
    ``autocast(..., enabled=False)`` turns it off for its body. Usable as a decorator.

    Args:
        device_type: ``"cpu"`` or ``"cuda"``.
        dtype: the lower precision; ember has float16 only (no bfloat16), the default.
        enabled: turn autocast on (default) or off inside the region.
        cache_enabled: reuse the cast of each weight within the region. Default: ``True``.

    Example::

        >>> with ember.autocast("cpu"):
        ...     y = ember.mm(ember.randn(4, 8), ember.randn(8, 2))
        >>> y.dtype
        ember.float16
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'; ember's "
                               f"autocast supports {', '.join(_DEVICE_TYPES)}")
        self.device = device_type
        self.fast_dtype = STATE.dtype.get(device_type, dtypes.float16) if dtype is None else dtype
        self._enabled = bool(enabled)
        self._cache_enabled = STATE.cache_enabled if cache_enabled is None else bool(cache_enabled)
        if not isinstance(self.fast_dtype, dtypes.dtype):
            raise ValueError(f"Expected `dtype` to be an ember dtype, got {self.fast_dtype!r}")
        if self._enabled and device_type == "cuda":
            import ember.cuda

            if not ember.cuda.is_available():
                warnings.warn("User provided device_type of 'cuda', but CUDA is not available. Disabling",
                              stacklevel=2)
                self._enabled = False
        if self._enabled and self.fast_dtype not in _SUPPORTED[device_type]:
            names = ", ".join(str(d) for d in _SUPPORTED[device_type])
            warnings.warn(f"In {device_type.upper()} autocast, but the target dtype {self.fast_dtype} is not "
                          f"supported (ember supports {names}). Disabling autocast.", stacklevel=2)
            self._enabled = False

    def __enter__(self):
        if self._enabled:
            policy.install()
        self._prev = (STATE.enabled.get(self.device, False), STATE.dtype.get(self.device), STATE.cache_enabled)
        STATE.enabled[self.device] = self._enabled
        STATE.dtype[self.device] = self.fast_dtype
        STATE.cache_enabled = self._cache_enabled
        STATE.nesting += 1
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        STATE.nesting -= 1
        if STATE.nesting == 0:
            STATE.cache.clear()
        STATE.enabled[self.device], STATE.dtype[self.device], STATE.cache_enabled = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)

        return decorated


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorate the ``forward`` of a custom ``autograd.Function`` for autocast.

    With ``cast_inputs`` (a dtype), inside an autocast region the floating tensors passed to
    ``forward`` are cast to it and ``forward`` runs with autocast off; otherwise ``forward`` runs
    under the caller's autocast state. ``custom_bwd`` then runs ``backward`` under the same state.
    """
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = STATE.dtype.get(device_type, dtypes.float16)
        if cast_inputs is None:
            ctx._fwd_used_autocast = STATE.enabled.get(device_type, False)
            return fwd(*args, **kwargs)
        autocast_on = STATE.enabled.get(device_type, False)
        ctx._fwd_used_autocast = False
        if autocast_on:
            with autocast(device_type, enabled=False):
                cast = lambda v: (v.to(cast_inputs) if policy._eligible(v, device_type) else v)  # noqa: E731
                return fwd(*[cast(a) for a in args], **{k: cast(v) for k, v in kwargs.items()})
        return fwd(*args, **kwargs)

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str):
    """Decorate the ``backward`` of a custom ``autograd.Function``: it runs under the autocast state its
    ``forward`` (decorated with ``custom_fwd``) ran under."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type, getattr(ctx, "_dtype", None), getattr(ctx, "_fwd_used_autocast", False)):
            return bwd(*args, **kwargs)

    return decorate_bwd
