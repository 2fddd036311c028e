"""The image contract between transforms, and the two views that let torchvision work on it.

Between transforms ``results['img']`` is a HWC numpy array: uint8 in BGR order (as mmcv's
``LoadImageFromFile`` gives) until ``Normalize`` makes it float32, and until
``ImageToTensor`` makes it a CHW tensor. ``as_chw`` shows such an array to torchvision as a
CHW tensor without copying; ``as_hwc`` turns torchvision's answer back into the contract.
"""
import numpy as np
import torch
from torchvision.transforms import InterpolationMode

INTERPOLATIONS = {
    'nearest': InterpolationMode.NEAREST,
    'bilinear': InterpolationMode.BILINEAR,
    'bicubic': InterpolationMode.BICUBIC,
    'lanczos': InterpolationMode.LANCZOS,   # pillow backend only
    'box': InterpolationMode.BOX,           # pillow backend only
}


def interpolation_mode(name):
    """'bilinear' -> InterpolationMode.BILINEAR, with an error that lists the known names."""
    if name not in INTERPOLATIONS:
        raise ValueError(f'interpolation must be one of {list(INTERPOLATIONS)}, got {name!r}')
    return INTERPOLATIONS[name]


def as_chw(img):
    """HWC (or HW) numpy array -> CHW tensor sharing its memory (copies only for negative strides)."""
    if img.ndim == 2:
        img = img[:, :, None]
    if any(stride < 0 for stride in img.strides):
        img = np.ascontiguousarray(img)
    return torch.from_numpy(img).permute(2, 0, 1)


def as_hwc(tensor, like=None):
    """CHW tensor -> HWC numpy array (HW again when ``like`` was a 2-D grey image)."""
    out = tensor.permute(1, 2, 0).numpy()
    return out[:, :, 0] if like is not None and like.ndim == 2 else out


def bgr_to_rgb_chw(img):
    """HWC BGR numpy -> CHW RGB tensor, for the colour ops whose channel weights assume RGB."""
    chw = as_chw(img)
    return chw.flip(0) if chw.shape[0] == 3 else chw


def rgb_chw_to_bgr(tensor, like=None):
    """The inverse of ``bgr_to_rgb_chw``."""
    return as_hwc(tensor.flip(0) if tensor.shape[0] == 3 else tensor, like)


def pad_value(pad_val, channels):
    """An int or a per-channel sequence (in the image's own channel order) -> a list for torchvision."""
    if isinstance(pad_val, (int, float)):
        return [float(pad_val)] * channels
    values = [float(v) for v in pad_val]
    if len(values) != channels:
        raise ValueError(f'pad_val {pad_val!r} has {len(values)} values for a {channels}-channel image')
    return values
