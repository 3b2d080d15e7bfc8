"""ember.multiprocessing: tensors cross process boundaries by shared memory (fork and spawn)."""

import multiprocessing
import os
import pickle
import sys

import numpy as np
import pytest

import ember
import ember.multiprocessing as mp
from ember.multiprocessing import shared_memory

sys.path.insert(0, os.path.dirname(__file__))
import _mp_children as children  # noqa: E402
import _mp_fork_alloc  # noqa: E402

METHODS = ["fork", "spawn"]


def test_reexports_multiprocessing():
    for name in ("Process", "Queue", "Pool", "get_context", "set_start_method", "Pipe", "Event", "Lock",
                 "cpu_count", "SimpleQueue", "Manager", "get_start_method"):
        assert hasattr(mp, name), name
    assert mp.cpu_count() == multiprocessing.cpu_count()
    assert mp.get_all_sharing_strategies() == {"file_descriptor"}
    assert mp.get_sharing_strategy() == "file_descriptor"
    mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(ValueError, match="file_system"):
        mp.set_sharing_strategy("file_system")


def test_share_memory_keeps_values_and_is_shared():
    t = ember.arange(12, dtype=ember.float64).reshape(3, 4).t()   # non-contiguous
    expected = t.numpy().copy()
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and t[1:].is_shared() and t.detach().is_shared()
    np.testing.assert_array_equal(t.numpy(), expected)
    data = t._data
    t.share_memory_()
    assert t._data is data   # already shared: no second move
    empty = ember.zeros(0).share_memory_()
    assert empty.is_shared() and empty.shape == (0,)


@pytest.mark.parametrize("method", METHODS)
def test_child_writes_to_shared_tensor(method):
    ctx = mp.get_context(method)
    t = ember.zeros(2, 3, dtype=ember.int32)
    t.share_memory_()
    done = ctx.Queue()
    p = ctx.Process(target=children.fill, args=(t, 7, done))
    p.start()
    shared, dtype, shape = done.get(timeout=60)
    p.join(60)
    assert p.exitcode == 0
    assert shared and dtype == "int32" and shape == (2, 3)
    assert t.tolist() == [[7] * 3] * 2


@pytest.mark.parametrize("method", METHODS)
def test_tensor_sent_to_child_is_moved_to_shared_memory(method):
    """As in PyTorch, a tensor passed to another process is moved into shared memory first."""
    ctx = mp.get_context(method)
    t = ember.zeros(4)
    done = ctx.Queue()
    p = ctx.Process(target=children.fill, args=(t, 2.5, done))
    p.start()
    assert done.get(timeout=60)[0] == (method == "spawn")
    p.join(60)
    if method == "spawn":   # spawn pickles the arguments: t was moved into shared memory
        assert t.is_shared() and t.tolist() == [2.5] * 4
    else:                   # fork copies the private memory of a tensor that was not shared
        assert t.tolist() == [0.0] * 4


def test_tensors_received_through_a_queue_share_memory_with_the_sender():
    ctx = mp.get_context("spawn")
    queue, received = ctx.Queue(), ctx.Event()
    p = ctx.Process(target=children.send_back, args=(queue, received))
    p.start()
    whole = queue.get(timeout=60)
    column = queue.get(timeout=60)
    received.set()
    p.join(60)
    assert whole.is_shared() and whole.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert column.tolist() == [1, 4]
    whole[1, 1] = 40.0   # the view received separately maps the same pages
    assert column.tolist() == [1, 40]


def test_spawn_runs_every_rank_and_reports_failures():
    t = ember.zeros(3).share_memory_()
    assert mp.spawn(children.add_rank, args=(t,), nprocs=3) is None
    assert t.tolist() == [1.0, 2.0, 3.0]
    context = mp.spawn(children.add_rank, args=(t,), nprocs=2, join=False, start_method="fork")
    while not context.join():
        pass
    assert len(context.pids()) == 2 and t.tolist() == [2.0, 4.0, 3.0]
    with pytest.raises(mp.ProcessRaisedException, match="rank 1 failed on purpose") as info:
        mp.spawn(children.fail, nprocs=2, start_method="fork")
    assert info.value.error_index == 1
    with pytest.raises(ValueError, match="nprocs"):
        mp.spawn(children.fail, nprocs=0)


