"""Geometric and photometric transforms on the sample dict (torchvision functional ops inside).

Every transform reads and writes ``results['img']`` following the contract in image_ops.py
(HWC numpy, uint8 BGR until Normalize) and never changes an array in place.
"""
import math

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import RandomResizedCrop as _TorchvisionRRC
from torchvision.transforms.v2 import functional as F

from cls_lab.registry import TRANSFORMS
from .image_ops import (as_chw, as_hwc, bgr_to_rgb_chw, interpolation_mode, pad_value,
                        rgb_chw_to_bgr)

_BACKENDS = ('torch', 'pillow', 'cv2')


def _pair(size, name):
    """An int -> (size, size); a (h, w) pair stays."""
    if isinstance(size, int):
        return size, size
    if isinstance(size, (tuple, list)) and len(size) == 2:
        return tuple(size)
    raise TypeError(f'{name} must be an int or a (h, w) pair, got {size!r}')


def resize_image(img, height, width, interpolation='bilinear', backend='torch'):
    """Resize a HWC array to (height, width): 'torch' antialiases, 'cv2' does not, 'pillow' uses PIL."""
    if backend not in _BACKENDS:
        raise ValueError(f'backend must be one of {_BACKENDS}, got {backend!r}')
    if img.shape[:2] == (height, width):
        return img
    mode = interpolation_mode(interpolation)
    if backend == 'pillow':
        if img.dtype != np.uint8:
            raise TypeError('the pillow backend resizes uint8 images only; use backend="torch"')
        resample = _PIL_MODES[interpolation]
        return np.array(Image.fromarray(img).resize((width, height), resample=resample))
    out = F.resize(as_chw(img), [height, width], interpolation=mode,
                   antialias=backend == 'torch' and interpolation != 'nearest')
    return as_hwc(out, img)


_PIL_MODES = {'nearest': Image.Resampling.NEAREST, 'bilinear': Image.Resampling.BILINEAR,
              'bicubic': Image.Resampling.BICUBIC, 'lanczos': Image.Resampling.LANCZOS,
              'box': Image.Resampling.BOX}


@TRANSFORMS.register_module()
class Resize:
    """Resize to ``size``: an int gives (size, size), ``(h, w)`` exactly, ``(s, -1)`` the short side to s.

    ``adaptive_side='long'`` makes ``(s, -1)`` fit the long side instead. Keeps the aspect ratio
    only for ``(s, -1)``. Updates: img, img_shape. Adds: scale_factor (w_scale, h_scale), keep_ratio.
    """

    def __init__(self, size, interpolation='bilinear', backend='torch', adaptive_side='short'):
        self.size = _pair(size, 'size')
        if self.size[1] != -1 and min(self.size) <= 0 or self.size[0] <= 0:
            raise ValueError(f'size must be positive (or (s, -1)), got {size!r}')
        if adaptive_side not in ('short', 'long'):
            raise ValueError(f"adaptive_side must be 'short' or 'long', got {adaptive_side!r}")
        interpolation_mode(interpolation)
        if backend not in _BACKENDS:
            raise ValueError(f'backend must be one of {_BACKENDS}, got {backend!r}')
        self.interpolation, self.backend, self.adaptive_side = interpolation, backend, adaptive_side

    def target_size(self, h, w):
        """The (height, width) an h x w image is resized to."""
        target, second = self.size
        if second != -1:
            return target, second
        short_is_h = h <= w
        fit_h = short_is_h if self.adaptive_side == 'short' else not short_is_h
        return (target, int(target * w / h)) if fit_h else (int(target * h / w), target)

    def __call__(self, results):
        img = results['img']
        h, w = img.shape[:2]
        new_h, new_w = self.target_size(h, w)
        img = resize_image(img, new_h, new_w, self.interpolation, self.backend)
        results.update(img=img, img_shape=img.shape, scale_factor=(new_w / w, new_h / h),
                       keep_ratio=self.size[1] == -1)
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation='{self.interpolation}', "
                f"backend='{self.backend}', adaptive_side='{self.adaptive_side}')")


