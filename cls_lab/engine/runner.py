"""EpochBasedRunner and IterBasedRunner: the training loops, with hooks at every step.

``workflow=[('train', 1), ('val', 1)]`` alternates one training epoch (or N iterations for
the iteration runner) with one validation pass that only computes losses.

    runner = EpochBasedRunner(model, optimizer, work_dir='work_dirs/x', max_epochs=3)
    runner.register_training_hooks(lr_config=dict(policy='step', step=[2]),
                                   optimizer_config=dict(grad_clip=None))
    runner.run([train_loader], [('train', 1)])
"""
import contextlib

import torch

from cls_lab.registry import RUNNERS

from .base_runner import BaseRunner
from .checkpoint_files import find_latest_checkpoint
from .rng import preserve_rng

__all__ = ['EpochBasedRunner', 'IterBasedRunner', 'IterLoader', 'find_latest_checkpoint']


def check_workflow(workflow, data_loaders):
    """``workflow`` is a list of ``(mode, count)`` with one data loader per entry."""
    if not isinstance(workflow, (list, tuple)) or not all(
            isinstance(w, (list, tuple)) and len(w) == 2 for w in workflow):
        raise TypeError(f"workflow must be a list of (mode, count) pairs such as "
                        f"[('train', 1), ('val', 1)], got {workflow!r}")
    for mode, count in workflow:
        if mode not in ('train', 'val'):
            raise ValueError(f"workflow mode must be 'train' or 'val', got {mode!r} in {workflow}")
        if not isinstance(count, int) or count < 1:
            raise ValueError(f'workflow count must be a positive int, got {count!r} for {mode!r}')
    if len(data_loaders) != len(workflow):
        raise ValueError(f'workflow {workflow} has {len(workflow)} phases but '
                         f'{len(data_loaders)} data loaders were given; pass one per phase')


class _LoopMixin:
    """Shared pieces of the two loops: the train/val step with its hooks."""

    def _train_step(self, data_batch):
        """One training iteration: the loss from ``train_step``, then the hooks (the
        OptimizerHook does backward and step, see hooks/optimizer.py)."""
        self.call_hook('before_train_iter')
        self.run_iter(data_batch, train_mode=True)
        self.call_hook('after_train_iter')
        self._inner_iter += 1
        self._iter += 1

    def run_iter(self, data_batch, train_mode):
        """``train_step`` or ``val_step`` on the batch; the result goes to ``outputs``, the log."""
        self.data_batch = data_batch = self.to_device(data_batch)
        autocast = torch.autocast(**self.autocast) if self.autocast else contextlib.nullcontext()
        with autocast:
            if train_mode:
                outputs = self.model.train_step(data_batch, self.optimizer)
            else:
                outputs = self.model.val_step(data_batch, self.optimizer)
        if not isinstance(outputs, dict):
            raise TypeError(f'{self.model_name}.{"train" if train_mode else "val"}_step must '
                            'return dict(loss=..., log_vars=..., num_samples=...) (a dict), '
                            f'got {outputs!r}')
        if 'log_vars' in outputs:
            self.log_buffer.update(outputs['log_vars'], outputs.get('num_samples', 1))
        self.outputs = outputs

    def val(self, data_loader, **kwargs):
        """One pass over ``data_loader`` computing losses: eval mode, no grad, no updates."""
        self.model.eval()
        self.mode = 'val'
        self.data_loader = data_loader
        with torch.no_grad(), preserve_rng():
            self.call_hook('before_val_epoch')
            for i, data_batch in enumerate(data_loader):
                self._inner_iter = i
                self.call_hook('before_val_iter')
                self.run_iter(data_batch, train_mode=False)
                self.call_hook('after_val_iter')
            self.call_hook('after_val_epoch')

    def _start(self, workflow):
        if self.work_dir is not None:
            self.logger.info(f'Start running, work_dir: {self.work_dir}')
        self.logger.info(f'workflow: {workflow}, max: {self.max_epochs} epochs, '
                         f'{self.max_iters} iters, device: {self.device}')
        self.log_hook_order()
        self.call_hook('before_run')


