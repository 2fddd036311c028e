"""Swin Transformer (Liu et al. 2021): attention inside local windows, a CNN-like pyramid.

Global attention costs grow with the square of the token count; Swin attends only inside
7x7 windows (linear cost) and shifts the windows by half their size every other block, so
neighbouring windows exchange information. ``PatchMerging`` halves the grid between
stages (56 -> 28 -> 14 -> 7 at 224 input), giving four feature maps like a ResNet's.
"""
from copy import deepcopy

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from torch.nn.modules.batchnorm import _BatchNorm

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, build_norm_layer
from ..utils.attention import ShiftWindowMSA
from ..utils.embed import PatchEmbed, PatchMerging, resize_pos_embed
from ..utils.ffn import FFN


class SwinBlock(BaseModule):
    """``x + attn(norm1(x))`` then ``x + ffn(norm2(x))``, attention in (shifted) windows."""

    def __init__(self, embed_dims, num_heads, window_size=7, shift=False, ffn_ratio=4.,
                 drop_path=0., pad_small_map=False, attn_cfgs=dict(), ffn_cfgs=dict(),
                 norm_cfg=dict(type='LN'), with_cp=False, init_cfg=None):
        super().__init__(init_cfg)
        self.with_cp = with_cp
        drop = dict(type='DropPath', drop_prob=drop_path)
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = ShiftWindowMSA(**{
            **dict(embed_dims=embed_dims, num_heads=num_heads, window_size=window_size,
                   shift_size=window_size // 2 if shift else 0, dropout_layer=drop,
                   pad_small_map=pad_small_map),
            **attn_cfgs})
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = FFN(**{
            **dict(embed_dims=embed_dims, feedforward_channels=int(embed_dims * ffn_ratio),
                   num_fcs=2, ffn_drop=0, dropout_layer=drop, act_cfg=dict(type='GELU')),
            **ffn_cfgs})

    def _inner_forward(self, x, hw_shape):
        x = x + self.attn(self.norm1(x), hw_shape)
        return self.ffn(self.norm2(x), identity=x)

    def forward(self, x, hw_shape):
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._inner_forward, x, hw_shape, use_reentrant=False)
        return self._inner_forward(x, hw_shape)


class SwinBlockSequence(BaseModule):
    """One stage: ``depth`` blocks alternating plain / shifted windows, then (optionally)
    a ``PatchMerging`` that halves the grid and doubles the width."""

    def __init__(self, embed_dims, depth, num_heads, window_size=7, downsample=False,
                 downsample_cfg=dict(), drop_paths=0., block_cfgs=dict(), with_cp=False,
                 pad_small_map=False, init_cfg=None):
        super().__init__(init_cfg)
        drop_paths = drop_paths if isinstance(drop_paths, (list, tuple)) else [drop_paths] * depth
        if not isinstance(block_cfgs, (list, tuple)):
            block_cfgs = [deepcopy(block_cfgs) for _ in range(depth)]
        self.embed_dims = embed_dims
        self.blocks = nn.ModuleList(SwinBlock(**{
            **dict(embed_dims=embed_dims, num_heads=num_heads, window_size=window_size,
                   shift=i % 2 == 1, drop_path=drop_paths[i], with_cp=with_cp,
                   pad_small_map=pad_small_map),
            **block_cfgs[i]}) for i in range(depth))
        self.downsample = PatchMerging(**{
            **dict(in_channels=embed_dims, out_channels=2 * embed_dims, norm_cfg=dict(type='LN')),
            **downsample_cfg}) if downsample else None

    def forward(self, x, in_shape, do_downsample=True):
        for block in self.blocks:
            x = block(x, in_shape)
        if self.downsample is not None and do_downsample:
            return self.downsample(x, in_shape)
        return x, in_shape

    @property
    def out_channels(self):
        return self.downsample.out_channels if self.downsample else self.embed_dims


