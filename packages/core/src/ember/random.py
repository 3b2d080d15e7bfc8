"""Random number state: ``Generator``, ``manual_seed`` and the RNG state (``torch.random``).

Streams come from NumPy's PCG64 bit generator. A seeded run is reproducible; the numbers
are not PyTorch's (no framework can promise that across libraries). The sampling functions
(``rand``, ``randn``, ...) are ops, in ``ember.ops.random``.
"""

from __future__ import annotations

import pickle

import numpy as np

from ember import _core
from ember.backends.registry import DEFAULT_SEED, registry, set_seed
from ember.ops.creation import from_numpy

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "default_generator"]


class Generator:
    """A source of random numbers with its own state.

    Example::

        >>> g = ember.Generator().manual_seed(0)
        >>> ember.rand(2, generator=g)   # same numbers on every run
    """

    def __init__(self, device="cpu") -> None:
        self.device = _core.device(device)
        self._seed = DEFAULT_SEED
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        """Reset the state from ``seed``; returns the generator."""
        seed = int(seed)
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed & 0xFFFFFFFFFFFFFFFF))
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        s = int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The state as a uint8 tensor, for ``set_state``."""
        blob = pickle.dumps((self._seed, self._rng.bit_generator.state))
        return from_numpy(np.frombuffer(blob, dtype=np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        seed, state = _load_state(np.asarray(new_state).tobytes())
        self._seed = seed
        self._rng.bit_generator.state = state
        return self

    def __repr__(self) -> str:
        return f"<ember.Generator object at {id(self):#x}>"


class _StateUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"RNG state may not contain {module}.{name}")


def _load_state(blob: bytes):
    import io
    return _StateUnpickler(io.BytesIO(blob)).load()


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and every registered backend's); returns it."""
    default_generator.manual_seed(seed)
    set_seed(seed)
    for backend in registry.backends.values():
        backend.manual_seed(int(seed))
    return default_generator


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


def _rng(generator) -> np.random.Generator:
    return (generator or default_generator)._rng