@TRANSFORMS.register_module()
class RandomResizedCrop:
    """Crop a random area (``scale`` of the image, aspect ``ratio``) and resize it to ``size``.

    The Inception-style crop: 10 tries, then the central crop. Updates: img, img_shape.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3. / 4., 4. / 3.),
                 interpolation='bilinear', backend='torch'):
        self.size = _pair(size, 'size')
        if not (0 < scale[0] <= scale[1]) or not (0 < ratio[0] <= ratio[1]):
            raise ValueError(f'scale and ratio must be increasing positive ranges, '
                             f'got scale={scale!r}, ratio={ratio!r}')
        interpolation_mode(interpolation)
        if backend not in _BACKENDS:
            raise ValueError(f'backend must be one of {_BACKENDS}, got {backend!r}')
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.interpolation, self.backend = interpolation, backend

    def __call__(self, results):
        img = results['img']
        chw = as_chw(img)
        top, left, h, w = _TorchvisionRRC.get_params(chw, list(self.scale), list(self.ratio))
        if self.backend == 'pillow':
            img = resize_image(img[top:top + h, left:left + w], *self.size,
                               self.interpolation, 'pillow')
        else:
            out = F.resized_crop(chw, top, left, h, w, list(self.size),
                                 interpolation=interpolation_mode(self.interpolation),
                                 antialias=self.backend == 'torch')
            img = as_hwc(out, img)
        results.update(img=img, img_shape=img.shape)
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, scale={self.scale}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, "
                f"interpolation='{self.interpolation}', backend='{self.backend}')")


@TRANSFORMS.register_module()
class CenterCrop:
    """Cut the central ``crop_size`` (int or (h, w)) region; a smaller image is zero-padded first.

    Updates: img, img_shape.
    """

    def __init__(self, crop_size):
        self.crop_size = _pair(crop_size, 'crop_size')

    def __call__(self, results):
        img = results['img']
        img = as_hwc(F.center_crop(as_chw(img), list(self.crop_size)), img)
        results.update(img=img, img_shape=img.shape)
        return results

    def __repr__(self):
        return f'{type(self).__name__}(crop_size={self.crop_size})'


@TRANSFORMS.register_module()
class RandomCrop:
    """Pad by ``padding`` (and to ``size`` if ``pad_if_needed``), then cut a random ``size`` window.

    ``padding_mode``: 'constant' (with ``pad_val``), 'edge', 'reflect' or 'symmetric'.
    Updates: img, img_shape.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, pad_val=0, padding_mode='constant'):
        if padding_mode not in ('constant', 'edge', 'reflect', 'symmetric'):
            raise ValueError(f'padding_mode {padding_mode!r} is not constant/edge/reflect/symmetric')
        self.size = _pair(size, 'size')
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.pad_val, self.padding_mode = pad_val, padding_mode

    def _pad(self, img, padding):
        fill = pad_value(self.pad_val, 1 if img.ndim == 2 else img.shape[2])
        out = F.pad(as_chw(img), padding, fill=fill, padding_mode=self.padding_mode)
        return as_hwc(out, img)

    def __call__(self, results):
        img = results['img']
        if self.padding is not None:
            padding = [self.padding] if isinstance(self.padding, int) else list(self.padding)
            img = self._pad(img, padding)
        th, tw = self.size
        if self.pad_if_needed:
            extra_h, extra_w = max(th - img.shape[0], 0), max(tw - img.shape[1], 0)
            if extra_h or extra_w:
                img = self._pad(img, [extra_w, extra_h, extra_w, extra_h])
        h, w = img.shape[:2]
        if h < th or w < tw:
            raise ValueError(f'RandomCrop: crop {self.size} is larger than the (padded) image '
                             f'{(h, w)} of {results.get("filename", "this sample")}; '
                             'set pad_if_needed=True')
        top, left = np.random.randint(0, h - th + 1), np.random.randint(0, w - tw + 1)
        img = img[top:top + th, left:left + tw]
        results.update(img=img, img_shape=img.shape)
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, padding={self.padding}, "
                f"pad_if_needed={self.pad_if_needed}, pad_val={self.pad_val}, "
                f"padding_mode='{self.padding_mode}')")


