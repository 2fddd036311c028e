"""Model utilities: batch augments, drawing a result."""
from .augment import AUGMENTS, Augments, BatchCutMix, BatchIdentity, BatchMixup, BatchResizeMix

__all__ = ['AUGMENTS', 'Augments', 'BatchCutMix', 'BatchIdentity', 'BatchMixup', 'BatchResizeMix']
