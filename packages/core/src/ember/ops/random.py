"""Random sampling ops: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``,
``multinomial``, the ``*_like`` variants and the in-place fills of ``Tensor`` (``uniform_``, ...).

They draw from a ``Generator`` of ``ember.random`` (the default one unless ``generator=`` is
given) on the host and place the result on ``device`` like every creation op.
"""

from __future__ import annotations

import numpy as np

from ember import _core, dtypes
from ember.layout import check_storage
from ember.ops.creation import _result, parse_size, place, size_argument
from ember.random import _rng

__all__ = [
    "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "rand_like", "randn_like",
    "randint_like", "RandomMethods",
]


def _make(arr: np.ndarray, dtype, device, requires_grad):
    return place(np.ascontiguousarray(arr.astype(dtype.numpy, copy=False)), device, requires_grad)


def _float_dtype(dtype, fn: str):
    dtype = dtype or dtypes.get_default_dtype()
    if not dtype.is_floating_point:
        raise RuntimeError(f"\"{fn}\" not implemented for '{_core._type_name(dtype)}'")
    return dtype


def rand(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False):
    """Uniform samples from [0, 1)."""
    check_storage("rand", layout, pin_memory)
    dtype = _float_dtype(dtype, "rand")
    arr = _rng(generator).random(size_argument(args, size, "rand"), dtype=np.float64)
    return _result(_make(arr, dtype, device, requires_grad), out)


def randn(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False):
    """Samples from the standard normal distribution."""
    check_storage("randn", layout, pin_memory)
    dtype = _float_dtype(dtype, "randn")
    arr = _rng(generator).standard_normal(size_argument(args, size, "randn"))
    return _result(_make(arr, dtype, device, requires_grad), out)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad: bool = False):
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or ``randint(low, high, size)``.

    Example::

        >>> ember.randint(10, (2, 3))            # values 0..9
        >>> ember.randint(5, 10, size=(4,))      # values 5..9
    """
    check_storage("randint", layout)
    if size is None and high is not None and not isinstance(high, (int, np.integer, _core.TensorBase)):
        low, high, size = 0, low, high          # randint(high, size)
    if high is None:
        if size is None:
            raise TypeError("randint() missing required arguments: use randint(high, size) or "
                            "randint(low, high, size)")
        low, high = 0, low                      # randint(high, size=...) or randint(high=..., size=...)
    if size is None:
        raise TypeError("randint() missing required argument 'size' (a tuple of ints)")
    shape = size_argument((), size, "randint")
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, _core.TensorBase):
            v = v.item()
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"randint(): argument '{name}' must be int, not {type(v).__name__}")
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    arr = _rng(generator).integers(low, high, size=shape)
    return _result(_make(arr, dtype or dtypes.int64, device, requires_grad), out)


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False):
    """A random permutation of ``0 .. n-1``."""
    check_storage("randperm", layout, pin_memory)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    arr = _rng(generator).permutation(n)
    return _result(_make(arr, dtype or dtypes.int64, device, requires_grad), out)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           device=None, requires_grad: bool = False):
    """Normal samples; ``mean`` and ``std`` may be floats or tensors (broadcast)."""
    is_t = [isinstance(v, _core.TensorBase) for v in (mean, std)]
    if any(is_t):
        ref = mean if is_t[0] else std
        m = mean.detach().cpu().numpy() if is_t[0] else mean
        s = std.detach().cpu().numpy() if is_t[1] else std
        if np.any(np.asarray(s) < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        arr = _rng(generator).normal(m, s)
        return _result(_make(np.asarray(arr), ref.dtype, ref.device, requires_grad), out)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if size is None:
        raise TypeError("normal() with float mean and std needs a size")
    arr = _rng(generator).normal(mean, std, parse_size((size,)))
    return _result(_make(arr, dtype or dtypes.get_default_dtype(), device, requires_grad), out)


def bernoulli(input, p=None, *, generator=None, out=None):
    """1 with probability ``input`` (or ``p``) elementwise, else 0; same dtype as ``input``."""
    probs = np.asarray(input.detach().cpu().numpy() if p is None else p, dtype=np.float64)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    arr = _rng(generator).random(tuple(input.shape)) < probs
    return _result(_make(arr, input.dtype, input.device, False), out)


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None, out=None):
    """Indices sampled from the categories weighted by each row of ``input`` (1-D or 2-D)."""
    w = np.asarray(input.detach().cpu().numpy(), dtype=np.float64)
    if w.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    rows = w.reshape(-1, w.shape[-1])
    if np.any(rows < 0) or not np.all(np.isfinite(rows)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rng = _rng(generator)
    result = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, row in enumerate(rows):
        total = row.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if replacement:
            result[i] = rng.choice(len(row), size=num_samples, replace=True, p=row / total)
        else:
            # Gumbel-top-k: sampling without replacement proportional to weight
            keys = np.log(rng.random(len(row))) / np.where(row > 0, row, 1e-300)
            keys[row == 0] = -np.inf
            if np.count_nonzero(row) < num_samples:
                raise RuntimeError("invalid multinomial distribution (with replacement=False, not "
                                   "enough non-negative category to sample)")
            result[i] = np.argsort(-keys, kind="stable")[:num_samples]
    return _result(_make(result.reshape(w.shape[:-1] + (num_samples,)), dtypes.int64, input.device, False), out)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    check_storage("rand_like", memory_format=memory_format)
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    check_storage("randn_like", memory_format=memory_format)
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False,
                 memory_format=None):
    check_storage("randint_like", memory_format=memory_format)
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   device=device or input.device, requires_grad=requires_grad)


class RandomMethods:
    """In-place random fills, as used by ``ember.nn.init``."""

    __slots__ = ()

    def _fill(self, arr: np.ndarray):
        _core.check_inplace(self)
        src = place(np.asarray(arr, dtype=self.dtype.numpy), self.device)
        self._device._kernels["copy_"](self._data, src._data)
        self._bump_version()
        return self

    def _in_place_target(self):
        """This tensor's own buffer when NumPy can draw straight into it (CPU, float32/64, contiguous)."""
        data = self._data
        if self.device.type == "cpu" and data.dtype in (np.float32, np.float64) and data.flags.c_contiguous:
            _core.check_inplace(self)
            return data
        return None

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator=None):
        """Fill with samples from U(from_, to)."""
        target = self._in_place_target()
        if target is None:
            return self._fill(_rng(generator).uniform(from_, to, tuple(self.shape)))
        _rng(generator).random(out=target, dtype=target.dtype)
        target *= to - from_
        target += from_
        self._bump_version()
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None):
        """Fill with samples from N(mean, std²)."""
        target = self._in_place_target()
        if target is None:
            return self._fill(_rng(generator).normal(mean, std, tuple(self.shape)))
        _rng(generator).standard_normal(out=target, dtype=target.dtype)
        target *= std
        target += mean
        self._bump_version()
        return self

    def bernoulli_(self, p: float = 0.5, *, generator=None):
        return self._fill(_rng(generator).random(tuple(self.shape)) < p)

    def exponential_(self, lambd: float = 1.0, *, generator=None):
        return self._fill(_rng(generator).exponential(1.0 / lambd, tuple(self.shape)))

    def random_(self, from_: int = 0, to: int | None = None, *, generator=None):
        if to is None:
            from_, to = 0, (2 ** 24 if self.dtype.is_floating_point else np.iinfo(self.dtype.numpy).max)
        return self._fill(_rng(generator).integers(from_, to, tuple(self.shape)))

    def bernoulli(self, p=None, *, generator=None):
        return bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return multinomial(self, num_samples, replacement, generator=generator)
