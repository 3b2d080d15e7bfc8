"""The default process group and the groups made from it: initialisation, ranks, teardown."""

from __future__ import annotations

import datetime
import os
import sys
import urllib.parse

from ember.distributed.backend_registry import registry
from ember.distributed.process_group import ProcessGroup

__all__ = ["GroupMember", "group", "init_process_group", "destroy_process_group", "is_initialized",
           "is_available", "is_mpi_available", "is_backend_available", "get_rank", "get_world_size",
           "get_backend", "new_group", "get_process_group_ranks", "get_group_rank", "get_global_rank",
           "default_pg_timeout", "resolve", "group_rank"]

default_pg_timeout = datetime.timedelta(minutes=30)


class _NonMember:
    def __repr__(self) -> str:
        return "<not a member of this group>"


class GroupMember:
    """``GroupMember.WORLD`` is the default process group (once initialised);
    ``GroupMember.NON_GROUP_MEMBER`` is what ``new_group`` returns on ranks outside the group."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = _NonMember()


group = GroupMember  # ``dist.group.WORLD``, as PyTorch spells it

_state = {"groups": [], "excepthook": None}


def is_backend_available(backend: str) -> bool:
    """Whether collective backend ``backend`` is registered and usable in this process."""
    try:
        return bool(registry.get(str(backend).lower()).is_available())
    except ValueError:
        return False


def is_mpi_available() -> bool:
    """Whether the ``mpi`` backend can be used (mpi4py and an MPI runtime are installed)."""
    return is_backend_available("mpi")


def is_available() -> bool:
    """Whether ``ember.distributed`` can run collectives: at least one collective backend is usable."""
    return any(registry.get(name).is_available() for name in registry.names())


def is_initialized() -> bool:
    """Whether ``init_process_group`` was called (and ``destroy_process_group`` not since)."""
    return GroupMember.WORLD is not None


def _seconds(timeout) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise TypeError(f"timeout must be a positive datetime.timedelta, got {timeout!r}")
    return float(timeout)


def _env_int(name: str, given: int) -> int | None:
    if given is not None and given >= 0:
        return given
    raw = os.environ.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from None


def _check_init_method(init_method) -> bool:
    """Whether ``init_method`` names a rendezvous address (``tcp://host:port``); None and
    ``env://`` need none. Anything else is refused."""
    if init_method in (None, "env://"):
        return False
    if isinstance(init_method, str) and init_method.startswith("tcp://"):
        parsed = urllib.parse.urlparse(init_method)
        try:
            port = parsed.port
        except ValueError:
            port = None
        if not parsed.hostname or port is None:
            raise ValueError(f"init_process_group: init_method {init_method!r} must be tcp://host:port")
        return True
    raise ValueError(f"init_process_group: init_method {init_method!r} is not supported: use None or 'env://' "
                     "(mpirun, or python -m ember.distributed.run, connects the processes), or 'tcp://host:port' "
                     "under mpirun")


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout=None,
                       world_size: int = -1, rank: int = -1, store=None, group_name: str = "",
                       pg_options=None, device_id=None, _ranks=None) -> None:
    """Create the default process group: every process of the job calls it once.

    Args:
        backend: the collective backend; ``"mpi"`` (the default) runs on MPI through mpi4py.
        init_method: how processes find each other. With MPI, ``mpirun`` (or
            ``python -m ember.distributed.run``) already did: ``None``, ``"env://"`` and
            ``"tcp://host:port"`` are accepted; ``RANK``/``WORLD_SIZE`` from the environment (or
            ``rank``/``world_size``) are checked against MPI's numbering and set from it when
            absent. Processes started without ``mpirun`` cannot meet at a ``tcp://`` address (Open
            MPI connects only processes its runtime started): that raises ``DistNetworkError``
            saying how to start them.
        timeout: how long a blocking collective or ``Work.wait()`` may take before it raises
            ``DistBackendError`` (default 30 minutes).
        world_size, rank: expected size and rank (-1: from the environment or MPI).

    Example::

        >>> import ember.distributed as dist
        >>> dist.init_process_group("mpi")
        >>> dist.get_rank(), dist.get_world_size()
    """
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice! "
                         "(call destroy_process_group() first)")
    if store is not None:
        raise ValueError("init_process_group: the mpi backend finds its peers through MPI and takes no store")
    rendezvous = _check_init_method(init_method)
    name = "mpi" if backend is None else str(backend).lower()
    impl = registry.get(name)
    if not impl.is_available():
        raise RuntimeError(impl.unavailable_reason())
    seconds = _seconds(default_pg_timeout if timeout is None else timeout)
    extra = {"init_method": init_method} if rendezvous else {}
    pg = impl.create(_env_int("RANK", rank), _env_int("WORLD_SIZE", world_size), seconds, **extra)
    GroupMember.WORLD = pg
    _state["groups"] = [pg]
    if pg.size() > 1 and _state["excepthook"] is None:
        _state["excepthook"] = sys.excepthook
        sys.excepthook = _abort_on_uncaught