_FLIPS = {'horizontal': F.horizontal_flip, 'vertical': F.vertical_flip,
          'diagonal': lambda t: F.vertical_flip(F.horizontal_flip(t))}


@TRANSFORMS.register_module()
class RandomFlip:
    """Flip with probability ``flip_prob`` along ``direction`` ('horizontal', 'vertical', 'diagonal').

    Adds: flip (bool), flip_direction. Updates: img.
    """

    def __init__(self, flip_prob=0.5, direction='horizontal'):
        if not 0 <= flip_prob <= 1:
            raise ValueError(f'flip_prob must be in [0, 1], got {flip_prob}')
        if direction not in _FLIPS:
            raise ValueError(f'direction must be one of {list(_FLIPS)}, got {direction!r}')
        self.flip_prob, self.direction = flip_prob, direction

    def __call__(self, results):
        flip = bool(np.random.rand() < self.flip_prob)
        results.update(flip=flip, flip_direction=self.direction if flip else None)
        if flip:
            img = results['img']
            results['img'] = as_hwc(_FLIPS[self.direction](as_chw(img)), img)
        return results

    def __repr__(self):
        return f"{type(self).__name__}(flip_prob={self.flip_prob}, direction='{self.direction}')"


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
            raise ValueError(f'mean and std must have the same length and std no zero: '
                             f'mean={mean!r}, std={std!r}')
        self.to_rgb = to_rgb
        self._mean, self._std = torch.from_numpy(self.mean), torch.from_numpy(self.std)

    def __call__(self, results):
        img = results['img']
        chw = as_chw(img)   # whatever the memory layout, one channel plane at a time is fast
        channels = chw.shape[0]
        if len(self.mean) not in (1, channels):
            raise ValueError(f'Normalize: {len(self.mean)} means for a {channels}-channel image')
        out = torch.empty(chw.shape, dtype=torch.float32)
        if self.to_rgb and channels == 3:
            for c in range(3):
                out[c].copy_(chw[2 - c])   # BGR -> RGB while casting to float
        else:
            out.copy_(chw)
        out.sub_(self._mean.view(-1, 1, 1)).div_(self._std.view(-1, 1, 1))
        results['img'] = as_hwc(out, img)
        results['img_norm_cfg'] = dict(mean=self.mean.copy(), std=self.std.copy(), to_rgb=self.to_rgb)
        return results

    def __repr__(self):
        mean, std = [round(float(v), 4) for v in self.mean], [round(float(v), 4) for v in self.std]
        return f'{type(self).__name__}(mean={mean}, std={std}, to_rgb={self.to_rgb})'


def _factor(amount):
    """A jitter amount x -> a factor drawn uniformly from [max(0, 1 - x), 1 + x]."""
    return float(np.random.uniform(max(0.0, 1 - amount), 1 + amount))


@TRANSFORMS.register_module()
class ColorJitter:
    """Randomly change brightness, then contrast, then saturation (and hue if given); uint8 images.

    Each amount x draws a factor in [1 - x, 1 + x]; hue draws a shift in [-hue, hue].
    Updates: img.
    """

    def __init__(self, brightness=0., contrast=0., saturation=0., hue=0.):
        if min(brightness, contrast, saturation, hue) < 0 or hue > 0.5:
            raise ValueError(f'ColorJitter amounts must be >= 0 (hue <= 0.5), got brightness='
                             f'{brightness}, contrast={contrast}, saturation={saturation}, hue={hue}')
        self.brightness, self.contrast = brightness, contrast
        self.saturation, self.hue = saturation, hue

    def __call__(self, results):
        img = results['img']
        if img.dtype != np.uint8:   # torchvision reads float images as 0..1 and would clip them
            raise TypeError(f'ColorJitter needs a uint8 image (put it before Normalize and '
                            f'without to_float32), got {img.dtype}')
        rgb = bgr_to_rgb_chw(img)
        if self.brightness:
            rgb = F.adjust_brightness(rgb, _factor(self.brightness))
        if self.contrast:
            rgb = F.adjust_contrast(rgb, _factor(self.contrast))
        if self.saturation:
            rgb = F.adjust_saturation(rgb, _factor(self.saturation))
        if self.hue:
            rgb = F.adjust_hue(rgb, float(np.random.uniform(-self.hue, self.hue)))
        results['img'] = rgb_chw_to_bgr(rgb, img)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, '
                f'saturation={self.saturation}, hue={self.hue})')


