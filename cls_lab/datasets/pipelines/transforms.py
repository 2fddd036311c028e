"""Geometric transforms on the sample dict: resize, crops, pad, flip — pixel for pixel as mmcls 0.25.

Every transform reads and writes ``results['img']`` following the contract in image_ops.py
(HWC numpy, uint8 BGR until Normalize) and never changes an array in place. Resizing uses
OpenCV by default (``backend='cv2'``), as mmcls does; 'pillow' and 'torch' are on request.
Random choices use Python's ``random`` where mmcls does, so one seed gives the same crops.
"""
import math
import random

import numpy as np

from cls_lab.errors import ArgumentError
from cls_lab.registry import TRANSFORMS
from .image_ops import check_resize_args, image_fields, imcrop, impad, imresize


def _pair(size, name):
    """An int -> (size, size); a (h, w) pair stays."""
    if isinstance(size, (int, float)) and not isinstance(size, bool):
        return size, size
    if isinstance(size, (tuple, list)) and len(size) == 2:
        return tuple(size)
    raise ArgumentError(f'{name} must be an int or a (h, w) pair, got {size!r}')


_ADAPTIVE_SIDES = ('short', 'long', 'height', 'width')


@TRANSFORMS.register_module()
class Resize:
    """Resize to ``size``: an int gives (size, size), ``(h, w)`` exactly, ``(s, -1)`` one side to s.

    With ``(s, -1)`` the aspect ratio is kept and ``adaptive_side`` ('short', 'long', 'height',
    'width') is the side that becomes s; the other is truncated to int, as mmcls does. An image
    whose side already is s stays untouched. Updates: img, img_shape. Adds: scale_factor
    (w_scale, h_scale), keep_ratio (cls_lab extras).
    """

    def __init__(self, size, interpolation='bilinear', adaptive_side='short', backend='cv2'):
        self.size = _pair(size, 'size')
        if self.size[0] <= 0 or not (self.size[1] > 0 or self.size[1] == -1):
            raise ArgumentError(f'size must be positive (or (s, -1)), got {size!r}')
        if adaptive_side not in _ADAPTIVE_SIDES:
            raise ArgumentError(f'adaptive_side must be one of {_ADAPTIVE_SIDES}, got {adaptive_side!r}')
        check_resize_args(interpolation, backend)
        self.interpolation, self.backend, self.adaptive_side = interpolation, backend, adaptive_side

    def target_size(self, h, w):
        """The (height, width) an h x w image is resized to."""
        target, second = self.size
        if second != -1:
            return target, second
        side = {'short': min(h, w), 'long': max(h, w), 'height': h, 'width': w}[self.adaptive_side]
        if side == target:
            return h, w
        fit_w = {'short': w < h, 'long': w > h, 'height': False, 'width': True}[self.adaptive_side]
        return (int(target * h / w), target) if fit_w else (target, int(target * w / h))

    def __call__(self, results):
        h, w = results['img'].shape[:2]
        new_h, new_w = self.target_size(h, w)
        for key in image_fields(results):
            if (new_h, new_w) != results[key].shape[:2]:
                results[key] = imresize(results[key], new_h, new_w, self.interpolation,
                                        self.backend)
        results.update(img_shape=results['img'].shape, scale_factor=(new_w / w, new_h / h),
                       keep_ratio=self.size[1] == -1)
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation='{self.interpolation}', "
                f"adaptive_side='{self.adaptive_side}', backend='{self.backend}')")


def inception_crop_box(h, w, scale, ratio, max_attempts=10):
    """A random (y1, x1, y2, x2) box, inclusive, of ``scale`` area and log-uniform ``ratio``.

    After ``max_attempts`` misses: the whole image, or its centre cut to the ratio range.
    """
    area = h * w
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(max_attempts):
        target_area = random.uniform(*scale) * area
        aspect = math.exp(random.uniform(*log_ratio))
        tw, th = int(round(math.sqrt(target_area * aspect))), int(round(math.sqrt(target_area / aspect)))
        if 0 < tw <= w and 0 < th <= h:
            y1, x1 = random.randint(0, h - th), random.randint(0, w - tw)
            return y1, x1, y1 + th - 1, x1 + tw - 1
    in_ratio = w / h
    if in_ratio < min(ratio):
        tw, th = w, int(round(w / min(ratio)))
    elif in_ratio > max(ratio):
        tw, th = int(round(h * max(ratio))), h
    else:
        tw, th = w, h
    y1, x1 = (h - th) // 2, (w - tw) // 2
    return y1, x1, y1 + th - 1, x1 + tw - 1


