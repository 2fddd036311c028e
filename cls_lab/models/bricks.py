"""Building bricks: conv/norm/activation layers from config dicts, and ``BaseModule``.

``build_norm_layer(dict(type='BN'), 64, postfix=1)`` returns ``('bn1', BatchNorm2d(64))``:
the name goes into the state dict, which is why a GN ResNet has ``gn1`` keys instead.
"""
import copy
import logging
import math
import warnings

import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import FrozenBatchNorm2d

from cls_lab.errors import ArgumentError
from .init import (constant_init, finish_init_record, initialize, kaiming_init,
                   start_init_record, update_init_info)

CONV_LAYERS = {'Conv': nn.Conv2d, 'Conv2d': nn.Conv2d, 'Conv1d': nn.Conv1d, 'Conv3d': nn.Conv3d}
# type -> (class, abbreviation used in parameter names)
NORM_LAYERS = {
    'BN': (nn.BatchNorm2d, 'bn'), 'BN2d': (nn.BatchNorm2d, 'bn'), 'BN1d': (nn.BatchNorm1d, 'bn'),
    'BN3d': (nn.BatchNorm3d, 'bn'), 'SyncBN': (nn.SyncBatchNorm, 'bn'),
    'FrozenBN': (FrozenBatchNorm2d, 'bn'), 'GN': (nn.GroupNorm, 'gn'),
    'LN': (nn.LayerNorm, 'ln'), 'IN': (nn.InstanceNorm2d, 'in')}
ACTIVATION_LAYERS = {'ReLU': nn.ReLU, 'ReLU6': nn.ReLU6, 'LeakyReLU': nn.LeakyReLU,
                     'PReLU': nn.PReLU, 'RReLU': nn.RReLU, 'ELU': nn.ELU, 'GELU': nn.GELU,
                     'SiLU': nn.SiLU, 'Swish': nn.SiLU, 'Sigmoid': nn.Sigmoid, 'Tanh': nn.Tanh,
                     'HSwish': nn.Hardswish}
# activations ConvModule must not hand ``inplace`` to (mmcv's list, less Swish: torch's SiLU
# can run in place, which saves EfficientNet a copy per activation)
_NO_INPLACE = ('Tanh', 'PReLU', 'Sigmoid', 'HSigmoid', 'GELU', 'Clamp', 'Clip')


class HSigmoid(nn.Module):
    """Hard sigmoid ``clamp((x + bias) / divisor, min_value, max_value)``; defaults = torch's."""

    def __init__(self, bias=3.0, divisor=6.0, min_value=0.0, max_value=1.0):
        super().__init__()
        self.bias, self.divisor = bias, divisor
        self.min_value, self.max_value = min_value, max_value
        self.is_torch_default = (bias, divisor, min_value, max_value) == (3, 6, 0, 1)

    def forward(self, x):
        if self.is_torch_default:
            return F.hardsigmoid(x)
        return ((x + self.bias) / self.divisor).clamp(self.min_value, self.max_value)


class Clamp(nn.Module):
    """``torch.clamp(x, min, max)`` as a layer (mmcv's ``Clamp`` / ``Clip``)."""

    def __init__(self, min=-1., max=1.):
        super().__init__()
        self.min, self.max = min, max

    def forward(self, x):
        return x.clamp(self.min, self.max)


ACTIVATION_LAYERS.update(HSigmoid=HSigmoid, Clamp=Clamp, Clip=Clamp)


