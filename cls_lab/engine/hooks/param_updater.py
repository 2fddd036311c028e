"""When a scheduled optimizer setting changes: the timing the LR and momentum hooks share.

A subclass says which setting it schedules (``value = 'lr'`` or ``'momentum'``), how to read
and write it in a param group and how warmup bends it; this class decides *when*, as mmcv 1.x:

* ``before_run``: every param group remembers ``initial_<value>`` (kept across resumes);
* ``by_epoch=True``: the regular value is set in ``before_train_epoch`` from ``runner.epoch``,
  and warmup (always per iteration) overrides it while ``runner.iter < warmup_iters``;
* ``by_epoch=False``: the value is recomputed in ``before_train_iter`` from ``runner.iter``.
"""
from .hook import Hook
from .. import lr_schedules


def optimizers_of(runner):
    """``{name: optimizer}``: a plain optimizer is ``{'': optimizer}``; a dict stays a dict."""
    optimizer = runner.optimizer
    return dict(optimizer) if isinstance(optimizer, dict) else {'': optimizer}


def unwrap_groups(groups_by_name):
    """A list for a single optimizer, the dict for a dict of optimizers (mmcv's shapes)."""
    return groups_by_name[''] if list(groups_by_name) == [''] else groups_by_name


class ParamUpdaterHook(Hook):
    """Base of ``LrUpdaterHook`` and ``MomentumUpdaterHook``: subclasses give the four methods
    ``scheduled``, ``read``, ``write`` and ``warmed``; ``value`` names the setting."""
    value = None   # 'lr' or 'momentum': the group key 'initial_<value>' remembers the start

    def __init__(self, by_epoch=True, warmup=None, warmup_iters=0, warmup_ratio=0.1,
                 warmup_by_epoch=False):
        if warmup is not None:
            if warmup not in lr_schedules.WARMUPS:
                raise ValueError(f'warmup must be one of {lr_schedules.WARMUPS} or None, got {warmup!r}')
            if not warmup_iters > 0:
                raise ValueError(f'warmup_iters must be a positive integer, got {warmup_iters!r}')
            if not 0 < warmup_ratio <= 1.0:
                raise ValueError(f'warmup_ratio must be in (0, 1], got {warmup_ratio!r}')
        self.by_epoch, self.warmup, self.warmup_ratio = by_epoch, warmup, warmup_ratio
        self.warmup_by_epoch = warmup_by_epoch
        # with warmup_by_epoch, warmup_iters is known once the epoch length is
        self.warmup_epochs = warmup_iters if warmup_by_epoch else None
        self.warmup_iters = None if warmup_by_epoch else warmup_iters
        self._base = {}      # optimizer name -> [initial value per group]
        self._regular = {}   # optimizer name -> [value per group without warmup]

    # ---- what a subclass gives
    def scheduled(self, runner, base):
        """The regular (no warmup) value now, for a group that started at ``base``."""
        raise NotImplementedError

    def read(self, group, optimizer):
        raise NotImplementedError

    def write(self, group, value):
        raise NotImplementedError

    def warmed(self, value, factor):
        """``value`` bent by a warmup ``factor`` that grows from ``warmup_ratio`` to 1."""
        raise NotImplementedError

    # ---- the shared timing
    def progress(self, runner):
        """Where the run is, in the schedule's unit: ``(step, total_steps)``."""
        if self.by_epoch:
            return runner.epoch, runner.max_epochs
        return runner.iter, runner.max_iters

    def get_regular(self, runner):
        return {name: [self.scheduled(runner, base) for base in bases]
                for name, bases in self._base.items()}

    def get_warmup(self, cur_iter):
        factor = lr_schedules.warmup_factor(self.warmup, cur_iter, self.warmup_iters, self.warmup_ratio)
        return {name: [self.warmed(v, factor) for v in values]
                for name, values in self._regular.items()}

    def _apply(self, runner, values_by_name):
        for name, optimizer in optimizers_of(runner).items():
            for group, value in zip(optimizer.param_groups, values_by_name.get(name, [])):
                self.write(group, value)

    def _resolve_warmup_iters(self, runner):
        if self.warmup_iters is None:
            self.warmup_iters = self.warmup_epochs * len(runner.data_loader)

    def before_run(self, runner):
        key = f'initial_{self.value}'
        self._base = {}
        for name, optimizer in optimizers_of(runner).items():
            for group in optimizer.param_groups:
                group.setdefault(key, self.read(group, optimizer))   # a resumed run keeps its own
            self._base[name] = [group[key] for group in optimizer.param_groups]

    def before_train_epoch(self, runner):
        self._resolve_warmup_iters(runner)
        if not self.by_epoch:
            return
        self._regular = self.get_regular(runner)
        self._apply(runner, self._regular)

    def before_train_iter(self, runner):
        self._resolve_warmup_iters(runner)
        cur_iter = runner.iter
        warming_up = self.warmup is not None and cur_iter < self.warmup_iters
        if not self.by_epoch:
            self._regular = self.get_regular(runner)
            self._apply(runner, self.get_warmup(cur_iter) if warming_up else self._regular)
        elif warming_up:
            self._apply(runner, self.get_warmup(cur_iter))
        elif self.warmup is not None and cur_iter == self.warmup_iters:
            self._apply(runner, self._regular)   # warmup just ended mid-epoch
