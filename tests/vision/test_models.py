"""ember.vision.models: architectures with torchvision's names and sizes, weights enums, the
checkpoint cache / download / offline paths (a local http.server, never the internet)."""

import hashlib
import io
import math
import os
import pickle
import subprocess
import sys
import tarfile
import warnings

import numpy as np
import pytest
from test_download import closed_port, serve

import ember
import ember.hub
from ember import nn
from ember.serialization import saving
from ember.vision import models as M
from ember.vision import transforms as T
from ember.vision.models import _legacy_checkpoint, mobilenetv2, resnet

# torchvision's published parameter counts (its docs and weights' meta["num_params"])
TORCHVISION_NUM_PARAMS = {"resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
                          "vgg11": 132_863_336, "vgg11_bn": 132_868_840, "mobilenet_v2": 3_504_872,
                          "resnext50_32x4d": 25_028_904, "wide_resnet50_2": 68_883_240,
                          "mobilenet_v3_small": 2_542_856, "mobilenet_v3_large": 5_483_032,
                          "efficientnet_b0": 5_288_548, "densenet121": 7_978_856, "densenet161": 28_681_000,
                          "squeezenet1_0": 1_248_424, "squeezenet1_1": 1_235_496}


def num_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.fixture(scope="module")
def resnet18():
    ember.manual_seed(0)
    return M.resnet18().eval()


@pytest.fixture(scope="module")
def mobilenet():
    ember.manual_seed(0)
    return M.mobilenet_v2().eval()


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """Empty ember and PyTorch caches in tmp_path; returns their checkpoint folders."""
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "ember"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    return tmp_path / "ember" / "hub" / "checkpoints", tmp_path / "torch" / "hub" / "checkpoints"


def assert_same_state(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for key in a:
        np.testing.assert_array_equal(a[key].detach().numpy(), b[key].detach().numpy(), err_msg=key)


def forward(model, x):
    with ember.no_grad():
        return model(x)


# -- architectures ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "mobilenet_v2", "resnext50_32x4d",
                                  "wide_resnet50_2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0",
                                  "densenet121", "densenet161", "squeezenet1_0", "squeezenet1_1"])
def test_parameter_counts_equal_torchvision(name):
    model = M.get_model(name)
    assert num_params(model) == TORCHVISION_NUM_PARAMS[name]
    assert M.get_model_weights(name).DEFAULT.meta["num_params"] == TORCHVISION_NUM_PARAMS[name]


@pytest.mark.slow
def test_vgg11_sizes_names_and_forward():
    ember.manual_seed(0)
    for name, last_conv in (("vgg11", "features.18"), ("vgg11_bn", "features.25")):
        model = M.get_model(name).eval()
        assert num_params(model) == TORCHVISION_NUM_PARAMS[name] == M.get_model_weights(name).DEFAULT.meta["num_params"]
        state = model.state_dict()
        assert tuple(state["features.0.weight"].shape) == (64, 3, 3, 3)
        assert tuple(state[f"{last_conv}.weight"].shape) == (512, 512, 3, 3)
        assert tuple(state["classifier.0.weight"].shape) == (4096, 512 * 7 * 7)
        assert tuple(state["classifier.6.weight"].shape) == (1000, 4096)
        fc = model.classifier[0]  # N(0, 0.01), zero bias
        assert abs(fc.weight.detach().numpy().std() - 0.01) < 1e-3 and not fc.bias.detach().numpy().any()
    assert "features.26.running_mean" in state  # vgg11_bn: the BN after the last convolution
    assert forward(model, ember.randn(1, 3, 32, 32)).shape == (1, 1000)  # the smallest input VGG takes


@pytest.mark.parametrize("shape", [(2, 3, 64, 64), (1, 3, 33, 47)])
def test_resnet18_output_shape(resnet18, shape):
    assert forward(resnet18, ember.randn(*shape)).shape == (shape[0], 1000)


def test_num_classes_and_other_input_sizes():
    ember.manual_seed(0)
    model = M.resnet18(num_classes=10).eval()
    assert tuple(model.fc.weight.shape) == (10, 512)
    assert forward(model, ember.randn(1, 3, 40, 40)).shape == (1, 10)
    mobile = M.mobilenet_v2(num_classes=5).eval()
    assert forward(mobile, ember.randn(2, 3, 32, 32)).shape == (2, 5)


