"""``ctc_loss``: the Connectionist Temporal Classification loss (Graves et al., 2006), by the forward
algorithm in log space over the blank-extended targets, vectorised over the batch; autograd
differentiates it through its steps."""

from __future__ import annotations

import ember
from ember import dtypes

__all__ = ["ctc_loss"]


def _logaddexp(*terms):
    """log(sum(exp(terms))) where an all -inf sum stays -inf with zero (not NaN) gradients."""
    stacked = ember.stack(terms)
    top = stacked.detach().amax(0)
    top = ember.where(ember.isinf(top), ember.zeros_like(top), top)
    total = (stacked - top).exp().sum(0)
    empty = total == 0
    return ember.where(empty, ember.full_like(total, float("-inf")),
                       ember.where(empty, ember.ones_like(total), total).log() + top)


def _lengths(value, batch: int, device, name: str):
    t = value if isinstance(value, ember.Tensor) else ember.tensor(list(value), dtype=dtypes.int64)
    t = t.to(dtypes.int64).reshape(-1).to(device)
    if t.shape[0] != batch:
        raise RuntimeError(f"{name} must be of size batch_size ({batch}), got {t.shape[0]}")
    return t


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False):
    """The negative log-likelihood of each target sequence under the per-frame class distributions
    ``log_probs`` (T, N, C) (or (T, C)), summed over all alignments.

    Args:
        targets: (N, S) padded target sequences, or all targets concatenated (1-D).
        input_lengths, target_lengths: per sample, how many frames and target labels count.
        blank: the blank class. reduction: ``"mean"`` (each loss divided by its target length, then the
            batch mean), ``"sum"`` or ``"none"``.
        zero_infinity: give impossible alignments (infinite loss) a zero loss and gradient.
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.ndim != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs to be 2-D or 3-D, got {log_probs.ndim}-D")
    steps, batch, classes = lp.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    in_len = _lengths(input_lengths, batch, lp.device, "input_lengths")
    tg_len = _lengths(target_lengths, batch, lp.device, "target_lengths")
    if unbatched and targets.ndim == 1:
        targets = targets.unsqueeze(0)
    if bool((in_len > steps).any()):
        raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got value "
                           f"{int(in_len.max())}")
    if targets.ndim == 2:
        padded = targets.to(dtypes.int64)
    else:   # concatenated: cut into a padded (N, S_max) tensor
        longest = int(tg_len.max()) if batch else 0
        starts = ember.cat([ember.zeros(1, dtype=dtypes.int64, device=lp.device), tg_len.cumsum(0)[:-1]])
        index = (starts.unsqueeze(1) + ember.arange(max(longest, 1), device=lp.device)).clamp(
            max=max(targets.shape[0] - 1, 0))
        padded = targets.to(dtypes.int64)[index] if targets.numel() else ember.zeros(
            (batch, max(longest, 1)), dtype=dtypes.int64, device=lp.device)
    s_max = padded.shape[1]
    if bool((tg_len > s_max).any()):
        raise RuntimeError(f"Expected tensor to have size at least {int(tg_len.max())} at dimension 1, but got size "
                           f"{s_max}")
    width = 2 * s_max + 1
    ext = ember.full((batch, width), blank, dtype=dtypes.int64, device=lp.device)
    if s_max:
        ext[:, 1::2] = padded
    # s may take a step of two from s - 2 when it is a label different from the label at s - 2
    skip = ember.zeros((batch, width), dtype=dtypes.bool, device=lp.device)
    if width > 2:
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    neg_inf = ember.full((batch, 1), float("-inf"), dtype=lp.dtype, device=lp.device)
    positions = ember.arange(width, device=lp.device).unsqueeze(0)
    emit0 = lp[0].gather(1, ext)
    alpha = ember.where(positions < 2, emit0, ember.full_like(emit0, float("-inf")))
    for t in range(1, steps):
        from_one = ember.cat([neg_inf, alpha[:, :-1]], 1)
        from_two = ember.where(skip, ember.cat([neg_inf, neg_inf, alpha[:, :-2]], 1)[:, :width],
                               ember.full_like(alpha, float("-inf")))
        step = _logaddexp(alpha, from_one, from_two) + lp[t].gather(1, ext)
        alpha = ember.where((t < in_len).unsqueeze(1), step, alpha)
    last = (2 * tg_len).unsqueeze(1)
    end_blank = alpha.gather(1, last).squeeze(1)
    end_label = ember.where(tg_len > 0, alpha.gather(1, (last - 1).clamp(min=0)).squeeze(1),
                            ember.full_like(end_blank, float("-inf")))
    loss = -_logaddexp(end_blank, end_label)
    loss = ember.where(in_len == 0, ember.where(tg_len == 0, ember.zeros_like(loss), ember.full_like(loss, float(
        "inf"))), loss)
    if zero_infinity:
        loss = ember.where(ember.isinf(loss), ember.zeros_like(loss), loss)
    if reduction == "mean":
        return (loss / tg_len.clamp(min=1).to(loss.dtype)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss
