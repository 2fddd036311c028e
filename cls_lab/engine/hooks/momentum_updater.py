"""Momentum updater hooks: schedule SGD's ``momentum`` (or Adam's ``betas[0]``) like the lr.

``momentum_config=dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1))`` becomes a
``CyclicMomentumUpdaterHook``, usually next to a cyclic ``lr_config``: momentum goes down
while the lr goes up (seed 003 §5). The timing is ``ParamUpdaterHook``'s (``param_updater.py``);
warmup *divides* the momentum by the warmup factor, so it starts high and settles
(mmcv 1.x's intent; its constant/linear/exp warmup code read a stale attribute, fixed here).
"""
from cls_lab.registry import HOOKS
from .hook import Hook
from .lr_updater import (CyclicSchedule, build_schedule_hook, per_group, policy_hook_type,
                         check_step)
from .param_updater import ParamUpdaterHook, unwrap_groups, optimizers_of
from .. import lr_schedules

__all__ = ['MomentumUpdaterHook', 'StepMomentumUpdaterHook', 'CosineAnnealingMomentumUpdaterHook',
           'LinearAnnealingMomentumUpdaterHook',
           'CyclicMomentumUpdaterHook', 'OneCycleMomentumUpdaterHook', 'momentum_hook_type',
           'build_momentum_hook']


def momentum_hook_type(policy):
    """``'cyclic'`` -> ``'CyclicMomentumUpdaterHook'``; a clear ``KeyError`` for unknown policies."""
    return policy_hook_type(policy, 'MomentumUpdaterHook')


def build_momentum_hook(momentum_config):
    """The momentum hook of ``momentum_config`` (see ``lr_updater.build_schedule_hook``)."""
    return build_schedule_hook(momentum_config, 'momentum_config', 'MomentumUpdaterHook')


def get_group_momentum(group, optimizer=None):
    """A param group's momentum: ``group['momentum']`` (SGD, RMSprop) or ``betas[0]`` (Adam*)."""
    if 'momentum' in group:
        return group['momentum']
    if 'betas' in group:
        return group['betas'][0]
    name = type(optimizer).__name__ if optimizer is not None else 'this optimizer'
    raise KeyError(f'momentum_config needs an optimizer with "momentum" or "betas"; '
                   f'{name} has neither')


def set_group_momentum(group, value):
    if 'momentum' in group:
        group['momentum'] = value
    elif 'betas' in group:
        group['betas'] = (value, group['betas'][1])


class MomentumUpdaterHook(ParamUpdaterHook):
    """Base class: subclasses give ``get_momentum(runner, base_momentum)``; warmup *divides*
    the momentum by the warmup factor, so it starts high and settles."""
    priority = 'HIGH'
    value = 'momentum'

    def __init__(self, by_epoch=True, warmup=None, warmup_iters=0, warmup_ratio=0.9, **kwargs):
        super().__init__(by_epoch, warmup, warmup_iters, warmup_ratio, **kwargs)

    @property
    def base_momentum(self):
        return unwrap_groups(self._base)

    @property
    def regular_momentum(self):
        return unwrap_groups(self._regular)

    def get_momentum(self, runner, base_momentum):
        raise NotImplementedError

    def scheduled(self, runner, base):
        return self.get_momentum(runner, base)

    def read(self, group, optimizer):
        return get_group_momentum(group, optimizer)

    def write(self, group, value):
        set_group_momentum(group, value)

    def warmed(self, value, factor):
        return value / factor


@HOOKS.register_module()
class StepMomentumUpdaterHook(MomentumUpdaterHook):
    """Multiply the momentum by ``gamma`` (default 0.5) at each step, never below ``min_momentum``."""

    def __init__(self, step, gamma=0.5, min_momentum=None, **kwargs):
        check_step(step)
        self.step, self.gamma, self.min_momentum = step, gamma, min_momentum
        super().__init__(**kwargs)

    def get_momentum(self, runner, base_momentum):
        return lr_schedules.step_lr(base_momentum, self.progress(runner)[0], self.step, self.gamma,
                         self.min_momentum)


