"""BaseRunner: what both runners share — hooks, device moves, checkpoints and RNG state.

A runner owns the model, the optimizer and a list of hooks sorted by priority. The
training step (``run_iter``) and the loops (by epoch or by iteration) live in ``runner.py``.
"""
import logging
import os
import platform
import time
from pathlib import Path

import torch

from cls_lab.errors import check_positive_int
from cls_lab.registry import HOOKS

from .checkpoint import load_checkpoint, load_checkpoint_dict, load_file, save_checkpoint
from .checkpoint_files import link_latest
from .dist import (get_dist_info, is_distributed_wrapper, set_loader_epoch, unwrap_model,
                   wrap_distributed)
from .hooks.hook import Hook, Priority, get_priority
from .hooks.lr_updater import build_lr_hook
from .hooks.momentum_updater import build_momentum_hook
from .hooks.param_updater import read_setting
from .log_buffer import LogBuffer
from .resume_check import check_resumable
from .rng import get_rng_state, set_rng_state


class BaseRunner:
    """Holds model, optimizer and hooks; subclasses write ``run``, ``train`` and ``val``.

    ``device`` defaults to CUDA when present, else CPU. ``channels_last`` stores the model
    and the input images NHWC; ``compile`` (True or torch.compile kwargs) runs
    ``model.compile()`` in place, so the state dict keys stay unprefixed. With
    torch.distributed running, the model is wrapped in DDP (``find_unused_parameters``).
    """
    by_epoch = True   # the unit config hooks default to; IterBasedRunner counts iterations

    def __init__(self, model, optimizer=None, work_dir=None, logger=None, meta=None,
                 max_epochs=None, max_iters=None, device=None, channels_last=False,
                 compile=False, find_unused_parameters=False):
        if max_epochs is not None and max_iters is not None:
            raise ValueError(f'{type(self).__name__}: Only one of `max_epochs` or `max_iters` '
                             f'can be set (got max_epochs={max_epochs}, max_iters={max_iters})')
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f'meta must be a dict, got {type(meta).__name__}')
        for key, value in dict(max_epochs=max_epochs, max_iters=max_iters).items():
            if value is not None:
                check_positive_int(value, f'runner.{key}')   # 1.5 would silently run 2
        _check_optimizer(optimizer)
        if not hasattr(model, 'train_step'):
            raise TypeError(f'{type(model).__name__} has no train_step(data, optimizer); the '
                            'runner calls it every iteration (see ImageClassifier.train_step)')
        if work_dir is not None and not isinstance(work_dir, (str, os.PathLike)):
            raise TypeError(f'work_dir must be a str or None, got {work_dir!r}')
        if logger is not None and not isinstance(logger, logging.Logger):
            raise TypeError(f'logger must be a logging.Logger, got {type(logger).__name__}')
        self.device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
        self.rank, self.world_size = get_dist_info()
        self.channels_last = channels_last
        memory_format = torch.channels_last if channels_last else torch.preserve_format
        model = model.to(self.device, memory_format=memory_format)
        if compile:   # True, or torch.compile kwargs such as dict(mode='max-autotune')
            unwrap_model(model).compile(**(compile if isinstance(compile, dict) else {}))
        if self.world_size > 1 and not is_distributed_wrapper(model):
            model = wrap_distributed(model, self.device, find_unused_parameters)
        self.model = model
        self.optimizer = optimizer
        self.work_dir = str(work_dir) if work_dir is not None else None
        if self.work_dir is not None and self.rank == 0:
            Path(self.work_dir).mkdir(parents=True, exist_ok=True)
        self.logger = logger or logging.getLogger('cls_lab')
        self.meta = dict(meta or {})
        self.timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
        self.mode = None
        self._hooks = []
        self.log_buffer = LogBuffer()
        self.outputs, self.data_batch, self.data_loader = {}, None, None
        self.autocast, self.grad_scaler = None, None
        self._epoch, self._iter, self._inner_iter = 0, 0, 0
        self._max_epochs, self._max_iters = max_epochs, max_iters
        self._pending_resume = None     # after resume: batches to skip, RNG state to restore
        self._stage = None              # the hook point now running (see progress)
        self.resumed_from = None

    # -- read-only counters hooks use ------------------------------------------------
    @property
    def epoch(self):
        """Epochs completed (inside an epoch: the index of the current one)."""
        return self._epoch

    @property
    def iter(self):
        """Training iterations completed (inside an iteration: its index)."""
        return self._iter

    @property
    def inner_iter(self):
        """The iteration's index within the epoch."""
        return self._inner_iter

    @property
    def max_epochs(self):
        return self._max_epochs

    @property
    def max_iters(self):
        return self._max_iters

    def progress(self):
        """``(epochs, iterations, inner iterations)`` finished, what a checkpoint records.

        Inside ``after_train_iter`` the current iteration counts as finished, inside
        ``after_train_epoch`` the current epoch (the counters move on after those hooks).
        """
        if self._stage == 'after_train_iter':
            return self._epoch, self._iter + 1, self._inner_iter + 1
        if self._stage == 'after_train_epoch':
            return self._epoch + 1, self._iter, 0
        return self._epoch, self._iter, self._inner_iter

    @property
    def hooks(self):
        """The registered hooks, in the order they run."""
        return self._hooks

    @property
    def model_name(self):
        return type(unwrap_model(self.model)).__name__

    # -- hooks -----------------------------------------------------------------------
    def register_hook(self, hook, priority=None):
        """Insert ``hook`` by priority (``None``: the hook's own); ties keep insertion order."""
        if not isinstance(hook, Hook):
            raise TypeError(f'register_hook expects a Hook instance, got {type(hook).__name__}')
        hook.priority = get_priority(hook.priority if priority is None else priority)
        position = len(self.hooks)
        while position > 0 and self.hooks[position - 1].priority > hook.priority:
            position -= 1
        self.hooks.insert(position, hook)

    def register_hook_from_cfg(self, cfg, default_args=None):
        """Build a hook from ``dict(type=..., priority=..., **kwargs)`` and register it."""
        if isinstance(cfg, Hook):
            self.register_hook(cfg)
            return
        cfg = dict(cfg)
        priority = cfg.pop('priority', None)
        self.register_hook(HOOKS.build(cfg, default_args), priority)

    # -- the default hooks from the config keys (mmcv's register_* methods) ------------
    def _schedule_cfg(self, cfg):
        """A copy of a config dict with ``by_epoch`` defaulting to this runner's unit."""
        if isinstance(cfg, dict) and not self.by_epoch:
            return dict(cfg, by_epoch=cfg.get('by_epoch', False))
        return cfg

    def register_lr_hook(self, lr_config):
        """``lr_config=dict(policy='step', ...)`` (or a hook) at VERY_HIGH priority."""
        hook = build_lr_hook(self._schedule_cfg(lr_config))
        if hook is not None:
            self.register_hook(hook, 'VERY_HIGH')

    def register_momentum_hook(self, momentum_config):
        """``momentum_config=dict(policy='cyclic', ...)`` at HIGH priority.

        Unlike mmcv, an iteration runner also defaults momentum schedules to
        ``by_epoch=False`` (a by-epoch momentum schedule would never change there).
        """
        hook = build_momentum_hook(self._schedule_cfg(momentum_config))
        if hook is not None:
            self.register_hook(hook, 'HIGH')

    def register_optimizer_hook(self, optimizer_config):
        """``optimizer_config`` (type defaults to OptimizerHook) at ABOVE_NORMAL priority."""
        self._register_typed(optimizer_config, 'OptimizerHook', 'ABOVE_NORMAL', 'optimizer_config')

    def register_checkpoint_hook(self, checkpoint_config):
        """``checkpoint_config`` (type defaults to CheckpointHook) at NORMAL priority."""
        self._register_typed(self._schedule_cfg(checkpoint_config), 'CheckpointHook', 'NORMAL',
                             'checkpoint_config')

    def register_timer_hook(self, timer_config):
        """``timer_config`` (type defaults to IterTimerHook) at LOW priority."""
        self._register_typed(timer_config, 'IterTimerHook', 'LOW', 'timer_config')

    def register_logger_hooks(self, log_config):
        """Every entry of ``log_config['hooks']`` at VERY_LOW, with ``log_config['interval']``."""
        if log_config is None:
            return
        interval = log_config.get('interval', 10)
        for hook_cfg in log_config.get('hooks', []):
            if isinstance(hook_cfg, dict):
                if 'type' not in hook_cfg:
                    raise KeyError(f'log_config.hooks: every entry needs a "type", got {hook_cfg!r}')
                hook_cfg = self._schedule_cfg(dict(hook_cfg, interval=hook_cfg.get('interval',
                                                                                   interval)))
            self._register_typed(hook_cfg, None, 'VERY_LOW', 'log_config.hooks')

    def register_custom_hooks(self, custom_config):
        """``custom_hooks``: a dict or a list of dicts/hooks, each at its own priority."""
        if custom_config is None:
            return
        for hook_cfg in [custom_config] if isinstance(custom_config, (dict, Hook)) \
                else custom_config:
            if isinstance(hook_cfg, Hook):
                self.register_hook(hook_cfg, hook_cfg.priority)
            else:   # no priority given: the hook's own (Hook's default is NORMAL, as in mmcv)
                self.register_hook_from_cfg(hook_cfg)

    def register_training_hooks(self, lr_config, optimizer_config=None, checkpoint_config=None,
                                log_config=None, momentum_config=None,
                                timer_config=dict(type='IterTimerHook'),
                                custom_hooks_config=None):
        """The default hooks from the config keys, at the priorities of seed 003's table (as
        mmcv: only these; ``train_model`` adds the loss check, ``CheckInvalidLossHook``)."""
        self.register_lr_hook(lr_config)
        self.register_momentum_hook(momentum_config)
        self.register_optimizer_hook(optimizer_config)
        self.register_checkpoint_hook(checkpoint_config)
        self.register_timer_hook(timer_config)
        self.register_logger_hooks(log_config)
        self.register_custom_hooks(custom_hooks_config)

    def _register_typed(self, cfg, default_type, priority, key):
        if cfg is None:
            return
        if isinstance(cfg, Hook):
            self.register_hook(cfg, priority)
            return
        if not isinstance(cfg, dict):
            raise TypeError(f'{key} must be a dict or None, got {cfg!r}')
        cfg = dict(cfg)
        cfg.setdefault('type', default_type)
        self.register_hook(HOOKS.build(cfg), priority)

    def call_hook(self, stage):
        """Call ``stage`` (e.g. 'after_train_iter') on every hook, in priority order."""
        outer, self._stage = self._stage, stage
        try:
            for hook in self.hooks:
                getattr(hook, stage)(self)
        finally:
            self._stage = outer

    def get_hook_info(self):
        """A table: each hook point, then the hooks it calls in order with their priority."""
        lines = []
        for stage in Hook.stages:
            hooks = [h for h in self.hooks if stage in h.get_triggered_stages()]
            if not hooks:
                continue
            lines.append(f'{stage}:')
            lines += [f'  ({_priority_name(h.priority):<12}) {type(h).__name__}' for h in hooks]
        return '\n'.join(lines)

    # -- learning rate / momentum ------------------------------------------------------
    def current_lr(self):
        """Each param group's lr (a dict of lists when ``optimizer`` is a dict of optimizers)."""
        def lrs(opt):
            return [group['lr'] for group in opt.param_groups]
        return _per_optimizer(self.optimizer, lrs)

    def current_momentum(self):
        """Each param group's momentum (or Adam's beta1)."""
        def momenta(opt):   # 0 for an optimizer without momentum, as mmcv
            values = [read_setting(g, 'momentum') for g in opt.param_groups]
            return [0 if value is None else value for value in values]
        return _per_optimizer(self.optimizer, momenta)

    # -- data ------------------------------------------------------------------------
    def to_device(self, data):
        """Every tensor of ``data`` (nested dicts/lists) on the runner's device."""
        if isinstance(data, torch.Tensor):
            data = data.to(self.device, non_blocking=True)
            if self.channels_last and data.dim() == 4:
                data = data.contiguous(memory_format=torch.channels_last)
            return data
        if isinstance(data, dict):
            return {key: self.to_device(value) for key, value in data.items()}
        if isinstance(data, (list, tuple)):
            return type(data)(self.to_device(value) for value in data)
        return data

    # -- checkpoints -------------------------------------------------------------------
    def checkpoint_meta(self):
        """``meta`` for a checkpoint: counters, hook messages (``hook_msgs``, ``fp16``), env, RNG."""
        epoch, iteration, inner_iter = self.progress()
        meta = dict(self.meta, epoch=epoch, iter=iteration, inner_iter=inner_iter,
                    env=dict(torch=str(torch.__version__), python=platform.python_version()),
                    rng=get_rng_state())
        return meta   # save_checkpoint adds model.CLASSES

    def save_checkpoint(self, out_dir, filename_tmpl='epoch_{}.pth', save_optimizer=True,
                        meta=None, create_symlink=True):
        """Write ``out_dir/filename_tmpl.format(n)`` and point ``latest.pth`` at it.

        ``n`` counts finished iterations when the template has ``iter_{}``, else epochs.
        Differs from mmcv, deliberately: mmcv names the file ``epoch + 1`` of the runner's
        counter, so a runner that has trained nothing writes ``epoch_1.pth``; here it writes
        ``epoch_0.pth``. Inside the checkpoint hook both name the epoch that just finished.
        """
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f'meta must be a dict or None, but got {type(meta)}')
        full_meta = self.checkpoint_meta()
        full_meta.update(meta or {})
        number = full_meta['iter'] if 'iter_{}' in filename_tmpl else full_meta['epoch']
        path = Path(out_dir) / filename_tmpl.format(number)
        optimizer = self.optimizer if save_optimizer else None
        save_checkpoint(unwrap_model(self.model), str(path), optimizer=optimizer, meta=full_meta)
        if create_symlink:
            link_latest(path, Path(out_dir) / 'latest.pth')
        return str(path)

    def load_checkpoint(self, filename, map_location='cpu', strict=False,
                        revise_keys=[(r'^module\.', '')]):
        """Load weights only (as ``load_from``): epoch and iteration stay at 0."""
        self.logger.info(f'load checkpoint from {filename}')
        return load_checkpoint(unwrap_model(self.model), filename, map_location, strict,
                               self.logger, revise_keys=revise_keys)

    def resume(self, checkpoint, resume_optimizer=True, map_location='default'):
        """Continue a run: weights, optimizer, epoch, iteration, hook messages and RNG state."""
        if map_location == 'default':
            map_location = str(self.device)
        self.logger.info(f'resume from {checkpoint}')
        ckpt = load_file(checkpoint, map_location)
        check_resumable(ckpt, checkpoint, self.optimizer if resume_optimizer else None)
        load_checkpoint_dict(unwrap_model(self.model), ckpt, checkpoint, logger=self.logger,
                             allow_partial=False)
        meta = ckpt.get('meta', {})
        self._epoch, self._iter = int(meta['epoch']), int(meta['iter'])
        self._inner_iter = int(meta.get('inner_iter', 0))
        for key in ('hook_msgs', 'fp16'):   # state hooks keep in meta (best score, loss scale)
            if key in meta:
                self.meta[key] = dict(meta[key])
        if resume_optimizer and 'optimizer' in ckpt and self.optimizer is not None:
            if isinstance(self.optimizer, dict):
                for name, opt in self.optimizer.items():
                    opt.load_state_dict(ckpt['optimizer'][name])
            else:
                self.optimizer.load_state_dict(ckpt['optimizer'])
        self._pending_resume = dict(rng=meta.get('rng'), skip=self._inner_iter)
        self.resumed_from = str(checkpoint)
        self.logger.info(f'resumed from {checkpoint}: epoch {self.epoch}, iter {self.iter}')

    def start_pass(self, data_loader, epoch):
        """``(batches, position)``: an iterator over one pass of ``data_loader``, its sampler
        told ``epoch``; position 0, except for the first pass after ``resume``.

        That pass first moves over the batches the checkpoint had already trained on, and
        the checkpoint's RNG state comes back where its run stood: before the pass draws
        anything when it was saved between passes, after the skipped batches when mid-pass.
        """
        pending, self._pending_resume = self._pending_resume, None
        rng, skip = (pending['rng'], pending['skip']) if pending else (None, 0)
        if rng is not None and skip == 0:
            set_rng_state(rng)
        set_loader_epoch(data_loader, epoch)
        batches = iter(data_loader)
        for taken in range(skip):
            if next(batches, None) is None:
                raise ValueError(f'resuming after batch {skip} of epoch {epoch}, but the loader '
                                 f'has {taken}: use the data and batch size the run had')
        if rng is not None and skip > 0:
            set_rng_state(rng)
        return batches, skip

    def log_hook_order(self):
        self.logger.info(f'Hooks will be executed in the following order:\n{self.get_hook_info()}')


def _check_optimizer(optimizer):
    optimizers = optimizer.values() if isinstance(optimizer, dict) else [optimizer]
    for opt in optimizers:
        if opt is not None and not isinstance(opt, torch.optim.Optimizer):
            raise TypeError(f'optimizer must be a torch.optim.Optimizer, a dict of them or None, '
                            f'got {type(opt).__name__}')


def _priority_name(value):
    names = {p.value: p.name for p in Priority}
    return names.get(value, str(value))


def _per_optimizer(optimizer, read):
    if optimizer is None:
        raise RuntimeError('the runner has no optimizer, so there is no lr or momentum to read')
    if isinstance(optimizer, dict):
        return {name: read(opt) for name, opt in optimizer.items()}
    return read(optimizer)
