"""A torchvision model's state dict saved by PyTorch loads into ember.vision.models and gives the
same outputs.

torchvision cannot be installed beside torch 2.13 here, so its ResNet and MobileNetV2 are written
below in plain torch.nn, with torchvision's module structure, names and forward passes.
"""

import os
import warnings

import numpy as np
import pytest

import ember
from ember.vision import models as M

torch = pytest.importorskip("torch")
tnn = torch.nn


# -- torchvision's architectures, in torch.nn -----------------------------------------------------

def conv3x3(cin, cout, stride=1):
    return tnn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(cin, cout, stride=1):
    return tnn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False)


class BasicBlock(tnn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.relu = tnn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + identity)


class Bottleneck(tnn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * 4)
        self.bn3 = tnn.BatchNorm2d(planes * 4)
        self.relu = tnn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(tnn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = tnn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU(inplace=True)
        self.maxpool = tnn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], 2)
        self.layer3 = self._make_layer(block, 256, layers[2], 2)
        self.layer4 = self._make_layer(block, 512, layers[3], 2)
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = tnn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                        tnn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return tnn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class ConvBNReLU6(tnn.Sequential):  # torchvision.ops.misc.Conv2dNormActivation with ReLU6
    def __init__(self, cin, cout, kernel_size=3, stride=1, groups=1):
        super().__init__(tnn.Conv2d(cin, cout, kernel_size, stride, (kernel_size - 1) // 2, groups=groups, bias=False),
                         tnn.BatchNorm2d(cout), tnn.ReLU6(inplace=True))


class InvertedResidual(tnn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = [ConvBNReLU6(inp, hidden, kernel_size=1)] if expand_ratio != 1 else []
        layers += [ConvBNReLU6(hidden, hidden, stride=stride, groups=hidden),
                   tnn.Conv2d(hidden, oup, 1, 1, 0, bias=False), tnn.BatchNorm2d(oup)]
        self.conv = tnn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(tnn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                   [6, 320, 1, 1]]
        features, cin = [ConvBNReLU6(3, 32, stride=2)], 32
        for t, c, n, s in setting:
            for i in range(n):
                features.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        features.append(ConvBNReLU6(cin, 1280, kernel_size=1))
        self.features = tnn.Sequential(*features)
        self.classifier = tnn.Sequential(tnn.Dropout(0.2), tnn.Linear(1280, num_classes))

    def forward(self, x):
        x = tnn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


def torch_model(name, num_classes=1000):
    torch.manual_seed(0)
    model = {"resnet18": lambda: ResNet(BasicBlock, [2, 2, 2, 2], num_classes),
             "resnet50": lambda: ResNet(Bottleneck, [3, 4, 6, 3], num_classes),
             "mobilenet_v2": lambda: MobileNetV2(num_classes)}[name]()
    with torch.no_grad():  # trained-looking BN layers, so eval mode does more than divide by sqrt(1 + eps)
        for m in model.modules():
            if isinstance(m, tnn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(100)
    return model


def compare(tmodel, emodel, shape, atol=1e-4):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expected = tmodel.eval()(torch.from_numpy(x)).numpy()
    with ember.no_grad():
        actual = emodel.eval()(ember.from_numpy(x)).numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=1e-4)


# -- the tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, shape", [("resnet18", (2, 3, 64, 64)), ("mobilenet_v2", (2, 3, 64, 64)),
                                         pytest.param("resnet50", (1, 3, 64, 64), marks=pytest.mark.slow)])
def test_pytorch_state_dict_loads_and_matches(tmp_path, name, shape):
    tmodel = torch_model(name, num_classes=10)
    torch.save(tmodel.state_dict(), tmp_path / f"{name}.pth")
    emodel = M.get_model(name, num_classes=10)
    assert list(emodel.state_dict()) == list(tmodel.state_dict())
    result = emodel.load_state_dict(ember.load(tmp_path / f"{name}.pth"))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert sum(p.numel() for p in emodel.parameters()) == sum(p.numel() for p in tmodel.parameters())
    compare(tmodel, emodel, shape)


