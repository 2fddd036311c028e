"""VisionTransformerClsHead: classify ViT's class token, optionally through a tanh hidden layer.

The backbone hands over ``[patch_tokens, cls_token]`` per stage; only the class token of
the last stage reaches ``layers.head``. ``hidden_dim`` adds the pre-logits layer the ViT
paper uses when pre-training on ImageNet-21k.
"""
import math
from collections import OrderedDict

import torch.nn as nn

from cls_lab.registry import MODELS

from ..bricks import build_activation_layer
from .cls_head import ClsHead, _check_num_classes


@MODELS.register_module()
class VisionTransformerClsHead(ClsHead):
    """``layers``: [``pre_logits`` Linear -> ``act``] -> ``head`` Linear (weights start at 0)."""

    def __init__(self, num_classes, in_channels, hidden_dim=None, act_cfg=dict(type='Tanh'),
                 init_cfg=dict(type='Constant', layer='Linear', val=0), **kwargs):
        super().__init__(init_cfg=init_cfg, **kwargs)
        _check_num_classes(self, num_classes)
        self.num_classes, self.in_channels = num_classes, in_channels
        self.hidden_dim, self.act_cfg = hidden_dim, act_cfg
        if hidden_dim is None:
            layers = [('head', nn.Linear(in_channels, num_classes))]
        else:
            layers = [('pre_logits', nn.Linear(in_channels, hidden_dim)),
                      ('act', build_activation_layer(act_cfg)),
                      ('head', nn.Linear(hidden_dim, num_classes))]
        self.layers = nn.Sequential(OrderedDict(layers))

    def init_weights(self):
        super().init_weights()
        if self.hidden_dim is not None:
            fc = self.layers.pre_logits
            nn.init.trunc_normal_(fc.weight, std=math.sqrt(1 / fc.in_features))
            nn.init.zeros_(fc.bias)

    def _hidden(self, token):
        return token if self.hidden_dim is None else self.layers.act(self.layers.pre_logits(token))

    def pre_logits(self, x):
        """The (hidden-layer) class token of the last stage, (N, C)."""
        _, cls_token = x[-1] if isinstance(x, tuple) else x
        return self._hidden(cls_token)

    def logits(self, x):
        return self.layers.head(self.pre_logits(x))
