"""ResNet (He et al., 2015) with torchvision's module and parameter names, so torchvision
checkpoints load with ``load_state_dict``."""

from __future__ import annotations

from collections.abc import Callable
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

__all__ = ["ResNet", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights",
           "ResNet101_Weights", "ResNet152_Weights", "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights",
           "ResNeXt101_64X4D_Weights", "Wide_ResNet50_2_Weights", "Wide_ResNet101_2_Weights", "resnet18", "resnet34",
           "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
           "wide_resnet50_2", "wide_resnet101_2"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups, bias=False,
                     dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions and a shortcut (ResNet-18/34)."""

    expansion: int = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (carrying the stride, as torchvision's "ResNet V1.5"), 1x1 expand, and a shortcut."""

    expansion: int = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    """A residual network: stem (7x7 conv, max pool), four stages of blocks, global average pool, ``fc``.

    Args:
        block: ``BasicBlock`` or ``Bottleneck``.
        layers: the number of blocks in each of the four stages.
        num_classes: outputs of ``fc``. Default: 1000.
        zero_init_residual: start the last BN of every block at zero, so each block starts as the
            identity. Default: ``False``.
        groups, width_per_group: grouped convolutions in ``Bottleneck`` (ResNeXt / wide ResNets).
        replace_stride_with_dilation: three booleans, one per stage 2-4: dilate instead of striding.
        norm_layer: the normalisation layer. Default: ``nn.BatchNorm2d``.

    Shape: input (N, 3, H, W), output (N, num_classes).
    """

    def __init__(self, block: type[BasicBlock | Bottleneck], layers: list[int], num_classes: int = 1000,
                 zero_init_residual: bool = False, groups: int = 1, width_per_group: int = 64,
                 replace_stride_with_dilation: list[bool] | None = None,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError(f"replace_stride_with_dilation should be None or a 3-element tuple, got "
                             f"{replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d | nn.GroupNorm):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block: type[BasicBlock | Bottleneck], planes: int, blocks: int, stride: int = 1,
                    dilate: bool = False) -> nn.Sequential:
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = ember.flatten(self.avgpool(x), 1)
        return self.fc(x)


def _resnet(block: type[BasicBlock | Bottleneck], layers: list[int], weights: WeightsEnum | None, progress: bool,
            **kwargs: Any) -> ResNet:
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = ResNet(block, layers, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


_COMMON_META = {"min_size": (1, 1), "categories": _IMAGENET_CATEGORIES}
_V1_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#resnet"
_V1_DOCS = "These weights reproduce closely the results of the paper using a simple training recipe."
_V2_RECIPE = "https://github.com/pytorch/vision/issues/3995#issuecomment-1013906621"
_RESNEXT_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#resnext"
_WIDE_RECIPE = "https://github.com/pytorch/vision/pull/912#issue-445437439"
_FIXRES_RECIPE = "https://github.com/pytorch/vision/issues/3995#new-recipe-with-fixres"
_NEW_RECIPE = "https://github.com/pytorch/vision/issues/3995#new-recipe"
_V2_DOCS = ("These weights improve upon the results of the original paper by using TorchVision's `new training recipe "
            "<https://pytorch.org/blog/how-to-train-state-of-the-art-models-using-torchvision-latest-primitives/>`_.")


def _imagenet(url: str, num_params: int, acc1: float, acc5: float, v2: bool = False, recipe: str | None = None
              ) -> Weights:
    return Weights(
        url=url,
        transforms=partial(ImageClassification, crop_size=224, resize_size=232) if v2
        else partial(ImageClassification, crop_size=224),
        meta={**_COMMON_META, "num_params": num_params, "recipe": recipe or (_V2_RECIPE if v2 else _V1_RECIPE),
              "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}}, "_docs": _V2_DOCS if v2 else _V1_DOCS})


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnet18-f37072fd.pth", 11689512, 69.758, 89.078)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnet34-b627a593.pth", 21797672, 73.314, 91.42)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnet50-0676ba61.pth", 25557032, 76.13, 92.862)
    IMAGENET1K_V2 = _imagenet("https://download.pytorch.org/models/resnet50-11ad3fa6.pth", 25557032, 80.858, 95.434,
                              v2=True)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnet101-63fe2227.pth", 44549160, 77.374, 93.546)
    IMAGENET1K_V2 = _imagenet("https://download.pytorch.org/models/resnet101-cd907fc2.pth", 44549160, 81.886, 95.78,
                              v2=True, recipe=_NEW_RECIPE)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnet152-394f9c45.pth", 60192808, 78.312, 94.046)
    IMAGENET1K_V2 = _imagenet("https://download.pytorch.org/models/resnet152-f82ba261.pth", 60192808, 82.284, 96.002,
                              v2=True, recipe=_NEW_RECIPE)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnext50_32x4d-7cdf4587.pth", 25028904, 77.618,
                              93.698, recipe=_RESNEXT_RECIPE)
    IMAGENET1K_V2 = _imagenet("https://download.pytorch.org/models/resnext50_32x4d-1a0047aa.pth", 25028904, 81.198,
                              95.34, v2=True, recipe=_NEW_RECIPE)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_32X8D_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnext101_32x8d-8ba56ff5.pth", 88791336, 79.312,
                              94.526, recipe=_RESNEXT_RECIPE)
    IMAGENET1K_V2 = _imagenet("https://download.pytorch.org/models/resnext101_32x8d-110c445d.pth", 88791336, 82.834,
                              96.228, v2=True, recipe=_FIXRES_RECIPE)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_64X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnext101_64x4d-173b62eb.pth", 83455272, 83.246,
                              96.454, v2=True, recipe="https://github.com/pytorch/vision/pull/5935")
    DEFAULT = IMAGENET1K_V1


class Wide_ResNet50_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/wide_resnet50_2-95faca4d.pth", 68883240, 78.468,
                              94.086, recipe=_WIDE_RECIPE)
    IMAGENET1K_V2 = _imagenet("https://download.pytorch.org/models/wide_resnet50_2-9ba9bcbe.pth", 68883240, 81.602,
                              95.758, v2=True, recipe=_FIXRES_RECIPE)
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet101_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/wide_resnet101_2-32ee1156.pth", 126886696, 78.848,
                              94.284, recipe=_WIDE_RECIPE)
    IMAGENET1K_V2 = _imagenet("https://download.pytorch.org/models/wide_resnet101_2-d733dc28.pth", 126886696, 82.51,
                              96.02, v2=True, recipe=_NEW_RECIPE)
    DEFAULT = IMAGENET1K_V2


