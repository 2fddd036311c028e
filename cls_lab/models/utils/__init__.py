"""Model utilities: batch augments and the layers several backbones share."""
from .attention import MultiheadAttention, ShiftWindowMSA, WindowMSA
from .augment import AUGMENTS, Augments, BatchCutMix, BatchIdentity, BatchMixup, BatchResizeMix
from .channel_shuffle import channel_shuffle
from .embed import PatchEmbed, PatchMerging, resize_pos_embed
from .ffn import FFN, build_dropout
from .inverted_residual import InvertedResidual
from .make_divisible import make_divisible
from .se_layer import SELayer

__all__ = ['AUGMENTS', 'Augments', 'BatchCutMix', 'BatchIdentity', 'BatchMixup', 'BatchResizeMix',
           'MultiheadAttention', 'ShiftWindowMSA', 'WindowMSA', 'PatchEmbed', 'PatchMerging',
           'resize_pos_embed', 'FFN', 'build_dropout',
           'channel_shuffle', 'InvertedResidual', 'make_divisible', 'SELayer']
