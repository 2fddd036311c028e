"""ContrastiveHead: InfoNCE, a cross-entropy where the positive pair is the right 'class'.

Given one positive similarity and K negative similarities per query, the loss is
``-log(exp(pos/T) / (exp(pos/T) + sum_k exp(neg_k/T)))``, averaged over the queries.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS


@MODELS.register_module()
class ContrastiveHead(nn.Module):
    """InfoNCE with ``temperature``: ``forward(pos (N, 1), neg (N, K)) -> dict(loss=...)``.

    Lower temperatures sharpen the softmax, so the hardest negatives dominate the gradient.
    """

    def __init__(self, temperature=0.1):
        super().__init__()
        if temperature <= 0:
            raise ArgumentError(f'ContrastiveHead: temperature must be > 0, got {temperature}')
        self.temperature = temperature

    def forward(self, pos, neg):
        if pos.dim() == 1:
            pos = pos[:, None]
        if pos.shape[0] != neg.shape[0] or pos.shape[1] != 1:
            raise ArgumentError(f'ContrastiveHead: pos must be (N, 1) and neg (N, K), got '
                                f'{tuple(pos.shape)} and {tuple(neg.shape)}')
        logits = torch.cat([pos, neg], dim=1) / self.temperature
        target = torch.zeros(len(logits), dtype=torch.long, device=logits.device)
        return dict(loss=F.cross_entropy(logits, target))

    def extra_repr(self):
        return f'temperature={self.temperature}'
