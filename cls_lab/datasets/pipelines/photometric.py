"""Photometric transforms: Normalize, ColorJitter, Lighting, RandomGrayscale, RandomErasing.

Pixel for pixel as mmcls 0.25 (OpenCV colour maths; numpy's and Python's random draws in the
same order), unless a docstring names a deliberate difference. Images are HWC, BGR.
"""
import math
import random
from numbers import Number

import cv2
import numpy as np
import torch

from cls_lab.errors import ArgumentError
from cls_lab.registry import TRANSFORMS
from .augment_ops import Brightness, ColorTransform, Contrast
from .image_ops import as_chw, as_hwc, image_fields


@TRANSFORMS.register_module()
class Normalize:
    """``(img - mean) / std`` per channel, to float32; ``to_rgb`` first turns BGR into RGB.

    ``mean``/``std`` are given in the output (RGB when ``to_rgb``) order. Adds: img_norm_cfg.
    Updates: img (HWC float32; its memory is channel-planar, so ImageToTensor's CHW view
    is contiguous).
    """

    def __init__(self, mean, std, to_rgb=True):
        self.mean = np.array(mean, dtype=np.float32)
        self.std = np.array(std, dtype=np.float32)
        if self.mean.shape != self.std.shape or np.any(self.std == 0):
            raise ArgumentError(f'mean and std must have the same length and std no zero: '
                                f'mean={mean!r}, std={std!r}')
        self.to_rgb = to_rgb
        self._mean, self._std = torch.from_numpy(self.mean), torch.from_numpy(self.std)

    def __call__(self, results):
        for key in image_fields(results):
            results[key] = self.normalize(results[key])
        results['img_norm_cfg'] = dict(mean=self.mean.copy(), std=self.std.copy(), to_rgb=self.to_rgb)
        return results

    def normalize(self, img):
        """One HWC image -> float32 ``(img[..., rgb] - mean) / std``."""
        chw = as_chw(img)   # whatever the memory layout, one channel plane at a time is fast
        channels = chw.shape[0]
        if len(self.mean) not in (1, channels):
            raise ArgumentError(f'Normalize: {len(self.mean)} means for a {channels}-channel image')
        out = torch.empty(chw.shape, dtype=torch.float32)
        if self.to_rgb and channels == 3:
            for c in range(3):
                out[c].copy_(chw[2 - c])   # BGR -> RGB while casting to float
        else:
            out.copy_(chw)
        out.sub_(self._mean.view(-1, 1, 1)).div_(self._std.view(-1, 1, 1))
        return as_hwc(out, img)

    def __repr__(self):
        mean, std = [round(float(v), 4) for v in self.mean], [round(float(v), 4) for v in self.std]
        return f'{type(self).__name__}(mean={mean}, std={std}, to_rgb={self.to_rgb})'


@TRANSFORMS.register_module()
class ColorJitter:
    """Brightness, contrast and saturation jitter in a random order, as mmcls 0.25 does.

    Each amount x draws a magnitude m uniformly in [0, x], its sign at random, and blends with
    factor 1 + m (the Brightness, Contrast and ColorTransform ops). uint8 images. Updates: img.
    """

    def __init__(self, brightness=0., contrast=0., saturation=0.):
        if min(brightness, contrast, saturation) < 0:
            raise ArgumentError(f'ColorJitter amounts must be >= 0, got brightness={brightness}, '
                                f'contrast={contrast}, saturation={saturation}')
        self.brightness, self.contrast, self.saturation = brightness, contrast, saturation

    def __call__(self, results):
        img = results['img']
        if img.dtype != np.uint8:
            raise ArgumentError(f'ColorJitter needs a uint8 image (put it before Normalize and '
                                f'without to_float32), got {img.dtype}')
        magnitudes = [random.uniform(0, amount)
                      for amount in (self.brightness, self.contrast, self.saturation)]
        ops = [op(magnitude, prob=1., random_negative_prob=0.5)
               for op, magnitude in zip((Brightness, Contrast, ColorTransform), magnitudes)]
        random.shuffle(ops)
        for op in ops:
            results = op(results)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, '
                f'saturation={self.saturation})')


@TRANSFORMS.register_module()
class Lighting:
    """AlexNet's PCA lighting noise: add ``eigvec @ (alpha * eigval)``, alpha ~ N(0, alphastd).

    ``eigval`` (k values) and ``eigvec`` (3 rows of k) are lists, in RGB order when ``to_rgb``
    (the image is turned to RGB first). Gives a float32 image, unclipped. Updates: img.
    """

    def __init__(self, eigval, eigvec, alphastd=0.1, to_rgb=True):
        if not isinstance(eigval, list) or not isinstance(eigvec, list):
            raise ArgumentError(f'eigval and eigvec must be lists, got {type(eigval).__name__} '
                                f'and {type(eigvec).__name__}')
        if len(eigvec) != 3 or any(not isinstance(row, list) or len(row) != len(eigval)
                                   for row in eigvec):
            raise ArgumentError(f'eigvec must be 3 lists of len(eigval)={len(eigval)} numbers, '
                                f'got {eigvec!r}')
        self.eigval, self.eigvec = np.array(eigval, dtype=float), np.array(eigvec, dtype=float)
        if self.eigval.ndim != 1 or self.eigvec.shape != (3, len(eigval)):
            raise ArgumentError(f'eigvec must be 3 lists of len(eigval)={len(eigval)} numbers, '
                                f'got shape {self.eigvec.shape}')
        if not isinstance(alphastd, float):
            raise ArgumentError(f'alphastd must be a float, got {alphastd!r}')
        self.alphastd, self.to_rgb = alphastd, to_rgb

    def __call__(self, results):
        for key in image_fields(results):   # a fresh alpha per image field, as mmcls
            img = results[key].astype(np.float32)
            if self.to_rgb:
                img = img[:, :, ::-1]
            alpha = np.random.normal(0, self.alphastd, len(self.eigval))
            shift = (self.eigvec * alpha * self.eigval).sum(axis=1)
            results[key] = np.ascontiguousarray(img + shift.reshape(1, 1, 3))
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(eigval={self.eigval.tolist()}, '
                f'eigvec={self.eigvec.tolist()}, alphastd={self.alphastd}, to_rgb={self.to_rgb})')


