"""``DistributedDataParallel``: one model replica per process, gradients averaged by all-reduce.

At construction every rank takes rank 0's parameters and buffers. Gradients go into buckets
(at most ``bucket_cap_mb`` each, parameters in reverse order, roughly the order backward
produces them); a parameter's post-accumulate-grad hook copies its gradient, divided by the
world size, into its bucket, and a bucket whose gradients are all there starts its
non-blocking all-reduce at once, while backward goes on. Buckets start in index order on
every rank (MPI needs the same collective order everywhere). A callback queued for the end
of backward waits for them (sleeping between polls, so a rank that is done first leaves a
shared core to the others) and writes the averages back into ``.grad``.
"""

from __future__ import annotations

import contextlib
import importlib
import warnings

import numpy as np

import ember
from ember import _core
from ember.nn.modules.module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024  # as PyTorch: a small first bucket starts communication early


def _distributed():
    """``ember.distributed``, or None when this installation has no such module (importing this
    module never needs it, so ``import ember.nn`` works without it)."""
    try:
        return importlib.import_module("ember.distributed")
    except ImportError:
        return None


def _dist():
    dist = _distributed()
    if dist is None:
        raise RuntimeError("DistributedDataParallel needs ember.distributed, which this installation does not "
                           "have; install ember-core with the 'mpi' extra (pip install 'ember-core[mpi]'), or use "
                           "nn.DataParallel for several devices in one process")
    return dist


def _sum():
    from ember.distributed import ReduceOp
    return ReduceOp.SUM


class _Bucket:
    """Gradients of some parameters of one dtype, flattened into one array reduced together."""

    __slots__ = ("index", "params", "offsets", "array", "pending", "request")

    def __init__(self, index: int, params: list, dtype) -> None:
        self.index = index
        self.params = params
        self.offsets = []
        n = 0
        for p in params:
            self.offsets.append(n)
            n += p.numel()
        self.array = np.zeros(n, dtype=dtype.numpy)
        self.pending = len(params)
        self.request = None

    def slot(self, i: int, p) -> np.ndarray:
        return self.array[self.offsets[i]:self.offsets[i] + p.numel()]


