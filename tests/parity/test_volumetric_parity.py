"""3-D layers (conv, transposed conv, pooling, batch/instance norm, trilinear resize) against torch: values,
gradients, shapes, indices and reprs."""

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def check(ours, theirs, e_in, t_in, rtol=1e-9, atol=1e-10):
    """Same values; the same gradients of a weighted sum with respect to each input."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(9).standard_normal(tuple(theirs.shape))
    (ours * ember.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    for a, b in zip(e_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)


CONV3D = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(1, 2, 3), padding=(2, 0, 1), dilation=(2, 1, 1)),
    dict(padding="same", dilation=(1, 2, 1)),
    dict(padding="valid", groups=2),
]


@pytest.mark.parametrize("kw", CONV3D)
def test_conv3d(kw):
    groups = kw.get("groups", 1)
    ex, tx = pair((2, 4, 6, 7, 5))
    ew, tw = pair((6, 4 // groups, 3, 2, 3), 1)
    eb, tb = pair((6,), 2)
    check(EF.conv3d(ex, ew, eb, **kw), TF.conv3d(tx, tw, tb, **kw), [ex, ew, eb], [tx, tw, tb])


def test_conv3d_unbatched():
    ex, tx = pair((3, 5, 5, 5))
    ew, tw = pair((2, 3, 2, 2, 2), 1)
    check(EF.conv3d(ex, ew), TF.conv3d(tx, tw), [ex, ew], [tx, tw])


CONVT3D = [
    dict(),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(2, 1, 3), padding=(0, 1, 1), dilation=(2, 1, 1), output_padding=(1, 0, 2)),
    dict(groups=2, stride=(3, 1, 1)),
]


@pytest.mark.parametrize("kw", CONVT3D)
def test_conv_transpose3d(kw):
    groups = kw.get("groups", 1)
    ex, tx = pair((2, 4, 3, 4, 3))
    ew, tw = pair((4, 6 // groups, 3, 2, 3), 1)
    eb, tb = pair((6,), 2)
    check(EF.conv_transpose3d(ex, ew, eb, **kw), TF.conv_transpose3d(tx, tw, tb, **kw), [ex, ew, eb], [tx, tw, tb])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), dilation=(2, 1, 1), ceil_mode=True),
                                dict(kernel_size=3, stride=2, ceil_mode=True, padding=(1, 0, 1))])
def test_max_pool3d(kw):
    ex, tx = pair((2, 3, 7, 6, 7))
    eo, ei = EF.max_pool3d(ex, return_indices=True, **kw)
    to, ti = TF.max_pool3d(tx, return_indices=True, **kw)
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    check(eo, to, [ex], [tx])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                dict(kernel_size=(2, 3, 2), stride=(2, 2, 1), ceil_mode=True),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                                dict(kernel_size=2, divisor_override=3)])
def test_avg_pool3d(kw):
    ex, tx = pair((2, 3, 7, 6, 5))
    check(EF.avg_pool3d(ex, **kw), TF.avg_pool3d(tx, **kw), [ex], [tx])


@pytest.mark.parametrize("size", [1, (2, 3, 4), (None, 2, 5), (4, 6, 3)])
def test_adaptive_pools3d(size):
    ex, tx = pair((2, 3, 5, 7, 6))
    check(EF.adaptive_avg_pool3d(ex, size), TF.adaptive_avg_pool3d(tx, size), [ex], [tx])
    ex, tx = pair((2, 3, 5, 7, 6), 3)
    eo, ei = EF.adaptive_max_pool3d(ex, size, return_indices=True)
    to, ti = TF.adaptive_max_pool3d(tx, size, return_indices=True)
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    check(eo, to, [ex], [tx])


def test_lp_pool3d():
    a = np.abs(np.random.default_rng(0).standard_normal((1, 2, 4, 4, 4))) + 0.1
    ex, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    check(EF.lp_pool3d(ex, 2.0, 2), TF.lp_pool3d(tx, 2.0, 2), [ex], [tx])


@pytest.mark.parametrize("align", [False, True])
def test_interpolate_trilinear(align):
    ex, tx = pair((1, 2, 3, 4, 5))
    check(EF.interpolate(ex, size=(5, 3, 8), mode="trilinear", align_corners=align),
          TF.interpolate(tx, size=(5, 3, 8), mode="trilinear", align_corners=align), [ex], [tx])


def test_interpolate_area_5d():
    ex, tx = pair((1, 2, 6, 4, 5))
    check(EF.interpolate(ex, size=(3, 3, 2), mode="area"), TF.interpolate(tx, size=(3, 3, 2), mode="area"),
          [ex], [tx])


def _module_pair(make, shape, train=True, rtol=1e-5, atol=1e-6):
    tm, em = make(torch.nn), make(enn)
    assert repr(em) == repr(tm)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    tm.train(train)
    em.train(train)
    a = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    tout, eout = tm(torch.tensor(a)), em(ember.tensor(a))
    tout, eout = (tout[0], eout[0]) if isinstance(tout, tuple) else (tout, eout)
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=rtol, atol=atol)
    for name, buf in tm.state_dict().items():
        np.testing.assert_allclose(em.state_dict()[name].numpy(), buf.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("make", [
    lambda nn: nn.Conv3d(3, 4, 3, padding=1),
    lambda nn: nn.Conv3d(4, 4, (3, 1, 2), stride=2, groups=2, bias=False, padding_mode="circular", padding=1),
    lambda nn: nn.ConvTranspose3d(3, 4, 2, stride=2),
    lambda nn: nn.MaxPool3d(2, return_indices=True),
    lambda nn: nn.AvgPool3d(3, stride=1, padding=1, count_include_pad=False),
    lambda nn: nn.AdaptiveAvgPool3d((2, 1, 3)),
    lambda nn: nn.AdaptiveMaxPool3d(2),
    lambda nn: nn.LPPool3d(2, 2),
    lambda nn: nn.BatchNorm3d(3),
    lambda nn: nn.BatchNorm3d(3, momentum=None, affine=False),
    lambda nn: nn.InstanceNorm3d(3, affine=True),
], ids=["conv", "conv-circular", "convT", "maxpool", "avgpool", "adaptive-avg", "adaptive-max", "lp", "bn",
        "bn-cumulative", "instancenorm"])
def test_modules(make):
    _module_pair(make, (2, 4 if "groups=2" in repr(make(torch.nn)) else 3, 4, 6, 6))


def test_conv_transpose3d_module_output_size():
    tm, em = torch.nn.ConvTranspose3d(2, 2, 3, stride=2), enn.ConvTranspose3d(2, 2, 3, stride=2)
    a = np.zeros((1, 2, 3, 3, 3), np.float32)
    assert tuple(em(ember.tensor(a), output_size=(8, 7, 8)).shape) == \
        tuple(tm(torch.tensor(a), output_size=(8, 7, 8)).shape)


@pytest.mark.parametrize("call", [
    lambda F, x: F.conv3d(x, x.new_zeros((2, 3, 2, 2, 2))[:, :2]),            # channel mismatch
    lambda F, x: F.conv3d(x, x.new_zeros((2, 3, 9, 2, 2))),                   # kernel larger than input
    lambda F, x: F.conv3d(x, x.new_zeros((2, 3, 1, 1, 1)), stride=0),
    lambda F, x: F.conv3d(x, x.new_zeros((2, 3, 1, 1, 1)), padding="same", stride=2),
    lambda F, x: F.conv_transpose3d(x, x.new_zeros((3, 2, 2, 2, 2)), stride=1, output_padding=1),
    lambda F, x: F.max_pool3d(x, 2, padding=2),
    lambda F, x: F.max_pool3d(x, 0),
    lambda F, x: F.avg_pool3d(x, 9),
    lambda F, x: F.avg_pool3d(x, 2, divisor_override=0),
    lambda F, x: F.adaptive_max_pool3d(x, (1, 2)),
    lambda F, x: F.adaptive_avg_pool3d(x[0, 0], 2),
])
def test_errors_have_torch_types(call):
    a = np.zeros((1, 3, 4, 4, 4))
    with pytest.raises(Exception) as theirs:
        call(TF, torch.tensor(a))
    with pytest.raises(Exception) as ours:
        call(EF, ember.tensor(a))
    assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)
