"""Models: ``ember.vision.models`` (``torchvision.models``), built from ember.nn with torchvision's
module and parameter names, so torchvision checkpoints load with ``load_state_dict``.

Like ``torchvision.models``, this namespace holds the model classes, their builders and weights
enums, and the registry (``get_model``, ``list_models``, ...); building blocks live in the model's
module (``ember.vision.models.resnet.BasicBlock``) or in ``ember.vision.ops``, and the download
helpers in ``ember.hub``. Pretrained weights (``resnet50(weights=ResNet50_Weights.DEFAULT)``, or the
older ``pretrained=True``) are looked for in ember's cache (``$EMBER_HOME/hub/checkpoints``) and in
PyTorch's (``$TORCH_HOME/hub/checkpoints``), and downloaded into ember's when missing.
"""

try:
    import ember.nn  # noqa: F401
except ImportError as err:  # ember-vision's transforms and datasets work without it; the models do not
    raise ImportError(f"ember.vision.models needs ember-nn ({err}); install it with "
                      f"pip install 'ember-vision[models]' (or pip install ember-nn)") from err

from ember.vision.models import densenet, efficientnet, lenet, mobilenetv2, mobilenetv3, resnet, squeezenet, vgg
from ember.vision.models._api import (
    Weights,
    WeightsEnum,
    get_model,
    get_model_builder,
    get_model_weights,
    get_weight,
    list_models,
)
from ember.vision.models.densenet import *  # noqa: F403
from ember.vision.models.efficientnet import *  # noqa: F403
from ember.vision.models.lenet import *  # noqa: F403
from ember.vision.models.mobilenetv2 import *  # noqa: F403
from ember.vision.models.mobilenetv3 import *  # noqa: F403
from ember.vision.models.resnet import *  # noqa: F403
from ember.vision.models.squeezenet import *  # noqa: F403
from ember.vision.models.vgg import *  # noqa: F403

__all__ = ["Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight",
           "list_models"]
for _module in (densenet, efficientnet, lenet, mobilenetv2, mobilenetv3, resnet, squeezenet, vgg):
    __all__ += _module.__all__
del ember, _module
