"""RepVGG (Ding et al. 2021, https://arxiv.org/abs/2101.03697): structural re-parameterisation.

Train a block with three parallel branches (3x3 conv+BN, 1x1 conv+BN and, when shapes
allow, a BN-only identity), then fold them into ONE 3x3 conv for deployment: BN is an
affine map, a 1x1 kernel is a 3x3 kernel with zeros around it, the identity is a 3x3
kernel with a single 1. ``switch_to_deploy()`` does the folding; outputs stay the same.
"""
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import (BaseModule, ConvModule, build_activation_layer, build_conv_layer,
                      build_norm_layer)
from ..utils.se_layer import SELayer
from .freezing import batchnorms_to_eval, freeze


def fuse_conv_bn(weight, bn):
    """(kernel, bias) of ``bn(conv(x))`` as one conv with a bias (BN in eval mode)."""
    scale = bn.weight / (bn.running_var + bn.eps).sqrt()
    return weight * scale.reshape(-1, 1, 1, 1), bn.bias - bn.running_mean * scale


class RepVGGBlock(BaseModule):
    """``act(se(branch_3x3(x) + branch_1x1(x) + branch_norm(x)))``, or with ``deploy=True``
    ``act(se(branch_reparam(x)))``; mmcls 0.25 keys.

    Deliberate difference: ``padding_mode`` applies to the training-time 3x3 branch as well
    as the fused conv (mmcls only gives it to a conv built with ``deploy=True``).
    """

    def __init__(self, in_channels, out_channels, stride=1, padding=1, dilation=1, groups=1,
                 padding_mode='zeros', se_cfg=None, with_cp=False, conv_cfg=None,
                 norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'), deploy=False,
                 init_cfg=None):
        super().__init__(init_cfg)
        if se_cfg is not None and not isinstance(se_cfg, dict):
            raise ArgumentError(f'RepVGGBlock se_cfg must be a dict or None, got {se_cfg!r}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.padding_mode, self.conv_cfg, self.norm_cfg = padding_mode, conv_cfg, norm_cfg
        self.with_cp, self.deploy = with_cp, deploy
        if deploy:
            self.branch_reparam = self._conv(3, padding, dilation, bias=True)
        else:
            identity = in_channels == out_channels and stride == 1 and padding == dilation
            self.branch_norm = build_norm_layer(norm_cfg, in_channels)[1] if identity else None
            self.branch_3x3 = self._conv_bn(3, padding, dilation)
            self.branch_1x1 = self._conv_bn(1, 0, 1)
        self.se_layer = None if se_cfg is None else SELayer(channels=out_channels, **se_cfg)
        self.act = build_activation_layer(act_cfg)

    def _conv(self, kernel_size, padding, dilation, bias):
        extra = {} if self.padding_mode == 'zeros' or kernel_size == 1 else dict(
            padding_mode=self.padding_mode)
        return build_conv_layer(self.conv_cfg, self.in_channels, self.out_channels,
                                kernel_size, stride=self.stride, padding=padding,
                                dilation=dilation, groups=self.groups, bias=bias, **extra)

    def _conv_bn(self, kernel_size, padding, dilation):
        return nn.Sequential(OrderedDict(
            conv=self._conv(kernel_size, padding, dilation, bias=False),
            norm=build_norm_layer(self.norm_cfg, self.out_channels)[1]))

    def _branches(self, x):
        if self.deploy:
            out = self.branch_reparam(x)
        else:
            out = self.branch_3x3(x) + self.branch_1x1(x)
            if self.branch_norm is not None:
                out = out + self.branch_norm(x)
        return out if self.se_layer is None else self.se_layer(out)

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            return self.act(cp.checkpoint(self._branches, x, use_reentrant=False))
        return self.act(self._branches(x))

    def reparameterize(self):
        """The (kernel, bias) of the single 3x3 conv equal to the three branches."""
        kernel, bias = fuse_conv_bn(self.branch_3x3.conv.weight, self.branch_3x3.norm)
        k1, b1 = fuse_conv_bn(self.branch_1x1.conv.weight, self.branch_1x1.norm)
        kernel, bias = kernel + F.pad(k1, [1, 1, 1, 1]), bias + b1
        if self.branch_norm is not None:
            per_group = self.in_channels // self.groups
            identity = torch.zeros_like(kernel)
            for i in range(self.in_channels):          # x -> x: one centre tap per channel
                identity[i, i % per_group, 1, 1] = 1
            k_id, b_id = fuse_conv_bn(identity, self.branch_norm)
            kernel, bias = kernel + k_id, bias + b_id
        return kernel, bias

    @torch.no_grad()
    def switch_to_deploy(self):
        """Replace the branches by ``branch_reparam``; needs BN (running statistics)."""
        if self.deploy:
            return
        if self.norm_cfg['type'] != 'BN':
            raise ArgumentError(f"RepVGGBlock.switch_to_deploy needs norm_cfg type 'BN', got "
                                f"{self.norm_cfg['type']!r}")
        kernel, bias = self.reparameterize()
        self.branch_reparam = self._conv(3, self.padding, self.dilation, bias=True).to(kernel)
        self.branch_reparam.weight.copy_(kernel)
        self.branch_reparam.bias.copy_(bias)
        del self.branch_3x3, self.branch_1x1, self.branch_norm
        self.deploy = True


class MTSPPF(nn.Module):
    """Spatial pyramid pooling, fast (YOLOX-PAI): 1x1, three chained 5x5 max-pools, concat, 1x1."""

    def __init__(self, in_channels, out_channels, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'), kernel_size=5):
        super().__init__()
        hidden = in_channels // 2
        self.conv1 = ConvModule(in_channels, hidden, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv2 = ConvModule(hidden * 4, out_channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.maxpool = nn.MaxPool2d(kernel_size=kernel_size, stride=1, padding=kernel_size // 2)

    def forward(self, x):
        x = self.conv1(x)
        y1 = self.maxpool(x)
        y2 = self.maxpool(y1)
        return self.conv2(torch.cat([x, y1, y2, self.maxpool(y2)], 1))


_GROUPED = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26)   # block indices (stem = 0)
_G2, _G4 = {i: 2 for i in _GROUPED}, {i: 4 for i in _GROUPED}


@MODELS.register_module()
class RepVGG(BaseModule):
    """RepVGG backbone: a stride-2 ``stem`` block, then ``stage_1`` .. ``stage_4``.

    ``arch`` is a name (A0-A2, B0-B3, their g2/g4 grouped variants, D2se, yolox-pai-small)
    or a dict with ``num_blocks``, ``width_factor``, ``group_layer_map``, ``se_cfg``
    (optional ``stem_channels``). Widths are ``base_channels * 2**i * width_factor[i]``.
    """
    arch_settings = {
        'A0': dict(num_blocks=[2, 4, 14, 1], width_factor=[0.75, 0.75, 0.75, 2.5],
                   group_layer_map=None, se_cfg=None),
        'A1': dict(num_blocks=[2, 4, 14, 1], width_factor=[1, 1, 1, 2.5],
                   group_layer_map=None, se_cfg=None),
        'A2': dict(num_blocks=[2, 4, 14, 1], width_factor=[1.5, 1.5, 1.5, 2.75],
                   group_layer_map=None, se_cfg=None),
        'B0': dict(num_blocks=[4, 6, 16, 1], width_factor=[1, 1, 1, 2.5],
                   group_layer_map=None, se_cfg=None, stem_channels=64),
        'B1': dict(num_blocks=[4, 6, 16, 1], width_factor=[2, 2, 2, 4],
                   group_layer_map=None, se_cfg=None),
        'B1g2': dict(num_blocks=[4, 6, 16, 1], width_factor=[2, 2, 2, 4],
                     group_layer_map=_G2, se_cfg=None),
        'B1g4': dict(num_blocks=[4, 6, 16, 1], width_factor=[2, 2, 2, 4],
                     group_layer_map=_G4, se_cfg=None),
        'B2': dict(num_blocks=[4, 6, 16, 1], width_factor=[2.5, 2.5, 2.5, 5],
                   group_layer_map=None, se_cfg=None),
        'B2g2': dict(num_blocks=[4, 6, 16, 1], width_factor=[2.5, 2.5, 2.5, 5],
                     group_layer_map=_G2, se_cfg=None),
        'B2g4': dict(num_blocks=[4, 6, 16, 1], width_factor=[2.5, 2.5, 2.5, 5],
                     group_layer_map=_G4, se_cfg=None),
        'B3': dict(num_blocks=[4, 6, 16, 1], width_factor=[3, 3, 3, 5],
                   group_layer_map=None, se_cfg=None),
        'B3g2': dict(num_blocks=[4, 6, 16, 1], width_factor=[3, 3, 3, 5],
                     group_layer_map=_G2, se_cfg=None),
        'B3g4': dict(num_blocks=[4, 6, 16, 1], width_factor=[3, 3, 3, 5],
                     group_layer_map=_G4, se_cfg=None),
        'D2se': dict(num_blocks=[8, 14, 24, 1], width_factor=[2.5, 2.5, 2.5, 5],
                     group_layer_map=None, se_cfg=dict(ratio=16, divisor=1)),
        'yolox-pai-small': dict(num_blocks=[3, 5, 7, 3], width_factor=[1, 1, 1, 1],
                                group_layer_map=None, se_cfg=None, stem_channels=32)}

    def __init__(self, arch, in_channels=3, base_channels=64, out_indices=(3, ),
                 strides=(2, 2, 2, 2), dilations=(1, 1, 1, 1), frozen_stages=-1,
                 conv_cfg=None, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'),
                 with_cp=False, deploy=False, norm_eval=False, add_ppf=False,
                 init_cfg=(dict(type='Kaiming', layer=['Conv2d']),
                           dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm']))):
        init_cfg = list(init_cfg) if isinstance(init_cfg, tuple) else init_cfg
        super().__init__(init_cfg)
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise KeyError(f'RepVGG arch {arch!r} unknown; choose from '
                               f'{list(self.arch_settings)} or give a dict')
            arch = self.arch_settings[arch]
        elif not isinstance(arch, dict):
            raise ArgumentError(f'RepVGG arch must be a name or a dict, got {type(arch).__name__}')
        num_stages = len(arch['num_blocks'])
        if not len(arch['width_factor']) == len(strides) == len(dilations) == num_stages:
            raise ArgumentError(f'RepVGG: num_blocks, width_factor, strides and dilations need '
                                f'the same length, got {arch} {strides} {dilations}')
        if max(out_indices) >= num_stages:
            raise ArgumentError(f'RepVGG out_indices {out_indices} out of range for '
                                f'{num_stages} stages')
        self.arch, self.out_indices, self.deploy = arch, out_indices, deploy
        self.frozen_stages, self.norm_eval = frozen_stages, norm_eval
        groups_of = arch['group_layer_map'] or {}
        kw = dict(se_cfg=arch['se_cfg'], with_cp=with_cp, conv_cfg=conv_cfg,
                  norm_cfg=norm_cfg, act_cfg=act_cfg, deploy=deploy)
        channels = min(arch.get('stem_channels', 64), int(base_channels * arch['width_factor'][0]))
        self.stem = RepVGGBlock(in_channels, channels, stride=2, **kw)
        self.stages, block_index = [], 1
        for i, num_blocks in enumerate(arch['num_blocks']):
            out_channels = int(base_channels * 2 ** i * arch['width_factor'][i])
            blocks = []
            for j in range(num_blocks):
                blocks.append(RepVGGBlock(
                    channels, out_channels, stride=strides[i] if j == 0 else 1,
                    padding=dilations[i], dilation=dilations[i],
                    groups=groups_of.get(block_index, 1), init_cfg=init_cfg, **kw))
                channels, block_index = out_channels, block_index + 1
            self.add_module(f'stage_{i + 1}', nn.Sequential(*blocks))
            self.stages.append(f'stage_{i + 1}')
        self.ppf = (MTSPPF(channels, channels, norm_cfg=norm_cfg, act_cfg=act_cfg)
                    if add_ppf else None)

    def forward(self, x):
        x = self.stem(x)
        outs = []
        for i, name in enumerate(self.stages):
            x = getattr(self, name)(x)
            if i == len(self.stages) - 1 and self.ppf is not None:
                x = self.ppf(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode=True):
        super().train(mode)
        if self.frozen_stages >= 0:
            freeze([self.stem] + [getattr(self, f'stage_{i + 1}')
                                  for i in range(self.frozen_stages)])
        if mode and self.norm_eval:
            batchnorms_to_eval(self)
        return self

    def switch_to_deploy(self):
        """Fold every block's branches into one 3x3 conv (call in eval mode, after training)."""
        for m in self.modules():
            if isinstance(m, RepVGGBlock):
                m.switch_to_deploy()
        self.deploy = True
