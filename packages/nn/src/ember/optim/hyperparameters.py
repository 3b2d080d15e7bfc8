"""The checks every optimizer makes of its arguments, with PyTorch's messages.

Each check is written ``not 0.0 <= value`` so that NaN, which fails every comparison, is refused
as well as negative values.
"""

from __future__ import annotations

# how PyTorch's messages name each argument ("Invalid learning rate: -1")
_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def check_nonnegative(**values) -> None:
    """Refuse a negative or NaN value among ``values`` (checked in the order given)."""
    for name, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_LABELS.get(name, name + ' value')}: {value}")


def check_betas(betas) -> None:
    """Both coefficients of the running averages are in ``[0, 1)``."""
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def check_adam_hyperparameters(lr, betas, eps, weight_decay) -> None:
    """PyTorch's checks of the Adam family's arguments (Adam, AdamW, Adamax, NAdam, RAdam)."""
    check_nonnegative(lr=lr, eps=eps)
    check_betas(betas)
    check_nonnegative(weight_decay=weight_decay)


def check_implementation(foreach=None, fused=None, capturable=False, differentiable=False) -> None:
    """The implementation switches PyTorch's optimizers take.

    ``foreach`` chooses between PyTorch's per-tensor loop and its multi-tensor kernels, which
    compute the same update; ember picks its own (a grouped kernel where the backend has one) and
    accepts ``None``, ``True`` and ``False`` alike. The other three ask for something ember does not
    do, so ``True`` raises rather than being ignored.
    """
    if foreach is not None and not isinstance(foreach, bool):
        raise TypeError(f"foreach must be None or a bool, got {type(foreach).__name__}")
    if fused:
        raise NotImplementedError("fused=True is not supported: ember chooses its update kernels itself "
                                  "(leave fused at None or False)")
    if capturable:
        raise NotImplementedError("capturable=True is not supported: ember has no CUDA graph capture, so the step "
                                  "never needs to be capturable (leave capturable=False)")
    if differentiable:
        raise NotImplementedError("differentiable=True is not supported: ember's optimizers update the parameters "
                                  "in place outside autograd, so the step cannot be differentiated through "
                                  "(write the update with ember ops to differentiate it)")
