"""The model builders beyond ResNet-18/34/50 and MobileNetV2: VGG 13/16/19, ResNeXt, wide ResNets,
MobileNetV3, EfficientNet-B0, DenseNet, SqueezeNet, and the building blocks in ember.vision.ops."""

from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember import nn
from ember.vision import models as M
from ember.vision import ops
from ember.vision.models import densenet, efficientnet, vgg


def forward(model, x):
    with ember.no_grad():
        return model(x)


@pytest.mark.parametrize("name", ["mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "densenet121",
                                  "squeezenet1_0", "squeezenet1_1", "resnext50_32x4d"])
def test_forward_backward_shapes(name):
    ember.manual_seed(0)
    model = M.get_model(name, num_classes=5)
    out = model(ember.randn(2, 3, 64, 64))
    assert out.shape == (2, 5) and out.dtype == ember.float32
    out.square().sum().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and bool(ember.isfinite(g).all()) for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0
    model.eval()
    x = ember.randn(1, 3, 64, 64)
    np.testing.assert_array_equal(forward(model, x).numpy(), forward(model, x).numpy())  # no dropout in eval mode


def test_vgg_configurations():
    convs = {name: sum(isinstance(m, nn.Conv2d) for m in vgg.make_layers(vgg._CFGS[cfg]))
             for name, cfg in (("vgg11", "A"), ("vgg13", "B"), ("vgg16", "D"), ("vgg19", "E"))}
    assert convs == {"vgg11": 8, "vgg13": 10, "vgg16": 13, "vgg19": 16}
    features = vgg.make_layers(vgg._CFGS["D"], batch_norm=True)
    # torchvision's indices: conv, bn, relu per layer, so features.40 is the last conv of vgg16_bn
    assert isinstance(features[40], nn.Conv2d) and isinstance(features[41], nn.BatchNorm2d)
    assert M.get_model_weights("vgg16_bn") is M.VGG16_BN_Weights
    assert M.VGG19_Weights.DEFAULT.meta["num_params"] == 143_667_240
    assert "configuration \"D\"" in M.vgg16.__doc__ and M.vgg16.__name__ == "vgg16"


def test_resnext_and_wide_resnet_blocks():
    model = M.resnext50_32x4d(num_classes=3)
    block = model.layer1[0]
    assert block.conv2.groups == 32 and block.conv2.in_channels == 128 and block.conv3.out_channels == 256
    wide = M.wide_resnet50_2(num_classes=3)
    assert wide.layer1[0].conv2.in_channels == 128 and wide.layer1[0].conv2.groups == 1
    with pytest.raises(ValueError, match="The parameter 'groups' expected value 32 but got 8 instead."):
        M.resnext50_32x4d(groups=8)
    assert M.ResNeXt101_64X4D_Weights.DEFAULT.meta["num_params"] == 83_455_272


def test_mobilenet_v3_structure():
    large = M.mobilenet_v3_large()
    assert len(large.features) == 17 and large.classifier[0].out_features == 1280
    se = large.features[4].block[2]
    assert isinstance(se, ops.SqueezeExcitation) and se.fc1.out_channels == 24
    assert isinstance(se.scale_activation, nn.Hardsigmoid)
    bn = large.features[0][1]
    assert bn.eps == 0.001 and bn.momentum == 0.01
    small = M.mobilenet_v3_small(reduced_tail=True)
    assert small.classifier[0].out_features == 512 and small.features[-1][0].out_channels == 288
    dilated = M.mobilenet_v3_large(dilated=True)
    assert dilated.features[13].block[1][0].dilation == (2, 2) and dilated.features[13].block[1][0].stride == (1, 1)
    assert M.mobilenet_v3_small(width_mult=0.5).features[0][0].out_channels == 8
    with pytest.raises(ValueError, match="The inverted_residual_setting should not be empty"):
        M.MobileNetV3([], 10)


def test_efficientnet_stochastic_depth_grows_linearly():
    model = M.efficientnet_b0()
    probs = [m.stochastic_depth.p for m in model.modules() if isinstance(m, efficientnet.MBConv)]
    assert len(probs) == 16
    np.testing.assert_allclose(probs, [0.2 * i / 16 for i in range(16)])
    assert model.features[1][0].block[1].fc1.out_channels == 8  # squeeze to a quarter of the block's input
    assert M.EfficientNet_B0_Weights.DEFAULT.transforms().interpolation.value == "bicubic"


