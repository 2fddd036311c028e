"""Batch augments (Mixup, CutMix) that blend pairs of images *and* their labels.

``train_cfg=dict(augments=[dict(type='BatchMixup', alpha=0.2, num_classes=10, prob=0.5), ...])``
picks one augment per batch with the given probabilities (the rest: no augment). Labels come
out as soft one-hot rows (N, C), which ``CrossEntropyLoss`` detects and handles.
"""
import random

import numpy as np
import torch
import torch.nn.functional as F

from cls_lab.errors import ArgumentError
from cls_lab.registry import Registry, build_from_cfg

AUGMENTS = Registry('augments')


class _BatchAugment:
    def __init__(self, alpha, num_classes, prob=1.0):
        if alpha <= 0:
            raise ArgumentError(f'{type(self).__name__}: alpha must be > 0, got {alpha}')
        self.alpha, self.num_classes, self.prob = alpha, num_classes, prob

    def one_hot(self, gt_label):
        return gt_label.float() if gt_label.dim() == 2 else \
            F.one_hot(gt_label.long(), self.num_classes).float()


@AUGMENTS.register_module()
class BatchMixup(_BatchAugment):
    """img = lam * img + (1 - lam) * img[perm], same for labels; lam ~ Beta(alpha, alpha)."""

    def __call__(self, img, gt_label):
        lam = float(np.random.beta(self.alpha, self.alpha))
        perm = torch.randperm(img.size(0), device=img.device)
        label = self.one_hot(gt_label)
        return lam * img + (1 - lam) * img[perm], lam * label + (1 - lam) * label[perm]


def cutmix_box(height, width, lam):
    """A random box covering about (1 - lam) of the image, clipped at the borders."""
    ratio = np.sqrt(1 - lam)
    cut_h, cut_w = int(height * ratio), int(width * ratio)
    cy, cx = np.random.randint(height), np.random.randint(width)
    y0, y1 = np.clip([cy - cut_h // 2, cy + cut_h // 2], 0, height)
    x0, x1 = np.clip([cx - cut_w // 2, cx + cut_w // 2], 0, width)
    return int(y0), int(y1), int(x0), int(x1)


def minmax_box(height, width, cutmix_minmax):
    """A box whose sides are random shares in ``cutmix_minmax=(low, high)`` of the image's."""
    low, high = cutmix_minmax
    cut_h = np.random.randint(int(height * low), int(height * high))
    cut_w = np.random.randint(int(width * low), int(width * high))
    y0, x0 = np.random.randint(0, height - cut_h), np.random.randint(0, width - cut_w)
    return int(y0), int(y0 + cut_h), int(x0), int(x0 + cut_w)


@AUGMENTS.register_module()
class BatchCutMix(_BatchAugment):
    """Paste a box of img[perm] into img; labels mix by the pasted area's share.

    The box covers about 1 - lam, lam ~ Beta(alpha, alpha), or has random side shares in
    ``cutmix_minmax=(low, high)``; ``correct_lam`` (default) mixes labels by the area
    actually pasted after clipping (always so with ``cutmix_minmax``).
    """

    def __init__(self, alpha, num_classes, prob=1.0, cutmix_minmax=None, correct_lam=True):
        super().__init__(alpha, num_classes, prob)
        if cutmix_minmax is not None and not (len(cutmix_minmax) == 2 and
                                              0 <= cutmix_minmax[0] < cutmix_minmax[1] <= 1):
            raise ArgumentError(f'cutmix_minmax must be (low, high) shares, got {cutmix_minmax!r}')
        self.cutmix_minmax, self.correct_lam = cutmix_minmax, correct_lam

    def box_and_lam(self, height, width, lam):
        """The pasted box (y0, y1, x0, x1) and the label weight of the original image."""
        if self.cutmix_minmax is not None:
            box = minmax_box(height, width, self.cutmix_minmax)
        else:
            box = cutmix_box(height, width, lam)
        if self.correct_lam or self.cutmix_minmax is not None:
            y0, y1, x0, x1 = box
            lam = 1 - (y1 - y0) * (x1 - x0) / (height * width)
        return box, lam

    def lam(self):
        return float(np.random.beta(self.alpha, self.alpha))

    def paste(self, img, perm, box):
        y0, y1, x0, x1 = box
        img[:, :, y0:y1, x0:x1] = img[perm, :, y0:y1, x0:x1]

    def __call__(self, img, gt_label):
        label = self.one_hot(gt_label)
        lam = self.lam()
        perm = torch.randperm(img.size(0), device=img.device)
        box, lam = self.box_and_lam(*img.shape[-2:], lam)
        img = img.clone()
        self.paste(img, perm, box)
        return img, lam * label + (1 - lam) * label[perm]


@AUGMENTS.register_module()
class BatchResizeMix(BatchCutMix):
    """ResizeMix (Qin et al., 2020): paste a *resized whole* img[perm] into a box of img.

    lam ~ Beta(alpha, alpha) scaled into [lam_min, lam_max] sets the box as in CutMix.
    """

    def __init__(self, alpha, num_classes, lam_min=0.1, lam_max=0.8, interpolation='bilinear',
                 prob=1.0, cutmix_minmax=None, correct_lam=True):
        super().__init__(alpha, num_classes, prob, cutmix_minmax, correct_lam)
        if not 0 <= lam_min <= lam_max <= 1:
            raise ArgumentError(f'need 0 <= lam_min <= lam_max <= 1, got {lam_min}, {lam_max}')
        self.lam_min, self.lam_max, self.interpolation = lam_min, lam_max, interpolation

    def lam(self):
        return super().lam() * (self.lam_max - self.lam_min) + self.lam_min

    def paste(self, img, perm, box):
        y0, y1, x0, x1 = box
        img[:, :, y0:y1, x0:x1] = F.interpolate(img[perm], size=(y1 - y0, x1 - x0),
                                                mode=self.interpolation)


@AUGMENTS.register_module(name='Identity')   # mmcls's name for it
@AUGMENTS.register_module()
class BatchIdentity(_BatchAugment):
    """No change to the images; labels become one-hot so every batch has the same form."""

    def __init__(self, num_classes, prob=1.0):
        super().__init__(1.0, num_classes, prob)

    def __call__(self, img, gt_label):
        return img, self.one_hot(gt_label)


class Augments:
    """Choose one of several batch augments per call, by their ``prob`` values."""

    def __init__(self, augments_cfg):
        cfgs = [augments_cfg] if isinstance(augments_cfg, dict) else list(augments_cfg)
        self.augments = [build_from_cfg(c, AUGMENTS) for c in cfgs]
        probs = [a.prob for a in self.augments]
        if sum(probs) > 1 + 1e-6:
            raise ArgumentError(f'train_cfg.augments: the probs {probs} add up to more than 1')
        if sum(probs) < 1 - 1e-6:
            self.augments.append(BatchIdentity(self.augments[0].num_classes, 1 - sum(probs)))
        self.probs = [a.prob for a in self.augments]

    def __call__(self, img, gt_label):
        # a fresh RandomState seeded from Python's random, as mmcls draws its choice
        state = np.random.RandomState(random.randint(0, 2 ** 32 - 1))
        choice = state.choice(len(self.augments), p=np.array(self.probs) / sum(self.probs))
        return self.augments[choice](img, gt_label)