def efficientnet_crop_box(h, w, size, scale, ratio, max_attempts=10, min_covered=0.1,
                          crop_padding=32):
    """The TF EfficientNet random crop box (ratio uniform, height drawn between the area bounds).

    After ``max_attempts`` misses: the centre crop of ``size / (size + crop_padding)`` of the
    short side.
    """
    area = h * w
    min_area, max_area = scale[0] * area, scale[1] * area
    for _ in range(max_attempts):
        aspect = random.uniform(*ratio)
        min_th = int(round(math.sqrt(min_area / aspect)))
        max_th = int(round(math.sqrt(max_area / aspect)))
        if max_th * aspect > w:
            max_th = int((w + 0.5 - 1e-7) / aspect)
            if max_th * aspect > w:
                max_th -= 1
        max_th = min(max_th, h)
        min_th = min(max_th, min_th)
        th = int(round(random.uniform(min_th, max_th)))
        tw = int(round(th * aspect))
        got = th * tw
        if min_area <= got <= max_area and tw <= w and th <= h and got >= min_covered * area:
            y1, x1 = random.randint(0, h - th), random.randint(0, w - tw)
            return y1, x1, y1 + th - 1, x1 + tw - 1
    return center_crop_box(h, w, *efficientnet_crop_size(h, w, (size, size), crop_padding))


def efficientnet_crop_size(h, w, crop_size, crop_padding):
    """The (float) crop of an EfficientNet centre crop: crop / (crop + padding) of the short side."""
    short = min(h, w)
    return tuple(c / (c + crop_padding) * short for c in crop_size)


def center_crop_box(h, w, crop_h, crop_w):
    """The inclusive central (y1, x1, y2, x2) box; a box larger than the image is cut to it."""
    y1, x1 = max(0, int(round((h - crop_h) / 2.))), max(0, int(round((w - crop_w) / 2.)))
    return y1, x1, min(h, y1 + crop_h) - 1, min(w, x1 + crop_w) - 1


def _check_efficientnet(size, crop_padding, name):
    if not isinstance(size, int):
        raise ArgumentError(f'efficientnet_style needs an int {name}, got {size!r}')
    if crop_padding < 0:
        raise ArgumentError(f'crop_padding must be >= 0, got {crop_padding}')


@TRANSFORMS.register_module()
class RandomResizedCrop:
    """Crop a random area (``scale`` of the image, aspect ``ratio``) and resize it to ``size``.

    The Inception-style crop with ``max_attempts`` tries, then the central crop;
    ``efficientnet_style=True`` draws as TF's EfficientNet does (``min_covered``,
    ``crop_padding``). Updates: img, img_shape.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3. / 4., 4. / 3.), max_attempts=10,
                 efficientnet_style=False, min_covered=0.1, crop_padding=32,
                 interpolation='bilinear', backend='cv2'):
        if efficientnet_style:
            _check_efficientnet(size, crop_padding, 'size')
        self.size = _pair(size, 'size')
        if not (0 < scale[0] <= scale[1]) or not (0 < ratio[0] <= ratio[1]):
            raise ArgumentError(f'scale and ratio must be increasing positive ranges (min, max), '
                                f'got scale={scale!r}, ratio={ratio!r}')
        if min_covered < 0:
            raise ArgumentError(f'min_covered must be >= 0, got {min_covered}')
        if not isinstance(max_attempts, int) or max_attempts < 0:
            raise ArgumentError(f'max_attempts must be an int >= 0, got {max_attempts!r}')
        check_resize_args(interpolation, backend)
        self.scale, self.ratio, self.max_attempts = tuple(scale), tuple(ratio), max_attempts
        self.efficientnet_style, self.min_covered = efficientnet_style, min_covered
        self.crop_padding, self.interpolation, self.backend = crop_padding, interpolation, backend

    def crop_box(self, h, w):
        """This call's inclusive (y1, x1, y2, x2) box."""
        if self.efficientnet_style:
            return efficientnet_crop_box(h, w, self.size[0], self.scale, self.ratio,
                                         self.max_attempts, self.min_covered, self.crop_padding)
        return inception_crop_box(h, w, self.scale, self.ratio, self.max_attempts)

    def __call__(self, results):
        y1, x1, y2, x2 = self.crop_box(*results['img'].shape[:2])
        for key in image_fields(results):
            results[key] = imresize(imcrop(results[key], x1, y1, x2, y2), *self.size,
                                    self.interpolation, self.backend)
        results.update(img_shape=results['img'].shape)
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, scale={self.scale}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, max_attempts={self.max_attempts}, "
                f"efficientnet_style={self.efficientnet_style}, min_covered={self.min_covered}, "
                f"crop_padding={self.crop_padding}, interpolation='{self.interpolation}', "
                f"backend='{self.backend}')")


