"""Seesaw loss (Wang et al., 2021) for long-tailed data: softmax CE with re-weighted negatives.

For a sample of class i, a negative class j's logit gets + log(S_ij), S_ij = M_ij * C_ij:
the mitigation M_ij = (N_j / N_i) ** p when class j has seen fewer samples N_j than i (else
1), and the compensation C_ij = (s_j / s_i) ** q when j scores higher than i (else 1).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from .utils import check_reduction, weight_reduce_loss


def seesaw_ce_loss(cls_score, labels, weight, cum_samples, num_classes, p, q, eps,
                   reduction='mean', avg_factor=None):
    """Seesaw cross-entropy of ``cls_score`` (N, C) for integer ``labels`` given class counts."""
    if cls_score.size(-1) != num_classes or len(cum_samples) != num_classes:
        raise ArgumentError(f'SeesawLoss: scores have {cls_score.size(-1)} classes, counts '
                            f'{len(cum_samples)}, num_classes is {num_classes}')
    onehot = F.one_hot(labels, num_classes)
    factors = cls_score.new_ones(onehot.size())
    if p > 0:
        ratio = cum_samples[None, :].clamp(min=1) / cum_samples[:, None].clamp(min=1)
        rarer = (ratio < 1.0).float()
        factors = factors * (ratio.pow(p) * rarer + (1 - rarer))[labels.long(), :]
    if q > 0:
        scores = F.softmax(cls_score.detach(), dim=1)
        own = scores[torch.arange(len(scores), device=scores.device), labels.long()]
        relative = scores / own[:, None].clamp(min=eps)
        higher = (relative > 1.0).float()
        factors = factors * (relative.pow(q) * higher + (1 - higher))
    loss = F.cross_entropy(cls_score + factors.log() * (1 - onehot), labels, reduction='none')
    return weight_reduce_loss(loss, None if weight is None else weight.float(), reduction,
                              avg_factor)


@MODELS.register_module()
class SeesawLoss(nn.Module):
    """Seesaw loss module; ``cum_samples`` (a buffer) counts each class's samples seen so far."""

    def __init__(self, use_sigmoid=False, p=0.8, q=2.0, num_classes=1000, eps=1e-2,
                 reduction='mean', loss_weight=1.0):
        super().__init__()
        if use_sigmoid:
            raise ArgumentError('SeesawLoss: use_sigmoid=True is not supported (it is a softmax loss)')
        self.use_sigmoid, self.p, self.q, self.num_classes, self.eps = False, p, q, num_classes, eps
        self.reduction, self.loss_weight = check_reduction(reduction), loss_weight
        self.register_buffer('cum_samples', torch.zeros(num_classes, dtype=torch.float))

    def forward(self, cls_score, labels, weight=None, avg_factor=None, reduction_override=None):
        reduction = check_reduction(reduction_override, self.reduction)
        if cls_score.size(0) != labels.view(-1).size(0):
            raise ArgumentError(f'SeesawLoss: {cls_score.size(0)} scores but labels of shape '
                                f'{list(labels.size())}')
        self.cum_samples += torch.bincount(labels.view(-1).long(),
                                           minlength=self.num_classes).float()
        if weight is None:
            weight = labels.new_ones(labels.size(), dtype=torch.float)
        return self.loss_weight * seesaw_ce_loss(cls_score, labels, weight, self.cum_samples,
                                                 self.num_classes, self.p, self.q, self.eps,
                                                 reduction, avg_factor)