@TRANSFORMS.register_module()
class RandomGrayscale:
    """With probability ``gray_prob`` replace the image by its grey version (channels kept).

    Updates: img.
    """

    def __init__(self, gray_prob=0.1):
        self.gray_prob = gray_prob

    def __call__(self, results):
        img = results['img']
        if np.random.rand() < self.gray_prob and img.ndim == 3 and img.shape[2] == 3:
            grey = F.rgb_to_grayscale(bgr_to_rgb_chw(img), num_output_channels=3)
            results['img'] = as_hwc(grey, img)
        return results

    def __repr__(self):
        return f'{type(self).__name__}(gray_prob={self.gray_prob})'


@TRANSFORMS.register_module()
class RandomErasing:
    """With probability ``erase_prob`` fill a random rectangle (Zhong et al., 2017).

    Its area is a ``[min_area_ratio, max_area_ratio]`` share of the image and its aspect is
    log-uniform in ``aspect_range``; ``mode='const'`` fills ``fill_color`` (image channel
    order), ``mode='rand'`` fills noise: normal around fill_color with ``fill_std``, else
    uniform 0..255. Works before or after Normalize. Updates: img.
    """

    def __init__(self, erase_prob=0.5, min_area_ratio=0.02, max_area_ratio=0.4,
                 aspect_range=(3 / 10, 10 / 3), mode='const', fill_color=(128, 128, 128),
                 fill_std=None):
        if mode not in ('const', 'rand'):
            raise ValueError(f"mode must be 'const' or 'rand', got {mode!r}")
        if not 0 <= min_area_ratio <= max_area_ratio <= 1:
            raise ValueError('need 0 <= min_area_ratio <= max_area_ratio <= 1')
        self.erase_prob, self.mode = erase_prob, mode
        self.min_area_ratio, self.max_area_ratio = min_area_ratio, max_area_ratio
        self.aspect_range = tuple(aspect_range)
        self.fill_color, self.fill_std = fill_color, fill_std

    def _fill(self, shape, dtype):
        color = np.array(self.fill_color, dtype=np.float32)
        if self.mode == 'const':
            patch = np.broadcast_to(color, shape)
        elif self.fill_std is None:
            patch = np.random.uniform(0, 255, shape)
        else:
            patch = np.random.normal(color, np.array(self.fill_std, np.float32), shape)
        if dtype == np.uint8:
            patch = np.clip(np.round(patch), 0, 255)
        return patch.astype(dtype)

    def __call__(self, results):
        if np.random.rand() > self.erase_prob:
            return results
        img = results['img']
        h, w = img.shape[:2]
        area = np.random.uniform(self.min_area_ratio, self.max_area_ratio) * h * w
        log_low, log_high = math.log(self.aspect_range[0]), math.log(self.aspect_range[1])
        aspect = math.exp(np.random.uniform(log_low, log_high))
        eh, ew = min(int(round(math.sqrt(area * aspect))), h), min(int(round(math.sqrt(area / aspect))), w)
        top, left = np.random.randint(0, h - eh + 1), np.random.randint(0, w - ew + 1)
        img = img.copy()
        img[top:top + eh, left:left + ew] = self._fill(img[top:top + eh, left:left + ew].shape,
                                                       img.dtype)
        results['img'] = img
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(erase_prob={self.erase_prob}, "
                f"min_area_ratio={self.min_area_ratio}, max_area_ratio={self.max_area_ratio}, "
                f"aspect_range={self.aspect_range}, mode='{self.mode}', "
                f"fill_color={self.fill_color}, fill_std={self.fill_std})")
