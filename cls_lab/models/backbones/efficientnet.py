"""EfficientNet (Tan & Le 2019, https://arxiv.org/abs/1905.11946), and EfficientNet-EdgeTPU.

One baseline (B0) of MBConv blocks, scaled up by *compound scaling*: each arch multiplies
the widths by ``w`` and the number of blocks per run by ``d`` (and trains at a larger
resolution). ``model_scaling`` does exactly that to the B0 table; read it first.
The EdgeTPU variants (es/em/el) use a fused "edge residual" (one full kxk conv) early on.
"""
import copy
import math

import torch.nn as nn
import torch.utils.checkpoint as cp
from torchvision.ops import StochasticDepth

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, ConvModule
from ..utils.inverted_residual import InvertedResidual
from ..utils.make_divisible import make_divisible
from ..utils.se_layer import SELayer
from .freezing import batchnorms_to_eval, freeze


class EdgeResidual(BaseModule):
    """Fused MBConv: one kxk conv expands (no depthwise), [SE], a 1x1 conv projects."""

    def __init__(self, in_channels, out_channels, mid_channels, kernel_size=3, stride=1,
                 se_cfg=None, with_residual=True, conv_cfg=None, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'), drop_path_rate=0., with_cp=False, init_cfg=None):
        super().__init__(init_cfg)
        if stride not in (1, 2):
            raise ArgumentError(f'EdgeResidual stride must be 1 or 2, got {stride}')
        self.with_cp, self.with_se = with_cp, se_cfg is not None
        self.with_residual = stride == 1 and in_channels == out_channels and with_residual
        self.drop_path = (StochasticDepth(drop_path_rate, 'row') if drop_path_rate > 0
                          else nn.Identity())
        kw = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.conv1 = ConvModule(in_channels, mid_channels, kernel_size, 1, kernel_size // 2,
                                act_cfg=act_cfg, **kw)
        if self.with_se:
            self.se = SELayer(**se_cfg)
        self.conv2 = ConvModule(mid_channels, out_channels, 1, stride, 0, act_cfg=None, **kw)

    def _branch(self, x):
        out = self.conv1(x)
        out = self.conv2(self.se(out) if self.with_se else out)
        return x + self.drop_path(out) if self.with_residual else out

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._branch, x, use_reentrant=False)
        return self._branch(x)


def _split_runs(stage):
    """Cut a stage into runs of blocks with the same output channels."""
    runs = [[stage[0]]]
    for block in stage[1:]:
        if block[1] == runs[-1][-1][1]:
            runs[-1].append(block)
        else:
            runs.append([block])
    return runs


def model_scaling(layer_setting, arch_setting):
    """Scale a stage table: widths x ``arch_setting[0]``, blocks per run x ``[1]`` (ceil).

    Stem and last conv keep one block. A run that grows repeats its last block; a run that
    starts with stride 1 (a width change inside a stage) joins the stage before it again.
    """
    width, depth = arch_setting[0], arch_setting[1]
    setting = copy.deepcopy(layer_setting)
    for stage in setting:
        for block in stage:
            block[1] = make_divisible(block[1] * width, 8)
    stages = [setting[0]]
    runs = [run for stage in setting[1:-1] for run in _split_runs(stage)]
    for i, run in enumerate(runs):
        n = int(math.ceil(depth * len(run)))
        run = run[:n] + [run[-1]] * (n - len(run))
        if i > 0 and run[0][3] == 1:
            stages[-1] = stages[-1] + run
        else:
            stages.append(run)
    return stages + [setting[-1]]


