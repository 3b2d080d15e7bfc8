"""Matrix products: ``matmul``/``@``, ``mm``, ``bmm``, ``mv``, ``dot``, ``outer``, ``einsum``, ``addmm``.

Kernels (name -> params after the input arrays), for backends and autograd rules. Inputs of
the products share one dtype; shapes are checked here, so kernels may assume them valid.

    mm       (a, b) -> ()                 (n,k) @ (k,m)
    bmm      (a, b) -> ()                 (B,n,k) @ (B,k,m)
    mv       (a, v) -> ()                 (n,k) @ (k,)
    dot      (a, b) -> ()                 (k,) . (k,) -> 0-d
    matmul   (a, b) -> ()                 every other ``matmul``: 1-D operands (NumPy's rules:
                                          a 1-D ``a`` is a row, a 1-D ``b`` a column, then dropped)
                                          and broadcast batch dims
    outer    (a, b) -> ()                 (n,) x (m,) -> (n,m); dtypes already promoted
    addmm    (input, a, b) -> (beta, alpha)    beta * input + alpha * (a @ b); input broadcasts
                                          to (n,m); beta == 0 ignores input (even NaN)
    baddbmm  (input, a, b) -> (beta, alpha)    the same with (B,n,k) @ (B,k,m)
    einsum   (*xs) -> (equation,)         "lhs->rhs" without spaces, explicit output; labelled
                                          dims already match (size-1 dims were expanded)
"""

from __future__ import annotations

from ember import _core, dtypes
from ember.layout import CooData
from ember.ops.shape import _expand, expanded_shape

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "ger", "einsum", "addmm", "baddbmm", "LinalgMethods"]

def _name(t) -> str:
    return _core._type_name(t.dtype)


def _check_tensor(x, fn: str, arg: str, pos: int) -> None:
    if not isinstance(x, _core.TensorBase):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _no_bool(op: str, *tensors) -> None:
    """PyTorch has no bool products on the CPU, except for empty operands, which need no kernel."""
    if tensors[0].dtype is dtypes.bool and (len(tensors) == 1 or all(t._data.size for t in tensors)):
        raise NotImplementedError(f"\"{op}\" not implemented for 'Bool'")


def _mm_checks(a, b, rows: int, inner_a: int, inner_b: int, cols: int) -> None:
    if inner_a != inner_b:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{inner_a} and {inner_b}x{cols})")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_name(a)} != {_name(b)}")
    _no_bool("mm", a, b)


def _mv_checks(mat, vec, rows: int, inner: int, n: int) -> None:
    if inner != n:
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{inner}), vec ({n})")
    if mat.dtype is not vec.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_name(vec)}, {_name(mat)}, "
                           f"and {_name(vec)}")
    _no_bool("mv", mat, vec)


def _bmm_checks(a, b, batch: int, inner_a: int, batch_b: int, inner_b: int) -> None:
    if inner_a != inner_b or batch != batch_b:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {inner_a}] "
                           f"but got: [{batch_b}, {inner_b}].")
    if a.dtype is not b.dtype and a._data.size and b._data.size:   # PyTorch skips empty batches' dtypes
        raise RuntimeError(f"expected scalar type {_name(a)} but found {_name(b)}")
    _no_bool("bmm", a, b)


