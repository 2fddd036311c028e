"""AutoAugment, RandAugment and the image operations their policies pick from.

Each operation fires with probability ``prob``; those with a signed magnitude flip its sign
with probability ``random_negative_prob``. Images are HWC uint8 BGR (see image_ops.py);
``pad_val`` is given in that channel order. Policies: configs/_base_/datasets/pipelines/.
"""
import copy
import inspect
import math
import random

import numpy as np
import torch
from PIL import Image
from torchvision.transforms.v2 import functional as F

from cls_lab.registry import TRANSFORMS
from .compose import Compose
from .image_ops import (as_chw, as_hwc, bgr_to_rgb_chw, interpolation_mode, pad_value,
                        rgb_chw_to_bgr)


class _Op:
    """Shared plumbing: the ``prob`` coin, the random sign, and running a tensor op on the image."""

    def __init__(self, prob=0.5, random_negative_prob=0.):
        if not 0 <= prob <= 1 or not 0 <= random_negative_prob <= 1:
            raise ValueError(f'{type(self).__name__}: prob and random_negative_prob must be in [0, 1]')
        self.prob, self.random_negative_prob = prob, random_negative_prob

    def signed(self, value):
        return -value if np.random.rand() < self.random_negative_prob else value

    def __call__(self, results):
        if np.random.rand() > self.prob:
            return results
        img = results['img']
        results['img'] = self.apply(img)
        return results

    def apply(self, img):   # HWC BGR uint8 -> HWC BGR uint8
        return as_hwc(self.apply_chw(as_chw(img)), img)

    def __repr__(self):
        args = inspect.signature(type(self).__init__).parameters
        shown = ', '.join(f'{name}={getattr(self, name)!r}' for name in args
                          if name != 'self' and hasattr(self, name))
        return f'{type(self).__name__}({shown})'


class _Geometric(_Op):
    """An affine warp with a fill colour and an interpolation (bicubic runs through PIL)."""

    def __init__(self, pad_val=128, prob=0.5, random_negative_prob=0.5, interpolation='nearest'):
        super().__init__(prob, random_negative_prob)
        interpolation_mode(interpolation)
        self.pad_val, self.interpolation = pad_val, interpolation

    def apply(self, img):
        if self.interpolation in ('nearest', 'bilinear') or img.dtype != np.uint8:
            return as_hwc(self.apply_chw(as_chw(img)), img)
        h, w = img.shape[:2]   # tensors warp only with nearest/bilinear: use a PIL image
        return np.array(self.apply_chw(Image.fromarray(img), size=(h, w)))

    def apply_chw(self, image, size=None):
        raise NotImplementedError

    def warp(self, image, **affine):
        args = dict(angle=0., translate=[0., 0.], scale=1., shear=[0., 0.])
        args.update(affine)
        channels = len(image.getbands()) if isinstance(image, Image.Image) else image.shape[0]
        fill = pad_value(self.pad_val, channels)
        if isinstance(image, Image.Image):
            fill = [int(round(v)) for v in fill]
        return F.affine(image, **args, interpolation=interpolation_mode(self.interpolation),
                        fill=fill)


@TRANSFORMS.register_module()
class Shear(_Geometric):
    """Shear by ``magnitude`` (the tangent of the angle) about the top-left corner. Updates: img."""

    def __init__(self, magnitude, pad_val=128, prob=0.5, direction='horizontal',
                 random_negative_prob=0.5, interpolation='bicubic'):
        super().__init__(pad_val, prob, random_negative_prob, interpolation)
        if direction not in ('horizontal', 'vertical'):
            raise ValueError(f"direction must be 'horizontal' or 'vertical', got {direction!r}")
        self.magnitude, self.direction = magnitude, direction

    def apply_chw(self, chw, size=None):
        degrees = math.degrees(math.atan(self.signed(self.magnitude)))
        shear = [degrees, 0.] if self.direction == 'horizontal' else [0., degrees]
        return self.warp(chw, shear=shear, center=[0, 0])


@TRANSFORMS.register_module()
class Translate(_Geometric):
    """Shift by ``magnitude`` times the width (or height). Updates: img."""

    def __init__(self, magnitude, pad_val=128, prob=0.5, direction='horizontal',
                 random_negative_prob=0.5, interpolation='nearest'):
        super().__init__(pad_val, prob, random_negative_prob, interpolation)
        if direction not in ('horizontal', 'vertical'):
            raise ValueError(f"direction must be 'horizontal' or 'vertical', got {direction!r}")
        self.magnitude, self.direction = magnitude, direction

    def apply_chw(self, chw, size=None):
        h, w = size or chw.shape[-2:]
        offset = self.signed(self.magnitude)
        translate = [offset * w, 0.] if self.direction == 'horizontal' else [0., offset * h]
        return self.warp(chw, translate=translate)