def test_resnet50_bottleneck_names_and_forward():
    ember.manual_seed(0)
    model = M.resnet50(num_classes=3).eval()
    state = model.state_dict()
    assert tuple(state["layer1.0.conv1.weight"].shape) == (64, 64, 1, 1)
    assert tuple(state["layer1.0.conv3.weight"].shape) == (256, 64, 1, 1)
    assert tuple(state["layer1.0.downsample.0.weight"].shape) == (256, 64, 1, 1)
    assert tuple(state["layer4.2.bn3.running_var"].shape) == (2048,)
    assert tuple(state["fc.weight"].shape) == (3, 2048)
    assert forward(model, ember.randn(1, 3, 32, 32)).shape == (1, 3)


def test_resnet18_state_dict_names(resnet18):
    state = resnet18.state_dict()
    assert len(state) == 122  # 62 parameters, 20 BNs x 3 buffers, as torchvision
    expected = {"conv1.weight": (64, 3, 7, 7), "bn1.running_mean": (64,), "layer1.0.conv1.weight": (64, 64, 3, 3),
                "layer1.1.bn2.num_batches_tracked": (), "layer2.0.downsample.0.weight": (128, 64, 1, 1),
                "layer2.0.downsample.1.running_var": (128,), "layer4.1.conv2.weight": (512, 512, 3, 3),
                "fc.weight": (1000, 512), "fc.bias": (1000,)}
    for key, shape in expected.items():
        assert tuple(state[key].shape) == shape, key
    assert "layer1.0.downsample.0.weight" not in state  # no projection where shapes already match
    assert [name for name, _ in resnet18.named_children()] == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2",
                                                               "layer3", "layer4", "avgpool", "fc"]


def test_mobilenet_v2_state_dict_names(mobilenet):
    state = mobilenet.state_dict()
    expected = {"features.0.0.weight": (32, 3, 3, 3), "features.0.1.running_mean": (32,),
                "features.1.conv.0.0.weight": (32, 1, 3, 3),  # t=1: no expansion, depthwise first
                "features.1.conv.1.weight": (16, 32, 1, 1), "features.1.conv.2.weight": (16,),
                "features.2.conv.0.0.weight": (96, 16, 1, 1), "features.2.conv.1.0.weight": (96, 1, 3, 3),
                "features.2.conv.2.weight": (24, 96, 1, 1), "features.2.conv.3.running_var": (24,),
                "features.18.0.weight": (1280, 320, 1, 1), "classifier.1.weight": (1000, 1280)}
    for key, shape in expected.items():
        assert tuple(state[key].shape) == shape, key
    assert "features.19.0.weight" not in state
    assert isinstance(mobilenet.features[0][2], nn.ReLU6) and isinstance(mobilenet.classifier[0], nn.Dropout)
    assert mobilenet.classifier[0].p == 0.2
    shortcuts = [i for i in range(1, 18) if mobilenet.features[i].use_res_connect]
    assert shortcuts == [3, 5, 6, 8, 9, 10, 12, 13, 15, 16]


def test_torchvision_initialisation(resnet18, mobilenet):
    w = resnet18.layer4[0].conv2.weight.detach().numpy()  # kaiming_normal_(mode="fan_out", nonlinearity="relu")
    assert abs(w.std() / math.sqrt(2 / (512 * 9)) - 1) < 0.02 and abs(w.mean()) < 1e-3
    assert np.all(resnet18.bn1.weight.detach().numpy() == 1) and not resnet18.layer3[1].bn2.bias.detach().numpy().any()
    w = mobilenet.features[18][0].weight.detach().numpy()  # kaiming_normal_(mode="fan_out"): gain sqrt(2)
    assert abs(w.std() / math.sqrt(2 / 1280) - 1) < 0.02
    fc = mobilenet.classifier[1]
    assert abs(fc.weight.detach().numpy().std() - 0.01) < 5e-4 and not fc.bias.detach().numpy().any()


