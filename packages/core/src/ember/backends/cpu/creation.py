"""CPU kernels for copies and dtype conversion."""

import numpy as np


def _copy_into(dst: np.ndarray, src) -> None:
    np.copyto(dst, src, casting="unsafe")


KERNELS = {
    "cast": lambda x, dt: x.astype(dt),
    "copy_": _copy_into,
    "clone": lambda x: x.copy(),
    "contiguous": np.ascontiguousarray,
    "expand_copy": lambda x, shape, dt: np.broadcast_to(x, shape).astype(dt),
}