@TRANSFORMS.register_module()
class Rotate(_Geometric):
    """Rotate by ``angle`` degrees (sign random) about ``center`` (default: the middle). Updates: img."""

    def __init__(self, angle, center=None, scale=1.0, pad_val=128, prob=0.5,
                 random_negative_prob=0.5, interpolation='nearest'):
        super().__init__(pad_val, prob, random_negative_prob, interpolation)
        self.angle, self.center, self.scale = angle, center, scale

    def apply_chw(self, chw, size=None):
        center = list(self.center) if self.center is not None else None
        return self.warp(chw, angle=float(self.signed(self.angle)), scale=self.scale, center=center)


@TRANSFORMS.register_module()
class AutoContrast(_Op):
    """Stretch each channel to the full 0..255 range. Updates: img."""

    def __init__(self, prob=0.5):
        super().__init__(prob)

    def apply_chw(self, chw):
        return F.autocontrast(chw)


@TRANSFORMS.register_module()
class Invert(_Op):
    """255 - img. Updates: img."""

    def __init__(self, prob=0.5):
        super().__init__(prob)

    def apply_chw(self, chw):
        return F.invert(chw)


@TRANSFORMS.register_module()
class Equalize(_Op):
    """Equalise the histogram of each channel. Updates: img."""

    def __init__(self, prob=0.5):
        super().__init__(prob)

    def apply_chw(self, chw):
        return F.equalize(chw)


@TRANSFORMS.register_module()
class Solarize(_Op):
    """Invert every pixel at or above ``thr`` (thr > 255 leaves the image as it is). Updates: img."""

    def __init__(self, thr, prob=0.5):
        super().__init__(prob)
        self.thr = thr

    def apply_chw(self, chw):
        return chw if self.thr > 255 else F.solarize(chw, float(self.thr))


@TRANSFORMS.register_module()
class SolarizeAdd(_Op):
    """Add ``magnitude`` to every pixel below ``thr`` (clipped to 255). Updates: img."""

    def __init__(self, magnitude, thr=128, prob=0.5):
        super().__init__(prob)
        self.magnitude, self.thr = magnitude, thr

    def apply_chw(self, chw):
        added = (chw.to(torch.int16) + int(round(self.magnitude))).clamp_(0, 255).to(torch.uint8)
        return torch.where(chw < self.thr, added, chw)


@TRANSFORMS.register_module()
class Posterize(_Op):
    """Keep the ``bits`` (rounded up) highest bits of each pixel. Updates: img."""

    def __init__(self, bits, prob=0.5):
        super().__init__(prob)
        if not 0 <= bits <= 8:
            raise ValueError(f'bits must be in [0, 8], got {bits}')
        self.bits = bits

    def apply_chw(self, chw):
        return F.posterize(chw, int(math.ceil(self.bits)))


class _Enhance(_Op):
    """Blend towards a degenerate image with factor ``1 + magnitude`` (sign random)."""

    needs_rgb = False

    def __init__(self, magnitude, prob=0.5, random_negative_prob=0.5):
        super().__init__(prob, random_negative_prob)
        self.magnitude = magnitude

    def apply(self, img):
        factor = max(0., 1 + self.signed(self.magnitude))
        if self.needs_rgb and img.ndim == 3 and img.shape[2] == 3:
            return rgb_chw_to_bgr(self.enhance(bgr_to_rgb_chw(img), factor), img)
        return as_hwc(self.enhance(as_chw(img), factor), img)


@TRANSFORMS.register_module()
class Brightness(_Enhance):
    """Scale brightness by 1 + magnitude. Updates: img."""

    def enhance(self, chw, factor):
        return F.adjust_brightness(chw, factor)


@TRANSFORMS.register_module()
class Contrast(_Enhance):
    """Blend with the grey mean by 1 + magnitude. Updates: img."""

    needs_rgb = True

    def enhance(self, chw, factor):
        return F.adjust_contrast(chw, factor)


@TRANSFORMS.register_module()
class ColorTransform(_Enhance):
    """Change the saturation by 1 + magnitude (PIL's ImageEnhance.Color). Updates: img."""

    needs_rgb = True

    def enhance(self, chw, factor):
        return F.adjust_saturation(chw, factor)


@TRANSFORMS.register_module()
class Sharpness(_Enhance):
    """Sharpen (or blur, below 1) by 1 + magnitude. Updates: img."""

    def enhance(self, chw, factor):
        return F.adjust_sharpness(chw, factor)


