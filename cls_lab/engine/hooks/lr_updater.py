"""LR updater hooks: set each param group's lr before every epoch or iteration.

``lr_config=dict(policy='step', step=[30, 60, 90])`` in a config becomes a
``StepLrUpdaterHook`` (mmcv's rule: an all-lower-case policy is ``.title()``-d, then
``'LrUpdaterHook'`` is appended; see ``lr_hook_type``). The formulas live in
``cls_lab/engine/lr_schedules.py``; *when* they are applied (per epoch or per iteration,
warmup, resumes) is ``ParamUpdaterHook``'s job, shared with the momentum hooks.
"""
import difflib
import numbers

from cls_lab.registry import HOOKS
from .hook import Hook
from .param_updater import ParamUpdaterHook, unwrap_groups, optimizers_of
from .. import lr_schedules

__all__ = ['LrUpdaterHook', 'FixedLrUpdaterHook', 'StepLrUpdaterHook', 'ExpLrUpdaterHook',
           'PolyLrUpdaterHook', 'InvLrUpdaterHook', 'CosineAnnealingLrUpdaterHook',
           'FlatCosineAnnealingLrUpdaterHook', 'CosineAnnealingCooldownLrUpdaterHook',
           'LinearAnnealingLrUpdaterHook',
           'CosineRestartLrUpdaterHook', 'CyclicLrUpdaterHook', 'OneCycleLrUpdaterHook',
           'lr_hook_type', 'build_lr_hook']


def policy_hook_type(policy, suffix):
    """Hook type name for ``policy``, raising a ``KeyError`` that suggests close policies."""
    if not isinstance(policy, str) or not policy:
        raise TypeError(f'policy must be a non-empty string such as "step", got {policy!r}')
    name = (policy.title() if policy == policy.lower() else policy) + suffix
    if name in HOOKS:
        return name
    known = sorted(key[:-len(suffix)] for key in HOOKS.all_names() if key.endswith(suffix))
    close = _close_policies(policy, known)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ''
    config_key = 'lr_config' if suffix == 'LrUpdaterHook' else 'momentum_config'
    raise KeyError(f'{config_key}: unknown policy {policy!r} (no hook {name!r} in the hooks '
                   f'registry){hint} Known policies: {", ".join(known)}')


def _close_policies(policy, known, n=3):
    """Known policies starting like ``policy`` ('cosine'), then difflib's close ones ('stepp')."""
    lowered = {name.lower(): name for name in known}
    close = [name for low, name in lowered.items() if low.startswith(policy.lower())]
    close += [lowered[low] for low in difflib.get_close_matches(policy.lower(), list(lowered), n=n)
              if lowered[low] not in close]
    return close[:n]


def lr_hook_type(policy):
    """``'step'`` -> ``'StepLrUpdaterHook'``, ``'CosineAnnealing'`` -> ``'CosineAnnealingLrUpdaterHook'``."""
    return policy_hook_type(policy, 'LrUpdaterHook')


def build_schedule_hook(cfg, key='lr_config', suffix='LrUpdaterHook'):
    """A hook from ``cfg`` (``policy=`` or ``type=``), a Hook instance as is, None for None.

    ``key`` names the config key in errors; ``suffix`` turns a policy into a hook type."""
    if cfg is None or isinstance(cfg, Hook):
        return cfg
    if not isinstance(cfg, dict):
        raise TypeError(f'{key} must be a dict or None, got {cfg!r}')
    args = dict(cfg)
    if 'type' not in args:
        if 'policy' not in args:
            raise KeyError(f'{key} needs "policy" (e.g. {key}=dict(policy="step", '
                           f'step=[30, 60])) or a "type"; got {args!r}')
        args['type'] = policy_hook_type(args.pop('policy'), suffix)
    args.pop('priority', None)   # the runner puts schedule hooks at their fixed priority
    return HOOKS.build(args)


def build_lr_hook(lr_config):
    """The LR hook of ``lr_config`` (see ``build_schedule_hook``)."""
    return build_schedule_hook(lr_config, 'lr_config', 'LrUpdaterHook')


class LrUpdaterHook(ParamUpdaterHook):
    """Base class: subclasses give ``get_lr(runner, base_lr)``, the lr without warmup;
    warmup multiplies it by a factor growing from ``warmup_ratio`` to 1."""
    priority = 'VERY_HIGH'
    value = 'lr'

    @property
    def base_lr(self):
        return unwrap_groups(self._base)

    @property
    def regular_lr(self):
        return unwrap_groups(self._regular)

    def get_lr(self, runner, base_lr):
        raise NotImplementedError

    def scheduled(self, runner, base):
        return self.get_lr(runner, base)

    def read(self, group, optimizer):
        return group['lr']

    def write(self, group, value):
        group['lr'] = value

    def warmed(self, value, factor):
        return value * factor


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
        return lr_schedules.step_lr(base_lr, self.progress(runner)[0], self.step, self.gamma, self.min_lr)


