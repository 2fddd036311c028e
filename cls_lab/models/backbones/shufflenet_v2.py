"""ShuffleNet V2 (Ma et al. 2018, https://arxiv.org/abs/1807.11164).

Guided by measured speed rather than FLOPs: a unit splits its channels in two, leaves one
half untouched, runs 1x1 -> 3x3 depthwise -> 1x1 on the other, concatenates and shuffles.
A downsampling unit runs both halves through their own branch at stride 2.
"""
import torch
import torch.nn as nn
import torch.utils.checkpoint as cp

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, ConvModule
from ..init import normal_init
from ..utils.channel_shuffle import channel_shuffle
from .freezing import batchnorms_to_eval, freeze_stem_and_stages


class InvertedResidual(BaseModule):
    """ShuffleNet V2's unit; keys ``branch1`` (only at stride 2) and ``branch2``."""

    def __init__(self, in_channels, out_channels, stride=1, conv_cfg=None,
                 norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'), with_cp=False,
                 init_cfg=None):
        super().__init__(init_cfg)
        branch = out_channels // 2
        if (stride == 1) != (in_channels == branch * 2):
            raise ArgumentError(f'ShuffleNetV2 unit: stride 1 needs in_channels == out_channels, '
                                f'got stride {stride}, {in_channels} -> {out_channels}')
        self.stride, self.with_cp = stride, with_cp
        kw = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        if stride > 1:
            self.branch1 = nn.Sequential(
                ConvModule(in_channels, in_channels, 3, stride, 1, groups=in_channels,
                           act_cfg=None, **kw),
                ConvModule(in_channels, branch, 1, act_cfg=act_cfg, **kw))
        self.branch2 = nn.Sequential(
            ConvModule(in_channels if stride > 1 else branch, branch, 1, act_cfg=act_cfg, **kw),
            ConvModule(branch, branch, 3, stride, 1, groups=branch, act_cfg=None, **kw),
            ConvModule(branch, branch, 1, act_cfg=act_cfg, **kw))

    def _unit(self, x):
        if self.stride > 1:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        else:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        return channel_shuffle(out, 2)

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._unit, x, use_reentrant=False)
        return self._unit(x)


@MODELS.register_module()
class ShuffleNetV2(BaseModule):
    """ShuffleNet V2 backbone: stem, 3 stages of 4, 8, 4 units, a final 1x1 conv (index 3).

    ``widen_factor`` is one of 0.5, 1.0, 1.5, 2.0 (the paper's four widths).
    """
    stage_channels = {0.5: (48, 96, 192, 1024), 1.0: (116, 232, 464, 1024),
                      1.5: (176, 352, 704, 1024), 2.0: (244, 488, 976, 2048)}

    def __init__(self, widen_factor=1.0, out_indices=(3, ), frozen_stages=-1, conv_cfg=None,
                 norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'), norm_eval=False,
                 with_cp=False, init_cfg=None):
        super().__init__(init_cfg)
        if any(i not in range(4) for i in out_indices):
            raise ArgumentError(f'ShuffleNetV2 out_indices must be in 0..3, got {out_indices}')
        if frozen_stages not in range(-1, 4):
            raise ArgumentError(f'ShuffleNetV2 frozen_stages must be in -1..3, got {frozen_stages}')
        if widen_factor not in self.stage_channels:
            raise ArgumentError(f'ShuffleNetV2 widen_factor must be one of '
                                f'{sorted(self.stage_channels)}, got {widen_factor}')
        self.out_indices, self.frozen_stages, self.norm_eval = out_indices, frozen_stages, norm_eval
        *channels, last = self.stage_channels[widen_factor]
        kw = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        in_channels = 24
        self.conv1 = ConvModule(3, in_channels, 3, 2, 1, **kw)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layers = nn.ModuleList()
        for num_units, out_channels in zip((4, 8, 4), channels):
            units = [InvertedResidual(in_channels if j == 0 else out_channels, out_channels,
                                      2 if j == 0 else 1, with_cp=with_cp, **kw)
                     for j in range(num_units)]
            self.layers.append(nn.Sequential(*units))
            in_channels = out_channels
        self.layers.append(ConvModule(in_channels, last, 1, **kw))

    def init_weights(self):
        """N(0, 1/fan-in-channels) convs, N(0, 0.01) stem (mmcls leaves the norms at 1/0)."""
        super().init_weights()
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            return
        for name, m in self.named_modules():
            if isinstance(m, nn.Conv2d):
                normal_init(m, std=0.01 if 'conv1' in name else 1.0 / m.weight.shape[1])

    def forward(self, x):
        x = self.maxpool(self.conv1(x))
        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode=True):
        super().train(mode)
        freeze_stem_and_stages(self.conv1, self.layers, self.frozen_stages)
        if mode and self.norm_eval:
            batchnorms_to_eval(self)
        return self