@HOOKS.register_module()
class CosineAnnealingMomentumUpdaterHook(MomentumUpdaterHook):
    """Half a cosine from the initial momentum to ``min_momentum`` (or ``base*min_momentum_ratio``)."""

    def __init__(self, min_momentum=None, min_momentum_ratio=None, **kwargs):
        lr_schedules.min_value(1.0, min_momentum, min_momentum_ratio, name='min_momentum')
        self.min_momentum, self.min_momentum_ratio = min_momentum, min_momentum_ratio
        super().__init__(**kwargs)

    def get_momentum(self, runner, base_momentum):
        progress, total = self.progress(runner)
        target = lr_schedules.min_value(base_momentum, self.min_momentum, self.min_momentum_ratio,
                             name='min_momentum')
        return lr_schedules.cosine_annealing_lr(base_momentum, progress, total, target)


@HOOKS.register_module()
class LinearAnnealingMomentumUpdaterHook(CosineAnnealingMomentumUpdaterHook):
    """A straight line from the initial momentum to ``min_momentum`` (or the ratio)."""

    def get_momentum(self, runner, base_momentum):
        progress, total = self.progress(runner)
        target = lr_schedules.min_value(base_momentum, self.min_momentum, self.min_momentum_ratio,
                             name='min_momentum')
        return lr_schedules.linear_annealing_lr(base_momentum, progress, total, target)


@HOOKS.register_module()
class CyclicMomentumUpdaterHook(CyclicSchedule, MomentumUpdaterHook):
    """Cyclic momentum (per iteration): down to ``base*target_ratio[0]``, back to ``base*target_ratio[1]``."""
    default_target_ratio = (0.85 / 0.95, 1)

    def get_momentum(self, runner, base_momentum):
        return self.cyclic_value(runner, base_momentum)


@HOOKS.register_module()
class OneCycleMomentumUpdaterHook(MomentumUpdaterHook):
    """Momentum for 1cycle: ``max_momentum`` -> ``base_momentum`` while the lr rises, and back."""

    def __init__(self, base_momentum=0.85, max_momentum=0.95, pct_start=0.3,
                 anneal_strategy='cos', three_phase=False, by_epoch=False, **kwargs):
        if by_epoch:
            raise ValueError('OneCycle momentum works per iteration only: set by_epoch=False')
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f'pct_start must be a float in [0, 1], got {pct_start!r}')
        lr_schedules.annealer(anneal_strategy)
        self.low, self.high = base_momentum, max_momentum
        self.pct_start, self.anneal_strategy = pct_start, anneal_strategy
        self.three_phase = three_phase
        super().__init__(by_epoch=False, **kwargs)

    def before_run(self, runner):
        self._bounds = {}   # optimizer name -> [(low, high) per group]
        for name, optimizer in optimizers_of(runner).items():
            if 'momentum' not in optimizer.defaults and 'betas' not in optimizer.defaults:
                raise ValueError(f'OneCycle momentum needs an optimizer with momentum or betas; '
                                 f'{type(optimizer).__name__} has neither')
            lows = per_group(self.low, name, optimizer, 'base_momentum')
            highs = per_group(self.high, name, optimizer, 'max_momentum')
            self._bounds[name] = list(zip(lows, highs))
            for group, high in zip(optimizer.param_groups, highs):
                set_group_momentum(group, high)
        self._base = {name: [high for _, high in bounds] for name, bounds in self._bounds.items()}

    def get_regular(self, runner):
        return {name: [lr_schedules.one_cycle_momentum(runner.iter, runner.max_iters, low, high,
                                            self.pct_start, self.anneal_strategy,
                                            self.three_phase) for low, high in bounds]
                for name, bounds in self._bounds.items()}
