"""ember.distributed and DistributedDataParallel take PyTorch 2.13's arguments: the same names, in
the same order, with the same defaults (ReduceOp defaults compared by name)."""

import inspect

import pytest

import ember.distributed as ed
from ember.nn.parallel import DistributedDataParallel

torch = pytest.importorskip("torch")
td = pytest.importorskip("torch.distributed")

FUNCTIONS = [
    "init_process_group", "destroy_process_group", "is_initialized", "is_available", "is_mpi_available",
    "is_backend_available", "get_rank", "get_world_size", "get_backend", "new_group", "get_process_group_ranks",
    "get_group_rank", "get_global_rank", "all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
    "reduce_scatter_tensor", "gather", "scatter", "all_to_all_single", "barrier", "send", "recv", "isend", "irecv",
    "broadcast_object_list", "all_gather_object", "gather_object", "all_to_all", "reduce_scatter",
    "scatter_object_list", "monitored_barrier", "batch_isend_irecv",
]


def test_p2p_op_arguments_match_pytorch():
    assert _params(ed.P2POp.__init__) == _params(td.P2POp.__init__)


def _params(fn):
    out = []
    for p in inspect.signature(fn).parameters.values():
        default = p.default
        if hasattr(default, "name") and type(default).__name__ in ("ReduceOp", "RedOpType"):
            default = f"ReduceOp.{default.name}"
        elif type(default).__name__ == "timedelta":
            default = default.total_seconds()
        out.append((p.name, default if default is not inspect.Parameter.empty else "<required>"))
    return out


def _torch_params(fn):
    out = []
    for name, default in _params(fn):
        if str(default).startswith("RedOpType") or "ReduceOp" in repr(default):
            default = "ReduceOp." + str(default).split(".")[-1]
        out.append((name, default))
    return out


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_arguments_match_pytorch(name):
    ours = _params(getattr(ed, name))
    theirs = _torch_params(getattr(td, name))
    assert [n for n, _ in ours] == [n for n, _ in theirs]
    for (n, a), (_, b) in zip(ours, theirs):
        if isinstance(b, (bool, int, float, str, type(None))) or b == "<required>":
            assert a == b, f"{name}({n}=...): ember's default {a!r}, PyTorch's {b!r}"


def test_reduce_ops_match_pytorch():
    for op in ed.ReduceOp:
        assert hasattr(td.ReduceOp, op.name)


def test_ddp_arguments_match_pytorch():
    ours = _params(DistributedDataParallel.__init__)
    theirs = _params(torch.nn.parallel.DistributedDataParallel.__init__)
    assert ours == theirs
