"""Model utilities: batch augments and the layers several backbones share."""
from .augment import AUGMENTS, Augments, BatchCutMix, BatchIdentity, BatchMixup
from .channel_shuffle import channel_shuffle
from .inverted_residual import InvertedResidual
from .make_divisible import make_divisible
from .se_layer import SELayer

__all__ = ['AUGMENTS', 'Augments', 'BatchCutMix', 'BatchIdentity', 'BatchMixup',
           'channel_shuffle', 'InvertedResidual', 'make_divisible', 'SELayer']
