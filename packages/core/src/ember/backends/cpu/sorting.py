"""CPU kernels: sorting."""

KERNELS = {}
