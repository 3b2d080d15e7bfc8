"""CPU kernels for views and copies that change a tensor's shape or layout."""

import numpy as np

KERNELS = {
    "view": lambda x, shape: np.reshape(x, shape, copy=False),
    "reshape": np.reshape,
    "permute": np.transpose,
}
