"""ember-core: small-op overhead, matmul throughput against NumPy, import time."""

import subprocess
import sys

import numpy as np
import torch
from run import Case

import ember


def _import_time(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return min(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(5))


def cases():
    a, b = ember.ones(16, 16), ember.ones(16, 16)
    ta, tb = torch.ones(16, 16), torch.ones(16, 16)
    yield Case("add 16x16 float32", lambda: a + b, lambda: ta + tb, target=1.0)
    yield Case("add 16x16 float32 + python scalar", lambda: a + 1.5, lambda: ta + 1.5, target=1.0)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((1024, 1024), dtype=np.float32)
    y = rng.standard_normal((1024, 1024), dtype=np.float32)
    ex, ey = ember.from_numpy(x), ember.from_numpy(y)
    yield Case("matmul 1024x1024 float32 (vs NumPy)", lambda: ex @ ey, lambda: x @ y, target=1.1,
               against="numpy")
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    yield Case("matmul 1024x1024 float32", lambda: ex @ ey, lambda: tx @ ty)

    ember_import = _import_time("ember")
    torch_import = _import_time("torch")
    yield Case("import ember (fresh process; target < 0.25 s)", ember_import, torch_import)
