"""LR updater hooks: set each param group's lr before every epoch or iteration.

``lr_config=dict(policy='step', step=[30, 60, 90])`` in a config becomes a
``StepLrUpdaterHook`` (mmcv's rule: an all-lower-case policy is ``.title()``-d, then
``'LrUpdaterHook'`` is appended; see ``lr_hook_type``). The formulas live in
``cls_lab/engine/lr_schedules.py``; *when* they are applied (per epoch or per iteration,
warmup, resumes) is ``ParamUpdaterHook``'s job, shared with the momentum hooks.
"""
import numbers

from cls_lab.errors import ArgumentError
from cls_lab.registry import HOOKS
from .param_updater import (ParamUpdaterHook, build_schedule_hook, check_one_minimum,
                            check_per_iteration, cyclic_schedule, check_step, per_group, policy_hook_type, unwrap_groups)
from .. import lr_schedules

__all__ = ['LrUpdaterHook', 'FixedLrUpdaterHook', 'StepLrUpdaterHook', 'ExpLrUpdaterHook',
           'PolyLrUpdaterHook', 'InvLrUpdaterHook', 'CosineAnnealingLrUpdaterHook',
           'FlatCosineAnnealingLrUpdaterHook', 'CosineAnnealingCooldownLrUpdaterHook',
           'LinearAnnealingLrUpdaterHook',
           'CosineRestartLrUpdaterHook', 'CyclicLrUpdaterHook', 'OneCycleLrUpdaterHook',
           'lr_hook_type', 'build_lr_hook']


def lr_hook_type(policy):
    """``'step'`` -> ``'StepLrUpdaterHook'``, ``'CosineAnnealing'`` -> ``'CosineAnnealingLrUpdaterHook'``."""
    return policy_hook_type(policy, 'LrUpdaterHook')


def build_lr_hook(lr_config):
    """The LR hook of ``lr_config`` (see ``build_schedule_hook``)."""
    return build_schedule_hook(lr_config, 'lr_config', 'LrUpdaterHook')


class LrUpdaterHook(ParamUpdaterHook):
    """Base class: subclasses give ``get_lr(runner, base_lr)``, the lr without warmup;
    warmup multiplies it by a factor growing from ``warmup_ratio`` to 1."""
    priority = 'VERY_HIGH'
    key = 'lr'

    @property
    def base_lr(self):
        return unwrap_groups(self.base_values)

    @property
    def regular_lr(self):
        return unwrap_groups(self.regular_values)

    def get_lr(self, runner, base_lr):
        raise NotImplementedError

    def scheduled(self, runner, base):
        return self.get_lr(runner, base)


@HOOKS.register_module()
class FixedLrUpdaterHook(LrUpdaterHook):
    """The lr stays at its initial value (warmup still applies)."""

    def get_lr(self, runner, base_lr):
        return base_lr


@HOOKS.register_module()
class StepLrUpdaterHook(LrUpdaterHook):
    """Multiply the lr by ``gamma`` at each epoch in ``step`` (a list) or every ``step`` (an int)."""

    def __init__(self, step, gamma=0.1, min_lr=None, **kwargs):
        check_step(step)
        self.step, self.gamma, self.min_lr = step, gamma, min_lr
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        return lr_schedules.step_lr(base_lr, self.progress(runner)[0], self.step, self.gamma,
                                    self.min_lr)


@HOOKS.register_module()
class ExpLrUpdaterHook(LrUpdaterHook):
    """``lr = base_lr * gamma**progress``."""

    def __init__(self, gamma, **kwargs):
        self.gamma = gamma
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        return lr_schedules.exp_lr(base_lr, self.progress(runner)[0], self.gamma)


@HOOKS.register_module()
class PolyLrUpdaterHook(LrUpdaterHook):
    """``lr = (base_lr - min_lr) * (1 - progress/max)**power + min_lr``."""

    def __init__(self, power=1.0, min_lr=0.0, **kwargs):
        self.power, self.min_lr = power, min_lr
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, total = self.progress(runner)
        return lr_schedules.poly_lr(base_lr, progress, total, self.power, self.min_lr)


@HOOKS.register_module()
class InvLrUpdaterHook(LrUpdaterHook):
    """``lr = base_lr * (1 + gamma*progress)**(-power)``."""

    def __init__(self, gamma, power=1.0, **kwargs):
        self.gamma, self.power = gamma, power
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        return lr_schedules.inv_lr(base_lr, self.progress(runner)[0], self.gamma, self.power)


class _AnnealToMinimum(LrUpdaterHook):
    """Shared by the policies that end at ``min_lr`` or ``base_lr * min_lr_ratio``."""

    def __init__(self, min_lr=None, min_lr_ratio=None, **kwargs):
        check_one_minimum(min_lr, min_lr_ratio, 'min_lr')
        self.min_lr, self.min_lr_ratio = min_lr, min_lr_ratio
        super().__init__(**kwargs)

    def target_lr(self, base_lr):
        return lr_schedules.min_value(base_lr, self.min_lr, self.min_lr_ratio)


@HOOKS.register_module()
class CosineAnnealingLrUpdaterHook(_AnnealToMinimum):
    """Half a cosine from ``base_lr`` to the minimum over the whole run."""

    def get_lr(self, runner, base_lr):
        progress, total = self.progress(runner)
        return lr_schedules.cosine_annealing_lr(base_lr, progress, total, self.target_lr(base_lr))


