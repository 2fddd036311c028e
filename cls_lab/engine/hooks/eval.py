"""EvalHook / DistEvalHook: evaluate on the validation set during training, keep the best.

``evaluation = dict(interval=1, metric='accuracy', save_best='auto')`` in a config: after
every epoch ``test_fn(runner.model, dataloader)`` scores ``data.val`` (each batch as
``model(return_loss=False, **data)``), ``dataset.evaluate(results, logger=..., **eval_kwargs)``
turns the scores into metrics (``eval_kwargs``: exactly what the config gave besides the
hook's own arguments), the metrics go to ``runner.log_buffer`` and the best checkpoint so far
is kept as ``best_<metric>_epoch_N.pth``. Timing, rules and file names are mmcv 1.7's.
"""
import functools
import math
import os
import os.path as osp
import warnings

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader

from cls_lab.registry import HOOKS

from ..rng import preserve_rng
from ..test import multi_gpu_test, single_gpu_test
from .hook import Hook
from .logger import LoggerHook


@HOOKS.register_module()
class EvalHook(Hook):
    """Evaluate every ``interval`` epochs (or iterations) from ``start``; keep the best.

    ``start=None``: evaluate when the count is a multiple of ``interval``; ``start=k``: at k,
    k+interval, ... and also once before training when the run begins at or past ``k``
    (``start=0``, or a resumed run). ``save_best`` is a metric key or ``'auto'`` (the first key
    returned). ``rule`` is ``'greater'``/``'less'``; left None it is inferred from the key with
    ``greater_keys``/``less_keys`` (exact match first, then substring), and a key that fits
    neither is a ValueError here, at construction. ``test_fn(model, dataloader)`` replaces the
    default inference loop.

    Deliberate differences from mmcv: ``save_best`` must be a str (a TypeError, not an
    assertion); ``rule`` is checked even without ``save_best``; a best score of exactly 0 counts;
    evaluation restores the training RNG streams and puts the model back in train mode; a
    metric name is made file-name safe (``a/b`` -> ``a_b``); the default ``test_fn`` shows no
    progress bar.
    """
    priority = 'LOW'
    rule_map = {'greater': lambda x, y: x > y, 'less': lambda x, y: x < y}
    init_value_map = {'greater': -math.inf, 'less': math.inf}
    _default_greater_keys = ['acc', 'top', 'AR@', 'auc', 'precision', 'mAP', 'mDice', 'mIoU',
                             'mAcc', 'aAcc']
    _default_less_keys = ['loss']
    default_test_fn = functools.partial(single_gpu_test, progress=False)

    def __init__(self, dataloader, start=None, interval=1, by_epoch=True, save_best=None,
                 rule=None, test_fn=None, greater_keys=None, less_keys=None, out_dir=None,
                 file_client_args=None, **eval_kwargs):
        if not isinstance(dataloader, DataLoader):
            raise TypeError('EvalHook needs a torch DataLoader whose dataset has .evaluate(); '
                            f'got {type(dataloader).__name__}')
        if interval <= 0:
            raise ValueError(f'EvalHook interval must be positive, got {interval}')
        if not isinstance(by_epoch, bool):
            raise TypeError(f'EvalHook by_epoch must be True or False, got {by_epoch!r}')
        if start is not None and start < 0:
            raise ValueError(f'EvalHook start must be >= 0 or None, got {start}')
        if save_best is not None and not isinstance(save_best, str):
            raise TypeError(f"EvalHook save_best must be a metric name, 'auto' or None, "
                            f'got {save_best!r}')
        if rule is not None and rule not in self.rule_map:
            raise KeyError(f"EvalHook rule must be 'greater', 'less' or None, got {rule!r}")
        self.dataloader = dataloader
        self.start, self.interval, self.by_epoch = start, interval, by_epoch
        self.save_best = save_best
        self.test_fn = test_fn or type(self).default_test_fn
        self.greater_keys = _key_list(greater_keys, self._default_greater_keys)
        self.less_keys = _key_list(less_keys, self._default_less_keys)
        self.out_dir = out_dir
        self.file_client_args = file_client_args   # accepted for mmcv configs; local disk only
        self.eval_kwargs = eval_kwargs
        self.initial_flag = True
        self.best_ckpt_path = None
        self.rule, self.key_indicator = rule, save_best
        if save_best is not None:
            self._init_rule(rule, save_best)

    def _init_rule(self, rule, key_indicator):
        """Fix ``self.rule`` for ``key_indicator`` ('auto' waits for the first evaluation)."""
        if rule is None and key_indicator != 'auto':
            key = key_indicator.lower()
            greater = [k.lower() for k in self.greater_keys]
            less = [k.lower() for k in self.less_keys]
            if key in greater:
                rule = 'greater'
            elif key in less:
                rule = 'less'
            elif any(k in key for k in greater):
                rule = 'greater'
            elif any(k in key for k in less):
                rule = 'less'
            else:
                raise ValueError(f'EvalHook cannot tell whether a higher {key_indicator!r} is '
                                 "better; set evaluation=dict(..., rule='greater') or "
                                 "rule='less'")
        self.rule, self.key_indicator = rule, key_indicator

    # -- when ---------------------------------------------------------------------------
    def before_run(self, runner):
        if not self.out_dir:
            self.out_dir = runner.work_dir
        elif runner.work_dir is not None and self.out_dir != runner.work_dir:
            self.out_dir = osp.join(self.out_dir, osp.basename(runner.work_dir.rstrip(osp.sep)))
        msgs = runner.meta.setdefault('hook_msgs', {})   # where the best score will be kept
        if self.save_best is not None:
            self.best_ckpt_path = msgs.get('best_ckpt')   # a resumed run replaces its best

    def before_train_epoch(self, runner):
        if self.by_epoch and self.initial_flag:
            if self.start is not None and runner.epoch >= self.start:
                self.after_train_epoch(runner)
            self.initial_flag = False

    def before_train_iter(self, runner):
        if not self.by_epoch and self.initial_flag:
            if self.start is not None and runner.iter >= self.start:
                self.after_train_iter(runner)
            self.initial_flag = False

    def after_train_epoch(self, runner):
        if self.by_epoch and self._should_evaluate(runner):
            self._do_evaluate(runner)

    def after_train_iter(self, runner):
        if not self.by_epoch and self._should_evaluate(runner):
            for hook in runner.hooks:          # the training record is written first
                if isinstance(hook, LoggerHook):
                    hook.after_train_iter(runner)
            runner.log_buffer.clear()          # so no metric lands in a 'train' record
            self._do_evaluate(runner)

    def _should_evaluate(self, runner):
        current = (runner.epoch if self.by_epoch else runner.iter) + 1
        if self.start is None:
            return current % self.interval == 0
        return current >= self.start and (current - self.start) % self.interval == 0

    # -- what ---------------------------------------------------------------------------
    def _do_evaluate(self, runner):
        with preserve_rng():            # evaluation must not change the training randomness
            results = self._test(runner)
        runner.model.train()
        if runner.rank != 0:
            return
        runner.log_buffer.output['eval_iter_num'] = len(self.dataloader)
        key_score = self.evaluate(runner, results)
        if self.save_best and key_score is not None:
            self._save_ckpt(runner, key_score)

    def _test(self, runner):
        return self.test_fn(runner.model, self.dataloader)

    def evaluate(self, runner, results):
        """``dataset.evaluate`` into the log buffer; returns the ``save_best`` score (or None)."""
        eval_res = self.dataloader.dataset.evaluate(results, logger=runner.logger,
                                                    **self.eval_kwargs)
        for name, value in eval_res.items():
            runner.log_buffer.output[name] = value
        runner.log_buffer.ready = True
        if self.save_best is None:
            return None
        if not eval_res:
            warnings.warn('Since `eval_res` is an empty dict, the behavior to save the best '
                          'checkpoint will be skipped in this evaluation.')   # mmcv's words
            return None
        if self.key_indicator == 'auto':
            self._init_rule(self.rule, next(iter(eval_res)))
        if self.key_indicator not in eval_res:
            raise KeyError(f'EvalHook save_best={self.save_best!r}: the evaluation returned '
                           f'{sorted(eval_res)}; pick one of those')
        return eval_res[self.key_indicator]

    def _save_ckpt(self, runner, key_score):
        """Replace the best checkpoint when ``key_score`` beats ``hook_msgs['best_score']``."""
        unit, count = ('epoch', runner.epoch + 1) if self.by_epoch else ('iter', runner.iter + 1)
        msgs = runner.meta.setdefault('hook_msgs', {})
        best_score = msgs.get('best_score', self.init_value_map[self.rule])
        if not self.rule_map[self.rule](key_score, best_score):
            return
        msgs['best_score'] = key_score
        if self.best_ckpt_path and osp.isfile(self.best_ckpt_path):
            os.remove(self.best_ckpt_path)
            runner.logger.info(f'The previous best checkpoint {self.best_ckpt_path} was removed')
        name = f'best_{safe_name(self.key_indicator)}_{unit}_{count}.pth'
        self.best_ckpt_path = osp.join(self.out_dir, name)
        msgs['best_ckpt'] = self.best_ckpt_path          # the file's own meta names itself
        runner.save_checkpoint(self.out_dir, filename_tmpl=name, create_symlink=False)
        runner.logger.info(f'Now best checkpoint is saved as {name}.')
        runner.logger.info(f'Best {self.key_indicator} is {key_score:0.4f} at {count} {unit}.')


