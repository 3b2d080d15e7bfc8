"""Loss functions, with PyTorch's ``reduction`` (``"none"``, ``"mean"``, ``"sum"``) and options.

Log-probabilities come from ``log_softmax`` / ``softplus`` forms, never ``log(softmax)`` or
``log(sigmoid)``, so large logits do not overflow.
"""

from __future__ import annotations

import warnings

import ember
from ember import _core, dtypes
from ember.autograd import Function
from ember.nn.functional.activation import log_softmax, logsigmoid, softplus

__all__ = [
    "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss", "margin_ranking_loss",
    "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "triplet_margin_loss",
    "poisson_nll_loss", "gaussian_nll_loss", "cosine_similarity", "pairwise_distance",
]


def _type_name(dtype) -> str:
    return _core._type_name(dtype)


def _legacy_reduction(size_average, reduce) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                  stacklevel=3)
    return ret


def _reduction(reduction: str, size_average=None, reduce=None) -> str:
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=3)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _warn_size(input, target) -> None:
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def _weighted(loss, weight, input, reduction: str, mean_by_weight: bool):
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


# -- regression ------------------------------------------------------------------------------

def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """Mean (or sum) absolute error |input - target|; a ``weight`` mean divides by the weight sum."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    return _weighted(ember.abs(input - target), weight, input, reduction, True)


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """Mean (or sum) squared error (input - target)²; a ``weight`` mean divides by the weight sum."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    diff = input - target
    return _weighted(diff * diff, weight, input, reduction, True)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
    """0.5 d²/beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta=0 is L1."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = ember.abs(input - target)
    if beta == 0:
        return _reduce(d, reduction)
    loss = ember.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):
    """0.5 d² where |d| < delta, else delta (|d| - 0.5 delta); a ``weight`` mean is a plain mean."""
    _warn_size(input, target)
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = ember.abs(input - target)
    loss = ember.where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta)
    return _weighted(loss, weight, input, reduction, False)


# -- classification --------------------------------------------------------------------------

def _class_last(input):
    """(N, C, d1, ...) -> (N*d1*..., C); (C,) -> (1, C)."""
    if input.ndim == 1:
        return input.unsqueeze(0)
    if input.ndim == 2:
        return input
    return input.movedim(1, -1).reshape(-1, input.shape[1])


def _check_nll_shapes(input, target) -> None:
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim == 1:
        if target.ndim != 0:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return
    if target.ndim == 0 or input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 0}).")
    if input.ndim == 2 and target.ndim != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim > 2 and tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"size mismatch (got input: {list(input.shape)}, target: {list(target.shape)})")


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean"):
    """Negative log-likelihood: -input[n, target[n]] (times the class ``weight``).

    ``input`` holds log-probabilities, (N, C), (C,) or (N, C, d1, ...); ``target`` class
    indices, (N,), () or (N, d1, ...). Targets equal to ``ignore_index`` contribute nothing;
    the mean divides by the summed weights of the counted targets.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if target.dtype not in (dtypes.int64, dtypes.uint8, dtypes.int32):
        raise RuntimeError(f"expected scalar type Long but found {_type_name(target.dtype)}")
    _check_nll_shapes(input, target)
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != c):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got weight "
                           f"tensor of shape: {list(weight.shape)}")
    flat_t = target.reshape(-1).to(dtypes.int64)
    if "nll_loss" in input._device._kernels:
        from ember.ops.nn_ops import nll_loss_2d
        out = nll_loss_2d(_class_last(input), flat_t, weight, ignore_index, reduction)
        return out.reshape(target.shape) if reduction == "none" else out
    keep = flat_t != ignore_index
    safe_t = ember.where(keep, flat_t, ember.zeros_like(flat_t))
    if safe_t.numel():
        lo, hi = int(safe_t.min()), int(safe_t.max())
        if lo < 0 or hi >= c:
            raise IndexError(f"Target {lo if lo < 0 else hi} is out of bounds.")
    picked = _class_last(input).gather(1, safe_t.unsqueeze(1)).squeeze(1)
    w = keep.to(input.dtype)
    if weight is not None:
        w = w * weight.gather(0, safe_t)
    loss = -picked * w
    if reduction == "none":
        return loss.reshape(target.shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


def _fused_cross_entropy(input, target, weight, ignore_index: int, reduction: str):
    """Index targets on a backend with the fused kernel: one pass for log_softmax and nll_loss, and
    a backward of softmax - onehot (no (N, C) one-hot gradient through log_softmax's adjoint)."""
    if target.dtype not in (dtypes.int64, dtypes.uint8, dtypes.int32):
        raise RuntimeError(f"expected scalar type Long but found {_type_name(target.dtype)}")
    _check_nll_shapes(input, target)
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != c):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got weight "
                           f"tensor of shape: {list(weight.shape)}")
    from ember.ops.nn_ops import cross_entropy_2d
    out = cross_entropy_2d(_class_last(input), target.reshape(-1).to(dtypes.int64), weight, ignore_index,
                           reduction)
    return out.reshape(target.shape) if reduction == "none" else out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0):
    """Cross entropy of unnormalised logits ``input`` (C,), (N, C) or (N, C, d1, ...) against
    class indices (int64 ``target``) or class probabilities (float ``target`` shaped like input).

    Args:
        weight: a per-class weight (C,).
        ignore_index: a target index that contributes nothing (index targets only).
        label_smoothing: mix the target with the uniform distribution by this amount.

    Example::

        >>> loss = F.cross_entropy(logits, labels)   # logits (N, C), labels (N,)
    """
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    if (label_smoothing == 0 and target.shape != input.shape and input.dtype.is_floating_point
            and "cross_entropy" in input._device._kernels):
        return _fused_cross_entropy(input, target, weight, ignore_index, reduction)
    logp = log_softmax(input, class_dim)
    c = input.shape[class_dim]
    if target.shape == input.shape:
        if not target.dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                               f"{_type_name(target.dtype)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / c
        w_shape = [1] * input.ndim
        w_shape[class_dim] = c
        terms = logp * target if weight is None else logp * weight.reshape(w_shape) * target
        if reduction == "mean":
            return -terms.sum() / (input.numel() // c) if input.numel() else -terms.sum() / 0.0
        if reduction == "sum":
            return -terms.sum()
        return -terms.sum(class_dim)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0:
        return nll
    keep = (target != ignore_index)
    w_shape = [1] * input.ndim
    w_shape[class_dim] = c
    smooth = -(logp if weight is None else logp * weight.reshape(w_shape)).sum(class_dim)
    smooth = smooth * keep.to(smooth.dtype)
    if reduction == "mean":
        if weight is None:
            denom = keep.sum()
        else:
            safe = ember.where(keep, target, ember.zeros_like(target)).reshape(-1)
            denom = (weight.gather(0, safe) * keep.reshape(-1).to(weight.dtype)).sum()
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / c)


