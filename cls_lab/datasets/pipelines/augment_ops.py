"""The image operations AutoAugment and RandAugment pick from, pixel for pixel as mmcls 0.25.

Each fires with probability ``prob`` (numpy's coin, as mmcls); those with a signed magnitude
flip its sign with probability ``random_negative_prob``. Images are HWC uint8 BGR; warps
are OpenCV's ``warpAffine`` (mmcv.imshear / imtranslate / imrotate) and the colour blends
``cv2.addWeighted`` with mmcv's degenerate images. Arguments are checked at construction.
"""
import inspect
import math
from numbers import Number

import cv2
import numpy as np

from cls_lab.errors import ArgumentError
from cls_lab.registry import TRANSFORMS
from .image_ops import CV2_INTERPOLATIONS, cv2_border_value, image_fields


def _number(value, name, op):
    if not isinstance(value, Number) or isinstance(value, bool):
        raise ArgumentError(f'{op}: {name} must be a number, got {value!r}')
    return value


def _pad_val(pad_val, op):
    """An int -> the same value for the 3 channels; else exactly 3 ints (image channel order)."""
    if isinstance(pad_val, int):
        return (pad_val,) * 3
    if isinstance(pad_val, (tuple, list)) and len(pad_val) == 3 and \
            all(isinstance(v, int) for v in pad_val):
        return tuple(pad_val)
    raise ArgumentError(f'{op}: pad_val must be an int or 3 ints, got {pad_val!r}')


class _Op:
    """Shared plumbing: the ``prob`` coin, the random sign and the argument checks."""

    def __init__(self, prob=0.5, random_negative_prob=0.):
        for name, value in (('prob', prob), ('random_negative_prob', random_negative_prob)):
            _number(value, name, type(self).__name__)
            if not 0 <= value <= 1:
                raise ArgumentError(f'{type(self).__name__}: {name} must be in [0, 1], got {value}')
        self.prob, self.random_negative_prob = prob, random_negative_prob

    def signed(self, value):
        return -value if np.random.rand() < self.random_negative_prob else value

    def __call__(self, results):
        if np.random.rand() > self.prob:
            return results
        state = np.random.get_state()
        for key in image_fields(results):   # the same draws for every image field
            np.random.set_state(state)
            img = results[key]
            results[key] = self.apply(img).astype(img.dtype)
        return results

    def __repr__(self):
        args = inspect.signature(type(self).__init__).parameters
        shown = ', '.join(f'{name}={getattr(self, name)!r}' for name in args
                          if name != 'self' and hasattr(self, name))
        return f'{type(self).__name__}({shown})'


class _Warp(_Op):
    """An affine warp through cv2.warpAffine with a fill colour and a cv2 interpolation."""

    def __init__(self, pad_val=128, prob=0.5, random_negative_prob=0.5, interpolation='nearest'):
        super().__init__(prob, random_negative_prob)
        if interpolation not in CV2_INTERPOLATIONS:
            raise ArgumentError(f'{type(self).__name__}: interpolation must be one of '
                                f'{list(CV2_INTERPOLATIONS)}, got {interpolation!r}')
        self.pad_val, self.interpolation = _pad_val(pad_val, type(self).__name__), interpolation

    def warp(self, img, matrix):
        h, w = img.shape[:2]
        return cv2.warpAffine(img, np.asarray(matrix), (w, h),
                              flags=CV2_INTERPOLATIONS[self.interpolation],
                              borderMode=cv2.BORDER_CONSTANT,
                              borderValue=cv2_border_value(self.pad_val, img))


def _direction(direction, op):
    if direction not in ('horizontal', 'vertical'):
        raise ArgumentError(f"{op}: direction must be 'horizontal' or 'vertical', got {direction!r}")
    return direction


@TRANSFORMS.register_module()
class Shear(_Warp):
    """Shear by ``magnitude`` (the tangent of the angle), x' = x + m*y (or y' = y + m*x). Updates: img."""

    def __init__(self, magnitude, pad_val=128, prob=0.5, direction='horizontal',
                 random_negative_prob=0.5, interpolation='bicubic'):
        super().__init__(pad_val, prob, random_negative_prob, interpolation)
        self.magnitude = _number(magnitude, 'magnitude', 'Shear')
        self.direction = _direction(direction, 'Shear')

    def apply(self, img):
        m = self.signed(self.magnitude)
        matrix = [[1, m, 0], [0, 1, 0]] if self.direction == 'horizontal' else [[1, 0, 0], [m, 1, 0]]
        return self.warp(img, np.float32(matrix))