@HOOKS.register_module()
class DistEvalHook(EvalHook):
    """EvalHook for distributed training: every rank scores its shard, rank 0 evaluates.

    ``broadcast_bn_buffer`` copies rank 0's BatchNorm statistics to all ranks first, so every
    shard is scored by the same model; ``test_fn`` defaults to ``multi_gpu_test`` and gets
    ``tmpdir`` / ``gpu_collect``.
    """
    default_test_fn = functools.partial(multi_gpu_test, progress=False)

    def __init__(self, dataloader, start=None, interval=1, by_epoch=True, save_best=None,
                 rule=None, test_fn=None, greater_keys=None, less_keys=None,
                 broadcast_bn_buffer=True, tmpdir=None, gpu_collect=False, out_dir=None,
                 file_client_args=None, **eval_kwargs):
        super().__init__(dataloader, start=start, interval=interval, by_epoch=by_epoch,
                         save_best=save_best, rule=rule, test_fn=test_fn,
                         greater_keys=greater_keys, less_keys=less_keys, out_dir=out_dir,
                         file_client_args=file_client_args, **eval_kwargs)
        self.broadcast_bn_buffer = broadcast_bn_buffer
        self.tmpdir, self.gpu_collect = tmpdir, gpu_collect

    def _test(self, runner):
        if self.broadcast_bn_buffer and dist.is_available() and dist.is_initialized():
            for module in runner.model.modules():
                if isinstance(module, torch.nn.modules.batchnorm._BatchNorm) \
                        and module.track_running_stats:
                    dist.broadcast(module.running_var, 0)
                    dist.broadcast(module.running_mean, 0)
        tmpdir = self.tmpdir or osp.join(runner.work_dir or '.', '.eval_hook')
        return self.test_fn(runner.model, self.dataloader, tmpdir=tmpdir,
                            gpu_collect=self.gpu_collect)


def _key_list(keys, default):
    if keys is None:
        return list(default)
    keys = [keys] if isinstance(keys, str) else list(keys)
    if not all(isinstance(k, str) for k in keys):
        raise TypeError(f'EvalHook greater_keys/less_keys must be strings, got {keys!r}')
    return keys


def safe_name(key):
    """A metric key usable in a file name (``accuracy_top-1`` stays, ``a/b`` -> ``a_b``)."""
    return ''.join(c if c.isalnum() or c in '-_.' else '_' for c in key)
