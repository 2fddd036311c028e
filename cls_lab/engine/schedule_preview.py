"""Preview an ``lr_config`` / ``momentum_config`` exactly as a training run applies it.

``simulate_schedule`` builds the real LR and momentum hooks and calls them on a stand-in
runner (a real optimizer over dummy parameters), so a plotted curve is what training does,
warmup and per-epoch steps included.

    simulate_schedule(dict(policy='CosineAnnealing', min_lr=0), 0.1,
                      max_epochs=10, iters_per_epoch=5)    # {'iter': [...], 'lr': [...], ...}
"""
import copy
import warnings

import torch

from .hooks.lr_updater import build_lr_hook
from .hooks.momentum_updater import build_momentum_hook
from .hooks.param_updater import read_setting
from .optimizer import build_optimizer

__all__ = ['simulate_schedule']


class _Loader:
    """Stands in for a data loader: only its length matters to the schedule hooks."""

    def __init__(self, length):
        self.length = length

    def __len__(self):
        return self.length


class _ScheduleRunner:
    """The runner attributes schedule hooks read, with a real optimizer and no model."""

    def __init__(self, optimizer, max_epochs, max_iters, iters_per_epoch):
        self.optimizer = optimizer
        self.max_epochs, self.max_iters = max_epochs, max_iters
        self.data_loader = _Loader(iters_per_epoch)
        self.epoch = self.iter = self.inner_iter = 0
        self.meta, self.hooks, self.mode = {}, [], 'train'


def _dummy_optimizer(optimizer_cfg_or_base_lrs, base_momentum):
    """A real torch optimizer over dummy parameters, one param group per base lr."""
    spec = optimizer_cfg_or_base_lrs
    if isinstance(spec, dict):
        cfg = {k: v for k, v in copy.deepcopy(dict(spec)).items()
               if k not in ('paramwise_cfg', 'constructor')}
        if 'type' not in cfg and cfg and all(isinstance(v, dict) for v in cfg.values()):
            first = next(iter(cfg))   # a dict of optimizers: preview the first one
            warnings.warn(f'simulate_schedule previews the first optimizer ({first!r}) only')
            return _dummy_optimizer(cfg[first], base_momentum)
        return build_optimizer(torch.nn.Linear(1, 1, bias=False), cfg)
    base_lrs = [spec] if isinstance(spec, (int, float)) else list(spec)
    groups = [{'params': [torch.nn.Parameter(torch.zeros(1))], 'lr': lr} for lr in base_lrs]
    return torch.optim.SGD(groups, lr=base_lrs[0], momentum=base_momentum)


def _by_iter_default(cfg):
    return dict(cfg, by_epoch=cfg.get('by_epoch', False)) if isinstance(cfg, dict) else cfg


def simulate_schedule(lr_config, optimizer_cfg_or_base_lrs=0.1, max_epochs=None,
                      max_iters=None, iters_per_epoch=1, momentum_config=None,
                      base_momentum=0.9):
    """Run the real LR/momentum hooks of ``lr_config`` / ``momentum_config`` on a fake runner.

    ``max_epochs`` mimics an EpochBasedRunner (``max_iters = max_epochs*iters_per_epoch``),
    ``max_iters`` alone an IterBasedRunner (schedules default to ``by_epoch=False`` there). ``optimizer_cfg_or_base_lrs`` is an ``optimizer``
    config (its ``lr``/``momentum``/``betas`` are used) or base lr(s) for an SGD with
    ``base_momentum``. Returns lists per iteration: ``iter``, ``epoch``, ``lr`` and
    ``momentum`` (first param group; None without momentum), ``lr_groups`` (every group).
    """
    if (max_epochs is None) == (max_iters is None):
        raise ValueError('simulate_schedule needs exactly one of max_epochs (an epoch-based run) '
                         f'and max_iters (an iter-based run), got {max_epochs=}, {max_iters=}')
    if int(iters_per_epoch) < 1:
        raise ValueError(f'iters_per_epoch must be >= 1, got {iters_per_epoch!r}')
    iters_per_epoch = int(iters_per_epoch)
    by_epoch_run = max_epochs is not None
    total = max_epochs * iters_per_epoch if by_epoch_run else int(max_iters)
    optimizer = _dummy_optimizer(optimizer_cfg_or_base_lrs, base_momentum)
    runner = _ScheduleRunner(optimizer, max_epochs, total, iters_per_epoch)
    if not by_epoch_run:   # an IterBasedRunner defaults schedules to by_epoch=False (mmcv)
        lr_config, momentum_config = (_by_iter_default(c) for c in (lr_config, momentum_config))
    hooks = [hook for hook in (build_lr_hook(lr_config), build_momentum_hook(momentum_config))
             if hook is not None]
    if not by_epoch_run and any(getattr(hook, 'by_epoch', False) for hook in hooks):
        warnings.warn('by_epoch=True schedules never change in an iter-based run (no '
                      'before_train_epoch there, as in mmcv): set by_epoch=False in lr_config')
    runner.hooks = hooks
    for hook in hooks:
        hook.before_run(runner)
    record = {'iter': [], 'epoch': [], 'lr': [], 'momentum': [], 'lr_groups': []}
    while runner.iter < total:
        if by_epoch_run and runner.inner_iter == 0:
            for hook in hooks:
                hook.before_train_epoch(runner)
        for hook in hooks:
            hook.before_train_iter(runner)
        groups = optimizer.param_groups
        record['iter'].append(runner.iter)
        record['epoch'].append(runner.epoch)
        record['lr'].append(groups[0]['lr'])
        record['momentum'].append(read_setting(groups[0], 'momentum'))
        record['lr_groups'].append([group['lr'] for group in groups])
        runner.iter += 1
        runner.inner_iter += 1
        if runner.inner_iter == iters_per_epoch:   # an epoch ends (iter-based: the loader wraps)
            runner.inner_iter = 0
            runner.epoch += 1
    return record
