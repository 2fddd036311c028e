"""Vision Transformer (Dosovitskiy et al. 2021) and DeiT's distilled variant (Touvron et al. 2021).

An image is cut into 16x16 patches, each patch becomes a token (``patch_embed``), a learned
class token is prepended and a learned position embedding added (``pos_embed``): from then
on it is a plain transformer encoder, pre-norm blocks of attention + FFN. The class token's
final state is what the head classifies. Look at ``forward``: that is the whole model.
"""
import numpy as np
import torch
import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, build_norm_layer
from ..utils.attention import MultiheadAttention
from ..utils.embed import PatchEmbed, resize_pos_embed
from ..utils.ffn import FFN


class TransformerEncoderLayer(BaseModule):
    """``x + attn(ln1(x))`` then ``x + ffn(ln2(x))``; both branches share the drop-path rate."""

    def __init__(self, embed_dims, num_heads, feedforward_channels, drop_rate=0.,
                 attn_drop_rate=0., drop_path_rate=0., num_fcs=2, qkv_bias=True,
                 act_cfg=dict(type='GELU'), norm_cfg=dict(type='LN'), init_cfg=None):
        super().__init__(init_cfg)
        self.embed_dims = embed_dims
        drop_path = dict(type='DropPath', drop_prob=drop_path_rate)
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, embed_dims, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.attn = MultiheadAttention(embed_dims, num_heads, attn_drop=attn_drop_rate,
                                       proj_drop=drop_rate, dropout_layer=drop_path,
                                       qkv_bias=qkv_bias)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, embed_dims, postfix=2)
        self.add_module(self.norm2_name, norm2)
        self.ffn = FFN(embed_dims, feedforward_channels, num_fcs=num_fcs, ffn_drop=drop_rate,
                       dropout_layer=drop_path, act_cfg=act_cfg)

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    @property
    def norm2(self):
        return getattr(self, self.norm2_name)

    def init_weights(self):
        super().init_weights()
        for m in self.ffn.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.normal_(m.bias, std=1e-6)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return self.ffn(self.norm2(x), identity=x)


def _arch_settings(arch, zoo, owner):
    """The settings dict of a named arch, or a user dict checked for the essential keys."""
    if isinstance(arch, str):
        if arch.lower() not in zoo:
            raise KeyError(f'{owner}: arch {arch!r} unknown; choose from {sorted(zoo)} or '
                           'pass a dict')
        return zoo[arch.lower()]
    essential = {'embed_dims', 'num_layers', 'num_heads', 'feedforward_channels'}
    if not isinstance(arch, dict) or not essential <= set(arch):
        raise KeyError(f'{owner}: a custom arch must be a dict with keys {sorted(essential)}, '
                       f'got {arch!r}')
    return arch


