"""Self-attention for ViT (global) and Swin (inside windows, with a relative position bias).

All three compute ``softmax(q k^T * scale + bias) v`` with
``torch.nn.functional.scaled_dot_product_attention``; they differ in which tokens see each
other: all of them (``MultiheadAttention``), those in the same 7x7 window (``WindowMSA``),
or windows shifted by half a window every other block so information crosses window
borders (``ShiftWindowMSA``).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.utils import _pair

from cls_lab.errors import ArgumentError
from ..bricks import BaseModule
from .ffn import build_dropout


def _split_heads(qkv, num_heads):
    """(B, N, 3C) -> q, k, v each (B, heads, N, C/heads)."""
    B, N, _ = qkv.shape
    return qkv.reshape(B, N, 3, num_heads, -1).permute(2, 0, 3, 1, 4).unbind(0)


class MultiheadAttention(BaseModule):
    """Global multi-head self-attention over (B, N, C) tokens; ``qkv`` is one Linear.

    ``input_dims`` lets the tokens come in wider or narrower than ``embed_dims``;
    ``v_shortcut`` adds v to the output (T2T-ViT). ``dropout_layer`` acts on the output,
    before the caller adds the residual.
    """

    def __init__(self, embed_dims, num_heads, input_dims=None, attn_drop=0., proj_drop=0.,
                 dropout_layer=dict(type='Dropout', drop_prob=0.), qkv_bias=True,
                 qk_scale=None, proj_bias=True, v_shortcut=False, init_cfg=None):
        super().__init__(init_cfg)
        if embed_dims % num_heads:
            raise ArgumentError(f'MultiheadAttention: embed_dims={embed_dims} is not divisible '
                                f'by num_heads={num_heads}')
        self.input_dims = input_dims or embed_dims
        self.embed_dims, self.num_heads, self.v_shortcut = embed_dims, num_heads, v_shortcut
        self.head_dims = embed_dims // num_heads
        self.scale = qk_scale or self.head_dims ** -0.5
        self.attn_drop = attn_drop
        self.qkv = nn.Linear(self.input_dims, embed_dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims, bias=proj_bias)
        self.proj_drop = nn.Dropout(proj_drop)
        self.out_drop = build_dropout(dropout_layer)

    def forward(self, x):
        B, N, _ = x.shape
        q, k, v = _split_heads(self.qkv(x), self.num_heads)
        out = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.attn_drop if self.training else 0., scale=self.scale)
        out = self.out_drop(self.proj_drop(self.proj(out.transpose(1, 2).reshape(B, N, -1))))
        return v.squeeze(1) + out if self.v_shortcut else out


def relative_position_index(window_size):
    """(Wh*Ww, Wh*Ww) index into the (2Wh-1)(2Ww-1) bias table: the offset between every
    pair of positions in a window, so pairs at the same offset share one learned bias."""
    Wh, Ww = window_size
    coords = torch.stack(torch.meshgrid(torch.arange(Wh), torch.arange(Ww), indexing='ij'))
    coords = coords.flatten(1)                                   # 2, Wh*Ww
    offset = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
    return (offset[..., 0] + Wh - 1) * (2 * Ww - 1) + offset[..., 1] + Ww - 1


class WindowMSA(BaseModule):
    """Multi-head self-attention inside each window, plus a learned relative position bias
    (one value per head and offset, ``relative_position_bias_table``)."""

    def __init__(self, embed_dims, window_size, num_heads, qkv_bias=True, qk_scale=None,
                 attn_drop=0., proj_drop=0., init_cfg=None):
        super().__init__(init_cfg)
        self.embed_dims, self.num_heads = embed_dims, num_heads
        self.window_size = window_size = _pair(window_size)
        self.scale = qk_scale or (embed_dims // num_heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * window_size[0] - 1) * (2 * window_size[1] - 1), num_heads))
        self.register_buffer('relative_position_index', relative_position_index(window_size))
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)

    def init_weights(self):
        super().init_weights()
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def position_bias(self):
        """(heads, Wh*Ww, Wh*Ww) bias added to the attention logits."""
        n = self.window_size[0] * self.window_size[1]
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        return bias.view(n, n, -1).permute(2, 0, 1)

    def forward(self, x, mask=None):
        """``x``: (num_windows*B, Wh*Ww, C); ``mask``: (num_windows, Wh*Ww, Wh*Ww) of 0 / -100."""
        B_, N, C = x.shape
        q, k, v = _split_heads(self.qkv(x), self.num_heads)
        bias = self.position_bias().unsqueeze(0).to(q.dtype)
        if mask is not None:
            nW = mask.shape[0]
            bias = (bias + mask.unsqueeze(1).to(q.dtype)).repeat(B_ // nW, 1, 1, 1)
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=bias, dropout_p=self.attn_drop if self.training else 0.,
            scale=self.scale)
        return self.proj_drop(self.proj(out.transpose(1, 2).reshape(B_, N, C)))


def window_partition(x, window_size):
    """(B, H, W, C) -> (B * H/ws * W/ws, ws, ws, C): the windows, row by row."""
    B, H, W, C = x.shape
    x = x.view(B, H // window_size, window_size, W // window_size, window_size, C)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window_size, window_size, C)


def window_reverse(windows, H, W, window_size):
    """Inverse of ``window_partition``: windows back to (B, H, W, C)."""
    B = windows.shape[0] // ((H // window_size) * (W // window_size))
    x = windows.view(B, H // window_size, W // window_size, window_size, window_size, -1)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(B, H, W, -1)


def shifted_window_mask(hw_shape, window_size, shift_size, device=None):
    """(num_windows, ws*ws, ws*ws) mask: -100 between tokens that the cyclic shift brought
    into one window from different parts of the image, 0 elsewhere."""
    region = torch.zeros(1, *hw_shape, 1, device=device)
    edges = (slice(0, -window_size), slice(-window_size, -shift_size), slice(-shift_size, None))
    for i, (h, w) in enumerate((h, w) for h in edges for w in edges):
        region[:, h, w, :] = i
    region = window_partition(region, window_size).view(-1, window_size * window_size)
    diff = region.unsqueeze(1) - region.unsqueeze(2)
    return diff.masked_fill(diff != 0, -100.0).masked_fill(diff == 0, 0.0)


class ShiftWindowMSA(BaseModule):
    """Window attention over a (B, H*W, C) grid, with the windows shifted by ``shift_size``.

    The grid is padded to whole windows and rolled by ``-shift_size`` before attention, then
    rolled back. With ``pad_small_map=False`` (classification) a map no bigger than one
    window is attended as a single unshifted window.
    """

    def __init__(self, embed_dims, num_heads, window_size, shift_size=0, qkv_bias=True,
                 qk_scale=None, attn_drop=0, proj_drop=0,
                 dropout_layer=dict(type='DropPath', drop_prob=0.), pad_small_map=False,
                 init_cfg=None):
        super().__init__(init_cfg)
        if not 0 <= shift_size < window_size:
            raise ArgumentError(f'ShiftWindowMSA: shift_size={shift_size} must be in '
                                f'[0, window_size={window_size})')
        self.window_size, self.shift_size = window_size, shift_size
        self.pad_small_map = pad_small_map
        self.w_msa = WindowMSA(embed_dims, _pair(window_size), num_heads, qkv_bias=qkv_bias,
                               qk_scale=qk_scale, attn_drop=attn_drop, proj_drop=proj_drop)
        self.drop = build_dropout(dropout_layer)

    def forward(self, query, hw_shape):
        B, L, C = query.shape
        H, W = hw_shape
        if L != H * W:
            raise ArgumentError(f'ShiftWindowMSA: {L} tokens do not fill the grid {H}x{W}')
        ws, shift = self.window_size, self.shift_size
        if min(H, W) == ws and not self.pad_small_map:
            shift = 0
        elif min(H, W) < ws:
            if not self.pad_small_map:
                raise ArgumentError(f'ShiftWindowMSA: the {H}x{W} map is smaller than the window '
                                    f'({ws}); set pad_small_map=True or a smaller window_size')
        x = F.pad(query.view(B, H, W, C), (0, 0, 0, (ws - W % ws) % ws, 0, (ws - H % ws) % ws))
        H_pad, W_pad = x.shape[1], x.shape[2]
        mask = None
        if shift > 0:
            x = torch.roll(x, shifts=(-shift, -shift), dims=(1, 2))
            mask = shifted_window_mask((H_pad, W_pad), ws, shift, device=x.device)
        windows = self.w_msa(window_partition(x, ws).reshape(-1, ws * ws, C), mask=mask)
        x = window_reverse(windows.view(-1, ws, ws, C), H_pad, W_pad, ws)
        if shift > 0:
            x = torch.roll(x, shifts=(shift, shift), dims=(1, 2))
        x = x[:, :H, :W, :].reshape(B, H * W, C)
        return self.drop(x)
