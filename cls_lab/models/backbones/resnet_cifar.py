"""ResNet for 32x32 images (CIFAR): a 3x3 stride-1 stem and no max-pool.

A 7x7/2 conv plus a max-pool would shrink 32x32 to 8x8 before the first stage; this stem
keeps 32x32. Only ``_make_stem_layer`` differs from ResNet, exactly as seed 000 teaches.
"""
import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import build_conv_layer, build_norm_layer
from .resnet import ResNet


@MODELS.register_module()
class ResNet_CIFAR(ResNet):
    """ResNet backbone for CIFAR-sized inputs (3x3/1 stem conv, no max-pool)."""

    def __init__(self, depth, deep_stem=False, **kwargs):
        if deep_stem:
            raise ArgumentError('ResNet_CIFAR does not support deep_stem=True: its stem is a single '
                                '3x3 stride-1 conv; use ResNet/ResNetV1c for a deep stem')
        super().__init__(depth, deep_stem=False, **kwargs)

    def _make_stem_layer(self, in_channels, stem_channels):
        self.conv1 = build_conv_layer(self.conv_cfg, in_channels, stem_channels, 3, stride=1,
                                      padding=1, bias=False)
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity()         # no max-pool: keep the 32x32 resolution
