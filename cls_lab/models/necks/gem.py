"""Generalized mean pooling (Radenovic et al., 2018): (mean of x ** p over space) ** (1 / p).

p = 1 is average pooling, p -> infinity max pooling; p is learnt (the parameter ``p``).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS


def gem(x, p, eps=1e-6, clamp=True):
    """GeM over the last two axes of (N, C, H, W), keeping them as 1 x 1."""
    if clamp:
        x = x.clamp(min=eps)
    return F.avg_pool2d(x.pow(p), (x.size(-2), x.size(-1))).pow(1. / p)


@MODELS.register_module()
class GeneralizedMeanPooling(nn.Module):
    """GeM neck: a tensor or a tuple of stage tensors (N, C, H, W) -> (N, C) each."""

    def __init__(self, p=3., eps=1e-6, clamp=True):
        super().__init__()
        if p < 1:
            raise ArgumentError(f"GeneralizedMeanPooling: p must be >= 1, got {p}")
        self.p = nn.Parameter(torch.ones(1) * p)
        self.eps, self.clamp = eps, clamp

    def init_weights(self):
        pass

    def _pool(self, x):
        return gem(x, self.p, self.eps, self.clamp).view(x.size(0), -1)

    def forward(self, inputs):
        if isinstance(inputs, (tuple, list)):
            return tuple(self._pool(x) for x in inputs)
        if isinstance(inputs, torch.Tensor):
            return self._pool(inputs)
        raise ArgumentError(f'GeneralizedMeanPooling takes a tensor or a tuple, got {type(inputs)}')
