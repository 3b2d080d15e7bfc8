"""The CPU backend's kernel table as a backend author reads it: every kernel, its signature, its contract.

The "Kernels" list in ember-core's README is this module's output, and a test fails when they
disagree, so the list cannot go stale::

    python -m ember.testing.kernel_table --markdown

A kernel is *required* when the conformance suite has a sample for it that a backend may not
leave out, *optional* when ember has a fallback (a fused kernel of a composite op, an in-place
variant run out of place, an optimizer update run on host copies), and *unchecked* when no
sample exercises it yet.
"""

from __future__ import annotations

import argparse
import inspect
from dataclasses import dataclass

import numpy as np

# What every kernel of a CPU family receives and returns, in the words a backend author needs.
CONTRACTS = {
    "creation": "Conversions and copies. `cast(x, dtype)` gets a NumPy dtype and returns a new array; "
                "`copy_(dst, src)` writes `src` (already broadcast to `dst`'s shape, maybe another dtype) into "
                "`dst` and returns None.",
    "pointwise": "Elementwise. A binary kernel gets two arrays of one dtype (type promotion is done), already "
                 "broadcastable, or an array and a Python `bool`/`int`/`float` scalar; it returns the broadcast "
                 "result. `<name>_` writes into its first argument (which has the broadcast shape) and returns "
                 "None. A kernel may return a NumPy scalar for 0-d inputs: the dispatcher wraps it as a 0-d "
                 "tensor.",
    "reduction": "Reductions. `dim` arrives wrapped to non-negative and checked: None means every dimension; ops "
                 "that take several dims (`sum`, `mean`, `amax`, `var`, ...) get a tuple, ops that take one "
                 "(`argmax`, `max_dim`, `cumsum`, ...) an int. Then `keepdim` (bool) and, where the op has one, "
                 "`dtype` (a NumPy dtype or None). A full reduction may return a NumPy scalar.",
    "shape": "Views and copies. `dim` arrives wrapped to non-negative and checked (an int; a tuple for `flip`, "
             "`roll` and `squeeze`); sizes are tuples of ints with `-1` resolved.",
    "indexing": "Indexing. `dim` arrives wrapped to non-negative and checked; index arrays are integer (int64, or "
                "int32 where PyTorch accepts it, as in `index_select`) and already checked to be in range. "
                "`<name>_` kernels write into their first argument and return None.",
    "linalg": "Linear algebra. Operands have one dtype and shapes already checked. `@` and `ember.matmul` "
              "dispatch by rank: `dot` (1-D @ 1-D, may return a NumPy scalar), `mv` (2-D @ 1-D), `mm` "
              "(2-D @ 2-D) and the `matmul` kernel for every other case (1-D @ 2-D and anything batched, with "
              "NumPy's broadcasting of batch dimensions); `bmm` serves `ember.bmm` (3-D @ 3-D, equal batches).",
    "sorting": "Sorting and selection. `dim` arrives wrapped to non-negative and checked; kernels with two results "
               "return a `(values, indices)` tuple with int64 indices.",
    "activation": "Fused activations and their adjoints (optional: composites cover them). `dim` is a "
                  "non-negative int.",
    "nn_ops": "Neural-network pieces and their adjoints for autograd: shapes, strides, padding and kernel sizes "
              "arrive as tuples of ints, already checked.",
    "normalization": "Fused normalization forward and backward (optional: composites cover them).",
    "layer_norm": "Fused layer norm over the trailing `width` values of each row (optional: a composite covers "
                  "it): the forward returns (out, mean, rstd) with one statistic per row, the backward gets them "
                  "back with the output gradient and returns (gx, gw, gb), empty arrays where `needs` says no.",
    "recurrent": "Fused LSTM and GRU layers over a whole sequence (optional: step-by-step composites cover them). "
                 "Inputs are (T, N, G*H) gate pre-activations and (N, H) states of one float dtype, shapes already "
                 "checked; `reverse` runs the steps backwards. The forward returns the outputs, final states and "
                 "what its backward needs (the activated gates and cells); the backward returns the gradients of "
                 "the pre-activations and initial states and leaves the weight gradients to autograd.",
    "sparse": "Sparse COO products: `sparse_coo_mm(indices, values, dense, rows)` gets the int64 (2, nnz) "
              "indices, the (nnz,) values and a dense (k, m) matrix of the values' dtype and returns the dense "
              "(rows, m) product; repeated indices add up.",
    "linalg_decomp": "Decompositions (host kernels: a backend without them runs them on host copies). Each gets "
                     "a float32/float64 array of matrices (..., m, n), already checked square where the op needs "
                     "it, and returns NumPy arrays; the `_ex` kernels also return an int32 `info` array per "
                     "matrix (LAPACK's convention: 0 for success), from which the op raises `LinAlgError`.",
    "error_function": "Error-function family (host kernels): `erfc`, `erfinv`, `ndtri` take one float array and "
                      "return an array of its shape and dtype.",
    "bessel": "Modified Bessel functions of the first kind (host kernels): one float array in, one array of its "
              "shape and dtype out.",
    "bessel_jyk": "Bessel functions J, Y and modified K (host kernels): one float array in, one array of its shape "
                  "and dtype out.",
    "incomplete_gamma": "Regularized incomplete gamma functions (host kernels): `(a, x)` arrays of one float dtype, "
                        "already broadcast; the result has their shape and dtype.",
    "optim": "Optimizer updates (need ember-nn to be exercised): they update parameters and state in place and "
             "return None; without them ember-nn runs the update on host copies.",
}


