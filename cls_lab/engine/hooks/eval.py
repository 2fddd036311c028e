"""EvalHook / DistEvalHook: evaluate on the validation set during training, keep the best.

``evaluation = dict(interval=1, metric='accuracy', save_best='auto')`` in a config: after
every epoch the model scores ``data.val``, ``dataset.evaluate`` turns the scores into
metrics, the metrics go to ``runner.log_buffer`` (the loggers print them), and the best
checkpoint so far is kept as ``best_<metric>_epoch_N.pth``.
"""
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from cls_lab.registry import HOOKS

from ..base_runner import preserve_rng
from ..dist import unwrap_model
from .hook import Hook

GREATER_KEYS = ('acc', 'top', 'ar@', 'auc', 'precision', 'recall', 'f1', 'map', 'miou')
LESS_KEYS = ('loss', 'error', 'err')


def single_gpu_inference(model, data_loader, device):
    """Scores (one numpy array per image, in loader order) for every batch of the loader."""
    model.eval()
    results = []
    with torch.no_grad():
        for batch in data_loader:
            img = batch['img']
            img = [v.to(device) for v in img] if isinstance(img, list) else img.to(device)
            results.extend(np.asarray(s) for s in model(img=img, return_loss=False))
    return results


def multi_gpu_inference(model, data_loader, device):
    """Each rank scores its shard; rank 0 gets all scores in data set order, others ``None``."""
    indices = list(iter(data_loader.sampler))
    scores = single_gpu_inference(model, data_loader, device)
    shards = [None] * dist.get_world_size()
    dist.all_gather_object(shards, list(zip(indices, [s.tolist() for s in scores])))
    if dist.get_rank() != 0:
        return None
    by_index = {}
    for shard in shards:
        for index, score in shard:
            by_index.setdefault(index, np.asarray(score, dtype=np.float32))
    return [by_index[i] for i in sorted(by_index)]