def _broadcast_batch(sa: tuple, sb: tuple) -> tuple:
    """The broadcast of two batch shapes, with PyTorch's message when they do not broadcast."""
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    out = []
    for i, (x, y) in enumerate(zip(sa, sb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def mm(input, mat2):
    """The matrix product of ``input`` (n, k) and ``mat2`` (k, m), shape (n, m). No broadcasting."""
    if input._data.__class__ is CooData or mat2._data.__class__ is CooData:
        return _sparse_mm(input, mat2)
    sa, sb = input._data.shape, mat2._data.shape
    if len(sa) != 2:
        raise RuntimeError("self must be a matrix")
    if len(sb) != 2:
        raise RuntimeError("mat2 must be a matrix")
    _mm_checks(input, mat2, sa[0], sa[1], sb[0], sb[1])
    return _core.call("mm", (input, mat2))


def bmm(input, mat2):
    """Batched matrix product: ``input`` (B, n, k) @ ``mat2`` (B, k, m) -> (B, n, m). No broadcasting."""
    sa, sb = input._data.shape, mat2._data.shape
    if len(sa) != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if len(sb) != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _bmm_checks(input, mat2, sa[0], sa[2], sb[0], sb[1])
    if input.dtype is not mat2.dtype:   # an empty product; PyTorch gives it mat2's dtype
        input = input.to(mat2.dtype)
    return _core.call("bmm", (input, mat2))


def mv(input, vec):
    """The product of matrix ``input`` (n, k) and vector ``vec`` (k,), shape (n,)."""
    sa, sb = input._data.shape, vec._data.shape
    if len(sa) != 2 or len(sb) != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {len(sa)}, {len(sb)}")
    _mv_checks(input, vec, sa[0], sa[1], sb[0])
    return _core.call("mv", (input, vec))


def dot(input, tensor):
    """The inner product of two 1-D tensors of one dtype, a 0-d tensor."""
    sa, sb = input._data.shape, tensor._data.shape
    if len(sa) != 1 or len(sb) != 1:
        raise RuntimeError(f"1D tensors expected, but got {len(sa)}D and {len(sb)}D tensors")
    if input.dtype is not tensor.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_name(input)} and "
                           f"{_name(tensor)}")
    if sa[0] != sb[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the same "
                           f"number of elements, but got {sa[0]} and {sb[0]} elements respectively")
    _no_bool("dot", input)
    return _core.call("dot", (input, tensor))


def matmul(input, other):
    """The matrix product of two tensors, with PyTorch's rules for every rank.

    1-D · 1-D is a dot product (0-d result); 2-D @ 2-D a matrix product; a 1-D first
    operand is treated as a row vector and a 1-D second operand as a column vector, and the
    added dim is removed from the result; with more dims, the last two are the matrices and
    the leading (batch) dims broadcast. Both operands must have the same dtype.

    Example::

        >>> (ember.ones(5, 2, 3) @ ember.ones(3, 4)).shape
        ember.Size([5, 2, 4])
    """
    _check_tensor(input, "matmul", "input", 1)
    _check_tensor(other, "matmul", "other", 2)
    return _matmul(input, other)


def _sparse_mm(input, other):
    from ember.sparse import mm as sparse_mm
    return sparse_mm(input, other)


def _matmul(input, other):
    if input._data.__class__ is CooData or other._data.__class__ is CooData:
        return _sparse_mm(input, other)
    sa, sb = input._data.shape, other._data.shape
    da, db = len(sa), len(sb)
    if da == 2 and db == 2:
        _mm_checks(input, other, sa[0], sa[1], sb[0], sb[1])
        return _core.call("mm", (input, other))
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        _mv_checks(input, other, sa[0], sa[1], sb[0])
        return _core.call("mv", (input, other))
    inner_b = sb[0] if db == 1 else sb[-2]
    if sa[-1] != inner_b or input.dtype is not other.dtype or input.dtype is dtypes.bool or \
            (da > 2 and db > 2 and not _broadcastable(sa[:-2], sb[:-2])):
        _matmul_error(input, other, sa, sb)
        if input.dtype is not other.dtype:   # an empty batched product; PyTorch gives it other's dtype
            input = input.to(other.dtype)
    return _core.call("matmul", (input, other))


def _broadcastable(sa: tuple, sb: tuple) -> bool:
    return all(x == y or x == 1 or y == 1 for x, y in zip(reversed(sa), reversed(sb)))


def _prod(sizes) -> int:
    out = 1
    for s in sizes:
        out *= s
    return out


def _matmul_error(a, b, sa: tuple, sb: tuple) -> None:
    """Raise the error PyTorch's matmul raises, which depends on the path it takes (if any)."""
    da, db = len(sa), len(sb)
    if da == 1 and db == 2:   # a row vector times a matrix
        return _mm_checks(a, b, 1, sa[0], sb[0], sb[1])
    if _should_fold(a, b, sa, sb):
        if da >= db:      # the batch of ``a`` folds into the rows of one mm/mv
            if db == 1:
                return _mv_checks(a, b, _prod(sa[:-1]), sa[-1], sb[0])
            return _mm_checks(a, b, _prod(sa[:-1]), sa[-1], sb[0], sb[1])
        rows = _prod(sb[:-2]) * sb[-1]   # b.mT folds, and multiplies a (transposed)
        if da == 1:
            return _mv_checks(b, a, rows, sb[-2], sa[0])
        return _mm_checks(b, a, rows, sb[-2], sa[1], sa[0])
    batch = _broadcast_batch(sa[:-2], sb[:-2])
    count = _prod(batch)
    _bmm_checks(a, b, count, sa[-1], count, sb[0] if db == 1 else sb[-2])


