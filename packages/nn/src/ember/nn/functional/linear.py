"""Affine maps: ``linear`` and ``bilinear``."""

from __future__ import annotations

import ember

__all__ = ["linear", "bilinear"]


def linear(input, weight, bias=None):
    """y = x W^T + b for ``input`` (*, in_features), ``weight`` (out_features, in_features).

    A 2-D input with a bias is one ``addmm`` (as in PyTorch, its ``grad_fn`` is ``AddmmBackward0``);
    a contiguous input of more dims with a bias is viewed as (batch, in_features) for one ``addmm``
    (``ViewBackward0``, as PyTorch). Otherwise ``matmul``, whose stack-times-matrix product is one
    matrix product over the folded batch, forward and backward (the weight gradient included).
    """
    if input.ndim == 2 and bias is not None:
        return ember.addmm(bias, input, weight.t())
    if bias is not None and input.ndim > 2 and weight.ndim == 2 and input.shape[-1] == weight.shape[1] and \
            input.numel() and input.is_contiguous():
        out = ember.addmm(bias, input.view(-1, input.shape[-1]), weight.t())
        return out.view(tuple(input.shape[:-1]) + (weight.shape[0],))
    out = input.matmul(weight.t())
    return out if bias is None else out + bias


def bilinear(input1, input2, weight, bias=None):
    """y = x1^T A x2 + b, with ``weight`` A of shape (out, in1, in2), inputs (*, in1) and (*, in2)."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
                           f"{list(input2.shape[:-1])}")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {in1}")
    if input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {in2}")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # (B, in1) @ (in1, out*in2) -> (B, out, in2), then contract in2 with x2
    t = x1.matmul(weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    out = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (out_f,))
