"""DenseNet (Huang et al. 2017, https://arxiv.org/abs/1608.06993): dense connectivity.

Inside a dense block every layer sees the concatenation of *all* earlier feature maps and
adds ``growth_rate`` new channels; transitions between blocks halve channels (1x1 conv,
``compression_factor``) and resolution (2x2 average pool). Few parameters, many
activations: ``memory_efficient=True`` recomputes the concatenations in the backward pass.
"""
import math
from itertools import chain

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, build_activation_layer, build_norm_layer


class DenseLayer(BaseModule):
    """BN-act-1x1 conv (``bn_size * growth_rate``) then BN-act-3x3 conv (``growth_rate``)."""

    def __init__(self, in_channels, growth_rate, bn_size, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'), drop_rate=0., memory_efficient=False):
        super().__init__()
        mid = bn_size * growth_rate
        self.norm1 = build_norm_layer(norm_cfg, in_channels)[1]
        self.conv1 = nn.Conv2d(in_channels, mid, kernel_size=1, bias=False)
        self.act = build_activation_layer(act_cfg)
        self.norm2 = build_norm_layer(norm_cfg, mid)[1]
        self.conv2 = nn.Conv2d(mid, growth_rate, kernel_size=3, padding=1, bias=False)
        self.drop_rate, self.memory_efficient = float(drop_rate), memory_efficient

    def bottleneck_fn(self, *features):
        return self.conv1(self.act(self.norm1(torch.cat(features, 1))))

    def forward(self, features):
        """``features``: the list of all earlier maps; returns only the new channels."""
        if self.memory_efficient and any(f.requires_grad for f in features):
            out = cp.checkpoint(self.bottleneck_fn, *features, use_reentrant=False)
        else:
            out = self.bottleneck_fn(*features)
        out = self.conv2(self.act(self.norm2(out)))
        return F.dropout(out, p=self.drop_rate, training=self.training) if self.drop_rate else out


class DenseBlock(nn.Module):
    """``num_layers`` DenseLayers; the output concatenates the input and every new map."""

    def __init__(self, num_layers, in_channels, bn_size, growth_rate, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'), drop_rate=0., memory_efficient=False):
        super().__init__()
        self.block = nn.ModuleList([
            DenseLayer(in_channels + i * growth_rate, growth_rate, bn_size, norm_cfg, act_cfg,
                       drop_rate, memory_efficient) for i in range(num_layers)])

    def forward(self, x):
        features = [x]
        for layer in self.block:
            features.append(layer(features))
        return torch.cat(features, 1)


class DenseTransition(nn.Sequential):
    """BN-act-1x1 conv to ``out_channels``, then a 2x2 average pool."""

    def __init__(self, in_channels, out_channels, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU')):
        super().__init__()
        self.add_module('norm', build_norm_layer(norm_cfg, in_channels)[1])
        self.add_module('act', build_activation_layer(act_cfg))
        self.add_module('conv', nn.Conv2d(in_channels, out_channels, 1, bias=False))
        self.add_module('pool', nn.AvgPool2d(kernel_size=2, stride=2))


@MODELS.register_module()
class DenseNet(BaseModule):
    """DenseNet-121/169/201/161 (or ``arch=dict(growth_rate, depths, init_channels)``).

    Stages are dense blocks, each followed by its transition (the last one: BN + act);
    ``out_indices`` (an int or a sequence, negative counts from the end) picks stages,
    ``frozen_stages=k`` freezes the first k blocks and their transitions.
    """
    arch_settings = {
        '121': dict(growth_rate=32, depths=[6, 12, 24, 16], init_channels=64),
        '169': dict(growth_rate=32, depths=[6, 12, 32, 32], init_channels=64),
        '201': dict(growth_rate=32, depths=[6, 12, 48, 32], init_channels=64),
        '161': dict(growth_rate=48, depths=[6, 12, 36, 24], init_channels=96)}

    def __init__(self, arch='121', in_channels=3, bn_size=4, drop_rate=0,
                 compression_factor=0.5, memory_efficient=False, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'), out_indices=-1, frozen_stages=0, init_cfg=None):
        super().__init__(init_cfg)
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise KeyError(f'DenseNet arch {arch!r} unknown; choose from '
                               f'{list(self.arch_settings)} or give a dict')
            arch = self.arch_settings[arch]
        elif not {'growth_rate', 'depths', 'init_channels'} <= set(arch):
            raise KeyError(f'DenseNet arch dict needs growth_rate, depths and init_channels, '
                           f'got {arch!r}')
        self.growth_rate, self.depths = arch['growth_rate'], arch['depths']
        self.init_channels, self.num_stages = arch['init_channels'], len(arch['depths'])
        out_indices = [out_indices] if isinstance(out_indices, int) else list(out_indices)
        self.out_indices = [i + self.num_stages if i < 0 else i for i in out_indices]
        if any(not 0 <= i < self.num_stages for i in self.out_indices):
            raise ArgumentError(f'DenseNet out_indices {out_indices} out of range for '
                                f'{self.num_stages} stages')
        self.frozen_stages = frozen_stages
        self.act = build_activation_layer(act_cfg)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, self.init_channels, 7, stride=2, padding=3, bias=False),
            build_norm_layer(norm_cfg, self.init_channels)[1], self.act,
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        self.stages, self.transitions = nn.ModuleList(), nn.ModuleList()
        channels = self.init_channels
        for i, depth in enumerate(self.depths):
            self.stages.append(DenseBlock(depth, channels, bn_size, self.growth_rate, norm_cfg,
                                          act_cfg, drop_rate, memory_efficient))
            channels += depth * self.growth_rate
            if i < self.num_stages - 1:
                out_channels = math.floor(channels * compression_factor)
                self.transitions.append(DenseTransition(channels, out_channels, norm_cfg,
                                                        act_cfg))
                channels = out_channels
            else:
                self.transitions.append(nn.Sequential(build_norm_layer(norm_cfg, channels)[1],
                                                      self.act))
        self._freeze_stages()

    def forward(self, x):
        x = self.stem(x)
        outs = []
        for i in range(self.num_stages):
            x = self.transitions[i](self.stages[i](x))
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self):
        for i in range(self.frozen_stages):
            for module in (self.transitions[i], self.stages[i]):
                module.eval()
            for p in chain(self.transitions[i].parameters(), self.stages[i].parameters()):
                p.requires_grad = False

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        return self
