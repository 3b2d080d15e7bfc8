"""``GradScaler``: loss scaling for float16 training, as ``torch.amp.GradScaler``."""

from __future__ import annotations

import math
import warnings

from ember import _core, cuda, dtypes
from ember.grad_mode import no_grad
from ember.ops.creation import full, tensor
from ember.ops.pointwise import isfinite

__all__ = ["GradScaler"]

_READY, _UNSCALED, _STEPPED = 0, 1, 2


class GradScaler:
    """Multiply the loss by a scale factor so that small float16 gradients do not flush to zero, unscale
    the gradients before the optimizer steps, skip the steps whose gradients are not finite, and adapt the
    scale: times ``backoff_factor`` after a skipped step, times ``growth_factor`` after ``growth_interval``
    finite steps in a row.

    Args:
        device: the device type of the gradients. Default: ``"cuda"`` (as PyTorch; pass ``"cpu"`` on the CPU).
        init_scale: the first scale. Default: 2.0**16.
        growth_factor, backoff_factor, growth_interval: how the scale adapts. Defaults: 2.0, 0.5, 2000.
        enabled: when False every method passes through (``scale`` returns its input, ``step`` just steps).

    Example::

        >>> scaler = ember.amp.GradScaler("cpu")
        >>> for x, y in data:
        ...     optimizer.zero_grad()
        ...     with ember.autocast("cpu"):
        ...         loss = loss_fn(model(x), y)
        ...     scaler.scale(loss).backward()
        ...     scaler.step(optimizer)
        ...     scaler.update()
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda":

            if not cuda.is_available():
                warnings.warn("ember.amp.GradScaler is enabled, but CUDA is not available. Disabling.",
                              stacklevel=2)
                self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise ValueError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise ValueError("The backoff factor must be < 1.0.")
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._scale = None             # a float32 tensor of one element, made on first use
        self._growth_tracker = 0       # finite steps since the scale last changed
        self._per_optimizer: dict[int, dict] = {}

    # -- the scale -------------------------------------------------------------------------------

    def _scale_tensor(self, device):
        if self._scale is None:
            self._scale = full((1,), self._init_scale, dtype=dtypes.float32, device=device)
        return self._scale

    def _check_scale(self, what: str) -> None:
        if self._scale is None:
            raise RuntimeError(f"Attempted {what} but _scale is None. This may indicate your script did not use "
                               f"scaler.scale(loss or outputs) earlier in the iteration.")

    def scale(self, outputs):
        """``outputs`` (a tensor, or nested lists/tuples of them) multiplied by the scale factor."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, _core.TensorBase):
            return outputs * self._scale_tensor(outputs.device).to(outputs.device)
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        if hasattr(outputs, "__iter__") and not isinstance(outputs, (str, bytes)):
            return map(self.scale, outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def get_scale(self) -> float:
        """The current scale factor (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale.item())

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = int(new_interval)

    def is_enabled(self) -> bool:
        return self._enabled

    # -- a step ----------------------------------------------------------------------------------

    def _state(self, optimizer) -> dict:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": None})

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale in place (before clipping them, say) and note whether
        any is infinite or NaN. At most once per optimizer between ``update`` calls."""
        if not self._enabled:
            return
        self._check_scale("unscale_")
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = 1.0 / float(self._scale.item())
        found = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.dtype is dtypes.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                with no_grad():
                    found = found or not bool(isfinite(p.grad).all())
                    p.grad.mul_(inv_scale)
        state["found_inf"] = found
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """Unscale the gradients (unless ``unscale_`` did) and run ``optimizer.step(*args, **kwargs)`` if they
        are all finite; return what it returns, or None when the step is skipped."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale("step")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None) -> None:
        """Adapt the scale after the iteration's steps (or set it to ``new_scale``, a float or a one-element
        float32 tensor)."""
        if not self._enabled:
            return
        self._check_scale("update")
        if new_scale is not None:
            if isinstance(new_scale, _core.TensorBase):
                if new_scale.numel() != 1 or new_scale.dtype is not dtypes.float32 or new_scale.requires_grad:
                    raise ValueError("new_scale should be a float or a 1-element ember.FloatTensor with "
                                     "requires_grad=False.")
                value = float(new_scale.item())
            else:
                value = float(new_scale)
            self._scale.fill_(value)
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values() if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            scale = float(self._scale.item())
            if any(found):
                scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = scale * self._growth_factor
                    if math.isfinite(float(tensor(grown, dtype=dtypes.float32).item())):
                        scale = grown
                    self._growth_tracker = 0
            self._scale.fill_(scale)
        self._per_optimizer.clear()

    # -- checkpoints -----------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """The scale and its adaptation settings (empty when disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale.fill_(self._init_scale)
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if self._enabled:
            state["_init_scale"] = self.get_scale()
        state["_scale"] = None
        state["_per_optimizer"] = {}
        return state
