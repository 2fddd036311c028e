"""Weight initialisation: small helpers plus the ``init_cfg`` mini-language of OpenMMLab.

``init_cfg=dict(type='Kaiming', layer='Conv2d')`` says "Kaiming-init every Conv2d inside";
``override=dict(name='fc', type='Normal', std=0.01)`` targets one named child instead.
"""
import copy

import torch.nn as nn


def _has(module, name):
    return getattr(module, name, None) is not None


def constant_init(module, val, bias=0):
    """Fill ``module.weight`` with ``val`` and its bias with ``bias``."""
    if _has(module, 'weight'):
        nn.init.constant_(module.weight, val)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def normal_init(module, mean=0, std=1, bias=0):
    """Draw ``module.weight`` from N(mean, std^2); constant bias."""
    if _has(module, 'weight'):
        nn.init.normal_(module.weight, mean, std)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def trunc_normal_init(module, mean=0, std=1, a=-2, b=2, bias=0):
    """Normal init truncated to [a, b] (ViT-style); constant bias."""
    if _has(module, 'weight'):
        nn.init.trunc_normal_(module.weight, mean, std, a, b)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def uniform_init(module, a=0, b=1, bias=0):
    """Draw ``module.weight`` from U(a, b); constant bias."""
    if _has(module, 'weight'):
        nn.init.uniform_(module.weight, a, b)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def xavier_init(module, gain=1, bias=0, distribution='normal'):
    """Glorot init: keeps the variance equal forwards and backwards."""
    if distribution not in ('uniform', 'normal'):
        raise ValueError(f"xavier_init: distribution must be 'uniform' or 'normal', got {distribution!r}")
    if _has(module, 'weight'):
        fn = nn.init.xavier_uniform_ if distribution == 'uniform' else nn.init.xavier_normal_
        fn(module.weight, gain=gain)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def kaiming_init(module, a=0, mode='fan_out', nonlinearity='relu', bias=0,
                 distribution='normal'):
    """He init, the ReLU-network default (fan_out as torchvision's ResNet)."""
    if distribution not in ('uniform', 'normal'):
        raise ValueError(f"kaiming_init: distribution must be 'uniform' or 'normal', got {distribution!r}")
    if _has(module, 'weight'):
        fn = nn.init.kaiming_uniform_ if distribution == 'uniform' else nn.init.kaiming_normal_
        fn(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


INITIALIZERS = dict(Constant=constant_init, Normal=normal_init, TruncNormal=trunc_normal_init,
                    Uniform=uniform_init, Xavier=xavier_init, Kaiming=kaiming_init)


def _class_names(module):
    """Every class name in ``module``'s MRO, so ``layer='_BatchNorm'`` matches BatchNorm2d."""
    return {cls.__name__ for cls in type(module).__mro__}


def _apply_one(root, cfg):
    cfg = copy.deepcopy(cfg)
    kind = cfg.pop('type')
    if kind == 'Pretrained':
        from cls_lab.engine.checkpoint import load_checkpoint
        load_checkpoint(root, cfg.pop('checkpoint'), map_location=cfg.pop('map_location', 'cpu'),
                        prefix=cfg.pop('prefix', None), strict=False)
        return
    if kind not in INITIALIZERS:
        raise KeyError(f'init_cfg type {kind!r} unknown; choose from '
                       f'{sorted(INITIALIZERS) + ["Pretrained"]}')
    override = cfg.pop('override', None)
    layers = cfg.pop('layer', None)
    layers = [layers] if isinstance(layers, str) else layers
    init_fn = INITIALIZERS[kind]
    if layers:
        for m in root.modules():
            if _class_names(m) & set(layers):
                init_fn(m, **cfg)
    for ov in ([override] if isinstance(override, dict) else override or []):
        ov = copy.deepcopy(ov)
        name = ov.pop('name', None)
        if name is None or not hasattr(root, name):
            raise KeyError(f'init_cfg override names {name!r}, which is not a child of '
                           f'{type(root).__name__}')
        ov.setdefault('type', kind)
        if ov['type'] == kind and len(ov) == 1:
            ov.update(cfg)               # override reuses the parent's arguments
        target = getattr(root, name)
        init_kind = ov.pop('type')
        if init_kind == 'Pretrained':
            _apply_one(target, dict(type='Pretrained', **ov))
        else:
            INITIALIZERS[init_kind](target, **ov)


def initialize(module, init_cfg):
    """Apply one init_cfg dict or a list of them to ``module``, in order."""
    for cfg in ([init_cfg] if isinstance(init_cfg, dict) else init_cfg):
        _apply_one(module, cfg)
