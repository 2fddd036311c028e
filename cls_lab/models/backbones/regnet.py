"""RegNet (Radosavovic et al. 2020, https://arxiv.org/abs/2003.13678): widths from a formula.

Instead of hand-picking stage widths, a RegNet draws them from a quantised linear rule:
block j gets width ``w0 + wa * j``, snapped to ``w0 * wm**k`` and to a multiple of 8; runs
of equal width become stages. The blocks are ResNeXt bottlenecks without the 4x expansion.
"""
import numpy as np
import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, build_conv_layer, build_norm_layer
from .resnet import Bottleneck, ResNet, make_res_layer


class RegNetBottleneck(Bottleneck):
    """A ResNeXt bottleneck whose middle width equals its output width (expansion 1)."""
    expansion = 1


@MODELS.register_module()
class RegNet(ResNet):
    """RegNetX backbone: ``arch`` is a name (``'regnetx_400mf'``...) or a dict with
    ``w0, wa, wm, group_w, depth, bot_mul``; the stem is one 3x3/2 conv (no max-pool).

    Keys, ``out_indices``, ``frozen_stages``, ``norm_eval`` and ``zero_init_residual`` are
    the ResNet ones (``conv1``, ``bn1``, ``layer1.0.conv1``...).
    """
    arch_settings = {
        'regnetx_400mf': dict(w0=24, wa=24.48, wm=2.54, group_w=16, depth=22, bot_mul=1.0),
        'regnetx_800mf': dict(w0=56, wa=35.73, wm=2.28, group_w=16, depth=16, bot_mul=1.0),
        'regnetx_1.6gf': dict(w0=80, wa=34.01, wm=2.25, group_w=24, depth=18, bot_mul=1.0),
        'regnetx_3.2gf': dict(w0=88, wa=26.31, wm=2.25, group_w=48, depth=25, bot_mul=1.0),
        'regnetx_4.0gf': dict(w0=96, wa=38.65, wm=2.43, group_w=40, depth=23, bot_mul=1.0),
        'regnetx_6.4gf': dict(w0=184, wa=60.83, wm=2.07, group_w=56, depth=17, bot_mul=1.0),
        'regnetx_8.0gf': dict(w0=80, wa=49.56, wm=2.88, group_w=120, depth=23, bot_mul=1.0),
        'regnetx_12gf': dict(w0=168, wa=73.36, wm=2.37, group_w=112, depth=19, bot_mul=1.0),
    }

    def __init__(self, arch, in_channels=3, stem_channels=32, base_channels=32,
                 strides=(2, 2, 2, 2), dilations=(1, 1, 1, 1), out_indices=(3, ),
                 style='pytorch', deep_stem=False, avg_down=False, frozen_stages=-1,
                 conv_cfg=None, norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
                 with_cp=False, zero_init_residual=True, init_cfg=None):
        BaseModule.__init__(self, init_cfg)        # ResNet's own depth table does not apply
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise KeyError(f'RegNet arch {arch!r} unknown; choose from '
                               f'{list(self.arch_settings)} or give a dict')
            arch = self.arch_settings[arch]
        elif not isinstance(arch, dict):
            raise ArgumentError(f'RegNet arch must be a name or a dict, got {type(arch).__name__}')
        if deep_stem:
            raise NotImplementedError('RegNet has no deep_stem variant')
        widths, num_stages = self.generate_regnet(arch['w0'], arch['wa'], arch['wm'],
                                                  arch['depth'])
        stage_widths, stage_blocks = self.get_stages_from_blocks(widths)
        self.bottleneck_ratio = [arch['bot_mul']] * num_stages
        self.stage_widths, self.group_widths = self.adjust_width_group(
            stage_widths, self.bottleneck_ratio, [arch['group_w']] * num_stages)
        if not 1 <= num_stages <= 4 or not len(strides) == len(dilations) == num_stages:
            raise ArgumentError(f'RegNet arch {arch} gives {num_stages} stages; strides '
                                f'{strides} and dilations {dilations} need one entry each')
        if max(out_indices) >= num_stages:
            raise ArgumentError(f'RegNet out_indices {out_indices} out of range for '
                                f'{num_stages} stages')
        self.depth, self.num_stages, self.stage_blocks = sum(stage_blocks), num_stages, stage_blocks
        self.stem_channels, self.base_channels = stem_channels, base_channels
        self.out_indices, self.style, self.deep_stem, self.avg_down = (
            out_indices, style, deep_stem, avg_down)
        self.frozen_stages, self.norm_eval = frozen_stages, norm_eval
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.zero_init_residual = zero_init_residual

        self._make_stem_layer(in_channels, stem_channels)
        self.res_layers, channels = [], stem_channels
        for i, num_blocks in enumerate(stage_blocks):
            width = self.stage_widths[i]
            groups = int(round(width * self.bottleneck_ratio[i])) // self.group_widths[i]
            layer = make_res_layer(
                RegNetBottleneck, num_blocks, channels, width, stride=strides[i],
                dilation=dilations[i], style=style, avg_down=avg_down, with_cp=with_cp,
                conv_cfg=conv_cfg, norm_cfg=norm_cfg, base_channels=width, groups=groups,
                width_per_group=self.group_widths[i])
            self.add_module(f'layer{i + 1}', layer)
            self.res_layers.append(f'layer{i + 1}')
            channels = width
        self.feat_dim = channels
        self._freeze_stages()

    def _make_stem_layer(self, in_channels, stem_channels):
        self.conv1 = build_conv_layer(self.conv_cfg, in_channels, stem_channels, 3, stride=2,
                                      padding=1, bias=False)
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)

    def forward_stem(self, x):
        return self.relu(getattr(self, self.norm1_name)(self.conv1(x)))

    @staticmethod
    def generate_regnet(initial_width, width_slope, width_parameter, depth, divisor=8):
        """Per-block widths from the linear rule, quantised; and how many distinct ones."""
        if width_slope < 0 or initial_width <= 0 or width_parameter <= 1 \
                or initial_width % divisor:
            raise ArgumentError(f'RegNet needs wa >= 0, w0 > 0 divisible by {divisor} and '
                                f'wm > 1; got w0={initial_width}, wa={width_slope}, '
                                f'wm={width_parameter}')
        continuous = np.arange(depth) * width_slope + initial_width
        exponents = np.round(np.log(continuous / initial_width) / np.log(width_parameter))
        widths = initial_width * np.power(width_parameter, exponents)
        widths = (np.round(widths / divisor) * divisor).astype(int).tolist()
        return widths, len(set(widths))

    @staticmethod
    def quantize_float(number, divisor):
        """The multiple of ``divisor`` nearest to ``number``."""
        return int(round(number / divisor) * divisor)

    def adjust_width_group(self, widths, bottleneck_ratio, groups):
        """Make each stage's bottleneck width a multiple of its group width."""
        bottleneck = [int(w * b) for w, b in zip(widths, bottleneck_ratio)]
        groups = [min(g, w) for g, w in zip(groups, bottleneck)]
        bottleneck = [self.quantize_float(w, g) for w, g in zip(bottleneck, groups)]
        return [int(w / b) for w, b in zip(bottleneck, bottleneck_ratio)], groups

    @staticmethod
    def get_stages_from_blocks(widths):
        """Runs of equal width -> (stage widths, blocks per stage)."""
        stage_widths, stage_blocks = [], []
        for w in widths:
            if stage_widths and stage_widths[-1] == w:
                stage_blocks[-1] += 1
            else:
                stage_widths.append(w)
                stage_blocks.append(1)
        return stage_widths, stage_blocks
