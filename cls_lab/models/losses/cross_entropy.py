"""Cross-entropy in three flavours: softmax (hard labels), soft labels, and sigmoid (multi-label).

``CrossEntropyLoss()`` detects 2-D float targets (Mixup/CutMix one-hot mixtures) and switches
to the soft-label form by itself, so a head keeps working when batch augments are on.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from .utils import check_reduction, convert_to_one_hot, weight_reduce_loss


def cross_entropy(pred, label, weight=None, reduction='mean', avg_factor=None, class_weight=None):
    """Softmax cross-entropy with integer labels; ``weight`` is one number per sample."""
    loss = F.cross_entropy(pred, label.long(), weight=class_weight, reduction='none')
    if weight is not None:
        weight = weight.float()
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


def soft_cross_entropy(pred, label, weight=None, reduction='mean', avg_factor=None,
                       class_weight=None):
    """-sum(label * log_softmax(pred)) per sample, for label distributions (N, C)."""
    loss = -label * F.log_softmax(pred, dim=-1)
    if class_weight is not None:
        loss = loss * class_weight
    loss = loss.sum(dim=-1)
    if weight is not None:
        weight = weight.float()
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


def binary_cross_entropy(pred, label, weight=None, reduction='mean', avg_factor=None,
                         class_weight=None, pos_weight=None):
    """Per-class sigmoid BCE (multi-label); integer labels become one-hot first."""
    if label.dim() != pred.dim():
        label = convert_to_one_hot(label, pred.size(-1))
    loss = F.binary_cross_entropy_with_logits(pred, label.float(), weight=class_weight,
                                              pos_weight=pos_weight, reduction='none')
    if weight is not None:
        weight = weight.float()
        if weight.dim() == 1:
            weight = weight.reshape(-1, 1)
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class CrossEntropyLoss(nn.Module):
    """Cross-entropy loss module (``use_sigmoid`` for multi-label, ``use_soft`` for soft labels)."""

    def __init__(self, use_sigmoid=False, use_soft=False, reduction='mean', loss_weight=1.0,
                 class_weight=None, pos_weight=None):
        super().__init__()
        if use_sigmoid and use_soft:
            raise ArgumentError('CrossEntropyLoss: use_sigmoid and use_soft can not both be True')
        self.use_sigmoid, self.use_soft = use_sigmoid, use_soft
        self.reduction, self.loss_weight = check_reduction(reduction), loss_weight
        self.class_weight, self.pos_weight = class_weight, pos_weight

    def _criterion(self, pred, label):
        if self.use_sigmoid:
            return binary_cross_entropy
        if self.use_soft or (label.dim() == 2 and label.shape == pred.shape):
            return soft_cross_entropy
        return cross_entropy

    def forward(self, cls_score, label, weight=None, avg_factor=None, reduction_override=None,
                **kwargs):
        reduction = check_reduction(reduction_override, self.reduction)
        class_weight = (cls_score.new_tensor(self.class_weight)
                        if self.class_weight is not None else None)
        if self.pos_weight is not None and self.use_sigmoid:
            kwargs['pos_weight'] = cls_score.new_tensor(self.pos_weight)
        loss = self._criterion(cls_score, label)(cls_score, label, weight,
                                                 class_weight=class_weight, reduction=reduction,
                                                 avg_factor=avg_factor, **kwargs)
        return self.loss_weight * loss