def check_step(step):
    if isinstance(step, bool) or not isinstance(step, (int, list, tuple)):
        raise TypeError(f'step must be an int or a list of ints, got {step!r}')
    steps = [step] if isinstance(step, int) else list(step)
    if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in steps):
        raise ValueError(f'step must hold positive ints, got {step!r}')


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
        lr_schedules.min_value(1.0, min_lr, min_lr_ratio)   # exactly one of the two
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
            raise ValueError(f'start_percent must be in [0, 1), got {start_percent!r}')
        self.start_percent = start_percent
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, total = self.progress(runner)
        return lr_schedules.flat_cosine_annealing_lr(base_lr, progress, total, self.target_lr(base_lr),
                                          self.start_percent)


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
            raise ValueError(f'periods {list(periods)} and restart_weights '
                             f'{list(restart_weights)} must have the same length')
        self.periods, self.restart_weights = list(periods), list(restart_weights)
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        return lr_schedules.cosine_restart_lr(base_lr, self.progress(runner)[0], self.periods,
                                   self.restart_weights, self.target_lr(base_lr))


class CyclicSchedule:
    """Mixin for the cyclic lr and momentum hooks: per-iteration cycles between
    ``base*target_ratio[0]`` and ``base*target_ratio[1]``, ``cyclic_times`` over the run."""
    default_target_ratio = (10, 1e-4)

    def __init__(self, by_epoch=False, target_ratio=None, cyclic_times=1, step_ratio_up=0.4,
                 anneal_strategy='cos', gamma=1.0, **kwargs):
        if by_epoch:
            raise ValueError(f'cyclic {self.value} works per iteration only: set by_epoch=False')
        if not 0 <= step_ratio_up < 1:
            raise ValueError(f'step_ratio_up must be in [0, 1), got {step_ratio_up!r}')
        if not 0 < gamma <= 1:
            raise ValueError(f'gamma must be in (0, 1], got {gamma!r}')
        lr_schedules.annealer(anneal_strategy)
        self.target_ratio = lr_schedules.normalize_target_ratio(target_ratio or self.default_target_ratio)
        self.cyclic_times, self.step_ratio_up = cyclic_times, step_ratio_up
        self.anneal_strategy, self.gamma = anneal_strategy, gamma
        super().__init__(by_epoch=False, **kwargs)

    def cyclic_value(self, runner, base):
        return lr_schedules.cyclic_lr(base, runner.iter, runner.max_iters, self.target_ratio,
                           self.cyclic_times, self.step_ratio_up, self.anneal_strategy, self.gamma)


@HOOKS.register_module()
class CyclicLrUpdaterHook(CyclicSchedule, LrUpdaterHook):
    """Cyclical lr (per iteration only): up to ``base*target_ratio[0]``, down to ``base*target_ratio[1]``."""

    def get_lr(self, runner, base_lr):
        return self.cyclic_value(runner, base_lr)


@HOOKS.register_module()
class OneCycleLrUpdaterHook(LrUpdaterHook):
    """1cycle (per iteration only): ``max_lr/div_factor`` up to ``max_lr``, then far below."""

    def __init__(self, max_lr, total_steps=None, pct_start=0.3, anneal_strategy='cos',
                 div_factor=25, final_div_factor=1e4, three_phase=False, by_epoch=False,
                 **kwargs):
        if by_epoch:
            raise ValueError('OneCycle lr works per iteration only: set by_epoch=False')
        if not isinstance(max_lr, (numbers.Number, list, tuple, dict)):
            raise TypeError(f'max_lr must be a number, a list (one per param group) or a '
                            f'dict (one per optimizer), got {max_lr!r}')
        if total_steps is not None and not isinstance(total_steps, int):
            raise TypeError(f'total_steps must be an int, got {total_steps!r}')
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f'pct_start must be a float in [0, 1], got {pct_start!r}')
        lr_schedules.annealer(anneal_strategy)
        self.max_lr, self.total_steps, self.pct_start = max_lr, total_steps, pct_start
        self.anneal_strategy, self.three_phase = anneal_strategy, three_phase
        self.div_factor, self.final_div_factor = div_factor, final_div_factor
        super().__init__(by_epoch=False, **kwargs)

    def before_run(self, runner):
        self._total = self.total_steps if self.total_steps is not None else runner.max_iters
        if self._total < runner.max_iters:
            raise ValueError(f'OneCycle: total_steps={self._total} is shorter than the run '
                             f'({runner.max_iters} iterations)')
        self._base = {}
        for name, optimizer in optimizers_of(runner).items():
            max_lrs = per_group(self.max_lr, name, optimizer, 'max_lr')
            self._base[name] = [lr / self.div_factor for lr in max_lrs]
            for group, lr in zip(optimizer.param_groups, self._base[name]):
                group.setdefault('initial_lr', lr)

    def get_lr(self, runner, base_lr):
        return lr_schedules.one_cycle_lr(runner.iter, base_lr * self.div_factor, self._total,
                              self.pct_start, self.anneal_strategy, self.div_factor,
                              self.final_div_factor, self.three_phase)


def per_group(value, name, optimizer, key):
    """One value per param group from a number, a list, or a dict keyed by optimizer name."""
    groups = len(optimizer.param_groups)
    if isinstance(value, dict):
        name = name or type(optimizer).__name__   # a single optimizer is keyed by its class
        if name not in value:
            raise KeyError(f'{key}: no entry for optimizer {name!r} in {value!r}')
        value = value[name]
    if isinstance(value, numbers.Number):
        return [value] * groups
    if len(value) != groups:
        raise ValueError(f'{key}: expected {groups} values (one per param group), got {value!r}')
    return list(value)
