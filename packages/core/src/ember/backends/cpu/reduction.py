"""CPU kernels for reductions. ``dim`` is a tuple of non-negative axes or None (all)."""

import numpy as np

KERNELS = {
    "sum": lambda x, dim, keepdim, dt: np.sum(x, axis=dim, keepdims=keepdim, dtype=dt),
}
