"""Which algorithm computes a convolution on the CPU: a cost model from the shapes alone.

Every candidate is priced as the time of a training step's three products (output, input gradient,
weight gradient) plus the passes over memory that prepare their operands. A matrix product costs
whichever is larger of its arithmetic and its memory traffic (a roofline): ``2mnk`` flops at
``FLOPS_PER_BYTE`` flops per byte moved, or the bytes of its three operands. That is what makes
Winograd lose on small maps with many channels: its 16 products each stream a whole C_out x C_in
slab of transformed filters (16/9 of the weights' bytes) for a handful of tiles, and the filters must
be transformed every step and the filter gradient transformed back, while one im2col product over the
whole batch streams the weights once.

The candidates:

- ``gemm``: im2col (a 1x1 stride-1 unpadded convolution needs none) and one product per direction;
  the output and the input gradient either per image (no transposition, the weights read N times) or
  as one product over the batch (one pass to transpose), whichever costs less; the weight gradient is
  always one product over the batch.
- ``winograd``: F(2x2, 3x3) for 3x3 stride-1 convolutions (``winograd.py``).

Products of 2M multiply-adds or more run on every BLAS thread (smaller ones on one, see ``blas_threads``),
which favours one product over the batch on a multi-core machine. The constants are this kind of machine's
balance (a core does about 10 single-precision flops in the
time it moves a byte from memory; the Cython transforms move about half as fast as a copy); only
their ratios matter, and a choice flips only where both algorithms cost about the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from ember.backends.cpu.blas_threads import SMALL, blas_threads

FLOPS_PER_BYTE = 10.0
TRANSFORM = 2.0        # bytes-equivalent per byte a Cython transform (im2col, col2im, Winograd) moves


@dataclass(frozen=True)
class Plan:
    algorithm: str      # "gemm" or "winograd"
    columns: bool       # gemm: the input needs im2col (not a 1x1 stride-1 unpadded convolution)
    batched_out: bool   # gemm: the output as one product over the batch (else image by image)
    batched_gx: bool    # gemm: the input gradient as one product over the batch


def gemm_cost(m: int, n: int, k: int, item: int) -> float:
    """Bytes-equivalent of an (m, k) @ (k, n) product: arithmetic or memory, whichever is slower; shared by
    every BLAS thread when it is large enough for ember to give it them (``blas_threads``)."""
    cost = max(2.0 * m * n * k / FLOPS_PER_BYTE, float(m * k + k * n + m * n) * item)
    return cost / blas_threads.budget if m * n * k >= SMALL else cost


def _out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def winograd_fits(x_shape, w_shape, stride, padding, dilation, groups) -> bool:
    """F(2x2, 3x3) computes this convolution: 3x3, stride 1, no dilation, one group, equal padding."""
    return (tuple(w_shape[2:]) == (3, 3) and tuple(stride) == (1, 1) and tuple(dilation) == (1, 1) and groups == 1
            and padding[0] == padding[1] and x_shape[2] + 2 * padding[0] > 3 and x_shape[3] + 2 * padding[1] > 3)


def winograd_cost(x_shape, w_shape, pad: int, item: int) -> float:
    n, c, h, w = x_shape
    o = w_shape[0]
    ho, wo = h + 2 * pad - 2, w + 2 * pad - 2
    t = n * -(-ho // 2) * -(-wo // 2)
    move = TRANSFORM * item
    transforms = move * (25 * o * c                       # filters, once a step (the backward reuses them)
                         + 2 * (n * c * h * w + 16 * c * t)  # input tiles and their adjoint
                         + 2 * (n * o * ho * wo + 16 * o * t)  # output tiles and the gradient's
                         + 25 * o * c)                     # the filter gradient back to 3x3
    return transforms + 16 * (gemm_cost(o, t, c, item) + gemm_cost(c, t, o, item) + gemm_cost(o, c, t, item))


def gemm_plan(x_shape, w_shape, stride, padding, dilation, groups, item: int) -> tuple[Plan, float]:
    n, c, h, w = x_shape
    o, cg, kh, kw = w_shape
    ho = _out_size(h, kh, stride[0], padding[0], dilation[0])
    wo = _out_size(w, kw, stride[1], padding[1], dilation[1])
    p, k, og = ho * wo, cg * kh * kw, o // groups
    columns = not (kh == kw == 1 and tuple(stride) == (1, 1) and tuple(padding) == (0, 0))
    per_image = n * groups * gemm_cost(og, p, k, item)
    batched = groups * gemm_cost(og, n * p, k, item)
    transpose = 2.0 * item * o * n * p            # (C_out, N, P) <-> (N, C_out, P)
    batched_out = batched + transpose < per_image
    gx_per_image, gx_batched = n * groups * gemm_cost(k, p, og, item), groups * gemm_cost(k, n * p, og, item)
    batched_gx = gx_batched < gx_per_image
    weight = groups * gemm_cost(og, k, n * p, item) + transpose   # the output gradient as (C_out, N*P)
    cost = min(per_image, batched + transpose) + min(gx_per_image, gx_batched) + weight
    if columns:   # im2col, and col2im for the input gradient
        cost += TRANSFORM * item * (2 * groups * k * n * p + 3 * n * c * h * w)
    else:         # the input as (C, N*P) for the weight gradient
        cost += 2.0 * item * n * c * h * w
    return Plan("gemm", columns, batched_out, batched_gx), cost


def plan(x_shape, w_shape, stride, padding, dilation, groups, item: int = 4) -> Plan:
    """The cheapest way to run this convolution's forward and backward passes."""
    chosen, cost = gemm_plan(x_shape, w_shape, stride, padding, dilation, groups, item)
    if (winograd_fits(x_shape, w_shape, stride, padding, dilation, groups)
            and winograd_cost(x_shape, w_shape, padding[0], item) < cost):
        return Plan("winograd", False, False, False)
    return chosen


def winograd_where_it_fits(x_shape, w_shape, stride, padding, dilation, groups, item: int = 4) -> Plan:
    """Winograd for every convolution it can compute, else the cheapest plan (to test the Winograd path)."""
    if winograd_fits(x_shape, w_shape, stride, padding, dilation, groups):
        return Plan("winograd", False, False, False)
    return gemm_plan(x_shape, w_shape, stride, padding, dilation, groups, item)[0]
