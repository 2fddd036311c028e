"""CheckpointHook: save ``epoch_N.pth`` / ``iter_N.pth`` and ``latest.pth`` during training.

``checkpoint_config = dict(interval=1, max_keep_ckpts=3)`` in a config builds it; the
default ``interval=-1`` with ``save_last=True`` saves only at the end.
"""
import os
import re
from pathlib import Path

from cls_lab.registry import HOOKS

from ..dist import all_reduce_buffers
from .hook import Hook


@HOOKS.register_module()
class CheckpointHook(Hook):
    """Save every ``interval`` epochs (``by_epoch``) or iterations; keep ``max_keep_ckpts``.

    Each checkpoint holds the weights, the optimizer (``save_optimizer``) and ``meta``
    (epoch, iter, classes, config, seed, env, RNG states) so training can resume from it.
    """
    priority = 'NORMAL'

    def __init__(self, interval=-1, by_epoch=True, save_optimizer=True, out_dir=None,
                 max_keep_ckpts=-1, save_last=True, sync_buffer=False, **kwargs):
        self.interval = interval
        self.by_epoch = by_epoch
        self.save_optimizer = save_optimizer
        self.out_dir = out_dir
        self.max_keep_ckpts = max_keep_ckpts
        self.save_last = save_last
        self.sync_buffer = sync_buffer
        self.args = kwargs   # passed on to runner.save_checkpoint (filename_tmpl, ...)

    def before_run(self, runner):
        if self.out_dir is None:
            self.out_dir = runner.work_dir
        elif runner.work_dir is not None:   # as mmcv: out_dir/<work_dir name>
            self.out_dir = os.path.join(self.out_dir, os.path.basename(os.path.abspath(
                runner.work_dir)))
        if self.out_dir is None:
            raise ValueError('CheckpointHook needs out_dir= or a runner with a work_dir')
        unit = 'epochs' if self.by_epoch else 'iterations'
        when = f'every {self.interval} {unit}' if self.interval > 0 else 'at the end'
        runner.logger.info(f'Checkpoints will be saved to {self.out_dir} {when}.')

    def after_train_epoch(self, runner):
        if self.by_epoch and (self.every_n_epochs(runner, self.interval)
                              or (self.save_last and self.is_last_epoch(runner))):
            self._save(runner)

    def after_train_iter(self, runner):
        if not self.by_epoch and (self.every_n_iters(runner, self.interval)
                                  or (self.save_last and self.is_last_iter(runner))):
            self._save(runner)

    def _save(self, runner):
        if self.sync_buffer:
            all_reduce_buffers(runner.model)
        if runner.rank != 0:
            return
        args = dict(self.args)
        template = args.pop('filename_tmpl', 'epoch_{}.pth' if self.by_epoch else 'iter_{}.pth')
        path = runner.save_checkpoint(self.out_dir, filename_tmpl=template,
                                      save_optimizer=self.save_optimizer, **args)
        runner.meta.setdefault('hook_msgs', {})['last_ckpt'] = path
        if self.max_keep_ckpts > 0:
            remove_old_checkpoints(self.out_dir, template, self.max_keep_ckpts)


def remove_old_checkpoints(out_dir, template, keep):
    """Delete all but the ``keep`` highest-numbered files named like ``template``."""
    pattern = re.compile(re.escape(template).replace(r'\{\}', r'(\d+)') + '$')
    numbered = sorted((int(m.group(1)), path) for path in Path(out_dir).iterdir()
                      if (m := pattern.match(path.name)))
    for _, path in numbered[:-keep]:
        path.unlink()
