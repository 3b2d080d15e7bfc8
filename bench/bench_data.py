"""ember-data: DataLoader throughput against PyTorch's, in the main process and with workers."""

import time

import numpy as np
import torch
import torch.utils.data as tud
from run import Case

import ember
import ember.utils.data as eud


class Images:
    """3x224x224 float32 arrays that cost nothing to make: what is left is the loader's overhead."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.image = np.random.default_rng(0).random((3, 224, 224), dtype=np.float32)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> np.ndarray:
        return self.image


def _per_batch(loader, n_batches: int, epochs: int = 3) -> float:
    """Best seconds per batch over a few epochs of a persistent-worker loader (warm-up first)."""
    for _ in loader:
        pass
    best = float("inf")
    for _ in range(epochs):
        t = time.perf_counter()
        for _ in loader:
            pass
        best = min(best, (time.perf_counter() - t) / n_batches)
    return best


def cases():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20000, 20), dtype=np.float32)
    y = rng.integers(0, 10, 20000)
    e_ds = eud.TensorDataset(ember.from_numpy(x), ember.from_numpy(y))
    t_ds = tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))

    e0, t0 = eud.DataLoader(e_ds, batch_size=256), tud.DataLoader(t_ds, batch_size=256)
    yield Case("TensorDataset 20000x20 epoch, batch 256, no workers", lambda: [b for b in e0],
               lambda: [b for b in t0], target=1.0)

    e2 = eud.DataLoader(e_ds, batch_size=256, num_workers=2)
    t2 = tud.DataLoader(t_ds, batch_size=256, num_workers=2)
    yield Case("TensorDataset 20000x20 epoch, batch 256, 2 workers", lambda: [b for b in e2],
               lambda: [b for b in t2], target=1.0)

    n, batch = 32 * 16, 16
    ec = eud.DataLoader(Images(n), batch_size=batch, num_workers=2, persistent_workers=True)
    tc = tud.DataLoader(Images(n), batch_size=batch, num_workers=2, persistent_workers=True)
    yield Case("per batch, 2 workers, 16 x 3x224x224 float32", _per_batch(ec, n // batch),
               _per_batch(tc, n // batch), target=1.0)
