"""ember.distributed in one process: what works without a process group, the backend registry."""

import importlib

import pytest

import ember
import ember.distributed as dist
from ember.backends.registry import registry as devices
from ember.distributed import groups as group_module
from ember.distributed import mpi
from ember.distributed.backend_registry import CollectiveRegistry
from ember.hookspecs import hookimpl


@pytest.mark.parametrize("call", [
    lambda: dist.get_rank(), lambda: dist.get_world_size(), lambda: dist.all_reduce(ember.ones(2)),
    lambda: dist.barrier(), lambda: dist.new_group([0]), lambda: dist.destroy_process_group(),
])
def test_collectives_need_a_process_group(call):
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        call()


def test_reduce_op_members():
    assert [op.name for op in dist.ReduceOp] == ["SUM", "AVG", "PRODUCT", "MIN", "MAX"]
    assert repr(dist.ReduceOp.SUM) == "<ReduceOp.SUM>"


def test_init_process_group_refuses_what_mpi_cannot_do():
    with pytest.raises(ValueError, match="init_method 'file:///tmp/x' is not supported"):
        dist.init_process_group("mpi", init_method="file:///tmp/x")
    for bad in ("tcp://127.0.0.1", "tcp://:1234", "tcp://host:port"):
        with pytest.raises(ValueError, match="must be tcp://host:port"):
            dist.init_process_group("mpi", init_method=bad)
    with pytest.raises(ValueError, match="takes no store"):
        dist.init_process_group("mpi", store=object())
    with pytest.raises(ValueError, match="'gloo' is not a registered collective backend"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="comes with ember-cuda: pip install ember-cuda"):
        dist.init_process_group("nccl")
    assert not dist.is_initialized()


def test_missing_mpi4py_says_what_to_install(monkeypatch):
    monkeypatch.setattr(mpi.importlib.util, "find_spec", lambda name: None)
    assert not dist.is_mpi_available() and not dist.is_available()
    with pytest.raises(RuntimeError, match=r"pip install 'ember-core\[mpi\]'"):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


class _FakeBackend:
    name = "fake"
    devices = ("cpu",)

    def is_available(self):
        return False

    def unavailable_reason(self):
        return "the fake backend never works"

    def create(self, rank, world_size, timeout):
        raise AssertionError("unavailable backends are never created")


class _Plugin:
    @hookimpl
    def ember_register_collective_backends(self, registry):
        registry.register_backend(_FakeBackend())


class _BrokenPlugin:
    @hookimpl
    def ember_register_collective_backends(self, registry):
        registry.register_backend(_FakeBackend())
        raise OSError("driver missing")


@pytest.mark.parametrize("plugin", [_Plugin(), _BrokenPlugin()])
def test_plugins_register_collective_backends_through_the_hook(plugin):
    devices.load_plugins()
    devices.pm.register(plugin, name="test-collective-plugin")
    try:
        reg = CollectiveRegistry()
        if isinstance(plugin, _BrokenPlugin):
            with pytest.warns(RuntimeWarning, match="driver missing"):
                reg.names()
            with pytest.raises(ValueError, match="test-collective-plugin .OSError: driver missing"):
                reg.get("fake")
        else:
            assert isinstance(reg.get("fake"), _FakeBackend)
            assert reg.names() == ["fake", "mpi"]
    finally:
        devices.pm.unregister(plugin)


def test_unavailable_backend_reports_its_reason(monkeypatch):
    reg = CollectiveRegistry()
    reg.register_backend(_FakeBackend())
    monkeypatch.setattr(group_module, "registry", reg)
    with pytest.raises(RuntimeError, match="the fake backend never works"):
        dist.init_process_group("fake")


def test_register_backend_checks_what_it_gets():
    reg = CollectiveRegistry()
    with pytest.raises(TypeError, match="needs 'name'"):
        reg.register_backend(object())
    reg.register_backend(_FakeBackend())
    with pytest.raises(RuntimeError, match="already registered"):
        reg.register_backend(_FakeBackend())


