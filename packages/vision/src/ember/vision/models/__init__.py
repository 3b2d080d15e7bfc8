"""Models: ``ember.vision.models`` (``torchvision.models``), built from ember.nn with torchvision's
module and parameter names, so torchvision checkpoints load with ``load_state_dict``.

Pretrained weights (``resnet50(weights=ResNet50_Weights.DEFAULT)``, or the older
``pretrained=True``) are looked for in ember's cache (``$EMBER_HOME/hub/checkpoints``) and in
PyTorch's (``$TORCH_HOME/hub/checkpoints``), and downloaded into ember's when missing.
"""

try:
    import ember.nn  # noqa: F401
except ImportError as err:  # ember-vision's transforms and datasets work without it; the models do not
    raise ImportError(f"ember.vision.models needs ember-nn ({err}); install it with "
                      f"pip install 'ember-vision[models]' (or pip install ember-nn)") from err

from ember.vision.models._api import (
    Weights,
    WeightsEnum,
    get_model,
    get_model_builder,
    get_model_weights,
    get_weight,
    list_models,
)
from ember.vision.models._conv_norm import Conv2dNormActivation
from ember.vision.models._hub import download_url_to_file, get_dir, load_state_dict_from_url
from ember.vision.models._presets import ImageClassification
from ember.vision.models.lenet import LeNet5, lenet5
from ember.vision.models.mobilenetv2 import InvertedResidual, MobileNet_V2_Weights, MobileNetV2, mobilenet_v2
from ember.vision.models.resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    ResNet101_Weights,
    ResNet152_Weights,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
)
from ember.vision.models.vgg import VGG, VGG11_BN_Weights, VGG11_Weights, vgg11, vgg11_bn

__all__ = [
    "Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight", "list_models",
    "load_state_dict_from_url", "download_url_to_file", "get_dir", "ImageClassification", "Conv2dNormActivation",
    "ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights",
    "VGG", "vgg11", "vgg11_bn", "VGG11_Weights", "VGG11_BN_Weights",
    "MobileNetV2", "InvertedResidual", "mobilenet_v2", "MobileNet_V2_Weights",
    "LeNet5", "lenet5",
]