def test_non_leaf_requiring_grad_is_refused():
    pytest.importorskip("ember.autograd")
    from multiprocessing.reduction import ForkingPickler
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ForkingPickler.dumps(x * 2)
    leaf = pickle.loads(ForkingPickler.dumps(x))
    assert leaf.requires_grad and leaf.is_leaf and leaf.is_shared()


def test_plain_pickle_still_copies():
    t = ember.ones(3).share_memory_()
    back = pickle.loads(pickle.dumps(t))
    back[0] = 5.0
    assert t.tolist() == [1.0, 1.0, 1.0] and not back.is_shared()


def test_hostile_layout_is_refused():
    t = ember.ones(4).share_memory_()
    block, offset = shared_memory.find(t._data)
    root = shared_memory.open_file(os.dup(block.fd), block.size)   # mapped once: the same bytes
    assert root is block.root()
    with pytest.raises(ValueError, match="reaches outside"):
        shared_memory.view(root, block.size - 4, (4,), (4,), np.float32)
    with pytest.raises(ValueError, match="reaches outside"):
        shared_memory.view(root, 4, (2,), (-8,), np.float32)
    with pytest.raises(ValueError, match="invalid shared tensor layout"):
        shared_memory.view(root, 0, (4,), (4, 4), np.float32)
    with pytest.raises(ValueError, match="announced"):
        shared_memory.open_file(os.dup(block.fd), block.size * 2)
    assert shared_memory.view(root, offset, (4,), (4,), np.float32).tolist() == [1.0] * 4


def test_small_tensors_share_a_few_files():
    """A model's many parameters must not use a file descriptor each."""
    tensors = [ember.ones(10).share_memory_() for _ in range(200)]
    blocks = {shared_memory.find(t._data)[0].fd for t in tensors}
    assert len(blocks) <= 2
    big = ember.zeros(300_000).share_memory_()   # 1.2 MB: a file of its own
    assert shared_memory.find(big._data)[0].size < 2 * big.numel() * 4
    from multiprocessing.reduction import ForkingPickler
    a, b = pickle.loads(ForkingPickler.dumps(tensors[:2]))
    assert a.tolist() == b.tolist() == [1.0] * 10


def test_sparse_tensor_crosses_by_shared_values():
    from multiprocessing.reduction import ForkingPickler
    s = ember.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
    back = pickle.loads(ForkingPickler.dumps(s))
    assert back.is_sparse and back.to_dense().tolist() == [[0.0, 1.0], [2.0, 0.0]]
    assert s._values().is_shared() and back._values().is_shared()
    back._values()[0] = 7.0   # same pages (received in this process, so mapped once)
    assert s._values().tolist() == [7.0, 2.0]


def test_forked_child_allocates_apart_from_parent():
    """Parent and forked child both share small tensors after the fork: never the same bytes."""
    first = ember.zeros(4).share_memory_()   # the parent has a region being filled
    ctx = mp.get_context("fork")
    queue, received = ctx.Queue(), ctx.Event()
    p = ctx.Process(target=_mp_fork_alloc.share_new, args=(queue, received))
    p.start()
    from_child = queue.get(timeout=60)
    received.set()
    p.join(60)
    mine = ember.full((4,), 1.0).share_memory_()   # allocated after the child's tensor
    assert from_child.tolist() == [9.0] * 4 and mine.tolist() == [1.0] * 4 and first.tolist() == [0.0] * 4


def test_saving_a_shared_tensor_saves_its_own_bytes():
    import io
    small = ember.ones(10, dtype=ember.uint8).share_memory_()   # packed into a 4 MiB region
    buf = io.BytesIO()
    ember.save({"b": small}, buf)
    assert len(buf.getvalue()) < 4096
    buf.seek(0)
    assert ember.load(buf)["b"].tolist() == [1] * 10


def test_spawn_reports_exit_codes_and_signals():
    with pytest.raises(mp.ProcessExitedException, match="process 0 terminated with exit code 3") as info:
        mp.spawn(children.exit_with, args=(3,), nprocs=1, start_method="fork")
    assert info.value.exit_code == 3 and info.value.error_index == 0
    with pytest.raises(mp.ProcessExitedException, match="terminated with signal SIGTERM") as info:
        mp.spawn(children.exit_with, args=(-15,), nprocs=1, start_method="fork")
    assert info.value.signal_name == "SIGTERM"
