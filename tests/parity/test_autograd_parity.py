"""Gradients of every differentiable op against PyTorch's, on randomised inputs (float64).

Each case is ``fn(lib, *inputs)`` run once with ``lib=ember`` and once with ``lib=torch`` on the
same data; the outputs are weighted by random tensors and summed, and the gradients of every
input compared. Node names (``grad_fn``) are compared where PyTorch records the same op.
"""

import math

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

SEEDS = [0, 1, 2]


def _data(spec, rng):
    """Input data for a spec: a shape (uniform in [-1, 1)), or (shape, low, high), or an int array."""
    if isinstance(spec, np.ndarray):
        return spec
    if isinstance(spec, tuple) and len(spec) == 3 and isinstance(spec[0], tuple):
        shape, low, high = spec
        return rng.uniform(low, high, shape)
    return rng.uniform(-1, 1, spec)


def _run(lib, fn, arrays, requires):
    tensor = (lambda a: ember.from_numpy(a.copy())) if lib is ember else (lambda a: torch.from_numpy(a.copy()))
    inputs = [tensor(a) for a in arrays]
    for x, r in zip(inputs, requires):
        if r:
            x.requires_grad_()
    out = fn(lib, *inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return inputs, [o for o in outs if o.dtype in (ember.float64, torch.float64)]


def compare(fn, specs, seed, rtol=1e-7, atol=1e-9, name=True):
    rng = np.random.default_rng(seed)
    arrays = [_data(s, rng) for s in specs]
    requires = [a.dtype == np.float64 for a in arrays]
    e_in, e_out = _run(ember, fn, arrays, requires)
    t_in, t_out = _run(torch, fn, arrays, requires)
    assert len(e_out) == len(t_out)
    weights = [rng.standard_normal(tuple(o.shape)) for o in t_out]
    for eo, to in zip(e_out, t_out):
        np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-7, atol=1e-9)
        if name and to.grad_fn is not None:
            assert eo.grad_fn.name() == to.grad_fn.name()
    e_loss = sum((o * ember.from_numpy(w)).sum() for o, w in zip(e_out, weights) if o.requires_grad)
    t_loss = sum((o * torch.from_numpy(w)).sum() for o, w in zip(t_out, weights) if o.requires_grad)
    e_loss.backward()
    t_loss.backward()
    for i, (e, t) in enumerate(zip(e_in, t_in)):
        if not requires[i]:
            continue
        tg = t.grad if t.grad is not None else torch.zeros_like(t)
        eg = e.grad if e.grad is not None else ember.zeros_like(e)
        np.testing.assert_allclose(eg.numpy(), tg.numpy(), rtol=rtol, atol=atol, err_msg=f"gradient of input {i}")


POS = ((3, 4), 0.5, 2.0)

UNARY = ["neg", "abs", "exp", "exp2", "expm1", "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh", "sigmoid",
         "relu", "erf", "square", "sign", "floor", "ceil", "trunc", "round", "nan_to_num"]
