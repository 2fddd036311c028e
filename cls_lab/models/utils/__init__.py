"""Model utilities: batch augments."""
from .augment import AUGMENTS, Augments, BatchCutMix, BatchIdentity, BatchMixup

__all__ = ['AUGMENTS', 'Augments', 'BatchCutMix', 'BatchIdentity', 'BatchMixup']
