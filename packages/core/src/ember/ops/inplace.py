"""Running an op in place on a tensor, for the indexing ops' ``<name>_`` methods.

The backend's ``<name>_`` kernel (same arguments, writes into ``self``) runs when the backend has
one, else ``<name>`` and ``copy_``; while autograd records, the op runs out of place and
``_core.assign`` puts the result in ``self``, so the history is kept.
"""

from __future__ import annotations

from ember import _core


def recording(*tensors) -> bool:
    """Whether autograd records an op on ``tensors`` (some of them require grad)."""
    if _core.get_recorder() is None or not _core.is_grad_enabled():
        return False
    return any(isinstance(t, _core.TensorBase) and t._requires_grad for t in tensors)


def same_device(a, b) -> None:
    if a._device is not b._device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                           f"devices, {a._device} and {b._device}!")


def run_inplace(name: str, self, others: tuple, params: tuple):
    """Run op ``name`` on ``self`` and ``others``, writing the result into ``self``."""
    for o in others:
        same_device(self, o)
    if recording(self, *others):
        return _core.assign(self, _core.call(name, (self, *others), params))
    _core.check_inplace(self)
    kernels = self._device._kernels
    datas = [o._data for o in others]
    fn = kernels.get(name + "_")
    if fn is not None:
        fn(self._data, *datas, *params)
    else:
        kernels["copy_"](self._data, kernels[name](self._data, *datas, *params))
    self._bump_version()
    return self
