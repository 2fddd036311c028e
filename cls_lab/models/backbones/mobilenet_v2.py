"""MobileNetV2 (Sandler et al. 2018): inverted residuals with linear bottlenecks.

Each block expands channels with a 1x1 conv, filters with a depthwise 3x3 conv, then
projects back with a 1x1 conv *without* activation; the shortcut joins the thin ends.
"""
import torch.nn as nn
import torch.utils.checkpoint as cp
from torch.nn.modules.batchnorm import _BatchNorm

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, ConvModule
from ..utils.make_divisible import make_divisible


class InvertedResidual(BaseModule):
    """expand 1x1 -> depthwise 3x3 -> project 1x1 (linear), shortcut when shapes match.

    ``with_cp`` recomputes the block in backward (gradient checkpointing) to save memory.
    """

    def __init__(self, in_channels, out_channels, stride, expand_ratio, conv_cfg=None,
                 norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU6'), with_cp=False,
                 init_cfg=None):
        super().__init__(init_cfg)
        if stride not in (1, 2):
            raise ArgumentError(f'InvertedResidual: stride must be 1 or 2, got {stride}')
        self.stride, self.with_cp = stride, with_cp
        hidden = int(round(in_channels * expand_ratio))
        self.use_res_connect = stride == 1 and in_channels == out_channels
        layers = []
        if expand_ratio != 1:
            layers.append(ConvModule(in_channels, hidden, 1, conv_cfg=conv_cfg,
                                     norm_cfg=norm_cfg, act_cfg=act_cfg))
        layers += [ConvModule(hidden, hidden, 3, stride, 1, groups=hidden, conv_cfg=conv_cfg,
                              norm_cfg=norm_cfg, act_cfg=act_cfg),
                   ConvModule(hidden, out_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                              act_cfg=None)]
        self.conv = nn.Sequential(*layers)

    def _forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._forward, x, use_reentrant=False)
        return self._forward(x)


@MODELS.register_module()
class MobileNetV2(BaseModule):
    """MobileNetV2 backbone; stages 0..6 are the 7 block groups, index 7 is the final 1x1 conv."""
    # expand ratio, channels, number of blocks, stride of the first block
    arch_settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
                     [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]

    def __init__(self, widen_factor=1., out_indices=(7,), frozen_stages=-1, conv_cfg=None,
                 norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU6'), norm_eval=False,
                 with_cp=False, init_cfg=(dict(type='Kaiming', layer=['Conv2d']),
                           dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm']))):
        super().__init__(list(init_cfg) if isinstance(init_cfg, tuple) else init_cfg)
        if any(not 0 <= i <= 7 for i in out_indices):
            raise ArgumentError(f'MobileNetV2 out_indices must be in 0..7, got {out_indices}')
        if not -1 <= frozen_stages <= 7:
            raise ArgumentError(f'MobileNetV2 frozen_stages must be in -1..7, got {frozen_stages}')
        self.out_indices, self.frozen_stages, self.norm_eval = out_indices, frozen_stages, norm_eval
        kw = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        channels = make_divisible(32 * widen_factor, 8)
        self.conv1 = ConvModule(3, channels, 3, 2, 1, **kw)
        self.layers = []
        for i, (ratio, c, n, stride) in enumerate(self.arch_settings):
            out = make_divisible(c * widen_factor, 8)
            blocks = [InvertedResidual(channels if j == 0 else out, out, stride if j == 0 else 1,
                                       ratio, with_cp=with_cp, **kw) for j in range(n)]
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
            self.layers.append(f'layer{i + 1}')
            channels = out
        self.feat_dim = int(1280 * widen_factor) if widen_factor > 1 else 1280
        self.conv2 = ConvModule(channels, self.feat_dim, 1, **kw)
        self.layers.append('conv2')
        self._freeze_stages()

    def forward(self, x):
        x = self.conv1(x)
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self):
        modules = [self.conv1] + [getattr(self, f'layer{i}') for i in range(1, self.frozen_stages + 1)]
        for m in modules if self.frozen_stages >= 0 else []:
            m.eval()
            for p in m.parameters():
                p.requires_grad = False

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