def test_resnet18_train_mode_matches(tmp_path):
    tmodel = torch_model("resnet18", num_classes=4)
    torch.save(tmodel.state_dict(), tmp_path / "r.pth")
    emodel = M.resnet18(num_classes=4)
    emodel.load_state_dict(ember.load(tmp_path / "r.pth"))
    x = np.random.default_rng(1).standard_normal((4, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        expected = tmodel.train()(torch.from_numpy(x)).numpy()
    with ember.no_grad():
        actual = emodel.train()(ember.from_numpy(x)).numpy()
    np.testing.assert_allclose(actual, expected, atol=1e-4, rtol=1e-4)
    for name in ("bn1", "layer2.0.downsample.1", "layer4.1.bn2"):
        for stat in ("running_mean", "running_var"):
            np.testing.assert_allclose(getattr(emodel.get_submodule(name), stat).numpy(),
                                       getattr(tmodel.get_submodule(name), stat).numpy(), atol=1e-5, rtol=1e-4)


class PatternReLU:
    """ReLU for either framework that records its on/off pattern call by call, or replays a recorded one."""

    def __init__(self, lib, patterns, replay):
        self.lib, self.patterns, self.replay, self.calls = lib, patterns, replay, 0

    def __call__(self, x):
        if not self.replay:
            self.patterns.append((x > 0).numpy())
            return x.clamp(min=0)
        on = self.lib.from_numpy(self.patterns[self.calls])
        self.calls += 1
        return self.lib.where(on, x, self.lib.zeros((), dtype=x.dtype))


def resnet18_gradients(lib, state, x, target, dtype, relu):
    if lib is torch:
        model = ResNet(BasicBlock, [2, 2, 2, 2], 10)
        model.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})
    else:
        model = M.resnet18(num_classes=10)
        model.load_state_dict(state)
    model = model.to(dtype).train()
    layer = lib.nn.Module()
    layer.forward = relu   # one module in call order: blocks reuse theirs
    for name, module in list(model.named_modules()):
        if isinstance(module, lib.nn.ReLU):
            setattr(model.get_submodule(name.rpartition(".")[0]), name.rpartition(".")[2], layer)
    lib.nn.functional.cross_entropy(model(lib.from_numpy(x).to(dtype)), lib.from_numpy(target)).backward()
    return {name: p.grad.numpy().astype(np.float64) for name, p in model.named_parameters()}


def test_resnet18_float32_gradients_match_pytorch_float32():
    """A ResNet-18 training step (batch 4, 64x64) in float32: every parameter's gradient within 1e-4 (relative
    norm) of PyTorch's. Both replay the activation pattern of ember's float64 run, so a unit whose pre-activation
    rounds to the other side of zero in one of them cannot make the gradients differ by a path (see
    tests/vision/test_resnet_float32_accuracy.py)."""
    ember.manual_seed(0)
    state = M.resnet18(num_classes=10).state_dict()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 64, 64)).astype(np.float32)
    target = rng.integers(0, 10, 4)
    patterns = []
    exact = resnet18_gradients(ember, state, x, target, ember.float64, PatternReLU(ember, patterns, False))
    ours = resnet18_gradients(ember, state, x, target, ember.float32, PatternReLU(ember, patterns, True))
    replay = PatternReLU(torch, patterns, True)
    theirs = resnet18_gradients(torch, state, x, target, torch.float32, replay)
    assert replay.calls == len(patterns) == 17
    for name, g in exact.items():
        scale = np.linalg.norm(g)
        assert np.linalg.norm(theirs[name] - g) / scale < 1e-4, name   # PyTorch's own rounding, for reference
        assert np.linalg.norm(ours[name] - theirs[name]) / scale < 1e-4, name


