"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict: indexing, editing, repr."""

from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn


def test_sequential_forward_indexing_and_slicing():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x = ember.randn(4, 2)
    manual = seq[2](seq[1](seq[0](x)))
    np.testing.assert_allclose(seq(x).detach().numpy(), manual.detach().numpy())
    assert len(seq) == 3 and seq[-1] is seq[2]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]


def test_sequential_from_ordered_dict_and_editing():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.Tanh())]))
    assert list(seq._modules) == ["fc", "act"] and seq.act is seq[1]
    seq.append(nn.ReLU())
    assert list(seq._modules) == ["fc", "act", "2"]
    seq = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and isinstance(seq[0], nn.Tanh)
    seq.insert(0, nn.ELU())
    assert [type(m).__name__ for m in seq] == ["ELU", "Tanh", "Sigmoid"]
    popped = seq.pop(1)
    assert isinstance(popped, nn.Tanh) and len(seq) == 2
    seq[0] = nn.GELU()
    assert isinstance(seq[0], nn.GELU)
    both = seq + nn.Sequential(nn.ReLU())
    assert len(both) == 3
    assert len(seq * 2) == 4
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        seq + nn.ReLU()
    seq.extend([nn.ReLU(), nn.ReLU()])
    assert len(seq) == 4


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(1, nn.Sigmoid())
    assert [type(m).__name__ for m in layers] == ["Linear", "Sigmoid", "Linear", "Linear", "ReLU", "Tanh"]
    del layers[1]
    assert list(layers._modules) == [str(i) for i in range(5)]
    assert isinstance(layers[-1], nn.Tanh) and isinstance(layers[1:3], nn.ModuleList)
    layers += [nn.ELU()]
    assert len(layers) == 6
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable, but got int"):
        layers.extend(5)


def test_module_list_is_not_callable():
    with pytest.raises(NotImplementedError, match="missing the required \"forward\" function"):
        nn.ModuleList()(1)


def test_module_dict():
    heads = nn.ModuleDict({"b": nn.Linear(1, 2), "a": nn.ReLU()})
    assert list(heads.keys()) == ["b", "a"] and "a" in heads and len(heads) == 2
    heads["c"] = nn.Tanh()
    assert list(heads) == ["b", "a", "c"]
    assert isinstance(heads.pop("a"), nn.ReLU) and "a" not in heads
    heads.update([("d", nn.ELU())])
    assert list(heads.values())[-1].__class__ is nn.ELU
    assert [k for k, _ in heads.items()] == ["b", "c", "d"]
    heads.clear()
    assert len(heads) == 0
    with pytest.raises(ValueError, match="ModuleDict update sequence element #0 has length 3; 2 is required"):
        heads.update([("a", nn.ReLU(), 1)])


def test_parameter_list_and_dict_register_parameters():
    plist = nn.ParameterList([nn.Parameter(ember.ones(2, 3)), ember.zeros(3)])
    assert isinstance(plist[1], nn.Parameter) and len(list(plist.parameters())) == 2
    assert [n for n, _ in plist.named_parameters()] == ["0", "1"]
    plist.append(ember.ones(1))
    assert len(plist) == 3
    pdict = nn.ParameterDict({"w": nn.Parameter(ember.ones(2)), "b": ember.zeros(1)})
    assert list(pdict.keys()) == ["b", "w"]       # plain dicts are sorted, as in PyTorch
    assert isinstance(pdict["b"], nn.Parameter)
    del pdict["b"]
    assert list(pdict) == ["w"]
    with pytest.raises(RuntimeError, match="ParameterList should not be called."):
        plist()


def test_container_reprs_match_pytorch():
    assert repr(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 3)))) == (
        "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n  (2): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=3, bias=True)\n  )\n)")
    assert repr(nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])) == (
        "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n)")
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert repr(nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(1, 2)})) == (
        "ModuleDict(\n  (a): ReLU()\n  (b): Linear(in_features=1, out_features=2, bias=True)\n)")
    assert repr(nn.ParameterList([nn.Parameter(ember.ones(2, 3)), ember.zeros(3)])) == (
        "ParameterList(\n    (0): Parameter containing: [ember.float32 of size 2x3]\n"
        "    (1): Parameter containing: [ember.float32 of size 3]\n)")
