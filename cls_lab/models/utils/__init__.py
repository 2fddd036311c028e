"""Model utilities: batch augments and the shared transformer layers."""
from .attention import MultiheadAttention, ShiftWindowMSA, WindowMSA
from .augment import AUGMENTS, Augments, BatchCutMix, BatchIdentity, BatchMixup
from .embed import PatchEmbed, PatchMerging, resize_pos_embed
from .ffn import FFN, build_dropout

__all__ = ['AUGMENTS', 'Augments', 'BatchCutMix', 'BatchIdentity', 'BatchMixup',
           'MultiheadAttention', 'ShiftWindowMSA', 'WindowMSA', 'PatchEmbed', 'PatchMerging',
           'resize_pos_embed', 'FFN', 'build_dropout']
