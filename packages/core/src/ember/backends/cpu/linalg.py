"""CPU kernels: linalg."""

KERNELS = {}
