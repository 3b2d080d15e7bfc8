"""ember.autograd: define-by-run reverse-mode automatic differentiation (``torch.autograd``).

Importing this package installs the recorder into ember-core's dispatcher, so ops on tensors
that require grad build a graph; ``Tensor.backward()`` and ``ember.autograd.grad`` walk it.
``requires_grad=True`` imports it on demand.
"""

from ember import _core
from ember.autograd.rules import load_all as _load_rules
from ember.autograd.rules import rule

_load_rules()

from ember.autograd import forward_ad, functional  # noqa: E402
from ember.autograd.anomaly_mode import (  # noqa: E402
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from ember.autograd.function import Function, FunctionCtx, once_differentiable  # noqa: E402
from ember.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
from ember.autograd.gradients import backward, grad  # noqa: E402
from ember.autograd.hooks import RemovableHandle  # noqa: E402
from ember.autograd.multithreading import set_multithreading_enabled  # noqa: E402
from ember.autograd.node import AccumulateGrad, Node  # noqa: E402
from ember.autograd.recorder import Recorder  # noqa: E402
from ember.autograd.variable import Variable, variable  # noqa: E402
from ember.grad_mode import (  # noqa: E402
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)

_core.set_recorder(Recorder())

__all__ = [
    "backward", "grad", "Function", "FunctionCtx", "once_differentiable", "gradcheck", "gradgradcheck",
    "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
    "is_inference_mode_enabled", "Node", "AccumulateGrad", "RemovableHandle", "rule", "detect_anomaly",
    "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "functional", "Variable", "variable",
    "set_multithreading_enabled", "forward_ad",
]