_RESNET_PAPER = "`Deep Residual Learning for Image Recognition <https://arxiv.org/abs/1512.03385>`__"
_RESNEXT_PAPER = "`Aggregated Residual Transformation for Deep Neural Networks <https://arxiv.org/abs/1611.05431>`__"
_WIDE_PAPER = "`Wide Residual Networks <https://arxiv.org/abs/1605.07146>`__"

_BUILDER_DOC = """{title} from {paper}.

    Args:
        weights ({enum}, optional): pretrained weights (``{enum}.DEFAULT``, a member name as a
            string, or None for random initialisation). ``pretrained=True`` (deprecated) means
            ``{enum}.IMAGENET1K_V1``.
        progress (bool): show a progress bar while downloading the weights. Default: ``True``.
        **kwargs: passed to ``ResNet`` (``num_classes``, ``zero_init_residual``, ``norm_layer``, ...).

    Example::

        >>> model = {name}(weights={enum}.DEFAULT).eval()
        >>> logits = model({enum}.DEFAULT.transforms()(img).unsqueeze(0))
    """


def _builder(name: str, title: str, enum: type[WeightsEnum], paper: str = _RESNET_PAPER):
    def decorate(fn):
        fn.__doc__ = _BUILDER_DOC.format(title=title, enum=enum.__name__, name=name, paper=paper)
        return register_model()(handle_legacy_interface(enum.IMAGENET1K_V1)(fn))
    return decorate


