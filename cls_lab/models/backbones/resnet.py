"""ResNet (He et al. 2015) with mmcls 0.x parameter names: ``conv1``, ``bn1``, ``layer1.0.conv1``...

A ResNet is a stem (7x7 conv + max-pool) followed by 4 stages; each stage stacks residual
blocks (BasicBlock for depths 18/34, Bottleneck for 50/101/152) and halves the resolution.
"""
import torch.nn as nn
import torch.utils.checkpoint as cp
from torch.nn.modules.batchnorm import _BatchNorm
from torchvision.ops import StochasticDepth

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import (BaseModule, ConvModule, build_activation_layer, build_conv_layer,
                      build_norm_layer)
from ..init import constant_init


class _ResidualBlock(BaseModule):
    """What both blocks share: the norm1/norm2/norm3 views, drop path and checkpointing."""

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    @property
    def norm2(self):
        return getattr(self, self.norm2_name)

    def forward(self, x):
        def residual(x):
            out = self.drop_path(self.branch(x))
            return out + (x if self.downsample is None else self.downsample(x))

        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(residual, x, use_reentrant=False)
        else:
            out = residual(x)
        return self.relu(out)


def _drop_path(rate):
    """Stochastic depth on the residual branch (mmcv's DropPath maths), or nothing."""
    return StochasticDepth(rate, 'row') if rate > 1e-5 else nn.Identity()