@RUNNERS.register_module()
class EpochBasedRunner(_LoopMixin, BaseRunner):
    """Trains epoch by epoch: ``max_epochs`` passes over the training loader."""
    by_epoch = True     # schedules, checkpoints and logs count epochs by default

    def run(self, data_loaders, workflow, max_epochs=None, **kwargs):
        """Repeat ``workflow`` until ``max_epochs`` training epochs are done."""
        data_loaders = list(data_loaders) if isinstance(data_loaders, (list, tuple)) \
            else [data_loaders]
        check_workflow(workflow, data_loaders)
        if max_epochs is not None:
            self._max_epochs = max_epochs
        if self._max_epochs is None:
            raise ValueError('EpochBasedRunner needs max_epochs (runner=dict(type='
                             "'EpochBasedRunner', max_epochs=N))")
        for (mode, _), loader in zip(workflow, data_loaders):
            if mode == 'train':
                self._max_iters = self._max_epochs * len(loader)
        self._start(workflow)
        while self.epoch < self._max_epochs:
            for (mode, epochs), loader in zip(workflow, data_loaders):
                for _ in range(epochs):
                    if mode == 'train' and self.epoch >= self._max_epochs:
                        break
                    getattr(self, mode)(loader, **kwargs)
        self.call_hook('after_run')

    def train(self, data_loader, **kwargs):
        """One epoch: ``before_train_epoch``, every batch through ``_train_step``, ``after``."""
        self.model.train()
        self.mode = 'train'
        self.data_loader = data_loader
        self.call_hook('before_train_epoch')
        batches, position = self.start_pass(data_loader, self.epoch)   # resumed: mid-epoch
        for i, data_batch in enumerate(batches, start=position):
            self._inner_iter = i
            self._train_step(data_batch)
        self.call_hook('after_train_epoch')
        self._epoch += 1
        self._inner_iter = 0


class IterLoader:
    """An endless iterator over a data loader that counts the passes (its ``epoch``).

    ``start_pass(data_loader, epoch)`` (the runner's) begins each pass and says how many
    batches of it are already taken: none, except where a resumed run stood.
    """

    def __init__(self, data_loader, start_pass, epoch=0):
        self.data_loader, self.start_pass, self.epoch = data_loader, start_pass, epoch
        self._iterator, self.position = start_pass(data_loader, epoch)

    def next(self):
        try:
            batch = next(self._iterator)
        except StopIteration:
            self.epoch += 1
            self._iterator, self.position = self.start_pass(self.data_loader, self.epoch)
            batch = next(self._iterator)
        self.position += 1
        return batch

    def __len__(self):
        return len(self.data_loader)


@RUNNERS.register_module()
class IterBasedRunner(_LoopMixin, BaseRunner):
    """Trains for ``max_iters`` iterations, cycling the loader; ``epoch`` counts its passes.

    ``workflow=[('train', 500), ('val', 1)]`` runs 500 training iterations, then one
    validation pass; checkpoints, logs and LR schedules count iterations (``by_epoch=False``).
    ``epoch`` is the number of completed passes over the loader; mmcv reads it before
    fetching the batch, so there the first iteration of a new pass still reports the old one.
    """
    by_epoch = False

    def run(self, data_loaders, workflow, max_iters=None, **kwargs):
        data_loaders = list(data_loaders) if isinstance(data_loaders, (list, tuple)) \
            else [data_loaders]
        check_workflow(workflow, data_loaders)
        if max_iters is not None:
            self._max_iters = max_iters
        if self._max_iters is None:
            raise ValueError("IterBasedRunner needs max_iters (runner=dict(type="
                             "'IterBasedRunner', max_iters=N))")
        loaders = [IterLoader(loader, self.start_pass, self.epoch) if mode == 'train' else loader
                   for (mode, _), loader in zip(workflow, data_loaders)]
        self._start(workflow)
        self.call_hook('before_epoch')
        while self.iter < self._max_iters:
            for (mode, count), loader in zip(workflow, loaders):
                if mode == 'val':
                    for _ in range(count):
                        self.val(loader, **kwargs)
                    continue
                for _ in range(count):
                    if self.iter >= self._max_iters:
                        break
                    self.train(loader, **kwargs)
        self.call_hook('after_epoch')
        self.call_hook('after_run')

    def train(self, iter_loader, **kwargs):
        """One training iteration on the next batch of ``iter_loader``."""
        self.model.train()
        self.mode = 'train'
        self.data_loader = iter_loader.data_loader
        data_batch = iter_loader.next()
        self._epoch = iter_loader.epoch
        self._inner_iter = iter_loader.position - 1
        self._train_step(data_batch)

    def save_checkpoint(self, out_dir, filename_tmpl='iter_{}.pth', save_optimizer=True,
                        meta=None, create_symlink=True):
        return super().save_checkpoint(out_dir, filename_tmpl, save_optimizer, meta,
                                       create_symlink)
