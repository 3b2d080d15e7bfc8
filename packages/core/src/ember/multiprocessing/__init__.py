"""``ember.multiprocessing``: Python's ``multiprocessing`` with tensors in shared memory.

Everything ``multiprocessing`` offers is here (``Process``, ``Queue``, ``Pool``,
``get_context``, ``set_start_method``, ...), plus ``spawn``. A CPU tensor passed to another
process (as a ``Process`` argument with the spawn or forkserver start method, through a
``Queue``, ``Pipe`` or ``Pool``) is moved into shared memory and the receiver maps the same
pages instead of getting a copy; with fork, a child inherits what ``share_memory_()`` put in
shared memory. So Hogwild training works as in PyTorch::

    import ember.multiprocessing as mp

    model = Net()
    model.share_memory()               # the parameters now live in shared memory
    processes = [mp.Process(target=train, args=(model,)) for _ in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()                       # the children's optimizer steps updated `model`

Only the ``"file_descriptor"`` sharing strategy exists (anonymous shared files passed by
descriptor; nothing can leak). Tensors on other devices are copied.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import *  # noqa: F403  (ember.multiprocessing is a drop-in for multiprocessing)

from ember.multiprocessing import reductions
from ember.multiprocessing.spawn import (
    ProcessContext,
    ProcessExitedException,
    ProcessRaisedException,
    spawn,
    start_processes,
)

__all__ = [*multiprocessing.__all__, "spawn", "start_processes", "ProcessContext", "ProcessRaisedException",
           "ProcessExitedException", "get_sharing_strategy", "set_sharing_strategy",
           "get_all_sharing_strategies"]

_STRATEGIES = frozenset({"file_descriptor"})


def get_all_sharing_strategies() -> set[str]:
    """The ways tensors can be shared between processes: only ``"file_descriptor"`` in ember."""
    return set(_STRATEGIES)


def get_sharing_strategy() -> str:
    """How tensors are shared between processes: ``"file_descriptor"``."""
    return "file_descriptor"


def set_sharing_strategy(new_strategy: str) -> None:
    """Choose how tensors are shared; ember supports ``"file_descriptor"`` only.

    Raises:
        ValueError: for any other strategy (PyTorch's ``"file_system"`` names files in
            ``/dev/shm`` that leak when a process is killed; ember does not offer it).
    """
    if new_strategy not in _STRATEGIES:
        raise ValueError(f"unsupported sharing strategy {new_strategy!r}: ember shares tensors by file "
                         f"descriptor only (strategies: {sorted(_STRATEGIES)})")


reductions.register_all()
