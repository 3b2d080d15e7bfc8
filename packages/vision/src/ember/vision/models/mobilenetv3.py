"""MobileNetV3 (Howard et al., 2019), large and small, with torchvision's module and parameter
names, so torchvision checkpoints load with ``load_state_dict``."""

from __future__ import annotations

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

__all__ = ["MobileNetV3", "MobileNet_V3_Large_Weights", "MobileNet_V3_Small_Weights", "mobilenet_v3_large",
           "mobilenet_v3_small"]


@dataclass
class InvertedResidualConfig:
    """One block of the table in the paper: channels, kernel, expansion, squeeze-excite, activation
    ("RE" for ReLU, "HS" for hard swish), stride and dilation; channels scaled by ``width_mult``."""

    input_channels: int
    kernel: int
    expanded_channels: int
    out_channels: int
    use_se: bool
    activation: str
    stride: int
    dilation: int
    width_mult: float = 1.0

    def __post_init__(self) -> None:
        self.input_channels = _make_divisible(self.input_channels * self.width_mult, 8)
        self.expanded_channels = _make_divisible(self.expanded_channels * self.width_mult, 8)
        self.out_channels = _make_divisible(self.out_channels * self.width_mult, 8)
        self.use_hs = self.activation == "HS"


class InvertedResidual(nn.Module):
    """1x1 expansion, kxk depthwise, optional squeeze-and-excitation, 1x1 linear projection; a
    shortcut when the stride is 1 and the channels match."""

    def __init__(self, cnf: InvertedResidualConfig, norm_layer: Callable[..., nn.Module]) -> None:
        super().__init__()
        if cnf.stride not in (1, 2):
            raise ValueError(f"illegal stride value {cnf.stride}")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        activation = nn.Hardswish if cnf.use_hs else nn.ReLU
        layers: list[nn.Module] = []
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.expanded_channels, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=activation))
        stride = 1 if cnf.dilation > 1 else cnf.stride
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.expanded_channels, kernel_size=cnf.kernel,
                                           stride=stride, dilation=cnf.dilation, groups=cnf.expanded_channels,
                                           norm_layer=norm_layer, activation_layer=activation))
        if cnf.use_se:
            layers.append(SqueezeExcitation(cnf.expanded_channels, _make_divisible(cnf.expanded_channels // 4, 8),
                                            scale_activation=nn.Hardsigmoid))
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels
        self._is_cn = cnf.stride > 1

    def forward(self, x):
        result = self.block(x)
        return result + x if self.use_res_connect else result


class MobileNetV3(nn.Module):
    """A hard-swish 3x3 stem, the blocks of ``inverted_residual_setting``, a 1x1 convolution to six
    times the last block's channels, global average pooling and a two-layer ``classifier``.

    Args:
        inverted_residual_setting: the blocks (see ``mobilenet_v3_large``'s table).
        last_channel: width of the classifier's hidden layer.
        num_classes: outputs. Default: 1000.
        block: the block class. Default: ``InvertedResidual``.
        norm_layer: normalisation. Default: ``BatchNorm2d(eps=0.001, momentum=0.01)``.
        dropout: dropout probability in the classifier. Default: 0.2.

    Shape: input (N, 3, H, W), output (N, num_classes).
    """

    def __init__(self, inverted_residual_setting: Sequence[InvertedResidualConfig], last_channel: int,
                 num_classes: int = 1000, block: Callable[..., nn.Module] | None = None,
                 norm_layer: Callable[..., nn.Module] | None = None, dropout: float = 0.2, **kwargs: Any) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, Sequence)
                and all(isinstance(s, InvertedResidualConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[InvertedResidualConfig]")
        if kwargs:
            raise TypeError(f"MobileNetV3 got unexpected keyword arguments {sorted(kwargs)}")
        block = block or InvertedResidual
        norm_layer = norm_layer or partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        first = inverted_residual_setting[0].input_channels
        layers: list[nn.Module] = [Conv2dNormActivation(3, first, kernel_size=3, stride=2, norm_layer=norm_layer,
                                                        activation_layer=nn.Hardswish)]
        layers += [block(cnf, norm_layer) for cnf in inverted_residual_setting]
        last_input = inverted_residual_setting[-1].out_channels
        last_output = 6 * last_input
        layers.append(Conv2dNormActivation(last_input, last_output, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(last_output, last_channel), nn.Hardswish(inplace=True),
                                        nn.Dropout(p=dropout, inplace=True), nn.Linear(last_channel, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(ember.flatten(x, 1))


def _mobilenet_v3_conf(arch: str, width_mult: float = 1.0, reduced_tail: bool = False, dilated: bool = False
                       ) -> tuple[list[InvertedResidualConfig], int]:
    """The paper's tables 1 (large) and 2 (small); ``reduced_tail`` halves the last stage's
    channels and ``dilated`` replaces its stride by dilation (for segmentation backbones)."""
    r = 2 if reduced_tail else 1
    d = 2 if dilated else 1
    c = partial(InvertedResidualConfig, width_mult=width_mult)
    if arch == "mobilenet_v3_large":
        setting = [
            c(16, 3, 16, 16, False, "RE", 1, 1), c(16, 3, 64, 24, False, "RE", 2, 1),
            c(24, 3, 72, 24, False, "RE", 1, 1), c(24, 5, 72, 40, True, "RE", 2, 1),
            c(40, 5, 120, 40, True, "RE", 1, 1), c(40, 5, 120, 40, True, "RE", 1, 1),
            c(40, 3, 240, 80, False, "HS", 2, 1), c(80, 3, 200, 80, False, "HS", 1, 1),
            c(80, 3, 184, 80, False, "HS", 1, 1), c(80, 3, 184, 80, False, "HS", 1, 1),
            c(80, 3, 480, 112, True, "HS", 1, 1), c(112, 3, 672, 112, True, "HS", 1, 1),
            c(112, 5, 672, 160 // r, True, "HS", 2, d), c(160 // r, 5, 960 // r, 160 // r, True, "HS", 1, d),
            c(160 // r, 5, 960 // r, 160 // r, True, "HS", 1, d),
        ]
        last = 1280 // r
    elif arch == "mobilenet_v3_small":
        setting = [
            c(16, 3, 16, 16, True, "RE", 2, 1), c(16, 3, 72, 24, False, "RE", 2, 1),
            c(24, 3, 88, 24, False, "RE", 1, 1), c(24, 5, 96, 40, True, "HS", 2, 1),
            c(40, 5, 240, 40, True, "HS", 1, 1), c(40, 5, 240, 40, True, "HS", 1, 1),
            c(40, 5, 120, 48, True, "HS", 1, 1), c(48, 5, 144, 48, True, "HS", 1, 1),
            c(48, 5, 288, 96 // r, True, "HS", 2, d), c(96 // r, 5, 576 // r, 96 // r, True, "HS", 1, d),
            c(96 // r, 5, 576 // r, 96 // r, True, "HS", 1, d),
        ]
        last = 1024 // r
    else:
        raise ValueError(f"Unsupported model type {arch}")
    return setting, _make_divisible(last * width_mult, 8)


def _imagenet(url: str, num_params: int, acc1: float, acc5: float, v2: bool = False) -> Weights:
    recipe = ("https://github.com/pytorch/vision/issues/3995#new-recipe-with-reg-tuning" if v2 else
              "https://github.com/pytorch/vision/tree/main/references/classification#mobilenetv3-large--small")
    docs = ("These weights improve marginally upon the results of the original paper by using a modified version "
            "of TorchVision's `new training recipe <https://pytorch.org/blog/how-to-train-state-of-the-art-models-"
            "using-torchvision-latest-primitives/>`_." if v2 else
            "These weights improve upon the results of the original paper by using a simple training recipe.")
    return Weights(url=url, transforms=partial(ImageClassification, crop_size=224, resize_size=232 if v2 else 256),
                   meta={"num_params": num_params, "min_size": (1, 1), "categories": _IMAGENET_CATEGORIES,
                         "recipe": recipe, "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}},
                         "_docs": docs})


class MobileNet_V3_Large_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/mobilenet_v3_large-8738ca79.pth", 5483032, 74.042,
                              91.34)
    IMAGENET1K_V2 = _imagenet("https://download.pytorch.org/models/mobilenet_v3_large-5c1a4163.pth", 5483032, 75.274,
                              92.566, v2=True)
    DEFAULT = IMAGENET1K_V2


class MobileNet_V3_Small_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/mobilenet_v3_small-047dcff4.pth", 2542856, 67.668,
                              87.402)
    DEFAULT = IMAGENET1K_V1


def _mobilenet_v3(arch: str, weights: WeightsEnum | None, progress: bool, **kwargs: Any) -> MobileNetV3:
    config = {k: kwargs.pop(k) for k in ("width_mult", "reduced_tail", "dilated") if k in kwargs}
    setting, last_channel = _mobilenet_v3_conf(arch, **config)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = MobileNetV3(setting, last_channel, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


@register_model()
@handle_legacy_interface(MobileNet_V3_Large_Weights.IMAGENET1K_V1)
def mobilenet_v3_large(*, weights: MobileNet_V3_Large_Weights | None = None, progress: bool = True,
                       **kwargs: Any) -> MobileNetV3:
    """MobileNetV3-Large from `Searching for MobileNetV3 <https://arxiv.org/abs/1905.02244>`__.

    Args:
        weights (MobileNet_V3_Large_Weights, optional): pretrained weights, or None for random initialisation.
        progress (bool): show a progress bar while downloading the weights. Default: ``True``.
        **kwargs: ``width_mult``, ``reduced_tail``, ``dilated``, and what ``MobileNetV3`` takes
            (``num_classes``, ``dropout``, ``norm_layer``).

    Example::

        >>> model = mobilenet_v3_large(num_classes=10)
        >>> model(ember.randn(2, 3, 64, 64)).shape
        ember.Size([2, 10])
    """
    return _mobilenet_v3("mobilenet_v3_large", MobileNet_V3_Large_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(MobileNet_V3_Small_Weights.IMAGENET1K_V1)
def mobilenet_v3_small(*, weights: MobileNet_V3_Small_Weights | None = None, progress: bool = True,
                       **kwargs: Any) -> MobileNetV3:
    """MobileNetV3-Small from `Searching for MobileNetV3 <https://arxiv.org/abs/1905.02244>`__; arguments as
    ``mobilenet_v3_large``."""
    return _mobilenet_v3("mobilenet_v3_small", MobileNet_V3_Small_Weights.verify(weights), progress, **kwargs)
