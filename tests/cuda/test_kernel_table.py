"""Which ops of the kernel table run as ``.cu`` kernels on the device, checked by watching the
runtime's launches on the simulated device, with values against NumPy."""

import numpy as np
import pytest

import ember


@pytest.fixture
def launches(sim_cuda):
    """The names of the kernels launched through ``sim_cuda``'s runtime."""
    names = []
    launch = sim_cuda.runtime.launch

    def record(function, args, block, grid, shared=0, stream=None):
        names.append(function.name)
        return launch(function, args, block, grid, shared, stream)

    sim_cuda.runtime.launch = record
    yield names


def test_binary_ops_broadcast_over_strides_on_the_device(launches):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = np.array([1.5, -2.0, 3.0], dtype=np.float32)
    x, y = ember.from_numpy(a).cuda(), ember.from_numpy(b).cuda()
    out = x.t() * y  # (4, 3) non-contiguous times a broadcast row
    np.testing.assert_array_equal(out.cpu().numpy(), a.T * b)
    assert launches == ["binary_mul"]
    np.testing.assert_array_equal((x + 2.5).cpu().numpy(), a + 2.5)
    assert launches[-1] == "binary_add_scalar"


def test_unary_predicates_comparisons_and_where(launches):
    a = np.array([[0.5, -1.0], [np.nan, 4.0]], dtype=np.float64)
    x = ember.from_numpy(a).cuda()
    np.testing.assert_allclose(ember.exp(x).cpu().numpy(), np.exp(a))
    np.testing.assert_array_equal(ember.isnan(x).cpu().numpy(), np.isnan(a))
    mask = x > ember.zeros(2, dtype=ember.float64, device="cuda")
    np.testing.assert_array_equal(mask.cpu().numpy(), a > 0)
    np.testing.assert_array_equal(ember.where(mask, x, -x).cpu().numpy(), np.where(a > 0, a, -a))
    assert launches == ["unary_exp", "unary_isnan", "compare_gt", "unary_neg", "where"]


def test_in_place_ops_write_through_views(launches):
    x = ember.zeros(3, 4, dtype=ember.int32, device="cuda")
    x[:, 1].add_(7)
    expected = np.zeros((3, 4), np.int32)
    expected[:, 1] += 7
    np.testing.assert_array_equal(x.cpu().numpy(), expected)
    assert "binary_add_scalar" in launches


def test_strided_copies_and_casts_run_on_the_device(launches):
    a = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    x = ember.from_numpy(a).cuda()
    np.testing.assert_array_equal(x.t().contiguous().cpu().numpy(), a.T)
    np.testing.assert_array_equal(x.to(ember.int64).cpu().numpy(), a.astype(np.int64))
    assert launches == ["copy_strided", "copy_strided"]


def test_integer_ops_use_the_integer_builds(launches):
    x = ember.arange(4, device="cuda")  # int64
    np.testing.assert_allclose(ember.sqrt(x.double()).cpu().numpy(), np.sqrt(np.arange(4.0)))
    assert (x // 2).tolist() == [0, 0, 1, 1]
    assert "binary_floor_divide_scalar" in launches


def test_reductions_over_any_dims_of_a_view(launches):
    a = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
    x = ember.from_numpy(a).cuda().permute(2, 0, 1)  # (5, 3, 4), non-contiguous
    np.testing.assert_allclose(x.sum((0, 2)).cpu().numpy(), a.transpose(2, 0, 1).sum((0, 2)), rtol=1e-5)
    np.testing.assert_allclose(x.mean(1, keepdim=True).cpu().numpy(), a.transpose(2, 0, 1).mean(1, keepdims=True),
                               rtol=1e-5)
    assert x.amax().item() == a.max() and x.amin(dim=(1,)).shape == (5, 4)
    assert launches == ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min"]


def test_integer_sums_run_on_the_cpu_for_now(launches):
    x = ember.arange(6, dtype=ember.int32, device="cuda")
    total = x.sum()
    assert total.item() == 15 and total.dtype == ember.int64 and total.device == ember.device("cuda:0")
    assert launches == []


def test_matmul_runs_the_tiled_gemm_on_transposed_and_broadcast_operands(launches):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 70, 5)).astype(np.float32)
    b = rng.standard_normal((5, 66)).astype(np.float32)
    x, y = ember.from_numpy(a).cuda(), ember.from_numpy(b).cuda()
    np.testing.assert_allclose((x @ y).cpu().numpy(), a @ b, rtol=1e-5, atol=1e-5)  # b broadcast over the batch
    np.testing.assert_allclose(ember.mm(y.t(), x[1].t()).cpu().numpy(), b.T @ a[1].T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ember.bmm(x, x.transpose(1, 2)).cpu().numpy(), a @ a.transpose(0, 2, 1),
                               rtol=1e-5, atol=1e-5)
    assert launches == ["gemm", "gemm", "gemm"]


