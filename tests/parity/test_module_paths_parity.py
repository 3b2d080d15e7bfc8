"""Every ``torch.nn.modules.<file>.<Class>`` that ember has is importable as ``ember.nn.modules.<file>.<Class>``
and is the very class ``ember.nn.<Class>``; ``torch.nn.modules.utils`` helpers behave the same."""

import importlib
import inspect
import pkgutil

import pytest

import ember
import ember.nn as enn

torch = pytest.importorskip("torch")


def torch_public_classes():
    """(file, class name) for each public class torch defines in, or exports from, torch.nn.modules.<file>."""
    found = []
    for info in pkgutil.iter_modules(torch.nn.modules.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"torch.nn.modules.{info.name}")
        exported = set(getattr(module, "__all__", ()))
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isclass(obj):
                continue
            if obj.__module__ == module.__name__ or name in exported:
                found.append((info.name, name))
    return sorted(set(found))


PAIRS = [(f, n) for f, n in torch_public_classes() if hasattr(enn, n)]


def test_the_list_covers_the_files_programs_import_from():
    files = {f for f, _ in PAIRS}
    assert {"activation", "batchnorm", "container", "conv", "distance", "dropout", "flatten", "fold", "instancenorm",
            "linear", "loss", "module", "normalization", "padding", "pixelshuffle", "channelshuffle", "pooling",
            "rnn", "sparse", "transformer", "upsampling"} <= files
    assert ("activation", "MultiheadAttention") in PAIRS and len(PAIRS) > 100


@pytest.mark.parametrize(("file", "name"), PAIRS, ids=[f"{f}.{n}" for f, n in PAIRS])
def test_torch_module_path_resolves_to_the_same_ember_class(file, name):
    module = importlib.import_module(f"ember.nn.modules.{file}")
    assert getattr(module, name) is getattr(enn, name)


def test_modules_utils_helpers():
    from torch.nn.modules import utils as tu

    from ember.nn.modules.utils import _pair, _quadruple, _reverse_repeat_tuple, _single, _triple
    for value in (3, (1, 2), [4, 5, 6]):
        for ours, theirs in ((_single, tu._single), (_pair, tu._pair), (_triple, tu._triple),
                             (_quadruple, tu._quadruple)):
            assert ours(value) == theirs(value)
    assert _pair.__name__ == "_pair"
    assert _reverse_repeat_tuple((1, 2), 2) == tu._reverse_repeat_tuple((1, 2), 2) == (2, 2, 1, 1)


def test_consume_prefix_in_state_dict_if_present_matches_pytorch():
    from ember.nn.modules.utils import consume_prefix_in_state_dict_if_present
    model = enn.Sequential(enn.Linear(2, 2))
    saved = enn.DataParallel(model).state_dict()
    tmodel = torch.nn.Sequential(torch.nn.Linear(2, 2))
    tsaved = torch.nn.DataParallel(tmodel).state_dict()
    consume_prefix_in_state_dict_if_present(saved, "module.")
    torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(tsaved, "module.")
    assert list(saved) == list(tsaved) == ["0.weight", "0.bias"]
    assert sorted(saved._metadata) == sorted(tsaved._metadata)
    model.load_state_dict(saved)


def test_channel_shuffle_matches_pytorch():
    x = torch.randn(2, 6, 3, 2, requires_grad=True)
    ex = ember.tensor(x.detach().numpy(), requires_grad=True)
    tout, eout = torch.nn.ChannelShuffle(3)(x), enn.ChannelShuffle(3)(ex)
    assert (eout.detach().numpy() == tout.detach().numpy()).all()
    assert repr(enn.ChannelShuffle(3)) == repr(torch.nn.ChannelShuffle(3)) == "ChannelShuffle(groups=3)"
    up = torch.randn(2, 6, 3, 2)
    tout.backward(up)
    eout.backward(ember.tensor(up.numpy()))
    assert (ex.grad.numpy() == x.grad.numpy()).all()
    with pytest.raises(RuntimeError, match="Got 6 channels and 4 groups"):
        enn.ChannelShuffle(4)(ex)