class LeNet5(tnn.Module):  # ember.vision.models.LeNet5 in torch.nn
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = tnn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = tnn.Conv2d(6, 16, 5)
        self.relu = tnn.ReLU()
        self.pool = tnn.MaxPool2d(2, 2)
        self.avgpool = tnn.AdaptiveAvgPool2d((5, 5))
        self.fc1, self.fc2, self.fc3 = tnn.Linear(400, 120), tnn.Linear(120, 84), tnn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool(self.relu(self.conv2(self.pool(self.relu(self.conv1(x))))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc3(self.relu(self.fc2(self.relu(self.fc1(x)))))


@pytest.mark.parametrize("size", [28, 32])
def test_lenet5_outputs_and_gradients_match(tmp_path, size):
    torch.manual_seed(0)
    tmodel = LeNet5()
    torch.save(tmodel.state_dict(), tmp_path / "lenet.pth")
    emodel = M.lenet5()
    emodel.load_state_dict(ember.load(tmp_path / "lenet.pth"))
    x = np.random.default_rng(2).standard_normal((3, 1, size, size)).astype(np.float32)
    target = [1, 7, 3]
    tloss = tnn.functional.cross_entropy(tmodel(torch.from_numpy(x)), torch.tensor(target))
    eloss = ember.nn.functional.cross_entropy(emodel(ember.from_numpy(x)), ember.tensor(target))
    np.testing.assert_allclose(eloss.item(), tloss.item(), rtol=1e-5)
    tloss.backward()
    eloss.backward()
    for name, param in tmodel.named_parameters():
        np.testing.assert_allclose(emodel.get_parameter(name).grad.numpy(), param.grad.numpy(), atol=1e-6,
                                   rtol=1e-4, err_msg=name)


@pytest.fixture
def hub(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "ember"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return tmp_path / "ember" / "hub" / "checkpoints", tmp_path / "torch" / "hub" / "checkpoints"


def test_weights_from_pytorch_hub_cache(hub):
    """A checkpoint in PyTorch's cache (where torchvision downloads it) is used as it is."""
    _, torch_dir = hub
    os.makedirs(torch_dir)
    tmodel = torch_model("mobilenet_v2")
    torch.save(tmodel.state_dict(), torch_dir / "mobilenet_v2-7ebf99e0.pth")
    emodel = M.mobilenet_v2(weights=M.MobileNet_V2_Weights.IMAGENET1K_V2)
    compare(tmodel, emodel, (1, 3, 48, 48))


def test_legacy_format_weights(hub):
    """torchvision's older checkpoints (e.g. mobilenet_v2-b0353104.pth) are in the pre-1.6 format."""
    ember_dir, _ = hub
    os.makedirs(ember_dir)
    tmodel = torch_model("resnet18")
    torch.save(tmodel.state_dict(), ember_dir / "resnet18-f37072fd.pth", _use_new_zipfile_serialization=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecation warnings of pretrained=True (tests/vision checks them)
        emodel = M.resnet18(pretrained=True)
    compare(tmodel, emodel, (1, 3, 32, 32))
    state = M.ResNet18_Weights.DEFAULT.get_state_dict()
    assert state._metadata[""]["version"] == 1 and state._metadata["bn1"]["version"] == 2


def test_legacy_format_shared_storage_and_dtypes(tmp_path):
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"base": base, "col": base[:, 2], "half": torch.tensor([0.5], dtype=torch.float16),
                "ids": torch.tensor([1, 2]), "flag": torch.tensor([True])}, tmp_path / "x.pth",
               _use_new_zipfile_serialization=False)
    from ember.vision.models._legacy_checkpoint import is_legacy_checkpoint, load_legacy_checkpoint
    assert is_legacy_checkpoint(tmp_path / "x.pth")
    out = load_legacy_checkpoint(tmp_path / "x.pth")
    assert out["col"].tolist() == [2.0, 6.0, 10.0]
    out["base"][1, 2] = -1.0
    assert out["col"][1].item() == -1.0
    assert out["half"].dtype is ember.float16 and out["ids"].dtype is ember.int64 and out["flag"].tolist() == [True]
