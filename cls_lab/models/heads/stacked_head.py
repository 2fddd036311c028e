"""StackedLinearClsHead: an MLP head (Linear -> [norm] -> act -> [dropout]) ... -> Linear.

mmcls 0.25's keys (``layers.0.fc``, ``layers.0.norm``, ..., ``layers.N.fc``), arguments and
init (PyTorch's default Linear init); ``pre_logits`` is the last hidden layer's output.
"""
import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import build_activation_layer, build_norm_layer
from .cls_head import ClsHead, _check_num_classes


class LinearBlock(nn.Module):
    """fc, then optional norm, activation and dropout."""

    def __init__(self, in_channels, out_channels, dropout_rate=0., norm_cfg=None, act_cfg=None):
        super().__init__()
        self.fc = nn.Linear(in_channels, out_channels)
        self.norm = build_norm_layer(norm_cfg, out_channels)[1] if norm_cfg else None
        self.act = build_activation_layer(act_cfg) if act_cfg else None
        self.dropout = nn.Dropout(dropout_rate) if dropout_rate > 0 else None

    def forward(self, x):
        for layer in (self.fc, self.norm, self.act, self.dropout):
            x = x if layer is None else layer(x)
        return x


@MODELS.register_module()
class StackedLinearClsHead(ClsHead):
    """Hidden layers of sizes ``mid_channels`` then the class layer (no activation on it)."""

    def __init__(self, num_classes, in_channels, mid_channels, dropout_rate=0., norm_cfg=None,
                 act_cfg=dict(type='ReLU'), **kwargs):
        super().__init__(**kwargs)
        _check_num_classes(self, num_classes)
        if not isinstance(mid_channels, (list, tuple)) or not mid_channels:
            raise ArgumentError(f'StackedLinearClsHead: mid_channels must be a non-empty list, '
                                f'got {mid_channels!r}')
        self.num_classes, self.in_channels, self.mid_channels = num_classes, in_channels, mid_channels
        self.dropout_rate, self.norm_cfg, self.act_cfg = dropout_rate, norm_cfg, act_cfg
        sizes = [in_channels, *mid_channels]
        self.layers = nn.ModuleList(
            [LinearBlock(a, b, dropout_rate, norm_cfg, act_cfg) for a, b in zip(sizes, sizes[1:])]
            + [LinearBlock(sizes[-1], num_classes)])

    @property
    def fc(self):
        """The class layer (the last block)."""
        return self.layers[-1]

    def pre_logits(self, x):
        """The last hidden layer's output: what the class layer sees."""
        x = super().pre_logits(x)
        for layer in self.layers[:-1]:
            x = layer(x)
        return x

    def logits(self, x):
        return self.fc(self.pre_logits(x))
