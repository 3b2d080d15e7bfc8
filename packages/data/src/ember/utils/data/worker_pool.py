"""The main-process side of DataLoader workers: start them, hand out tasks, collect batches.

Each worker has one Unix socket to the main process (see ``channel``). The main process
keeps the sampler and sends each worker small tasks ``(epoch, task id, indices)``,
round-robin, at most ``prefetch_factor`` per worker in flight. Every task gets exactly one
answer: a batch, an error, or "end" (an iterable dataset's stream ran out). Answers that
arrive early wait in a dict until their turn (``in_order=True``).

Waiting uses ``multiprocessing.connection.wait`` on the sockets *and* the workers' process
sentinels, so a worker that dies (a signal, the OOM killer, ``os._exit``) is noticed at once.
"""

from __future__ import annotations

import collections
import gc
import multiprocessing
import os
import signal
import time
import weakref
from multiprocessing.connection import wait
from typing import TYPE_CHECKING

from ember.utils.data.channel import Channel, ChannelClosed, channel_pair
from ember.utils.data.loader_iterator import LoaderIterator
from ember.utils.data.worker import WorkerConfig, worker_loop

if TYPE_CHECKING:
    from ember.utils.data.dataloader import DataLoader

SHUTDOWN_GRACE_SECONDS = 2.0   # how long finished workers get to exit before SIGTERM


def _stop_workers(channels: list[Channel], processes: list) -> None:
    """Ask the workers to exit, close their sockets, and reap them (SIGTERM, then SIGKILL, if they linger)."""
    for ch in channels:
        try:
            ch.sock.setblocking(False)
            ch.send(None)
        except (ChannelClosed, OSError):
            pass
        ch.close()
    deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
    for process in processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.terminate()
            process.join(timeout=1.0)
        if process.is_alive():
            process.kill()
            process.join()


def _death_message(worker_id: int, process) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            sig = signal.Signals(-code)
            desc = f"{signal.strsignal(sig)} ({sig.name})"
        except ValueError:
            desc = f"signal {-code}"
        msg = f"DataLoader worker {worker_id} (pid {process.pid}) is killed by signal: {desc}."
        if -code == signal.SIGKILL:
            msg += (" This is often the out-of-memory killer: lower num_workers or batch_size, or the memory each "
                    "sample takes.")
        elif -code == signal.SIGBUS:
            msg += " This can mean the system ran out of shared memory for batches."
        return msg
    return (f"DataLoader worker {worker_id} (pid {process.pid}) exited unexpectedly with exit code {code}. "
            f"Details are lost; run with num_workers=0 to see the error in the main process.")