def _should_fold(a, b, sa: tuple, sb: tuple) -> bool:
    """PyTorch's ``should_fold``: whether matmul runs as one mm/mv over a folded batch."""
    da, db = len(sa), len(sb)
    a_larger = da >= db
    dim_t1, dim_t2 = (da, db) if a_larger else (db, da)
    if not (dim_t1 >= 3 and dim_t2 in (1, 2)):
        return False
    if (b if a_larger else a).requires_grad:
        return True
    if da == 2:
        return False
    shape, strides = (sa, a.stride()) if a_larger else (sb[:-2] + sb[:-3:-1], b.stride()[:-2] + b.stride()[:-3:-1])
    if _prod(shape) == 0:
        return True
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(dim_t1 - 2))


def outer(input, vec2):
    """The outer product of 1-D tensors ``input`` (n,) and ``vec2`` (m,), shape (n, m); dtypes promote."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    if input.dtype is not vec2.dtype:
        dtype = dtypes.promote_types(input.dtype, vec2.dtype)
        input, vec2 = input.to(dtype), vec2.to(dtype)
    return _core.call("outer", (input, vec2))


def ger(input, vec2):
    """Alias of :func:`outer`."""
    return outer(input, vec2)


def _scalar_for(dtype, value):
    """``value`` as the Python type of ``dtype`` (PyTorch truncates alpha/beta for integer tensors)."""
    if dtype is dtypes.bool:
        return bool(value)
    return float(value) if dtype.is_floating_point else int(value)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices ``mat1`` (n, k) and ``mat2`` (k, m).

    ``input`` broadcasts to (n, m); with ``beta=0`` it is ignored (NaN and inf in it too).
    This is the op behind ``nn.Linear``.
    """
    dt = mat2._dtype
    if input._dtype is not dt:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_name(input)} and {_name(mat2)}")
    sa, sb = mat1._data.shape, mat2._data.shape
    for name, shape in (("mat1", sa), ("mat2", sb)):
        if len(shape) != 2:
            raise RuntimeError(f"{name} must be a matrix, got {len(shape)}-D tensor")
    if mat1._dtype is not dt:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_name(mat1)} and {_name(mat2)}")
    if sa[1] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and {sb[0]}x{sb[1]})")
    _no_bool("addmm", mat1, mat2)
    _expand_check(input, (sa[0], sb[1]))
    if beta.__class__ is not int or alpha.__class__ is not int:
        beta, alpha = _scalar_for(dt, beta), _scalar_for(dt, alpha)
    return _core.call("addmm", (input, mat1, mat2), (beta, alpha))


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices (B, n, k) and (B, k, m)."""
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    sa, sb = batch1._data.shape, batch2._data.shape
    if input.dtype is not batch1.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {_name(input)}, batch1: {_name(batch1)}, "
                           f"batch2: {_name(batch2)}")
    _bmm_checks(batch1, batch2, sa[0], sa[2], sb[0], sb[1])
    _expand_check(input, (sa[0], sa[1], sb[2]))
    dt = input.dtype
    return _core.call("baddbmm", (input, batch1, batch2), (_scalar_for(dt, beta), _scalar_for(dt, alpha)))


def _expand_check(input, shape: tuple) -> None:
    """Raise PyTorch's expand error if ``input`` does not broadcast to ``shape``."""
    if input._data.shape != shape:
        expanded_shape(input, shape)


# --------------------------------------------------------------------------- einsum

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _parse_term(term: str, offset: int, operand: int) -> list[str]:
    """A term's labels as a list, ``"..."`` as one item; ``offset`` is the term's place in the equation."""
    labels, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != "..." or "..." in labels:
                raise RuntimeError(f"einsum(): found '.' for operand {operand} that is not part of any ellipsis")
            labels.append("...")
            i += 3
            continue
        if c != " ":
            if c not in _LETTERS:
                raise RuntimeError(f"einsum(): invalid subscript given at index {offset + i} in the equation "
                                   f"string, subscripts must be in [a-zA-Z]")
            labels.append(c)
        i += 1
    return labels