def test_launcher_command_line(monkeypatch):
    from ember.distributed import run
    monkeypatch.setattr(run, "_mpirun", lambda: "/opt/mpi/bin/mpirun")
    cmd = run.mpirun_command(["--nnodes", "2", "--nproc-per-node", "4", "--hostfile", "hosts", "train.py", "--x", "1"])
    assert cmd[:7] == ["/opt/mpi/bin/mpirun", "-n", "8", "--hostfile", "hosts", "--map-by", "ppr:4:node"]
    assert cmd[-3:] == ["train.py", "--x", "1"] and "--oversubscribe" in cmd
    cmd = run.mpirun_command(["--no-oversubscribe", "-m", "pkg.train"])
    assert cmd[1:3] == ["-n", "1"] and "--oversubscribe" not in cmd and cmd[-2:] == ["-m", "pkg.train"]
    with pytest.raises(SystemExit, match="needs --hostfile"):
        run.mpirun_command(["--nnodes", "2", "train.py"])
    with pytest.raises(SystemExit, match="at least 1"):
        run.mpirun_command(["--nproc-per-node", "0", "train.py"])


def test_ember_distributed_is_an_attribute_and_import_ember_loads_no_mpi():
    import subprocess
    import sys
    code = ("import sys, ember\nassert 'ember.distributed' not in sys.modules\n"
            "d = ember.distributed\nassert d.ReduceOp.SUM and 'mpi4py' not in sys.modules\nprint('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def test_contiguous_tensors_reach_the_backend_without_a_copy():
    from ember.distributed.tensors import buffer
    t = ember.arange(6.0).reshape(2, 3)
    buf = buffer(t)
    assert buf.array is t._data and not buf.copied
    version = t._version
    buf.array += 1  # what a collective does to it
    buf.done()
    assert t.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]] and t._version == version + 1


def test_a_non_contiguous_tensor_goes_through_one_copy_written_back():
    from ember.distributed.tensors import buffer
    base = ember.arange(6.0).reshape(2, 3)
    view = base.t()
    buf = buffer(view)
    assert buf.copied and buf.array.flags.c_contiguous and buf.array.shape == (3, 2)
    buf.array *= 10
    buf.done()
    assert base.tolist() == [[0.0, 10.0, 20.0], [30.0, 40.0, 50.0]]
    assert buffer(view, writes=False).array.flags.c_contiguous


class _Done:
    def test(self):
        return True

    def wait(self):
        return None


class _MirrorGroup(dist.ProcessGroup):
    """A plugin's group written to the methods' first signatures (no ``wait``) and without a
    ``checker()``: two ranks whose other rank always holds the same values."""

    def name(self):
        return "mirror"

    def allreduce(self, buf, op):
        buf *= 2
        return _Done()

    def broadcast(self, buf, root):
        return _Done()

    def reduce(self, buf, op, root):
        raise NotImplementedError

    allgather = gather = scatter = reduce_scatter = alltoall = send = recv = reduce

    def barrier(self):
        return _Done()

    def new_group(self, ranks, timeout):
        raise NotImplementedError

    def shutdown(self):
        pass

    def abort(self, message):
        pass


class _MirrorBackend:
    name = "mirror"
    devices = ("cpu",)

    def is_available(self):
        return True

    def unavailable_reason(self):
        return ""

    def create(self, rank, world_size, timeout):
        return _MirrorGroup([0, 1], 0, timeout)


def test_a_backend_without_checker_or_wait_argument_still_runs_collectives(monkeypatch):
    reg = CollectiveRegistry()
    reg.register_backend(_MirrorBackend())
    monkeypatch.setattr(group_module, "registry", reg)
    monkeypatch.setattr(importlib.import_module("ember.distributed.backend_registry"), "registry", reg)
    dist.init_process_group("mirror")
    try:
        t = ember.tensor([1.0, 2.0])
        dist.all_reduce(t)  # no consistency check (the group has no checker), no wait= passed
        assert t.tolist() == [2.0, 4.0]
        dist.all_reduce(t, op=dist.ReduceOp.AVG, async_op=True).wait()
        assert t.tolist() == [2.0, 4.0]
        dist.barrier()
        assert dist.get_backend() == "mirror"
    finally:
        dist.destroy_process_group()