def test_zero_init_residual():
    basic = M.resnet18(zero_init_residual=True)
    assert all(not block.bn2.weight.detach().numpy().any() for layer in (basic.layer1, basic.layer4) for block in layer)
    assert np.all(basic.layer1[0].bn1.weight.detach().numpy() == 1)
    bottleneck = M.resnet50(zero_init_residual=True)
    assert all(not block.bn3.weight.detach().numpy().any() for block in bottleneck.layer2)
    assert np.all(bottleneck.layer2[0].bn2.weight.detach().numpy() == 1)


def test_eval_mode_is_deterministic_and_keeps_running_stats(mobilenet):
    x = ember.randn(2, 3, 32, 32)
    before = mobilenet.features[0][1].running_mean.numpy().copy()
    a, b = forward(mobilenet, x), forward(mobilenet, x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(mobilenet.features[0][1].running_mean.numpy(), before)


def test_train_mode_uses_batch_statistics():
    ember.manual_seed(0)
    model = M.resnet18(num_classes=4).train()
    x = ember.randn(2, 3, 32, 32)
    train_out = forward(model, x)
    assert model.bn1.running_mean.numpy().any() and int(model.bn1.num_batches_tracked) == 1
    assert not np.allclose(train_out.numpy(), forward(model.eval(), x).numpy())


def test_resnet_backward():
    # ReLU(inplace=True) right after conv and batch norm, as torchvision builds it
    ember.manual_seed(0)
    model = M.resnet18(num_classes=4)
    out = model(ember.randn(2, 3, 32, 32))
    (out * out).sum().backward()
    assert model.conv1.weight.grad is not None and model.fc.bias.grad.shape == (4,)
    assert float(model.conv1.weight.grad.abs().sum()) > 0


def test_mobilenet_v2_backward():
    # ReLU6(inplace=True): an in-place clamp after batch norm
    ember.manual_seed(0)
    model = M.mobilenet_v2(num_classes=3)
    model(ember.randn(2, 3, 32, 32)).sum().backward()
    assert float(model.features[0][0].weight.grad.abs().sum()) > 0


def test_lenet5():
    ember.manual_seed(0)
    model = M.lenet5()
    assert num_params(model) == (1 * 25 + 1) * 6 + (6 * 25 + 1) * 16 + (400 + 1) * 120 + (120 + 1) * 84 + (84 + 1) * 10
    assert list(model.state_dict()) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
                                        "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]
    assert model(ember.randn(4, 1, 28, 28)).shape == (4, 10)
    rgb = M.lenet5(num_classes=3, in_channels=3)
    assert rgb(ember.randn(2, 3, 32, 32)).shape == (2, 3)  # the adaptive pool takes the paper's 32x32 too


def test_lenet5_learns_a_batch():
    ember.manual_seed(0)
    model = M.lenet5(num_classes=2)
    x, y = ember.randn(8, 1, 28, 28), ember.tensor([0, 1] * 4)
    opt = ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(25):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]


def test_inverted_residual_and_builder_errors():
    with pytest.raises(ValueError, match="stride should be 1 or 2 instead of 3"):
        mobilenetv2.InvertedResidual(8, 8, 3, 6)
    with pytest.raises(ValueError, match=r"inverted_residual_setting should be non-empty or a 4-element list, got "
                                         r"\[\[1, 16, 1\]\]"):
        M.MobileNetV2(inverted_residual_setting=[[1, 16, 1]])
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1 and base_width=64"):
        resnet.BasicBlock(64, 64, groups=2)
    with pytest.raises(ValueError, match="replace_stride_with_dilation should be None or a 3-element tuple"):
        M.ResNet(resnet.BasicBlock, [1, 1, 1, 1], replace_stride_with_dilation=[True])


def test_width_mult_rounds_channels_to_multiples_of_8():
    model = M.mobilenet_v2(width_mult=0.5, num_classes=2)
    assert model.features[0][0].out_channels == 16 and model.last_channel == 1280
    assert model.features[17].out_channels == 160


# -- the registry and the weights enums -----------------------------------------------------------

