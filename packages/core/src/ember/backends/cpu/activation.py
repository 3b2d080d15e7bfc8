"""CPU kernels: activation."""

KERNELS = {}
