"""Asymmetric loss (Ridnik et al., 2021) for multi-label: easy negatives weigh little.

Per class, with p the sigmoid score and y in {0, 1}: a negative uses the shifted score
p_m = max(p - clip, 0), the loss is -log(pt) * (1 - pt) ** gamma with pt = p for a positive
(gamma_pos) and 1 - p_m for a negative (gamma_neg).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from .utils import check_reduction, convert_to_one_hot, weight_reduce_loss


def asymmetric_loss(pred, target, weight=None, gamma_pos=1.0, gamma_neg=4.0, clip=0.05,
                    reduction='mean', avg_factor=None, use_sigmoid=True, eps=1e-8):
    """Element-wise asymmetric loss of logits ``pred`` (N, C) for 0/1 ``target`` (N, C), reduced."""
    if pred.shape != target.shape:
        raise ArgumentError(f'pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape')
    prob = pred.sigmoid() if use_sigmoid else F.softmax(pred, dim=-1)
    target = target.type_as(pred)
    negative = (1 - prob + clip).clamp(max=1) if clip and clip > 0 else 1 - prob
    pt = negative * (1 - target) + prob * target
    focus = (1 - pt).pow(gamma_pos * target + gamma_neg * (1 - target))
    loss = -torch.log(pt.clamp(min=eps)) * focus
    if weight is not None:
        if weight.dim() != 1:
            raise ArgumentError(f'weight must hold one number per sample, got shape {tuple(weight.shape)}')
        weight = weight.float().reshape(-1, 1) if pred.dim() > 1 else weight.float()
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class AsymmetricLoss(nn.Module):
    """The asymmetric loss module; integer labels (N,) become one-hot first."""

    def __init__(self, gamma_pos=0.0, gamma_neg=4.0, clip=0.05, reduction='mean',
                 loss_weight=1.0, use_sigmoid=True, eps=1e-8):
        super().__init__()
        self.gamma_pos, self.gamma_neg, self.clip = gamma_pos, gamma_neg, clip
        self.reduction, self.loss_weight = check_reduction(reduction), loss_weight
        self.use_sigmoid, self.eps = use_sigmoid, eps

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        reduction = check_reduction(reduction_override, self.reduction)
        if target.dim() == 1 or (target.dim() == 2 and target.shape[1] == 1):
            target = convert_to_one_hot(target.view(-1, 1), pred.shape[-1])
        return self.loss_weight * asymmetric_loss(
            pred, target, weight, gamma_pos=self.gamma_pos, gamma_neg=self.gamma_neg,
            clip=self.clip, reduction=reduction, avg_factor=avg_factor,
            use_sigmoid=self.use_sigmoid, eps=self.eps)