@TRANSFORMS.register_module()
class Translate(_Warp):
    """Shift by ``magnitude`` times the width (or height). Updates: img."""

    def __init__(self, magnitude, pad_val=128, prob=0.5, direction='horizontal',
                 random_negative_prob=0.5, interpolation='nearest'):
        super().__init__(pad_val, prob, random_negative_prob, interpolation)
        self.magnitude = _number(magnitude, 'magnitude', 'Translate')
        self.direction = _direction(direction, 'Translate')

    def apply(self, img):
        h, w = img.shape[:2]
        m = self.signed(self.magnitude)
        matrix = [[1, 0, m * w], [0, 1, 0]] if self.direction == 'horizontal' else \
            [[1, 0, 0], [0, 1, m * h]]
        return self.warp(img, np.float32(matrix))


@TRANSFORMS.register_module()
class Rotate(_Warp):
    """Rotate clockwise by ``angle`` degrees (sign random) about ``center`` (x, y). Updates: img.

    The default centre is the middle of the pixel grid, ((w - 1) / 2, (h - 1) / 2), as mmcv.
    """

    def __init__(self, angle, center=None, scale=1.0, pad_val=128, prob=0.5,
                 random_negative_prob=0.5, interpolation='nearest'):
        super().__init__(pad_val, prob, random_negative_prob, interpolation)
        self.angle = _number(angle, 'angle', 'Rotate')
        if center is not None and not (isinstance(center, (tuple, list)) and len(center) == 2):
            raise ArgumentError(f'Rotate: center must be None or an (x, y) pair, got {center!r}')
        self.center = None if center is None else tuple(center)
        self.scale = _number(scale, 'scale', 'Rotate')

    def apply(self, img):
        h, w = img.shape[:2]
        center = self.center if self.center is not None else ((w - 1) * 0.5, (h - 1) * 0.5)
        matrix = cv2.getRotationMatrix2D(center, -float(self.signed(self.angle)), self.scale)
        return self.warp(img, matrix)


def _per_channel(img, channel_op):
    """Run ``channel_op`` on each channel of a HWC image and stack the results."""
    if img.ndim == 2:
        return channel_op(img)
    return np.stack([channel_op(img[:, :, c]) for c in range(img.shape[2])], axis=-1)


def _auto_contrast_channel(channel):
    histogram = np.histogram(channel, 256, (0, 255))[0]
    nonzero = np.nonzero(histogram)[0]
    low, high = nonzero[0], nonzero[-1]
    if low >= high:
        return channel
    scale = 255.0 / (high - low)
    lut = np.clip(np.arange(256) * scale - low * scale, 0, 255)
    return lut[channel]


