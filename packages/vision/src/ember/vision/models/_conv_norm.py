"""``Conv2dNormActivation``: convolution, then normalisation, then activation, as one ``Sequential``.

torchvision keeps this block in ``torchvision.ops.misc``; its children are named ``0`` (conv),
``1`` (norm) and ``2`` (activation), which is what checkpoints of MobileNetV2 expect.
"""

from __future__ import annotations

from collections.abc import Callable

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
