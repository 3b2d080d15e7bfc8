"""Every rank of a group must call the same collective with matching tensors: checked before each one.

Before a collective moves any data, the ranks exchange an 8-byte fingerprint of the call (the
collective, the dtypes and shapes of its tensors, the op, the root, list lengths) on a
communicator of their own (``ProcessGroup.checker()``), so a mismatch is found before a wrongly
sized message can truncate, hang or crash MPI. The fingerprints are equal on every rank, or every
rank sees that they differ; then the ranks exchange their full descriptions and every rank raises
``DistBackendError`` naming its own call and the other rank's. The exchange costs one small
all-gather per collective (measured in the README's "Failures"); the data collective starts
when it is done, so an ``async_op=True`` call returns once every rank of the group reached it.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

from ember.distributed.errors import DistBackendError
from ember.distributed.work import wait_all

__all__ = ["check_same_across_ranks", "start_check", "finish_check", "describe"]


def describe(t) -> str:
    """A tensor as a check describes it: ``float32[4, 3]``."""
    return f"{t._dtype.name}{list(t.shape)}"


@functools.lru_cache(maxsize=4096)
def _fingerprint(call: str) -> int:
    return int.from_bytes(hashlib.blake2b(call.encode(), digest_size=8).digest(), "little", signed=True)


class _Check:
    """A fingerprint exchange in flight: ``request`` completes once every rank contributed."""

    __slots__ = ("pg", "checker", "call", "mine", "everyone", "request")

    def __init__(self, pg, checker, call: str) -> None:
        self.pg, self.checker, self.call = pg, checker, call
        self.mine = np.array([_fingerprint(call)], dtype=np.int64)
        self.everyone = np.empty(pg.size(), dtype=np.int64)
        self.request = checker.allgather(self.mine, self.everyone)


def start_check(pg, call: str) -> _Check | None:
    """Start the fingerprint exchange of ``call`` (None when the group or backend has nothing to check)."""
    checker = pg.checker()
    if checker is None or pg.size() == 1:
        return None
    return _Check(pg, checker, call)


def finish_check(check: _Check | None, wait: bool = True) -> None:
    """Wait for the exchange (unless done) and raise ``DistBackendError`` when the ranks' calls differ."""
    if check is None:
        return
    if wait:
        # the wait spins (no sleep): ranks calling a collective together meet within microseconds; a
        # sleeping wait made a 4 KB all_reduce 100-400 us instead of 18-25 us on the loaded test
        # machine (a rank that slept comes back late, while the others spin in the collective)
        wait_all([check.request], check.pg.timeout, f"{check.call} (every rank of the group must call it)")
    if (check.everyone != check.mine[0]).any():
        _explain(check)


def check_same_across_ranks(pg, call: str) -> None:
    """Check that every rank of ``pg`` makes the same ``call`` (a description such as
    ``all_reduce(float32[4], op=SUM)``); raise naming both sides when not."""
    finish_check(start_check(pg, call))


def _explain(check: _Check) -> None:
    """The fingerprints differ: exchange the descriptions (on the error path only) and name both sides."""
    pg, checker = check.pg, check.checker
    n = pg.size()
    mine = check.call.encode()
    sizes = np.empty(n, dtype=np.int64)
    wait_all([checker.allgather(np.array([len(mine)], dtype=np.int64), sizes)], pg.timeout, "the mismatch report")
    width = int(sizes.max())
    send = np.zeros(width, dtype=np.uint8)
    send[:len(mine)] = np.frombuffer(mine, dtype=np.uint8)
    recv = np.empty((n, width), dtype=np.uint8)
    wait_all([checker.allgather(send, recv.reshape(-1))], pg.timeout, "the mismatch report")
    me = pg.ranks[pg.rank()]
    others = [(pg.ranks[r], recv[r, :sizes[r]].tobytes().decode()) for r in range(n)
              if check.everyone[r] != check.mine[0]]
    rank, theirs = others[0]
    more = f" (and {len(others) - 1} more rank(s) differ from this one)" if len(others) > 1 else ""
    raise DistBackendError(f"collective mismatch: rank {me} called {check.call} but rank {rank} called {theirs}"
                           f"{more}; every rank of the group must call the same collectives in the same order, "
                           f"with tensors of the same dtype and shape")


def check_split_sizes(pg, what: str, send_counts: list[int], recv_counts: list[int]) -> None:
    """All-to-all: what rank i sends to rank j must be what rank j expects from rank i. Every rank
    sees every rank's counts, so all raise the same error naming both sides."""
    checker = pg.checker()
    if checker is None or pg.size() == 1:
        return
    n = pg.size()
    mine = np.array(list(send_counts) + list(recv_counts), dtype=np.int64)
    everyone = np.empty((n, 2 * n), dtype=np.int64)
    wait_all([checker.allgather(mine, everyone.reshape(-1))], pg.timeout, f"{what}'s split-size check")
    sends, recvs = everyone[:, :n], everyone[:, n:]
    for i in range(n):
        for j in range(n):
            if sends[i, j] != recvs[j, i]:
                raise DistBackendError(
                    f"{what}: rank {pg.ranks[i]} sends {sends[i, j]} element(s) to rank {pg.ranks[j]} but rank "
                    f"{pg.ranks[j]} expects {recvs[j, i]} from rank {pg.ranks[i]}; the input split sizes of the "
                    f"senders must match the output split sizes of the receivers")