def _abort_on_uncaught(kind, value, tb) -> None:
    """An uncaught exception on one rank ends the whole job (the others would wait forever)."""
    previous = _state["excepthook"] or sys.__excepthook__
    previous(kind, value, tb)
    pg = GroupMember.WORLD
    if pg is None:
        return
    print(f"ember.distributed: rank {pg.rank()} of {pg.size()} raised {kind.__name__}: {value}; "
          f"aborting all ranks", file=sys.stderr, flush=True)
    sys.stdout.flush()
    pg.abort(f"rank {pg.rank()} raised {kind.__name__}")


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Tear down ``group``, or (default) every group and the default one."""
    if GroupMember.WORLD is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    if group is None or group is GroupMember.WORLD:
        for pg in reversed(_state["groups"]):
            pg.shutdown()
        _state["groups"] = []
        GroupMember.WORLD = None
        if _state["excepthook"] is not None:
            sys.excepthook, _state["excepthook"] = _state["excepthook"], None
        return
    if group is GroupMember.NON_GROUP_MEMBER:
        return
    if group not in _state["groups"]:
        raise ValueError(f"destroy_process_group: {group!r} is not a live group of this process")
    group.shutdown()
    _state["groups"].remove(group)


def resolve(group) -> ProcessGroup | None:
    """The process group ``group`` means (None: the default one); None on a non-member."""
    if group is None or group is GroupMember.WORLD:
        if GroupMember.WORLD is None:
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        return GroupMember.WORLD
    if group is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup from new_group() or None, got {type(group).__name__}")
    if group not in _state["groups"]:
        raise ValueError("the process group was destroyed (destroy_process_group)")
    return group


def group_rank(pg: ProcessGroup, global_rank, group_rank_, what: str, optional: bool = False) -> int | None:
    """The group rank from a global ``global_rank`` or a ``group_rank_`` (exactly one given)."""
    if global_rank is not None and group_rank_ is not None:
        raise ValueError(f"{what}: give either the global rank or the group rank, not both")
    if global_rank is None and group_rank_ is None:
        if optional:
            return None
        raise ValueError(f"{what}: a rank is required")
    if group_rank_ is not None:
        r = _int(group_rank_, what)
        if not 0 <= r < pg.size():
            raise ValueError(f"{what}: group rank {r} is out of range for a group of {pg.size()} rank(s)")
        return r
    r = _int(global_rank, what)
    if r not in pg.ranks:
        raise ValueError(f"{what}: global rank {r} is not part of the group (its ranks are {pg.ranks})")
    return pg.ranks.index(r)


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what}: a rank must be an int, got {type(value).__name__}")
    return value


def get_rank(group=None) -> int:
    """This process's rank in ``group`` (default: the default group); -1 outside the group."""
    pg = resolve(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group=None) -> int:
    """The number of processes in ``group`` (default: the default group); -1 outside the group."""
    pg = resolve(group)
    return -1 if pg is None else pg.size()


def get_backend(group=None) -> str:
    """The name of ``group``'s collective backend (``"mpi"``)."""
    pg = resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified: this rank is not a member")
    return pg.name()


def get_process_group_ranks(group) -> list[int]:
    """The global ranks of ``group``'s members, in group-rank order."""
    pg = resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified: this rank is not a member")
    return list(pg.ranks)


def get_group_rank(group, global_rank: int) -> int:
    """The rank within ``group`` of the process whose global rank is ``global_rank``."""
    return group_rank(resolve(group), global_rank, None, "get_group_rank")


def get_global_rank(group, group_rank: int) -> int:
    """The global rank of the process with rank ``group_rank`` in ``group``."""
    pg = resolve(group)
    if isinstance(group_rank, bool) or not isinstance(group_rank, int) or not 0 <= group_rank < pg.size():
        raise ValueError(f"get_global_rank: group rank {group_rank!r} is not in a group of {pg.size()} rank(s)")
    return pg.ranks[group_rank]


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization: bool = False,
              group_desc: str | None = None, device_id=None, sort_ranks: bool = True):
    """A process group of some of the default group's ranks. Every rank of the default group
    calls it with the same ``ranks`` (global ranks; None: all); ranks outside get
    ``GroupMember.NON_GROUP_MEMBER``, on which collectives do nothing. Group ranks follow the
    sorted global ranks, or the order of ``ranks`` with ``sort_ranks=False``."""
    world = resolve(None)
    if ranks is None:
        ranks = list(world.ranks)
    ranks = list(ranks)
    for r in ranks:
        if isinstance(r, bool) or not isinstance(r, int) or not 0 <= r < world.size():
            raise ValueError(f"new_group: rank {r!r} is not a rank of the default group (0 to {world.size() - 1})")
    if len(set(ranks)) != len(ranks):
        raise ValueError(f"new_group: ranks {ranks} has duplicates")
    if backend is not None and str(backend).lower() != world.name():
        raise ValueError(f"new_group: backend {backend!r} differs from the default group's '{world.name()}'")
    if sort_ranks:
        ranks = sorted(ranks)
    seconds = world.timeout if timeout is None else _seconds(timeout)
    from ember.distributed.consistency import check_same_across_ranks
    check_same_across_ranks(world, f"new_group(ranks={ranks})")  # MPI hangs on groups that differ between ranks
    pg = world.new_group(ranks, seconds)
    if pg is None:
        return GroupMember.NON_GROUP_MEMBER
    _state["groups"].append(pg)
    return pg
