"""Building bricks: conv/norm/activation layers from config dicts, and ``BaseModule``.

``build_norm_layer(dict(type='BN'), 64, postfix=1)`` returns ``('bn1', BatchNorm2d(64))``:
the name goes into the state dict, which is why a GN ResNet has ``gn1`` keys instead.
"""
import copy

import torch.nn as nn
from torchvision.ops import FrozenBatchNorm2d

from .init import initialize

CONV_LAYERS = {'Conv': nn.Conv2d, 'Conv2d': nn.Conv2d, 'Conv1d': nn.Conv1d, 'Conv3d': nn.Conv3d}
# type -> (class, abbreviation used in parameter names)
NORM_LAYERS = {
    'BN': (nn.BatchNorm2d, 'bn'), 'BN2d': (nn.BatchNorm2d, 'bn'), 'BN1d': (nn.BatchNorm1d, 'bn'),
    'BN3d': (nn.BatchNorm3d, 'bn'), 'SyncBN': (nn.SyncBatchNorm, 'bn'),
    'FrozenBN': (FrozenBatchNorm2d, 'bn'), 'GN': (nn.GroupNorm, 'gn'),
    'LN': (nn.LayerNorm, 'ln'), 'IN': (nn.InstanceNorm2d, 'in')}
ACTIVATION_LAYERS = {'ReLU': nn.ReLU, 'ReLU6': nn.ReLU6, 'LeakyReLU': nn.LeakyReLU,
                     'GELU': nn.GELU, 'SiLU': nn.SiLU, 'Swish': nn.SiLU, 'Sigmoid': nn.Sigmoid,
                     'Tanh': nn.Tanh, 'HSwish': nn.Hardswish, 'HSigmoid': nn.Hardsigmoid,
                     'PReLU': nn.PReLU}


def build_conv_layer(cfg, *args, **kwargs):
    """A conv layer from ``cfg`` (None means ``nn.Conv2d``); extra args go to the constructor."""
    cfg = dict(type='Conv2d') if cfg is None else copy.deepcopy(cfg)
    kind = cfg.pop('type')
    if kind not in CONV_LAYERS:
        raise KeyError(f'conv_cfg type {kind!r} unknown; choose from {sorted(CONV_LAYERS)}')
    return CONV_LAYERS[kind](*args, **kwargs, **cfg)


def build_norm_layer(norm_cfg, num_features, postfix=''):
    """``(name, layer)`` for a norm config; ``requires_grad=False`` freezes its affine params."""
    if not isinstance(norm_cfg, dict) or 'type' not in norm_cfg:
        raise TypeError(f'norm_cfg must be a dict with a "type" key, got {norm_cfg!r}')
    cfg = copy.deepcopy(norm_cfg)
    kind = cfg.pop('type')
    if kind not in NORM_LAYERS:
        raise KeyError(f'norm_cfg type {kind!r} unknown; choose from {sorted(NORM_LAYERS)}')
    requires_grad = cfg.pop('requires_grad', True)
    layer_cls, abbr = NORM_LAYERS[kind]
    if kind == 'GN':
        if 'num_groups' not in cfg:
            raise KeyError('norm_cfg type GN needs num_groups, e.g. dict(type="GN", num_groups=32)')
        layer = nn.GroupNorm(num_channels=num_features, **cfg)
    elif kind == 'FrozenBN':
        layer = FrozenBatchNorm2d(num_features, **cfg)
    else:
        cfg.setdefault('eps', 1e-5)
        layer = layer_cls(num_features, **cfg)
    for p in layer.parameters():
        p.requires_grad = requires_grad
    return abbr + str(postfix), layer


def build_activation_layer(act_cfg):
    """An activation module from e.g. ``dict(type='ReLU', inplace=True)``."""
    cfg = copy.deepcopy(act_cfg)
    kind = cfg.pop('type')
    if kind not in ACTIVATION_LAYERS:
        raise KeyError(f'act_cfg type {kind!r} unknown; choose from {sorted(ACTIVATION_LAYERS)}')
    return ACTIVATION_LAYERS[kind](**cfg)


class ConvModule(nn.Sequential):
    """conv -> norm -> activation, the most common 3-layer pattern (norm/act optional)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, groups=1,
                 conv_cfg=None, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU')):
        super().__init__()
        self.add_module('conv', build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size,
                                                 stride=stride, padding=padding, groups=groups,
                                                 bias=norm_cfg is None))
        if norm_cfg is not None:
            self.add_module(*build_norm_layer(norm_cfg, out_channels))
        if act_cfg is not None:
            self.add_module('activate', build_activation_layer(act_cfg))


class BaseModule(nn.Module):
    """An ``nn.Module`` that knows how to initialise itself from ``init_cfg``.

    ``init_weights()`` first lets every child BaseModule initialise itself, then applies this
    module's own ``init_cfg`` (so a parent's Pretrained wins over a child's random init).
    """

    def __init__(self, init_cfg=None):
        super().__init__()
        self.init_cfg = copy.deepcopy(init_cfg)
        self._is_init = False

    @property
    def is_init(self):
        return self._is_init

    def init_weights(self):
        own_pretrained = _is_pretrained(self.init_cfg)
        if not own_pretrained:
            for child in self.children():
                _init_child(child)
        if self.init_cfg:                  # a Pretrained init_cfg skips the random inits above
            initialize(self, self.init_cfg)
        self._is_init = True


def _is_pretrained(init_cfg):
    cfgs = [init_cfg] if isinstance(init_cfg, dict) else (init_cfg or [])
    return any(c.get('type') == 'Pretrained' for c in cfgs)


def _init_child(module):
    """Recursively call init_weights on the nearest BaseModule descendants (or custom ones)."""
    if hasattr(module, 'init_weights'):
        module.init_weights()
    else:
        for child in module.children():
            _init_child(child)
