"""Module system: attribute routing, iteration, modes, conversion, state dicts, hooks, repr."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer("steps", ember.zeros(1))
        self.register_buffer("scratch", ember.ones(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


# -- attribute routing ---------------------------------------------------------------------

def test_setattr_routes_parameters_buffers_and_modules():
    net = Net()
    assert list(net._parameters) == []
    assert list(net._modules) == ["fc1", "act", "fc2"]
    assert list(net._buffers) == ["steps", "scratch"]
    assert net._non_persistent_buffers_set == {"scratch"}
    net.w = nn.Parameter(ember.ones(2))
    assert "w" in net._parameters and "w" not in net.__dict__
    assert net.w is net._parameters["w"]
    net.plain = ember.ones(2)           # a plain tensor is an ordinary attribute
    assert "plain" in net.__dict__ and "plain" not in net._buffers


def test_reassigning_a_buffer_keeps_it_a_buffer_and_keeps_persistence():
    net = Net()
    net.scratch = ember.zeros(5)
    assert net._buffers["scratch"].shape == (5,)
    assert "scratch" in net._non_persistent_buffers_set
    net.steps = None
    assert net._buffers["steps"] is None


def test_assigning_buffer_wrapper_registers_buffer():
    m = nn.Module()
    m.stat = nn.Buffer(ember.ones(3), persistent=False)
    assert "stat" in m._buffers and "stat" in m._non_persistent_buffers_set
    assert type(m.stat) is ember.Tensor


def test_assigning_wrong_types_raises_pytorch_errors():
    net = Net()
    net.w = nn.Parameter(ember.ones(1))
    with pytest.raises(TypeError, match=r"cannot assign 'ember.Tensor' as parameter 'w' \(ember.nn.Parameter or None"):
        net.w = ember.ones(1)
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'fc1'"):
        net.fc1 = 3
    with pytest.raises(TypeError, match="cannot assign 'str' as buffer 'steps'"):
        net.steps = "x"
    with pytest.raises(KeyError, match="attribute 'fc1' already exists"):
        net.register_buffer("fc1", ember.ones(1))
    with pytest.raises(KeyError) as err:
        net.register_buffer("a.b", ember.ones(1))
    assert err.value.args[0] == 'buffer name can\'t contain "."'
    with pytest.raises(KeyError) as err:
        net.register_parameter("", None)
    assert err.value.args[0] == 'parameter name can\'t be empty string ""'
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        net.add_module("x", 1)
    with pytest.raises(TypeError, match=r"cannot assign 'ember.Tensor' object to parameter 'p'"):
        net.register_parameter("p", ember.ones(1))


def test_assignment_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"cannot assign module before Module.__init__\(\) call"):
        Bad()


def test_non_leaf_parameter_refused():
    x = ember.ones(2, requires_grad=True)
    p = nn.Parameter(ember.ones(2))
    p.grad_fn = (x * 2).grad_fn
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'w'"):
        nn.Module().register_parameter("w", p)


def test_getattr_error_and_delattr():
    net = Net()
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        net.nope
    del net.fc1
    del net.steps
    assert "fc1" not in net._modules and "steps" not in net._buffers


def test_module_reassigned_as_parameter_moves_between_dicts():
    m = nn.Module()
    m.x = nn.ReLU()
    m.x = nn.Parameter(ember.ones(1))
    assert "x" in m._parameters and "x" not in m._modules
    with pytest.raises(TypeError, match="cannot assign 'ember.nn.modules.activation.ReLU' as parameter 'x'"):
        m.x = nn.ReLU()


# -- iteration ------------------------------------------------------------------------------

def test_named_parameters_buffers_modules_children():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in net.named_parameters(prefix="model")][0] == "model.fc1.weight"
    assert [n for n, _ in net.named_parameters(recurse=False)] == []
    assert [n for n, _ in net.named_buffers()] == ["steps", "scratch"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert len(list(net.parameters())) == 4 and len(list(net.buffers())) == 2
    assert list(net.children())[1] is net.act
    assert list(net.modules())[0] is net


def test_shared_modules_and_parameters_counted_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0"]
    assert len(list(seq.named_modules(remove_duplicate=False))) == 3
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def test_get_submodule_parameter_buffer():
    seq = nn.Sequential(Net())
    assert seq.get_submodule("0.fc2") is seq[0].fc2
    assert seq.get_submodule("") is seq
    assert seq.get_parameter("0.fc1.bias") is seq[0].fc1.bias
    assert seq.get_buffer("0.steps") is seq[0].steps
    with pytest.raises(AttributeError, match="Net has no attribute `nope`"):
        seq.get_submodule("0.nope")
    with pytest.raises(AttributeError, match="`act` is not an nn.Parameter"):
        seq.get_parameter("0.act")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        seq.get_buffer("0.fc1.weight")


# -- modes and gradients ---------------------------------------------------------------------

def test_train_eval_recurse_and_validate():
    net = Net()
    assert net.eval() is net
    assert not net.training and not net.fc1.training
    net.train()
    assert net.fc2.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_requires_grad_and_zero_grad():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    net(ember.ones(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_apply_visits_children_first():
    seen = []
    net = Net()
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Linear", "Net"]


# -- conversion ------------------------------------------------------------------------------

def test_to_dtype_casts_float_state_only_and_keeps_parameter_identity():
    bn = nn.BatchNorm1d(3)
    w = bn.weight
    bn.to(ember.float64)
    assert bn.weight is w and isinstance(bn.weight, nn.Parameter)
    assert bn.weight.dtype is ember.float64 and bn.running_mean.dtype is ember.float64
    assert bn.num_batches_tracked.dtype is ember.int64
    bn.float()
    assert bn.weight.dtype is ember.float32
    bn.double()
    assert bn.running_var.dtype is ember.float64
    assert bn.to("cpu") is bn and bn.cpu() is bn
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        bn.to(ember.int32)


def test_to_converts_existing_grads():
    lin = nn.Linear(2, 1)
    lin(ember.ones(1, 2)).sum().backward()
    lin.double()
    assert lin.weight.grad.dtype is ember.float64


# -- state dict ------------------------------------------------------------------------------

def test_state_dict_keys_metadata_and_detached_shared_tensors():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert sd._metadata == OrderedDict([("", {"version": 1}), ("fc1", {"version": 1}), ("act", {"version": 1}),
                                        ("fc2", {"version": 1})])
    assert not sd["fc1.weight"].requires_grad and not isinstance(sd["fc1.weight"], nn.Parameter)
    sd["fc1.bias"].fill_(7.0)         # shares memory with the parameter
    assert float(net.fc1.bias[0]) == 7.0
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight
    assert list(net.state_dict(prefix="m."))[0] == "m.steps"


def test_batchnorm_metadata_version_is_2():
    sd = nn.Sequential(nn.BatchNorm2d(2)).state_dict()
    assert sd._metadata["0"] == {"version": 2}
    assert list(sd) == ["0.weight", "0.bias", "0.running_mean", "0.running_var", "0.num_batches_tracked"]


def test_load_state_dict_round_trip_copies_in_place():
    a, b = Net(), Net()
    w = b.fc1.weight
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert b.fc1.weight is w
    for (na, pa), (nb, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert na == nb
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())


def test_load_state_dict_strict_reports_missing_and_unexpected():
    net = Net()
    sd = net.state_dict()
    del sd["fc2.bias"]
    sd["extra.weight"] = ember.ones(1)
    sd["fc1.nope"] = ember.ones(1)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    assert str(err.value) == ('Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "fc2.bias". '
                              '\n\tUnexpected key(s) in state_dict: "extra.weight", "fc1.nope". ')
    result = net.load_state_dict(sd, strict=False)   # reported, not raised
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["extra.weight", "fc1.nope"]
    assert isinstance(result, tuple) and result._fields == ("missing_keys", "unexpected_keys")


def test_load_state_dict_refuses_shape_mismatch_naming_key_and_shapes():
    class M(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.fc = nn.Linear(3, n)

    with pytest.raises(RuntimeError) as err:
        M(3).load_state_dict(M(2).state_dict())
    assert ("size mismatch for fc.weight: copying a param with shape ember.Size([2, 3]) from checkpoint, the shape "
            "in current model is ember.Size([3, 3]).") in str(err.value)
    assert "size mismatch for fc.bias" in str(err.value)


def test_load_state_dict_non_tensor_and_type_errors():
    net = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        net.load_state_dict([1, 2])
    with pytest.raises(RuntimeError, match='While copying the parameter named "weight", expected ember.Tensor'):
        net.load_state_dict({"weight": 1.0, "bias": ember.zeros(1)})


def test_load_state_dict_assign_replaces_tensors():
    net = nn.Linear(2, 2)
    new = {"weight": ember.ones(2, 2), "bias": ember.zeros(2)}
    net.load_state_dict(new, assign=True)
    assert isinstance(net.weight, nn.Parameter) and net.weight.requires_grad
    assert float(net.weight.sum()) == 4.0


def test_old_batchnorm_checkpoint_without_counter_loads():
    bn = nn.BatchNorm1d(2)
    sd = bn.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""] = {"version": 1}
    assert bn.load_state_dict(sd).missing_keys == []
    sd._metadata[""] = {"version": 2}
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "num_batches_tracked"'):
        bn.load_state_dict(sd)


def test_extra_state_round_trips():
    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.value = 1

        def get_extra_state(self):
            return {"value": self.value}

        def set_extra_state(self, state):
            self.value = state["value"]

    a, b = WithExtra(), WithExtra()
    a.value = 5
    sd = a.state_dict()
    assert sd["_extra_state"] == {"value": 5}
    b.load_state_dict(sd)
    assert b.value == 5


def test_state_dict_and_load_hooks():
    net = nn.Linear(1, 1)
    calls = []
    h1 = net.register_state_dict_pre_hook(lambda m, prefix, keep: calls.append("pre"))
    h2 = net.register_state_dict_post_hook(lambda m, sd, prefix, meta: calls.append("post"))
    h3 = net.register_load_state_dict_post_hook(lambda m, keys: calls.append(("load", tuple(keys.missing_keys))))
    sd = net.state_dict()
    net.load_state_dict(sd)
    assert calls == ["pre", "post", ("load", ())]
    for h in (h1, h2, h3):
        h.remove()
    net.load_state_dict(net.state_dict())
    assert len(calls) == 3


def test_pickle_and_deepcopy_modules():
    net = Net()
    clone = copy.deepcopy(net)
    assert clone.fc1.weight is not net.fc1.weight and isinstance(clone.fc1.weight, nn.Parameter)
    np.testing.assert_array_equal(clone.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.fc2.bias.detach().numpy(), net.fc2.bias.detach().numpy())
    assert isinstance(restored.fc2.bias, nn.Parameter) and restored.fc2.bias.requires_grad


# -- hooks -----------------------------------------------------------------------------------

def test_forward_pre_hook_and_forward_hook_can_replace_values():
    lin = nn.Linear(2, 2)
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: out + 1)
    out = lin(ember.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy()[None] + 1, rtol=1e-6)
    h1.remove()
    h2.remove()
    assert not lin._forward_hooks and not lin._forward_pre_hooks


def test_hooks_with_kwargs_prepend_and_context_manager():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    order = []
    m.register_forward_hook(lambda mod, args, out: order.append("a"))
    m.register_forward_hook(lambda mod, args, out: order.append("b"), prepend=True)
    with m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True):
        assert float(m(ember.ones(1))) == 3.0
    assert float(m(ember.ones(1), factor=2.0)) == 2.0
    assert order == ["b", "a", "b", "a"]
    seen = {}
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.update(kwargs), with_kwargs=True)
    m(ember.ones(1), factor=5.0)
    assert seen == {"factor": 5.0}


def test_always_call_forward_hook_runs_on_error():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    ran = []
    m.register_forward_hook(lambda mod, args, out: ran.append(out), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(ember.ones(1))
    assert ran == [None]


def test_full_backward_hook_sees_and_replaces_grad_input():
    lin = nn.Linear(3, 2, bias=False)
    x = ember.ones(4, 3, requires_grad=True)
    seen = {}

    def hook(module, grad_input, grad_output):
        seen["in"] = grad_input
        seen["out"] = grad_output
        return (grad_input[0] * 2,)

    handle = lin.register_full_backward_hook(hook)
    lin(x).sum().backward()
    assert len(seen["in"]) == 1 and len(seen["out"]) == 1
    np.testing.assert_allclose(seen["out"][0].numpy(), np.ones((4, 2)))
    expected = np.ones((4, 2)) @ lin.weight.detach().numpy()
    np.testing.assert_allclose(seen["in"][0].numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 2 * expected, rtol=1e-6)
    handle.remove()
    x.grad = None
    lin(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_backward_hook_when_input_does_not_require_grad_gets_none():
    lin = nn.Linear(3, 2)
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
    lin(ember.ones(1, 3)).sum().backward()
    assert seen == [((None,), (1, 2))]


def test_backward_pre_hook_replaces_grad_output():
    lin = nn.Linear(2, 1, bias=False)
    lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 10,))
    lin(ember.ones(1, 2)).sum().backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), [[10.0, 10.0]])


def test_global_forward_hook():
    calls = []
    handle = nn.modules.module.register_module_forward_hook(lambda m, a, o: calls.append(type(m).__name__))
    try:
        nn.Sequential(nn.ReLU())(ember.ones(1))
    finally:
        handle.remove()
    assert calls == ["ReLU", "Sequential"]


def test_forward_not_implemented():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward" function'):
        nn.Module()(1)


# -- repr ------------------------------------------------------------------------------------

def test_repr_nested_like_pytorch():
    assert repr(Net()) == ("Net(\n  (fc1): Linear(in_features=3, out_features=4, bias=True)\n  (act): ReLU()\n"
                           "  (fc2): Linear(in_features=4, out_features=2, bias=True)\n)")
    assert repr(nn.Module()) == "Module()"

    class Multi(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Multi()) == "Multi(\n  a=1\n  b=2\n)"


def test_dir_lists_registered_names():
    names = dir(Net())
    assert "fc1" in names and "steps" in names and "forward" in names