UNARY_POSITIVE = ["log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal"]
UNARY_UNIT = ["asin", "acos"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op", UNARY + UNARY_POSITIVE + UNARY_UNIT)
def test_unary(op, seed):
    spec = POS if op in UNARY_POSITIVE else ((3, 4), -0.9, 0.9) if op in UNARY_UNIT else (3, 4)
    compare(lambda lib, x: getattr(lib, op)(x), [spec], seed)


BINARY = {
    "add": ((2, 3), (3,)), "sub": ((2, 1, 3), (4, 1)), "mul": ((2, 3), (2, 3)), "div": ((2, 3), ((3,), 0.5, 2.0)),
    "pow": (((2, 3), 0.5, 2.0), (3,)), "atan2": ((2, 3), (2, 1)), "maximum": ((2, 3), (3,)),
    "minimum": ((4, 1), (3,)), "remainder": (((2, 3), -3, 3), ((3,), 0.5, 1.5)),
    "fmod": (((2, 3), -3, 3), ((3,), 0.5, 1.5)),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary(op, seed):
    compare(lambda lib, a, b: getattr(lib, op)(a, b), list(BINARY[op]), seed)


SCALAR_CASES = {
    "add": lambda lib, x: x + 2.5, "radd": lambda lib, x: 1.5 + x, "rsub": lambda lib, x: 2 - x,
    "sub_alpha": lambda lib, x: lib.sub(x, x * 2, alpha=0.5), "mul": lambda lib, x: x * -3,
    "div": lambda lib, x: x / 4.0, "pow": lambda lib, x: x ** 3, "pow_half": lambda lib, x: x.abs() ** 0.5,
    "rpow": lambda lib, x: 2.0 ** x, "clamp": lambda lib, x: lib.clamp(x, -0.3, 0.4),
    "clamp_min": lambda lib, x: lib.clamp(x, min=0.1), "where": lambda lib, x: lib.where(x > 0, x, x * 3),
    "div_floor": lambda lib, x: lib.div(x, 0.3, rounding_mode="floor"),
    "div_trunc": lambda lib, x: lib.div(x, 0.3, rounding_mode="trunc"),
    "round_decimals": lambda lib, x: lib.round(x, decimals=1), "lerp": lambda lib, x: lib.lerp(x, x * x, x.abs()),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", sorted(SCALAR_CASES))
def test_with_scalars(case, seed):
    compare(SCALAR_CASES[case], [(3, 4)], seed, name=case not in ("where",))


REDUCTIONS = {
    "sum": lambda lib, x: x.sum(), "sum_dim": lambda lib, x: x.sum((0, 2)), "sum_keep": lambda lib, x: x.sum(1, True),
    "mean": lambda lib, x: x.mean(), "mean_dim": lambda lib, x: x.mean(-1),
    "prod": lambda lib, x: x.prod(), "prod_dim": lambda lib, x: x.prod(1),
    "amax": lambda lib, x: x.amax((0, 1)), "amin": lambda lib, x: x.amin(2, keepdim=True),
    "max": lambda lib, x: x.max(), "min": lambda lib, x: x.min(),
    "max_dim": lambda lib, x: x.max(1)[0], "min_dim": lambda lib, x: x.min(0, keepdim=True)[0],
    "var": lambda lib, x: x.var(1), "var_all": lambda lib, x: x.var(), "std": lambda lib, x: x.std((0, 2)),
    "std_correction": lambda lib, x: x.std(1, correction=0),
    "norm": lambda lib, x: x.norm(), "norm_dim": lambda lib, x: x.norm(dim=1),
    "norm_1": lambda lib, x: lib.norm(x, p=1, dim=0), "norm_3": lambda lib, x: lib.norm(x, p=3),
    "norm_inf": lambda lib, x: lib.norm(x, p=math.inf, dim=2),
    "logsumexp": lambda lib, x: lib.logsumexp(x, 1), "nansum": lambda lib, x: x.nansum(1),
    "cumsum": lambda lib, x: x.cumsum(1), "cumprod": lambda lib, x: x.cumprod(2),
    "softmax": lambda lib, x: lib.softmax(x, 1), "log_softmax": lambda lib, x: lib.log_softmax(x, -1),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", sorted(REDUCTIONS))
def test_reductions(case, seed):
    compare(REDUCTIONS[case], [(2, 3, 4)], seed, name=case not in ("nanmean",))


def test_nanmean_and_cumprod_with_zeros():
    x = np.array([[1.0, np.nan, 3.0], [0.0, 2.0, 0.0]])
    compare(lambda lib, t: lib.nanmean(t, 1), [x], 0)
    compare(lambda lib, t: t.cumprod(1), [np.nan_to_num(x)], 0)
    compare(lambda lib, t: t.prod(1), [np.nan_to_num(x)], 0)


SHAPE = {
    "view": lambda lib, x: x.view(4, 6), "reshape_copy": lambda lib, x: x.transpose(0, 1).reshape(-1),
    "permute": lambda lib, x: x.permute(2, 0, 1), "transpose": lambda lib, x: x.transpose(0, 2),
    "t": lambda lib, x: x[0].t(), "squeeze": lambda lib, x: x[:, :1].squeeze(1),
    "unsqueeze": lambda lib, x: x.unsqueeze(1), "expand": lambda lib, x: x[:, :1].expand(2, 5, 4),
    "narrow": lambda lib, x: x.narrow(2, 1, 2), "split": lambda lib, x: x.split(2, 2),
    "chunk": lambda lib, x: x.chunk(3, 1), "unbind": lambda lib, x: x.unbind(1),
    "cat": lambda lib, x: lib.cat([x, x * 2], 1), "stack": lambda lib, x: lib.stack([x, x], 0),
    "repeat": lambda lib, x: x.repeat(1, 2, 1, 2), "flip": lambda lib, x: x.flip(0, 2),
    "roll": lambda lib, x: x.roll(1, 2), "movedim": lambda lib, x: x.movedim(0, -1),
    "flatten": lambda lib, x: x.flatten(1), "unflatten": lambda lib, x: x.unflatten(2, (2, 2)),
    "tile": lambda lib, x: x.tile((2,)), "clone": lambda lib, x: x.clone(),
    "contiguous": lambda lib, x: x.transpose(0, 1).contiguous(), "double": lambda lib, x: x.float().double(),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", sorted(SHAPE))
def test_shape(case, seed):
    compare(SHAPE[case], [(2, 3, 4)], seed, rtol=1e-6, atol=1e-6,
            name=case not in ("reshape_copy", "repeat", "chunk", "tile", "flatten", "unflatten", "double",
                              "split", "movedim"))


LINALG = {
    "mm": (lambda lib, a, b: a @ b, [(3, 4), (4, 2)]),
    "mv": (lambda lib, a, b: lib.mv(a, b), [(3, 4), (4,)]),
    "dot": (lambda lib, a, b: lib.dot(a, b), [(4,), (4,)]),
    "outer": (lambda lib, a, b: lib.outer(a, b), [(3,), (4,)]),
    "bmm": (lambda lib, a, b: lib.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    "matmul_batch": (lambda lib, a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)]),
    "matmul_vec_left": (lambda lib, a, b: a @ b, [(4,), (2, 4, 3)]),
    "matmul_vec_right": (lambda lib, a, b: a @ b, [(2, 3, 4), (4,)]),
    "addmm": (lambda lib, i, a, b: lib.addmm(i, a, b, beta=0.5, alpha=2.0), [(2,), (3, 4), (4, 2)]),
    "baddbmm": (lambda lib, i, a, b: lib.baddbmm(i, a, b, alpha=-1.5), [(3, 2), (2, 3, 4), (2, 4, 2)]),
    "einsum": (lambda lib, a, b: lib.einsum("bij,jk->bki", a, b), [(2, 3, 4), (4, 5)]),
    "einsum_diag": (lambda lib, a: lib.einsum("iij->ji", a), [(3, 3, 2)]),
    "einsum_sum": (lambda lib, a, b: lib.einsum("ij,k->i", a, b), [(3, 4), (5,)]),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", sorted(LINALG))
def test_linalg(case, seed):
    fn, specs = LINALG[case]
    compare(fn, specs, seed, rtol=1e-6, atol=1e-9, name=case in ("mm", "mv", "dot", "outer", "addmm"))


def _index(lib, values):
    return lib.tensor(values)


INDEXING = {
    "int": lambda lib, x: x[1], "slice": lambda lib, x: x[::2, 1:], "neg_step_free": lambda lib, x: x[..., None, 2],
    "tensor": lambda lib, x: x[_index(lib, [0, 2, 0])],
    "pair": lambda lib, x: x[_index(lib, [0, 1]), _index(lib, [3, 3])],
    "mask": lambda lib, x: x[x > 0], "mixed": lambda lib, x: x[1:, _index(lib, [0, 0, 3])],
    "gather": lambda lib, x: x.gather(1, _index(lib, [[0, 0], [3, 1], [2, 2]])),
    "scatter": lambda lib, x: x.scatter(1, _index(lib, [[1], [0], [3]]), x[:, :1] * 2),
    "scatter_value": lambda lib, x: x.scatter(0, _index(lib, [[1, 0, 2, 2]]), 0.5),
    "scatter_add": lambda lib, x: x.scatter_add(1, _index(lib, [[1, 1], [0, 3], [3, 3]]), x[:, :2] * x[:, 2:]),
    "index_select": lambda lib, x: x.index_select(1, _index(lib, [3, 0, 3])),
    "index_add": lambda lib, x: x.index_add(0, _index(lib, [2, 0]), x[:2] * 3, alpha=0.5),
    "index_copy": lambda lib, x: x.index_copy(1, _index(lib, [3, 1]), x[:, :2].exp()),
    "index_fill": lambda lib, x: x.index_fill(1, _index(lib, [0, 2]), 1.5),
    "masked_fill": lambda lib, x: x.masked_fill(x < 0, 0.25),
    "masked_select": lambda lib, x: x.masked_select(x > 0.2),
    "take": lambda lib, x: x.take(_index(lib, [11, 0, 5, 5])),
    "take_along_dim": lambda lib, x: lib.take_along_dim(x, _index(lib, [[0], [3], [1]]), 1),
    "index_put": lambda lib, x: x.index_put((_index(lib, [0, 0, 2]),), x[1] * 2, accumulate=True),
    "setitem": None,
}


def _setitem(lib, x):
    y = x * 1
    y[1] = x[0] * 3
    y[:, 2] = 0.5
    return y


INDEXING["setitem"] = _setitem


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", sorted(INDEXING))
def test_indexing(case, seed):
    compare(INDEXING[case], [(3, 4)], seed, name=case not in ("neg_step_free", "mixed", "scatter_value",
                                                            "setitem", "index_put"))


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin", "prod"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    index = np.array([[0, 0, 2], [1, 3, 3], [2, 2, 2]])
    compare(lambda lib, x, s: x.scatter_reduce(1, lib.from_numpy(index), s, reduce, include_self=include_self),
            [((3, 4), 0.5, 1.5), ((3, 3), 0.5, 1.5)], 0)


SORTING = {
    "sort": lambda lib, x: x.sort(1)[0], "sort_desc": lambda lib, x: x.sort(0, descending=True)[0],
    "topk": lambda lib, x: x.topk(2, 1)[0], "kthvalue": lambda lib, x: x.kthvalue(2, 0)[0],
    "median_dim": lambda lib, x: x.median(1)[0], "median": lambda lib, x: x.median(),
    "msort": lambda lib, x: lib.msort(x), "mode": lambda lib, x: x.mode(1)[0],
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", sorted(SORTING))
def test_sorting(case, seed):
    compare(SORTING[case], [(3, 5)], seed)


def test_second_derivatives_match():
    rng = np.random.default_rng(3)
    data = rng.uniform(0.5, 1.5, (3, 4))
    results = []
    for lib in (ember, torch):
        x = lib.from_numpy(data.copy()).requires_grad_()
        y = (lib.sigmoid(x) * x.log() + (x @ x.T).sum(1, keepdim=True) * x.exp()).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        results.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-9)


def test_error_messages_match():
    cases = [
        lambda lib: (lib.ones(2, requires_grad=True) * 2).backward(),
        lambda lib: lib.ones(1).backward(),
        lambda lib: lib.autograd.grad((lib.ones(1, requires_grad=True) * 2).sum(), lib.ones(1, requires_grad=True)),
        lambda lib: lib.ones(2, requires_grad=True).add_(1),
        lambda lib: lib.ones(2).retain_grad(),
        lambda lib: lib.ones(2).register_hook(lambda g: g),
    ]
    for case in cases:
        with pytest.raises(RuntimeError) as theirs:
            case(torch)
        with pytest.raises(RuntimeError) as ours:
            case(ember)
        assert str(ours.value) == str(theirs.value)
    for lib in (torch, ember):
        x = lib.ones(3, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        with pytest.raises(RuntimeError) as err:
            y.backward()
        if lib is torch:
            expected = str(err.value)
        else:
            assert str(err.value) == expected


def test_accumulation_and_hooks_match():
    grads = []
    for lib in (ember, torch):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x * x
        h.retain_grad()
        h.register_hook(lambda g: g * 2)
        x.register_hook(lambda g: g + 1)
        (h.sum() + (x * 3).sum()).backward(retain_graph=True)
        (x.exp() * h).sum().backward()
        grads.append((x.grad.tolist(), h.grad.tolist()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-6)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-6)


def test_functional_jacobian_hessian_vjp_jvp_match():
    rng = np.random.default_rng(5)
    a, b = rng.uniform(0.5, 1.5, (3,)), rng.uniform(-1, 1, (3, 2))
    v, u = rng.standard_normal(2), rng.standard_normal(3)
    results = []
    for lib in (ember, torch):
        fa, fb = lib.from_numpy(a.copy()), lib.from_numpy(b.copy())
        f = lambda x, w: (x.log() @ w).tanh()  # noqa: E731
        s = lambda x: (x.exp() * x.sin()).sum() + (x @ x) ** 2  # noqa: E731
        F = lib.autograd.functional
        jac = F.jacobian(f, (fa, fb))
        hes = F.hessian(s, fa)
        _, vjp = F.vjp(f, (fa, fb), lib.from_numpy(v.copy()))
        _, jvp = F.jvp(lambda x: f(x, fb), fa, lib.from_numpy(u.copy()))
        _, hvp = F.hvp(s, fa, lib.from_numpy(u.copy()))
        results.append([jac[0].numpy(), jac[1].numpy(), hes.numpy(), vjp[0].numpy(), vjp[1].numpy(), jvp.numpy(),
                        hvp.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def _inplace_chain(lib, x, b):
    h = x * 1
    h.mul_(b)
    h.sin_()
    h[0].mul_(b[0])
    h[:, 1].add_(x[:, 2].exp())
    h.div_(2).clamp_(-0.5, 0.5)
    return h


@pytest.mark.parametrize("seed", SEEDS)
def test_inplace_ops_match(seed):
    compare(_inplace_chain, [(3, 4), (3, 4)], seed, name=False)
