"""gradcheck and gradgradcheck of every elementwise op: shapes, broadcasting, scalars,
non-contiguous inputs."""

import math

import pytest
from autograd_checks import away_from, check, rand

import ember

# (name, function, domain (low, high), kinks to keep away from, check second derivatives)
UNARY = [
    ("neg", ember.neg, (-1, 1), (), True),
    ("abs", ember.abs, (-1, 1), (0,), True),
    ("exp", ember.exp, (-1, 1), (), True),
    ("exp2", ember.exp2, (-1, 1), (), True),
    ("expm1", ember.expm1, (-1, 1), (), True),
    ("log", ember.log, (0.5, 2), (), True),
    ("log2", ember.log2, (0.5, 2), (), True),
    ("log10", ember.log10, (0.5, 2), (), True),
    ("log1p", ember.log1p, (-0.5, 1), (), True),
    ("sqrt", ember.sqrt, (0.5, 2), (), True),
    ("rsqrt", ember.rsqrt, (0.5, 2), (), True),
    ("square", ember.square, (-1, 1), (), True),
    ("sin", ember.sin, (-2, 2), (), True),
    ("cos", ember.cos, (-2, 2), (), True),
    ("tan", ember.tan, (-1, 1), (), True),
    ("asin", ember.asin, (-0.8, 0.8), (), True),
    ("acos", ember.acos, (-0.8, 0.8), (), True),
    ("atan", ember.atan, (-2, 2), (), True),
    ("sinh", ember.sinh, (-1, 1), (), True),
    ("cosh", ember.cosh, (-1, 1), (), True),
    ("tanh", ember.tanh, (-2, 2), (), True),
    ("sigmoid", ember.sigmoid, (-3, 3), (), True),
    ("relu", ember.relu, (-1, 1), (0,), True),
    ("reciprocal", ember.reciprocal, (0.5, 2), (), True),
    ("erf", ember.erf, (-2, 2), (), True),
    ("lgamma", ember.lgamma, (0.2, 4), (), True),
    ("lgamma_negative", ember.lgamma, (-0.9, -0.1), (), True),
    ("digamma", ember.digamma, (0.2, 4), (), True),
    ("digamma_negative", ember.digamma, (-2.9, -2.1), (), True),
    ("polygamma1", lambda x: ember.polygamma(1, x), (0.3, 4), (), True),
    ("polygamma3", lambda x: ember.polygamma(3, x), (-0.8, -0.2), (), True),
    ("nan_to_num", ember.nan_to_num, (-1, 1), (), True),
    ("sign", ember.sign, (-1, 1), (0,), False),
    ("floor", ember.floor, (-1.5, 1.5), (-1, 0, 1), False),
    ("ceil", ember.ceil, (-1.5, 1.5), (-1, 0, 1), False),
    ("trunc", ember.trunc, (-1.5, 1.5), (-1, 0, 1), False),
    ("round", ember.round, (-1.4, 1.4), (-0.5, 0.5), False),
    ("round_decimals", lambda x: ember.round(x, decimals=1), (-1, 1), [i / 20 for i in range(-21, 22, 2)], False),
]


@pytest.mark.parametrize("name,fn,domain,kinks,second", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape,contiguous", [((), True), ((5,), True), ((2, 3), False)])
def test_unary(name, fn, domain, kinks, second, shape, contiguous):
    x = away_from(rand(*shape, low=domain[0], high=domain[1], contiguous=contiguous), kinks)
    if not contiguous:
        x = x.detach().t().contiguous().t().requires_grad_()
    check(fn, x, gradgrad=second)


def test_unary_method_and_grad_fn_names():
    x = rand(3)
    assert x.exp().grad_fn.name() == "ExpBackward0"
    assert ember.relu(x).grad_fn.name() == "ReluBackward0"
    assert ember.square(x).grad_fn.name() == "PowBackward0"
    assert ember.round(x, decimals=2).grad_fn.name() == "RoundBackward1"
    assert x.lgamma().grad_fn.name() == "LgammaBackward0"
    assert x.digamma().grad_fn.name() == "DigammaBackward0"
    assert x.polygamma(2).grad_fn.name() == "PolygammaBackward0"


def test_piecewise_constant_ops_have_zero_gradients():
    x = rand(4)
    for fn in (ember.floor, ember.ceil, ember.trunc, ember.round, ember.sign):
        x.grad = None
        fn(x).sum().backward()
        assert x.grad.tolist() == [0.0] * 4


# (name, function, (low, high) of a, (low, high) of b, kinks of a - b to avoid, second derivatives)
BINARY = [
    ("add", ember.add, (-1, 1), (-1, 1), True),
    ("add_alpha", lambda a, b: ember.add(a, b, alpha=2.5), (-1, 1), (-1, 1), True),
    ("sub", ember.sub, (-1, 1), (-1, 1), True),
    ("sub_alpha", lambda a, b: ember.sub(a, b, alpha=0.5), (-1, 1), (-1, 1), True),
    ("mul", ember.mul, (-1, 1), (-1, 1), True),
    ("div", ember.div, (-1, 1), (0.5, 2), True),
    ("pow", ember.pow, (0.5, 2), (-1, 2), True),
    ("atan2", ember.atan2, (-1, 1), (0.5, 2), True),
    ("maximum", ember.maximum, (-1, 1), (-1, 1), False),
    ("minimum", ember.minimum, (-1, 1), (-1, 1), False),
    ("remainder", ember.remainder, (-3, 3), (0.7, 1.3), False),
    ("fmod", ember.fmod, (-3, 3), (0.7, 1.3), False),
    ("floor_divide", ember.floor_divide, (-3, 3), (0.7, 1.3), False),
    ("div_trunc", lambda a, b: ember.div(a, b, rounding_mode="trunc"), (-3, 3), (0.7, 1.3), False),
]

SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1, 3), (4, 1)), ((), (3,)), ((4,), ())]