@dataclass(frozen=True)
class KernelEntry:
    """One kernel of the CPU table: its name, family (CPU module), signature and kind."""

    name: str
    family: str
    signature: str
    kind: str  # "required", "optional" or "unchecked"


def signature_of(fn) -> str:
    """``(x, y)`` for a kernel: its Python signature, a ufunc's operand count, or ``(...)``."""
    if isinstance(fn, np.ufunc):
        return "(" + ", ".join("xyzw"[i] for i in range(fn.nin)) + ")"
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a compiled function without a signature
        return "(...)"
    # the dispatcher passes arguments by position: NumPy's keyword-only and ``out`` parameters never arrive
    names = [str(p).split(":")[0].split("=")[0].strip() for p in params
             if p.kind is not inspect.Parameter.KEYWORD_ONLY and p.name != "out"]
    return "(" + ", ".join("x" if n == "self" else n for n in names) + ")"


def kernel_table() -> list[KernelEntry]:
    """Every kernel of the CPU backend, by family in the backend's order, then by name."""
    from ember.backends import cpu
    from ember.testing.samples import SAMPLES

    required = {s.kernel for s in SAMPLES if not s.optional}
    optional = {s.kernel for s in SAMPLES if s.optional}
    entries = []
    for family in cpu.FAMILIES:
        short = family.__name__.rsplit(".", 1)[1]
        for name in sorted(family.KERNELS):
            kind = "required" if name in required else "optional" if name in optional or short in (
                "activation", "normalization", "layer_norm", "recurrent", "optim") else "unchecked"
            entries.append(KernelEntry(name, short, signature_of(family.KERNELS[name]), kind))
    return entries


def markdown() -> str:
    """The kernel list of the README: per family its contract, then each kernel with its signature."""
    lines = ["<!-- generated by `python -m ember.testing.kernel_table --markdown`: do not edit by hand -->", ""]
    by_family: dict[str, list[KernelEntry]] = {}
    for entry in kernel_table():
        by_family.setdefault(entry.family, []).append(entry)
    for family, entries in by_family.items():
        lines.append(f"- **{family}**: {CONTRACTS.get(family, '')}".rstrip())
        for kind in ("required", "optional", "unchecked"):
            names = [f"`{e.name}{e.signature}`" for e in entries if e.kind == kind]
            if names:
                lines.append(f"  - {kind}: " + ", ".join(names))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ember.testing.kernel_table",
                                     description="The CPU backend's kernels, their signatures and contracts.")
    parser.add_argument("--markdown", action="store_true", help="print the README's kernel list")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown(), end="")
    else:
        for e in kernel_table():
            print(f"{e.family:14} {e.kind:10} {e.name}{e.signature}")


if __name__ == "__main__":
    main()
