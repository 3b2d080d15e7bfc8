"""LeNet-5 (LeCun et al., 1998) in its common modern form: ReLU and max pooling, for 28x28 digits."""

from __future__ import annotations

from typing import Any

import ember
from ember import nn
from ember.vision.models._api import register_model

__all__ = ["LeNet5", "lenet5"]


class LeNet5(nn.Module):
    """Two 5x5 convolutions (6 and 16 channels) with ReLU and 2x2 max pooling, then three linear
    layers (120, 84, ``num_classes``) with ReLU between them.

    ``conv1`` pads by 2, so a 28x28 MNIST digit is treated like the paper's 32x32 input; an
    adaptive average pool to 5x5 before ``fc1`` (the identity at 28x28) lets other sizes
    (>= 16x16) through. Parameter names are those of the PyTorch tutorial's LeNet: ``conv1``,
    ``conv2``, ``fc1``, ``fc2``, ``fc3``.

    Args:
        num_classes: outputs of ``fc3``. Default: 10.
        in_channels: channels of the input images. Default: 1.

    Shape: input (N, in_channels, H, W), output (N, num_classes).

    Example::

        >>> model = lenet5()
        >>> model(ember.randn(8, 1, 28, 28)).shape
        ember.Size([8, 10])
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((5, 5))
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = ember.flatten(self.avgpool(x), 1)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)


@register_model()
def lenet5(**kwargs: Any) -> LeNet5:
    """LeNet-5 for 28x28 single-channel images (MNIST, FashionMNIST); ``kwargs`` go to ``LeNet5``
    (``num_classes``, ``in_channels``). There are no pretrained weights."""
    return LeNet5(**kwargs)
