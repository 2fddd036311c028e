"""Build a torch optimizer from ``optimizer = dict(type='SGD', lr=0.1, ...)`` (seed 003 §5).

Every ``torch.optim`` optimizer is registered in ``OPTIMIZERS`` under its class name, so
``type`` is the class name and the other keys are its arguments. ``paramwise_cfg`` gives
some parameters their own lr / weight decay (no decay on BatchNorm, a smaller lr for the
backbone ...); ``constructor`` picks another builder from ``OPTIMIZER_BUILDERS``.

    optimizer = build_optimizer(model, dict(type='SGD', lr=0.1, momentum=0.9,
                                            paramwise_cfg=dict(norm_decay_mult=0.)))
"""
import copy
import inspect
import warnings

import torch
from torch import nn

from cls_lab.registry import OPTIMIZER_BUILDERS, OPTIMIZERS

__all__ = ['register_torch_optimizers', 'build_optimizer', 'build_optimizer_constructor',
           'DefaultOptimizerConstructor', 'describe_param_groups', 'NORM_LAYERS']

NORM_LAYERS = (nn.modules.batchnorm._BatchNorm, nn.modules.instancenorm._InstanceNorm,
               nn.GroupNorm, nn.LayerNorm)


def register_torch_optimizers():
    """Register each ``torch.optim.Optimizer`` subclass by its class name (the base class
    too, as mmcv); returns the names."""
    names = []
    for name, obj in vars(torch.optim).items():
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer):
            if name not in OPTIMIZERS.module_dict:
                OPTIMIZERS.register_module(module=obj, name=name)
            names.append(name)
    return names


TORCH_OPTIMIZERS = register_torch_optimizers()


def _check_optimizer_args(optimizer_cfg):
    """Name the key an optimizer does not take (e.g. ``betas`` for SGD) before torch does."""
    optim_type = optimizer_cfg['type']
    optim_cls = OPTIMIZERS.get(optim_type) if isinstance(optim_type, str) else optim_type
    if optim_cls is None:
        return   # the registry raises its own "did you mean" error
    params = inspect.signature(optim_cls).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    unknown = [key for key in optimizer_cfg if key not in params and key not in ('type', 'params')]
    if unknown:
        accepted = ', '.join(name for name in params if name != 'params')
        raise TypeError(f'optimizer: {optim_cls.__name__} does not take {", ".join(unknown)} '
                        f'(it takes: {accepted})')


