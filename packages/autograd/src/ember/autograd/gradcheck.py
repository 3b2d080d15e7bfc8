"""``gradcheck`` and ``gradgradcheck``: analytical gradients against central finite differences."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ember import _core

_TensorBase = _core.TensorBase


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` and ``gradgradcheck`` when the gradients disagree."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _host(t) -> np.ndarray:
    return np.array(t._device._backend.to_numpy(t.detach()._data), dtype=np.float64)


def _tensor_like(array: np.ndarray, like, requires_grad: bool):
    from ember.ops.creation import place
    return place(np.array(array, dtype=like.dtype.numpy, order="C"), like.device, requires_grad)


def _non_contiguous_like(array: np.ndarray, like, requires_grad: bool):
    """``_tensor_like`` over every other element of a buffer twice as long: a tensor whose strides
    are not contiguous (on the CPU; another device may copy it)."""
    from ember.ops.creation import place
    wide = np.zeros(tuple(array.shape) + (2,), dtype=like.dtype.numpy)
    view = wide[..., 0]
    view[...] = array
    return place(view, like.device, requires_grad)


def _differentiable_outputs(outputs: tuple) -> list[int]:
    return [i for i, o in enumerate(outputs) if isinstance(o, _TensorBase) and o.dtype.is_floating_point]


def _numerical_jacobians(func, inputs, diff, out_idx, eps):
    """d output[o] / d input[i] by central differences, as (numel_out, numel_in) arrays."""
    jac = {}
    for i in diff:
        x = inputs[i]
        base = _host(x)
        flat = base.reshape(-1)
        columns = []
        for j in range(flat.size):
            values = []
            for step in (eps, -eps):
                perturbed = flat.copy()
                perturbed[j] += step
                args = list(inputs)
                args[i] = _tensor_like(perturbed.reshape(base.shape), x, x.requires_grad)
                outs = _as_tuple(func(*args))
                values.append([_host(outs[o]).reshape(-1) for o in out_idx])
            columns.append([(p - m) / (2 * eps) for p, m in zip(*values)])
        for k, o in enumerate(out_idx):
            n_out = columns[0][k].size if columns else 0
            jac[o, i] = np.stack([c[k] for c in columns], axis=1) if columns else np.zeros((n_out, 0))
    return jac


def _analytical_jacobians(outputs, inputs, diff, out_idx, check_dtypes: bool = False):
    """d output[o] / d input[i] from one backward pass per output element (``check_dtypes``: each
    gradient has its input's dtype)."""
    from ember.autograd.gradients import grad
    jac = {}
    for o in out_idx:
        out = outputs[o]
        n_out = out.numel()
        for i in diff:
            jac[o, i] = np.zeros((n_out, inputs[i].numel()))
        if not out.requires_grad:
            continue
        for k in range(n_out):
            onehot = np.zeros(n_out)
            onehot[k] = 1.0
            seed = _tensor_like(onehot.reshape(tuple(out.shape)), out, False)
            grads = grad(out, [inputs[i] for i in diff], seed, retain_graph=True, allow_unused=True)
            for i, g in zip(diff, grads):
                if g is not None:
                    if check_dtypes and g.dtype is not inputs[i].dtype:
                        raise GradcheckError("Gradient has dtype mismatch")
                    if tuple(g.shape) != tuple(inputs[i].shape):
                        raise GradcheckError(f"Gradient for input {i} has shape {tuple(g.shape)} but the input "
                                             f"has shape {tuple(inputs[i].shape)}")
                    jac[o, i][k] = _host(g).reshape(-1)
    return jac


def _refuse_unsupported(check_batched_grad: bool, masked: bool | None) -> None:
    if check_batched_grad:
        raise NotImplementedError("check_batched_grad=True is not supported: it checks gradients computed with vmap, "
                                  "which ember does not have")
    if masked:
        raise NotImplementedError("masked=True is not supported: it is for sparse inputs, which gradcheck does not "
                                  "take in ember")


def gradcheck(func: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against finite differences.

    For each input that requires grad, the Jacobian from backward passes must match the one
    from central differences with step ``eps``: ``|analytical - numerical| <= atol + rtol *
    |numerical|``. Use float64 inputs. Backward is also run twice and must agree within
    ``nondet_tol``.

    Returns True, or raises ``GradcheckError`` (``raise_exception=False``: returns False).

    ``check_grad_dtypes=True`` also requires each gradient to have its input's dtype.
    ember always runs the full check (PyTorch's ``fast_mode=False``); ``fast_mode=True``, which
    asks for a cheaper approximation of it, gets the full check too. ``check_batched_grad=True``
    (which needs vmap) and ``masked=True`` (sparse inputs) raise ``NotImplementedError``.

    Example::

        >>> x = ember.randn(3, dtype=ember.float64, requires_grad=True)
        >>> ember.autograd.gradcheck(ember.sin, (x,))
        True
    """
    _refuse_unsupported(check_batched_grad, masked)
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, _TensorBase) and x.requires_grad]
    for i in diff:
        if inputs[i].dtype.name != "float64":
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or "
                          f"complex. This check will likely fail if all the inputs are not of double precision "
                          f"floating point or complex. ", stacklevel=2)
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    try:
        outputs = _as_tuple(func(*inputs))
        out_idx = _differentiable_outputs(outputs)
        if not check_backward_ad:
            return True
        analytical = _analytical_jacobians(outputs, inputs, diff, out_idx, check_grad_dtypes)
        again = _analytical_jacobians(_as_tuple(func(*inputs)), inputs, diff, out_idx)
        for key, a in analytical.items():
            if a.size and np.max(np.abs(a - again[key])) > nondet_tol:
                raise GradcheckError(f"Backward is not reentrant, i.e., running backward with same input and "
                                     f"grad_output multiple times gives different values, although analytical "
                                     f"gradient matches numerical gradient.The tolerance for nondeterminism was "
                                     f"{nondet_tol}.")
        numerical = _numerical_jacobians(func, inputs, diff, out_idx, eps)
        for (o, i), n in numerical.items():
            a = analytical[o, i]
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                raise GradcheckError(f"Jacobian mismatch for output {o} with respect to input {i},\n"
                                     f"numerical:{n}\nanalytical:{a}\n")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func: Callable, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, fast_mode: bool = False, masked: bool = False) -> bool:
    """Check second-order gradients of ``func``: ``gradcheck`` of the function that maps
    (inputs, grad_outputs) to the first-order gradients, computed with ``create_graph=True``.

    ``grad_outputs`` defaults to random float64 tensors shaped like the outputs (non-contiguous
    ones with ``gen_non_contig_grad_outputs=True``).
    """
    from ember.autograd.gradients import grad
    _refuse_unsupported(check_batched_grad, masked)
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _as_tuple(func(*inputs))
        rng = np.random.default_rng(0)
        make = _non_contiguous_like if gen_non_contig_grad_outputs else _tensor_like
        grad_outputs = tuple(
            make(rng.standard_normal(tuple(o.shape)), o, True)
            for o in outputs if isinstance(o, _TensorBase) and o.dtype.is_floating_point and o.requires_grad)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)

    def first_order(*args):
        ins, gos = args[:n], args[n:]
        outs = [o for o in _as_tuple(func(*ins))
                if isinstance(o, _TensorBase) and o.dtype.is_floating_point and o.requires_grad]
        diff = [x for x in ins if isinstance(x, _TensorBase) and x.requires_grad]
        grads = grad(outs, diff, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, check_grad_dtypes=check_grad_dtypes)


__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]
