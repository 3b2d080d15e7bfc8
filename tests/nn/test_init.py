"""ember.nn.init: distributions (statistical bounds), gains, fans, and how layers initialise."""

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import init


def _values(t):
    return t.detach().numpy().astype(np.float64).ravel()


def _check_uniform(t, low, high):
    v = _values(t)
    assert v.min() >= low and v.max() <= high
    width = high - low
    assert v.min() < low + 0.01 * width and v.max() > high - 0.01 * width
    assert abs(v.mean() - (low + high) / 2) < 0.02 * width
    assert abs(v.std() - width / math.sqrt(12)) < 0.02 * width


def _check_normal(t, mean, std):
    v = _values(t)
    n = v.size
    assert abs(v.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(v.std() - std) < 0.03 * std


@pytest.mark.parametrize(("name", "param", "gain"), [
    ("linear", None, 1), ("conv2d", None, 1), ("sigmoid", None, 1), ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)), ("leaky_relu", None, math.sqrt(2 / (1 + 0.01 ** 2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("selu", None, 0.75)])
def test_calculate_gain(name, param, gain):
    assert init.calculate_gain(name, param) == pytest.approx(gain)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans():
    assert init._calculate_fan_in_and_fan_out(ember.empty(5, 3)) == (3, 5)
    assert init._calculate_fan_in_and_fan_out(ember.empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ember.empty(5))
    with pytest.raises(ValueError, match=r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"):
        init.kaiming_uniform_(ember.empty(3, 3), mode="fan_avg")


def test_uniform_normal_constant_fills():
    _check_uniform(init.uniform_(ember.empty(300, 200), -2.0, 3.0), -2.0, 3.0)
    _check_normal(init.normal_(ember.empty(300, 200), 1.5, 0.5), 1.5, 0.5)
    assert (init.constant_(ember.empty(3), 0.3).numpy() == np.float32(0.3)).all()
    assert (init.ones_(ember.empty(2, 2)).numpy() == 1).all()
    assert (init.zeros_(ember.empty(2, 2)).numpy() == 0).all()


def test_fills_work_on_parameters_that_require_grad():
    p = nn.Parameter(ember.empty(3, 3))
    for fn in (init.zeros_, init.ones_, lambda t: init.uniform_(t), init.orthogonal_, init.eye_,
               init.xavier_normal_, lambda t: init.trunc_normal_(t)):
        out = fn(p)
        assert out is p and p.requires_grad and p.grad_fn is None


def test_xavier():
    t = ember.empty(200, 300)
    a = math.sqrt(6 / 500)
    _check_uniform(init.xavier_uniform_(t), -a, a)
    _check_uniform(init.xavier_uniform_(t, gain=2.0), -2 * a, 2 * a)
    _check_normal(init.xavier_normal_(t), 0.0, math.sqrt(2 / 500))


def test_kaiming():
    t = ember.empty(300, 400)
    bound = math.sqrt(2) * math.sqrt(3 / 400)
    _check_uniform(init.kaiming_uniform_(t, nonlinearity="relu"), -bound, bound)
    _check_normal(init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), 0.0, math.sqrt(2 / 300))
    bound5 = math.sqrt(2 / 6) * math.sqrt(3 / 400)
    _check_uniform(init.kaiming_uniform_(t, a=math.sqrt(5)), -bound5, bound5)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(ember.empty(0, 3))


def test_trunc_normal_stays_in_bounds_with_truncated_std():
    t = init.trunc_normal_(ember.empty(400, 300), mean=0.0, std=1.0, a=-1.0, b=2.0)
    v = _values(t)
    assert v.min() >= -1.0 and v.max() <= 2.0
    # moments of the standard normal truncated to [-1, 2]
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))
    z = cdf(2) - cdf(-1)
    mean = (pdf(-1) - pdf(2)) / z
    var = 1 + (-1 * pdf(-1) - 2 * pdf(2)) / z - mean ** 2
    assert abs(v.mean() - mean) < 0.01 and abs(v.std() - math.sqrt(var)) < 0.01
    narrow = _values(init.trunc_normal_(ember.empty(1000), std=0.02))
    assert abs(narrow).max() <= 2.0 and abs(narrow.std() - 0.02) < 0.002


def test_orthogonal_rows_and_columns():
    wide = init.orthogonal_(ember.empty(4, 9, dtype=ember.float64)).numpy()
    np.testing.assert_allclose(wide @ wide.T, np.eye(4), atol=1e-12)
    tall = init.orthogonal_(ember.empty(9, 4, dtype=ember.float64), gain=2.0).numpy()
    np.testing.assert_allclose(tall.T @ tall, 4 * np.eye(4), atol=1e-12)
    conv = init.orthogonal_(ember.empty(3, 2, 2, 2, dtype=ember.float64)).numpy().reshape(3, 8)
    np.testing.assert_allclose(conv @ conv.T, np.eye(3), atol=1e-12)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(ember.empty(3))


def test_eye_and_dirac():
    np.testing.assert_array_equal(init.eye_(ember.empty(2, 3)).numpy(), np.eye(2, 3))
    w = init.dirac_(ember.empty(2, 2, 3, 3)).numpy()
    expected = np.zeros((2, 2, 3, 3))
    expected[0, 0, 1, 1] = expected[1, 1, 1, 1] = 1
    np.testing.assert_array_equal(w, expected)
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(ember.empty(2))


def test_seeded_init_is_reproducible_and_generator_is_respected():
    ember.manual_seed(3)
    a = nn.Linear(5, 5).weight.detach().numpy()
    ember.manual_seed(3)
    b = nn.Linear(5, 5).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    np.testing.assert_array_equal(init.normal_(ember.empty(4), generator=g1).numpy(),
                                  init.normal_(ember.empty(4), generator=g2).numpy())


# -- layers initialise as PyTorch does -------------------------------------------------------

def test_linear_and_conv_init_bounds():
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    _check_uniform(lin.weight, -bound, bound)
    assert abs(_values(lin.bias)).max() <= bound
    conv = nn.Conv2d(16, 64, 5)
    bound = 1 / math.sqrt(16 * 25)
    _check_uniform(conv.weight, -bound, bound)
    assert abs(_values(conv.bias)).max() <= bound
    tconv = nn.ConvTranspose2d(64, 16, 5)       # fan_in from weight.size(1) * k * k
    bound = 1 / math.sqrt(16 * 25)
    _check_uniform(tconv.weight, -bound, bound)


def test_other_layer_inits():
    emb = nn.Embedding(500, 100, padding_idx=3)
    assert (emb.weight.detach().numpy()[3] == 0).all()
    _check_normal(emb.weight[4:], 0.0, 1.0)
    bn = nn.BatchNorm2d(4)
    assert (bn.weight.detach().numpy() == 1).all() and (bn.bias.detach().numpy() == 0).all()
    assert (bn.running_var.numpy() == 1).all() and int(bn.num_batches_tracked) == 0
    lstm = nn.LSTM(50, 100)
    for p in lstm.parameters():
        assert abs(_values(p)).max() <= 0.1
    _check_uniform(lstm.weight_hh_l0, -0.1, 0.1)
    mha = nn.MultiheadAttention(64, 4)
    a = math.sqrt(6 / (64 + 192))
    _check_uniform(mha.in_proj_weight, -a, a)
    assert (mha.in_proj_bias.detach().numpy() == 0).all() and (mha.out_proj.bias.detach().numpy() == 0).all()
    bil = nn.Bilinear(30, 40, 50)
    b = 1 / math.sqrt(30)
    _check_uniform(bil.weight, -b, b)
    assert float(nn.PReLU().weight) == pytest.approx(0.25)
