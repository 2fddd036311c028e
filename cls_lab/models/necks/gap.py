"""Global average pooling: (N, C, H, W) -> (N, C), the usual bridge from backbone to head."""
import torch
import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS


@MODELS.register_module()
class GlobalAveragePooling(nn.Module):
    """Average each channel over space; accepts a tensor or a tuple of tensors (one per stage).

    ``dim=1`` pools (N, C, L) sequences, ``dim=2`` images, ``dim=3`` volumes.
    """

    def __init__(self, dim=2):
        super().__init__()
        if dim not in (1, 2, 3):
            raise ArgumentError(f'GlobalAveragePooling dim must be 1, 2 or 3, got {dim}')
        self.gap = {1: nn.AdaptiveAvgPool1d(1), 2: nn.AdaptiveAvgPool2d((1, 1)),
                    3: nn.AdaptiveAvgPool3d((1, 1, 1))}[dim]

    def init_weights(self):
        pass

    def _pool(self, x):
        return self.gap(x).flatten(1)

    def forward(self, inputs):
        if isinstance(inputs, (tuple, list)):
            return tuple(self._pool(x) for x in inputs)
        if isinstance(inputs, torch.Tensor):
            return self._pool(inputs)
        raise ArgumentError(f'GlobalAveragePooling takes a tensor or a tuple, got {type(inputs)}')