def test_densenet_structure_and_old_checkpoint_names():
    model = M.densenet121()
    names = [n for n, _ in model.features.named_children()]
    assert names == ["conv0", "norm0", "relu0", "pool0", "denseblock1", "transition1", "denseblock2", "transition2",
                     "denseblock3", "transition3", "denseblock4", "norm5"]
    assert model.classifier.in_features == 1024
    old = OrderedDict([("features.denseblock1.denselayer1.norm.1.weight", 1),
                       ("features.denseblock1.denselayer12.conv.2.weight", 2), ("features.norm5.weight", 3)])
    assert list(densenet._renamed_old_keys(old)) == ["features.denseblock1.denselayer1.norm1.weight",
                                                     "features.denseblock1.denselayer12.conv2.weight",
                                                     "features.norm5.weight"]


def test_squeezenet_versions():
    assert M.squeezenet1_1().features[0].kernel_size == (3, 3)
    assert M.squeezenet1_0().features[0].out_channels == 96
    with pytest.raises(ValueError, match="Unsupported SqueezeNet version 1_2"):
        M.SqueezeNet("1_2")


def test_squeeze_excitation_values():
    ember.manual_seed(0)
    se = ops.SqueezeExcitation(4, 2)
    x = ember.randn(2, 4, 3, 3)
    w1, b1 = se.fc1.weight.detach().numpy()[:, :, 0, 0], se.fc1.bias.detach().numpy()
    w2, b2 = se.fc2.weight.detach().numpy()[:, :, 0, 0], se.fc2.bias.detach().numpy()
    mean = x.numpy().mean(axis=(2, 3))
    gate = 1 / (1 + np.exp(-(np.maximum(mean @ w1.T + b1, 0) @ w2.T + b2)))
    np.testing.assert_allclose(forward(se, x).numpy(), x.numpy() * gate[:, :, None, None], rtol=1e-5, atol=1e-6)


def test_stochastic_depth():
    x = ember.ones(1000, 3)
    assert ops.stochastic_depth(x, 0.5, "row", training=False) is x
    ember.manual_seed(0)
    rows = ops.stochastic_depth(x, 0.25, "row").numpy()
    assert set(np.unique(rows).tolist()) <= {0.0, float(np.float32(1 / 0.75))}
    assert (rows == rows[:, :1]).all()  # a whole row is kept or dropped
    assert 0.2 < (rows[:, 0] == 0).mean() < 0.3
    whole = ops.stochastic_depth(x, 0.5, "batch").numpy()
    assert len(np.unique(whole)) == 1
    assert not ops.stochastic_depth(x, 1.0, "row").numpy().any()
    with pytest.raises(ValueError, match="drop probability has to be between 0 and 1, but got 1.5"):
        ops.stochastic_depth(x, 1.5, "row")
    with pytest.raises(ValueError, match="mode has to be either 'batch' or 'row', but got col"):
        ops.StochasticDepth(0.1, "col")(x)
    assert repr(ops.StochasticDepth(0.1, "row")) == "StochasticDepth(p=0.1, mode=row)"


def test_namespace_holds_only_models_and_the_registry():
    public = {n for n in dir(M) if not n.startswith("_")}
    assert {"BasicBlock", "Bottleneck", "InvertedResidual", "Conv2dNormActivation", "download_url_to_file",
            "get_dir", "load_state_dict_from_url", "ImageClassification", "make_layers"}.isdisjoint(public)
    assert set(M.__all__) <= public
    for name in M.list_models(exclude="lenet5"):  # ember's own model, without pretrained weights
        assert getattr(M, name) is M.get_model_builder(name)
        assert M.get_model_weights(name).__name__ in M.__all__


def test_hub_namespace():
    from ember import hub
    from ember.vision.models import _hub
    assert hub.load_state_dict_from_url is _hub.load_state_dict_from_url
    assert hub.__all__ == ["download_url_to_file", "get_dir", "load_state_dict_from_url"]
