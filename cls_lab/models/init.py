"""Weight initialisation: small helpers plus the ``init_cfg`` mini-language of OpenMMLab.

``init_cfg=dict(type='Kaiming', layer='Conv2d')`` says "Kaiming-init every Conv2d inside";
``override=dict(name='fc', type='Normal', std=0.01)`` targets one named child instead.
Semantics follow mmcv 1.7 (``mmcv.cnn.initialize``): ``layer`` matches a module's class or
its direct base classes, an override initialises everything inside the named child, and
``bias_prob`` sets the bias to ``bias_init_with_prob(p)``. ``Pretrained`` is added to
``INITIALIZERS`` by ``cls_lab.engine.pretrained`` (this file does not import the engine).
"""
import copy
import logging
import math

import torch
import torch.nn as nn
from cls_lab.errors import ArgumentError


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


def trunc_normal_(tensor, mean=0., std=1., a=-2., b=2.):
    """Fill ``tensor`` from N(mean, std^2) truncated to [a, b], by inverting the normal CDF.

    The same draws as mmcv 1.7's ``trunc_normal_`` (torch's own now draws differently), so a
    seeded ViT starts from the same weights.
    """
    def cdf(x):
        return (1. + math.erf(x / math.sqrt(2.))) / 2.
    low, high = cdf((a - mean) / std), cdf((b - mean) / std)
    with torch.no_grad():
        tensor.uniform_(2 * low - 1, 2 * high - 1).erfinv_()
        tensor.mul_(std * math.sqrt(2.)).add_(mean).clamp_(min=a, max=b)
    return tensor


def trunc_normal_init(module, mean=0, std=1, a=-2, b=2, bias=0):
    """Normal init truncated to [a, b] (ViT-style); constant bias."""
    if _has(module, 'weight'):
        trunc_normal_(module.weight, mean, std, a, b)
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
        raise ArgumentError(f"xavier_init: distribution must be 'uniform' or 'normal', got {distribution!r}")
    if _has(module, 'weight'):
        fn = nn.init.xavier_uniform_ if distribution == 'uniform' else nn.init.xavier_normal_
        fn(module.weight, gain=gain)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def caffe2_xavier_init(module, bias=0):
    """Caffe2's "XavierFill": Kaiming-uniform with a=1, fan_in (mmcv's Caffe2Xavier)."""
    kaiming_init(module, a=1, mode='fan_in', nonlinearity='leaky_relu', bias=bias,
                 distribution='uniform')


def bias_init_with_prob(prior_prob):
    """The bias that makes a sigmoid output ``prior_prob`` at start (focal-loss heads)."""
    return float(-math.log((1 - prior_prob) / prior_prob))