@TRANSFORMS.register_module()
class RandomGrayscale:
    """With probability ``gray_prob`` replace the image by its grey version (channels kept).

    Deliberately unlike mmcls, which weighs the BGR channels as if they were RGB, the grey is
    OpenCV's BGR -> grey (ITU-R 601 luma). Updates: img.
    """

    def __init__(self, gray_prob=0.1):
        if not 0 <= gray_prob <= 1:
            raise ArgumentError(f'gray_prob must be in [0, 1], got {gray_prob}')
        self.gray_prob = gray_prob

    def __call__(self, results):
        img = results['img']
        channels = 1 if img.ndim == 2 else img.shape[2]
        if random.random() < self.gray_prob and channels == 3:
            grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
            results['img'] = np.repeat(grey[:, :, None], 3, axis=2)
        return results

    def __repr__(self):
        return f'{type(self).__name__}(gray_prob={self.gray_prob})'


def _three(value, name):
    values = [value] * 3 if isinstance(value, Number) else list(value)
    if len(values) != 3 or not all(isinstance(v, Number) for v in values):
        raise ArgumentError(f'{name} must be a number or 3 numbers, got {value!r}')
    return values


@TRANSFORMS.register_module()
class RandomErasing:
    """With probability ``erase_prob`` fill a random rectangle (Zhong et al., 2017), as mmcls.

    Its area is a ``[min_area_ratio, max_area_ratio]`` share of the image and its aspect is
    log-uniform in ``aspect_range`` (a float a means (a, 1/a)); ``mode='const'`` fills
    ``fill_color`` (image channel order), ``mode='rand'`` fills noise: normal around
    fill_color with ``fill_std``, else uniform 0..255. Works before or after Normalize
    (the fill values are pixel values either way). Updates: img.
    """

    def __init__(self, erase_prob=0.5, min_area_ratio=0.02, max_area_ratio=0.4,
                 aspect_range=(3 / 10, 10 / 3), mode='const', fill_color=(128, 128, 128),
                 fill_std=None):
        if mode not in ('const', 'rand'):
            raise ArgumentError(f"mode must be 'const' or 'rand', got {mode!r}")
        for name, value in (('erase_prob', erase_prob), ('min_area_ratio', min_area_ratio),
                            ('max_area_ratio', max_area_ratio)):
            if not 0 <= value <= 1:
                raise ArgumentError(f'{name} must be in [0, 1], got {value!r}')
        if min_area_ratio > max_area_ratio:
            raise ArgumentError(f'min_area_ratio {min_area_ratio} > max_area_ratio {max_area_ratio}')
        if isinstance(aspect_range, Number):
            low = min(aspect_range, 1 / aspect_range)
            aspect_range = (low, 1 / low)
        if len(aspect_range) != 2 or not 0 < aspect_range[0] <= aspect_range[1]:
            raise ArgumentError(f'aspect_range must be a positive float or (min, max), got {aspect_range!r}')
        self.erase_prob, self.mode = erase_prob, mode
        self.min_area_ratio, self.max_area_ratio = min_area_ratio, max_area_ratio
        self.aspect_range = tuple(aspect_range)
        self.fill_color = _three(fill_color, 'fill_color')
        self.fill_std = None if fill_std is None else _three(fill_std, 'fill_std')

    def _patch(self, shape):
        if self.mode == 'const':
            return np.broadcast_to(np.array(self.fill_color, dtype=np.uint8), shape)
        if self.fill_std is None:
            return np.random.uniform(0, 256, shape).astype(np.uint8)
        noise = np.random.normal(self.fill_color, self.fill_std, shape)
        return np.clip(noise.astype(np.int32), 0, 255).astype(np.uint8)

    def __call__(self, results):
        if np.random.rand() > self.erase_prob:
            return results
        img = results['img']
        img_h, img_w = img.shape[:2]
        log_range = np.log(np.array(self.aspect_range, dtype=np.float32))
        aspect = np.exp(np.random.uniform(*log_range))
        area = img_h * img_w * np.random.uniform(self.min_area_ratio, self.max_area_ratio)
        h = min(int(round(math.sqrt(area * aspect))), img_h)
        w = min(int(round(math.sqrt(area / aspect))), img_w)
        top = np.random.randint(0, img_h - h) if img_h > h else 0
        left = np.random.randint(0, img_w - w) if img_w > w else 0
        img = img.copy()
        region = img[top:top + h, left:left + w]
        channels = 1 if img.ndim == 2 else img.shape[2]
        region[...] = self._patch((h, w, 3))[..., :channels].reshape(region.shape)
        results['img'] = img
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(erase_prob={self.erase_prob}, "
                f"min_area_ratio={self.min_area_ratio}, max_area_ratio={self.max_area_ratio}, "
                f"aspect_range={self.aspect_range}, mode='{self.mode}', "
                f"fill_color={self.fill_color}, fill_std={self.fill_std})")
