"""Momentum updater hooks: schedule SGD's ``momentum`` (or Adam's ``betas[0]``) like the lr.

``momentum_config=dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1))`` becomes a
``CyclicMomentumUpdaterHook``, usually next to a cyclic ``lr_config``: momentum goes down
while the lr goes up (seed 003 §5). The timing is ``ParamUpdaterHook``'s (``param_updater.py``);
warmup *divides* the momentum by the warmup factor, so it starts high and settles
(mmcv 1.x's intent; its constant/linear/exp warmup code read a stale attribute, fixed here).
"""
from cls_lab.errors import ArgumentError
from cls_lab.registry import HOOKS
from .param_updater import (ParamUpdaterHook, build_schedule_hook, check_one_minimum,
                            check_per_iteration, cyclic_schedule, check_step, per_group, policy_hook_type, unwrap_groups,
                            write_setting)
from .. import lr_schedules

__all__ = ['MomentumUpdaterHook', 'StepMomentumUpdaterHook', 'CosineAnnealingMomentumUpdaterHook',
           'LinearAnnealingMomentumUpdaterHook',
           'CyclicMomentumUpdaterHook', 'OneCycleMomentumUpdaterHook', 'momentum_hook_type',
           'build_momentum_hook']


def momentum_hook_type(policy):
    """``'cyclic'`` -> ``'CyclicMomentumUpdaterHook'``; a clear ``KeyError`` for unknown policies."""
    return policy_hook_type(policy, 'MomentumUpdaterHook')


def build_momentum_hook(momentum_config):
    """The momentum hook of ``momentum_config`` (see ``param_updater.build_schedule_hook``)."""
    return build_schedule_hook(momentum_config, 'momentum_config', 'MomentumUpdaterHook')


class MomentumUpdaterHook(ParamUpdaterHook):
    """Base class: subclasses give ``get_momentum(runner, base_momentum)``; warmup *divides*
    the momentum by the warmup factor, so it starts high and settles."""
    priority = 'HIGH'
    key = 'momentum'   # SGD's momentum, or betas[0] for Adam-like optimizers

    def __init__(self, by_epoch=True, warmup=None, warmup_iters=0, warmup_ratio=0.9, **kwargs):
        super().__init__(by_epoch, warmup, warmup_iters, warmup_ratio, **kwargs)

    @property
    def base_momentum(self):
        return unwrap_groups(self.base_values)

    @property
    def regular_momentum(self):
        return unwrap_groups(self.regular_values)

    def get_momentum(self, runner, base_momentum):
        raise NotImplementedError

    def scheduled(self, runner, base):
        return self.get_momentum(runner, base)

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
        return lr_schedules.step_lr(base_momentum, self.progress(runner)[0], self.step,
                                    self.gamma, self.min_momentum)


@HOOKS.register_module()
class CosineAnnealingMomentumUpdaterHook(MomentumUpdaterHook):
    """Half a cosine from the initial momentum to ``min_momentum`` (or ``base*min_momentum_ratio``)."""

    def __init__(self, min_momentum=None, min_momentum_ratio=None, **kwargs):
        check_one_minimum(min_momentum, min_momentum_ratio, 'min_momentum')
        self.min_momentum, self.min_momentum_ratio = min_momentum, min_momentum_ratio
        super().__init__(**kwargs)

    def get_momentum(self, runner, base_momentum):
        progress, total = self.progress(runner)
        target = lr_schedules.min_value(base_momentum, self.min_momentum,
                                        self.min_momentum_ratio, name='min_momentum')
        return lr_schedules.cosine_annealing_lr(base_momentum, progress, total, target)


@HOOKS.register_module()
class LinearAnnealingMomentumUpdaterHook(CosineAnnealingMomentumUpdaterHook):
    """A straight line from the initial momentum to ``min_momentum`` (or the ratio)."""

    def get_momentum(self, runner, base_momentum):
        progress, total = self.progress(runner)
        target = lr_schedules.min_value(base_momentum, self.min_momentum,
                                        self.min_momentum_ratio, name='min_momentum')
        return lr_schedules.linear_annealing_lr(base_momentum, progress, total, target)


@HOOKS.register_module()
class CyclicMomentumUpdaterHook(MomentumUpdaterHook):
    """Cyclic momentum (per iteration): down to ``base*target_ratio[0]``, back to ``base*target_ratio[1]``."""

    def __init__(self, by_epoch=False, target_ratio=(0.85 / 0.95, 1), cyclic_times=1,
                 step_ratio_up=0.4, anneal_strategy='cos', gamma=1.0, **kwargs):
        check_per_iteration(by_epoch, 'cyclic momentum')
        self.cycle = cyclic_schedule(target_ratio, cyclic_times, step_ratio_up,
                                     anneal_strategy, gamma)
        super().__init__(by_epoch=False, **kwargs)

    def get_momentum(self, runner, base_momentum):
        return self.cycle(base_momentum, runner.iter, runner.max_iters)


@HOOKS.register_module()
class OneCycleMomentumUpdaterHook(MomentumUpdaterHook):
    """Momentum for 1cycle: ``max_momentum`` -> ``base_momentum`` while the lr rises, and back.

    A group's start value is its ``(base_momentum, max_momentum)`` pair; the group begins at
    ``max_momentum``, whatever the optimizer's own momentum.
    """

    def __init__(self, base_momentum=0.85, max_momentum=0.95, pct_start=0.3,
                 anneal_strategy='cos', three_phase=False, by_epoch=False, **kwargs):
        check_per_iteration(by_epoch, 'OneCycle momentum')
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ArgumentError(f'pct_start must be a float in [0, 1], got {pct_start!r}')
        lr_schedules.annealer(anneal_strategy)
        self.low, self.high = base_momentum, max_momentum
        self.pct_start, self.anneal_strategy = pct_start, anneal_strategy
        self.three_phase = three_phase
        super().__init__(by_epoch=False, **kwargs)

    def start_values(self, runner, optimizer_name, optimizer):
        if 'momentum' not in optimizer.defaults and 'betas' not in optimizer.defaults:
            raise ArgumentError(f'OneCycle momentum needs an optimizer with momentum or betas; '
                             f'{type(optimizer).__name__} has neither')
        lows = per_group(self.low, optimizer_name, optimizer, 'base_momentum')
        highs = per_group(self.high, optimizer_name, optimizer, 'max_momentum')
        for group, high in zip(optimizer.param_groups, highs):
            write_setting(group, 'momentum', high)
        return list(zip(lows, highs))

    def get_momentum(self, runner, base_momentum):
        low, high = base_momentum
        return lr_schedules.one_cycle_momentum(runner.iter, runner.max_iters, low, high,
                                               self.pct_start, self.anneal_strategy,
                                               self.three_phase)
