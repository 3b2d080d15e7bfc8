"""ember.amp beyond the parity checks: the weight cast cache, custom autograd functions, unsupported
dtypes, threads, and GradScaler's refusals."""

import threading

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.amp import custom_bwd, custom_fwd


def test_a_weight_is_cast_once_per_region_and_the_cache_is_dropped_after():
    w = nn.Parameter(ember.randn(3, 3))
    x = ember.randn(2, 3)
    with ember.autocast("cpu"):
        a = ember.mm(x, w)
        b = ember.mm(x, w)
        assert ember.is_autocast_cache_enabled()
        from ember.amp.state import STATE
        assert STATE.cache[id(w)][0] is w
    assert a.dtype is ember.float16 and b.dtype is ember.float16
    assert STATE.cache == {}
    (a.float().sum() + b.float().sum()).backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * x.numpy().sum(0)[:, None].repeat(3, 1), rtol=1e-2)


def test_float64_and_integer_inputs_are_left_alone():
    with ember.autocast("cpu"):
        assert ember.mm(ember.ones(2, 2, dtype=ember.float64), ember.ones(2, 2, dtype=ember.float64)).dtype \
            is ember.float64
        assert ember.mm(ember.ones(2, 2, dtype=ember.int64), ember.ones(2, 2, dtype=ember.int64)).dtype \
            is ember.int64


def test_unsupported_dtype_warns_and_disables():
    with pytest.warns(UserWarning, match="not supported"):
        region = ember.autocast("cpu", dtype=ember.float64)
    with region:
        assert not ember.is_autocast_enabled("cpu")
        assert ember.mm(ember.ones(2, 2), ember.ones(2, 2)).dtype is ember.float32


def test_bad_device_type():
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'tpu'"):
        ember.autocast("tpu")
    with pytest.raises(ValueError, match="of type `str`"):
        ember.autocast(0)
    assert not ember.amp.is_autocast_available("tpu")


def test_autocast_state_is_per_thread():
    seen = []
    with ember.autocast("cpu"):
        t = threading.Thread(target=lambda: seen.append(ember.mm(ember.ones(2, 2), ember.ones(2, 2)).dtype))
        t.start()
        t.join()
    assert seen == [ember.float32]


class Square(ember.autograd.Function):
    @staticmethod
    @custom_fwd(device_type="cpu", cast_inputs=ember.float32)
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.inner_dtype = ember.mm(x, x).dtype   # autocast is off inside: float32
        return x * x

    @staticmethod
    @custom_bwd(device_type="cpu")
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


def test_custom_fwd_casts_inputs_and_turns_autocast_off():
    x = ember.randn(3, 3, dtype=ember.float16, requires_grad=True)
    with ember.autocast("cpu"):
        y = Square.apply(x)
    assert y.dtype is ember.float32
    y.sum().backward()
    np.testing.assert_allclose(x.grad.float().numpy(), 2 * x.detach().float().numpy(), rtol=1e-3)


def test_scaler_refuses_half_gradients_and_closures():
    p = nn.Parameter(ember.ones(2, dtype=ember.float16))
    opt = ember.optim.SGD([p], lr=0.1)
    scaler = ember.amp.GradScaler("cpu")
    scaler.scale(p.sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: 0)
    with pytest.raises(ValueError, match="growth factor must be > 1.0"):
        ember.amp.GradScaler("cpu", growth_factor=1.0)


def test_scaler_update_with_a_new_scale_and_pickling_state():
    scaler = ember.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale(ember.ones(1))
    scaler.update(16.0)
    assert scaler.get_scale() == 16.0
    with pytest.raises(ValueError, match="1-element"):
        scaler.update(ember.ones(2))
    state = scaler.__getstate__()
    assert state["_init_scale"] == 16.0 and state["_scale"] is None


def test_a_region_entered_before_importing_nn_still_casts_its_layers():
    import subprocess
    import sys
    code = ("import ember\n"
            "with ember.autocast('cpu'):\n"
            "    ember.mm(ember.ones(2, 2), ember.ones(2, 2))\n"
            "import ember.nn as nn\n"
            "with ember.autocast('cpu'):\n"
            "    print(nn.Linear(2, 2)(ember.ones(1, 2)).dtype, nn.Conv1d(1, 1, 1)(ember.ones(1, 1, 3)).dtype)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["ember.float16", "ember.float16"]
