"""CPU kernels for optimizer updates (fused, in place, from ``_optim.pyx``)."""

from ember.backends.cpu import _optim

KERNELS = {
    "sgd_step": _optim.sgd,
    "adam_step": _optim.adam,
    "rmsprop_step": _optim.rmsprop,
    "adagrad_step": _optim.adagrad,
    "adadelta_step": _optim.adadelta,
    "adamax_step": _optim.adamax,
}
