"""ShuffleNet V1 (Zhang et al. 2017, https://arxiv.org/abs/1707.01083).

Cheap 1x1 convs are split into ``groups``; a channel shuffle between the two grouped 1x1
convs of a unit lets information cross groups. The first unit of a stage halves the
resolution and concatenates an average-pooled shortcut instead of adding it.
"""
import torch
import torch.nn as nn
import torch.utils.checkpoint as cp

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, ConvModule, build_activation_layer
from ..init import constant_init, normal_init
from ..utils.channel_shuffle import channel_shuffle
from ..utils.make_divisible import make_divisible
from .freezing import batchnorms_to_eval, freeze_stem_and_stages


class ShuffleUnit(BaseModule):
    """grouped 1x1 -> 3x3 depthwise -> shuffle -> grouped 1x1, + shortcut ('add'/'concat')."""

    def __init__(self, in_channels, out_channels, groups=3, first_block=True, combine='add',
                 conv_cfg=None, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'),
                 with_cp=False):
        super().__init__()
        if combine not in ('add', 'concat'):
            raise ArgumentError(f"ShuffleUnit combine must be 'add' or 'concat', got {combine!r}")
        if combine == 'add' and in_channels != out_channels:
            raise ArgumentError(f"ShuffleUnit combine='add' needs in_channels == out_channels, "
                                f"got {in_channels} and {out_channels}")
        self.combine, self.groups, self.with_cp = combine, groups, with_cp
        bottleneck = out_channels // 4
        if combine == 'concat':                 # the shortcut's channels are concatenated
            out_channels -= in_channels
            self.avgpool = nn.AvgPool2d(kernel_size=3, stride=2, padding=1)
        kw = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.g_conv_1x1_compress = ConvModule(in_channels, bottleneck, 1,
                                              groups=1 if first_block else groups,
                                              act_cfg=act_cfg, **kw)
        self.depthwise_conv3x3_bn = ConvModule(bottleneck, bottleneck, 3,
                                               2 if combine == 'concat' else 1, 1,
                                               groups=bottleneck, act_cfg=None, **kw)
        self.g_conv_1x1_expand = ConvModule(bottleneck, out_channels, 1, groups=groups,
                                            act_cfg=None, **kw)
        self.act = build_activation_layer(act_cfg)

    def _unit(self, x):
        out = self.depthwise_conv3x3_bn(self.g_conv_1x1_compress(x))
        if self.groups > 1:
            out = channel_shuffle(out, self.groups)
        out = self.g_conv_1x1_expand(out)
        if self.combine == 'concat':
            return torch.cat((self.avgpool(x), self.act(out)), 1)
        return self.act(x + out)

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._unit, x, use_reentrant=False)
        return self._unit(x)


@MODELS.register_module()
class ShuffleNetV1(BaseModule):
    """ShuffleNet V1 backbone: 3x3/2 stem + max-pool, then 3 stages of 4, 8, 4 units.

    ``groups`` (1, 2, 3, 4 or 8) picks the stage widths of the paper's table, scaled by
    ``widen_factor``; ``out_indices`` index the stages (0..2).
    """
    stage_channels = {1: (144, 288, 576), 2: (200, 400, 800), 3: (240, 480, 960),
                      4: (272, 544, 1088), 8: (384, 768, 1536)}

    def __init__(self, groups=3, widen_factor=1.0, out_indices=(2, ), frozen_stages=-1,
                 conv_cfg=None, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'),
                 norm_eval=False, with_cp=False, init_cfg=None):
        super().__init__(init_cfg)
        if any(i not in range(3) for i in out_indices):
            raise ArgumentError(f'ShuffleNetV1 out_indices must be in 0..2, got {out_indices}')
        if frozen_stages not in range(-1, 3):
            raise ArgumentError(f'ShuffleNetV1 frozen_stages must be in -1..2, got {frozen_stages}')
        if groups not in self.stage_channels:
            raise ArgumentError(f'ShuffleNetV1 groups must be one of '
                                f'{sorted(self.stage_channels)}, got {groups}')
        self.out_indices, self.frozen_stages, self.norm_eval = out_indices, frozen_stages, norm_eval
        channels = [make_divisible(c * widen_factor, 8) for c in self.stage_channels[groups]]
        in_channels = int(24 * widen_factor)
        self.conv1 = ConvModule(3, in_channels, 3, 2, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                act_cfg=act_cfg)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layers = nn.ModuleList()
        for i, (num_units, out_channels) in enumerate(zip((4, 8, 4), channels)):
            units = []
            for j in range(num_units):
                units.append(ShuffleUnit(in_channels, out_channels, groups,
                                         first_block=i == 0 and j == 0,
                                         combine='concat' if j == 0 else 'add',
                                         conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                         act_cfg=act_cfg, with_cp=with_cp))
                in_channels = out_channels
            self.layers.append(nn.Sequential(*units))

    def init_weights(self):
        """ShuffleNet's own init: N(0, 1/fan-in-channels) convs, N(0, 0.01) stem."""
        super().init_weights()
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            return
        for name, m in self.named_modules():
            if isinstance(m, nn.Conv2d):
                normal_init(m, std=0.01 if 'conv1' in name else 1.0 / m.weight.shape[1])
            elif isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm)):
                constant_init(m, val=1, bias=0.0001)
                if getattr(m, 'running_mean', None) is not None:
                    nn.init.zeros_(m.running_mean)

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