def test_registry():
    assert M.list_models() == [
        "densenet121", "densenet161", "densenet169", "densenet201", "efficientnet_b0", "lenet5", "mobilenet_v2",
        "mobilenet_v3_large", "mobilenet_v3_small", "resnet101", "resnet152", "resnet18", "resnet34", "resnet50",
        "resnext101_32x8d", "resnext101_64x4d", "resnext50_32x4d", "squeezenet1_0", "squeezenet1_1", "vgg11",
        "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "wide_resnet101_2",
        "wide_resnet50_2"]
    assert M.list_models(M) == M.list_models() and M.list_models(include="densenet*")[0] == "densenet121"
    assert M.list_models(include="resnet*", exclude="resnet1*") == ["resnet34", "resnet50"]
    assert M.get_model_builder("ResNet18") is M.resnet18
    assert M.get_model_weights(M.resnet50) is M.ResNet50_Weights
    assert M.get_weight("ResNet50_Weights.IMAGENET1K_V2") is M.ResNet50_Weights.DEFAULT
    with pytest.raises(ValueError, match="Unknown model alexnet"):
        M.get_model("alexnet")
    with pytest.raises(ValueError, match="Invalid weight name provided: 'resnet50'."):
        M.get_weight("resnet50")
    with pytest.raises(ValueError, match="The weight enum 'Nope_Weights' for the specific method couldn't be "):
        M.get_weight("Nope_Weights.X")
    with pytest.raises(ValueError, match="The method is missing the 'weights' argument."):
        M.get_model_weights("lenet5")


def test_weights_enums():
    w = M.ResNet18_Weights.IMAGENET1K_V1
    assert M.ResNet18_Weights.DEFAULT is w and repr(w) == "ResNet18_Weights.IMAGENET1K_V1"
    assert w.url == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
    assert w.meta["_metrics"]["ImageNet-1K"] == {"acc@1": 69.758, "acc@5": 89.078}
    cats = w.meta["categories"]
    assert len(cats) == len(set(cats)) == 1000
    assert (cats[0], cats[207], cats[281], cats[409], cats[999]) == ("tench", "golden retriever", "tabby",
                                                                     "analog clock", "toilet tissue")
    assert M.ResNet50_Weights.DEFAULT is M.ResNet50_Weights.IMAGENET1K_V2
    assert M.MobileNet_V2_Weights.DEFAULT.url.endswith("mobilenet_v2-7ebf99e0.pth")
    assert M.VGG11_Weights.DEFAULT.meta["min_size"] == (32, 32)
    assert M.ResNet18_Weights.verify("IMAGENET1K_V1") is w
    assert M.ResNet18_Weights.verify("ResNet18_Weights.DEFAULT") is w
    assert M.ResNet18_Weights.verify(None) is None
    with pytest.raises(ValueError, match="Unknown value 'IMAGENET1K_V9' for ResNet18_Weights."):
        M.ResNet18_Weights.verify("IMAGENET1K_V9")
    with pytest.raises(TypeError, match="Invalid Weight class provided; expected ResNet18_Weights but received "
                                        "ResNet50_Weights."):
        M.resnet18(weights=M.ResNet50_Weights.DEFAULT)


def test_weights_fix_num_classes():
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10 instead."):
        M.resnet18(weights="DEFAULT", num_classes=10)


def test_eval_transforms(china):
    preprocess = M.ResNet50_Weights.IMAGENET1K_V1.transforms()
    assert repr(preprocess) == ("ImageClassification(\n    crop_size=[224]\n    resize_size=[256]\n"
                                "    mean=[0.485, 0.456, 0.406]\n    std=[0.229, 0.224, 0.225]\n"
                                "    interpolation=InterpolationMode.BILINEAR\n)")
    assert M.ResNet50_Weights.IMAGENET1K_V2.transforms().resize_size == [232]
    out = preprocess(china)
    assert out.shape == (3, 224, 224) and out.dtype == ember.float32
    standard = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                          T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    np.testing.assert_allclose(out.numpy(), standard(china).numpy(), atol=1e-5)
    batch = ember.from_numpy(np.stack([np.asarray(china).transpose(2, 0, 1)] * 2))  # uint8 (2, 3, H, W)
    tensor_out = preprocess(batch)
    assert tensor_out.shape == (2, 3, 224, 224) and tensor_out.dtype == ember.float32
    assert np.abs(tensor_out.numpy()[0] - out.numpy()).mean() < 0.02  # tensor vs PIL resampling