@_builder("resnet18", "ResNet-18", ResNet18_Weights)
def resnet18(*, weights: ResNet18_Weights | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    return _resnet(BasicBlock, [2, 2, 2, 2], ResNet18_Weights.verify(weights), progress, **kwargs)


@_builder("resnet34", "ResNet-34", ResNet34_Weights)
def resnet34(*, weights: ResNet34_Weights | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    return _resnet(BasicBlock, [3, 4, 6, 3], ResNet34_Weights.verify(weights), progress, **kwargs)


@_builder("resnet50", "ResNet-50", ResNet50_Weights)
def resnet50(*, weights: ResNet50_Weights | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    return _resnet(Bottleneck, [3, 4, 6, 3], ResNet50_Weights.verify(weights), progress, **kwargs)


@_builder("resnet101", "ResNet-101", ResNet101_Weights)
def resnet101(*, weights: ResNet101_Weights | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    return _resnet(Bottleneck, [3, 4, 23, 3], ResNet101_Weights.verify(weights), progress, **kwargs)


@_builder("resnet152", "ResNet-152", ResNet152_Weights)
def resnet152(*, weights: ResNet152_Weights | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    return _resnet(Bottleneck, [3, 8, 36, 3], ResNet152_Weights.verify(weights), progress, **kwargs)


@_builder("resnext50_32x4d", "ResNeXt-50 32x4d", ResNeXt50_32X4D_Weights, _RESNEXT_PAPER)
def resnext50_32x4d(*, weights: ResNeXt50_32X4D_Weights | None = None, progress: bool = True, **kwargs: Any
                    ) -> ResNet:
    _ovewrite_named_param(kwargs, "groups", 32)
    _ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 6, 3], ResNeXt50_32X4D_Weights.verify(weights), progress, **kwargs)


@_builder("resnext101_32x8d", "ResNeXt-101 32x8d", ResNeXt101_32X8D_Weights, _RESNEXT_PAPER)
def resnext101_32x8d(*, weights: ResNeXt101_32X8D_Weights | None = None, progress: bool = True, **kwargs: Any
                     ) -> ResNet:
    _ovewrite_named_param(kwargs, "groups", 32)
    _ovewrite_named_param(kwargs, "width_per_group", 8)
    return _resnet(Bottleneck, [3, 4, 23, 3], ResNeXt101_32X8D_Weights.verify(weights), progress, **kwargs)


@_builder("resnext101_64x4d", "ResNeXt-101 64x4d", ResNeXt101_64X4D_Weights, _RESNEXT_PAPER)
def resnext101_64x4d(*, weights: ResNeXt101_64X4D_Weights | None = None, progress: bool = True, **kwargs: Any
                     ) -> ResNet:
    _ovewrite_named_param(kwargs, "groups", 64)
    _ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 23, 3], ResNeXt101_64X4D_Weights.verify(weights), progress, **kwargs)


@_builder("wide_resnet50_2", "Wide ResNet-50-2", Wide_ResNet50_2_Weights, _WIDE_PAPER)
def wide_resnet50_2(*, weights: Wide_ResNet50_2_Weights | None = None, progress: bool = True, **kwargs: Any
                    ) -> ResNet:
    _ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 6, 3], Wide_ResNet50_2_Weights.verify(weights), progress, **kwargs)


@_builder("wide_resnet101_2", "Wide ResNet-101-2", Wide_ResNet101_2_Weights, _WIDE_PAPER)
def wide_resnet101_2(*, weights: Wide_ResNet101_2_Weights | None = None, progress: bool = True, **kwargs: Any
                     ) -> ResNet:
    _ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 23, 3], Wide_ResNet101_2_Weights.verify(weights), progress, **kwargs)
