"""The neural-network functions PyTorch also offers at the top level (``torch.conv3d``, ``torch.kl_div``,
``torch.pixel_shuffle``, ...). They live in ``ember.nn.functional`` (ember-nn); these entry points
import it on first call, so ember-core does not depend on ember-nn. Losses here take PyTorch's ATen
``reduction`` codes (0 none, 1 mean, 2 sum) as well as the strings."""

from __future__ import annotations

import importlib

from ember.ops.creation import empty

__all__ = ["alpha_dropout", "bilinear", "binary_cross_entropy_with_logits", "celu", "channel_shuffle", "conv3d",
           "conv_transpose3d", "conv_tbc", "convolution", "cosine_embedding_loss", "cosine_similarity", "ctc_loss",
           "embedding_bag", "feature_alpha_dropout", "feature_dropout", "hardshrink", "hinge_embedding_loss",
           "instance_norm", "kl_div", "margin_ranking_loss", "max_pool3d", "pairwise_distance", "pdist",
           "pixel_shuffle", "pixel_unshuffle", "poisson_nll_loss", "prelu", "rms_norm", "rrelu", "selu", "threshold",
           "triplet_margin_loss"]

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _functional():
    try:
        return importlib.import_module("ember.nn.functional")
    except ModuleNotFoundError as err:
        raise RuntimeError("this function is part of ember.nn: pip install ember-nn") from err


def _reduction(value):
    return _REDUCTIONS.get(value, value) if isinstance(value, int) else value


def _forward(name: str, doc: str):
    def entry(*args, **kwargs):
        return getattr(_functional(), name)(*args, **kwargs)
    entry.__name__ = entry.__qualname__ = name
    entry.__doc__ = doc + f" (``ember.nn.functional.{name}``)"
    return entry


alpha_dropout = _forward("alpha_dropout", "Alpha dropout, which keeps SELU activations' mean and variance")
bilinear = _forward("bilinear", "``x1^T A x2 + b``")
celu = _forward("celu", "The CELU activation")
channel_shuffle = _forward("channel_shuffle", "Interleave the channels of ``groups`` groups")
conv3d = _forward("conv3d", "3-D convolution")
conv_transpose3d = _forward("conv_transpose3d", "Transposed 3-D convolution")
conv_tbc = _forward("conv_tbc", "1-D convolution over (time, batch, channels) input")
cosine_similarity = _forward("cosine_similarity", "The cosine of the angle between the vectors along ``dim``")
embedding_bag = _forward("embedding_bag", "Sums, means or maxima of bags of embeddings")
feature_alpha_dropout = _forward("feature_alpha_dropout", "Alpha dropout of whole channels")
hardshrink = _forward("hardshrink", "``x`` where ``|x| > lambd``, else 0")
instance_norm = _forward("instance_norm", "Instance normalisation")
max_pool3d = _forward("max_pool3d", "3-D max pooling")
pairwise_distance = _forward("pairwise_distance", "The p-norm distance between the rows of two tensors")
pdist = _forward("pdist", "The p-norm distances between every pair of rows")
pixel_shuffle = _forward("pixel_shuffle", "(C r^2, H, W) to (C, H r, W r)")
pixel_unshuffle = _forward("pixel_unshuffle", "(C, H r, W r) to (C r^2, H, W)")
rms_norm = _forward("rms_norm", "Root-mean-square normalisation")
prelu = _forward("prelu", "``max(0, x) + weight * min(0, x)``, ``weight`` per channel")
rrelu = _forward("rrelu", "Randomized leaky ReLU")
selu = _forward("selu", "The SELU activation")


def threshold(input, threshold, value):
    """``input`` where it is greater than ``threshold``, else ``value`` (``ember.nn.functional.threshold``)."""
    return _functional().threshold(input, threshold, value)


def feature_dropout(input, p: float, train: bool):
    """Dropout of whole channels (dim 1) of an (N, C, ...) input: ``dropout2d``'s rule for any rank."""
    if not train or p == 0:
        return input
    if p == 1:
        return input * 0
    mask = empty(tuple(input.shape[:2]) + (1,) * (input.ndim - 2), dtype=input.dtype,
                       device=input.device).bernoulli_(1 - p)
    return input * mask / (1 - p)


def convolution(input, weight, bias, stride, padding, dilation, transposed: bool, output_padding, groups: int):
    """The convolution of any rank (1-, 2- or 3-D from ``weight``), transposed or not."""
    F = _functional()
    dims = weight.ndim - 2
    if dims not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a 3-, 4- or 5-D weight, got {weight.ndim}-D")
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[dims - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return (F.conv1d, F.conv2d, F.conv3d)[dims - 1](input, weight, bias, stride, padding, dilation, groups)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    """``nn.functional.binary_cross_entropy_with_logits``."""
    return _functional().binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                                          pos_weight=pos_weight)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, reduction=1):
    """``nn.functional.cosine_embedding_loss``."""
    return _functional().cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0, reduction=1,
             zero_infinity: bool = False):
    """``nn.functional.ctc_loss``."""
    return _functional().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction),
                                  zero_infinity)


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction=1):
    """``nn.functional.hinge_embedding_loss``."""
    return _functional().hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def kl_div(input, target, reduction=1, *, log_target: bool = False):
    """``nn.functional.kl_div`` (with PyTorch's ATen default: the mean over all elements)."""
    return _functional().kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction=1):
    """``nn.functional.margin_ranking_loss``."""
    return _functional().margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input: bool, full: bool, eps: float, reduction):
    """``nn.functional.poisson_nll_loss``."""
    return _functional().poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, reduction=1):
    """``nn.functional.triplet_margin_loss``."""
    return _functional().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                             reduction=_reduction(reduction))
