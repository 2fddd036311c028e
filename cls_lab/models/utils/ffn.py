"""The transformer's feed-forward network, and the dropout configs residual branches use.

``FFN`` is Linear -> GELU -> Linear applied to every token on its own, added to its input.
Its sub-modules sit where mmcv puts them (``layers.0.0`` first linear, ``layers.1`` the
last), so OpenMMLab checkpoints load unchanged.
"""
import copy

import torch.nn as nn
from torchvision.ops import StochasticDepth

from cls_lab.errors import ArgumentError
from ..bricks import BaseModule, build_activation_layer


def build_dropout(cfg):
    """``dict(type='DropPath', drop_prob=p)`` -> stochastic depth (whole samples dropped),
    ``dict(type='Dropout', drop_prob=p)`` -> ``nn.Dropout``; None -> identity."""
    if cfg is None:
        return nn.Identity()
    cfg = copy.deepcopy(cfg)
    kind = cfg.pop('type')
    p = float(cfg.pop('drop_prob', 0.5 if kind == 'Dropout' else 0.1))
    if kind == 'DropPath':
        return StochasticDepth(p, 'row')
    if kind == 'Dropout':
        return nn.Dropout(p, **cfg)
    raise KeyError(f"dropout type {kind!r} unknown; choose from ['DropPath', 'Dropout']")


class FFN(BaseModule):
    """``identity + dropout_layer(fc2(drop(act(fc1(x)))))``; ``num_fcs`` linear layers."""

    def __init__(self, embed_dims=256, feedforward_channels=1024, num_fcs=2,
                 act_cfg=dict(type='ReLU', inplace=True), ffn_drop=0., dropout_layer=None,
                 add_identity=True, init_cfg=None):
        super().__init__(init_cfg)
        if num_fcs < 2:
            raise ArgumentError(f'FFN: num_fcs must be at least 2, got {num_fcs}')
        self.embed_dims, self.feedforward_channels = embed_dims, feedforward_channels
        self.num_fcs, self.add_identity = num_fcs, add_identity
        self.activate = build_activation_layer(act_cfg)
        layers, in_channels = [], embed_dims
        for _ in range(num_fcs - 1):
            layers.append(nn.Sequential(nn.Linear(in_channels, feedforward_channels),
                                        self.activate, nn.Dropout(ffn_drop)))
            in_channels = feedforward_channels
        layers += [nn.Linear(feedforward_channels, embed_dims), nn.Dropout(ffn_drop)]
        self.layers = nn.Sequential(*layers)
        self.dropout_layer = build_dropout(dropout_layer)

    def forward(self, x, identity=None):
        out = self.dropout_layer(self.layers(x))
        if not self.add_identity:
            return out
        return (x if identity is None else identity) + out
