"""The runtime interface on the CPU simulator, and the caching allocator over it."""

import numpy as np
import pytest

import ember.cuda
from ember_cuda.memory import CachingAllocator
from ember_cuda.runtime import RuntimeOutOfMemory, SimRuntime
from ember_cuda.runtime.sim import ALIGNMENT


def test_sim_memory_round_trip_memset_and_device_copy():
    rt = SimRuntime(devices=1, memory=1 << 20)
    a, b = rt.allocate(0, 64), rt.allocate(0, 64)
    assert a % ALIGNMENT == 0 and b % ALIGNMENT == 0
    rt.copy_to_device(0, a, np.arange(16, dtype=np.float32))
    rt.copy_device(0, b, a + 16, 48)  # pointer arithmetic: from the fifth float on
    rt.memset(0, b + 48, 0, 16)
    out = np.empty(16, np.float32)
    rt.copy_to_host(0, out, b)
    np.testing.assert_array_equal(out, [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0])
    assert rt.mem_get_info(0) == ((1 << 20) - 128, 1 << 20)
    rt.free(0, a)
    assert rt.mem_get_info(0)[0] == (1 << 20) - 64


def test_sim_refuses_access_outside_an_allocation():
    rt = SimRuntime(devices=1, memory=1 << 20)
    a = rt.allocate(0, 32)
    with pytest.raises(RuntimeError, match="run past the end of a 32-byte allocation"):
        rt.copy_to_device(0, a + 16, np.zeros(8, np.float32))
    rt.free(0, a)
    with pytest.raises(RuntimeError, match="is not in device memory"):
        rt.copy_to_host(0, np.empty(1, np.uint8), a - 4096)


def test_sim_capacity_is_enforced():
    rt = SimRuntime(devices=2, memory=1000)
    rt.allocate(1, 600)
    with pytest.raises(RuntimeOutOfMemory, match="device 1 has 400 of 1000 bytes free"):
        rt.allocate(1, 600)
    rt.allocate(0, 600)  # each device has its own memory


def test_sim_events_time_host_work():
    rt = SimRuntime(devices=1)
    start, end = rt.create_event(0, True), rt.create_event(0, True)
    rt.event_record(start, None)
    sum(range(10000))
    rt.event_record(end, None)
    assert rt.event_elapsed_ms(start, end) > 0 and rt.event_query(end) and rt.stream_query(rt.create_stream(0))


def test_allocator_reuses_freed_blocks_and_keeps_pytorch_statistics():
    rt = SimRuntime(devices=1, memory=64 << 20)
    alloc = CachingAllocator(rt, 0, "cudasim:0")
    block = alloc.malloc(1000)
    assert block.size == 1024 and alloc.allocated == 1024 and alloc.reserved == 1024
    ptr = block.ptr
    del block
    assert alloc.allocated == 0 and alloc.reserved == 1024  # cached, not returned to the device
    again = alloc.malloc(600)  # rounds to 1024: the cached block
    assert again.ptr == ptr and alloc.reserved == 1024
    big = alloc.malloc(3 << 20)
    assert big.size == 3 << 20 and alloc.peak_allocated == 1024 + (3 << 20)
    del big
    reused = alloc.malloc((3 << 20) - 100_000)  # a cached large block that wastes under a quarter
    assert reused.size == 3 << 20 and alloc.reserved == 1024 + (3 << 20)
    del reused, again
    alloc.reset_peak_stats()
    assert alloc.peak_allocated == 0 and alloc.peak_reserved == 1024 + (3 << 20)
    alloc.empty_cache()
    assert alloc.reserved == 0 and rt.mem_get_info(0)[0] == 64 << 20
    stats = alloc.stats()
    assert stats["allocation.all.allocated"] == 4 and stats["num_ooms"] == 0


def test_allocator_small_blocks_are_not_served_by_larger_ones():
    alloc = CachingAllocator(SimRuntime(devices=1), 0, "cudasim:0")
    block = alloc.malloc(2048)
    del block
    assert alloc.malloc(512).size == 512 and alloc.reserved == 2048 + 512


def test_allocator_releases_its_cache_before_giving_up():
    rt = SimRuntime(devices=1, memory=4 << 20)
    alloc = CachingAllocator(rt, 0, "cudasim:0")
    block = alloc.malloc(3 << 20)
    del block  # cached: the device has 1 MiB free
    fresh = alloc.malloc(2 << 20)  # does not fit beside the cache: the cache goes, then it fits
    assert fresh.size == 2 << 20 and alloc.reserved == 2 << 20
    assert alloc.stats()["num_alloc_retries"] == 1


def test_out_of_memory_names_the_request_and_the_pool():
    rt = SimRuntime(devices=1, memory=4 << 20)
    alloc = CachingAllocator(rt, 0, "cudasim:0")
    held = alloc.malloc(3 << 20)
    with pytest.raises(ember.cuda.OutOfMemoryError) as err:
        alloc.malloc(2 << 20)
    message = str(err.value)
    assert message.startswith("CUDA out of memory. Tried to allocate 2.00 MiB on cudasim:0, which has a total "
                              "capacity of 4.00 MiB, of which 1.00 MiB is free. 3.00 MiB is allocated by tensors and "
                              "0 bytes is reserved by ember's caching allocator but unallocated")
    assert isinstance(err.value, RuntimeError) and alloc.stats()["num_ooms"] == 1
    assert held.size == 3 << 20


def test_zero_bytes_hold_no_memory():
    alloc = CachingAllocator(SimRuntime(devices=1), 0, "cudasim:0")
    block = alloc.malloc(0)
    assert block.size == 0 and alloc.allocated == 0 and alloc.reserved == 0