@TRANSFORMS.register_module()
class CenterCrop:
    """Cut the central ``crop_size`` (int or (h, w), floats allowed) region, as mmcls does.

    A crop larger than the image keeps the image's own extent (no padding). With
    ``efficientnet_style`` the crop is ``crop_size / (crop_size + crop_padding)`` of the short
    side, then resized to ``crop_size`` (``interpolation``, ``backend``). Updates: img, img_shape.
    """

    def __init__(self, crop_size, efficientnet_style=False, crop_padding=32,
                 interpolation='bilinear', backend='cv2'):
        if efficientnet_style:
            _check_efficientnet(crop_size, crop_padding, 'crop_size')
            check_resize_args(interpolation, backend)
        self.crop_size = _pair(crop_size, 'crop_size')
        if min(self.crop_size) <= 0:
            raise ArgumentError(f'crop_size must be positive, got {crop_size!r}')
        self.efficientnet_style, self.crop_padding = efficientnet_style, crop_padding
        self.interpolation, self.backend = interpolation, backend

    def __call__(self, results):
        for key in image_fields(results):
            img = results[key]
            h, w = img.shape[:2]
            crop = self.crop_size
            if self.efficientnet_style:
                crop = efficientnet_crop_size(h, w, crop, self.crop_padding)
            y1, x1, y2, x2 = center_crop_box(h, w, *crop)
            img = imcrop(img, x1, y1, x2, y2)
            if self.efficientnet_style:
                img = imresize(img, *self.crop_size, self.interpolation, self.backend)
            results[key] = img
        results.update(img_shape=results['img'].shape)
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(crop_size={self.crop_size}, "
                f"efficientnet_style={self.efficientnet_style}, crop_padding={self.crop_padding}, "
                f"interpolation='{self.interpolation}', backend='{self.backend}')")


def _padding_ltrb(padding):
    """mmcv's padding forms: an int, (left/right, top/bottom) or (left, top, right, bottom)."""
    if isinstance(padding, int):
        return (padding,) * 4
    if isinstance(padding, (tuple, list)) and len(padding) in (2, 4):
        return tuple(padding) * 2 if len(padding) == 2 else tuple(padding)
    raise ArgumentError(f'padding must be an int or a 2- or 4-tuple, got {padding!r}')


