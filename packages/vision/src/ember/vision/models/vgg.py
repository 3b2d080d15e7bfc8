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

__all__ = ["VGG", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights",
           "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn"]

# the paper's configurations A (VGG-11), B (13), D (16) and E (19): output channels of each 3x3
# convolution, "M" for a 2x2 max pool
_CFGS: dict[str, list[int | str]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


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
        if weights.meta["categories"] is not None:  # feature-only weights fix no number of classes
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


class VGG13_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg13-19584684.pth", 133047848, 69.928, 89.246)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg13_bn-abd245e5.pth", 133053736, 71.586, 90.374)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg16-397923af.pth", 138357544, 71.592, 90.382)
    # Feature extraction only (SSD's backbone): the classifier's values are missing; inputs are
    # standardised the paper's way, on the 0-255 scale.
    IMAGENET1K_FEATURES = Weights(
        url="https://download.pytorch.org/models/vgg16_features-amdegroot-88682ab5.pth",
        transforms=partial(ImageClassification, crop_size=224, mean=(0.48235, 0.45882, 0.40784),
                           std=(1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0)),
        meta={"min_size": (32, 32), "categories": None, "num_params": 138357544,
              "recipe": "https://github.com/amdegroot/ssd.pytorch#training-ssd",
              "_metrics": {"ImageNet-1K": {"acc@1": float("nan"), "acc@5": float("nan")}},
              "_docs": "These weights can't be used for classification because they are missing values in the "
                       "`classifier` module. Only the `features` module has valid values and can be used for "
                       "feature extraction."})
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg16_bn-6c64b313.pth", 138365992, 73.36, 91.516)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg19-dcbb9e9d.pth", 143667240, 72.376, 90.876)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/vgg19_bn-c79401a0.pth", 143678248, 74.218, 91.842)
    DEFAULT = IMAGENET1K_V1


_BUILDER_DOC = """VGG-{depth}{bn} (configuration "{cfg}") from `Very Deep Convolutional Networks for Large-Scale Image
    Recognition <https://arxiv.org/abs/1409.1556>`__.

    Args:
        weights ({enum}, optional): pretrained weights, or None for random initialisation.
        progress (bool): show a progress bar while downloading the weights. Default: ``True``.
        **kwargs: passed to ``VGG`` (``num_classes``, ``dropout``, ``init_weights``).

    Example::

        >>> model = {name}(num_classes=10)
        >>> model(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 10])
    """


def _builder(name: str, cfg: str, batch_norm: bool, enum: type[WeightsEnum]):
    """The builder ``name``: configuration ``cfg``, with or without batch norm, weights from ``enum``."""
    def build(*, weights: WeightsEnum | None = None, progress: bool = True, **kwargs: Any) -> VGG:
        return _vgg(_CFGS[cfg], batch_norm, enum.verify(weights), progress, **kwargs)

    build.__name__ = build.__qualname__ = name
    depth = {"A": 11, "B": 13, "D": 16, "E": 19}[cfg]
    build.__doc__ = _BUILDER_DOC.format(depth=depth, bn=" with batch normalisation" if batch_norm else "", cfg=cfg,
                                        enum=enum.__name__, name=name)
    build.__annotations__["weights"] = f"{enum.__name__} | None"
    return register_model(name)(handle_legacy_interface(enum.IMAGENET1K_V1)(build))


vgg11 = _builder("vgg11", "A", False, VGG11_Weights)
vgg11_bn = _builder("vgg11_bn", "A", True, VGG11_BN_Weights)
vgg13 = _builder("vgg13", "B", False, VGG13_Weights)
vgg13_bn = _builder("vgg13_bn", "B", True, VGG13_BN_Weights)
vgg16 = _builder("vgg16", "D", False, VGG16_Weights)
vgg16_bn = _builder("vgg16_bn", "D", True, VGG16_BN_Weights)
vgg19 = _builder("vgg19", "E", False, VGG19_Weights)
vgg19_bn = _builder("vgg19_bn", "E", True, VGG19_BN_Weights)
