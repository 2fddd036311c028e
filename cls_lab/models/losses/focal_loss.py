"""Focal loss (Lin et al. 2017): BCE down-weighted on easy examples by (1 - p_t)^gamma."""
import torch.nn as nn
import torch.nn.functional as F

from cls_lab.registry import MODELS

from .utils import check_reduction, convert_to_one_hot, weight_reduce_loss


def sigmoid_focal_loss(pred, target, weight=None, gamma=2.0, alpha=0.25, reduction='mean',
                       avg_factor=None):
    """Per-class sigmoid focal loss; integer targets become one-hot first."""
    if target.dim() != pred.dim():
        target = convert_to_one_hot(target, pred.size(-1))
    target = target.type_as(pred)
    prob = pred.sigmoid()
    pt = (1 - prob) * target + prob * (1 - target)          # 1 - p_t: large when wrong
    focal = (alpha * target + (1 - alpha) * (1 - target)) * pt.pow(gamma)
    loss = F.binary_cross_entropy_with_logits(pred, target, reduction='none') * focal
    if weight is not None and weight.dim() == 1:
        weight = weight.float().reshape(-1, 1)
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class FocalLoss(nn.Module):
    """``loss_weight * sigmoid_focal_loss`` with ``gamma`` and class balance ``alpha``."""

    def __init__(self, gamma=2.0, alpha=0.25, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.gamma, self.alpha = gamma, alpha
        self.reduction, self.loss_weight = check_reduction(reduction), loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        reduction = check_reduction(reduction_override, self.reduction)
        return self.loss_weight * sigmoid_focal_loss(pred, target, weight, self.gamma,
                                                     self.alpha, reduction, avg_factor)
