"""When a scheduled optimizer setting changes: the timing the LR and momentum hooks share.

A subclass names the param-group setting it schedules (``key = 'lr'`` or ``'momentum'``) and
writes one method, ``scheduled(runner, base)``: the value now, for a group that started at
``base``. This class decides *when* that value is written, as mmcv 1.x does:

* ``before_run``: every param group remembers ``initial_<key>`` (kept across resumes);
* ``by_epoch=True``: the regular value is set in ``before_train_epoch`` from ``runner.epoch``,
  and warmup (always per iteration) overrides it while ``runner.iter < warmup_iters``;
* ``by_epoch=False``: the value is recomputed in ``before_train_iter`` from ``runner.iter``.

The config helpers both hook families use (``policy_hook_type``, ``build_schedule_hook``,
``per_group``, ``check_step``) live here too.
"""
import difflib
import numbers

from cls_lab.errors import ArgumentError
from cls_lab.registry import HOOKS
from .hook import Hook
from .. import lr_schedules


def read_setting(group, key):
    """``group[key]``, or None; ``'momentum'`` is Adam's ``betas[0]`` when the group has betas."""
    if key == 'momentum' and 'momentum' not in group and 'betas' in group:
        return group['betas'][0]
    return group.get(key)


def write_setting(group, key, value):
    """Set ``group[key]`` (``betas[0]`` for the momentum of an Adam-like group)."""
    if key == 'momentum' and 'momentum' not in group and 'betas' in group:
        group['betas'] = (value, group['betas'][1])
    else:
        group[key] = value


def optimizers_of(runner):
    """``{name: optimizer}``: a plain optimizer is ``{'': optimizer}``; a dict stays a dict."""
    optimizer = runner.optimizer
    return dict(optimizer) if isinstance(optimizer, dict) else {'': optimizer}


def unwrap_groups(groups_by_name):
    """A list for a single optimizer, the dict for a dict of optimizers (mmcv's shapes)."""
    return groups_by_name[''] if list(groups_by_name) == [''] else groups_by_name


class ParamUpdaterHook(Hook):
    """Base of ``LrUpdaterHook`` and ``MomentumUpdaterHook``: give ``key`` and ``scheduled``.

    ``start_values`` (each group's ``base``) and ``warmed`` (how warmup bends a value; by
    default it multiplies by the factor) are the two points a schedule may redefine.
    """
    key = None   # the param-group setting scheduled, e.g. 'lr' or 'momentum'

    def __init__(self, by_epoch=True, warmup=None, warmup_iters=0, warmup_ratio=0.1,
                 warmup_by_epoch=False):
        if warmup is not None:
            if warmup not in lr_schedules.WARMUPS:
                raise ArgumentError(f'warmup must be one of {lr_schedules.WARMUPS} or None, got {warmup!r}')
            if not warmup_iters > 0:
                raise ArgumentError(f'warmup_iters must be a positive integer, got {warmup_iters!r}')
            if not 0 < warmup_ratio <= 1.0:
                raise ArgumentError(f'warmup_ratio must be in (0, 1], got {warmup_ratio!r}')
        self.by_epoch, self.warmup, self.warmup_ratio = by_epoch, warmup, warmup_ratio
        self.warmup_by_epoch = warmup_by_epoch
        # with warmup_by_epoch, warmup_iters is known once the epoch length is
        self.warmup_epochs = warmup_iters if warmup_by_epoch else None
        self.warmup_iters = None if warmup_by_epoch else warmup_iters
        self.base_values = {}      # optimizer name -> [start value per group]
        self.regular_values = {}   # optimizer name -> [value per group without warmup]

    # ---- what a schedule gives
    def scheduled(self, runner, base):
        """The regular (no warmup) value now, for a group that started at ``base``."""
        raise NotImplementedError

    def start_values(self, runner, optimizer_name, optimizer):
        """Each group's ``base``: its ``initial_<key>``, stored on first use (a resume keeps it)."""
        initial = f'initial_{self.key}'
        for group in optimizer.param_groups:
            if initial not in group:
                value = read_setting(group, self.key)
                if value is None:
                    raise KeyError(f'{type(self).__name__} schedules {self.key!r}, but the param '
                                   f'groups of {type(optimizer).__name__} have no {self.key!r}'
                                   + (' (nor "betas")' if self.key == 'momentum' else ''))
                group[initial] = value
        return [group[initial] for group in optimizer.param_groups]

    def warmed(self, value, factor):
        """``value`` bent by a warmup ``factor`` that grows from ``warmup_ratio`` to 1."""
        return value * factor

    # ---- the shared timing
    def progress(self, runner):
        """Where the run is, in the schedule's unit: ``(step, total_steps)``."""
        if self.by_epoch:
            return runner.epoch, runner.max_epochs
        return runner.iter, runner.max_iters

    def regular(self, runner):
        return {name: [self.scheduled(runner, base) for base in bases]
                for name, bases in self.base_values.items()}

    def warmup_at(self, cur_iter):
        factor = lr_schedules.warmup_factor(self.warmup, cur_iter, self.warmup_iters,
                                            self.warmup_ratio)
        return {name: [self.warmed(value, factor) for value in values]
                for name, values in self.regular_values.items()}

    def write(self, runner, values_by_name):
        for name, optimizer in optimizers_of(runner).items():
            for group, value in zip(optimizer.param_groups, values_by_name.get(name, [])):
                write_setting(group, self.key, value)

    def before_run(self, runner):
        self.base_values = {name: self.start_values(runner, name, optimizer)
                            for name, optimizer in optimizers_of(runner).items()}

    def before_train_epoch(self, runner):
        if self.warmup_iters is None:
            self.warmup_iters = self.warmup_epochs * len(runner.data_loader)
        if self.by_epoch:
            self.regular_values = self.regular(runner)
            self.write(runner, self.regular_values)

    def before_train_iter(self, runner):
        if self.warmup_iters is None:
            self.warmup_iters = self.warmup_epochs * len(runner.data_loader)
        cur_iter = runner.iter
        warming_up = self.warmup is not None and cur_iter < self.warmup_iters
        if not self.by_epoch:
            self.regular_values = self.regular(runner)
            self.write(runner, self.warmup_at(cur_iter) if warming_up else self.regular_values)
        elif warming_up:
            self.write(runner, self.warmup_at(cur_iter))
        elif self.warmup is not None and cur_iter == self.warmup_iters:
            self.write(runner, self.regular_values)   # warmup just ended mid-epoch


