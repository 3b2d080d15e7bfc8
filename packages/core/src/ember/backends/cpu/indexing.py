"""CPU kernels: indexing."""

KERNELS = {}
