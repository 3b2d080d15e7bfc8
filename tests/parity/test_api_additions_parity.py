"""The Tensor methods and top-level functions added for API coverage, against torch 2.13: values, dtypes,
shapes, gradients (where torch has them) and error types, from one table run on both frameworks."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
SQ = RNG.standard_normal((4, 4))
POS = np.abs(RNG.standard_normal((3, 4))) + 1.5
UNIT = np.tanh(RNG.standard_normal((3, 4))) * 0.9
INTS = np.array([12, -18, 0, 7, 9])
INTS2 = np.array([8, 12, 0, 0, 6])
VOL = RNG.standard_normal((2, 3, 4, 5))


LEAVES = []   # the tensors T() made with requires_grad, in order, for the gradient comparison


def T(m, a, grad=False, dtype=None):
    t = m.tensor(a, dtype=dtype)
    if grad:
        t.requires_grad_(True)
        LEAVES.append(t)
    return t


# name -> f(m, g) where m is the framework, g says whether float inputs require grad; returns a tensor or tuple
CASES = {
    "asinh": lambda m, g: T(m, A * 10, g).asinh(),
    "acosh": lambda m, g: m.acosh(T(m, POS, g)),
    "atanh": lambda m, g: T(m, UNIT, g).arctanh(),
    "asinh_": lambda m, g: T(m, A).asinh_(),
    "arccosh_": lambda m, g: T(m, POS).arccosh_(),
    "arctan2": lambda m, g: T(m, A, g).arctan2(T(m, SQ[:3], g)),
    "copysign": lambda m, g: m.copysign(T(m, A, g), T(m, -SQ[:3])),
    "hypot": lambda m, g: m.hypot(T(m, A, g), T(m, SQ[:3], g)),
    "ldexp": lambda m, g: m.ldexp(T(m, A, g), m.tensor([1.0, 2.0, -1.0, 0.0])),
    "frexp": lambda m, g: m.frexp(T(m, A * 100)),
    "logaddexp2": lambda m, g: m.logaddexp2(T(m, A, g), T(m, SQ[:3], g)),
    "heaviside": lambda m, g: m.heaviside(T(m, np.array([-1.0, 0.0, 2.0])), T(m, np.array([0.5]))),
    "signbit": lambda m, g: m.signbit(T(m, np.array([-0.0, 0.0, -1.0, 2.0]))),
    "nextafter": lambda m, g: m.nextafter(T(m, A), T(m, SQ[:3])),
    "angle": lambda m, g: m.angle(T(m, np.array([-1.0, 0.0, 2.0, np.nan]))),
    "gcd": lambda m, g: m.gcd(m.tensor(INTS), m.tensor(INTS2)),
    "lcm": lambda m, g: m.lcm(m.tensor(INTS), m.tensor(INTS2)),
    "diag": lambda m, g: m.diag(T(m, A[0], g), 1),
    "diag-2d": lambda m, g: T(m, A, g).diag(-1),
    "diagonal": lambda m, g: T(m, VOL, g).diagonal(1, 1, 3),
    "diag_embed": lambda m, g: m.diag_embed(T(m, A, g), -1, 0, 2),
    "diagflat": lambda m, g: m.diagflat(T(m, A[:2, :2], g), 1),
    "diagonal_scatter": lambda m, g: m.diagonal_scatter(T(m, SQ, g), T(m, A[0, :3], g), 1),
    "select_scatter": lambda m, g: m.select_scatter(T(m, A, g), T(m, A[0], g), 0, -1),
    "slice_scatter": lambda m, g: m.slice_scatter(T(m, A, g), T(m, A[:, :2], g), 1, 1, None, 2),
    "fill_diagonal_": lambda m, g: m.zeros(7, 3).fill_diagonal_(5.0, wrap=True),
    "block_diag": lambda m, g: m.block_diag(T(m, A[:2, :2], g), T(m, A[0], g), m.tensor(3.0)),
    "tril_indices": lambda m, g: m.tril_indices(4, 3, -1),
    "triu_indices": lambda m, g: m.triu_indices(3, 5, 1),
    "H": lambda m, g: T(m, A, g).H,
    "mH": lambda m, g: T(m, VOL, g).mH,
    "adjoint": lambda m, g: T(m, VOL, g).adjoint(),
    "broadcast_to": lambda m, g: T(m, A[0], g).broadcast_to((2, 4)),
    "broadcast_tensors": lambda m, g: m.broadcast_tensors(T(m, A[:, :1], g), T(m, A[0], g)),
    "sum_to_size": lambda m, g: T(m, A, g).sum_to_size(1, 4),
    "tensor_split": lambda m, g: m.tensor_split(T(m, np.arange(10.0), g), [2, 5, 20]),
    "tensor_split-n": lambda m, g: T(m, A, g).tensor_split(3, dim=1),
    "hsplit": lambda m, g: m.hsplit(T(m, A, g), 2),
    "vsplit": lambda m, g: m.vsplit(T(m, VOL, g), [1]),
    "dsplit": lambda m, g: m.dsplit(T(m, VOL, g), [1, 3]),
    "split_with_sizes": lambda m, g: T(m, A, g).split_with_sizes([1, 3], 1),
    "unsafe_chunk": lambda m, g: m.unsafe_chunk(T(m, A, g), 2, 1),
    "select": lambda m, g: m.select(T(m, VOL, g), 2, -2),
    "narrow_copy": lambda m, g: T(m, A, g).narrow_copy(1, 1, 2),
    "ravel": lambda m, g: T(m, VOL, g).ravel(),
    "rot90": lambda m, g: m.rot90(T(m, VOL, g), 3, (1, 3)),
    "column_stack": lambda m, g: m.column_stack([T(m, A[0], g), T(m, SQ, g)]),
    "row_stack": lambda m, g: m.row_stack([T(m, A[0], g), T(m, A, g)]),
    "unfold": lambda m, g: T(m, VOL, g).unfold(3, 2, 2),
    "t_": lambda m, g: T(m, A).t_(),
    "squeeze_": lambda m, g: T(m, A[:1]).squeeze_(0),
    "unsqueeze_": lambda m, g: T(m, A).unsqueeze_(1),
    "swapaxes_": lambda m, g: T(m, VOL).swapaxes_(0, 2),
    "cov": lambda m, g: m.cov(T(m, A, g), correction=0, fweights=m.tensor([1, 2, 1, 3]),
                              aweights=T(m, POS[0])),
    "corrcoef": lambda m, g: m.corrcoef(T(m, A, g)),
    "quantile": lambda m, g: m.quantile(T(m, A, g), m.tensor([0.1, 0.5, 0.95], dtype=m.float64), dim=1,
                                        keepdim=True),
    "quantile-nearest": lambda m, g: T(m, A, g).quantile(0.4, interpolation="nearest"),
    "quantile-midpoint": lambda m, g: T(m, A, g).quantile(0.3, dim=0, interpolation="midpoint"),
    "nanquantile": lambda m, g: m.nanquantile(T(m, np.where(A > 1, np.nan, A)), 0.5, dim=1),
    "quantile-nan": lambda m, g: m.quantile(T(m, np.where(A > 1, np.nan, A)), 0.5, dim=1),
    "dist": lambda m, g: m.dist(T(m, A, g), T(m, SQ[:3], g), 3),
    "renorm": lambda m, g: T(m, A, g).renorm(2, 0, 1.5),
    "cdist": lambda m, g: m.cdist(T(m, A, g), T(m, SQ, g), p=1.0),
    "diff": lambda m, g: m.diff(T(m, A, g), 2, dim=1, prepend=T(m, A[:, :1])),
    "diff-bool": lambda m, g: m.diff(m.tensor([True, False, False, True])),
    "trapezoid": lambda m, g: m.trapezoid(T(m, A, g), T(m, np.array([0.0, 0.5, 2.0, 3.0]))),
    "trapz": lambda m, g: m.trapz(T(m, A, g), dx=0.5, dim=0),
    "cumulative_trapezoid": lambda m, g: m.cumulative_trapezoid(T(m, A, g), dim=1),
    "cummax": lambda m, g: m.cummax(T(m, np.array([[1.0, 3.0, 3.0, 2.0, 5.0], [2.0, np.nan, 1.0, 4.0, 0.0]]), g), 1),
    "cummin": lambda m, g: T(m, A, g).cummin(0),
    "logcumsumexp": lambda m, g: T(m, A * 30, g).logcumsumexp(1),
    "searchsorted": lambda m, g: m.searchsorted(m.tensor([[1, 3, 5, 7], [2, 4, 6, 8]]), m.tensor([[3, 6], [1, 9]]),
                                                right=True),
    "bucketize": lambda m, g: m.bucketize(T(m, A), m.tensor([-1.0, 0.0, 1.0]), out_int32=True),
    "isin": lambda m, g: m.isin(m.tensor(INTS), m.tensor([0, 7, 9]), invert=True),
    "bincount": lambda m, g: m.bincount(m.tensor([0, 1, 1, 4]), minlength=7),
    "bincount-weights": lambda m, g: m.tensor([0, 1, 1, 4]).bincount(T(m, np.array([0.5, 1.0, 2.0, 3.0]))),
    "histc": lambda m, g: m.histc(T(m, A), bins=5, min=-1, max=1),
    "histogram": lambda m, g: m.histogram(T(m, A), 4),
    "meshgrid": lambda m, g: m.meshgrid(T(m, A[0], g), T(m, A[1, :3], g), indexing="xy"),
    "cartesian_prod": lambda m, g: m.cartesian_prod(T(m, A[0, :2], g), T(m, A[1, :3], g)),
    "combinations": lambda m, g: m.combinations(T(m, A[0], g), 3, with_replacement=True),
    "vander": lambda m, g: m.vander(T(m, A[0], g), 3),
    "unravel_index": lambda m, g: m.unravel_index(m.tensor([4, 7, -1]), (2, 2, 3)),
    "logspace": lambda m, g: m.logspace(-1, 2, 5, base=2.0),
    "hann_window": lambda m, g: m.hann_window(6),
    "hamming_window": lambda m, g: m.hamming_window(5, periodic=False),
    "blackman_window": lambda m, g: m.blackman_window(7, dtype=m.float64),
    "bartlett_window": lambda m, g: m.bartlett_window(6),
    "kaiser_window": lambda m, g: m.kaiser_window(6, True, 5.0),
    "addmm_": lambda m, g: T(m, SQ[:3, :3]).addmm_(T(m, A), T(m, SQ[:, :3]), beta=0.5, alpha=2),
    "addmv_": lambda m, g: T(m, A[:, 0]).addmv_(T(m, A), T(m, SQ[0])),
    "addr_": lambda m, g: T(m, A).addr_(T(m, A[:, 0]), T(m, SQ[0])),
    "addbmm_": lambda m, g: T(m, SQ).addbmm_(T(m, VOL[0]), T(m, VOL[1].transpose(0, 2, 1)), alpha=0.5),
    "baddbmm_": lambda m, g: T(m, np.stack([SQ] * 3)).baddbmm_(T(m, VOL[0]), T(m, VOL[1].transpose(0, 2, 1)), beta=2),
    "geqrf": lambda m, g: m.geqrf(T(m, A.T)),
    "orgqr": lambda m, g: m.orgqr(*m.geqrf(T(m, A.T))),
    "ormqr": lambda m, g: m.ormqr(*m.geqrf(T(m, SQ)), T(m, A.T), left=True, transpose=True),
    "triangular_solve": lambda m, g: m.triangular_solve(T(m, A.T, g), T(m, np.triu(SQ) + 4 * np.eye(4), g),
                                                        upper=True, transpose=True),
    "lu_solve": lambda m, g: T(m, A.T).lu_solve(*m.linalg.lu_factor(T(m, SQ + 4 * np.eye(4)))),
    "index_reduce": lambda m, g: T(m, A, g).index_reduce(0, m.tensor([0, 2, 0]), T(m, SQ[:3], g), "amax",
                                                          include_self=False),
    "index_reduce-mean": lambda m, g: T(m, A, g).index_reduce(1, m.tensor([3, 3]), T(m, SQ[:3, :2], g), "mean"),
    "masked_scatter": lambda m, g: T(m, A, g).masked_scatter(m.tensor(A[0] > 0), T(m, SQ, g)),
    "put": lambda m, g: m.put(T(m, A, g), m.tensor([0, -1, 5]), T(m, A[0, :3], g)),
    "put_-accumulate": lambda m, g: T(m, A).put_(m.tensor([0, 0, 5]), T(m, A[0, :3]), accumulate=True),
    "nonzero_static": lambda m, g: m.nonzero_static(m.tensor(A > 0.5), size=4, fill_value=-7),
    "hardshrink": lambda m, g: T(m, A, g).hardshrink(0.7),
    "prelu": lambda m, g: T(m, VOL, g).prelu(T(m, np.array([0.1, 0.2, 0.3]), g)),
    "isreal": lambda m, g: m.isreal(T(m, A)),
    "rsub": lambda m, g: m.rsub(T(m, A, g), 2.0, alpha=3),
    "frobenius_norm": lambda m, g: m.frobenius_norm(T(m, VOL, g), (1, 3)),
    "nuclear_norm": lambda m, g: m.nuclear_norm(T(m, A, g)),
    "fill": lambda m, g: m.fill(T(m, A), 2.5),
    "sspaddmm-free clone": lambda m, g: m.clone(T(m, A, g)),
    "empty_permuted": lambda m, g: m.empty_permuted((2, 3, 4), (0, 2, 1)).fill_(1.0),
    "resize_": lambda m, g: T(m, np.arange(6.0)).resize_(2, 2),
    "new": lambda m, g: T(m, A).new([1, 2]),
    "apply_": lambda m, g: T(m, A).apply_(lambda v: v * v + 1),
    "as_strided": lambda m, g: m.as_strided(T(m, A, g), (3, 2), (1, 3), 2),
    "as_strided-overlap": lambda m, g: T(m, A, g).as_strided((4, 3), (2, 1)),
    "as_strided_scatter": lambda m, g: m.as_strided_scatter(T(m, A, g), T(m, SQ[:2, :2], g), (2, 2), (4, 1), 1),
    "gradient": lambda m, g: m.gradient(T(m, A, g), spacing=2.0, edge_order=2),
    "gradient-coordinates": lambda m, g: m.gradient(T(m, A, g), spacing=[T(m, np.array([0.0, 0.5, 2.0, 2.5]))],
                                                    dim=1),
    "lstm_cell": lambda m, g: m.lstm_cell(T(m, A, g), (T(m, SQ[:3, :2], g), T(m, SQ[1:, 2:], g)),
                                          T(m, VOL[0, :, :, :4].reshape(-1, 4)[:8], g), T(m, SQ[:, :2].repeat(2, 0), g),
                                          T(m, A.reshape(-1)[:8], g), T(m, SQ.reshape(-1)[:8], g)),
    "gru_cell": lambda m, g: m.gru_cell(T(m, A, g), T(m, SQ[:3, :2], g), T(m, VOL[1, :, :2, :4].reshape(-1, 4), g),
                                        T(m, np.vstack([SQ[:, :2], SQ[:2, 2:]]), g)),
    "rnn_tanh_cell": lambda m, g: m.rnn_tanh_cell(T(m, A, g), T(m, SQ[:3, :2], g), T(m, SQ[:2], g),
                                                  T(m, SQ[:2, :2], g), T(m, A[0, :2], g), T(m, A[1, :2], g)),
    "rnn_relu_cell": lambda m, g: m.rnn_relu_cell(T(m, A, g), T(m, SQ[:3, :2], g), T(m, SQ[:2], g),
                                                  T(m, SQ[:2, :2], g)),
    "map_": lambda m, g: T(m, A).map_(T(m, A[0]), lambda a, b: a - 2 * b),
}

NO_GRAD_IN_TORCH = {"frexp", "heaviside", "signbit", "nextafter", "gcd", "lcm", "fill_diagonal_", "tril_indices",
                    "triu_indices", "searchsorted", "bucketize", "isin", "bincount", "bincount-weights", "histc",
                    "histogram", "unravel_index", "logspace", "hann_window", "hamming_window", "blackman_window",
                    "bartlett_window", "kaiser_window", "vander", "nonzero_static", "isreal", "fill", "empty_permuted",
                    "as_strided_scatter",  # torch 2.13 misroutes its input gradient; gradcheck covers ours
                    "resize_", "new", "apply_", "map_", "diff-bool", "geqrf", "orgqr", "ormqr"}


def _flatten(out):
    if isinstance(out, (tuple, list)):
        items = []
        for o in out:
            items.extend(_flatten(o))
        return items
    return [out]


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    grad = name not in NO_GRAD_IN_TORCH
    theirs = _flatten(CASES[name](torch, grad))
    ours = _flatten(CASES[name](ember, grad))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        if not isinstance(t, torch.Tensor):
            assert o == t
            continue
        assert tuple(o.shape) == tuple(t.shape), name
        assert o.dtype.name == str(t.dtype).replace("torch.", ""), (name, o.dtype, t.dtype)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-9, equal_nan=True)
    if grad:   # the same gradient of a weighted sum with respect to every leaf that requires grad
        w = [np.random.default_rng(3).standard_normal(tuple(t.shape)) for t in theirs]
        sums = []
        for m in (torch, ember):
            LEAVES.clear()
            outs = _flatten(CASES[name](m, True))
            total = sum((x * m.tensor(wi)).sum() for x, wi in zip(outs, w) if x.dtype.is_floating_point)
            sums.append((total, list(LEAVES)))
        (t_sum, t_leaves), (e_sum, e_leaves) = sums
        if not t_leaves:
            return
        tg = torch.autograd.grad(t_sum, t_leaves, allow_unused=True)
        eg = ember.autograd.grad(e_sum, e_leaves, allow_unused=True)
        for a, b in zip(eg, tg):
            if b is None or a is None:
                assert (a is None or not a.numpy().any()) and (b is None or not b.numpy().any()), name
                continue
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("call", [
    lambda m: m.diagonal(m.ones(2, 2), 0, 1, 1),
    lambda m: m.diag(m.ones(2, 2, 2)),
    lambda m: m.tensor_split(m.tensor(1.0), 2),
    lambda m: m.hsplit(m.ones(3, 4), 3),
    lambda m: m.select(m.ones(2, 3), 1, 3),
    lambda m: m.quantile(m.ones(3), 1.5),
    lambda m: m.quantile(m.ones(3, dtype=m.int64), 0.5),
    lambda m: m.cov(m.ones(2, 2, 2)),
    lambda m: m.bincount(m.tensor([-1, 2])),
    lambda m: m.gcd(m.ones(2), m.ones(2)),
    lambda m: m.frexp(m.tensor([1, 2])),
    lambda m: m.ones(2, 3).sum_to_size(2, 2),
    lambda m: m.rot90(m.ones(2, 2), 1, (0, 0)),
    lambda m: m.put(m.ones(3), m.tensor([3]), m.ones(1)),
    lambda m: m.ones(2).index_reduce(0, m.tensor([0]), m.ones(1), "sum"),
    lambda m: m.combinations(m.ones(2, 2)),
    lambda m: m.is_nonzero(m.ones(2)),
    lambda m: m.searchsorted(m.tensor([1, 2]), m.tensor(1), side="middle"),
    lambda m: m.block_diag(m.ones(1, 1, 1)),
    lambda m: m.ones(3).unfold(0, 4, 1),
])
def test_errors_have_torch_types(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(ember)
    assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)


def test_queries_and_info():
    for m in (torch, ember):
        x = m.ones(3, 4)
        assert not x.is_complex() and x.is_signed() and not m.ones(2, dtype=m.uint8).is_signed()
        assert x.is_same_size(m.zeros(3, 4)) and not x.is_neg() and x.resolve_neg() is x
        assert x.nbytes == 48 and x.itemsize == 4 and x.storage_offset() == 0 and x[1:].storage_offset() == 4
        assert x.dense_dim() == 2 and x.sparse_dim() == 0 and x.dim_order() == (0, 1)
        assert x.ndimension() == 2 and not x.is_pinned() and x.name is None
        assert m.is_floating_point(x) and not m.is_complex(x) and m.is_nonzero(m.tensor([2]))
        assert m.finfo(m.float16).eps == m.finfo(m.float16).eps and m.iinfo(m.int16).max == 32767
        assert m.typename(x) == f"{m.__name__}.FloatTensor"
    assert ember.finfo(ember.float32).eps == torch.finfo(torch.float32).eps
    assert ember.finfo().tiny == torch.finfo().tiny
    assert repr(ember.iinfo(ember.int8)) == repr(torch.iinfo(torch.int8))
    assert repr(ember.finfo(ember.float64)) == repr(torch.finfo(torch.float64))


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
@pytest.mark.parametrize("bidirectional, batch_first", [(False, False), (True, True)])
def test_recurrent_functions_match_the_modules_weights(kind, bidirectional, batch_first):
    torch.manual_seed(0)
    nonlinearity = {"rnn_tanh": "tanh", "rnn_relu": "relu"}.get(kind)
    module = (torch.nn.RNN(4, 3, num_layers=2, bidirectional=bidirectional, batch_first=batch_first,
                           nonlinearity=nonlinearity) if nonlinearity else
              getattr(torch.nn, kind.upper())(4, 3, num_layers=2, bidirectional=bidirectional,
                                               batch_first=batch_first))
    dirs = 2 if bidirectional else 1
    x = torch.randn(2, 5, 4) if batch_first else torch.randn(5, 2, 4)
    h = torch.randn(2 * dirs, 2, 3)
    hx = (h, torch.randn(2 * dirs, 2, 3)) if kind == "lstm" else h
    params = list(module._flat_weights)
    theirs = getattr(torch, kind)(x, hx, params, True, 2, 0.0, False, bidirectional, batch_first)
    e_hx = tuple(ember.tensor(t.numpy()) for t in hx) if kind == "lstm" else ember.tensor(hx.numpy())
    ours = getattr(ember, kind)(ember.tensor(x.numpy()), e_hx, [ember.tensor(p.detach().numpy()) for p in params],
                                True, 2, 0.0, False, bidirectional, batch_first)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_anomaly_switches_and_aliases():
    for m in (torch, ember):
        assert not m.is_anomaly_enabled() and m.is_anomaly_check_nan_enabled()
        m.set_anomaly_enabled(True)
        assert m.is_anomaly_enabled()
        m.set_anomaly_enabled(False)
        assert not m.is_anomaly_enabled()
        assert m.newaxis is None and m.arctan2 is not None and m.GradScaler is m.amp.GradScaler
        assert m.get_device(m.ones(1)) == -1
