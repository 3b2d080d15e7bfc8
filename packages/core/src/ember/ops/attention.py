"""The softmax of attention scores, scaled and masked in the same op.

``scaled_dot_product_attention`` and ``MultiheadAttention`` compute
``softmax(scores * scale + mask)`` over the keys (last dim). As one op it is one kernel pass set
and one autograd node instead of a product, a sum, the softmax and the fix-up of rows that
may attend nothing.

Kernel (name -> params after the input arrays):

    attention_softmax  (scores[, mask]) -> (scale, zero_dead_rows)
                       softmax over the last dim of ``scores * scale + mask`` (the float mask
                       broadcasts to the scores, -inf where a key may not be attended). With
                       ``zero_dead_rows`` a row whose every entry is -inf gives zeros (as PyTorch's
                       scaled_dot_product_attention); without, NaN (as its explicit softmax).
"""

from __future__ import annotations

from ember import _core, dtypes
from ember.ops.activation import softmax

__all__ = ["attention_softmax", "attention_softmax_reference"]


def attention_softmax(scores, mask=None, scale: float = 1.0, zero_dead_rows: bool = True):
    """``softmax(scores * scale + mask, -1)``; rows with nothing to attend give zeros if ``zero_dead_rows``."""
    if not scores.dtype.is_floating_point:
        raise RuntimeError(f"attention_softmax: scores must be floating point, got {scores.dtype}")
    if mask is not None:
        if mask.dtype is not scores.dtype:
            raise RuntimeError(f"attention_softmax: a float mask must have the scores' dtype {scores.dtype}, got "
                               f"{mask.dtype}")
        _broadcast_check(mask, scores)
    if scores.ndim == 0 or scores.numel() == 0 or "attention_softmax" not in scores._device._kernels or \
            scores.dtype not in (dtypes.float32, dtypes.float64):
        return attention_softmax_reference(scores, mask, scale, zero_dead_rows)
    inputs = (scores,) if mask is None else (scores, mask)
    return _core.call("attention_softmax", inputs, (float(scale), bool(zero_dead_rows)))


def _broadcast_check(mask, scores) -> None:
    """The mask must broadcast to the scores' shape (the result has the scores' shape)."""
    ms, ss = tuple(mask.shape), tuple(scores.shape)
    if len(ms) > len(ss) or any(m not in (1, s) for m, s in zip(reversed(ms), reversed(ss))):
        raise RuntimeError(f"attention_softmax: the mask of shape {list(ms)} does not broadcast to the scores' "
                           f"shape {list(ss)}")


def attention_softmax_reference(scores, mask=None, scale: float = 1.0, zero_dead_rows: bool = True):
    """``attention_softmax`` with ember ops (backends without the kernel; any order of derivatives)."""
    s = scores * scale if scale != 1.0 else scores
    if mask is not None:
        s = s + mask
    if not zero_dead_rows or s.ndim == 0:
        return softmax(s, -1)
    dead = (s == float("-inf")).all(-1, keepdim=True)
    return softmax(s.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)