@HOOKS.register_module()
class FlatCosineAnnealingLrUpdaterHook(_AnnealToMinimum):
    """Flat until ``start_percent`` of the run, then a cosine to the minimum."""

    def __init__(self, start_percent=0.75, **kwargs):
        if not 0 <= start_percent < 1:
            raise ArgumentError(f'start_percent must be in [0, 1), got {start_percent!r}')
        self.start_percent = start_percent
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, total = self.progress(runner)
        return lr_schedules.flat_cosine_annealing_lr(base_lr, progress, total,
                                                     self.target_lr(base_lr), self.start_percent)


@HOOKS.register_module()
class CosineAnnealingCooldownLrUpdaterHook(_AnnealToMinimum):
    """Cosine to the minimum, then the last ``cool_down_time`` steps at
    ``minimum * cool_down_ratio`` (mmcls 0.25)."""

    def __init__(self, cool_down_ratio=0.1, cool_down_time=10, **kwargs):
        self.cool_down_ratio, self.cool_down_time = cool_down_ratio, cool_down_time
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, total = self.progress(runner)
        return lr_schedules.cosine_cooldown_lr(base_lr, progress, total, self.target_lr(base_lr),
                                               self.cool_down_ratio, self.cool_down_time)


@HOOKS.register_module()
class LinearAnnealingLrUpdaterHook(_AnnealToMinimum):
    """A straight line from ``base_lr`` to the minimum over the whole run."""

    def get_lr(self, runner, base_lr):
        progress, total = self.progress(runner)
        return lr_schedules.linear_annealing_lr(base_lr, progress, total, self.target_lr(base_lr))


@HOOKS.register_module()
class CosineRestartLrUpdaterHook(_AnnealToMinimum):
    """Cosine annealing restarted after each of ``periods`` (SGDR), scaled by ``restart_weights``."""

    def __init__(self, periods, restart_weights=(1,), **kwargs):
        if len(periods) != len(restart_weights):
            raise ArgumentError(f'periods {list(periods)} and restart_weights '
                             f'{list(restart_weights)} must have the same length')
        self.periods, self.restart_weights = list(periods), list(restart_weights)
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        return lr_schedules.cosine_restart_lr(base_lr, self.progress(runner)[0], self.periods,
                                              self.restart_weights, self.target_lr(base_lr))


@HOOKS.register_module()
class CyclicLrUpdaterHook(LrUpdaterHook):
    """Cyclical lr (per iteration only): up to ``base*target_ratio[0]``, down to ``base*target_ratio[1]``."""

    def __init__(self, by_epoch=False, target_ratio=(10, 1e-4), cyclic_times=1,
                 step_ratio_up=0.4, anneal_strategy='cos', gamma=1.0, **kwargs):
        check_per_iteration(by_epoch, 'cyclic lr')
        self.cycle = cyclic_schedule(target_ratio, cyclic_times, step_ratio_up,
                                     anneal_strategy, gamma)
        super().__init__(by_epoch=False, **kwargs)

    def get_lr(self, runner, base_lr):
        return self.cycle(base_lr, runner.iter, runner.max_iters)


@HOOKS.register_module()
class OneCycleLrUpdaterHook(LrUpdaterHook):
    """1cycle (per iteration only): ``max_lr/div_factor`` up to ``max_lr``, then far below.

    The start lr of each group is ``max_lr / div_factor``, whatever the optimizer's ``lr``.
    """

    def __init__(self, max_lr, total_steps=None, pct_start=0.3, anneal_strategy='cos',
                 div_factor=25, final_div_factor=1e4, three_phase=False, by_epoch=False,
                 **kwargs):
        check_per_iteration(by_epoch, 'OneCycle lr')
        if not isinstance(max_lr, (numbers.Number, list, tuple, dict)):
            raise TypeError(f'max_lr must be a number, a list (one per param group) or a '
                            f'dict (one per optimizer), got {max_lr!r}')
        if total_steps is not None and not isinstance(total_steps, int):
            raise TypeError(f'total_steps must be an int, got {total_steps!r}')
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ArgumentError(f'pct_start must be a float in [0, 1], got {pct_start!r}')
        lr_schedules.annealer(anneal_strategy)
        self.max_lr, self.total_steps, self.pct_start = max_lr, total_steps, pct_start
        self.anneal_strategy, self.three_phase = anneal_strategy, three_phase
        self.div_factor, self.final_div_factor = div_factor, final_div_factor
        super().__init__(by_epoch=False, **kwargs)

    def steps(self, runner):
        """The length of the cycle: ``total_steps``, else the run's ``max_iters``."""
        return self.total_steps if self.total_steps is not None else runner.max_iters

    def start_values(self, runner, optimizer_name, optimizer):
        if self.steps(runner) < runner.max_iters:
            raise ArgumentError(f'OneCycle: total_steps={self.total_steps} is shorter than the run '
                             f'({runner.max_iters} iterations)')
        starts = [lr / self.div_factor
                  for lr in per_group(self.max_lr, optimizer_name, optimizer, 'max_lr')]
        for group, lr in zip(optimizer.param_groups, starts):
            group.setdefault('initial_lr', lr)
        return starts

    def get_lr(self, runner, base_lr):
        return lr_schedules.one_cycle_lr(runner.iter, base_lr * self.div_factor, self.steps(runner),
                                         self.pct_start, self.anneal_strategy, self.div_factor,
                                         self.final_div_factor, self.three_phase)
