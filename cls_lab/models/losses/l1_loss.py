"""L1 loss, the seed-000 example: mimic another model's probabilities with |pred - target|."""
import torch
import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from .utils import check_reduction, weighted_loss


@weighted_loss
def l1_loss(pred, target):
    """Element-wise |pred - target| (weighting and reduction come from ``weighted_loss``)."""
    if pred.size() != target.size() or target.numel() == 0:
        raise ArgumentError(f'l1_loss needs equal non-empty shapes, got {tuple(pred.shape)} '
                            f'and {tuple(target.shape)}')
    return torch.abs(pred - target)


@MODELS.register_module()
class L1Loss(nn.Module):
    """``loss_weight * l1_loss``; ``reduction`` is 'none', 'mean' or 'sum'."""

    def __init__(self, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.reduction, self.loss_weight = check_reduction(reduction), loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        reduction = check_reduction(reduction_override, self.reduction)
        return self.loss_weight * l1_loss(pred, target, weight, reduction=reduction,
                                          avg_factor=avg_factor)