@OPTIMIZER_BUILDERS.register_module()
class DefaultOptimizerConstructor:
    """Builds the optimizer, one param group per parameter when ``paramwise_cfg`` is given.

    ``paramwise_cfg`` keys (multipliers of the optimizer's ``lr`` / ``weight_decay``):
    ``custom_keys={'backbone': dict(lr_mult=0.1, decay_mult=0.9)}`` (a parameter whose full
    name contains the key; the longest key wins, ties alphabetically; overrides the rest),
    ``bias_lr_mult``, ``bias_decay_mult``, ``norm_decay_mult`` (BN/GN/LN/IN), ``dwconv_decay_mult``
    (depth-wise convs), ``bypass_duplicate`` (skip a parameter shared by two modules).
    ``dcn_offset_lr_mult`` is accepted for mmcv configs but has no effect: cls_lab has no DCN.
    """

    KNOWN_KEYS = ('custom_keys', 'bias_lr_mult', 'bias_decay_mult', 'norm_decay_mult',
                  'dwconv_decay_mult', 'dcn_offset_lr_mult', 'bypass_duplicate')

    def __init__(self, optimizer_cfg, paramwise_cfg=None):
        if not isinstance(optimizer_cfg, dict):
            raise TypeError(f'optimizer_cfg must be a dict, got {optimizer_cfg!r}')
        if paramwise_cfg is not None and not isinstance(paramwise_cfg, dict):
            raise TypeError(f'paramwise_cfg must be None or a dict, got {paramwise_cfg!r}')
        self.optimizer_cfg = dict(optimizer_cfg)
        self.paramwise_cfg = {} if paramwise_cfg is None else dict(paramwise_cfg)
        self.base_lr = optimizer_cfg.get('lr')
        self.base_wd = optimizer_cfg.get('weight_decay')
        self._validate()

    def _validate(self):
        """Check the keys this class reads; a subclass may add its own (mmcv's pattern)."""
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        if not isinstance(custom_keys, dict):
            raise TypeError(f'paramwise_cfg.custom_keys must be a dict, got {custom_keys!r}')
        for key, mults in custom_keys.items():
            extra = set(mults) - {'lr_mult', 'decay_mult'}
            if extra:
                raise KeyError(f'paramwise_cfg.custom_keys[{key!r}]: unknown key(s) {sorted(extra)}; '
                               'use lr_mult and decay_mult')
            if 'decay_mult' in mults and self.base_wd is None:
                raise ValueError(f'paramwise_cfg.custom_keys[{key!r}] sets decay_mult, so the '
                                 'optimizer cfg needs an explicit weight_decay')
            if 'lr_mult' in mults and self.base_lr is None:
                raise ValueError(f'paramwise_cfg.custom_keys[{key!r}] sets lr_mult, so the '
                                 'optimizer cfg needs an explicit lr')
        decay_keys = [k for k in ('bias_decay_mult', 'norm_decay_mult', 'dwconv_decay_mult')
                      if k in self.paramwise_cfg]
        if decay_keys and self.base_wd is None:
            raise ValueError(f'paramwise_cfg sets {", ".join(decay_keys)}, so the optimizer cfg '
                             'needs an explicit weight_decay')
        if 'bias_lr_mult' in self.paramwise_cfg and self.base_lr is None:
            raise ValueError('paramwise_cfg sets bias_lr_mult, so the optimizer cfg needs an explicit lr')

    def param_options(self, module, name, full_name):
        """The lr / weight_decay overrides for parameter ``name`` of ``module`` (empty: defaults)."""
        cfg, options = self.paramwise_cfg, {}
        custom_keys = cfg.get('custom_keys', {})
        for key in sorted(sorted(custom_keys), key=len, reverse=True):
            if key in full_name:
                mults = custom_keys[key]
                options['lr'] = self.base_lr * mults.get('lr_mult', 1.0) \
                    if self.base_lr is not None else None
                if self.base_wd is not None:
                    options['weight_decay'] = self.base_wd * mults.get('decay_mult', 1.0)
                return {k: v for k, v in options.items() if v is not None}
        is_norm = isinstance(module, NORM_LAYERS)
        is_dwconv = isinstance(module, nn.Conv2d) and module.in_channels == module.groups
        if name == 'bias' and not is_norm and 'bias_lr_mult' in cfg:
            options['lr'] = self.base_lr * cfg['bias_lr_mult']
        if self.base_wd is not None:
            if is_norm:
                mult = cfg.get('norm_decay_mult', 1.0)
            elif is_dwconv:
                mult = cfg.get('dwconv_decay_mult', 1.0)
            elif name == 'bias':
                mult = cfg.get('bias_decay_mult', 1.0)
            else:
                mult = 1.0
            options['weight_decay'] = self.base_wd * mult
        return options

    def add_params(self, params, module, prefix='', is_dcn_module=None):
        """Append one param group per parameter of ``module`` and its children to ``params``.

        A key of ``paramwise_cfg`` this method does not know is a KeyError (a typo would
        otherwise do nothing); a subclass that overrides ``add_params`` reads its own keys,
        so its constructor accepts them (mmcv's extension pattern).
        """
        if not prefix:
            self._check_unknown_keys()
        seen = {id(p) for group in params for p in group['params']}
        for name, param in module.named_parameters(recurse=False):
            full_name = f'{prefix}.{name}' if prefix else name
            group = {'params': [param]}
            if id(param) in seen:   # checked first: a frozen shared parameter is a duplicate too
                if not self.paramwise_cfg.get('bypass_duplicate', False):
                    raise ValueError(f'parameter {full_name} is shared with an earlier module, so '
                                     'it would sit in two param groups; set '
                                     'paramwise_cfg.bypass_duplicate=True to keep the first')
                warnings.warn(f'{prefix or full_name} is duplicate. It is skipped since '
                              'bypass_duplicate=True')   # mmcv's words: module, not parameter
                continue
            if not param.requires_grad:
                params.append(group)   # kept (mmcv does), it simply never gets a gradient
                continue
            # mmcv matches custom keys against '<prefix>.<name>' (so '.weight' at the top)
            group.update(self.param_options(module, name, f'{prefix}.{name}'))
            params.append(group)
        for child_name, child in module.named_children():
            self.add_params(params, child, f'{prefix}.{child_name}' if prefix else child_name)

    def _check_unknown_keys(self):
        if type(self).add_params is not DefaultOptimizerConstructor.add_params:
            return
        unknown = [key for key in self.paramwise_cfg if key not in self.KNOWN_KEYS]
        if unknown:
            raise KeyError(f'paramwise_cfg: unknown key(s) {unknown}; {type(self).__name__} '
                           f'reads {list(self.KNOWN_KEYS)}')

    def __call__(self, model):
        model = getattr(model, 'module', model)   # unwrap DataParallel / DDP
        optimizer_cfg = dict(self.optimizer_cfg)
        _check_optimizer_args(optimizer_cfg)
        if not self.paramwise_cfg:
            optimizer_cfg['params'] = model.parameters()
        else:
            params = []
            self.add_params(params, model)
            optimizer_cfg['params'] = params
        return OPTIMIZERS.build(optimizer_cfg)


