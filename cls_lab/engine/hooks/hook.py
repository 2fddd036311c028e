"""The Hook base class and the priority table of seed 003 §6.

A runner calls every hook's ``before_run``, ``before_train_epoch``, ``after_train_iter``
... in priority order (a smaller number runs first). Subclass ``Hook`` and override the
points you need; every point receives the runner.
"""
from enum import Enum


class Priority(Enum):
    """Hook priorities: 0 runs first, 100 runs last."""
    HIGHEST = 0
    VERY_HIGH = 10
    HIGH = 30
    ABOVE_NORMAL = 40
    NORMAL = 50
    BELOW_NORMAL = 60
    LOW = 70
    VERY_LOW = 90
    LOWEST = 100


def get_priority(priority):
    """An int for ``priority`` given as an int (0-100), a ``Priority`` or its name ('HIGH')."""
    if isinstance(priority, bool):
        raise TypeError(f'priority must be an int, a name or a Priority, got {priority!r}')
    if isinstance(priority, int):
        if not 0 <= priority <= 100:
            raise ValueError(f'priority must be between 0 and 100, got {priority}')
        return priority
    if isinstance(priority, Priority):
        return priority.value
    if isinstance(priority, str):
        try:
            return Priority[priority.upper()].value
        except KeyError:
            names = ', '.join(p.name for p in Priority)
            raise ValueError(f'unknown priority {priority!r}; choose one of {names} '
                             'or an int from 0 to 100') from None
    raise TypeError(f'priority must be an int, a name or a Priority, got {priority!r}')


class Hook:
    """Do-nothing hook points; override the ones you need.

    The ``*_epoch`` and ``*_iter`` points come in ``train`` and ``val`` variants; the
    plain ``before_epoch`` / ``after_epoch`` / ``before_iter`` / ``after_iter`` are what
    both variants call by default, as in mmcv.
    """
    priority = 'NORMAL'   # used when a hook is registered without an explicit priority

    stages = ('before_run', 'before_train_epoch', 'before_train_iter', 'after_train_iter',
              'after_train_epoch', 'before_val_epoch', 'before_val_iter', 'after_val_iter',
              'after_val_epoch', 'after_run')

    def before_run(self, runner):
        pass

    def after_run(self, runner):
        pass

    def before_epoch(self, runner):
        pass

    def after_epoch(self, runner):
        pass

    def before_iter(self, runner):
        pass

    def after_iter(self, runner):
        pass

    def before_train_epoch(self, runner):
        self.before_epoch(runner)

    def before_val_epoch(self, runner):
        self.before_epoch(runner)

    def after_train_epoch(self, runner):
        self.after_epoch(runner)

    def after_val_epoch(self, runner):
        self.after_epoch(runner)

    def before_train_iter(self, runner):
        self.before_iter(runner)

    def before_val_iter(self, runner):
        self.before_iter(runner)

    def after_train_iter(self, runner):
        self.after_iter(runner)

    def after_val_iter(self, runner):
        self.after_iter(runner)

    # Small helpers hooks use to decide when to act, as in mmcv.
    def every_n_epochs(self, runner, n):
        return (runner.epoch + 1) % n == 0 if n > 0 else False

    def every_n_iters(self, runner, n):
        return (runner.iter + 1) % n == 0 if n > 0 else False

    def every_n_inner_iters(self, runner, n):
        return (runner.inner_iter + 1) % n == 0 if n > 0 else False

    def end_of_epoch(self, runner):
        return runner.inner_iter + 1 == len(runner.data_loader)

    def is_last_epoch(self, runner):
        return runner.epoch + 1 == runner.max_epochs

    def is_last_iter(self, runner):
        return runner.iter + 1 == runner.max_iters

    def get_triggered_stages(self):
        """The hook points this hook overrides (used to print the hook order per stage)."""
        overridden = set()
        for stage in self.stages + ('before_epoch', 'after_epoch', 'before_iter', 'after_iter'):
            if getattr(type(self), stage) is not getattr(Hook, stage):
                overridden.add(stage)
        aliases = {'before_epoch': ('before_train_epoch', 'before_val_epoch'),
                   'after_epoch': ('after_train_epoch', 'after_val_epoch'),
                   'before_iter': ('before_train_iter', 'before_val_iter'),
                   'after_iter': ('after_train_iter', 'after_val_iter')}
        for plain, variants in aliases.items():
            if plain in overridden:
                overridden.update(variants)
        return [stage for stage in self.stages if stage in overridden]
