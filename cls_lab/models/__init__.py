"""Models: backbones, necks, heads, losses and classifiers, all registered in ``MODELS``.

Importing ``cls_lab.models`` registers every component, so configs can name them.
"""
from . import backbones, classifiers, heads, losses, necks, utils  # noqa: F401 (registration)
from .backbones import *  # noqa: F401,F403
from .bricks import (BaseModule, ConvModule, ModuleDict, ModuleList, Sequential,
                     build_activation_layer, build_conv_layer, build_norm_layer)
from .builder import (BACKBONES, CLASSIFIERS, HEADS, LOSSES, NECKS, build_backbone,
                      build_classifier, build_head, build_loss, build_neck)
from .classifiers import ImageClassifier
from .heads import *  # noqa: F401,F403
from .init import (constant_init, initialize, kaiming_init, normal_init, trunc_normal_init,
                   uniform_init, xavier_init)
from .losses import *  # noqa: F401,F403
from .necks import GlobalAveragePooling
from .utils import Augments, BatchCutMix, BatchMixup
from . import selfsup  # noqa: E402,F401  (SimCLR, MoCo, NPID: registers them in MODELS)

__all__ = (backbones.__all__ + heads.__all__ + losses.__all__ + [
    'BaseModule', 'Sequential', 'ModuleList', 'ModuleDict', 'ConvModule',
    'build_activation_layer', 'build_conv_layer', 'build_norm_layer',
    'BACKBONES', 'CLASSIFIERS', 'HEADS', 'LOSSES', 'NECKS', 'build_backbone', 'build_classifier',
    'build_head', 'build_loss', 'build_neck', 'ImageClassifier', 'constant_init', 'initialize',
    'kaiming_init', 'normal_init', 'trunc_normal_init', 'uniform_init', 'xavier_init',
    'GlobalAveragePooling', 'Augments', 'BatchCutMix', 'BatchMixup'])