@pytest.mark.parametrize("make", [
    lambda p: ember.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda p: ember.optim.Adam(p, lr=0.01, amsgrad=True),
    lambda p: ember.optim.AdamW(p, lr=0.01),
], ids=["sgd", "adam", "adamw"])
def test_optimizer_updates_run_on_the_device(launches, make):
    pytest.importorskip("ember.optim")
    rng = np.random.default_rng(2)
    start, grads = rng.standard_normal((3, 4)), [rng.standard_normal((3, 4)) for _ in range(3)]
    results = []
    for device in ("cpu", "cuda"):
        param = ember.nn.Parameter(ember.from_numpy(start.copy()).to(device))
        optimizer = make([param])
        for g in grads:
            param.grad = ember.from_numpy(g.copy()).to(device)
            optimizer.step()
        results.append(param.detach().cpu().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12, atol=1e-12)
    assert set(launches) & {"sgd_step", "adam_step"} and len(launches) >= 3


def test_softmax_and_log_softmax_along_any_dim(launches):
    a = np.random.default_rng(3).standard_normal((2, 5, 3))
    x = ember.from_numpy(a).cuda()
    e = np.exp(a - a.max(1, keepdims=True))
    np.testing.assert_allclose(ember.softmax(x, 1).cpu().numpy(), e / e.sum(1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(ember.log_softmax(x.transpose(0, 2), 1).cpu().numpy(),
                               np.log(e / e.sum(1, keepdims=True)).transpose(2, 1, 0), rtol=1e-12)
    assert launches.count("softmax_forward") == 2


def test_arg_reductions_variance_and_logsumexp(launches):
    a = np.random.default_rng(4).standard_normal((4, 6))
    x = ember.from_numpy(a).cuda()
    assert x.argmax(1).tolist() == a.argmax(1).tolist() and x.argmin().item() == a.argmin()
    np.testing.assert_allclose(x.var(0).cpu().numpy(), a.var(0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(x.std(1, correction=0).cpu().numpy(), a.std(1), rtol=1e-12)
    np.testing.assert_allclose(ember.logsumexp(x, 1).cpu().numpy(), np.log(np.exp(a).sum(1)), rtol=1e-12)
    assert launches == ["reduce_argmax", "reduce_argmin", "reduce_var", "reduce_var", "reduce_logsumexp"]


def test_scans_along_any_dim_of_a_view(launches):
    a = np.random.default_rng(5).standard_normal((3, 40))
    x = ember.from_numpy(a).cuda()
    np.testing.assert_allclose(x.t().cumsum(0).cpu().numpy(), a.T.cumsum(0), rtol=1e-12)
    np.testing.assert_allclose(x.cumprod(1).cpu().numpy(), a.cumprod(1), rtol=1e-12)
    assert launches == ["scan_cumsum", "scan_cumprod"]


def test_max_pool2d_gives_values_and_pytorch_indices(launches):
    a = np.random.default_rng(6).standard_normal((2, 3, 7, 6)).astype(np.float32)
    out, indices = ember.nn.functional.max_pool2d(ember.from_numpy(a).cuda(), 3, stride=2, padding=1,
                                                  return_indices=True)
    cpu_out, cpu_indices = ember.nn.functional.max_pool2d(ember.from_numpy(a), 3, stride=2, padding=1,
                                                          return_indices=True)
    np.testing.assert_array_equal(out.cpu().numpy(), cpu_out.numpy())
    np.testing.assert_array_equal(indices.cpu().numpy(), cpu_indices.numpy())
    assert "max_pool2d_forward" in launches