def test_legacy_pretrained_false_and_positional_arguments():
    with pytest.warns(UserWarning, match="The parameter 'pretrained' is deprecated since 0.13 and may be removed in "
                                         "the future, please use 'weights' instead."):
        model = M.mobilenet_v2(pretrained=False, num_classes=3)
    assert model.classifier[1].out_features == 3
    with pytest.warns(UserWarning, match="Using 'weights' as positional parameter"):
        M.mobilenet_v2(None, num_classes=3)
    with pytest.raises(TypeError, match=r"mobilenet_v2\(\) takes at most 2 positional arguments but 3 were given"):
        M.mobilenet_v2(None, True, 3)
    with pytest.raises(TypeError, match=r"mobilenet_v2\(\) got both 'weights' and the deprecated 'pretrained'"):
        M.mobilenet_v2(weights="DEFAULT", pretrained=True)


def test_models_need_ember_nn():
    code = "import sys; sys.modules['ember.nn'] = None; import ember.vision.models"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "ImportError: ember.vision.models needs ember-nn" in result.stderr
    assert "pip install 'ember-vision[models]'" in result.stderr


# -- finding, downloading and loading checkpoints ---------------------------------------------------

def write_checkpoint(folder, name, state) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    ember.save(state, path)
    return path


def test_weights_load_from_ember_cache(hub, mobilenet):
    ember_dir, _ = hub
    write_checkpoint(ember_dir, "mobilenet_v2-7ebf99e0.pth", mobilenet.state_dict())
    model = M.mobilenet_v2(weights=M.MobileNet_V2_Weights.DEFAULT)
    assert_same_state(model.state_dict(), mobilenet.state_dict())
    x = ember.randn(1, 3, 32, 32)
    np.testing.assert_array_equal(forward(model.eval(), x).numpy(), forward(mobilenet, x).numpy())


def test_weights_load_from_torch_cache_without_copying(hub, mobilenet):
    ember_dir, torch_dir = hub
    write_checkpoint(torch_dir, "mobilenet_v2-7ebf99e0.pth", mobilenet.state_dict())
    model = M.mobilenet_v2(weights="IMAGENET1K_V2")
    assert_same_state(model.state_dict(), mobilenet.state_dict())
    assert not ember_dir.exists()


def test_ember_cache_comes_first(hub, mobilenet):
    ember_dir, torch_dir = hub
    state = mobilenet.state_dict()
    write_checkpoint(ember_dir, "mobilenet_v2-7ebf99e0.pth", state)
    write_checkpoint(torch_dir, "mobilenet_v2-7ebf99e0.pth", {k: v * 0 for k, v in state.items()})
    loaded = M.MobileNet_V2_Weights.DEFAULT.get_state_dict()
    assert_same_state(loaded, state)


def test_pretrained_true_means_imagenet1k_v1(hub, mobilenet):
    ember_dir, _ = hub
    write_checkpoint(ember_dir, "mobilenet_v2-b0353104.pth", mobilenet.state_dict())  # V1, not the DEFAULT V2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = M.mobilenet_v2(pretrained=True)
    messages = [str(w.message) for w in caught]
    assert messages[0].startswith("The parameter 'pretrained' is deprecated")
    assert messages[1] == ("Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 and "
                           "may be removed in the future. The current behavior is equivalent to passing "
                           "`weights=MobileNet_V2_Weights.IMAGENET1K_V1`. You can also use "
                           "`weights=MobileNet_V2_Weights.DEFAULT` to get the most up-to-date weights.")
    assert_same_state(model.state_dict(), mobilenet.state_dict())


def test_corrupt_cached_file_says_to_delete_it(hub):
    ember_dir, _ = hub
    os.makedirs(ember_dir)
    (ember_dir / "mobilenet_v2-7ebf99e0.pth").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(RuntimeError, match=r"mobilenet_v2-7ebf99e0.pth.*Delete .*mobilenet_v2-7ebf99e0.pth to "
                                           r"download it again."):
        M.mobilenet_v2(weights="DEFAULT")


