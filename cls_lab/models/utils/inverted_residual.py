"""The inverted residual (MBConv) block of MobileNetV3 and EfficientNet, with optional SE.

expand 1x1 (skipped when ``mid_channels == in_channels``) -> depthwise kxk -> [SE] ->
linear 1x1 projection; the shortcut (with drop path) joins the thin ends when shapes match.
"""
import torch.nn as nn
import torch.utils.checkpoint as cp
from torchvision.ops import StochasticDepth

from cls_lab.errors import ArgumentError
from ..bricks import BaseModule, ConvModule
from .se_layer import SELayer


class InvertedResidual(BaseModule):
    """mmcls 0.25's ``InvertedResidual``: keys ``expand_conv``, ``depthwise_conv``, ``se``,
    ``linear_conv``; ``drop_path_rate`` drops the residual branch per sample in training."""

    def __init__(self, in_channels, out_channels, mid_channels, kernel_size=3, stride=1,
                 se_cfg=None, conv_cfg=None, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'), drop_path_rate=0., with_cp=False, init_cfg=None):
        super().__init__(init_cfg)
        if stride not in (1, 2):
            raise ArgumentError(f'InvertedResidual stride must be 1 or 2, got {stride}')
        if se_cfg is not None and not isinstance(se_cfg, dict):
            raise ArgumentError(f'InvertedResidual se_cfg must be a dict or None, got {se_cfg!r}')
        self.with_res_shortcut = stride == 1 and in_channels == out_channels
        self.with_cp = with_cp
        self.with_se = se_cfg is not None
        self.with_expand_conv = mid_channels != in_channels
        self.drop_path = (StochasticDepth(drop_path_rate, 'row') if drop_path_rate > 0
                          else nn.Identity())
        kw = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        if self.with_expand_conv:
            self.expand_conv = ConvModule(in_channels, mid_channels, 1, act_cfg=act_cfg, **kw)
        self.depthwise_conv = ConvModule(mid_channels, mid_channels, kernel_size, stride,
                                         kernel_size // 2, groups=mid_channels,
                                         act_cfg=act_cfg, **kw)
        if self.with_se:
            self.se = SELayer(**se_cfg)
        self.linear_conv = ConvModule(mid_channels, out_channels, 1, act_cfg=None, **kw)

    def _branch(self, x):
        out = self.expand_conv(x) if self.with_expand_conv else x
        out = self.depthwise_conv(out)
        out = self.se(out) if self.with_se else out
        out = self.linear_conv(out)
        return x + self.drop_path(out) if self.with_res_shortcut else out

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._branch, x, use_reentrant=False)
        return self._branch(x)
