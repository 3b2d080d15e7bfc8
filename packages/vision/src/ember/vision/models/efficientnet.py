"""EfficientNet-B0 (Tan & Le, 2019) with torchvision's module and parameter names, so torchvision
checkpoints load with ``load_state_dict``."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import ember
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
from ember.vision.models.mobilenetv2 import _make_divisible
from ember.vision.ops.misc import Conv2dNormActivation, SqueezeExcitation
from ember.vision.ops.stochastic_depth import StochasticDepth
from ember.vision.transforms import InterpolationMode

__all__ = ["EfficientNet", "EfficientNet_B0_Weights", "efficientnet_b0"]


@dataclass
class MBConvConfig:
    """One stage of the network: ``num_layers`` MBConv blocks with the same expansion, kernel and
    output channels (the first one with ``stride`` and ``input_channels``); channels scaled by
    ``width_mult`` and the number of layers by ``depth_mult``."""

    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int
    width_mult: float = 1.0
    depth_mult: float = 1.0

    def __post_init__(self) -> None:
        self.input_channels = _make_divisible(self.input_channels * self.width_mult, 8)
        self.out_channels = _make_divisible(self.out_channels * self.width_mult, 8)
        self.num_layers = int(math.ceil(self.num_layers * self.depth_mult))


class MBConv(nn.Module):
    """1x1 expansion (SiLU), kxk depthwise (SiLU), squeeze-and-excitation, 1x1 projection; a shortcut
    through stochastic depth when the stride is 1 and the channels match."""

    def __init__(self, cnf: MBConvConfig, stochastic_depth_prob: float, norm_layer: Callable[..., nn.Module]) -> None:
        super().__init__()
        if cnf.stride not in (1, 2):
            raise ValueError(f"illegal stride value {cnf.stride}")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = _make_divisible(cnf.input_channels * cnf.expand_ratio, 8)
        layers: list[nn.Module] = []
        if expanded != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=nn.SiLU))
        layers += [
            Conv2dNormActivation(expanded, expanded, kernel_size=cnf.kernel, stride=cnf.stride, groups=expanded,
                                 norm_layer=norm_layer, activation_layer=nn.SiLU),
            SqueezeExcitation(expanded, max(1, cnf.input_channels // 4), activation=partial(nn.SiLU, inplace=True)),
            Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                 activation_layer=None),
        ]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, x):
        result = self.block(x)
        return self.stochastic_depth(result) + x if self.use_res_connect else result


class EfficientNet(nn.Module):
    """A 3x3 SiLU stem, the stages of ``inverted_residual_setting``, a 1x1 convolution to
    ``last_channel`` (default four times the last stage's channels), pooling and a linear classifier.

    Args:
        inverted_residual_setting: the stages, as ``MBConvConfig``.
        dropout: dropout probability before the classifier.
        stochastic_depth_prob: drop probability of the last block; it grows linearly from 0 over the
            blocks. Default: 0.2.
        num_classes: outputs. Default: 1000.
        norm_layer: normalisation. Default: ``nn.BatchNorm2d``.
        last_channel: channels of the last convolution. Default: ``4 * last stage's channels``.

    Shape: input (N, 3, H, W), output (N, num_classes).
    """

    def __init__(self, inverted_residual_setting: Sequence[MBConvConfig], dropout: float,
                 stochastic_depth_prob: float = 0.2, num_classes: int = 1000,
                 norm_layer: Callable[..., nn.Module] | None = None, last_channel: int | None = None) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, Sequence)
                and all(isinstance(s, MBConvConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        norm_layer = norm_layer or nn.BatchNorm2d
        first = inverted_residual_setting[0].input_channels
        layers: list[nn.Module] = [Conv2dNormActivation(3, first, kernel_size=3, stride=2, norm_layer=norm_layer,
                                                        activation_layer=nn.SiLU)]
        total_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        block_id = 0
        for cnf in inverted_residual_setting:
            stage: list[nn.Module] = []
            for i in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if i > 0:  # only the first block of a stage changes the size and the channels
                    block_cnf.input_channels, block_cnf.stride = block_cnf.out_channels, 1
                stage.append(MBConv(block_cnf, stochastic_depth_prob * block_id / total_blocks, norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        last_input = inverted_residual_setting[-1].out_channels
        last_output = last_channel if last_channel is not None else 4 * last_input
        layers.append(Conv2dNormActivation(last_input, last_output, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(last_output, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                init_range = 1.0 / math.sqrt(m.out_features)
                nn.init.uniform_(m.weight, -init_range, init_range)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(ember.flatten(x, 1))


def _b0_setting(width_mult: float = 1.0, depth_mult: float = 1.0) -> list[MBConvConfig]:
    """Table 1 of the paper: expansion, kernel, stride, input and output channels, layers."""
    c = partial(MBConvConfig, width_mult=width_mult, depth_mult=depth_mult)
    return [c(1, 3, 1, 32, 16, 1), c(6, 3, 2, 16, 24, 2), c(6, 5, 2, 24, 40, 2), c(6, 3, 2, 40, 80, 3),
            c(6, 5, 1, 80, 112, 3), c(6, 5, 2, 112, 192, 4), c(6, 3, 1, 192, 320, 1)]


class EfficientNet_B0_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/efficientnet_b0_rwightman-7f5810bc.pth",
        transforms=partial(ImageClassification, crop_size=224, resize_size=256,
                           interpolation=InterpolationMode.BICUBIC),
        meta={"num_params": 5288548, "min_size": (1, 1), "categories": _IMAGENET_CATEGORIES,
              "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#efficientnet-v1",
              "_metrics": {"ImageNet-1K": {"acc@1": 77.692, "acc@5": 93.532}},
              "_docs": "These weights are ported from the original paper."})
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface(EfficientNet_B0_Weights.IMAGENET1K_V1)
def efficientnet_b0(*, weights: EfficientNet_B0_Weights | None = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B0 from `EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks
    <https://arxiv.org/abs/1905.11946>`__.

    Args:
        weights (EfficientNet_B0_Weights, optional): pretrained weights, or None for random initialisation.
        progress (bool): show a progress bar while downloading the weights. Default: ``True``.
        **kwargs: passed to ``EfficientNet`` (``num_classes``, ``stochastic_depth_prob``, ``norm_layer``,
            ``dropout`` (default 0.2)).

    Example::

        >>> model = efficientnet_b0(num_classes=10)
        >>> model(ember.randn(2, 3, 64, 64)).shape
        ember.Size([2, 10])
    """
    weights = EfficientNet_B0_Weights.verify(weights)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = EfficientNet(_b0_setting(), kwargs.pop("dropout", 0.2), **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
