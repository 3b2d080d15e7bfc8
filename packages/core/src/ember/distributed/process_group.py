"""``ProcessGroup``: what a collective backend implements.

A backend's process group moves NumPy arrays (a CPU tensor's memory, without copying) between
the processes of one group. ``ember.distributed``'s functions validate tensors, turn them into
contiguous arrays, translate global ranks into group ranks and wrap what the backend returns
in a ``Work``; a backend only implements the methods below. Non-blocking methods return
requests: objects with ``test() -> bool`` (done?) and ``wait()`` (block until done). The
collectives take ``wait``: to a backend with a ``checker()``, ember passes ``wait=True`` for a
blocking call once the consistency check saw every rank of the group enter it, and the backend
may then carry the collective out before returning (its request is complete); otherwise it
starts the collective without blocking.
"""

from __future__ import annotations

import abc

__all__ = ["ProcessGroup"]


class ProcessGroup(abc.ABC):
    """The processes taking part in collectives together, and the backend that runs them.

    ``ranks`` lists the global ranks of the members in group-rank order.
    """

    def __init__(self, ranks: list[int], rank: int, timeout: float | None) -> None:
        self.ranks = list(ranks)
        self._rank = rank            # this process's rank in the group
        self.timeout = timeout       # seconds a blocking collective may take, or None

    def rank(self) -> int:
        """This process's rank within the group."""
        return self._rank

    def size(self) -> int:
        """The number of processes in the group."""
        return len(self.ranks)

    @abc.abstractmethod
    def name(self) -> str:
        """The backend's name (``"mpi"``)."""

    @abc.abstractmethod
    def allreduce(self, buf, op, wait: bool = False):
        """Reduce ``buf`` in place over the group with ``op`` (never ``AVG``); return a request."""

    @abc.abstractmethod
    def broadcast(self, buf, root: int, wait: bool = False):
        """Copy ``buf`` of group rank ``root`` into every rank's ``buf``; return a request."""

    @abc.abstractmethod
    def reduce(self, buf, op, root: int, wait: bool = False):
        """Reduce ``buf`` into group rank ``root``'s ``buf`` (others keep theirs); return a request."""

    @abc.abstractmethod
    def allgather(self, send, recv, wait: bool = False):
        """Every rank's ``send`` into ``recv`` (``size()`` blocks, in rank order); return a request."""

    @abc.abstractmethod
    def gather(self, send, recv, root: int, wait: bool = False):
        """Every rank's ``send`` into ``recv`` on ``root`` (None elsewhere); return a request."""

    @abc.abstractmethod
    def scatter(self, send, recv, root: int, wait: bool = False):
        """Block ``i`` of ``send`` on ``root`` (None elsewhere) into rank ``i``'s ``recv``; return a request."""

    @abc.abstractmethod
    def reduce_scatter(self, send, recv, op, wait: bool = False):
        """Reduce ``send`` over the group; block ``i`` of the result lands in rank ``i``'s ``recv``."""

    @abc.abstractmethod
    def alltoall(self, send, send_counts, recv, recv_counts, wait: bool = False):
        """Block ``j`` of ``send`` (``send_counts[j]`` elements) to rank ``j``; rank ``i``'s block for
        this rank (``recv_counts[i]`` elements) into ``recv`` in rank order; return a request."""

    @abc.abstractmethod
    def barrier(self):
        """A request that completes once every rank of the group reached it."""

    @abc.abstractmethod
    def send(self, buf, dst: int, tag: int):
        """Send ``buf`` to group rank ``dst``; return a request."""

    @abc.abstractmethod
    def recv(self, buf, src: int | None, tag: int):
        """Receive into ``buf`` from group rank ``src`` (None: any); return a request whose
        ``source()`` is the sender's group rank once it completed."""

    @abc.abstractmethod
    def new_group(self, ranks: list[int], timeout: float | None):
        """A process group of the given global ranks (called by every rank of this group);
        None on ranks that are not members."""

    def checker(self):
        """A process group of the same ranks whose traffic never mixes with this one's, for the
        small exchange that checks, before each collective, that every rank calls the same one
        (``ember.distributed.consistency``); None (the default) when the backend checks nothing."""
        return None

    @abc.abstractmethod
    def shutdown(self) -> None:
        """Release the group's resources (``destroy_process_group``)."""

    @abc.abstractmethod
    def abort(self, message: str) -> None:
        """End every process of the job after an unrecoverable error (an uncaught exception on
        one rank), so that no rank waits forever for it."""

    def __repr__(self) -> str:
        return f"<ProcessGroup {self.name()} rank {self._rank} of {self.size()}>"