class MultiProcessIterator(LoaderIterator):
    """Iterates a DataLoader's batches, loaded by ``num_workers`` worker processes."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch = loader.prefetch_factor
        if not self._prefetch:
            raise ValueError("prefetch_factor must be positive with num_workers > 0 (the workers need tasks to "
                             "work on)")
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        self._dead_error: str | None = None
        self._epoch_number = 0
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        forking = ctx.get_start_method() == "fork"
        self._workers = []
        self._channels: list[Channel] = []
        # runs when the iterator is garbage-collected, at interpreter exit, or on _shutdown()
        self._finalizer = weakref.finalize(self, _stop_workers, self._channels, self._workers)
        # Freeze the GC's view of the parent's objects so a child's collections don't write to
        # (and so copy) every page holding your dataset's Python objects.
        if forking:
            gc.freeze()
        try:
            for worker_id in range(self._num_workers):
                main_end, worker_end = channel_pair()
                cfg = WorkerConfig(dataset=self._dataset, iterable=self._iterable,
                                   auto_collation=self._auto_collation, collate_fn=self._collate_fn,
                                   drop_last=self._drop_last, batch_size=self._batch_size,
                                   worker_init_fn=loader.worker_init_fn, worker_id=worker_id,
                                   num_workers=self._num_workers, parent_pid=os.getpid())
                inherited = [ch.fileno() for ch in self._channels] if forking else []
                self._channels.append(Channel(main_end))
                try:
                    process = ctx.Process(target=worker_loop, daemon=True,
                                          args=(worker_end, cfg, self._epoch_number, self._epoch.base_seed,
                                                self._epoch.worker_skip[worker_id], inherited))
                    process.start()
                finally:
                    worker_end.close()     # the worker has its own copy now
                self._workers.append(process)
        except BaseException:
            self._shutdown()
            raise
        finally:
            if forking:
                gc.unfreeze()
        self._start_dispatch()

    # -- epochs ---------------------------------------------------------------------------
    def _start_dispatch(self) -> None:
        first = self._epoch.progress.batches_yielded   # resuming: batch `first` goes where it went before
        self._sampler_iter = self._epoch.sampler_iter
        self._sampler_done = False
        self._active = [True] * self._num_workers
        self._next_worker = first % self._num_workers
        self._next_task = first          # map-style: task id == batch number in the epoch
        self._next_yield = first
        self._in_flight = 0
        self._results: dict[int, tuple] = {}
        self._arrived: collections.deque = collections.deque()   # in_order=False
        self._dispatch()

    def _reset(self, loader: DataLoader) -> None:
        """Start a new epoch on the same (persistent) workers; they are reseeded too."""
        if self._dead_error is not None:
            raise RuntimeError(self._dead_error)
        self._epoch = loader._begin_epoch()
        self._epoch_number += 1
        for worker_id in range(self._num_workers):
            self._send(worker_id, ("epoch", self._epoch_number, self._epoch.base_seed,
                                   self._epoch.worker_skip[worker_id]))
        self._start_dispatch()

    # -- tasks out ------------------------------------------------------------------------
    def _send(self, worker_id: int, msg) -> None:
        try:
            self._channels[worker_id].send(msg)
        except (ChannelClosed, OSError):
            self._fail(worker_id)

    def _dispatch(self) -> None:
        n = self._num_workers
        while not self._sampler_done and self._in_flight < self._prefetch * sum(self._active):
            for _ in range(n):
                if self._active[self._next_worker]:
                    break
                self._next_worker = (self._next_worker + 1) % n
            worker_id = self._next_worker
            try:
                index = next(self._sampler_iter)
            except StopIteration:
                self._sampler_done = True
                return
            self._send(worker_id, ("task", self._epoch_number, self._next_task, index))
            self._next_task += 1
            self._in_flight += 1
            self._next_worker = (worker_id + 1) % n

    # -- answers in -----------------------------------------------------------------------
    def _next_data(self):
        if self._dead_error is not None:
            raise RuntimeError(self._dead_error)
        deadline = time.monotonic() + self._timeout if self._timeout else None
        while True:
            answer = self._take_ready()
            if answer is not None:
                kind, worker_id, body = answer
                self._dispatch()
                if kind == "batch":
                    return body, worker_id
                if kind == "error":
                    body.reraise()
                continue   # "end": a worker's stream ran out; that task has no batch
            if self._in_flight == 0 and (self._sampler_done or not any(self._active)):
                if not self._persistent:
                    self._shutdown()
                raise StopIteration
            self._receive(deadline)

    def _take_ready(self):
        if not self._in_order:
            return self._arrived.popleft() if self._arrived else None
        answer = self._results.pop(self._next_yield, None)
        if answer is not None:
            self._next_yield += 1
        return answer

    def _receive(self, deadline: float | None) -> None:
        """Block until at least one answer arrives (or a worker dies, or the batch's deadline passes)."""
        sentinels = {p.sentinel: i for i, p in enumerate(self._workers)}
        channels = {ch: i for i, ch in enumerate(self._channels)}
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready = wait(list(channels) + list(sentinels), remaining)
        if not ready:
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        dead = []
        for obj in ready:
            if obj in channels:
                worker_id = channels[obj]
                try:
                    self._accept(worker_id, obj.recv())
                except (ChannelClosed, ConnectionResetError):
                    dead.append(worker_id)
            else:
                dead.append(sentinels[obj])
        for worker_id in dead:
            self._drain(worker_id)
            self._fail(worker_id)

    def _drain(self, worker_id: int) -> None:
        """Accept whatever a dead worker managed to send before it died."""
        ch = self._channels[worker_id]
        try:
            while wait([ch], 0):
                self._accept(worker_id, ch.recv())
        except (ChannelClosed, OSError):
            pass

    def _accept(self, worker_id: int, msg) -> None:
        kind, epoch, task_id = msg[0], msg[1], msg[2]
        if epoch != self._epoch_number:
            return    # an answer to an abandoned epoch's task: dropping it frees its shared memory
        self._in_flight -= 1
        if kind == "end":
            self._active[worker_id] = False
        answer = (kind, worker_id, msg[3] if len(msg) > 3 else None)
        if self._in_order:
            self._results[task_id] = answer
        else:
            self._arrived.append(answer)

    def _fail(self, worker_id: int):
        process = self._workers[worker_id]
        process.join(timeout=1.0)
        self._dead_error = _death_message(worker_id, process)
        self._shutdown()
        raise RuntimeError(self._dead_error)

    # -- shutdown -------------------------------------------------------------------------
    def _shutdown(self) -> None:
        """Stop and reap every worker and drop undelivered batches (their shared memory goes with them)."""
        self._finalizer()
        self._results = {}
        self._arrived = collections.deque()