class _BinaryCrossEntropy(Function):
    """-(t log x + (1 - t) log(1 - x)) elementwise, each log clamped at -100 (finite at x = 0 and 1).

    The derivative is PyTorch's, (x - t) / max(x (1 - x), 1e-12), so it stays finite where a log is
    clamped: differentiating the clamped logs would give 0 * inf = NaN at x = 0 and 1.
    """

    @staticmethod
    def forward(ctx, input, target):
        ctx.save_for_backward(input, target)
        log_x = ember.clamp(ember.log(input), min=-100.0)
        log_1mx = ember.clamp(ember.log(1 - input), min=-100.0)
        return -(target * log_x + (1 - target) * log_1mx)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = grad * (input - target) / ember.clamp(input * (1 - input), min=_BCE_EPS)
        if ctx.needs_input_grad[1]:
            gt = grad * (ember.log(1 - input) - ember.log(input))
        return gx, gt


_BCE_EPS = 1e-12
_BinaryCrossEntropy._backward_cls.__name__ = "BinaryCrossEntropyBackward0"   # grad_fn's name, as in PyTorch


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
    """-(t log x + (1 - t) log(1 - x)) for probabilities ``input``; logs are clamped at -100.

    The gradient with respect to ``input`` is (x - t) / max(x (1 - x), 1e-12) (times ``weight``), as in
    PyTorch: finite where ``input`` is exactly 0 or 1.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) "
                         "is deprecated. Please ensure they have the same size.")
    if input.numel() and (bool((input < 0).any()) or bool((input > 1).any())):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = _BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None):
    """Binary cross entropy of logits, stable for large |input|:
    (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x).

    Args:
        pos_weight: weight of positive examples, broadcast along the last (class) dim.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    if pos_weight is None:
        loss = (1 - target) * input - logsigmoid(input)
    else:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * softplus(-input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False):
    """KL divergence with ``input`` log-probabilities: target (log target - input), pointwise.

    ``reduction="batchmean"`` divides the sum by the batch size (the mathematical KL);
    ``"mean"`` divides by the number of elements (and warns, as PyTorch does).
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    elif reduction not in ("batchmean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = ember.exp(target) * (target - input)
    else:
        positive = target > 0
        safe = ember.where(positive, target, ember.ones_like(target))
        loss = target * ember.log(safe) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


# -- embeddings and ranking ------------------------------------------------------------------

def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """x1 · x2 / max(‖x1‖ ‖x2‖, eps) along ``dim``."""
    dot = (x1 * x2).sum(dim)
    n1 = (x1 * x1).sum(dim)
    n2 = (x2 * x2).sum(dim)
    return dot / ember.sqrt(ember.clamp(n1 * n2, min=eps * eps))


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """‖x1 - x2 + eps‖_p along the last dim."""
    diff = x1 - x2 + eps
    return ember.abs(diff).pow(p).sum(-1, keepdim=keepdim).pow(1.0 / p)


def cosine_embedding_loss(input1, input2, target, margin: float = 0, size_average=None, reduce=None,
                          reduction: str = "mean"):
    """1 - cos(x1, x2) where target is 1; max(0, cos(x1, x2) - margin) where target is -1."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.ndim not in (1, 2):
        raise RuntimeError(f"cosine_embedding_loss: Expected 1D or 2D input, got {input1.ndim}D")
    if input1.shape != input2.shape:
        raise RuntimeError(f"cosine_embedding_loss: input1 and input2 must have the same shape, got "
                           f"{list(input1.shape)} and {list(input2.shape)}")
    dim = input1.ndim - 1
    eps = 1e-12
    prod = (input1 * input2).sum(dim)
    mag = ember.sqrt(((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps))
    cos = prod / mag
    zeros = ember.zeros_like(cos)
    loss = ember.where(target == 1, 1 - cos, zeros) + ember.where(target == -1, ember.clamp(cos - margin, min=0.0),
                                                                  zeros)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0, size_average=None, reduce=None,
                        reduction: str = "mean"):
    """max(0, -target (x1 - x2) + margin): target 1 wants x1 ranked higher, -1 lower."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    loss = ember.clamp(-target * (input1 - input2) + margin, min=0.0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"):
    """x where target is 1, max(0, margin - x) where target is -1."""
    reduction = _reduction(reduction, size_average, reduce)
    zeros = ember.zeros_like(input)
    loss = ember.where(target != 1, ember.clamp(margin - input, min=0.0), zeros) + \
        ember.where(target != -1, input, zeros)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """log(1 + exp(-target * input)), for targets ±1."""
    reduction = _reduction(reduction, size_average, reduce)
    return _reduce(softplus(-target * input), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
    """Per-class binary cross entropy of logits, averaged over the classes (last dim)."""
    reduction = _reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1]
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None, reduction: str = "mean"):
    """max(d(a, p) - d(a, n) + margin, 0) with the p-norm pairwise distance."""
    reduction = _reduction(reduction, size_average, reduce)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ember.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ember.clamp(margin + d_pos - d_neg, min=0.0), reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
                     reduce=None, reduction: str = "mean"):
    """Poisson negative log-likelihood: exp(input) - target * input (log_input), or input - target log(input + eps)."""
    reduction = _reduction(reduction, size_average, reduce)
    if log_input:
        loss = ember.exp(input) - target * input
    else:
        loss = input - target * ember.log(input + eps)
    if full:
        safe = ember.where(target > 1, target, ember.ones_like(target))
        stirling = safe * ember.log(safe) - safe + 0.5 * ember.log(2 * 3.141592653589793 * safe)
        loss = loss + ember.where(target > 1, stirling, ember.zeros_like(target))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
    """0.5 (log(max(var, eps)) + (input - target)² / max(var, eps)) (+ 0.5 log 2π if ``full``)."""
    reduction = _reduction(reduction)
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.shape[:-1] == var.shape[:-1] and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    # clamp without blocking the gradient, as PyTorch does (it clamps under no_grad)
    var = var + (ember.clamp(var.detach(), min=eps) - var.detach())
    diff = input - target
    loss = 0.5 * (ember.log(var) + diff * diff / var)
    if full:
        loss = loss + 0.9189385332046727
    return _reduce(loss, reduction)
