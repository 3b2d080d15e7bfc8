"""``DataParallel``: split the batch across devices, run a replica on each, gather the outputs.

Replicas hold their parameters as ``param.to(device)``: recorded copies, so ``backward()``
sums every replica's gradient into the original parameters, as in PyTorch. Replicas run
one after another in this process; the devices' own queues provide the overlap.
"""

from __future__ import annotations

import ember
from ember import _core
from ember.backends.registry import registry
from ember.nn.modules.module import Module


def _device(d) -> _core.device:
    return registry.canonical(f"cuda:{d}" if isinstance(d, int) else d)


def replicate(module: Module, devices: list) -> list[Module]:
    """Copies of ``module`` on each device whose parameters are differentiable copies of the originals."""
    return [_copy_to(module, _device(d), {}) for d in devices]


def _copy_to(module: Module, device, memo: dict) -> Module:
    if id(module) in memo:
        return memo[id(module)]
    replica = object.__new__(type(module))
    replica.__dict__.update(module.__dict__)
    memo[id(module)] = replica
    set_ = object.__setattr__
    set_(replica, "_parameters", {k: None if p is None else p.to(device) for k, p in module._parameters.items()})
    with ember.no_grad():
        set_(replica, "_buffers", {k: None if b is None else b.to(device) for k, b in module._buffers.items()})
    set_(replica, "_modules", {k: None if m is None else _copy_to(m, device, memo) for k, m in module._modules.items()})
    return replica


def scatter(inputs, devices: list, dim: int = 0) -> list:
    """Split every tensor in ``inputs`` (nested tuples, lists, dicts) into chunks along ``dim``, one
    per device; other values are repeated. Fewer chunks than devices when the batch is small."""
    devices = [_device(d) for d in devices]

    def split(obj):
        if isinstance(obj, _core.TensorBase):
            chunks = ember.chunk(obj, len(devices), dim)
            return [c.to(d) for c, d in zip(chunks, devices)]
        if isinstance(obj, (tuple, list)) and obj:
            parts = [split(o) for o in obj]
            n = min(len(p) for p in parts)
            return [type(obj)(p[i] for p in parts) for i in range(n)]
        if isinstance(obj, dict) and obj:
            parts = {k: split(v) for k, v in obj.items()}
            n = min(len(p) for p in parts.values())
            return [type(obj)((k, p[i]) for k, p in parts.items()) for i in range(n)]
        return [obj] * len(devices)

    return split(inputs)


def gather(outputs: list, target_device, dim: int = 0):
    """Concatenate the replicas' outputs along ``dim`` on ``target_device``."""
    target = _device(target_device)
    first = outputs[0]
    if isinstance(first, _core.TensorBase):
        if first.ndim == 0:
            return ember.stack([o.to(target) for o in outputs])
        return ember.cat([o.to(target) for o in outputs], dim)
    if isinstance(first, (tuple, list)):
        return type(first)(gather([o[i] for o in outputs], target, dim) for i in range(len(first)))
    if isinstance(first, dict):
        return type(first)((k, gather([o[k] for o in outputs], target, dim)) for k in first)
    return first


class DataParallel(Module):
    """Run ``module`` on several devices of one type, splitting the batch along ``dim``.

    Args:
        module: the model; its parameters live on ``device_ids[0]``.
        device_ids: the devices to use (default: every device of the parameters' type).
        output_device: where outputs are gathered (default ``device_ids[0]``).
        dim: the batch dimension (default 0).

    On a single device the module runs as it is.

    Example::

        >>> model = nn.DataParallel(model.to("cuda:0"))   # all GPUs
        >>> out = model(batch)                              # batch split across them
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        first = next(iter(module.parameters()), None)
        device = first.device if first is not None else ember.device("cpu")
        backend = registry.backend(device.type)
        if device_ids is None:
            device_ids = [f"{device.type}:{i}" for i in range(backend.device_count())] if backend.has_index \
                else [device]
        self.module = module
        self.device_ids = [_device(d) for d in device_ids]
        self.output_device = _device(output_device) if output_device is not None else self.device_ids[0]
        self.dim = dim
        if first is not None and first.device != self.device_ids[0]:
            raise RuntimeError(f"module must have its parameters and buffers on device {self.device_ids[0]} "
                               f"(device_ids[0]) but found one of them on device: {first.device}")

    def forward(self, *inputs, **kwargs):
        if len(self.device_ids) == 1:
            return self.module(*inputs, **kwargs)
        scattered_args = scatter(inputs, self.device_ids, self.dim) if inputs else []
        scattered_kwargs = scatter(kwargs, self.device_ids, self.dim) if kwargs else []
        n = max(len(scattered_args), len(scattered_kwargs))
        scattered_args = scattered_args or [()] * n
        scattered_kwargs = scattered_kwargs or [{}] * n
        replicas = replicate(self.module, self.device_ids[:n])
        outputs = [r(*a, **k) for r, a, k in zip(replicas, scattered_args, scattered_kwargs)]
        return gather(outputs, self.output_device, self.dim)
