"""CPU kernels: nn_ops."""

KERNELS = {}
