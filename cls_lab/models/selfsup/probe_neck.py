"""ProbeNeck: pool, then standardise each feature (BatchNorm without learned scale or shift).

Frozen backbones give features of very different scales (a fresh network's can be 100x
smaller than a trained one's); standardising them lets one linear-probe learning rate
suit every backbone. It adds no parameters, so the probe stays a linear classifier.
"""
import torch.nn as nn

from cls_lab.registry import MODELS


@MODELS.register_module()
class ProbeNeck(nn.Module):
    """Global average pooling of the last stage, then ``BatchNorm1d(in_channels, affine=False)``."""

    def __init__(self, in_channels, eps=1e-6):
        super().__init__()
        self.bn = nn.BatchNorm1d(in_channels, eps=eps, affine=False)

    def forward(self, inputs):
        x = inputs[-1] if isinstance(inputs, (list, tuple)) else inputs
        if x.dim() == 4:
            x = x.mean(dim=(2, 3))
        return self.bn(x)