@TRANSFORMS.register_module()
class RandomCrop:
    """Pad by ``padding`` (and to ``size`` if ``pad_if_needed``), then cut a random ``size`` window.

    ``padding`` is an int, (left/right, top/bottom) or (left, top, right, bottom);
    ``padding_mode``: 'constant' (with ``pad_val``), 'edge', 'reflect' or 'symmetric'.
    Deliberately unlike mmcls: ``padding_mode`` applies to ``padding`` too, an int ``pad_val``
    fills every channel, and a crop larger than the padded image is an error. Updates: img,
    img_shape.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, pad_val=0, padding_mode='constant'):
        if padding_mode not in ('constant', 'edge', 'reflect', 'symmetric'):
            raise ArgumentError(f'padding_mode {padding_mode!r} is not constant/edge/reflect/symmetric')
        self.size = _pair(size, 'size')
        if padding is not None:
            _padding_ltrb(padding)
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.pad_val, self.padding_mode = pad_val, padding_mode

    def __call__(self, results):
        img = results['img']
        if self.padding is not None:
            img = impad(img, *_padding_ltrb(self.padding), self.pad_val, self.padding_mode)
        th, tw = self.size
        if self.pad_if_needed and img.shape[0] < th:
            extra = th - img.shape[0]
            img = impad(img, 0, extra, 0, extra, self.pad_val, self.padding_mode)
        if self.pad_if_needed and img.shape[1] < tw:
            extra = tw - img.shape[1]
            img = impad(img, extra, 0, extra, 0, self.pad_val, self.padding_mode)
        h, w = img.shape[:2]
        if h < th or w < tw:
            raise ArgumentError(f'RandomCrop: crop {self.size} is larger than the (padded) image '
                                f'{(h, w)} of {results.get("filename", "this sample")}; '
                                'set pad_if_needed=True')
        if (h, w) != (th, tw):
            top, left = random.randint(0, h - th), random.randint(0, w - tw)
            img = img[top:top + th, left:left + tw]
        results.update(img=img, img_shape=img.shape)
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, padding={self.padding}, "
                f"pad_if_needed={self.pad_if_needed}, pad_val={self.pad_val}, "
                f"padding_mode='{self.padding_mode}')")


@TRANSFORMS.register_module()
class Pad:
    """Pad on the bottom and right to ``size`` (h, w), or to a square with ``pad_to_square``.

    Give exactly one of the two. ``pad_val`` and ``padding_mode`` as in RandomCrop (an int
    ``pad_val`` fills every channel, where mmcv fills only the first). Updates: img, img_shape.
    """

    def __init__(self, size=None, pad_to_square=False, pad_val=0, padding_mode='constant'):
        if (size is None) == (not pad_to_square):
            raise ArgumentError('Pad: give exactly one of size and pad_to_square=True, got '
                                f'size={size!r}, pad_to_square={pad_to_square!r}')
        if padding_mode not in ('constant', 'edge', 'reflect', 'symmetric'):
            raise ArgumentError(f'padding_mode {padding_mode!r} is not constant/edge/reflect/symmetric')
        self.size = None if size is None else _pair(size, 'size')
        self.pad_to_square, self.pad_val, self.padding_mode = pad_to_square, pad_val, padding_mode

    def __call__(self, results):
        for key in image_fields(results):
            h, w = results[key].shape[:2]
            th, tw = (max(h, w),) * 2 if self.pad_to_square else self.size
            results[key] = impad(results[key], 0, 0, max(tw - w, 0), max(th - h, 0),
                                 self.pad_val, self.padding_mode)
        results.update(img_shape=results['img'].shape)
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, pad_to_square={self.pad_to_square}, "
                f"pad_val={self.pad_val}, padding_mode='{self.padding_mode}')")


_FLIPS = {'horizontal': lambda a: a[:, ::-1], 'vertical': lambda a: a[::-1],
          'diagonal': lambda a: a[::-1, ::-1]}


@TRANSFORMS.register_module()
class RandomFlip:
    """Flip with probability ``flip_prob`` along ``direction`` ('horizontal', 'vertical', 'diagonal').

    Adds: flip (bool), flip_direction (the direction, flipped or not, as mmcls). Updates: img.
    """

    def __init__(self, flip_prob=0.5, direction='horizontal'):
        if not 0 <= flip_prob <= 1:
            raise ArgumentError(f'flip_prob must be in [0, 1], got {flip_prob}')
        if direction not in _FLIPS:
            raise ArgumentError(f'direction must be one of {list(_FLIPS)}, got {direction!r}')
        self.flip_prob, self.direction = flip_prob, direction

    def __call__(self, results):
        flip = bool(np.random.rand() < self.flip_prob)
        results.update(flip=flip, flip_direction=self.direction)
        for key in image_fields(results) if flip else ():
            results[key] = np.ascontiguousarray(_FLIPS[self.direction](results[key]))
        return results

    def __repr__(self):
        return f"{type(self).__name__}(flip_prob={self.flip_prob}, direction='{self.direction}')"
