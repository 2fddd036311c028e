"""Label smoothing: train against (1 - eps) * one_hot + eps / K instead of the hard one-hot.

Modes: 'original' (Szegedy et al.), 'classy_vision' ((one_hot + eps/K) / (1 + eps)), and
'multi_label' (positives 1 - eps, negatives eps, with a sigmoid loss).
"""
from numbers import Real

import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from .cross_entropy import CrossEntropyLoss
from .utils import check_reduction, convert_to_one_hot


@MODELS.register_module()
class LabelSmoothLoss(nn.Module):
    """Cross-entropy against smoothed labels; accepts hard labels (N,) or soft ones (N, C)."""

    def __init__(self, label_smooth_val, num_classes=None, mode='original', reduction='mean',
                 loss_weight=1.0):
        super().__init__()
        if isinstance(label_smooth_val, bool) or not isinstance(label_smooth_val, Real) \
                or not 0 <= label_smooth_val < 1:
            raise ArgumentError(f'label_smooth_val must be in [0, 1), got {label_smooth_val}')
        if mode not in ('original', 'classy_vision', 'multi_label'):
            raise ArgumentError(f"LabelSmoothLoss mode must be 'original', 'classy_vision' or "
                                f"'multi_label', got {mode!r}")
        self.label_smooth_val, self.num_classes, self.mode = label_smooth_val, num_classes, mode
        self.reduction, self.loss_weight = check_reduction(reduction), loss_weight
        self.ce = CrossEntropyLoss(use_sigmoid=mode == 'multi_label',
                                   use_soft=mode != 'multi_label')

    def smooth(self, one_hot):
        """The smoothed target distribution for a (N, C) one-hot (or soft) label."""
        eps, k = self.label_smooth_val, one_hot.size(1)
        if self.mode == 'original':
            return one_hot * (1 - eps) + eps / k
        if self.mode == 'classy_vision':
            return (one_hot + eps / k) / (1 + eps)
        return one_hot * (1 - eps) + (1 - one_hot) * eps

    def forward(self, cls_score, label, weight=None, avg_factor=None, reduction_override=None,
                **kwargs):
        num_classes = self.num_classes or cls_score.size(1)
        if num_classes != cls_score.size(1):
            raise ArgumentError(f'LabelSmoothLoss num_classes={self.num_classes} but the scores '
                                f'have {cls_score.size(1)} classes')
        one_hot = label.float() if label.dim() == 2 and label.size(1) > 1 else \
            convert_to_one_hot(label, num_classes)
        reduction = check_reduction(reduction_override, self.reduction)
        return self.loss_weight * self.ce(cls_score, self.smooth(one_hot), weight=weight,
                                          avg_factor=avg_factor, reduction_override=reduction)