class Conv2dAdaptivePadding(nn.Conv2d):
    """Conv2d with TensorFlow's ``'SAME'`` padding: output = ceil(input / stride).

    The padding is computed from the input size at run time and may be one pixel larger at
    the bottom/right; the ``padding`` argument is ignored (EfficientNet's TF checkpoints).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, dilation, groups,
                         bias)

    def forward(self, x):
        pads = []                                   # F.pad order: left, right, top, bottom
        for size, k, s, d in zip(x.shape[:-3:-1], self.kernel_size[::-1], self.stride[::-1],
                                 self.dilation[::-1]):
            total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
            pads += [total // 2, total - total // 2]
        if pads[0] == pads[1] and pads[2] == pads[3]:       # symmetric: the conv pads itself
            return F.conv2d(x, self.weight, self.bias, self.stride, (pads[2], pads[0]),
                            self.dilation, self.groups)
        return super().forward(F.pad(x, pads))


CONV_LAYERS['Conv2dAdaptivePadding'] = Conv2dAdaptivePadding


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
        raise ArgumentError(f'norm_cfg must be a dict with a "type" key, got {norm_cfg!r}')
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
    """conv -> norm -> activation, the most common 3-layer pattern (norm/act optional).

    Same arguments and defaults as mmcv's ConvModule (no norm, ReLU, ``bias='auto'``: a bias
    only without norm); children are named ``conv``, the norm's abbreviation (``bn``, ``gn``)
    and ``activate``, so state-dict keys read ``conv.weight``, ``bn.running_mean``...
    ``order`` may put the norm (and activation) before the conv (pre-activation).
    Not supported here: ``with_spectral_norm`` and the explicit reflect/replicate padding layer.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias='auto', conv_cfg=None, norm_cfg=None,
                 act_cfg=dict(type='ReLU'), inplace=True, padding_mode='zeros',
                 order=('conv', 'norm', 'act')):
        super().__init__()
        if not (isinstance(order, tuple) and sorted(order) == ['act', 'conv', 'norm']):
            raise ArgumentError(f"ConvModule order must be a tuple of 'conv', 'norm', 'act', "
                                f"got {order!r}")
        self.act_cfg = act_cfg
        bias = norm_cfg is None if bias == 'auto' else bias
        conv_kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups,
                       bias=bias)
        if padding_mode != 'zeros':
            conv_kw['padding_mode'] = padding_mode
        layers = {'conv': ('conv', build_conv_layer(conv_cfg, in_channels, out_channels,
                                                    kernel_size, **conv_kw))}
        self.norm_name = None
        if norm_cfg is not None:
            norm_before_conv = order.index('norm') < order.index('conv')
            self.norm_name, norm = build_norm_layer(
                norm_cfg, in_channels if norm_before_conv else out_channels)
            layers['norm'] = (self.norm_name, norm)
        if act_cfg is not None:
            act_cfg = dict(act_cfg)
            if act_cfg['type'] not in _NO_INPLACE:
                act_cfg.setdefault('inplace', inplace)
            layers['act'] = ('activate', build_activation_layer(act_cfg))
        for step in order:
            if step in layers:
                self.add_module(*layers[step])
        self.init_weights()

    @property
    def norm(self):
        return getattr(self, self.norm_name) if self.norm_name else None

    def init_weights(self):
        """He init for the conv (leaky-ReLU slope when that is the activation), norm to 1/0."""
        act = self.act_cfg['type'] if self.act_cfg else None
        slope = self.act_cfg.get('negative_slope', 0.01) if act == 'LeakyReLU' else 0
        kaiming_init(self.conv, a=slope,
                     nonlinearity='leaky_relu' if act == 'LeakyReLU' else 'relu')
        if self.norm is not None:
            constant_init(self.norm, 1, bias=0)


class BaseModule(nn.Module):
    """An ``nn.Module`` that knows how to initialise itself from ``init_cfg`` (mmcv 1.7 order).

    ``init_weights()`` applies this module's own ``init_cfg`` first, then calls
    ``init_weights`` of each direct child that has one, so a child's ``init_cfg`` wins over
    the parent's layer-wide rule. A parent whose ``init_cfg`` is a single ``Pretrained`` dict
    leaves its children alone. Calling it twice warns and does nothing. The top-level call
    logs which initializer set each parameter (see ``models.init.finish_init_record``).
    """

    def __init__(self, init_cfg=None):
        super().__init__()
        self.init_cfg = copy.deepcopy(init_cfg)
        self._is_init = False

    @property
    def is_init(self):
        return self._is_init

    def init_weights(self):
        top_level = not hasattr(self, '_params_init_info')
        if top_level:
            start_init_record(self)
        if self._is_init:
            warnings.warn(f'init_weights of {type(self).__name__} has been called more than once.')
        else:
            self._init_own_then_children()
        if top_level:
            finish_init_record(self, logging.getLogger('cls_lab'))

    def _init_own_then_children(self):
        if self.init_cfg:
            logging.getLogger('cls_lab').debug(
                f'initialize {type(self).__name__} with init_cfg {self.init_cfg}')
            initialize(self, self.init_cfg)
        pretrained = isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'
        if not pretrained:             # the loaded weights must not be re-initialised below
            for child in self.children():
                if hasattr(child, 'init_weights'):
                    child.init_weights()
                    update_init_info(child, 'Initialized by user-defined `init_weights` in '
                                            f'{type(child).__name__} ')
        self._is_init = True

    def __repr__(self):
        text = super().__repr__()
        return f'{text}\ninit_cfg={self.init_cfg}' if self.init_cfg else text


class Sequential(BaseModule, nn.Sequential):
    """``nn.Sequential`` with an ``init_cfg`` (its children get ``init_weights`` called)."""

    def __init__(self, *args, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    """``nn.ModuleList`` with an ``init_cfg``."""

    def __init__(self, modules=None, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class ModuleDict(BaseModule, nn.ModuleDict):
    """``nn.ModuleDict`` with an ``init_cfg``."""

    def __init__(self, modules=None, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleDict.__init__(self, modules)
