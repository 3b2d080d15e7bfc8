"""Datasets the DataLoader tests share. Module level, so worker processes can import them."""

import faulthandler
import os
import random
import signal
import time

import numpy as np

import ember
from ember.utils.data import Dataset, IterableDataset, get_worker_info


class Squares(Dataset):
    """Sample i is a dict holding i, i**2 as an array, and a string."""

    def __init__(self, n=20):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"i": i, "sq": np.array([i * i], dtype=np.int64), "name": f"s{i}"}


class Ints(Dataset):
    def __init__(self, n=20):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


class Noisy(Dataset):
    """Each sample draws from Python's random, NumPy's global RNG and ember's default generator."""

    def __init__(self, n=16):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        return {"i": i, "py": random.random(), "np": float(np.random.rand()),
                "ember": float(ember.rand(1).item()), "worker": -1 if info is None else info.id}


class Slow(Dataset):
    """Sample i takes longer the smaller i is, so workers finish out of order."""

    def __init__(self, n=12, unit=0.01):
        self.n, self.unit = n, unit

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(self.unit * ((self.n - i) % 4))
        return i


class Failing(Dataset):
    """Raises ``exc_type(message)`` at index ``bad``."""

    def __init__(self, bad=7, exc_type=ValueError, n=16):
        self.bad, self.exc_type, self.n = bad, exc_type, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            raise self.exc_type(f"cannot load sample {i}")
        return i


class NeedsTwoArgs(Exception):
    def __init__(self, code, detail):
        super().__init__(f"{code}: {detail}")


class FailingTwoArgs(Failing):
    def __getitem__(self, i):
        if i == self.bad:
            raise NeedsTwoArgs(42, "no")
        return i


class Suicidal(Dataset):
    """The worker loading index ``bad`` kills itself with ``sig`` (or exits with ``code``)."""

    def __init__(self, bad=5, sig=signal.SIGKILL, code=None, n=40):
        self.bad, self.sig, self.code, self.n = bad, sig, code, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad and get_worker_info() is not None:
            if self.code is not None:
                os._exit(self.code)
            faulthandler.disable()     # pytest's crash report of the worker would only be noise
            os.kill(os.getpid(), self.sig)
            time.sleep(10)
        return i


class Sleepy(Dataset):
    def __init__(self, n=8, seconds=30.0, bad=2):
        self.n, self.seconds, self.bad = n, seconds, bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            time.sleep(self.seconds)
        return i


class Stream(IterableDataset):
    """range(start, end) as a stream; shards by worker when ``shard`` is set."""

    def __init__(self, start=0, end=20, shard=True):
        self.start, self.end, self.shard = start, end, shard

    def __len__(self):
        return self.end - self.start

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.start, self.end))
        per_worker = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per_worker
        return iter(range(lo, min(lo + per_worker, self.end)))


class NoisyStream(IterableDataset):
    """A sharded stream whose samples carry a random draw."""

    def __init__(self, n=24):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        wid, nw = (0, 1) if info is None else (info.id, info.num_workers)
        for i in range(wid, self.n, nw):
            yield {"i": i, "r": float(np.random.rand())}


class WithGetitems(Dataset):
    """Counts calls to __getitem__ and __getitems__ (per process)."""

    def __init__(self, n=10):
        self.n = n
        self.single_calls = 0
        self.batch_calls = 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.single_calls += 1
        return i

    def __getitems__(self, indices):
        self.batch_calls += 1
        return [10 * i for i in indices]


class PythonObjects(Dataset):
    """A large in-memory dataset of Python objects (lists of ints and strings)."""

    def __init__(self, n=200_000):
        self.items = [[i, i + 1, f"item-{i}"] for i in range(n)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        item = self.items[i]
        return item[0] + item[1]


def seed_from_worker_info(worker_id):
    info = get_worker_info()
    info.dataset.init_seed = info.seed


def failing_init(worker_id):
    raise OSError(f"worker {worker_id} cannot open its files")
