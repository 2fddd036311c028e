"""LeNet-5 (LeCun et al. 1998): three 5x5 convs with tanh and average pooling, for 32x32 input."""
import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule


@MODELS.register_module()
class LeNet5(BaseModule):
    """LeNet-5; ``num_classes=-1`` returns the 120-d features only (use a head after it)."""

    def __init__(self, num_classes=-1, in_channels=1, init_cfg=None):
        super().__init__(init_cfg)
        self.num_classes = num_classes
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5), nn.Tanh(), nn.AvgPool2d(2),     # 32 -> 28 -> 14
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),              # 14 -> 10 -> 5
            nn.Conv2d(16, 120, 5), nn.Tanh())                             # 5 -> 1
        if num_classes > 0:
            self.classifier = nn.Sequential(nn.Linear(120, 84), nn.Tanh(),
                                            nn.Linear(84, num_classes))

    def forward(self, x):
        if x.shape[-2:] != (32, 32):
            raise ArgumentError(f'LeNet5 expects 32x32 inputs, got {tuple(x.shape[-2:])}')
        x = self.features(x)
        if self.num_classes > 0:
            x = self.classifier(x.flatten(1))
        return (x,)
