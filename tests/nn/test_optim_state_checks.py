"""Optimizer state that does not fit its parameter is refused, not run through a fused kernel
that walks the parameter's length over a shorter buffer (a checkpoint of another model)."""

import numpy as np
import pytest

import ember
from ember import optim


def _trained(make, shape, dtype=ember.float32):
    p = ember.ones(*shape, dtype=dtype)
    opt = make([p])
    p.grad = ember.ones(*shape, dtype=dtype)
    opt.step()
    return opt


OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    "adam": lambda ps: optim.Adam(ps, lr=0.1),
    "adamw_amsgrad": lambda ps: optim.AdamW(ps, lr=0.1, amsgrad=True),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.9, centered=True),
    "adagrad": lambda ps: optim.Adagrad(ps, lr=0.1),
    "adadelta": lambda ps: optim.Adadelta(ps),
    "adamax": lambda ps: optim.Adamax(ps, lr=0.1),
}


def _params():
    """A float16 parameter and a non-contiguous one (the per-parameter path) and a plain one."""
    return [ember.ones(1000, dtype=ember.float16), ember.ones(40, 25).T, ember.ones(1000)]


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("which", [0, 1, 2], ids=["float16", "non_contiguous", "contiguous"])
def test_load_state_dict_refuses_the_state_of_another_model(name, which):
    make = OPTIMIZERS[name]
    saved = _trained(make, (3,)).state_dict()   # a model whose parameter has 3 elements
    p = _params()[which]
    opt = make([p])
    kept = {k: id(v) for k, v in opt.state[p].items()}   # Adagrad makes its state up front
    with pytest.raises(ValueError, match=r"loaded state dict has a '\w+' of shape \[3\] for parameter 0 of shape "
                                         rf"\[{', '.join(map(str, p.shape))}\]: it was saved for a different model"):
        opt.load_state_dict(saved)
    assert {k: id(v) for k, v in opt.state[p].items()} == kept   # nothing of the refused checkpoint was kept
    p.grad = ember.ones_like(p)
    opt.step()   # the optimizer still works, from a fresh state


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("which", [0, 1, 2], ids=["float16", "non_contiguous", "contiguous"])
def test_step_refuses_state_buffers_that_do_not_match_the_parameter(name, which):
    make = OPTIMIZERS[name]
    p = _params()[which]
    opt = make([p])
    p.grad = ember.ones_like(p)
    opt.step()
    state = opt.state[p]
    key = next(k for k, v in state.items() if isinstance(v, ember.Tensor) and k != "step")
    before = p.clone()
    state[key] = ember.zeros(3, dtype=p.dtype)   # set behind load_state_dict's back
    with pytest.raises(RuntimeError, match=r"optimizer state of shape \[3\] does not match its parameter of shape "
                                           r"\[.*\] \(was the state loaded from another model\?\)"):
        opt.step()
    np.testing.assert_array_equal(p.float().numpy(), before.float().numpy())


def test_load_state_dict_checks_every_parameter_and_keeps_matching_state():
    a, b = ember.ones(4), ember.ones(2, 2)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = ember.ones(4), ember.ones(2, 2)
    opt.step()
    saved = opt.state_dict()
    fresh = optim.Adam([ember.ones(4), ember.ones(2, 2)], lr=0.1)
    fresh.load_state_dict(saved)   # same shapes: accepted
    swapped = optim.Adam([ember.ones(2, 2), ember.ones(4)], lr=0.1)
    with pytest.raises(ValueError, match=r"'exp_avg' of shape \[4\] for parameter 0 of shape \[2, 2\]: it was saved "
                                         r"for a different model \(or the parameters are in another order\)"):
        swapped.load_state_dict(saved)


def test_load_state_dict_refuses_state_entries_that_are_not_tensors():
    saved = _trained(OPTIMIZERS["adam"], (3,)).state_dict()
    saved["state"][0]["exp_avg"] = [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match=r"a 'exp_avg' for parameter 0 that is not a tensor: a list"):
        optim.Adam([ember.ones(3)], lr=0.1).load_state_dict(saved)
    saved = _trained(OPTIMIZERS["adam"], (3,)).state_dict()
    saved["state"][0]["step"] = ember.ones(2)
    with pytest.raises(ValueError, match=r"a 'step' for parameter 0 that is not a number or a one-element tensor: "
                                         r"a tensor of shape \[2\]"):
        optim.Adam([ember.ones(3)], lr=0.1).load_state_dict(saved)


def test_a_step_saved_as_a_number_is_read_as_a_tensor():
    saved = _trained(OPTIMIZERS["adam"], (3,)).state_dict()
    saved["state"][0]["step"] = 1   # as older checkpoints kept it
    p = ember.ones(3)
    opt = optim.Adam([p], lr=0.1)
    opt.load_state_dict(saved)
    p.grad = ember.ones(3)
    opt.step()
    assert opt.state[p]["step"].item() == 2


def test_state_with_another_dtype_or_device_is_matched_to_the_parameter():
    saved = _trained(OPTIMIZERS["adam"], (3,), dtype=ember.float64).state_dict()
    p = ember.ones(3, dtype=ember.float16)
    opt = optim.Adam([p], lr=0.1)
    opt.load_state_dict(saved)
    assert opt.state[p]["exp_avg"].dtype is ember.float16
    p.grad = ember.ones(3, dtype=ember.float16)
    opt.step()


def test_sgd_without_momentum_keeps_its_none_buffer():
    saved = _trained(lambda ps: optim.SGD(ps, lr=0.1), (3,)).state_dict()
    p = ember.ones(5)
    opt = optim.SGD([p], lr=0.1)
    opt.load_state_dict(saved)   # a None momentum buffer fits any parameter
    p.grad = ember.ones(5)
    opt.step()
    np.testing.assert_allclose(p.numpy(), np.full(5, 0.9))
