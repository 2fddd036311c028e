"""Logger hooks: print and store the averaged ``runner.log_buffer`` every ``interval`` iters.

``log_config = dict(interval=50, hooks=[dict(type='TextLoggerHook'),
dict(type='TensorboardLoggerHook')])``. ``TextLoggerHook`` writes the console / ``.log``
lines and a JSON-lines ``<timestamp>.log.json`` (one object per line) you can plot.
"""
import datetime
import json
import numbers
import os
import time

import numpy as np
import torch

from cls_lab.registry import HOOKS

from .hook import Hook

TIME_KEYS = ('time', 'data_time')


class LoggerHook(Hook):
    """Averages the log buffer every ``interval`` iterations and hands it to ``log()``.

    ``ignore_last``: skip the few iterations at the end of an epoch that do not fill an
    interval. ``reset_flag``: clear the buffer's output after logging (the last logger
    registered does it, so every logger sees the same numbers).
    """
    priority = 'VERY_LOW'

    def __init__(self, interval=10, ignore_last=True, reset_flag=False, by_epoch=True):
        self.interval, self.ignore_last = interval, ignore_last
        self.reset_flag, self.by_epoch = reset_flag, by_epoch

    def log(self, runner):
        raise NotImplementedError

    def before_run(self, runner):
        loggers = [hook for hook in runner.hooks if isinstance(hook, LoggerHook)]
        if loggers:
            loggers[-1].reset_flag = True

    def before_epoch(self, runner):
        runner.log_buffer.clear()

    def after_train_iter(self, runner):
        if self.by_epoch and self.every_n_inner_iters(runner, self.interval):
            runner.log_buffer.average(self.interval)
        elif not self.by_epoch and self.every_n_iters(runner, self.interval):
            runner.log_buffer.average(self.interval)
        elif self.by_epoch and self.end_of_epoch(runner) and not self.ignore_last:
            runner.log_buffer.average(runner.inner_iter % self.interval + 1)
        self._log_if_ready(runner)

    def after_train_epoch(self, runner):
        self._log_if_ready(runner)   # e.g. what EvalHook put there

    def after_val_epoch(self, runner):
        runner.log_buffer.average()
        self._log_if_ready(runner)

    def _log_if_ready(self, runner):
        if runner.log_buffer.ready:
            if runner.rank == 0:
                self.log(runner)
            if self.reset_flag:
                runner.log_buffer.clear_output()

    # helpers for subclasses
    def get_mode(self, runner):
        """'train' for training averages, 'val' for the val workflow and evaluation results."""
        if runner.mode == 'train' and 'time' in runner.log_buffer.output:
            return 'train'
        return 'val'

    def get_epoch(self, runner):
        """The epoch being trained (1-based); after it, the val workflow reports that same one."""
        return runner.epoch + 1 if runner.mode == 'train' else max(runner.epoch, 1)

    def get_iter(self, runner, inner_iter=False):
        return runner.inner_iter + 1 if self.by_epoch and inner_iter else runner.iter + 1

    @staticmethod
    def is_scalar(value):
        """A number, a 0-d numpy array or a one-element tensor."""
        if isinstance(value, numbers.Number):
            return True
        if isinstance(value, np.ndarray):
            return value.ndim == 0
        return isinstance(value, torch.Tensor) and value.numel() == 1

    def get_lr_tags(self, runner):
        """``{'learning_rate': lr}`` (``learning_rate/<name>`` per optimizer), mmcv's tags."""
        return _first_values('learning_rate', runner.current_lr())

    def get_momentum_tags(self, runner):
        """``{'momentum': m}`` (``momentum/<name>`` per optimizer), mmcv's tags."""
        return _first_values('momentum', runner.current_momentum())

    def get_loggable_tags(self, runner, allow_scalar=True, allow_text=False, add_mode=True,
                          tags_to_skip=TIME_KEYS):
        """The log buffer's averages (``mode/key`` when ``add_mode``) plus the LR and momentum
        tags: what a logger hook of your own writes, as in mmcv."""
        tags = {}
        for key, value in runner.log_buffer.output.items():
            if key in tags_to_skip or (self.is_scalar(value) and not allow_scalar) \
                    or (isinstance(value, str) and not allow_text):
                continue
            tags[f'{self.get_mode(runner)}/{key}' if add_mode else key] = value
        tags.update(self.get_lr_tags(runner))
        tags.update(self.get_momentum_tags(runner))
        return tags

    def get_lr(self, runner):
        lrs = runner.current_lr() if runner.optimizer is not None else []
        if isinstance(lrs, dict):
            return {f'lr_{name}': values[0] for name, values in lrs.items() if values}
        return {'lr': lrs[0]} if lrs else {}


