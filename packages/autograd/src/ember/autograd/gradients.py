"""``backward`` and ``grad``: the two ways to ask for gradients."""

from __future__ import annotations

import warnings

import numpy as np

from ember import _core
from ember.autograd.engine import run_backward

_TensorBase = _core.TensorBase


def _tensor_tuple(x, what: str) -> tuple:
    """A tensor, a sequence of tensors (or None entries), or None, as a tuple."""
    if x is None:
        return ()
    if isinstance(x, _TensorBase):
        return (x,)
    if isinstance(x, (tuple, list)):
        return tuple(x)
    try:
        return tuple(x)
    except TypeError:
        raise TypeError(f"{what} must be a Tensor or a sequence of Tensors, but got {type(x).__name__}") from None


def _make_grads(outputs: tuple, grads: tuple, create_graph: bool) -> tuple:
    """The gradient to start from for each output: given, or 1 for a scalar output."""
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    out = []
    for i, (t, g) in enumerate(zip(outputs, grads)):
        if not isinstance(t, _TensorBase):
            raise TypeError(f"element {i} of tensors is not a Tensor but {type(t).__name__}")
        if isinstance(g, _TensorBase):
            if g._data.shape != t._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                                   f"output[{i}] has a shape of {t.shape}.")
            if g.dtype.is_floating_point != t.dtype.is_floating_point:
                raise TypeError(f"For output {i}, the gradient's dtype {g.dtype} does not match the "
                                f"output's dtype {t.dtype}")
            out.append(g)
        elif g is None:
            if t.requires_grad:
                if t.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not t.dtype.is_floating_point:
                    raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but "
                                       f"got {t.dtype}")
                dev = t._device
                ones = np.ones(t._data.shape, t._dtype.numpy)
                out.append(_core.create(dev._backend.from_numpy(ones, dev.index), dev))
            else:
                out.append(None)
        else:
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    return tuple(out)


def _check_roots(outputs: tuple) -> None:
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
             grad_variables=None, inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` with respect to the graph's leaves into ``.grad``.

    Args:
        tensors: the tensor(s) whose gradient is computed.
        grad_tensors: the gradient of each of ``tensors`` (None for a scalar: 1 is used).
        retain_graph: keep the saved tensors for another backward pass (default ``create_graph``).
        create_graph: record the backward pass itself, for higher-order gradients.
        inputs: accumulate only into these tensors' ``.grad`` (leaves or not).

    Example::

        >>> x = ember.tensor([1., 2.], requires_grad=True)
        >>> ember.autograd.backward((x * x).sum())
        >>> x.grad
        tensor([2., 4.])
    """
    if grad_variables is not None:
        grad_tensors = grad_variables
    outputs = _tensor_tuple(tensors, "tensors")
    grads = _tensor_tuple(grad_tensors, "grad_tensors")
    if not grads:
        grads = (None,) * len(outputs)
    targets = None
    if inputs is not None:
        targets = _tensor_tuple(inputs, "inputs")
        if not targets:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph and targets is None:
        warnings.warn("Using backward() with create_graph=True will create a reference cycle between the parameter "
                      "and its gradient which can cause a memory leak. We recommend using autograd.grad when "
                      "creating the graph to avoid this. If you have to use this function, make sure to reset the "
                      ".grad fields of your parameters to None after use to break the cycle and avoid the leak.",
                      stacklevel=2)
    grads = _make_grads(outputs, grads, create_graph)
    _check_roots(outputs)
    run_backward(outputs, grads, retain_graph, create_graph, targets=targets, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` is untouched).

    Args:
        outputs: the tensor(s) to differentiate.
        inputs: the tensor(s) to differentiate with respect to.
        grad_outputs: the gradient of each output (None for scalars: 1 is used).
        retain_graph: keep the saved tensors for another pass (default ``create_graph``).
        create_graph: record this computation, so its result can be differentiated again.
        allow_unused: return None (instead of raising) for inputs the outputs do not depend on.
        materialize_grads: return zeros instead of None for unused inputs.

    Example::

        >>> x = ember.tensor(3., requires_grad=True)
        >>> (dx,) = ember.autograd.grad(x ** 3, x, create_graph=True)
        >>> ember.autograd.grad(dx, x)
        (tensor(18.),)
    """
    if is_grads_batched:
        raise NotImplementedError("ember.autograd.grad does not support is_grads_batched=True")
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use ember.autograd.backward.", stacklevel=2)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    outs = _tensor_tuple(outputs, "outputs")
    ins = _tensor_tuple(inputs, "inputs")
    gos = _tensor_tuple(grad_outputs, "grad_outputs")
    if not gos:
        gos = (None,) * len(outs)
    for t in ins:
        if not isinstance(t, _TensorBase):
            raise TypeError(f"grad(): inputs must be Tensors, but got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    gos = _make_grads(outs, gos, create_graph)
    _check_roots(outs)
    results = run_backward(outs, gos, retain_graph, create_graph, targets=ins, accumulate=False)
    for i, g in enumerate(results):
        if g is None:
            if materialize_grads:
                from ember.ops.creation import zeros_like
                results[i] = zeros_like(ins[i])
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   f"graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            results[i] = g.detach()
    return tuple(results)


__all__ = ["backward", "grad"]