@pytest.fixture
def progress_bars(monkeypatch):
    """The ``disable`` argument of every tqdm bar the downloader opens."""
    from ember.vision.datasets import download

    seen = []

    def recording_tqdm(*args, **kwargs):
        seen.append(kwargs.get("disable"))
        return download.tqdm.__wrapped__(*args, **kwargs)

    recording_tqdm.__wrapped__ = download.tqdm
    monkeypatch.setattr(download, "tqdm", recording_tqdm)
    return seen


def test_download_checks_the_hash_prefix_and_caches(hub, tmp_path, progress_bars):
    ember_dir, _ = hub
    site = tmp_path / "site"
    state = {"weight": ember.arange(6.0).reshape(2, 3), "steps": ember.tensor(3)}
    buf = io.BytesIO()
    ember.save(state, buf)
    data = buf.getvalue()
    name = f"tiny-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    site.mkdir()
    (site / name).write_bytes(data)
    with serve(site) as url:
        loaded = ember.hub.load_state_dict_from_url(url + name, check_hash=True)
    assert_same_state(loaded, state)
    assert os.listdir(ember_dir) == [name]  # only the finished file: no temporary left behind
    assert progress_bars == [None]  # a tqdm bar, shown when stderr is a terminal
    offline = f"http://127.0.0.1:{closed_port()}/{name}"
    # from the cache
    assert_same_state(ember.hub.load_state_dict_from_url(offline, check_hash=True, progress=False), state)


def test_download_without_progress_bar(tmp_path, progress_bars):
    (tmp_path / "site").mkdir()
    ember.save({"a": ember.ones(2)}, tmp_path / "site" / "a.pth")
    with serve(tmp_path / "site") as url:
        ember.hub.download_url_to_file(url + "a.pth", str(tmp_path / "out" / "a.pth"), progress=False)
    assert progress_bars == [True]
    assert ember.load(tmp_path / "out" / "a.pth")["a"].tolist() == [1.0, 1.0]


def test_builder_rejects_a_download_with_the_wrong_hash(hub, tmp_path, monkeypatch, mobilenet):
    ember_dir, _ = hub
    site = tmp_path / "site"
    write_checkpoint(site, "mobilenet_v2-7ebf99e0.pth", mobilenet.state_dict())  # not the published file
    weights = M.MobileNet_V2_Weights.IMAGENET1K_V2
    with serve(site) as url:
        monkeypatch.setattr(weights.value, "url", url + "mobilenet_v2-7ebf99e0.pth")
        with pytest.raises(RuntimeError, match=r'invalid hash value \(expected "7ebf99e0", got "[0-9a-f]{64}"\)'):
            M.mobilenet_v2(weights=weights, progress=False)
    assert os.listdir(ember_dir) == []


def test_offline_error_names_the_file_and_both_folders(hub, monkeypatch):
    ember_dir, torch_dir = hub
    weights = M.ResNet18_Weights.IMAGENET1K_V1
    monkeypatch.setattr(weights.value, "url", f"http://127.0.0.1:{closed_port()}/resnet18-f37072fd.pth")
    with pytest.raises(RuntimeError) as info:
        M.resnet18(weights=weights)
    message = str(info.value)
    assert message.startswith(f"Could not download {weights.url}: ")
    assert (f"If this machine is offline, download resnet18-f37072fd.pth on another machine and put it in "
            f"{ember_dir} (or in {torch_dir}, PyTorch's checkpoint folder; EMBER_HOME and TORCH_HOME choose other "
            f"folders).") in message
    assert os.listdir(ember_dir) == []


def test_explicit_model_dir(tmp_path, hub):
    write_checkpoint(tmp_path / "mine", "w.pth", {"x": ember.zeros(1)})
    loaded = ember.hub.load_state_dict_from_url("http://127.0.0.1:1/w.pth", model_dir=str(tmp_path / "mine"))
    assert loaded["x"].shape == (1,)
    with pytest.raises(RuntimeError, match=r"download w2.pth on another machine and put it in .*mine\.$"):
        ember.hub.load_state_dict_from_url(f"http://127.0.0.1:{closed_port()}/w2.pth", model_dir=str(tmp_path / "mine"))


