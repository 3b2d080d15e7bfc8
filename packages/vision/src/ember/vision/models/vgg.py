"""VGG (Simonyan & Zisserman, 2014) with torchvision's module indices (``features.N``, ``classifier.N``),
so torchvision checkpoints load with ``load_state_dict``."""

from __future__ import annotations

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

__all__ = ["VGG", "VGG11_Weights", "VGG11_BN_Weights", "vgg11", "vgg11_bn", "make_layers"]

# configuration "A" of the paper (VGG-11): output channels of each 3x3 convolution, "M" for a 2x2 max pool
_CFG_A: list[int | str] = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]


class VGG(nn.Module):
    """Convolutional ``features``, a 7x7 adaptive average pool and a three-layer ``classifier``.

    Args:
        features: the convolutional part (see ``make_layers``); must end with 512 channels.
        num_classes: outputs of the last linear layer. Default: 1000.
        init_weights: initialise as torchvision does. Default: ``True``.
        dropout: the probability of both dropout layers. Default: 0.5.

    Shape: input (N, 3, H, W) with H, W >= 32; output (N, num_classes).
    """

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(ember.flatten(x, 1))


def make_layers(cfg: list[int | str], batch_norm: bool = False) -> nn.Sequential:
    """The ``features`` of a VGG: 3x3 convolutions (padding 1) with ReLU (and BN), "M" for 2x2 max pooling."""
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        conv = nn.Conv2d(in_channels, int(v), kernel_size=3, padding=1)
        layers += [conv, nn.BatchNorm2d(int(v)), nn.ReLU(inplace=True)] if batch_norm else [conv, nn.ReLU(inplace=True)]
        in_channels = int(v)
    return nn.Sequential(*layers)


def _vgg(cfg: list[int | str], batch_norm: bool, weights: WeightsEnum | None, progress: bool, **kwargs: Any) -> VGG:
    if weights is not None:
        kwargs["init_weights"] = False
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = VGG(make_layers(cfg, batch_norm=batch_norm), **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


def _imagenet(url: str, num_params: int, acc1: float, acc5: float) -> Weights:
    return Weights(url=url, transforms=partial(ImageClassification, crop_size=224),
                   meta={"min_size": (32, 32), "categories": _IMAGENET_CATEGORIES, "num_params": num_params,
                         "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg",
                         "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}},
                         "_docs": "These weights were trained from scratch by using a simplified training recipe."})


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg11-8a719046.pth", 132863336, 69.02, 88.628)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg11_bn-6002323d.pth", 132868840, 70.37, 89.81)
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface(VGG11_Weights.IMAGENET1K_V1)
def vgg11(*, weights: VGG11_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 (configuration "A") from `Very Deep Convolutional Networks for Large-Scale Image Recognition
    <https://arxiv.org/abs/1409.1556>`__.

    Args:
        weights (VGG11_Weights, optional): pretrained weights, or None for random initialisation.
        progress (bool): show a progress bar while downloading the weights. Default: ``True``.
        **kwargs: passed to ``VGG`` (``num_classes``, ``dropout``, ``init_weights``).

    Example::

        >>> model = vgg11(num_classes=10)
        >>> model(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 10])
    """
    return _vgg(_CFG_A, False, VGG11_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(VGG11_BN_Weights.IMAGENET1K_V1)
def vgg11_bn(*, weights: VGG11_BN_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 with batch normalisation after every convolution; arguments as ``vgg11``."""
    return _vgg(_CFG_A, True, VGG11_BN_Weights.verify(weights), progress, **kwargs)
