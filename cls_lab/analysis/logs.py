"""Read the JSON-lines logs that TextLoggerHook writes, plot runs against each other, time them.

A ``<timestamp>.log.json`` has one dict per line: an optional header (``env_info``,
``seed``), ``mode='train'`` lines averaged over ``log_config.interval`` iterations, and
``mode='val'`` lines with the EvalHook metrics of each epoch. ``plot_curves`` puts any keys
of any number of runs on one figure (mmcls' analyze_logs plot_curve), ``train_time`` reports
the seconds per iteration (cal_train_time).
"""
import json
from pathlib import Path

import numpy as np

NOT_METRICS = {'mode', 'epoch', 'iter', 'time', 'data_time', 'memory', 'eta'}


class TrainingLog:
    """One log.json: its train and val records, in file order."""

    def __init__(self, path):
        self.path = str(path)
        self.train, self.val = [], []
        with open(path, encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f'{path}, line {number}: not JSON ({error.msg})') from None
                if record.get('mode') == 'train':
                    self.train.append(record)
                elif record.get('mode') == 'val':
                    self.val.append(record)
        if not self.train and not self.val:
            raise ValueError(f'{path}: no train/val records (lines with "mode"); '
                             'is this a TextLoggerHook .log.json?')
        # iteration-based runs log epoch 1 throughout: several epochs mean an epoch axis
        self.by_epoch = len({r.get('epoch') for r in self.train + self.val}) > 1

    def keys(self):
        """Every plottable key, train and val, sorted."""
        keys = {k for r in self.train + self.val for k, v in r.items()
                if k not in NOT_METRICS and isinstance(v, (int, float)) and not isinstance(v, bool)}
        return sorted(keys)

    def iters_per_epoch(self):
        """The largest ``iter`` of a train record (the last logged iteration of an epoch)."""
        return max((r.get('iter', 1) for r in self.train), default=1)

    def series(self, key):
        """``(x, y, mode)`` of ``key``: training keys against fractional epochs (or iterations),
        validation metrics against their epoch; ``mode`` says which records it came from."""
        per_epoch = self.iters_per_epoch()
        train = [r for r in self.train if key in r]
        if train:
            if self.by_epoch:
                x = [r['epoch'] - 1 + r['iter'] / per_epoch for r in train]
            else:
                x = [r['iter'] for r in train]
            return np.array(x, dtype=float), np.array([r[key] for r in train], dtype=float), 'train'
        val = [r for r in self.val if key in r]
        if val:
            x = [r['epoch'] if self.by_epoch else r['iter'] for r in val]
            return np.array(x, dtype=float), np.array([r[key] for r in val], dtype=float), 'val'
        raise KeyError(f'{self.path} does not contain {key!r}; its keys: {", ".join(self.keys())}')


def plot_curves(logs, keys, legend=None, title=None, style='-'):
    """One axis per key; every log drawn on each. ``logs``: paths or TrainingLog objects."""
    from matplotlib.figure import Figure
    logs = [log if isinstance(log, TrainingLog) else TrainingLog(log) for log in logs]
    keys = [keys] if isinstance(keys, str) else list(keys)
    names = list(legend) if legend else [Path(log.path).name for log in logs]
    if len(names) != len(logs):
        raise ValueError(f'--legend has {len(names)} names for {len(logs)} logs')
    fig = Figure(figsize=(5.5 * len(keys), 3.6), layout='constrained')
    axes = fig.subplots(1, len(keys), squeeze=False)[0]
    for ax, key in zip(axes, keys):
        for log, name in zip(logs, names):
            x, y, mode = log.series(key)
            ax.plot(x, y, style, marker='o' if mode == 'val' or len(x) < 4 else None,
                    markersize=4, label=name)
        ax.set_xlabel('epoch' if logs[0].by_epoch else 'iteration')
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def train_time(log, include_outliers=False):
    """Seconds per iteration: per-epoch means, slowest/fastest epoch, spread, overall mean.

    The first logged interval of each epoch (data loader start-up) is left out unless
    ``include_outliers``, as mmcls does.
    """
    log = log if isinstance(log, TrainingLog) else TrainingLog(log)
    epochs = {}
    for record in log.train:
        if 'time' in record:
            epochs.setdefault(record.get('epoch', 1), []).append(record['time'])
    if not epochs:
        raise ValueError(f'{log.path}: no "time" in the train records (IterTimerHook logs it)')
    kept = {e: (t if include_outliers or len(t) == 1 else t[1:]) for e, t in epochs.items()}
    means = {e: float(np.mean(t)) for e, t in kept.items()}
    slowest, fastest = max(means, key=means.get), min(means, key=means.get)
    return dict(epoch_means=means, slowest_epoch=slowest, slowest=means[slowest],
                fastest_epoch=fastest, fastest=means[fastest],
                std_over_epochs=float(np.std(list(means.values()))),
                mean=float(np.mean(np.concatenate([np.asarray(t) for t in kept.values()]))))
