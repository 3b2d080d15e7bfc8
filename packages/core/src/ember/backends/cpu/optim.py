"""CPU kernels for optimizer updates (fused, in place, from ``_optim.pyx``).

``<name>_step`` updates one parameter (flat arrays); ``<name>_group`` updates the parameters of
a whole group in one call (a list of per-parameter tuples of C-contiguous arrays of any shape).
"""

from ember.backends.cpu import _optim

KERNELS = {
    "sgd_step": _optim.sgd,
    "sgd_group": _optim.sgd_group,
    "adam_step": _optim.adam,
    "adam_group": _optim.adam_group,
    "rmsprop_step": _optim.rmsprop,
    "adagrad_step": _optim.adagrad,
    "adadelta_step": _optim.adadelta,
    "adamax_step": _optim.adamax,
}
