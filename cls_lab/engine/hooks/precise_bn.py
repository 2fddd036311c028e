"""PreciseBNHook (mmcls): recompute BatchNorm statistics with the weights held fixed.

During training the running mean/var average statistics of ever-changing weights. After
every ``interval`` epochs this hook runs ``num_samples`` training samples through the
model and sets each BN layer's statistics to the plain average over those batches
(Sec. 3 of "Rethinking Batch in BatchNorm"). Give it priority ABOVE_NORMAL so the
checkpoint and EMA hooks see the new statistics.
"""
import itertools

import torch
import torch.distributed as dist
from torch.nn.modules.batchnorm import _BatchNorm

from cls_lab.registry import HOOKS

from ..dist import get_dist_info
from .hook import Hook


@torch.no_grad()
def update_bn_stats(runner, loader, num_samples=8192):
    """Average each training-mode BN layer's batch statistics over ``num_samples`` samples."""
    rank, world_size = get_dist_info()
    model = runner.model
    num_iter = min(num_samples // (loader.batch_size * world_size), len(loader))
    layers = [m for m in model.modules() if m.training and isinstance(m, _BatchNorm)]
    if not layers:
        runner.logger.warning('PreciseBNHook: the model has no BatchNorm layer in train mode')
        return
    runner.logger.info(f'PreciseBN: {len(layers)} BN layers, {num_iter} iterations')
    means = [torch.zeros_like(bn.running_mean) for bn in layers]
    variances = [torch.zeros_like(bn.running_var) for bn in layers]
    momenta = [bn.momentum for bn in layers]
    for bn in layers:
        bn.momentum = 1.0            # running stats = this batch's stats
    for data in itertools.islice(loader, num_iter):
        model.train_step(runner.to_device(data), None)
        for i, bn in enumerate(layers):
            means[i] += bn.running_mean / num_iter
            variances[i] += bn.running_var / num_iter
    if world_size > 1:
        for tensor in means + variances:
            dist.all_reduce(tensor)
            tensor.div_(world_size)
    for bn, mean, var, momentum in zip(layers, means, variances, momenta):
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(var)
        bn.momentum = momentum


@HOOKS.register_module()
class PreciseBNHook(Hook):
    """After every ``interval`` epochs, recompute BN statistics over ``num_samples`` samples."""

    def __init__(self, num_samples=8192, interval=1):
        if interval <= 0 or num_samples <= 0:
            raise ValueError(f'PreciseBNHook needs positive num_samples and interval, got '
                             f'num_samples={num_samples}, interval={interval}')
        self.num_samples, self.interval = num_samples, interval

    def after_train_epoch(self, runner):
        if not runner.by_epoch:
            raise TypeError('PreciseBNHook works with EpochBasedRunner only (as in mmcls)')
        if self.every_n_epochs(runner, self.interval):
            update_bn_stats(runner, runner.data_loader, self.num_samples)
