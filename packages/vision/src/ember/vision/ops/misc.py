"""Building blocks of the models (``torchvision.ops.misc``): ``Conv2dNormActivation`` and
``SqueezeExcitation``, with torchvision's child names so that checkpoints load."""

from __future__ import annotations

from collections.abc import Callable

import ember
from ember import nn


class Conv2dNormActivation(nn.Sequential):
    """``Conv2d`` -> ``norm_layer`` -> ``activation_layer``.

    Args:
        in_channels, out_channels: channels of the input and output.
        kernel_size, stride, groups, dilation: as ``nn.Conv2d``. Defaults: 3, 1, 1, 1.
        padding: default ``(kernel_size - 1) // 2 * dilation`` (keeps the size when stride is 1).
        norm_layer: a callable ``(channels) -> Module``, or None. Default: ``nn.BatchNorm2d``.
        activation_layer: a callable ``(inplace=...) -> Module``, or None. Default: ``nn.ReLU``.
        inplace: passed to ``activation_layer`` (None: not passed). Default: ``True``.
        bias: whether the convolution has a bias. Default: only when there is no ``norm_layer``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: int | None = None, groups: int = 1,
                 norm_layer: Callable[..., nn.Module] | None = nn.BatchNorm2d,
                 activation_layer: Callable[..., nn.Module] | None = nn.ReLU, dilation: int = 1,
                 inplace: bool | None = True, bias: bool | None = None) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation, groups=groups,
                            bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(**({} if inplace is None else {"inplace": inplace})))
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """Squeeze-and-Excitation (Hu et al., 2018): rescale each channel by a gate computed from the
    channel means: ``x * scale_activation(fc2(activation(fc1(avgpool(x)))))``.

    Args:
        input_channels: channels of the input (and output).
        squeeze_channels: channels of the bottleneck between ``fc1`` and ``fc2``.
        activation: the bottleneck's activation. Default: ``nn.ReLU``.
        scale_activation: the gate's activation. Default: ``nn.Sigmoid``.

    Shape: input (N, C, H, W), output the same.
    """

    def __init__(self, input_channels: int, squeeze_channels: int,
                 activation: Callable[..., nn.Module] = nn.ReLU,
                 scale_activation: Callable[..., nn.Module] = nn.Sigmoid) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x: ember.Tensor) -> ember.Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x
