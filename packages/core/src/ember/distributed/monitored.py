"""``monitored_barrier``: a barrier that names the ranks that did not arrive in time."""

from __future__ import annotations

import datetime
import time

import numpy as np

from ember.distributed.errors import DistBackendError
from ember.distributed.groups import resolve

__all__ = ["monitored_barrier"]

_TAG = 30_000  # on the group's checker, which carries nothing else point to point; + the barrier's number % 512


def _seconds(timeout, pg) -> float:
    if timeout is None:
        return pg.timeout if pg.timeout is not None else 1800.0
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise TypeError(f"monitored_barrier: timeout must be a positive datetime.timedelta, got {timeout!r}")
    return float(timeout)


def _poll(requests: dict, deadline: float) -> list:
    """Test ``requests`` (key -> request) until all completed or ``deadline``; the keys left over."""
    left = dict(requests)
    while left:
        for key in [k for k, r in left.items() if r.test()]:
            del left[key]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(1e-4)  # a real sleep: the late ranks may share this core
    return sorted(left)


def monitored_barrier(group=None, timeout=None, wait_all_ranks: bool = False) -> None:
    """A barrier in which rank 0 of the group waits at most ``timeout`` for every other rank and
    raises ``DistBackendError`` naming the first rank that did not arrive (every such rank with
    ``wait_all_ranks=True``); the other ranks wait for rank 0 to release them, as long.

    Example::

        >>> dist.monitored_barrier(timeout=datetime.timedelta(seconds=30), wait_all_ranks=True)
    """
    pg = resolve(group)
    if pg is None:
        return
    seconds = _seconds(timeout, pg)
    if pg.size() == 1:
        return
    checker = pg.checker() or pg
    count = getattr(pg, "_monitored_barriers", 0)
    pg._monitored_barriers = count + 1
    tag = _TAG + count % 512
    deadline = time.monotonic() + seconds
    token = np.array([count], dtype=np.int64)
    if pg.rank() == 0:
        arrived = {r: np.full(1, -1, dtype=np.int64) for r in range(1, pg.size())}
        requests = {r: checker.recv(buf, r, tag) for r, buf in arrived.items()}
        missing = _poll(requests, deadline)
        if missing:
            for r in missing:
                cancel = getattr(requests[r], "cancel", None)
                if cancel is not None:
                    cancel()
            named = missing if wait_all_ranks else missing[:1]
            ranks = ", ".join(str(pg.ranks[r]) for r in named)
            raise DistBackendError(f"monitored_barrier: rank(s) {ranks} did not reach the barrier within "
                                   f"{seconds:g} s (rank {pg.ranks[0]} waited for them)")
        for r, buf in arrived.items():
            if int(buf[0]) != count:
                raise DistBackendError(f"monitored_barrier: rank {pg.ranks[r]} is at monitored barrier number "
                                       f"{int(buf[0])} but rank {pg.ranks[0]} at number {count}")
        for req in [checker.send(token, r, tag) for r in range(1, pg.size())]:
            req.wait()
        return
    checker.send(token, 0, tag).wait()
    release = np.empty(1, dtype=np.int64)
    request = checker.recv(release, 0, tag)
    if _poll({0: request}, deadline):
        cancel = getattr(request, "cancel", None)
        if cancel is not None:
            cancel()
        raise DistBackendError(f"monitored_barrier: rank {pg.ranks[0]} did not release rank {pg.ranks[pg.rank()]} "
                               f"within {seconds:g} s (another rank did not arrive; rank {pg.ranks[0]} names it)")