def _tensors_in(obj, out: list) -> list:
    if isinstance(obj, _core.TensorBase):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _tensors_in(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tensors_in(o, out)
    return out


def _reached_leaves(outputs) -> set[int]:
    """Ids of the leaf tensors that the autograd graph of ``outputs`` leads to."""
    seen_nodes: set[int] = set()
    leaves: set[int] = set()
    stack = []
    for t in _tensors_in(outputs, []):
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t.requires_grad:
            leaves.add(id(t))
    while stack:
        fn = stack.pop()
        if id(fn) in seen_nodes:
            continue
        seen_nodes.add(id(fn))
        for e in fn._edges:
            if e is None:
                continue
            child = e[0]
            if isinstance(child, _core.TensorBase):
                leaves.add(id(child))
            else:
                stack.append(child)
    return leaves


class DistributedDataParallel(Module):
    """Data parallelism across processes: wrap the model in every process, train as usual.

    Args:
        module: the model (on the CPU with the ``mpi`` backend).
        device_ids, output_device: for one-device-per-process GPU training; must be None for CPU
            modules.
        forward_sync_buffers: copy rank 0's buffers (BatchNorm statistics) to every rank at the
            start of each forward. Default (None): ``True``. Buffers are always synced at
            construction.
        broadcast_buffers: deprecated (as in PyTorch 2.13) in favour of ``forward_sync_buffers``;
            ``False`` also leaves the buffers out of the construction-time sync.
        init_sync: check the model across ranks and broadcast rank 0's state at construction.
        process_group: the group to average over (default: the default group).
        bucket_cap_mb: the size of a gradient bucket in MiB. Default: 25, with a first bucket
            of 1 MiB; ``bucket_cap_mb_list`` gives each bucket its own cap (the last repeats).
        find_unused_parameters: walk the autograd graph of the output after each forward and
            treat parameters it does not reach as ready (their gradient counts as zero), so
            models that skip parameters in some iterations do not stall. Default: ``False``.
        gradient_as_bucket_view, static_graph, batched_grad_copy, skip_all_reduce_unused_params:
            accepted for compatibility; gradients are always copied into the buckets and back.

    Example::

        >>> dist.init_process_group("mpi")
        >>> model = DistributedDataParallel(Net())
        >>> loss_fn(model(x), y).backward()    # .grad holds the average over the ranks
        >>> optimizer.step()
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool | None = None, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None, skip_all_reduce_unused_params: bool = False,
                 bucket_cap_mb_list: list | None = None, batched_grad_copy: bool = False,
                 forward_sync_buffers: bool | None = None) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel expects an nn.Module, got {type(module).__name__}")
        if device_ids:
            raise ValueError(f"DistributedDataParallel device_ids and output_device arguments only work with "
                             f"single-device GPU modules; this module's parameters are on the CPU, so pass "
                             f"device_ids=None (got {device_ids!r})")
        caps = self._bucket_caps(bucket_cap_mb, bucket_cap_mb_list)
        if broadcast_buffers is not None:
            warnings.warn("`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead (unlike "
                          "`broadcast_buffers=False`, `forward_sync_buffers=False` still syncs buffers at init)."
                          + (" It is ignored because `forward_sync_buffers` is given." if forward_sync_buffers
                             is not None else ""), FutureWarning, stacklevel=2)
        if forward_sync_buffers is not None:
            sync_buffers, init_sync_buffers = bool(forward_sync_buffers), True
        else:
            sync_buffers = init_sync_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        dist = _dist()
        self._pg = dist.groups.resolve(process_group)  # ValueError without init_process_group, as PyTorch
        if self._pg is None:
            raise ValueError("DistributedDataParallel: this rank is not a member of process_group")
        self.module = module
        self.process_group = process_group
        self.dim = dim
        self.device_ids = None
        self.output_device = None
        self.forward_sync_buffers = sync_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.skip_all_reduce_unused_params = skip_all_reduce_unused_params
        self.batched_grad_copy = batched_grad_copy
        self._caps = caps
        self.bucket_bytes_cap = max(caps)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self._param_names = [n for n, _ in named]
        self._params = [p for _, p in named]
        self._check_same_model(dist)
        if init_sync:
            self._sync_module_states(init_sync_buffers)
        self._buckets, self._where = self._make_buckets()
        self._ready = [False] * len(self._params)
        self._used = np.zeros(len(self._params), dtype=np.int32)
        self._armed = False          # a forward prepared a reduction that backward carries out
        self._queued = False         # the end-of-backward callback is queued for this pass
        self._next_bucket = 0        # buckets start in index order on every rank
        self._hooks = [p.register_post_accumulate_grad_hook(self._make_hook(i)) for i, p in enumerate(self._params)]

    # -- construction -----------------------------------------------------------------------
    def _check_same_model(self, dist) -> None:
        """Every rank must wrap the same parameters; a mismatch names both ranks."""
        mine = [(n, tuple(p.shape), p.dtype.name) for n, p in zip(self._param_names, self._params)]
        everyone = [None] * self._pg.size()
        dist.all_gather_object(everyone, repr(mine), group=self.process_group)
        for r, theirs in enumerate(everyone):
            if theirs != repr(mine):
                raise RuntimeError(f"DistributedDataParallel: the model differs between ranks: rank "
                                   f"{self._pg.ranks[self._pg.rank()]} has parameters {repr(mine):.400} but rank "
                                   f"{self._pg.ranks[r]} has {theirs:.400}")

    @staticmethod
    def _bucket_caps(bucket_cap_mb, bucket_cap_mb_list) -> list[int]:
        """Byte caps of bucket 0, 1, ... (the last one repeats), as PyTorch sizes them."""
        def check(mb, what):
            if isinstance(mb, bool) or not isinstance(mb, (int, float)) or mb <= 0:
                raise ValueError(f"{what} must be a positive number of MiB, got {mb!r}")
            return int(mb * 1024 * 1024)
        if bucket_cap_mb_list:
            return [check(mb, "every entry of bucket_cap_mb_list") for mb in bucket_cap_mb_list]
        if bucket_cap_mb is None:
            return [_FIRST_BUCKET_BYTES, 25 * 1024 * 1024]
        return [check(bucket_cap_mb, "bucket_cap_mb")]

    @property
    def broadcast_buffers(self) -> bool:
        """Whether rank 0's buffers are copied to every rank at each forward (``forward_sync_buffers``)."""
        return self.forward_sync_buffers

    @broadcast_buffers.setter
    def broadcast_buffers(self, value: bool) -> None:
        self.forward_sync_buffers = value

    def _sync_module_states(self, buffers: bool) -> None:
        self._broadcast_from_rank0([*self.module.parameters(), *(self.module.buffers() if buffers else ())])

    def _broadcast_from_rank0(self, tensors: list) -> None:
        """Rank 0's values into ``tensors`` on every rank: one broadcast per dtype of all of them
        flattened together (one check and one MPI call instead of one per tensor)."""
        if self._pg.size() == 1 or not tensors:
            return
        from ember.distributed.collectives import blocking
        from ember.distributed.consistency import check_same_across_ranks
        by_dtype: dict = {}
        for t in tensors:
            by_dtype.setdefault(t.dtype, []).append(t)
        check_same_across_ranks(self._pg, "DistributedDataParallel's broadcast of rank 0's state ("
                                + ", ".join(f"{len(ts)} {d.name} tensor(s) of {sum(t.numel() for t in ts)} "
                                            f"element(s)" for d, ts in by_dtype.items()) + ")")
        for ts in by_dtype.values():
            flat = np.concatenate([t._data.reshape(-1) for t in ts]) if len(ts) > 1 else \
                np.ascontiguousarray(ts[0]._data).reshape(-1).copy()
            self._pg.broadcast(flat, 0, **blocking(self._pg, False)).wait()
            if self._pg.rank() == 0:
                continue
            start = 0
            for t in ts:
                n = t.numel()
                t._data[...] = flat[start:start + n].reshape(t._data.shape)
                t._bump_version()
                start += n

    def _make_buckets(self):
        buckets, where = [], [None] * len(self._params)
        current: list[int] = []
        size = 0
        cap = self._caps[0]

        def close():
            nonlocal current, size, cap
            if current:
                b = _Bucket(len(buckets), [self._params[i] for i in current], self._params[current[0]].dtype)
                for k, i in enumerate(current):
                    where[i] = (b, k)
                buckets.append(b)
                cap = self._caps[min(len(buckets), len(self._caps) - 1)]
            current, size = [], 0

        for i in reversed(range(len(self._params))):
            p = self._params[i]
            if current and p.dtype is not self._params[current[0]].dtype:
                close()
            current.append(i)
            size += p.numel() * p.dtype.itemsize
            if size >= cap:
                close()
        close()
        return buckets, where

    # -- forward ----------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._queued:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one: the last "
                "backward did not complete its gradient reduction (parameters without a gradient: "
                f"{', '.join(self._unready_names()) or 'none'}). Pass find_unused_parameters=True to "
                "DistributedDataParallel, or make sure every output takes part in the loss")
        if self.require_forward_param_sync and self.forward_sync_buffers and self._pg.size() > 1:
            self._broadcast_from_rank0(list(self.module.buffers()))
        output = self.module(*inputs, **kwargs)
        if _core.is_grad_enabled() and self.require_backward_grad_sync:
            self._prepare(output)
        else:
            self._armed = False
        return output

    def _prepare(self, output) -> None:
        self._armed = True
        self._queued = False
        self._next_bucket = 0
        self._ready = [False] * len(self._params)
        self._used[:] = 0
        for b in self._buckets:
            b.pending = len(b.params)
            b.request = None
        if self.find_unused_parameters:
            reached = _reached_leaves(output)
            for i, p in enumerate(self._params):
                if id(p) in reached:
                    self._used[i] = 1
                else:
                    b, k = self._where[i]
                    b.slot(k, p)[:] = 0
                    self._mark_ready(i)

    def _unready_names(self) -> list[str]:
        return [self._param_names[i] for i, r in enumerate(self._ready) if not r]

    # -- backward ---------------------------------------------------------------------------
    def _make_hook(self, i: int):
        def hook(param):
            if not self._armed:
                return
            if self._ready[i]:
                raise RuntimeError(
                    f"DistributedDataParallel: parameter '{self._param_names[i]}' received its gradient twice in "
                    "one backward (used again after find_unused_parameters judged it unused, or a second backward "
                    "through the same forward); DDP reduces each gradient once per forward")
            if not self._queued:
                self._queued = True
                from ember.autograd.engine import queue_callback
                queue_callback(self._finish)
            self._used[i] = 1
            b, k = self._where[i]
            np.divide(param.grad._data.reshape(-1), self._pg.size(), out=b.slot(k, param), casting="same_kind")
            self._mark_ready(i)
        return hook

    def _mark_ready(self, i: int) -> None:
        self._ready[i] = True
        b, _ = self._where[i]
        b.pending -= 1
        while self._next_bucket < len(self._buckets) and self._buckets[self._next_bucket].pending == 0:
            nb = self._buckets[self._next_bucket]
            nb.request = self._pg.allreduce(nb.array, _sum())
            self._next_bucket += 1
        for started in self._buckets[:self._next_bucket]:
            started.request.test()  # MPI moves non-blocking collectives forward only inside its calls

    def _finish(self) -> None:
        """End of backward: wait for the buckets and write the averages into ``.grad``."""
        from ember.distributed.work import wait_all
        if self._next_bucket < len(self._buckets):
            missing = self._unready_names()
            started = [b.request for b in self._buckets[:self._next_bucket]]
            wait_all(started, self._pg.timeout, "DistributedDataParallel's gradient all-reduce")
            self._armed = self._queued = False
            raise RuntimeError(
                "DistributedDataParallel: backward finished but some parameters did not receive a gradient, so "
                f"their bucket's all-reduce could not start: {', '.join(missing)}. Pass "
                "find_unused_parameters=True if the model does not use every parameter in every iteration")
        # sleeping between polls: a rank that finished backward first leaves the core to the others
        # (measured: DDP steps 1.2-1.6x PyTorch's with it, 1.5-2.7x spinning, 1.7-1.9x with MPI's
        # blocking all-reduce for the last bucket; 2 ranks on a loaded 2-core machine)
        wait_all([b.request for b in self._buckets], self._pg.timeout, "DistributedDataParallel's gradient all-reduce",
                 sleep_after=0.0)
        used = None
        if self.find_unused_parameters:
            from ember.distributed import ReduceOp
            used = self._used.copy()
            wait_all([self._pg.allreduce(used, ReduceOp.MAX)], self._pg.timeout, "DistributedDataParallel's "
                     "used-parameter exchange", sleep_after=0.0)
        for i, p in enumerate(self._params):
            if used is not None and not used[i]:
                continue  # no rank used it: its .grad stays as it was
            b, k = self._where[i]
            avg = b.slot(k, p).reshape(tuple(p.shape))
            g = p.grad
            if g is None:
                p.grad = ember.from_numpy(avg.copy())
            else:
                g._data[...] = avg
                g._bump_version()
        self._armed = False
        self._ready = [False] * len(self._params)
        self._queued = False

    # -- user controls ----------------------------------------------------------------------
    @contextlib.contextmanager
    def no_sync(self):
        """Inside this context, backward accumulates gradients locally without averaging them; the
        first backward after it averages the accumulated gradients.

        Example::

            >>> with ddp.no_sync():
            ...     for x, y in micro_batches[:-1]:
            ...         loss_fn(ddp(x), y).backward()
            >>> loss_fn(ddp(micro_batches[-1][0]), micro_batches[-1][1]).backward()  # averages
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def extra_repr(self) -> str:
        return (f"bucket_cap_mb={self.bucket_bytes_cap / 2**20:g}, "
                f"find_unused_parameters={self.find_unused_parameters}")
