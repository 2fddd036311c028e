"""ConvNeXt (Liu et al. 2022): a ResNet modernised step by step until it matches Swin.

The steps, each visible in ``ConvNeXtBlock``: a 4x4 stride-4 "patchify" stem; a 7x7
depthwise conv for large receptive fields; LayerNorm instead of BatchNorm, once per block;
an inverted bottleneck (1x1 expands 4x, GELU, 1x1 projects back); layer scale (``gamma``,
starting at 1e-6) so each residual branch starts almost switched off; separate 2x2
stride-2 downsampling layers between stages.
"""
from functools import partial
from itertools import chain

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from torchvision.ops import StochasticDepth

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import NORM_LAYERS, BaseModule, build_activation_layer, build_norm_layer


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an (N, C, H, W) map (config type ``'LN2d'``)."""

    def __init__(self, num_channels, **kwargs):
        super().__init__(num_channels, **kwargs)
        self.num_channels = self.normalized_shape[0]

    def forward(self, x):
        if x.dim() != 4:
            raise ArgumentError(f'LayerNorm2d expects (N, C, H, W), got shape {tuple(x.shape)}')
        return self.forward_channels_last(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

    def forward_channels_last(self, x):
        """The same normalisation on an (N, H, W, C) tensor."""
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


NORM_LAYERS['LN2d'] = (LayerNorm2d, 'ln')


class ConvNeXtBlock(BaseModule):
    """dwconv 7x7 -> LayerNorm -> pw 4x expand -> GELU -> pw project -> gamma -> + shortcut.

    ``linear_pw_conv=True`` does the 1x1 convs as ``nn.Linear`` on channels-last tensors
    (same maths as 1x1 convs, the layout of the official checkpoints).
    """

    def __init__(self, in_channels, norm_cfg=dict(type='LN2d', eps=1e-6),
                 act_cfg=dict(type='GELU'), mlp_ratio=4., linear_pw_conv=True,
                 drop_path_rate=0., layer_scale_init_value=1e-6, with_cp=False):
        super().__init__()
        self.with_cp, self.linear_pw_conv = with_cp, linear_pw_conv
        self.depthwise_conv = nn.Conv2d(in_channels, in_channels, kernel_size=7, padding=3,
                                        groups=in_channels)
        self.norm = build_norm_layer(norm_cfg, in_channels)[1]
        mid_channels = int(mlp_ratio * in_channels)
        pw_conv = nn.Linear if linear_pw_conv else partial(nn.Conv2d, kernel_size=1)
        self.pointwise_conv1 = pw_conv(in_channels, mid_channels)
        self.act = build_activation_layer(act_cfg)
        self.pointwise_conv2 = pw_conv(mid_channels, in_channels)
        self.gamma = nn.Parameter(layer_scale_init_value * torch.ones(in_channels)) \
            if layer_scale_init_value > 0 else None
        self.drop_path = StochasticDepth(drop_path_rate, 'row') if drop_path_rate > 0 \
            else nn.Identity()

    def _inner_forward(self, x):
        shortcut = x
        x = self.depthwise_conv(x)
        if self.linear_pw_conv:                  # (N, C, H, W) -> (N, H, W, C) once
            x = x.permute(0, 2, 3, 1)
            x = self.norm.forward_channels_last(x) if isinstance(self.norm, LayerNorm2d) \
                else self.norm(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
            x = self.pointwise_conv2(self.act(self.pointwise_conv1(x)))
            if self.gamma is not None:
                x = x * self.gamma
            x = x.permute(0, 3, 1, 2)
        else:
            x = self.pointwise_conv2(self.act(self.pointwise_conv1(self.norm(x))))
            if self.gamma is not None:
                x = x * self.gamma.view(1, -1, 1, 1)
        return shortcut + self.drop_path(x)

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._inner_forward, x, use_reentrant=False)
        return self._inner_forward(x)


@MODELS.register_module()
class ConvNeXt(BaseModule):
    """ConvNeXt backbone: ``downsample_layers[i]`` then ``stages[i]``, four times.

    Stage ``i`` in ``out_indices`` is normalised by ``norm{i}``; with
    ``gap_before_final_norm=True`` (classification) it is first averaged to (N, C).
    ``frozen_stages=k`` freezes the first k (downsample, stage) pairs.
    """
    arch_settings = {
        'tiny': dict(depths=[3, 3, 9, 3], channels=[96, 192, 384, 768]),
        'small': dict(depths=[3, 3, 27, 3], channels=[96, 192, 384, 768]),
        'base': dict(depths=[3, 3, 27, 3], channels=[128, 256, 512, 1024]),
        'large': dict(depths=[3, 3, 27, 3], channels=[192, 384, 768, 1536]),
        'xlarge': dict(depths=[3, 3, 27, 3], channels=[256, 512, 1024, 2048]),
    }

    def __init__(self, arch='tiny', in_channels=3, stem_patch_size=4,
                 norm_cfg=dict(type='LN2d', eps=1e-6), act_cfg=dict(type='GELU'),
                 linear_pw_conv=True, drop_path_rate=0., layer_scale_init_value=1e-6,
                 out_indices=-1, frozen_stages=0, gap_before_final_norm=True, with_cp=False,
                 init_cfg=None):
        super().__init__(init_cfg)
        arch = self._arch(arch)
        self.depths, self.channels = arch['depths'], arch['channels']
        self.num_stages = len(self.depths)
        indices = [out_indices] if isinstance(out_indices, int) else list(out_indices)
        self.out_indices = [i + 4 if i < 0 else i for i in indices]   # as mmcls: -1 is stage 3
        if any(not 0 <= i < self.num_stages for i in self.out_indices):
            raise ArgumentError(f'ConvNeXt: out_indices {out_indices} must index the '
                                f'{self.num_stages} stages')
        self.frozen_stages, self.gap_before_final_norm = frozen_stages, gap_before_final_norm

        dpr = torch.linspace(0, drop_path_rate, sum(self.depths), device='cpu').tolist()
        self.downsample_layers = nn.ModuleList([nn.Sequential(
            nn.Conv2d(in_channels, self.channels[0], stem_patch_size, stride=stem_patch_size),
            build_norm_layer(norm_cfg, self.channels[0])[1])])
        self.stages = nn.ModuleList()
        for i, (depth, channels) in enumerate(zip(self.depths, self.channels)):
            if i >= 1:
                self.downsample_layers.append(nn.Sequential(
                    LayerNorm2d(self.channels[i - 1]),
                    nn.Conv2d(self.channels[i - 1], channels, kernel_size=2, stride=2)))
            self.stages.append(nn.Sequential(*[ConvNeXtBlock(
                channels, norm_cfg=norm_cfg, act_cfg=act_cfg, linear_pw_conv=linear_pw_conv,
                drop_path_rate=dpr[j], layer_scale_init_value=layer_scale_init_value,
                with_cp=with_cp) for j in range(sum(self.depths[:i]), sum(self.depths[:i + 1]))]))
            if i in self.out_indices:
                self.add_module(f'norm{i}', build_norm_layer(norm_cfg, channels)[1])
        self._freeze_stages()

    def _arch(self, arch):
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise KeyError(f'ConvNeXt: arch {arch!r} unknown; choose from '
                               f'{sorted(self.arch_settings)} or pass a dict')
            return self.arch_settings[arch]
        if not isinstance(arch, dict) or not {'depths', 'channels'} <= set(arch) \
                or len(arch['depths']) != len(arch['channels']):
            raise KeyError('ConvNeXt: a custom arch must be a dict with "depths" and "channels" '
                           f'lists of the same length, got {arch!r}')
        return arch

    def forward(self, x):
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(self.downsample_layers[i](x))
            if i in self.out_indices:
                norm = getattr(self, f'norm{i}')
                if self.gap_before_final_norm:
                    outs.append(norm(x.mean([-2, -1], keepdim=True)).flatten(1))
                else:
                    outs.append(norm(x).contiguous())
        return tuple(outs)

    def _freeze_stages(self):
        for i in range(self.frozen_stages):
            self.downsample_layers[i].eval()
            self.stages[i].eval()
            for p in chain(self.downsample_layers[i].parameters(), self.stages[i].parameters()):
                p.requires_grad = False

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        return self