def _equalize_channel(channel):
    histogram = np.histogram(channel, 256, (0, 255))[0]
    nonzero = histogram[histogram > 0]
    step = (np.sum(nonzero) - nonzero[-1]) // 255
    if not step:
        return channel
    lut = (np.cumsum(histogram) + step // 2) // step
    lut = np.minimum(np.concatenate([[0], lut[:-1]]), 255)
    return lut[channel]


@TRANSFORMS.register_module()
class AutoContrast(_Op):
    """Stretch each channel so its darkest pixel becomes 0 and its lightest 255. Updates: img."""

    def __init__(self, prob=0.5):
        super().__init__(prob)

    def apply(self, img):
        return _per_channel(img, _auto_contrast_channel)


@TRANSFORMS.register_module()
class Invert(_Op):
    """255 - img. Updates: img."""

    def __init__(self, prob=0.5):
        super().__init__(prob)

    def apply(self, img):
        return 255 - img


@TRANSFORMS.register_module()
class Equalize(_Op):
    """Equalise the histogram of each channel (PIL's ImageOps.equalize maths). Updates: img."""

    def __init__(self, prob=0.5):
        super().__init__(prob)

    def apply(self, img):
        return _per_channel(img, _equalize_channel)


@TRANSFORMS.register_module()
class Solarize(_Op):
    """Invert every pixel at or above ``thr``. Updates: img."""

    def __init__(self, thr, prob=0.5):
        super().__init__(prob)
        self.thr = _number(thr, 'thr', 'Solarize')

    def apply(self, img):
        return np.where(img < self.thr, img, 255 - img)


@TRANSFORMS.register_module()
class SolarizeAdd(_Op):
    """Add ``magnitude`` to every pixel below ``thr``, capped at 255 and truncated. Updates: img.

    Deliberately unlike mmcls under NumPy 2, an int magnitude does not wrap around 255.
    """

    def __init__(self, magnitude, thr=128, prob=0.5):
        super().__init__(prob)
        self.magnitude = _number(magnitude, 'magnitude', 'SolarizeAdd')
        self.thr = _number(thr, 'thr', 'SolarizeAdd')

    def apply(self, img):
        return np.where(img < self.thr, np.minimum(img.astype(np.float64) + self.magnitude, 255), img)


@TRANSFORMS.register_module()
class Posterize(_Op):
    """Keep the ``bits`` (rounded up, as timm) highest bits of each pixel. Updates: img."""

    def __init__(self, bits, prob=0.5):
        super().__init__(prob)
        _number(bits, 'bits', 'Posterize')
        if not 0 <= bits <= 8:
            raise ArgumentError(f'Posterize: bits must be in [0, 8], got {bits}')
        self.bits = math.ceil(bits)

    def apply(self, img):
        shift = 8 - self.bits
        return np.left_shift(np.right_shift(img, shift), shift)


def _bgr_grey(img):
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 and img.shape[2] == 3 else img


def _blend(img, factor, degenerate):
    """img * factor + degenerate * (1 - factor), in float32, clipped and cast back."""
    out = cv2.addWeighted(img.astype(np.float32), factor, degenerate.astype(np.float32),
                          1 - factor, 0)
    return np.clip(out, 0, 255).astype(img.dtype)


class _Enhance(_Op):
    """Blend towards a degenerate image with factor ``1 + magnitude`` (sign random)."""

    def __init__(self, magnitude, prob=0.5, random_negative_prob=0.5):
        super().__init__(prob, random_negative_prob)
        self.magnitude = _number(magnitude, 'magnitude', type(self).__name__)

    def apply(self, img):
        return self.enhance(img, 1 + self.signed(self.magnitude))


@TRANSFORMS.register_module()
class Brightness(_Enhance):
    """Scale brightness by 1 + magnitude (blend with black). Updates: img."""

    def enhance(self, img, factor):
        return _blend(img, factor, np.zeros_like(img))


@TRANSFORMS.register_module()
class Contrast(_Enhance):
    """Blend with the rounded mean grey level by 1 + magnitude. Updates: img."""

    def enhance(self, img, factor):
        grey = _bgr_grey(img)
        mean = round(float(np.sum(grey)) / grey.size)
        return _blend(img, factor, np.full_like(img, mean))


@TRANSFORMS.register_module()
class ColorTransform(_Enhance):
    """Change the saturation: blend with the grey image by 1 + magnitude (cv2's rounding). Updates: img."""

    def enhance(self, img, factor):
        grey = _bgr_grey(img)
        grey = np.repeat(grey[:, :, None], 3, axis=2) if img.ndim == 3 else grey
        out = cv2.addWeighted(img, factor, grey, 1 - factor, 0)
        return out if out.dtype == np.uint8 else np.clip(out, 0, 255)


@TRANSFORMS.register_module()
class Sharpness(_Enhance):
    """Sharpen (or blur, below 1) by 1 + magnitude against a 3x3 smoothed image. Updates: img."""

    KERNEL = np.array([[1., 1., 1.], [1., 5., 1.], [1., 1., 1.]]) / 13

    def enhance(self, img, factor):
        return _blend(img, factor, cv2.filter2D(img, -1, self.KERNEL))


@TRANSFORMS.register_module()
class Cutout(_Op):
    """Fill a ``shape`` (int or (h, w)) box around a random point with ``pad_val``. Updates: img."""

    def __init__(self, shape, pad_val=128, prob=0.5):
        super().__init__(prob)
        if isinstance(shape, Number) and not isinstance(shape, bool):
            shape = int(shape)
        elif isinstance(shape, (tuple, list)) and len(shape) == 2:
            shape = tuple(int(v) for v in shape)
        else:
            raise ArgumentError(f'Cutout: shape must be a number or an (h, w) pair, got {shape!r}')
        if isinstance(pad_val, Number):
            pad_val = (pad_val,) * 3
        elif not (isinstance(pad_val, (tuple, list)) and len(pad_val) == 3):
            raise ArgumentError(f'Cutout: pad_val must be a number or 3 numbers, got {pad_val!r}')
        self.shape, self.pad_val = shape, tuple(pad_val)

    def apply(self, img):
        h, w = img.shape[:2]
        cut_h, cut_w = (self.shape, self.shape) if isinstance(self.shape, int) else self.shape
        y0, x0 = np.random.uniform(h), np.random.uniform(w)
        y1, x1 = int(max(0, y0 - cut_h / 2.)), int(max(0, x0 - cut_w / 2.))
        y2, x2 = min(h, y1 + cut_h), min(w, x1 + cut_w)
        img = img.copy()
        img[y1:y2, x1:x2] = self.pad_val if img.ndim == 3 else self.pad_val[0]
        return img