@MODELS.register_module()
class SwinTransformer(BaseModule):
    """Swin backbone; stage ``i`` in ``out_indices`` gives ``norm{i}`` of its (B, C, H, W) map.

    ``out_after_downsample=True`` reports each stage after its patch merging instead of
    before. ``window_size`` 7 suits 224 input (7 divides 56, 28, 14, 7); the 384 configs
    use 12 via ``stage_cfgs=dict(block_cfgs=dict(window_size=12))``.
    """
    arch_zoo = {
        **dict.fromkeys(['t', 'tiny'], dict(embed_dims=96, depths=[2, 2, 6, 2],
                                            num_heads=[3, 6, 12, 24])),
        **dict.fromkeys(['s', 'small'], dict(embed_dims=96, depths=[2, 2, 18, 2],
                                             num_heads=[3, 6, 12, 24])),
        **dict.fromkeys(['b', 'base'], dict(embed_dims=128, depths=[2, 2, 18, 2],
                                            num_heads=[4, 8, 16, 32])),
        **dict.fromkeys(['l', 'large'], dict(embed_dims=192, depths=[2, 2, 18, 2],
                                             num_heads=[6, 12, 24, 48])),
    }
    _version = 3             # saved in checkpoints; older ones are converted on load
    num_extra_tokens = 0

    def __init__(self, arch='tiny', img_size=224, patch_size=4, in_channels=3, window_size=7,
                 drop_rate=0., drop_path_rate=0.1, out_indices=(3,), out_after_downsample=False,
                 use_abs_pos_embed=False, interpolate_mode='bicubic', with_cp=False,
                 frozen_stages=-1, norm_eval=False, pad_small_map=False,
                 norm_cfg=dict(type='LN'), stage_cfgs=dict(), patch_cfg=dict(), init_cfg=None):
        super().__init__(init_cfg)
        self.arch_settings = self._arch(arch)
        self.embed_dims = self.arch_settings['embed_dims']
        self.depths, self.num_heads = self.arch_settings['depths'], self.arch_settings['num_heads']
        self.num_layers = len(self.depths)
        if any(not 0 <= i < self.num_layers for i in out_indices):
            raise ArgumentError(f'SwinTransformer: out_indices {out_indices} must be in '
                                f'0..{self.num_layers - 1}')
        self.out_indices, self.out_after_downsample = out_indices, out_after_downsample
        self.use_abs_pos_embed, self.interpolate_mode = use_abs_pos_embed, interpolate_mode
        self.frozen_stages, self.norm_eval = frozen_stages, norm_eval
        self.patch_embed = PatchEmbed(**{
            **dict(in_channels=in_channels, input_size=img_size, embed_dims=self.embed_dims,
                   conv_type='Conv2d', kernel_size=patch_size, stride=patch_size,
                   norm_cfg=dict(type='LN')),
            **patch_cfg})
        self.patch_resolution = self.patch_embed.init_out_size
        if use_abs_pos_embed:
            h, w = self.patch_resolution
            self.absolute_pos_embed = nn.Parameter(torch.zeros(1, h * w, self.embed_dims))
            self._register_load_state_dict_pre_hook(self._resize_loaded_abs_pos_embed)
        self._register_load_state_dict_pre_hook(self._check_loaded_bias_tables)
        self.drop_after_pos = nn.Dropout(p=drop_rate)

        dpr = torch.linspace(0, drop_path_rate, sum(self.depths), device='cpu').tolist()
        self.stages = nn.ModuleList()
        widths = [self.embed_dims]
        for i, (depth, num_heads) in enumerate(zip(self.depths, self.num_heads)):
            stage_cfg = stage_cfgs[i] if isinstance(stage_cfgs, (list, tuple)) \
                else deepcopy(stage_cfgs)
            stage = SwinBlockSequence(**{
                **dict(embed_dims=widths[-1], depth=depth, num_heads=num_heads,
                       window_size=window_size, downsample=i < self.num_layers - 1,
                       drop_paths=dpr[:depth], with_cp=with_cp, pad_small_map=pad_small_map),
                **stage_cfg})
            self.stages.append(stage)
            dpr = dpr[depth:]
            widths.append(stage.out_channels)
        self.num_features = widths[1:] if out_after_downsample else widths[:-1]
        for i in out_indices:
            norm = build_norm_layer(norm_cfg, self.num_features[i])[1] if norm_cfg \
                else nn.Identity()
            self.add_module(f'norm{i}', norm)

    def _arch(self, arch):
        if isinstance(arch, str):
            if arch.lower() not in self.arch_zoo:
                raise KeyError(f'SwinTransformer: arch {arch!r} unknown; choose from '
                               f'{sorted(self.arch_zoo)} or pass a dict')
            return self.arch_zoo[arch.lower()]
        essential = {'embed_dims', 'depths', 'num_heads'}
        if not isinstance(arch, dict) or set(arch) != essential:
            raise KeyError(f'SwinTransformer: a custom arch must be a dict with exactly the keys '
                           f'{sorted(essential)}, got {arch!r}')
        return arch

    def init_weights(self):
        super().init_weights()
        pretrained = isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'
        if self.use_abs_pos_embed and not pretrained:
            nn.init.trunc_normal_(self.absolute_pos_embed, std=0.02)

    def forward(self, x):
        x, hw_shape = self.patch_embed(x)
        if self.use_abs_pos_embed:
            x = x + resize_pos_embed(self.absolute_pos_embed, self.patch_resolution, hw_shape,
                                     self.interpolate_mode, self.num_extra_tokens)
        x = self.drop_after_pos(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x, hw_shape = stage(x, hw_shape, do_downsample=self.out_after_downsample)
            if i in self.out_indices:
                out = getattr(self, f'norm{i}')(x)
                outs.append(out.view(-1, *hw_shape, self.num_features[i])
                            .permute(0, 3, 1, 2).contiguous())
            if stage.downsample is not None and not self.out_after_downsample:
                x, hw_shape = stage.downsample(x, hw_shape)
        return tuple(outs)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, *args, **kwargs):
        """Checkpoints before version 2 call the last norm ``norm``; before 3 they store masks."""
        version = local_metadata.get('version')
        if (version is None or version < 2) and type(self) is SwinTransformer:
            last = f'{prefix}norm{len(self.stages) - 1}.'
            for k in [k for k in state_dict if k.startswith(prefix + 'norm.')]:
                state_dict[last + k[len(prefix + 'norm.'):]] = state_dict.pop(k)
        if (version is None or version < 3) and type(self) is SwinTransformer:
            for k in [k for k in state_dict if 'attn_mask' in k]:
                del state_dict[k]
        super()._load_from_state_dict(state_dict, prefix, local_metadata, *args, **kwargs)

    def _resize_loaded_abs_pos_embed(self, state_dict, prefix, *args, **kwargs):
        name = prefix + 'absolute_pos_embed'
        if name not in state_dict or state_dict[name].shape == self.absolute_pos_embed.shape:
            return
        side = int(state_dict[name].shape[1] ** 0.5)
        state_dict[name] = resize_pos_embed(state_dict[name], (side, side),
                                            self.patch_embed.init_out_size,
                                            self.interpolate_mode, self.num_extra_tokens)

    def _check_loaded_bias_tables(self, state_dict, prefix, *args, **kwargs):
        """Deliberate difference: mmcls resizes bias tables of another window size with scipy's
        removed ``interp2d``; here the mismatch is a clear error instead."""
        for key, table in self.state_dict().items():
            loaded = state_dict.get(prefix + key)
            if 'relative_position_bias_table' in key and loaded is not None \
                    and loaded.shape != table.shape:
                raise ArgumentError(f'SwinTransformer: checkpoint {prefix + key} has shape '
                                    f'{tuple(loaded.shape)}, the model {tuple(table.shape)}: the '
                                    'window_size differs; build with the checkpoint\'s window size')

    def _freeze_stages(self):
        if self.frozen_stages >= 0:
            self.patch_embed.eval()
            for p in self.patch_embed.parameters():
                p.requires_grad = False
        for i in range(self.frozen_stages + 1):
            self.stages[i].eval()
            for p in self.stages[i].parameters():
                p.requires_grad = False
        for i in self.out_indices:
            if i <= self.frozen_stages:
                for p in getattr(self, f'norm{i}').parameters():
                    p.requires_grad = False

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
