"""What an image is: a PIL image or an ember tensor of shape (..., C, H, W); moving a tensor
image to and from NumPy for the array kernels."""

from __future__ import annotations

import numpy as np
from PIL import Image

import ember


def is_pil(img) -> bool:
    return isinstance(img, Image.Image)


def is_tensor(img) -> bool:
    return isinstance(img, ember.Tensor)


def check_image(img) -> None:
    if is_pil(img):
        return
    if not is_tensor(img):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img) -> list[int]:
    """[channels, height, width] of a PIL image or a tensor image."""
    check_image(img)
    if is_pil(img):
        return [len(img.getbands()), img.height, img.width]
    shape = tuple(img.shape)
    return [1 if len(shape) == 2 else shape[-3], shape[-2], shape[-1]]


def to_array(t) -> np.ndarray:
    """The NumPy array of a tensor image (shared with the tensor on the CPU)."""
    if t.requires_grad:
        t = t.detach()
    return t.numpy() if t.device.type == "cpu" else t.cpu().numpy()


def from_array(arr: np.ndarray, like=None):
    """A tensor holding ``arr``, on the device of ``like``."""
    out = ember.from_numpy(np.ascontiguousarray(arr))
    if like is not None and like.device.type != "cpu":
        out = out.to(like.device)
    return out


def apply(img, fn, channels_first: bool = False):
    """``fn`` applied to the array of tensor ``img``; ``channels_first`` gives a 2-D image a channel axis."""
    arr = to_array(img)
    if channels_first and arr.ndim == 2:
        return from_array(fn(arr[None])[0], img)
    return from_array(fn(arr), img)


def check_channels(img, permitted) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {list(permitted)}, but found {c}")
