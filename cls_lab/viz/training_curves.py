"""Training curves: live in the notebook while ``train_model`` runs, or read back from log.json.

``LiveTrainingPlotHook`` is an ordinary hook (``custom_hooks=[dict(type='LiveTrainingPlotHook',
interval=10)]``, after ``import cls_lab.viz``); it records loss, accuracy and LR every
iteration and redraws every ``interval`` iterations. ``plot_training_log`` draws the same
three panels from the JSON-lines log that ``TextLoggerHook`` writes.
"""
import json
import os
import time
from collections import defaultdict

import ipywidgets as widgets

from cls_lab.engine.hooks.hook import Hook
from cls_lab.registry import HOOKS

from ._display import figure_to_png, image_widget, new_figure

SKIP_KEYS = {'mode', 'epoch', 'iter', 'lr', 'time', 'data_time', 'memory', 'momentum', 'eta'}


def is_loss(key):
    return 'loss' in key


def is_accuracy(key):
    return any(word in key for word in ('acc', 'top-', 'precision', 'recall', 'f1'))


class Curves:
    """Series ``name -> (xs, ys)`` for the three panels: losses, accuracies and the LR."""

    def __init__(self):
        self.series = defaultdict(lambda: ([], []))

    def add(self, name, x, y):
        xs, ys = self.series[name]
        xs.append(x)
        ys.append(float(y))

    def add_metrics(self, prefix, x, values):
        """Add every loss/accuracy number of ``values`` as series ``prefix + key``."""
        for key, value in values.items():
            if key in SKIP_KEYS or not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if is_loss(key) or is_accuracy(key):
                self.add(prefix + key, x, value)

    def __len__(self):
        return len(self.series)


def draw_curves(curves, xlabel='iteration', title=None):
    """Three panels (loss, accuracy, learning rate) from a ``Curves``; empty panels say so."""
    fig = new_figure(12, 3.4)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.16, top=0.8, wspace=0.22)   # tight_layout costs 2x
    axes = fig.subplots(1, 3)
    panels = [(axes[0], 'loss', lambda name: is_loss(name)),
              (axes[1], 'accuracy', lambda name: is_accuracy(name) and not is_loss(name)),
              (axes[2], 'learning rate', lambda name: name == 'lr')]
    for ax, label, wanted in panels:
        drawn = False
        for name, (xs, ys) in curves.series.items():
            if wanted(name) and xs:
                val = name.startswith('val ')
                ax.plot(xs, ys, marker='o' if val or len(xs) < 3 else None, markersize=4,
                        linestyle='--' if val else '-', label=name)
                drawn = True
        ax.set_title(label)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
        if drawn and label != 'learning rate':
            ax.legend(fontsize=7)
        if not drawn:
            ax.text(0.5, 0.5, f'no {label} logged yet', ha='center', va='center',
                    transform=ax.transAxes, color='gray')
    if title:
        fig.suptitle(title)
    return fig


def in_notebook():
    """True inside a Jupyter kernel (where a widget can be displayed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, 'kernel')


def first_lr(runner):
    """The first parameter group's LR (of the first optimizer when there are several)."""
    lr = runner.current_lr()
    if isinstance(lr, dict):
        lr = next(iter(lr.values()))
    return lr[0] if isinstance(lr, (list, tuple)) else lr