def einsum(equation: str, *operands):
    """Sums of products of the operands' entries, as described by Einstein notation.

    ``equation`` names each operand's dims with letters (``"ij,jk->ik"`` is a matrix
    product); ``...`` stands for broadcast dims. Without ``->``, the output holds ``...``
    then the letters that appear once, in alphabetical order. Labelled dims of size 1
    broadcast. Operands may be given as one list.

    Example::

        >>> ember.einsum("ij,j->i", ember.ones(2, 3), ember.ones(3))
        tensor([3., 3.])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, x in enumerate(operands):
        if not isinstance(x, _core.TensorBase):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(x).__name__}")
    lhs, arrow, rhs = equation.partition("->")
    terms, offset = [], 0
    for i, term in enumerate(lhs.split(",")):
        terms.append(_parse_term(term, offset, i))
        offset += len(term) + 1
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    out = _parse_term(rhs, len(lhs) + 2, len(operands)) if arrow else None
    # Spell every "..." as letters the equation does not use, aligned to the right.
    ell_dims = []
    for i, (labels, x) in enumerate(zip(terms, operands)):
        named = len(labels) - ("..." in labels)
        if "..." not in labels and named != x.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does not match "
                               f"the number of dimensions ({x.ndim}) for operand {i} and no ellipsis was given")
        if named > x.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) is more than the "
                               f"number of dimensions ({x.ndim}) for operand {i}")
        if x.dtype is not operands[0].dtype:
            raise RuntimeError(f"expected scalar type {_name(operands[0])} but found {_name(x)}")
        ell_dims.append(x.ndim - named if "..." in labels else 0)
    used = set(equation)
    ell = [c for c in _LETTERS if c not in used][:max(ell_dims, default=0)]
    terms = [_spell_ellipsis(labels, ell[len(ell) - k:]) for labels, k in zip(terms, ell_dims)]
    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}
    for i, (labels, x) in enumerate(zip(terms, operands)):
        seen: dict[str, int] = {}
        for c, size in zip(labels, x._data.shape):
            if c in seen and seen[c] != size:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't match, "
                                   f"{size} != {seen[c]}")
            seen[c] = size
            counts[c] = counts.get(c, 0) + 1
            prev = sizes.get(c, 1)
            if size != prev and size != 1 and prev != 1:
                if c in ell:
                    raise RuntimeError(f"einsum(): dimension {labels.index(c)} covered by ellipsis in operand {i}"
                                       f"has size {size} which does not broadcast with previously seen ellipsis "
                                       f"with size {prev} for the respective dimension")
                raise RuntimeError(f"einsum(): subscript {c} has size {size} for operand {i} which does not "
                                   f"broadcast with previously seen size {prev}")
            if c not in sizes or prev == 1:
                sizes[c] = size
    if out is None:
        out = ell + sorted(c for c, n in counts.items() if n == 1 and c not in ell)
    else:
        for c in out:
            if c != "..." and c not in counts:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   f"operand")
            if c != "..." and out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
        out = _spell_ellipsis(out, ell)
    if len(operands) > 1:
        _no_bool("bmm", *operands)
    operands = tuple(_broadcast_labels(x, labels, sizes) for labels, x in zip(terms, operands))
    normalized = ",".join("".join(labels) for labels in terms) + "->" + "".join(out)
    return _core.call("einsum", operands, (normalized,))


def _spell_ellipsis(labels: list[str], letters: list[str]) -> list[str]:
    if "..." not in labels:
        return labels
    at = labels.index("...")
    return labels[:at] + letters + labels[at + 1:]


def _broadcast_labels(x, labels: list[str], sizes: dict[str, int]):
    """``x`` with its size-1 dims expanded to the size their label has in other operands."""
    shape = x._data.shape
    target = tuple(sizes[c] for c in labels)
    return x if target == shape else _expand(x, target)


class LinalgMethods:
    __slots__ = ()

    def __matmul__(self, other):
        if not isinstance(other, _core.TensorBase):
            return NotImplemented
        return _matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, _core.TensorBase):
            return NotImplemented
        return _matmul(other, self)

    def matmul(self, other):
        return matmul(self, other)

    def mm(self, mat2):
        return mm(self, mat2)

    def bmm(self, mat2):
        return bmm(self, mat2)

    def mv(self, vec):
        return mv(self, vec)

    def dot(self, other):
        return dot(self, other)

    def outer(self, vec2):
        return outer(self, vec2)

    ger = outer

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)