class BasicBlock(_ResidualBlock):
    """Two 3x3 convs plus the identity shortcut (ResNet-18/34)."""
    expansion = 1

    def __init__(self, in_channels, out_channels, expansion=1, stride=1, dilation=1,
                 downsample=None, style='pytorch', with_cp=False, conv_cfg=None,
                 norm_cfg=dict(type='BN'), drop_path_rate=0.0,
                 act_cfg=dict(type='ReLU', inplace=True), groups=1, width_per_group=64,
                 base_channels=64, init_cfg=None):
        super().__init__(init_cfg)
        if expansion != 1 or out_channels % expansion:
            raise ArgumentError(f'BasicBlock needs expansion=1, got {expansion}')
        if groups != 1 or width_per_group != 64:
            raise ArgumentError('BasicBlock supports only groups=1 and width_per_group=64')
        self.in_channels, self.out_channels, self.expansion = in_channels, out_channels, expansion
        self.mid_channels, self.stride, self.with_cp = out_channels // expansion, stride, with_cp
        mid = self.mid_channels
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, mid, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, out_channels, postfix=2)
        self.conv1 = build_conv_layer(conv_cfg, in_channels, mid, 3, stride=stride,
                                      padding=dilation, dilation=dilation, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, mid, out_channels, 3, padding=1, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.relu = build_activation_layer(act_cfg)
        self.downsample = downsample
        self.drop_path = _drop_path(drop_path_rate)

    @property
    def last_norm(self):
        return self.norm2

    def branch(self, x):
        return self.norm2(self.conv2(self.relu(self.norm1(self.conv1(x)))))


class Bottleneck(_ResidualBlock):
    """1x1 reduce -> 3x3 -> 1x1 expand (x ``expansion``, 4), plus the shortcut (ResNet-50/101/152).

    ``style='pytorch'`` strides in the 3x3 conv (torchvision); ``'caffe'`` strides in the
    first 1x1 conv, the original MSRA models (maskrcnn-benchmark's ``stride_in_1x1=True``).
    """
    expansion = 4

    def __init__(self, in_channels, out_channels, expansion=4, stride=1, dilation=1,
                 downsample=None, style='pytorch', with_cp=False, conv_cfg=None,
                 norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU', inplace=True),
                 drop_path_rate=0.0, groups=1, width_per_group=64, base_channels=64,
                 init_cfg=None):
        super().__init__(init_cfg)
        if style not in ('pytorch', 'caffe'):
            raise ArgumentError(f"style must be 'pytorch' or 'caffe', got {style!r}")
        if out_channels % expansion:
            raise ArgumentError(f'out_channels {out_channels} is not a multiple of expansion {expansion}')
        self.in_channels, self.out_channels, self.expansion = in_channels, out_channels, expansion
        self.stride, self.style, self.with_cp = stride, style, with_cp
        mid = out_channels // expansion
        if groups != 1:                                    # ResNeXt: wider grouped 3x3
            mid = groups * width_per_group * mid // base_channels
        self.mid_channels = mid
        stride1, stride2 = (stride, 1) if style == 'caffe' else (1, stride)
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, mid, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, mid, postfix=2)
        self.norm3_name, norm3 = build_norm_layer(norm_cfg, out_channels, postfix=3)
        self.conv1 = build_conv_layer(conv_cfg, in_channels, mid, 1, stride=stride1, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, mid, mid, 3, stride=stride2, padding=dilation,
                                      dilation=dilation, groups=groups, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.conv3 = build_conv_layer(conv_cfg, mid, out_channels, 1, bias=False)
        self.add_module(self.norm3_name, norm3)
        self.relu = build_activation_layer(act_cfg)
        self.downsample = downsample
        self.drop_path = _drop_path(drop_path_rate)

    @property
    def norm3(self):
        return getattr(self, self.norm3_name)

    @property
    def last_norm(self):
        return self.norm3

    def branch(self, x):
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.relu(self.norm2(self.conv2(out)))
        return self.norm3(self.conv3(out))


def get_expansion(block, expansion=None):
    """The out/mid channel ratio of a block: ``expansion`` if given, else the block's own."""
    if expansion is None:
        if not hasattr(block, 'expansion'):
            raise ArgumentError(f'expansion is not given and {block.__name__} has no expansion')
        expansion = block.expansion
    if not isinstance(expansion, int) or expansion <= 0:
        raise ArgumentError(f'expansion must be a positive int or None, got {expansion!r}')
    return expansion


class ResLayer(nn.Sequential):
    """One stage: ``num_blocks`` blocks, the first one changing stride/channels.

    The shortcut of the first block needs a 1x1 conv (``downsample``) when the shape changes;
    ``avg_down`` (ResNet-D) average-pools first so the 1x1 conv sees every pixel.
    """

    def __init__(self, block, num_blocks, in_channels, out_channels, expansion=None, stride=1,
                 avg_down=False, conv_cfg=None, norm_cfg=dict(type='BN'), **block_kwargs):
        self.block, self.expansion = block, get_expansion(block, expansion)
        downsample = None
        if stride != 1 or in_channels != out_channels:
            layers, conv_stride = [], stride
            if avg_down and stride != 1:
                layers.append(nn.AvgPool2d(stride, stride, ceil_mode=True, count_include_pad=False))
                conv_stride = 1
            layers += [build_conv_layer(conv_cfg, in_channels, out_channels, 1,
                                        stride=conv_stride, bias=False),
                       build_norm_layer(norm_cfg, out_channels)[1]]
            downsample = nn.Sequential(*layers)
        common = dict(expansion=self.expansion, conv_cfg=conv_cfg, norm_cfg=norm_cfg, **block_kwargs)
        blocks = [block(in_channels, out_channels, stride=stride, downsample=downsample, **common)]
        blocks += [block(out_channels, out_channels, **common) for _ in range(1, num_blocks)]
        super().__init__(*blocks)


def make_res_layer(block, num_blocks, in_channels, out_channels, **kwargs):
    """The stage builder by its first cls_lab name: ``ResLayer(...)``."""
    return ResLayer(block, num_blocks, in_channels, out_channels, **kwargs)


@MODELS.register_module()
class ResNet(BaseModule):
    """ResNet backbone: returns a tuple with the outputs of the stages in ``out_indices``.

    ``frozen_stages=k`` freezes the stem and stages 1..k; ``norm_eval=True`` keeps every BN
    in eval mode (running statistics frozen) even inside ``model.train()``.
    """
    arch_settings = {18: (BasicBlock, (2, 2, 2, 2)), 34: (BasicBlock, (3, 4, 6, 3)),
                     50: (Bottleneck, (3, 4, 6, 3)), 101: (Bottleneck, (3, 4, 23, 3)),
                     152: (Bottleneck, (3, 8, 36, 3))}

    def __init__(self, depth, in_channels=3, stem_channels=64, base_channels=64, expansion=None,
                 num_stages=4, strides=(1, 2, 2, 2), dilations=(1, 1, 1, 1), out_indices=(3,),
                 style='pytorch', deep_stem=False, avg_down=False, frozen_stages=-1,
                 conv_cfg=None, norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
                 with_cp=False, zero_init_residual=True,
                 init_cfg=(dict(type='Kaiming', layer=['Conv2d']),
                           dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])),
                 drop_path_rate=0.0, groups=1, width_per_group=64):
        super().__init__(list(init_cfg) if isinstance(init_cfg, tuple) else init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'invalid depth {depth} for {type(self).__name__}; '
                           f'choose from {sorted(self.arch_settings)}')
        if not 1 <= num_stages <= 4:
            raise ArgumentError(f'num_stages must be in 1..4, got {num_stages}')
        if len(strides) < num_stages or len(dilations) < num_stages:
            raise ArgumentError(f'strides {strides} and dilations {dilations} need {num_stages} '
                                'entries (one per stage)')
        out_indices = tuple(i + num_stages if i < 0 else i for i in out_indices)
        if any(not 0 <= i < num_stages for i in out_indices):
            raise ArgumentError(f'out_indices {out_indices} out of range for {num_stages} stages')
        self.depth, self.num_stages, self.out_indices = depth, num_stages, out_indices
        self.stem_channels = stem_channels
        self.base_channels, self.style = base_channels, style
        self.deep_stem, self.avg_down = deep_stem, avg_down
        self.frozen_stages, self.norm_eval = frozen_stages, norm_eval
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.zero_init_residual = zero_init_residual
        self.block, stage_blocks = self.arch_settings[depth]
        self.stage_blocks = stage_blocks[:num_stages]
        self.expansion = get_expansion(self.block, expansion)

        self._make_stem_layer(in_channels, self.stem_channels)
        self.res_layers = []
        channels = self.stem_channels
        for i, num_blocks in enumerate(self.stage_blocks):
            out_channels = base_channels * 2 ** i * self.expansion
            layer = self.make_res_layer(
                block=self.block, num_blocks=num_blocks, in_channels=channels,
                out_channels=out_channels, expansion=self.expansion, stride=strides[i],
                dilation=dilations[i], avg_down=avg_down, style=style, with_cp=with_cp,
                conv_cfg=conv_cfg, norm_cfg=norm_cfg, drop_path_rate=drop_path_rate,
                groups=groups, width_per_group=width_per_group, base_channels=base_channels)
            self.add_module(f'layer{i + 1}', layer)
            self.res_layers.append(f'layer{i + 1}')
            channels = out_channels
        self.feat_dim = channels
        self._freeze_stages()

    def make_res_layer(self, **kwargs):
        """One stage; subclasses (SE-ResNet) add block arguments or swap the stage here."""
        return ResLayer(**kwargs)

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    def _make_stem_layer(self, in_channels, stem_channels):
        """7x7/2 conv + norm + ReLU + 3x3/2 max-pool (or three 3x3 convs with ``deep_stem``)."""
        if self.deep_stem:
            half = stem_channels // 2
            self.stem = nn.Sequential(
                ConvModule(in_channels, half, 3, 2, 1, conv_cfg=self.conv_cfg,
                           norm_cfg=self.norm_cfg, act_cfg=dict(type='ReLU', inplace=True)),
                ConvModule(half, half, 3, 1, 1, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                           act_cfg=dict(type='ReLU', inplace=True)),
                ConvModule(half, stem_channels, 3, 1, 1, conv_cfg=self.conv_cfg,
                           norm_cfg=self.norm_cfg, act_cfg=dict(type='ReLU', inplace=True)))
        else:
            self.conv1 = build_conv_layer(self.conv_cfg, in_channels, stem_channels, 7,
                                          stride=2, padding=3, bias=False)
            self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
            self.add_module(self.norm1_name, norm1)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def _stem_modules(self):
        return [self.stem] if self.deep_stem else [self.conv1, self.norm1]

    def forward_stem(self, x):
        """Stem only: what every stage builds on."""
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        return self.maxpool(x)

    def forward(self, x):
        x = self.forward_stem(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self):
        if self.frozen_stages < 0:
            return
        frozen = self._stem_modules() + [getattr(self, f'layer{i}')
                                         for i in range(1, self.frozen_stages + 1)]
        for module in frozen:
            module.eval()
            for p in module.parameters():
                p.requires_grad = False

    def init_weights(self):
        super().init_weights()
        if _has_pretrained(self.init_cfg) or not self.zero_init_residual:
            return
        for module in self.modules():          # each block starts as (almost) the identity
            if isinstance(module, (BasicBlock, Bottleneck)):
                constant_init(module.last_norm, 0)

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self


def _has_pretrained(init_cfg):
    cfgs = [init_cfg] if isinstance(init_cfg, dict) else (init_cfg or [])
    return any(c.get('type') == 'Pretrained' for c in cfgs)


@MODELS.register_module()
class ResNetV1c(ResNet):
    """ResNet-C: the 7x7 stem replaced by three 3x3 convs."""

    def __init__(self, **kwargs):
        super().__init__(deep_stem=True, avg_down=False, **kwargs)


@MODELS.register_module()
class ResNetV1d(ResNet):
    """ResNet-D: deep stem plus average-pool before the strided 1x1 shortcut conv."""

    def __init__(self, **kwargs):
        super().__init__(deep_stem=True, avg_down=True, **kwargs)
