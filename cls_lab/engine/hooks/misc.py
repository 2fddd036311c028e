"""Small hooks: free the CUDA cache, sync BN buffers, reshuffle per epoch, stop on NaN loss."""
import math

import torch

from cls_lab.errors import TrainingDivergedError
from cls_lab.registry import HOOKS

from ..dist import all_reduce_buffers, set_loader_epoch
from .divergence import LossExplosionCheck
from .hook import Hook


@HOOKS.register_module()
class EmptyCacheHook(Hook):
    """``torch.cuda.empty_cache()`` after each epoch (and/or before it, after each iter)."""

    def __init__(self, before_epoch=False, after_epoch=True, after_iter=False):
        self._before_epoch, self._after_epoch = before_epoch, after_epoch
        self._after_iter = after_iter

    def _empty(self):
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def before_epoch(self, runner):
        if self._before_epoch:
            self._empty()

    def after_epoch(self, runner):
        if self._after_epoch:
            self._empty()

    def after_iter(self, runner):
        if self._after_iter:
            self._empty()


@HOOKS.register_module()
class SyncBuffersHook(Hook):
    """Average BN running statistics over the processes at the end of every epoch."""

    def __init__(self, distributed=True):
        self.distributed = distributed

    def after_epoch(self, runner):
        if self.distributed:
            all_reduce_buffers(runner.model)


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """``sampler.set_epoch(epoch)`` before each epoch: a new, reproducible order per epoch.

    cls_lab's runners already do this at the start of every pass (``runner.start_pass``);
    the hook stays for mmcv configs and custom runners, and sets the same value."""

    def before_epoch(self, runner):
        set_loader_epoch(runner.data_loader, runner.epoch)


@HOOKS.register_module()
class CheckInvalidLossHook(Hook):
    """Stop training at the first NaN or inf loss, saying where it happened.

    It runs VERY_HIGH, before OptimizerHook, so the bad gradient never reaches the weights.
    It reads ``log_vars`` (already Python floats), so checking costs nothing. A finite loss
    that explodes stops the run too (``explosion_*``: see divergence.py; None turns it off).
    """
    priority = 'VERY_HIGH'

    def __init__(self, interval=1, explosion_factor=1e3, explosion_window=20):
        self.interval = interval
        self.explosion = LossExplosionCheck(explosion_factor, explosion_window)

    def after_train_iter(self, runner):
        if not self.every_n_iters(runner, self.interval):
            return
        outputs = runner.outputs
        values = dict(outputs.get('log_vars') or {})
        if not values and 'loss' in outputs:
            values['loss'] = float(outputs['loss'].detach())
        bad = {key: v for key, v in values.items()
               if isinstance(v, (int, float)) and not math.isfinite(v)}
        if bad:
            raise TrainingDivergedError(self._message(runner, bad))   # a FloatingPointError
        if isinstance(values.get('loss'), (int, float)):
            self.explosion(values['loss'], f'epoch {runner.epoch + 1}, iteration '
                           f'{runner.inner_iter + 1} (iter {runner.iter + 1} overall)')

    @staticmethod
    def _message(runner, bad):
        where = (f'epoch {runner.epoch + 1}, iteration {runner.inner_iter + 1} of the epoch '
                 f'(iter {runner.iter + 1} overall)')
        losses = ', '.join(f'{key}={value}' for key, value in bad.items())
        text = f'invalid loss at {where}: {losses}.'
        metas = (runner.data_batch or {}).get('img_metas') if isinstance(
            runner.data_batch, dict) else None
        files = [m.get('ori_filename') or m.get('filename') for m in metas or []
                 if isinstance(m, dict)]
        files = [f for f in files if f]
        if files:
            shown = ', '.join(files[:8]) + (f' (+{len(files) - 8} more)' if len(files) > 8 else '')
            text += f' Images in this batch: {shown}.'
        return text + (' Lower the learning rate, add optimizer_config=dict(grad_clip='
                       'dict(max_norm=35)) or check the data.')