# ---- config helpers shared by the LR and momentum hooks -----------------------------------

def policy_hook_type(policy, suffix):
    """Hook type name for ``policy``, raising a ``KeyError`` that suggests close policies."""
    if not isinstance(policy, str) or not policy:
        raise TypeError(f'policy must be a non-empty string such as "step", got {policy!r}')
    name = (policy.title() if policy == policy.lower() else policy) + suffix
    if name in HOOKS:
        return name
    known = sorted(key[:-len(suffix)] for key in HOOKS.all_names() if key.endswith(suffix))
    close = close_policies(policy, known)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ''
    config_key = 'lr_config' if suffix == 'LrUpdaterHook' else 'momentum_config'
    raise KeyError(f'{config_key}: unknown policy {policy!r} (no hook {name!r} in the hooks '
                   f'registry){hint} Known policies: {", ".join(known)}')


def close_policies(policy, known, n=3):
    """Known policies starting like ``policy`` ('cosine'), then difflib's close ones ('stepp')."""
    lowered = {name.lower(): name for name in known}
    close = [name for low, name in lowered.items() if low.startswith(policy.lower())]
    close += [lowered[low] for low in difflib.get_close_matches(policy.lower(), list(lowered), n=n)
              if lowered[low] not in close]
    return close[:n]


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


def check_step(step):
    """``step`` of a step policy: a positive int or a list of them."""
    if isinstance(step, bool) or not isinstance(step, (int, list, tuple)):
        raise TypeError(f'step must be an int or a list of ints, got {step!r}')
    steps = [step] if isinstance(step, int) else list(step)
    if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in steps):
        raise ArgumentError(f'step must hold positive ints, got {step!r}')


def check_one_minimum(minimum, ratio, name):
    """An annealing ends at ``min_<x>`` or at ``base * min_<x>_ratio``: exactly one is given."""
    if (minimum is None) == (ratio is None):
        raise ArgumentError(f'give exactly one of {name} and {name}_ratio, '
                            f'got {name}={minimum!r}, {name}_ratio={ratio!r}')


def cyclic_schedule(*args):
    """``lr_schedules.CyclicSchedule(*args)``, its argument errors as ``ArgumentError``s."""
    try:
        return lr_schedules.CyclicSchedule(*args)
    except ValueError as error:   # the pure maths file raises plain ValueErrors
        raise ArgumentError(str(error)) from None


def check_per_iteration(by_epoch, what):
    """Cyclic and one-cycle schedules move every iteration: ``by_epoch=True`` is an error."""
    if by_epoch:
        raise ArgumentError(f'{what} works per iteration only: set by_epoch=False')


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
        raise ArgumentError(f'{key}: expected {groups} values (one per param group), got {value!r}')
    return list(value)