@pytest.mark.parametrize("name,fn,da,db,second", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("sa,sb", SHAPES, ids=[f"{a}-{b}" for a, b in SHAPES])
def test_binary(name, fn, da, db, second, sa, sb):
    a = rand(*sa, low=da[0], high=da[1])
    b = rand(*sb, low=db[0], high=db[1])
    if name in ("maximum", "minimum"):
        b = (b.detach() + 0.05 * ember.sign(b.detach())).requires_grad_()  # no ties near a
    check(fn, a, b, gradgrad=second)


@pytest.mark.parametrize("name,fn,da,db,second", BINARY, ids=[b[0] for b in BINARY])
def test_binary_non_contiguous(name, fn, da, db, second):
    a = rand(3, 4, low=da[0], high=da[1], contiguous=False)
    b = rand(3, 4, low=db[0], high=db[1], contiguous=False)
    check(fn, a, b, gradgrad=second)


@pytest.mark.parametrize("name,fn,lo,hi", [
    ("add", lambda x: x + 2.5, -1, 1), ("radd", lambda x: 2.5 + x, -1, 1),
    ("sub", lambda x: x - 2.5, -1, 1), ("rsub", lambda x: 2.5 - x, -1, 1),
    ("mul", lambda x: x * -1.5, -1, 1), ("rmul", lambda x: 3 * x, -1, 1),
    ("div", lambda x: x / 3.0, -1, 1), ("rdiv", lambda x: 3.0 / x, 0.5, 2),
    ("pow", lambda x: x ** 3, -1, 1), ("pow_float", lambda x: x ** 2.5, 0.5, 2),
    ("pow_zero", lambda x: x ** 0, -1, 1), ("rpow", lambda x: 2.0 ** x, -1, 1),
    ("rpow_zero_base", lambda x: 0.0 ** x, 0.5, 2),
    ("remainder", lambda x: x % 0.7, 0.1, 0.6), ("clamp", lambda x: ember.clamp(x, -0.5, 0.5), -1, 1),
    ("clamp_min", lambda x: ember.clamp(x, min=0.2), -1, 1), ("clamp_max", lambda x: x.clamp(max=0.1), -1, 1),
])
def test_with_python_scalars(name, fn, lo, hi):
    x = away_from(rand(2, 3, low=lo, high=hi), (-0.5, 0.5, 0.2, 0.1))
    check(fn, x)


def test_scalar_operand_gets_no_edge():
    x = rand(3)
    y = x * 2
    assert y.grad_fn.next_functions[1] == (None, 0)
    assert (2 - x).grad_fn.name() == "RsubBackward1"
    assert (x ** 2).grad_fn.name() == "PowBackward0"
    assert (x ** x).grad_fn.name() == "PowBackward1"
    assert (2 ** x).grad_fn.name() == "PowBackward2"


def test_pow_edge_cases_match_pytorch_conventions():
    x = ember.tensor([0.0, 2.0], dtype=ember.float64, requires_grad=True)
    (x ** 0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    e = ember.tensor([0.0, 1.0], dtype=ember.float64, requires_grad=True)
    base = ember.tensor([0.0, 0.0], dtype=ember.float64)
    (base ** e).sum().backward()
    assert e.grad.tolist() == [0.0, 0.0]     # d/de 0**e is 0 where e >= 0


def test_maximum_and_minimum_split_ties():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = ember.tensor([1.0, 3.0], requires_grad=True)
    ember.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0] and b.grad.tolist() == [0.5, 1.0]


def test_clamp_with_tensor_bounds():
    x = rand(5, low=-2, high=2)
    lo = rand(5, low=-1.5, high=-0.5)
    hi = rand(5, low=0.5, high=1.5)
    check(lambda x, lo, hi: ember.clamp(x, lo, hi), x, lo, hi, gradgrad=False)


def test_where_and_lerp():
    cond = ember.tensor([[True, False, True], [False, True, False]])
    a, b = rand(2, 3), rand(3)
    check(lambda a, b: ember.where(cond, a, b), a, b)
    check(lambda a: ember.where(cond, a, 0.5), a)
    s, e, w = rand(2, 3), rand(2, 3), rand(3)
    check(ember.lerp, s, e, w)


def test_nan_to_num_blocks_gradient_at_non_finite():
    x = ember.tensor([1.0, math.inf, math.nan, -math.inf], requires_grad=True)
    ember.nan_to_num(x).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 0.0]


def test_integer_and_bool_results_do_not_require_grad():
    x = rand(3)
    for out in (x > 0, x == x, ember.isnan(x), x.floor_divide(1).to(ember.int64), ember.isfinite(x)):
        assert not out.requires_grad and out.grad_fn is None


def test_mixed_dtypes_cast_gradients_back():
    a = ember.ones(3, dtype=ember.float32, requires_grad=True)
    b = ember.ones(3, dtype=ember.float64, requires_grad=True)
    out = a * b
    assert out.dtype is ember.float64
    out.sum().backward()
    assert a.grad.dtype is ember.float32 and b.grad.dtype is ember.float64
    i = ember.tensor([1, 2, 3])
    y = a * i
    y.sum().backward()
    assert a.grad.tolist() == [2.0, 3.0, 4.0]