@MODELS.register_module()
class EfficientNet(BaseModule):
    """EfficientNet b0..b8 and EdgeTPU es/em/el: ``layers`` = stem, 5 block stages, last conv.

    Convs pad like TensorFlow (``Conv2dAdaptivePadding``) so the TF checkpoints fit;
    ``drop_path_rate`` grows linearly over the blocks; ``frozen_stages=k`` freezes
    ``layers[:k]``.
    """
    # per stage, per block: kernel, out channels, SE ratio, stride, expand ratio, block type
    # (0: MBConv, 1: edge residual, -1: plain conv)
    layer_settings = {
        'b': [[[3, 32, 0, 2, 0, -1]],
              [[3, 16, 4, 1, 1, 0]],
              [[3, 24, 4, 2, 6, 0], [3, 24, 4, 1, 6, 0]],
              [[5, 40, 4, 2, 6, 0], [5, 40, 4, 1, 6, 0]],
              [[3, 80, 4, 2, 6, 0], [3, 80, 4, 1, 6, 0], [3, 80, 4, 1, 6, 0],
               [5, 112, 4, 1, 6, 0], [5, 112, 4, 1, 6, 0], [5, 112, 4, 1, 6, 0]],
              [[5, 192, 4, 2, 6, 0], [5, 192, 4, 1, 6, 0], [5, 192, 4, 1, 6, 0],
               [5, 192, 4, 1, 6, 0], [3, 320, 4, 1, 6, 0]],
              [[1, 1280, 0, 1, 0, -1]]],
        'e': [[[3, 32, 0, 2, 0, -1]],
              [[3, 24, 0, 1, 3, 1]],
              [[3, 32, 0, 2, 8, 1], [3, 32, 0, 1, 8, 1]],
              [[3, 48, 0, 2, 8, 1], [3, 48, 0, 1, 8, 1], [3, 48, 0, 1, 8, 1],
               [3, 48, 0, 1, 8, 1]],
              [[5, 96, 0, 2, 8, 0], [5, 96, 0, 1, 8, 0], [5, 96, 0, 1, 8, 0],
               [5, 96, 0, 1, 8, 0], [5, 96, 0, 1, 8, 0], [5, 144, 0, 1, 8, 0],
               [5, 144, 0, 1, 8, 0], [5, 144, 0, 1, 8, 0], [5, 144, 0, 1, 8, 0]],
              [[5, 192, 0, 2, 8, 0], [5, 192, 0, 1, 8, 0]],
              [[1, 1280, 0, 1, 0, -1]]]}
    # width multiplier, depth multiplier, training resolution
    arch_settings = {'b0': (1.0, 1.0, 224), 'b1': (1.0, 1.1, 240), 'b2': (1.1, 1.2, 260),
                     'b3': (1.2, 1.4, 300), 'b4': (1.4, 1.8, 380), 'b5': (1.6, 2.2, 456),
                     'b6': (1.8, 2.6, 528), 'b7': (2.0, 3.1, 600), 'b8': (2.2, 3.6, 672),
                     'es': (1.0, 1.0, 224), 'em': (1.0, 1.1, 240), 'el': (1.2, 1.4, 300)}

    def __init__(self, arch='b0', drop_path_rate=0., out_indices=(6, ), frozen_stages=0,
                 conv_cfg=dict(type='Conv2dAdaptivePadding'), norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='Swish'), norm_eval=False, with_cp=False,
                 init_cfg=(dict(type='Kaiming', layer='Conv2d'),
                           dict(type='Constant', layer=['_BatchNorm', 'GroupNorm'], val=1))):
        super().__init__(list(init_cfg) if isinstance(init_cfg, tuple) else init_cfg)
        if arch not in self.arch_settings:
            raise KeyError(f'EfficientNet arch {arch!r} unknown; choose from '
                           f'{list(self.arch_settings)}')
        setting = model_scaling(self.layer_settings[arch[0]], self.arch_settings[arch])
        if any(i not in range(len(setting)) for i in out_indices):
            raise ArgumentError(f'EfficientNet out_indices must be in 0..{len(setting) - 1}, '
                                f'got {out_indices}')
        if frozen_stages not in range(len(setting) + 1):
            raise ArgumentError(f'EfficientNet frozen_stages must be in 0..{len(setting)}, '
                                f'got {frozen_stages}')
        self.arch, self.layer_setting = arch, setting
        self.out_indices, self.frozen_stages, self.norm_eval = out_indices, frozen_stages, norm_eval
        kw = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        (k0, c0, _, s0, _, _), (k1, c1, _, s1, _, _) = setting[0][0], setting[-1][0]
        self.layers = nn.ModuleList([ConvModule(3, c0, k0, s0, k0 // 2, **kw)])
        blocks = [b for stage in setting[1:-1] for b in stage]
        rates = [drop_path_rate * i / max(len(blocks) - 1, 1) for i in range(len(blocks))]
        in_channels = c0
        for stage in setting[1:-1]:
            layer = []
            for i, block in enumerate(stage):
                layer.append(self._make_block(i, block, in_channels, rates.pop(0),
                                              with_cp, **kw))
                in_channels = block[1]
            self.layers.append(nn.Sequential(*layer))
        self.layers.append(ConvModule(in_channels, c1, k1, s1, k1 // 2, **kw))

    @staticmethod
    def _make_block(index, block, in_channels, drop_path_rate, with_cp, act_cfg, **kw):
        kernel, out_channels, se_ratio, stride, expand, block_type = block
        with_residual = True
        if block_type == 1 and index > 0 and expand == 3:   # EdgeTPU: repeated first block
            with_residual, expand = False, 4
        mid = int(in_channels * expand)
        se_cfg = None
        if se_ratio > 0:
            se_cfg = dict(channels=mid, ratio=expand * se_ratio, divisor=1,
                          act_cfg=(act_cfg, dict(type='Sigmoid')))
        args = dict(in_channels=in_channels, out_channels=out_channels, mid_channels=mid,
                    kernel_size=kernel, stride=stride, se_cfg=se_cfg, act_cfg=act_cfg,
                    drop_path_rate=drop_path_rate, with_cp=with_cp, **kw)
        if block_type == 1:
            return EdgeResidual(with_residual=with_residual, **args)
        return InvertedResidual(**args)

    def forward(self, x):
        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode=True):
        super().train(mode)
        freeze(self.layers[:self.frozen_stages])
        if mode and self.norm_eval:
            batchnorms_to_eval(self)
        return self
