"""Squeeze-and-Excitation (Hu et al. 2018, https://arxiv.org/abs/1709.01507).

Squeeze: average each channel to one number. Excite: a 2-layer bottleneck MLP (two 1x1
convs) turns those numbers into per-channel weights in (0, 1) that rescale the input.
"""
import torch.nn as nn

from cls_lab.errors import ArgumentError
from ..bricks import BaseModule, ConvModule
from .make_divisible import make_divisible


class SELayer(BaseModule):
    """``x * sigmoid(conv2(relu(conv1(avgpool(x)))))``; mmcls 0.25 arguments and keys.

    The bottleneck has ``squeeze_channels`` or ``make_divisible(channels // ratio, divisor)``
    channels. ``act_cfg`` is one dict for both activations or a pair; ``return_weight=True``
    returns the (N, C, 1, 1) channel weights instead of the rescaled input.
    """

    def __init__(self, channels, squeeze_channels=None, ratio=16, divisor=8, bias='auto',
                 conv_cfg=None, act_cfg=(dict(type='ReLU'), dict(type='Sigmoid')),
                 return_weight=False, init_cfg=None):
        super().__init__(init_cfg)
        act_cfg = (act_cfg, act_cfg) if isinstance(act_cfg, dict) else tuple(act_cfg)
        if len(act_cfg) != 2 or not all(isinstance(a, dict) for a in act_cfg):
            raise ArgumentError(f'SELayer act_cfg must be a dict or two dicts, got {act_cfg!r}')
        if squeeze_channels is None:
            squeeze_channels = make_divisible(channels // ratio, divisor)
        if not isinstance(squeeze_channels, int) or squeeze_channels <= 0:
            raise ArgumentError(f'SELayer squeeze_channels must be a positive int, got '
                                f'{squeeze_channels!r} (channels={channels}, ratio={ratio})')
        self.return_weight = return_weight
        self.global_avgpool = nn.AdaptiveAvgPool2d(1)
        self.conv1 = ConvModule(channels, squeeze_channels, 1, bias=bias, conv_cfg=conv_cfg,
                                act_cfg=act_cfg[0])
        self.conv2 = ConvModule(squeeze_channels, channels, 1, bias=bias, conv_cfg=conv_cfg,
                                act_cfg=act_cfg[1])

    def forward(self, x):
        weight = self.conv2(self.conv1(self.global_avgpool(x)))
        return weight if self.return_weight else x * weight