@HOOKS.register_module()
class LiveTrainingPlotHook(Hook):
    """Record loss/accuracy/LR each iteration; redraw every ``interval`` iterations in the notebook.

    Headless (no kernel) it only records; at the end it saves ``out_file`` (relative to the
    work_dir) when set. A redraw takes ~0.3 s on a CPU, so iteration redraws come at most once
    per ``min_seconds``; epoch ends, evaluations and the end of the run always redraw.
    Its own priority (80, used when ``custom_hooks`` gives none) puts it after EvalHook (LOW)
    and before the loggers (VERY_LOW), so it sees the validation results before they are cleared.
    """
    priority = 80

    def __init__(self, interval=10, out_file='live_training.png', show=None, min_seconds=1.0):
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f'LiveTrainingPlotHook: interval must be an int >= 1, got {interval!r}')
        self.interval = interval
        self.out_file = out_file
        self.show = show
        self.min_seconds = min_seconds
        self._drawn_at = float('-inf')
        self.curves = Curves()
        self.image = image_widget()
        self.image.add_class('cls-lab-live-training')
        self.figure = None
        self.draws = 0
        self._val = None
        self._last_eval = None

    def before_run(self, runner):
        self.curves, self._last_eval = Curves(), None
        show = in_notebook() if self.show is None else self.show
        if show:
            from IPython.display import display
            display(self.image)

    def after_train_iter(self, runner):
        step = runner.iter + 1   # the runner counts this iteration after the hooks
        log_vars = (runner.outputs or {}).get('log_vars', {})
        self.curves.add_metrics('', step, log_vars)
        self.curves.add('lr', step, first_lr(runner))
        evaluated = self._record_eval(runner, step, skip=log_vars)   # iter-based EvalHook
        due = self.every_n_iters(runner, self.interval) and \
            time.perf_counter() - self._drawn_at >= self.min_seconds
        if evaluated or due:
            self.redraw(f'epoch {runner.epoch + 1}, iteration {step}')

    def after_train_epoch(self, runner):
        self._record_eval(runner, runner.iter)
        self.redraw(f'epoch {runner.epoch + 1} done, iteration {runner.iter}')

    def _record_eval(self, runner, step, skip=()):
        """Add what EvalHook (priority LOW, just before us) put in the log buffer, once."""
        output = getattr(getattr(runner, 'log_buffer', None), 'output', None) or {}
        results = {k: v for k, v in output.items() if k not in skip and k not in SKIP_KEYS}
        snapshot = sorted(results.items())
        if not results or snapshot == self._last_eval:
            return False
        self._last_eval = snapshot
        self.curves.add_metrics('val ', step, results)
        return True

    def before_val_epoch(self, runner):
        self._val = defaultdict(lambda: [0.0, 0])

    def after_val_iter(self, runner):
        outputs = runner.outputs or {}
        count = int(outputs.get('num_samples', 1))
        for key, value in outputs.get('log_vars', {}).items():
            if isinstance(value, (int, float)):
                self._val[key][0] += float(value) * count
                self._val[key][1] += count

    def after_val_epoch(self, runner):
        means = {key: total / max(count, 1) for key, (total, count) in (self._val or {}).items()}
        self.curves.add_metrics('val ', runner.iter, means)
        self.redraw(f'validation after iteration {runner.iter}')

    def after_run(self, runner):
        self.redraw(f'finished after {runner.iter} iterations')
        if self.out_file and getattr(runner, 'work_dir', None):
            path = os.path.join(runner.work_dir, self.out_file)
            os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
            self.figure.savefig(path, dpi=80, bbox_inches='tight')
            runner.logger.info(f'LiveTrainingPlotHook: saved the curves to {path}')

    def redraw(self, title):
        """Draw the curves so far and push the PNG into the displayed image widget."""
        self.figure = draw_curves(self.curves, title=title)
        self.image.value = figure_to_png(self.figure, tight=False)
        self.draws += 1
        self._drawn_at = time.perf_counter()


def load_training_log(path):
    """``log.json`` (one JSON dict per line) -> (Curves, x label); ``env_info`` lines are skipped."""
    records = []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f'{path}, line {number}: not JSON ({error.msg})') from None
            if isinstance(record, dict) and record.get('mode') in ('train', 'val'):
                records.append(record)
    if not records:
        raise ValueError(f'{path}: no train/val records (lines with "mode") in this log')
    train = [r for r in records if r['mode'] == 'train']
    iters = [r.get('iter', i) for i, r in enumerate(train)]
    restarts = any(b < a for a, b in zip(iters, iters[1:]))
    per_epoch = restarts or len({r.get('epoch') for r in train}) > 1
    epoch_len = defaultdict(int)
    for r in train:
        epoch_len[r.get('epoch', 1)] = max(epoch_len[r.get('epoch', 1)], r.get('iter', 1))

    def x_of(record):
        if not per_epoch:
            return record.get('iter', 0)
        epoch = record.get('epoch', 1)
        if record['mode'] == 'val':
            return epoch
        return epoch - 1 + record.get('iter', 0) / max(epoch_len[epoch], 1)

    curves = Curves()
    for record in records:
        x = x_of(record)
        curves.add_metrics('' if record['mode'] == 'train' else 'val ', x, record)
        if record['mode'] == 'train' and 'lr' in record:
            lr = record['lr']
            curves.add('lr', x, next(iter(lr.values())) if isinstance(lr, dict) else lr)
    return curves, 'epoch' if per_epoch else 'iteration'


def plot_training_log(log_json_path):
    """Figure: loss, accuracy and LR curves read from a ``TextLoggerHook`` log.json."""
    curves, xlabel = load_training_log(log_json_path)
    return draw_curves(curves, xlabel, title=os.path.basename(str(log_json_path)))