@MODELS.register_module()
class VisionTransformer(BaseModule):
    """ViT backbone; each output stage is ``[patch_tokens (B, C, h, w), cls_token (B, C)]``
    (just the patch map when ``output_cls_token=False``).

    ``img_size`` only sizes ``pos_embed``: other input sizes work, the embedding is
    interpolated (``interpolate_mode``), and a checkpoint saved at another size is resized
    when loaded. ``out_indices`` count encoder layers (-1 = the last); an index past the
    last layer is an error here, where mmcls accepts ``num_layers`` and never outputs it.
    """
    arch_zoo = {
        **dict.fromkeys(['s', 'small'], dict(embed_dims=768, num_layers=8, num_heads=8,
                                             feedforward_channels=768 * 3)),
        **dict.fromkeys(['b', 'base'], dict(embed_dims=768, num_layers=12, num_heads=12,
                                            feedforward_channels=3072)),
        **dict.fromkeys(['l', 'large'], dict(embed_dims=1024, num_layers=24, num_heads=16,
                                             feedforward_channels=4096)),
        **dict.fromkeys(['deit-t', 'deit-tiny'], dict(embed_dims=192, num_layers=12,
                                                      num_heads=3, feedforward_channels=768)),
        **dict.fromkeys(['deit-s', 'deit-small'], dict(embed_dims=384, num_layers=12,
                                                       num_heads=6, feedforward_channels=1536)),
        **dict.fromkeys(['deit-b', 'deit-base'], dict(embed_dims=768, num_layers=12,
                                                      num_heads=12, feedforward_channels=3072)),
    }
    num_extra_tokens = 1   # the class token

    def __init__(self, arch='base', img_size=224, patch_size=16, in_channels=3, out_indices=-1,
                 drop_rate=0., drop_path_rate=0., qkv_bias=True,
                 norm_cfg=dict(type='LN', eps=1e-6), final_norm=True, with_cls_token=True,
                 output_cls_token=True, interpolate_mode='bicubic', patch_cfg=dict(),
                 layer_cfgs=dict(), init_cfg=None):
        super().__init__(init_cfg)
        self.arch_settings = _arch_settings(arch, self.arch_zoo, type(self).__name__)
        self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']
        self.img_size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        self.patch_embed = PatchEmbed(**{
            **dict(in_channels=in_channels, input_size=img_size, embed_dims=self.embed_dims,
                   conv_type='Conv2d', kernel_size=patch_size, stride=patch_size),
            **patch_cfg})
        self.patch_resolution = self.patch_embed.init_out_size
        num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        if output_cls_token and not with_cls_token:
            raise ArgumentError(f'{type(self).__name__}: output_cls_token=True needs '
                                'with_cls_token=True')
        self.with_cls_token, self.output_cls_token = with_cls_token, output_cls_token
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.interpolate_mode = interpolate_mode
        self.pos_embed = nn.Parameter(
            torch.zeros(1, num_patches + self.num_extra_tokens, self.embed_dims))
        self._register_load_state_dict_pre_hook(self._resize_loaded_pos_embed)
        self.drop_after_pos = nn.Dropout(p=drop_rate)
        self.out_indices = self._check_out_indices(out_indices)

        drop_paths = np.linspace(0, drop_path_rate, self.num_layers)   # deeper drops more
        layer_cfgs = [layer_cfgs] * self.num_layers if isinstance(layer_cfgs, dict) else layer_cfgs
        self.layers = nn.ModuleList(TransformerEncoderLayer(**{
            **dict(embed_dims=self.embed_dims, num_heads=self.arch_settings['num_heads'],
                   feedforward_channels=self.arch_settings['feedforward_channels'],
                   drop_rate=drop_rate, drop_path_rate=float(drop_paths[i]),
                   qkv_bias=qkv_bias, norm_cfg=norm_cfg),
            **layer_cfgs[i]}) for i in range(self.num_layers))
        self.final_norm = final_norm
        if final_norm:
            self.norm1_name, norm1 = build_norm_layer(norm_cfg, self.embed_dims, postfix=1)
            self.add_module(self.norm1_name, norm1)

    def _check_out_indices(self, out_indices):
        indices = [out_indices] if isinstance(out_indices, int) else list(out_indices)
        checked = [i + self.num_layers if i < 0 else i for i in indices]
        if any(not 0 <= i < self.num_layers for i in checked):
            raise ArgumentError(f'{type(self).__name__}: out_indices {out_indices} must index the '
                                f'{self.num_layers} encoder layers')
        return checked

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    def _is_pretrained(self):
        return isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'

    def init_weights(self):
        super().init_weights()
        if not self._is_pretrained():
            nn.init.trunc_normal_(self.pos_embed, std=0.02)

    def _resize_loaded_pos_embed(self, state_dict, prefix, *args, **kwargs):
        """A checkpoint trained at another image size: interpolate its position embedding."""
        name = prefix + 'pos_embed'
        if name not in state_dict or state_dict[name].shape == self.pos_embed.shape:
            return
        side = int(np.sqrt(state_dict[name].shape[1] - self.num_extra_tokens))
        state_dict[name] = resize_pos_embed(state_dict[name], (side, side),
                                            self.patch_embed.init_out_size,
                                            self.interpolate_mode, self.num_extra_tokens)

    def extra_tokens(self):
        """The learned tokens put before the patches (DeiT adds a distillation token)."""
        return [self.cls_token]

    def _stage_output(self, x, hw_shape):
        B, _, C = x.shape
        n = self.num_extra_tokens
        patches = x[:, n:] if self.with_cls_token else x
        patches = patches.reshape(B, *hw_shape, C).permute(0, 3, 1, 2)
        if not self.output_cls_token:
            return patches
        return [patches] + [x[:, i] for i in range(n)]

    def forward(self, x):
        B = x.shape[0]
        x, hw_shape = self.patch_embed(x)
        x = torch.cat([t.expand(B, -1, -1) for t in self.extra_tokens()] + [x], dim=1)
        x = x + resize_pos_embed(self.pos_embed, self.patch_resolution, hw_shape,
                                 mode=self.interpolate_mode,
                                 num_extra_tokens=self.num_extra_tokens)
        x = self.drop_after_pos(x)
        if not self.with_cls_token:
            x = x[:, self.num_extra_tokens:]
        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == len(self.layers) - 1 and self.final_norm:
                x = self.norm1(x)
            if i in self.out_indices:
                outs.append(self._stage_output(x, hw_shape))
        return tuple(outs)


@MODELS.register_module()
class DistilledVisionTransformer(VisionTransformer):
    """DeiT: ViT plus a second learned token, ``dist_token``, trained to match a CNN teacher;
    each output stage is ``[patch_tokens, cls_token, dist_token]``."""
    num_extra_tokens = 2   # class and distillation tokens

    def __init__(self, arch='deit-base', *args, **kwargs):
        super().__init__(arch, *args, **kwargs)
        self.dist_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))

    def extra_tokens(self):
        return [self.cls_token, self.dist_token]

    def init_weights(self):
        super().init_weights()
        if not self._is_pretrained():
            nn.init.trunc_normal_(self.dist_token, std=0.02)
