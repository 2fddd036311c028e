"""Batch augments (Mixup, CutMix) that blend pairs of images *and* their labels.

``train_cfg=dict(augments=[dict(type='BatchMixup', alpha=0.2, num_classes=10, prob=0.5), ...])``
picks one augment per batch with the given probabilities (the rest: no augment). Labels come
out as soft one-hot rows (N, C), which ``CrossEntropyLoss`` detects and handles.
"""
import numpy as np
import torch
import torch.nn.functional as F

from cls_lab.registry import Registry, build_from_cfg

AUGMENTS = Registry('augments')


class _BatchAugment:
    def __init__(self, alpha, num_classes, prob=1.0):
        if alpha <= 0:
            raise ValueError(f'{type(self).__name__}: alpha must be > 0, got {alpha}')
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


@AUGMENTS.register_module()
class BatchCutMix(_BatchAugment):
    """Paste a box of img[perm] into img; labels mix by the pasted area's share."""

    def __call__(self, img, gt_label):
        lam = float(np.random.beta(self.alpha, self.alpha))
        perm = torch.randperm(img.size(0), device=img.device)
        height, width = img.shape[-2:]
        y0, y1, x0, x1 = cutmix_box(height, width, lam)
        img = img.clone()
        img[:, :, y0:y1, x0:x1] = img[perm, :, y0:y1, x0:x1]
        lam = 1 - (y1 - y0) * (x1 - x0) / (height * width)      # the area actually pasted
        label = self.one_hot(gt_label)
        return img, lam * label + (1 - lam) * label[perm]


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
            raise ValueError(f'train_cfg.augments: the probs {probs} add up to more than 1')
        if sum(probs) < 1 - 1e-6:
            self.augments.append(BatchIdentity(self.augments[0].num_classes, 1 - sum(probs)))
        self.probs = [a.prob for a in self.augments]

    def __call__(self, img, gt_label):
        choice = np.random.choice(len(self.augments), p=np.array(self.probs) / sum(self.probs))
        return self.augments[choice](img, gt_label)
