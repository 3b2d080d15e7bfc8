"""The worker channel: arrays travel as shared memory, pickles stay small, regions are recycled."""

import fcntl
import gc
import struct
import termios

import numpy as np
import pytest

import ember
from ember.utils.data import batch_memory, channel
from ember.utils.data.channel import Channel, ChannelClosed


@pytest.fixture
def pair():
    main_end, worker_end = channel.channel_pair()
    worker = Channel(worker_end, batch_memory.Arena(recycle=True))
    main = Channel(main_end)
    yield main, worker
    main.close()
    worker.close()


def test_round_trip_of_nested_data(pair):
    main, worker = pair
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    msg = {"a": arr, "view": arr[:, ::2], "t": ember.from_numpy(arr[1]), "s": "text", "n": [1, 2.5, None],
           "empty": np.zeros((0, 3), np.int16), "b": np.array([True, False])}
    worker.send(msg)
    got = main.recv()
    np.testing.assert_array_equal(got["a"], arr)
    np.testing.assert_array_equal(got["view"], arr[:, ::2])
    assert isinstance(got["t"], ember.Tensor) and got["t"].numpy().tolist() == [4, 5, 6, 7]
    assert got["s"] == "text" and got["n"] == [1, 2.5, None]
    assert got["empty"].shape == (0, 3) and got["empty"].dtype == np.int16
    assert got["b"].dtype == np.bool_ and got["b"].tolist() == [True, False]


def pending_bytes(sock):
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]


def test_array_bytes_are_not_pickled(pair):
    main, worker = pair
    big = np.ones((512, 1024), np.float32)          # 2 MiB
    worker.send(("batch", big))
    assert pending_bytes(main.sock) < 1024          # only a small header and pickle go through the socket
    got = main.recv()
    assert got[1].shape == big.shape and float(got[1].sum()) == big.size


def test_large_pickles_spill_into_shared_memory(pair):
    main, worker = pair
    names = [f"file-{i:06d}.jpg" for i in range(5000)]   # ~100 KB of pickle
    worker.send(names)
    assert main.recv() == names


def test_arrays_allocated_in_the_arena_are_sent_in_place(pair):
    main, worker = pair
    batch_memory.use_shared_memory(worker.arena)
    try:
        out = batch_memory.empty((4, 4), np.float64)
    finally:
        batch_memory.use_shared_memory(None)
    out[...] = 7.0
    region = worker.arena.current[0]
    worker.send(out)
    got = main.recv()
    # the main process sees the very pages the worker wrote: a write through the worker's
    # mapping (only for this test; a worker never touches a sent region) shows up in the batch
    np.ndarray((4, 4), np.float64, buffer=region.mm)[0, 0] = -1.0
    assert got[0, 0] == -1.0 and got[1, 1] == 7.0


def test_regions_are_recycled_once_the_main_process_drops_the_batch(pair):
    main, worker = pair
    worker.send(np.ones(1000))
    first = main.recv()
    slot = next(iter(worker.arena.in_use))
    assert worker.arena.free == []
    del first
    gc.collect()
    main.send(("task", 1))                    # releases piggyback on the next message to the worker
    assert worker.recv() == ("task", 1)
    assert worker.arena.in_use == {} and [r.slot for r in worker.arena.free] == [slot]
    worker.send(np.full(1000, 2.0))
    second = main.recv()
    assert worker.arena.in_use.keys() == {slot} and float(second.sum()) == 2000.0


def test_regions_stay_reserved_while_any_view_is_alive(pair):
    main, worker = pair
    worker.send(np.arange(10.0))
    got = main.recv()
    view = got[2:4]
    del got
    gc.collect()
    main.send("ping")
    worker.recv()
    assert len(worker.arena.in_use) == 1 and view.tolist() == [2.0, 3.0]
    del view
    gc.collect()
    main.send("ping")
    worker.recv()
    assert worker.arena.in_use == {}


def test_free_regions_are_bounded(pair):
    main, worker = pair
    held = []
    for _ in range(batch_memory.KEEP_FREE + 3):
        worker.send(np.ones(10))
        held.append(main.recv())
    del held
    gc.collect()
    main.send("ping")
    worker.recv()
    assert len(worker.arena.free) == batch_memory.KEEP_FREE


def test_closed_peer(pair):
    main, worker = pair
    worker.close()
    with pytest.raises(ChannelClosed):
        main.recv()
    with pytest.raises(ChannelClosed):
        main.send("x")