@HOOKS.register_module()
class TextLoggerHook(LoggerHook):
    """Console/``.log`` lines such as ``Epoch [1][50/100] lr: 1.000e-01, eta: 0:01:02,
    time: 0.031, data_time: 0.002, loss: 0.6931``, plus ``<timestamp>.log.json`` in work_dir.

    ``interval_exp_name``: every that many iterations also print ``runner.meta['exp_name']``.
    """

    def __init__(self, by_epoch=True, interval=10, ignore_last=True, reset_flag=False,
                 interval_exp_name=1000):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.interval_exp_name = interval_exp_name
        self.json_path = None

    def before_run(self, runner):
        super().before_run(runner)
        self.start_iter, self.time_sec_tot = runner.iter, 0.0
        if not runner.timestamp:   # apis.train_model may pass timestamp=None
            runner.timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
        if runner.work_dir is not None and runner.rank == 0:
            self.json_path = os.path.join(runner.work_dir, f'{runner.timestamp}.log.json')
            if runner.meta:        # first line: the run's meta (exp_name, seed, config ...)
                self._append_json(runner.meta)

    def log(self, runner):
        if runner.meta.get('exp_name') and (self.every_n_iters(runner, self.interval_exp_name)
                                            or (self.by_epoch and self.end_of_epoch(runner))):
            runner.logger.info(f'Exp name: {runner.meta["exp_name"]}')
        mode = self.get_mode(runner)
        # an evaluation reports how many batches it scored (mmcv's record), else the iteration
        count = runner.log_buffer.output.pop('eval_iter_num', None)
        record = dict(mode=mode, epoch=self.get_epoch(runner),
                      iter=self.get_iter(runner, inner_iter=True) if count is None else count)
        record.update(self.get_lr(runner))
        if record['mode'] == 'train' and torch.cuda.is_available() \
                and runner.device.type == 'cuda':
            record['memory'] = int(torch.cuda.max_memory_allocated(runner.device) // 2**20)
            torch.cuda.reset_peak_memory_stats(runner.device)
        record.update(runner.log_buffer.output)
        runner.logger.info(self._text(runner, record))
        if self.json_path is not None:
            self._append_json(record)

    def _text(self, runner, record):
        if record['mode'] == 'train':
            total = len(runner.data_loader) if self.by_epoch else runner.max_iters
            head = (f'Epoch [{record["epoch"]}][{record["iter"]}/{total}]\t' if self.by_epoch
                    else f'Iter [{record["iter"]}/{total}]\t')
            lr = ', '.join(f'{k}: {v:.3e}' for k, v in record.items() if k.startswith('lr'))
            parts = [lr] if lr else []
            if 'time' in record:
                self.time_sec_tot += record['time'] * self.interval
                done = max(runner.iter - self.start_iter + 1, 1)
                eta = self.time_sec_tot / done * (runner.max_iters - runner.iter - 1)
                parts.append(f'eta: {datetime.timedelta(seconds=int(max(eta, 0)))}')
                parts += [f'{k}: {record[k]:.3f}' for k in TIME_KEYS if k in record]
            if 'memory' in record:
                parts.append(f'memory: {record["memory"]}')
        else:
            head = f'Epoch({record["mode"]}) [{record["epoch"]}][{record["iter"]}]\t' \
                if self.by_epoch else f'Iter({record["mode"]}) [{record["iter"]}]\t'
            parts = []
        skip = {'mode', 'epoch', 'iter', 'memory', *TIME_KEYS}
        parts += [f'{k}: {_fmt(v)}' for k, v in record.items()
                  if k not in skip and not k.startswith('lr')]
        return head + ', '.join(parts)

    def _append_json(self, record):
        with open(self.json_path, 'a', encoding='utf-8') as f:
            f.write(json.dumps({k: _round(v) for k, v in record.items()}, default=str) + '\n')


@HOOKS.register_module()
class TensorboardLoggerHook(LoggerHook):
    """Scalars to TensorBoard (``log_dir`` default: ``work_dir/tf_logs``), tagged ``mode/key``."""

    def __init__(self, log_dir=None, interval=10, ignore_last=True, reset_flag=False,
                 by_epoch=True):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.log_dir, self.writer = log_dir, None

    def before_run(self, runner):
        super().before_run(runner)
        if runner.rank == 0:
            from torch.utils.tensorboard import SummaryWriter
            self.log_dir = self.log_dir or os.path.join(runner.work_dir or '.', 'tf_logs')
            self.writer = SummaryWriter(self.log_dir)

    def log(self, runner):
        mode, step = self.get_mode(runner), self.get_iter(runner)
        values = dict(runner.log_buffer.output)
        if mode == 'train':
            values.update(self.get_lr(runner))
        for key, value in values.items():
            if key not in (*TIME_KEYS, 'eval_iter_num') and isinstance(value, (int, float)):
                self.writer.add_scalar(f'{mode}/{key}', value, step)

    def after_run(self, runner):
        if self.writer is not None:
            self.writer.close()


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """A ``tqdm.auto`` bar (a widget in Jupyter) per epoch, or one over all iterations,
    showing the latest losses every ``interval`` iterations."""
    priority = 'VERY_LOW'

    def __init__(self, interval=1, by_epoch=True, **kwargs):
        self.interval, self.by_epoch, self.bar = interval, by_epoch, None

    def before_run(self, runner):
        if not self.by_epoch and runner.rank == 0:
            self.bar = _tqdm(total=runner.max_iters, initial=runner.iter, desc='train')

    def before_train_epoch(self, runner):
        if self.by_epoch and runner.rank == 0:
            self.bar = _tqdm(total=len(runner.data_loader), initial=runner.inner_iter,
                             desc=f'epoch {runner.epoch + 1}/{runner.max_epochs}')

    def after_train_iter(self, runner):
        if self.bar is None:
            return
        self.bar.update(1)
        if self.every_n_iters(runner, self.interval):
            log_vars = runner.outputs.get('log_vars', {})
            self.bar.set_postfix({k: f'{v:.4g}' for k, v in log_vars.items()}, refresh=False)

    def after_train_epoch(self, runner):
        if self.by_epoch and self.bar is not None:
            self.bar.close()
            self.bar = None

    def after_run(self, runner):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _first_values(tag, values):
    if isinstance(values, dict):
        return {f'{tag}/{name}': group_values[0] for name, group_values in values.items()}
    return {tag: values[0]}


def _tqdm(**kwargs):
    from tqdm.auto import tqdm
    return tqdm(leave=False, dynamic_ncols=True, **kwargs)


def _fmt(value):
    return f'{value:.4f}' if isinstance(value, float) else str(value)


def _round(value):
    return round(value, 6) if isinstance(value, float) else value

