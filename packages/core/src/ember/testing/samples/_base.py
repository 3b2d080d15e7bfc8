"""What a sample is, and the inputs samples draw from: dtypes, value domains and shape cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BOOL = ("bool",)
INTS = ("uint8", "int8", "int16", "int32", "int64")
FLOATS = ("float16", "float32", "float64")
NUMERIC = INTS + FLOATS
ALL = BOOL + NUMERIC


@dataclass(frozen=True)
class Case:
    """One call of a sample: a label for failure messages and the op's arguments.

    NumPy arrays among ``args`` become tensors on the device under test (a Fortran-ordered
    array becomes a non-contiguous tensor: a transposed view); other values pass as they are.
    """

    label: str
    args: tuple


@dataclass(frozen=True)
class Sample:
    """One way to run kernel ``kernel`` through ember's public API.

    Attributes:
        kernel: the kernel name the sample exercises; it runs when the backend registers it.
        op: the call, on the arguments of a case (tensors where the case has arrays).
        cases: ``cases(dtype, rng) -> list[Case]`` for a NumPy dtype name.
        dtypes: the dtype names the op accepts.
        grad: whether to compare gradients too (float dtypes, needs ember-autograd).
        optional: True for a kernel a backend may leave out: a fused kernel of a composite
            op (softmax, conv2d, ...) or an in-place variant ember can run out of place.
        name: a label when a kernel has several samples.
    """

    kernel: str
    op: Callable
    cases: Callable[[str, np.random.Generator], list[Case]]
    dtypes: tuple[str, ...] = ALL
    grad: bool = True
    optional: bool = False
    name: str = ""

    @property
    def id(self) -> str:
        return self.name or self.kernel


def values(shape, dtype: str, rng: np.random.Generator, domain: str = "any", order: str = "C") -> np.ndarray:
    """Random values for ``shape`` in ``dtype`` that keep every op of the domain finite.

    Domains: ``any``, ``positive`` (> 0), ``nonzero``, ``unit`` (|x| < 1, for asin/atanh),
    ``small`` (|x| <= 3, for exponents and shifts), ``distinct`` (no two equal),
    ``index:<n>`` (int64, 0 to n-1) and
    ``bool`` (a bool mask, whatever ``dtype`` is).
    """
    dt = np.dtype(dtype)
    if domain == "bool":  # a mask or a condition: bool whatever the sample's dtype
        dt = np.dtype(bool)
    if dt == np.bool_:
        arr = rng.random(shape) < (1.0 if domain in ("positive", "nonzero") else 0.5)
    elif domain == "distinct":  # no ties, so sorts and arg-extremes have one right answer
        n = int(np.prod(shape, dtype=np.int64))
        arr = rng.permutation(n).reshape(shape) - (0 if dt.kind == "u" else n // 2)
        arr = arr * 0.25 if dt.kind == "f" else arr
    elif domain.startswith("index:"):
        dt = np.dtype(np.int64)
        arr = rng.integers(0, int(domain[6:]), size=shape)
    elif dt.kind in "iu":
        lo, hi = {"any": (-5, 6), "positive": (1, 6), "nonzero": (1, 6), "unit": (0, 1), "small": (0, 4)}[domain]
        if dt.kind == "u" or domain in ("positive", "small", "unit"):
            lo = max(lo, 0)
        arr = rng.integers(lo, hi, size=shape)
        if domain == "nonzero" and dt.kind == "i":
            arr = arr * rng.choice([-1, 1], size=shape)
    else:
        lo, hi = {"any": (-2, 2), "positive": (0.5, 2), "nonzero": (0.5, 2), "unit": (-0.9, 0.9),
                  "small": (-3, 3)}[domain]
        arr = rng.uniform(lo, hi, size=shape)
        if domain == "nonzero":
            arr = arr * rng.choice([-1, 1], size=shape)
    arr = np.asarray(arr).astype(dt)
    return np.asfortranarray(arr) if order == "F" and arr.ndim > 1 else arr


def scalar_like(dtype: str, rng: np.random.Generator, domain: str = "any"):
    """A Python number of the kind of ``dtype``: a bool, an int or a float."""
    return values((), dtype, rng, domain).item()


def unary(domain: str = "any") -> Callable[[str, np.random.Generator], list[Case]]:
    """Cases for an elementwise op of one tensor: 0-d, empty, 1-d, 3-d, non-contiguous."""

    def cases(dtype, rng):
        v = lambda shape, order="C": values(shape, dtype, rng, domain, order)  # noqa: E731
        return [Case("0-d", (v(()),)), Case("empty", (v((0,)),)), Case("1-d", (v((5,)),)),
                Case("3-d", (v((2, 3, 4)),)), Case("non-contiguous", (v((3, 4), "F"),))]

    return cases


def binary(domain_a: str = "any", domain_b: str = "any", scalar: bool = True,
           mixed: str | None = "float32") -> Callable[[str, np.random.Generator], list[Case]]:
    """Cases for an elementwise op of two tensors: same shape, broadcast, 0-d, empty,
    non-contiguous, a Python scalar operand and an operand of another dtype (``mixed``)."""

    def cases(dtype, rng):
        a = lambda shape, order="C": values(shape, dtype, rng, domain_a, order)  # noqa: E731
        b = lambda shape, order="C": values(shape, dtype, rng, domain_b, order)  # noqa: E731
        out = [Case("same shape", (a((2, 3)), b((2, 3)))),
               Case("broadcast", (a((2, 1, 3)), b((4, 1)))),
               Case("0-d with 1-d", (a(()), b((3,)))),
               Case("empty", (a((0, 3)), b((3,)))),
               Case("non-contiguous", (a((3, 4), "F"), b((3, 4), "F")))]
        if scalar:
            out.append(Case("python scalar", (a((2, 3)), scalar_like(dtype, rng, domain_b))))
        if mixed and mixed != dtype:
            out.append(Case(f"with {mixed}", (a((2, 3)), values((2, 3), mixed, rng, domain_b))))
        return out

    return cases


def fixed(*cases: tuple[str, Callable]) -> Callable[[str, np.random.Generator], list[Case]]:
    """Cases written out: pairs of a label and ``make(dtype, rng) -> args``."""

    def build(dtype, rng):
        return [Case(label, tuple(make(dtype, rng))) for label, make in cases]

    return build


def gradients_of(forward, wrt: tuple[int, ...] | None = None):
    """The gradients of ``sum(out**2)`` over ``forward``'s outputs with respect to its float tensor arguments
    (or those at the positions ``wrt``): checks a fused backward kernel (``conv2d_backward``,
    ``layer_norm_backward``, ...) that the forward's rule calls. The other arguments pass detached."""

    def op(*args):
        import pytest

        import ember

        autograd = pytest.importorskip("ember.autograd", reason="backward kernels are called by ember-autograd")
        leaves = [a.detach().requires_grad_() if isinstance(a, ember.Tensor) and a.is_floating_point() and
                  (wrt is None or i in wrt) else a for i, a in enumerate(args)]
        out = forward(*leaves)
        outs = [o for o in (out if isinstance(out, (tuple, list)) else (out,)) if o.is_floating_point()]
        loss = sum((o * o).sum() for o in outs)
        return autograd.grad(loss, [t for t in leaves if isinstance(t, ember.Tensor) and t.requires_grad])

    return op


class _LazyAPI:
    """``api.add`` is ``ember.add``, looked up when called, so a sample module imports even
    while an op it names is not written yet (the sample then fails on the CPU and says so)."""

    def __getattr__(self, name: str):
        import ember

        def call(*args, **kwargs):
            return getattr(ember, name)(*args, **kwargs)

        call.__name__ = name
        return call


api = _LazyAPI()
