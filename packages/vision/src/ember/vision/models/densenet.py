"""DenseNet (Huang et al., 2016) with torchvision's module and parameter names, so torchvision
checkpoints load with ``load_state_dict`` (including the published files' older key names)."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from functools import partial
from typing import Any

import ember
import ember.nn.functional as F
from ember import nn
from ember.vision.models._api import (
    Weights,
    WeightsEnum,
    _ovewrite_named_param,
    handle_legacy_interface,
    register_model,
)
from ember.vision.models._meta import _IMAGENET_CATEGORIES
from ember.vision.models._presets import ImageClassification

__all__ = ["DenseNet", "DenseNet121_Weights", "DenseNet161_Weights", "DenseNet169_Weights", "DenseNet201_Weights",
           "densenet121", "densenet161", "densenet169", "densenet201"]


class _DenseLayer(nn.Module):
    """BN-ReLU-1x1 conv to ``bn_size * growth_rate`` channels, BN-ReLU-3x3 conv to ``growth_rate``,
    applied to all earlier feature maps concatenated."""

    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int, drop_rate: float,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient

    def forward(self, input):
        features = ember.cat(input, 1) if isinstance(input, (list, tuple)) else input
        bottleneck = self.conv1(self.relu1(self.norm1(features)))
        new_features = self.conv2(self.relu2(self.norm2(bottleneck)))
        if self.drop_rate > 0:
            new_features = F.dropout(new_features, p=self.drop_rate, training=self.training)
        return new_features


class _DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers; each sees the block's input and every earlier layer's output."""

    def __init__(self, num_layers: int, num_input_features: int, bn_size: int, growth_rate: int, drop_rate: float,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}", _DenseLayer(num_input_features + i * growth_rate, growth_rate,
                                                              bn_size, drop_rate, memory_efficient))

    def forward(self, init_features):
        features = [init_features]
        for layer in self.values():
            features.append(layer(features))
        return ember.cat(features, 1)


class _Transition(nn.Sequential):
    """BN-ReLU-1x1 conv, then 2x2 average pooling: between two dense blocks."""

    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """A 7x7 stem with max pooling, dense blocks joined by transitions that halve the channels and
    the size, a final BN, global average pooling and a linear classifier.

    Args:
        growth_rate: channels each dense layer adds. Default: 32.
        block_config: dense layers in each block. Default: (6, 12, 24, 16).
        num_init_features: channels of the stem. Default: 64.
        bn_size: bottleneck width as a multiple of ``growth_rate``. Default: 4.
        drop_rate: dropout after each dense layer. Default: 0.
        num_classes: outputs. Default: 1000.
        memory_efficient: in torchvision, recompute the bottlenecks in backward to save memory. ember
            computes the same outputs and gradients either way (it does not trade compute for memory).

    Shape: input (N, 3, H, W) with H, W >= 29, output (N, num_classes).
    """

    def __init__(self, growth_rate: int = 32, block_config: tuple[int, ...] = (6, 12, 24, 16),
                 num_init_features: int = 64, bn_size: int = 4, drop_rate: float = 0, num_classes: int = 1000,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module(f"denseblock{i + 1}", _DenseBlock(num_layers, num_features, bn_size,
                                                                       growth_rate, drop_rate, memory_efficient))
            num_features += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", _Transition(num_features, num_features // 2))
                num_features //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        out = F.adaptive_avg_pool2d(F.relu(self.features(x), inplace=True), (1, 1))
        return self.classifier(ember.flatten(out, 1))


# The published checkpoints name a dense layer's children "norm.1", "conv.2", ... (from before
# module names could not contain dots): "norm.1.weight" is "norm1.weight" today.
_OLD_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


def _renamed_old_keys(state_dict: Mapping[str, Any]) -> OrderedDict:
    renamed = OrderedDict()
    for key, value in state_dict.items():
        match = _OLD_KEY.match(key)
        renamed[match.group(1) + match.group(2) if match else key] = value
    return renamed


def _imagenet(url: str, num_params: int, acc1: float, acc5: float) -> Weights:
    return Weights(url=url, transforms=partial(ImageClassification, crop_size=224),
                   meta={"min_size": (29, 29), "categories": _IMAGENET_CATEGORIES, "num_params": num_params,
                         "recipe": "https://github.com/pytorch/vision/pull/116",
                         "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}},
                         "_docs": "These weights are ported from LuaTorch."})


class DenseNet121_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/densenet121-a639ec97.pth", 7978856, 74.434, 91.972)
    DEFAULT = IMAGENET1K_V1


class DenseNet161_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/densenet161-8d451a50.pth", 28681000, 77.138, 93.56)
    DEFAULT = IMAGENET1K_V1


class DenseNet169_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/densenet169-b2777c0a.pth", 14149480, 75.6, 92.806)
    DEFAULT = IMAGENET1K_V1


class DenseNet201_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/densenet201-c1103571.pth", 20013928, 76.896, 93.37)
    DEFAULT = IMAGENET1K_V1


def _densenet(growth_rate: int, block_config: tuple[int, ...], num_init_features: int,
              weights: WeightsEnum | None, progress: bool, **kwargs: Any) -> DenseNet:
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = DenseNet(growth_rate, block_config, num_init_features, **kwargs)
    if weights is not None:
        model.load_state_dict(_renamed_old_keys(weights.get_state_dict(progress=progress, check_hash=True)))
    return model


_BUILDER_DOC = """DenseNet-{depth} from `Densely Connected Convolutional Networks <https://arxiv.org/abs/1608.06993>`__.

    Args:
        weights ({enum}, optional): pretrained weights, or None for random initialisation.
        progress (bool): show a progress bar while downloading the weights. Default: ``True``.
        **kwargs: passed to ``DenseNet`` (``num_classes``, ``drop_rate``, ``bn_size``, ``memory_efficient``).

    Example::

        >>> model = {name}(num_classes=10)
        >>> model(ember.randn(1, 3, 64, 64)).shape
        ember.Size([1, 10])
    """


def _builder(name: str, growth_rate: int, block_config: tuple[int, ...], num_init_features: int,
             enum: type[WeightsEnum]):
    def build(*, weights: WeightsEnum | None = None, progress: bool = True, **kwargs: Any) -> DenseNet:
        return _densenet(growth_rate, block_config, num_init_features, enum.verify(weights), progress, **kwargs)

    build.__name__ = build.__qualname__ = name
    build.__doc__ = _BUILDER_DOC.format(depth=name[len("densenet"):], enum=enum.__name__, name=name)
    build.__annotations__["weights"] = f"{enum.__name__} | None"
    return register_model(name)(handle_legacy_interface(enum.IMAGENET1K_V1)(build))


densenet121 = _builder("densenet121", 32, (6, 12, 24, 16), 64, DenseNet121_Weights)
densenet161 = _builder("densenet161", 48, (6, 12, 36, 24), 96, DenseNet161_Weights)
densenet169 = _builder("densenet169", 32, (6, 12, 32, 32), 64, DenseNet169_Weights)
densenet201 = _builder("densenet201", 32, (6, 12, 48, 32), 64, DenseNet201_Weights)