def test_get_dir_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("EMBER_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert ember.hub.get_dir() == os.path.join(str(tmp_path), "ember", "hub")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert ember.hub.get_dir() == os.path.expanduser(os.path.join("~", ".cache", "ember", "hub"))
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "e"))
    assert ember.hub.get_dir() == str(tmp_path / "e" / "hub")


# -- PyTorch's legacy (pre-1.6) checkpoint format ---------------------------------------------------

class LegacyWriter(saving._Writer):
    """Writes the object pickle of the legacy format: persistent ids carry a sixth field (view metadata)."""

    def persistent_id(self, obj):
        pid = super().persistent_id(obj)
        return None if pid is None else pid + (None,)


def write_legacy(obj, path) -> None:
    """What ``torch.save(obj, path, _use_new_zipfile_serialization=False)`` writes."""
    with open(path, "wb") as f:
        for header in (_legacy_checkpoint.MAGIC_NUMBER, _legacy_checkpoint.PROTOCOL_VERSION,
                       {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4,
                                                                                          "long": 4}}):
            pickle.dump(header, f, protocol=2)
        writer = LegacyWriter(f)
        writer.dump(obj)
        storages = {s.key: s for s in writer.storages.values()}
        pickle.dump(sorted(storages), f, protocol=2)
        for key in sorted(storages):
            array = np.ascontiguousarray(storages[key].array)
            f.write(int(array.size).to_bytes(8, "little", signed=True))
            f.write(array.astype(array.dtype.newbyteorder("<")).tobytes())


def test_legacy_checkpoint_loads(hub, mobilenet):
    ember_dir, _ = hub
    os.makedirs(ember_dir)
    state = mobilenet.state_dict()
    write_legacy(state, ember_dir / "mobilenet_v2-b0353104.pth")
    assert _legacy_checkpoint.is_legacy_checkpoint(ember_dir / "mobilenet_v2-b0353104.pth")
    assert_same_state(M.MobileNet_V2_Weights.IMAGENET1K_V1.get_state_dict(), state)


def test_legacy_checkpoint_shares_storage_and_keeps_dtypes(tmp_path):
    base = ember.arange(12.0).reshape(3, 4)
    obj = {"base": base, "row": base[1], "col": base[:, 2], "ids": ember.tensor([1, 2], dtype=ember.int64),
           "mask": ember.tensor([True, False])}
    write_legacy(obj, tmp_path / "x.pth")
    loaded = _legacy_checkpoint.load_legacy_checkpoint(tmp_path / "x.pth")
    assert loaded["row"].tolist() == [4.0, 5.0, 6.0, 7.0] and loaded["col"].tolist() == [2.0, 6.0, 10.0]
    assert loaded["ids"].dtype == ember.int64 and loaded["mask"].tolist() == [True, False]
    loaded["base"][1, 2] = -1.0  # views share one storage, as in PyTorch
    assert loaded["row"][2].item() == -1.0 and loaded["col"][1].item() == -1.0


def test_legacy_checkpoint_errors(tmp_path):
    write_legacy({"w": ember.ones(1000)}, tmp_path / "full.pth")
    data = (tmp_path / "full.pth").read_bytes()
    (tmp_path / "cut.pth").write_bytes(data[:-100])
    with pytest.raises(RuntimeError, match=r"'.*cut.pth' is corrupt or truncated"):
        _legacy_checkpoint.load_legacy_checkpoint(tmp_path / "cut.pth")
    evil = data.replace(b"ctorch._utils\n_rebuild_tensor_v2\n", b"cos\nsystem\n")
    assert evil != data
    (tmp_path / "evil.pth").write_bytes(evil)
    with pytest.raises(pickle.UnpicklingError, match=r"ember.load refused to load .*evil.pth.*'os.system'"):
        _legacy_checkpoint.load_legacy_checkpoint(tmp_path / "evil.pth")
    with tarfile.open(tmp_path / "old.pth", "w") as tar:
        info = tarfile.TarInfo("sys_info")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(RuntimeError, match=r"pre-0.4 tar checkpoint format.*torch.save\(torch.load\(path\), path\)"):
        _legacy_checkpoint.load_legacy_checkpoint(tmp_path / "old.pth")
