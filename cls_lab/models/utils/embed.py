"""Patch embedding and patch merging: how transformers turn pixels into tokens and shrink them.

``PatchEmbed`` is one strided conv: every ``patch_size`` x ``patch_size`` square becomes one
token. ``PatchMerging`` (Swin) concatenates each 2x2 group of tokens and projects 4C -> 2C,
the transformer's version of a stride-2 conv. ``resize_pos_embed`` interpolates a learned
position embedding to a new grid, so a ViT trained at 224 runs at 384.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.utils import _pair

from cls_lab.errors import ArgumentError
from ..bricks import BaseModule, build_conv_layer, build_norm_layer


def corner_pad_shape(size, kernel_size, stride, dilation):
    """Rows/columns to add at the bottom/right so windows of ``kernel_size`` cover ``size``."""
    pads = []
    for n, k, s, d in zip(size, kernel_size, stride, dilation):
        out = math.ceil(n / s)
        pads.append(max((out - 1) * s + (k - 1) * d + 1 - n, 0))
    return tuple(pads)


def adaptive_pad(x, kernel_size, stride, dilation, mode):
    """Zero-pad ``x`` (N, C, H, W) so the windows tile it: 'corner' pads bottom/right only,
    'same' splits the padding around the image (TensorFlow's SAME)."""
    pad_h, pad_w = corner_pad_shape(x.shape[-2:], kernel_size, stride, dilation)
    if pad_h == 0 and pad_w == 0:
        return x
    if mode == 'corner':
        return F.pad(x, [0, pad_w, 0, pad_h])
    return F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])


def _check_padding(padding, owner):
    if isinstance(padding, str) and padding not in ('corner', 'same'):
        raise ArgumentError(f"{owner}: padding must be 'corner', 'same' or a number, got {padding!r}")


class PatchEmbed(BaseModule):
    """Image (N, C, H, W) -> tokens (N, H'W', embed_dims) and the grid shape (H', W').

    A string ``padding`` ('corner', the default, or 'same') pads the image so no pixel is
    dropped when H or W is not a multiple of the stride; ``input_size`` only serves to
    compute ``init_out_size``, the grid a position embedding is sized for.
    """

    def __init__(self, in_channels=3, embed_dims=768, conv_type='Conv2d', kernel_size=16,
                 stride=16, padding='corner', dilation=1, bias=True, norm_cfg=None,
                 input_size=None, init_cfg=None):
        super().__init__(init_cfg)
        _check_padding(padding, 'PatchEmbed')
        self.embed_dims = embed_dims
        self.kernel_size, self.dilation = _pair(kernel_size), _pair(dilation)
        self.stride = _pair(kernel_size if stride is None else stride)
        self.pad_mode = padding if isinstance(padding, str) else None
        conv_padding = (0, 0) if self.pad_mode else _pair(padding)
        self.projection = build_conv_layer(
            dict(type=conv_type), in_channels, embed_dims, kernel_size=self.kernel_size,
            stride=self.stride, padding=conv_padding, dilation=self.dilation, bias=bias)
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1] if norm_cfg is not None else None
        self.init_input_size = self.init_out_size = None
        if input_size:
            self.init_input_size = size = _pair(input_size)
            if self.pad_mode:
                pads = corner_pad_shape(size, self.kernel_size, self.stride, self.dilation)
                size = (size[0] + pads[0], size[1] + pads[1])
            self.init_out_size = tuple(
                (n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in
                zip(size, conv_padding, self.dilation, self.kernel_size, self.stride))

    def forward(self, x):
        if self.pad_mode:
            x = adaptive_pad(x, self.kernel_size, self.stride, self.dilation, self.pad_mode)
        x = self.projection(x)
        out_size = (x.shape[2], x.shape[3])
        x = x.flatten(2).transpose(1, 2)
        if self.norm is not None:
            x = self.norm(x)
        return x, out_size


class PatchMerging(BaseModule):
    """Tokens (N, HW, C) on an H x W grid -> (N, H/2*W/2, out_channels): norm then linear
    over each unfolded 2x2 neighbourhood (``nn.Unfold`` orders the 4C features channel-major,
    as mmcv does, so mmcls Swin checkpoints load unchanged)."""

    def __init__(self, in_channels, out_channels, kernel_size=2, stride=None,
                 padding='corner', dilation=1, bias=False, norm_cfg=dict(type='LN'),
                 init_cfg=None):
        super().__init__(init_cfg)
        _check_padding(padding, 'PatchMerging')
        self.in_channels, self.out_channels = in_channels, out_channels
        kernel_size, dilation = _pair(kernel_size), _pair(dilation)
        stride = _pair(stride) if stride else kernel_size
        self.pad_mode = padding if isinstance(padding, str) else None
        self.sampler = nn.Unfold(kernel_size, dilation=dilation,
                                 padding=0 if self.pad_mode else _pair(padding), stride=stride)
        sample_dim = kernel_size[0] * kernel_size[1] * in_channels
        self.norm = build_norm_layer(norm_cfg, sample_dim)[1] if norm_cfg is not None else None
        self.reduction = nn.Linear(sample_dim, out_channels, bias=bias)

    def forward(self, x, input_size):
        B, L, C = x.shape
        H, W = input_size
        if L != H * W:
            raise ArgumentError(f'PatchMerging: {L} tokens do not fill the grid {H}x{W}')
        x = x.view(B, H, W, C).permute(0, 3, 1, 2)
        s = self.sampler
        if self.pad_mode:
            x = adaptive_pad(x, s.kernel_size, s.stride, s.dilation, self.pad_mode)
            H, W = x.shape[-2:]
        out_size = tuple((n + 2 * p - d * (k - 1) - 1) // st + 1 for n, p, d, k, st in
                         zip((H, W), _pair(s.padding), s.dilation, s.kernel_size, s.stride))
        x = s(x).transpose(1, 2)
        if self.norm is not None:
            x = self.norm(x)
        return self.reduction(x), out_size


def resize_pos_embed(pos_embed, src_shape, dst_shape, mode='bicubic', num_extra_tokens=1):
    """Interpolate a (1, extra + h*w, C) position embedding from grid ``src_shape`` to
    ``dst_shape``; the extra tokens (class, distillation) keep their embeddings."""
    if tuple(src_shape) == tuple(dst_shape):
        return pos_embed
    if pos_embed.ndim != 3:
        raise ArgumentError('resize_pos_embed: pos_embed must be (1, L, C), got '
                            f'{tuple(pos_embed.shape)}')
    _, L, C = pos_embed.shape
    src_h, src_w = src_shape
    if L != src_h * src_w + num_extra_tokens:
        raise ArgumentError(f'resize_pos_embed: pos_embed has {L} tokens but the grid '
                            f'{src_h}x{src_w} + {num_extra_tokens} extra needs '
                            f'{src_h * src_w + num_extra_tokens}; check img_size')
    extra, grid = pos_embed[:, :num_extra_tokens], pos_embed[:, num_extra_tokens:]
    grid = grid.reshape(1, src_h, src_w, C).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=tuple(dst_shape), mode=mode, align_corners=False)
    return torch.cat((extra, grid.flatten(2).transpose(1, 2)), dim=1)