@HOOKS.register_module()
class EvalHook(Hook):
    """Evaluate every ``interval`` epochs (or iterations) from ``start``; ``save_best`` keeps
    the best checkpoint by a metric (``'auto'``/``True``: the first metric returned).

    ``rule`` is ``'greater'`` or ``'less'``; left ``None`` it is guessed from the key name
    (``accuracy_top-1`` -> greater, ``loss`` -> less). Other keyword arguments go to
    ``dataset.evaluate``.
    """
    priority = 'LOW'
    rules = {'greater': lambda a, b: a > b, 'less': lambda a, b: a < b}

    def __init__(self, dataloader, interval=1, start=None, by_epoch=True, save_best=None,
                 rule=None, metric='accuracy', metric_options=None, out_dir=None,
                 **eval_kwargs):
        if not hasattr(dataloader, 'dataset') or not hasattr(dataloader.dataset, 'evaluate'):
            raise TypeError('EvalHook needs a DataLoader whose dataset has .evaluate(); '
                            f'got {type(dataloader).__name__}')
        if interval <= 0:
            raise ValueError(f'EvalHook interval must be positive, got {interval}')
        if start is not None and start < 0:
            raise ValueError(f'EvalHook start must be >= 0, got {start}')
        if rule is not None and rule not in self.rules:
            raise KeyError(f"EvalHook rule must be 'greater', 'less' or None, got {rule!r}")
        self.dataloader = dataloader
        self.interval, self.start, self.by_epoch = interval, start, by_epoch
        self.save_best = 'auto' if save_best is True else save_best or None
        self.rule = rule
        self.metric, self.metric_options = metric, metric_options
        self.eval_kwargs = eval_kwargs
        self.out_dir = out_dir
        self.best_score, self.best_ckpt = None, None

    def before_run(self, runner):
        self.out_dir = self.out_dir or runner.work_dir
        msgs = runner.meta.get('hook_msgs', {})     # a resumed run keeps its best so far
        self.best_score, self.best_ckpt = msgs.get('best_score'), msgs.get('best_ckpt')

    def after_train_epoch(self, runner):
        if self.by_epoch and self._due(runner.epoch):
            self._evaluate_and_keep_best(runner)

    def after_train_iter(self, runner):
        if not self.by_epoch and self._due(runner.iter):
            self._evaluate_and_keep_best(runner)

    def _due(self, done_before):
        """Is the epoch/iteration that just finished (0-based ``done_before``) one to evaluate?"""
        count = done_before + 1
        if self.start is None:
            return count % self.interval == 0
        return count >= self.start and (count - self.start) % self.interval == 0

    def inference(self, runner):
        return single_gpu_inference(unwrap_model(runner.model), self.dataloader, runner.device)

    def _evaluate_and_keep_best(self, runner):
        with preserve_rng():            # evaluation must not change the training randomness
            results = self.inference(runner)
        runner.model.train()
        if runner.rank != 0:
            return
        metrics = self.dataloader.dataset.evaluate(
            results, metric=self.metric, metric_options=self.metric_options,
            logger=runner.logger, **self.eval_kwargs)
        for key, value in metrics.items():
            runner.log_buffer.output[key] = value
        runner.log_buffer.ready = True
        if self.save_best is not None:
            self._keep_best(runner, metrics)

    def _keep_best(self, runner, metrics):
        key = next(iter(metrics)) if self.save_best == 'auto' else self.save_best
        if key not in metrics:
            raise KeyError(f'EvalHook save_best={self.save_best!r}: the evaluation returned '
                           f'{sorted(metrics)}; pick one of those')
        rule = self.rule or infer_rule(key)
        score = float(metrics[key])
        if self.best_score is not None and not self.rules[rule](score, self.best_score):
            return
        if self.best_ckpt and Path(self.best_ckpt).exists():
            Path(self.best_ckpt).unlink()
        unit = 'epoch' if self.by_epoch else 'iter'
        template = f'best_{safe_name(key)}_{unit}_{{}}.pth'
        self.best_score = score
        self.best_ckpt = runner.save_checkpoint(self.out_dir, filename_tmpl=template,
                                                create_symlink=False,
                                                meta=dict(hook_msgs=self._msgs(runner)))
        runner.meta['hook_msgs'] = self._msgs(runner)
        runner.logger.info(f'Best {key} is {score:.4f}; saved {self.best_ckpt}')

    def _msgs(self, runner):
        return dict(runner.meta.get('hook_msgs', {}), best_score=self.best_score,
                    best_ckpt=self.best_ckpt)


@HOOKS.register_module()
class DistEvalHook(EvalHook):
    """EvalHook for distributed training: every rank scores its shard, rank 0 evaluates.

    ``broadcast_bn_buffer`` copies rank 0's BatchNorm statistics to all ranks first, so
    every shard is scored by the same model.
    """

    def __init__(self, dataloader, broadcast_bn_buffer=True, **kwargs):
        super().__init__(dataloader, **kwargs)
        self.broadcast_bn_buffer = broadcast_bn_buffer

    def inference(self, runner):
        if not (dist.is_available() and dist.is_initialized()):
            return super().inference(runner)
        if self.broadcast_bn_buffer:
            for module in unwrap_model(runner.model).modules():
                if isinstance(module, torch.nn.modules.batchnorm._BatchNorm) \
                        and module.track_running_stats:
                    dist.broadcast(module.running_mean, 0)
                    dist.broadcast(module.running_var, 0)
        return multi_gpu_inference(unwrap_model(runner.model), self.dataloader, runner.device)


def infer_rule(key):
    """'greater' for accuracy-like keys, 'less' for loss-like ones; else ask for ``rule``."""
    lowered = key.lower()
    if any(word in lowered for word in LESS_KEYS):
        return 'less'
    if any(word in lowered for word in GREATER_KEYS):
        return 'greater'
    raise ValueError(f'EvalHook cannot tell whether a higher {key!r} is better; '
                     "set evaluation=dict(..., rule='greater') or rule='less'")


def safe_name(key):
    """A metric key usable in a file name (``accuracy_top-1`` stays, ``a/b`` -> ``a_b``)."""
    return ''.join(c if c.isalnum() or c in '-_.' else '_' for c in key)

