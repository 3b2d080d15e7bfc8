"""CPU kernels for matrix products: NumPy's matmul (BLAS for float32/float64), einsum."""

import numpy as np

from ember.backends.cpu.blas_threads import blas_threads


def _work(a: np.ndarray, b: np.ndarray) -> int:
    """Multiply-adds of ``a @ b`` (batch dims of ``a`` included; 1-D operands count as vectors)."""
    sa, sb = a.shape, b.shape
    if len(sa) == 2 and len(sb) == 2:  # the matrix product, on every step of every nn.Linear
        return sa[0] * sa[1] * sb[1]
    k = a.shape[-1] if a.ndim else 1
    n = b.shape[-1] if b.ndim > 1 else 1
    return (a.size // max(k, 1)) * k * n


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    blas_threads.fit(_work(a, b))
    return a @ b


def addmm(input: np.ndarray, mat1: np.ndarray, mat2: np.ndarray, beta, alpha) -> np.ndarray:
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` is ignored when ``beta`` is 0 (NaNs too)."""
    blas_threads.fit(_work(mat1, mat2))
    out = mat1 @ mat2
    if alpha != 1:
        out *= alpha
    if beta == 1:
        out += input
    elif beta != 0:
        out += np.multiply(input, beta)
    return out


def batched_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for stacks of matrices. NumPy's batched loop only reaches BLAS for some strided
    layouts (a transposed ``b`` can be 25x slower), so non-contiguous stacks are copied first:
    O(n) to save O(n^1.5)."""
    if a.ndim > 2 and b.ndim == 2 and a.size:   # a stack times one matrix: one product over the folded stack
        blas_threads.fit(_work(a, b))
        return (a.reshape(-1, a.shape[-1]) @ b).reshape(a.shape[:-1] + (b.shape[1],))
    if a.ndim > 2 and not a.flags.c_contiguous:
        a = np.ascontiguousarray(a)
    if b.ndim > 2 and not b.flags.c_contiguous:
        b = np.ascontiguousarray(b)
    blas_threads.fit(_work(a, b))
    return a @ b


def einsum(*arrays_and_equation) -> np.ndarray:
    *arrays, equation = arrays_and_equation
    # NumPy's path search costs tens of microseconds; it pays off with BLAS-sized operands.
    optimize = len(arrays) > 2 or (len(arrays) == 2 and max(a.size for a in arrays) >= 4096)
    out = np.asarray(np.einsum(equation, *arrays, optimize=optimize))
    if any(np.may_share_memory(out, a) for a in arrays):
        out = out.copy()   # a pure relabelling comes back as a view; ember's einsum is a copy
    return out


KERNELS = {
    "mm": matmul,       # the @ operator is NumPy's cheapest way into matmul (BLAS for floats)
    "bmm": batched_matmul,
    "mv": matmul,
    "matmul": batched_matmul,
    "dot": matmul,      # a NumPy scalar, which the dispatcher wraps as a 0-d tensor
    "outer": np.outer,
    "addmm": addmm,
    "baddbmm": addmm,
    "einsum": einsum,
}
