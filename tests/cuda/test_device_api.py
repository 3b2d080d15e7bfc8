"""``ember.cuda`` and CUDA tensors as in PyTorch, on ember-cuda's backend with the CPU simulator
standing in for two GPUs (the ``sim_cuda`` fixture): only the driver calls differ on a GPU."""

import numpy as np
import pytest

import ember
import ember.cuda
from ember_cuda.device_array import DeviceArray


def test_devices(sim_cuda):
    assert ember.cuda.is_available() and ember.cuda.device_count() == 2 and ember.cuda.is_initialized()
    assert ember.cuda.get_device_name(1) == "ember CUDA simulator (CPU executor), device 1"
    assert ember.cuda.current_device() == 0
    with ember.cuda.device(1):
        assert ember.cuda.current_device() == 1 and ember.zeros(2, device="cuda").device == "cuda:1"
    ember.cuda.set_device("cuda:1")
    assert ember.ones(1).cuda().device == "cuda:1"
    ember.cuda.set_device(0)
    with pytest.raises(RuntimeError, match="out of range"):
        ember.cuda.set_device(2)
    ember.cuda.synchronize()
    ember.cuda.synchronize(1)
    free, total = ember.cuda.mem_get_info()
    assert total == 4 << 30 and free <= total


def test_tensors_move_to_devices_and_back(sim_cuda):
    x = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    g = x.cuda()
    assert g.device == "cuda:0" and g.is_cuda and isinstance(g._data, DeviceArray)
    h = g.to("cuda:1")
    assert h.device == "cuda:1" and h._data.device == 1
    np.testing.assert_array_equal(h.cpu().numpy(), x.numpy())
    assert ember.ones(2).cuda(1).device == "cuda:1"
    assert ember.tensor([1, 2], device="cuda").tolist() == [1, 2]
    assert g.to("cuda:0", non_blocking=True) is g and x.to("cuda", non_blocking=True).device == "cuda:0"
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        g + h


def test_views_share_device_memory(sim_cuda):
    g = ember.arange(12, dtype=ember.float32).reshape(3, 4).cuda()
    t = g.t()
    assert t._data.block is g._data.block and t.stride() == (1, 4) and not t.is_contiguous()
    assert g[:, 1:3].stride() == (4, 1) and g[0].expand(2, 4).stride() == (0, 1)  # PyTorch's strides
    row = g[1]
    row.add_(100)  # in place through a view: the device memory of g changes
    col = g[:, 2]
    col.mul_(-1)
    expected = np.arange(12, dtype=np.float32).reshape(3, 4)
    expected[1] += 100
    expected[:, 2] *= -1
    np.testing.assert_array_equal(g.cpu().numpy(), expected)
    np.testing.assert_array_equal(t.cpu().numpy(), expected.T)
    np.testing.assert_array_equal(g.reshape(4, 3).cpu().numpy(), expected.reshape(4, 3))
    np.testing.assert_array_equal(t.reshape(12).cpu().numpy(), expected.T.reshape(12))  # a copy: no view exists
    np.testing.assert_array_equal(g.unsqueeze(0).expand(2, 3, 4).contiguous().cpu().numpy(),
                                  np.broadcast_to(expected, (2, 3, 4)))


def test_memory_statistics_follow_tensors(sim_cuda):
    ember.cuda.empty_cache()
    ember.cuda.reset_peak_memory_stats()
    base = ember.cuda.memory_allocated()
    x = ember.zeros(1000, device="cuda")  # 4000 bytes, rounded to 4096
    assert ember.cuda.memory_allocated() == base + 4096
    assert ember.cuda.max_memory_allocated() >= base + 4096
    assert ember.cuda.memory_reserved() >= base + 4096
    del x
    assert ember.cuda.memory_allocated() == base
    assert ember.cuda.memory_reserved() >= 4096  # cached
    ember.cuda.empty_cache()
    assert ember.cuda.memory_reserved() == base
    assert ember.cuda.memory_stats()["allocated_bytes.all.current"] == base
    assert ember.cuda.memory_allocated(1) == 0


def test_out_of_memory_is_ember_cuda_out_of_memory_error(sim_cuda):
    sim_cuda.runtime.memory = 1 << 20  # a 1 MiB device
    with pytest.raises(ember.cuda.OutOfMemoryError, match=r"Tried to allocate 2\.00 MiB on cuda:0, which has a total "
                                                          r"capacity of 1\.00 MiB"):
        ember.empty(1 << 19, device="cuda")


def test_streams_and_events(sim_cuda):
    s = ember.cuda.Stream()
    assert s.device == ember.device("cuda:0") and s.query()
    assert ember.cuda.current_stream() == ember.cuda.default_stream()
    with ember.cuda.stream(s):
        assert ember.cuda.current_stream() == s
        y = ember.ones(3, device="cuda") * 2
    assert ember.cuda.current_stream() != s
    s.synchronize()
    assert y.tolist() == [2.0, 2.0, 2.0]
    start, end = ember.cuda.Event(enable_timing=True), ember.cuda.Event(enable_timing=True)
    start.record()
    ember.ones(100, device="cuda").sum()
    end.record(s)
    end.synchronize()
    assert end.query() and start.elapsed_time(end) >= 0.0
    s.wait_event(end)
    s.wait_stream(ember.cuda.current_stream())
    with pytest.raises(RuntimeError, match="enable_timing=True"):
        ember.cuda.Event().elapsed_time(end)
    with pytest.raises(RuntimeError, match="must be recorded"):
        ember.cuda.Event(enable_timing=True).elapsed_time(end)
    assert ember.cuda.Event().query()


def test_seeding_reaches_the_devices(sim_cuda):
    other = sim_cuda.seeds[1]  # seeded with ember's seed when it registered
    ember.cuda.manual_seed(7)
    assert sim_cuda.seeds == [7, other]
    ember.cuda.manual_seed_all(9)
    assert sim_cuda.seeds == [9, 9]


def test_pin_memory_copies_into_host_memory(sim_cuda):
    host = np.arange(6, dtype=np.float64).reshape(2, 3)
    pinned = sim_cuda.pin_memory(host)
    assert pinned is not host and not np.shares_memory(pinned, host)
    np.testing.assert_array_equal(pinned, host)


def test_dataloader_pins_batches_for_the_device(sim_cuda):
    data = pytest.importorskip("ember.utils.data")
    dataset = data.TensorDataset(ember.arange(8, dtype=ember.float32).reshape(4, 2))
    batches = [b.cuda(non_blocking=True) for (b,) in data.DataLoader(dataset, batch_size=2, pin_memory=True)]
    assert [b.device for b in batches] == ["cuda:0", "cuda:0"]
    assert batches[1].tolist() == [[4.0, 5.0], [6.0, 7.0]]


def test_a_training_loop_ported_from_pytorch_runs_on_cuda_as_on_the_cpu(sim_cuda):
    nn = pytest.importorskip("ember.nn")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 6)).astype(np.float32), rng.integers(0, 3, 32)
    losses = {}
    for device in ("cpu", "cuda"):
        ember.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3)).to(device)
        optimizer = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        inputs, targets = ember.from_numpy(x).to(device), ember.from_numpy(y).to(device)
        losses[device] = []
        for _ in range(5):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            losses[device].append(loss.item())
        assert all(p.device == ember.device(device if device == "cpu" else "cuda:0") for p in model.parameters())
    np.testing.assert_allclose(losses["cuda"], losses["cpu"], rtol=1e-5)
    assert losses["cuda"][-1] < losses["cuda"][0]