@TRANSFORMS.register_module()
class Cutout(_Op):
    """Fill a ``shape`` (int or (h, w)) box centred at a random pixel with ``pad_val``. Updates: img."""

    def __init__(self, shape, pad_val=128, prob=0.5):
        super().__init__(prob)
        self.shape, self.pad_val = shape, pad_val

    def apply(self, img):
        h, w = img.shape[:2]
        ch, cw = (self.shape, self.shape) if isinstance(self.shape, (int, float)) else self.shape
        y, x = np.random.randint(h), np.random.randint(w)
        top, bottom = max(0, int(y - ch // 2)), min(h, int(y + ch // 2 + ch % 2))
        left, right = max(0, int(x - cw // 2)), min(w, int(x + cw // 2 + cw % 2))
        img = img.copy()
        fill = pad_value(self.pad_val, 1 if img.ndim == 2 else img.shape[2])
        img[top:bottom, left:right] = fill if img.ndim == 3 else fill[0]
        return img


def merge_hparams(policy, hparams):
    """Fill ``hparams`` (e.g. pad_val) into a policy dict for the keys its transform accepts."""
    policy = dict(policy)
    op = TRANSFORMS.get(policy['type'])
    if op is None:
        raise KeyError(f'policy type {policy["type"]!r} is not in the transforms registry')
    accepted = inspect.signature(op.__init__).parameters
    for key, value in hparams.items():
        if key in accepted and policy.get(key) is None:
            policy[key] = value
    return policy


@TRANSFORMS.register_module()
class AutoAugment:
    """Apply one randomly chosen sub-policy (a list of operations) of ``policies`` (Cubuk et al., 2019).

    ``hparams`` fills arguments the policies leave out, e.g. ``dict(pad_val=128)``. Updates: img.
    """

    def __init__(self, policies, hparams=None):
        if not isinstance(policies, (list, tuple)) or not policies or \
                not all(isinstance(sub, (list, tuple)) and sub for sub in policies):
            raise TypeError('AutoAugment policies must be a non-empty list of non-empty lists '
                            'of transform dicts')
        self.hparams = dict(pad_val=128) if hparams is None else dict(hparams)
        self.policies = [[merge_hparams(op, self.hparams) for op in sub] for sub in policies]
        self.sub_policies = [Compose(sub) for sub in self.policies]

    def __call__(self, results):
        return random.choice(self.sub_policies)(results)

    def __repr__(self):
        lines = ''.join('\n    ' + ', '.join(op['type'] for op in sub) for sub in self.policies)
        return f'{type(self).__name__}({len(self.policies)} sub-policies:{lines}\n)'


@TRANSFORMS.register_module()
class RandAugment:
    """Apply ``num_policies`` operations drawn (with replacement) from ``policies`` (Cubuk et al., 2020).

    A policy with ``magnitude_key`` and ``magnitude_range=(v0, v1)`` gets
    ``magnitude_key = v0 + (level / total_level) * (v1 - v0)``; ``magnitude_std > 0`` makes
    the level Gaussian around ``magnitude_level``, ``'inf'`` uniform in [0, level]. Updates: img.
    """

    def __init__(self, policies, num_policies, magnitude_level, magnitude_std=0.,
                 total_level=30, hparams=None):
        if not isinstance(policies, (list, tuple)) or not policies:
            raise TypeError('RandAugment policies must be a non-empty list of transform dicts')
        if num_policies < 0 or magnitude_level < 0 or total_level <= 0:
            raise ValueError('num_policies >= 0, magnitude_level >= 0 and total_level > 0 needed')
        if isinstance(magnitude_std, str) and magnitude_std != 'inf':
            raise ValueError(f"magnitude_std must be a number or 'inf', got {magnitude_std!r}")
        for policy in policies:
            if 'magnitude_key' in policy and 'magnitude_range' not in policy:
                raise KeyError(f'RandAugment policy {policy!r} has magnitude_key but no magnitude_range')
        self.num_policies, self.magnitude_level = num_policies, magnitude_level
        self.magnitude_std, self.total_level = magnitude_std, total_level
        self.hparams = dict(pad_val=128) if hparams is None else dict(hparams)
        self.policies = [merge_hparams(policy, self.hparams) for policy in copy.deepcopy(policies)]

    def level(self):
        """This call's magnitude level, with the configured noise."""
        if self.magnitude_std == 'inf':
            return random.uniform(0, self.magnitude_level)
        if self.magnitude_std > 0:
            return min(self.total_level, max(0., random.gauss(self.magnitude_level, self.magnitude_std)))
        return self.magnitude_level

    def configure(self, policy):
        """A policy dict -> a transform config with its magnitude filled in."""
        policy = dict(policy)
        key = policy.pop('magnitude_key', None)
        if key is not None:
            low, high = policy.pop('magnitude_range')
            policy[key] = low + self.level() / self.total_level * (high - low)
        return policy

    def __call__(self, results):
        chosen = random.choices(self.policies, k=self.num_policies)
        return Compose([self.configure(policy) for policy in chosen])(results)

    def __repr__(self):
        names = ', '.join(p['type'] for p in self.policies)
        return (f'{type(self).__name__}(num_policies={self.num_policies}, '
                f'magnitude_level={self.magnitude_level}, magnitude_std={self.magnitude_std}, '
                f'total_level={self.total_level}, policies=[{names}])')