def kaiming_init(module, a=0, mode='fan_out', nonlinearity='relu', bias=0,
                 distribution='normal'):
    """He init, the ReLU-network default (fan_out as torchvision's ResNet)."""
    if distribution not in ('uniform', 'normal'):
        raise ArgumentError(f"kaiming_init: distribution must be 'uniform' or 'normal', got {distribution!r}")
    if _has(module, 'weight'):
        fn = nn.init.kaiming_uniform_ if distribution == 'uniform' else nn.init.kaiming_normal_
        fn(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


INITIALIZERS = dict(Constant=constant_init, Normal=normal_init, TruncNormal=trunc_normal_init,
                    Uniform=uniform_init, Xavier=xavier_init, Kaiming=kaiming_init,
                    Caffe2Xavier=caffe2_xavier_init)


def layer_names(module):
    """The names ``layer=`` matches: the module's class and its direct base classes (mmcv)."""
    cls = type(module)
    return {cls.__name__, *(base.__name__ for base in cls.__bases__)}


def _describe(kind, args):
    """``'NormalInit: mean=0, std=0.01, bias=0'``: what the init log says about a parameter."""
    if kind == 'Pretrained':
        return f'PretrainedInit: load from {args.get("checkpoint")}'
    return f'{kind}Init: ' + ', '.join(f'{key}={value}' for key, value in args.items())


def _run_initializer(module, cfg, wholemodule):
    """One initializer on ``module``: every matching layer, or (``wholemodule``) all of it."""
    args = copy.deepcopy(dict(cfg))
    kind = args.pop('type')
    if kind not in INITIALIZERS:
        raise KeyError(f'init_cfg type {kind!r} unknown; choose from {sorted(INITIALIZERS)}')
    if kind == 'Pretrained':
        INITIALIZERS[kind](module, **args)
        update_init_info(module, _describe(kind, args))
        return
    layers = args.pop('layer', None)
    layers = {layers} if isinstance(layers, str) else set(layers or [])
    if 'bias_prob' in args:
        args['bias'] = bias_init_with_prob(args.pop('bias_prob'))
    init_fn = INITIALIZERS[kind]

    def init_matching(m):
        if wholemodule or layer_names(m) & layers:
            init_fn(m, **args)
    module.apply(init_matching)      # children before parents: mmcv's order of random draws
    update_init_info(module, _describe(kind, args))


def _run_override(module, override, parent_args):
    """``override=dict(name=..., ...)``: initialise the whole named child of ``module``."""
    for ov in [override] if isinstance(override, dict) else override:
        ov = copy.deepcopy(dict(ov))
        name = ov.pop('name', None)
        if name is None:
            raise ArgumentError(f'init_cfg override needs a "name" (a child of '
                                f'{type(module).__name__}), got {ov!r}')
        if not ov:                      # name only: reuse the parent's initializer and args
            ov = dict(parent_args)
        elif 'type' not in ov:
            raise ArgumentError(f'init_cfg override {name!r} gives {sorted(ov)} but no "type"')
        if not hasattr(module, name):
            raise RuntimeError(f'init_cfg override names {name!r}, which is not a child of '
                               f'{type(module).__name__}')
        _run_initializer(getattr(module, name), ov, wholemodule=True)


def initialize(module, init_cfg):
    """Apply one init_cfg dict or a list of them to ``module``, in order (overrides last)."""
    if not isinstance(init_cfg, (dict, list)):
        raise ArgumentError(f'init_cfg must be a dict or a list of dicts, got {init_cfg!r}')
    for cfg in [init_cfg] if isinstance(init_cfg, dict) else init_cfg:
        cfg = copy.deepcopy(dict(cfg))
        override = cfg.pop('override', None)
        _run_initializer(module, cfg, wholemodule=False)
        if override is not None:
            cfg.pop('layer', None)
            _run_override(module, override, cfg)


# --- which initializer touched each parameter (logged once by the top-level init_weights) ---

def start_init_record(module):
    """Share one ``{param: {'init_info': text, 'tmp_mean_value': mean}}`` record (mmcv's
    layout) among ``module`` and its children."""
    record = {param: dict(init_info=f'The value is the same before and after calling '
                                    f'`init_weights` of {type(module).__name__} ',
                          tmp_mean_value=param.data.mean())
              for param in module.parameters()}
    for sub in module.modules():
        sub._params_init_info = record


def update_init_info(module, init_info):
    """Credit ``init_info`` for every parameter of ``module`` whose mean just changed."""
    record = getattr(module, '_params_init_info', None)
    if record is None:      # initialised outside a BaseModule.init_weights: nothing to record
        return
    for name, param in module.named_parameters():
        if param not in record:
            raise RuntimeError(f'{type(module).__name__}.init_weights added or replaced the '
                               f'parameter {name!r}; create parameters in __init__ instead')
        mean = param.data.mean()
        if not bool(record[param]['tmp_mean_value'] == mean):
            record[param].update(init_info=init_info, tmp_mean_value=mean)


def finish_init_record(module, logger):
    """Write the record (one entry per parameter) to ``logger``'s files, then drop it.

    cls_lab writes it to the log *file* and only at DEBUG level on the console (mmcv prints
    every parameter at INFO, which floods a notebook).
    """
    record = module._params_init_info
    lines = [f'{name} - {tuple(param.shape)}: \n{record[param]["init_info"]} '
             for name, param in module.named_parameters()]
    files = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
    for handler in files:
        handler.stream.write('Name of parameter - Initialization information\n')
        handler.stream.write(''.join(f'\n{line}\n' for line in lines))
        handler.stream.flush()
    if not files:
        for line in lines:
            logger.debug(line)
    for sub in module.modules():
        if hasattr(sub, '_params_init_info'):
            del sub._params_init_info