def build_optimizer_constructor(cfg):
    """Build a constructor from ``dict(type=..., optimizer_cfg=..., paramwise_cfg=...)``."""
    return OPTIMIZER_BUILDERS.build(cfg)


def build_optimizer(model, cfg):
    """A torch optimizer for ``model`` from an ``optimizer`` config.

    ``cfg`` may hold ``paramwise_cfg`` and ``constructor`` (default
    ``'DefaultOptimizerConstructor'``). A dict of configs without ``type``
    (``dict(backbone=dict(type='SGD', ...), head=...)``) gives a dict of optimizers, one per
    child module of that name.
    """
    cfg = copy.deepcopy(dict(cfg))
    if 'type' not in cfg:
        if cfg and all(isinstance(value, dict) for value in cfg.values()):
            model = getattr(model, 'module', model)
            missing = [name for name in cfg if not hasattr(model, name)]
            if missing:
                raise KeyError(f'optimizer: the model has no module {missing[0]!r} for the '
                               f'dict of optimizers {list(cfg)}')
            return {name: build_optimizer(getattr(model, name), sub) for name, sub in cfg.items()}
        raise KeyError(f'optimizer config needs a "type" (e.g. type="SGD"), got {cfg!r}')
    constructor_type = cfg.pop('constructor', 'DefaultOptimizerConstructor')
    paramwise_cfg = cfg.pop('paramwise_cfg', None)
    constructor = build_optimizer_constructor(
        dict(type=constructor_type, optimizer_cfg=cfg, paramwise_cfg=paramwise_cfg))
    return constructor(model)


def describe_param_groups(optimizer, model):
    """One row per param group: parameter names, number of values, lr and weight decay.

    A readable view of what ``paramwise_cfg`` did (names come from ``model.named_parameters``).
    """
    model = getattr(model, 'module', model)
    names = {id(param): name for name, param in model.named_parameters(remove_duplicate=False)}
    rows = []
    for index, group in enumerate(optimizer.param_groups):
        rows.append(dict(group=index,
                         params=', '.join(names.get(id(p), '?') for p in group['params']),
                         numel=sum(p.numel() for p in group['params']),
                         lr=group['lr'], weight_decay=group.get('weight_decay'),
                         requires_grad=any(p.requires_grad for p in group['params'])))
    return rows
