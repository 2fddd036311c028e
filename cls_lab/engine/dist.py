"""Distributed helpers: start torch.distributed, ask who we are, run code on rank 0 only.

``torchrun --nproc_per_node=N -m cls_lab train CONFIG --launcher pytorch`` sets RANK,
WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT; ``init_dist('pytorch')`` reads them.
"""
import functools
import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from cls_lab.datasets.samplers import get_dist_info   # the loaders need it too: defined there


def init_dist(launcher, backend=None, **kwargs):
    """Join the process group torchrun set up: nccl on GPU, gloo on CPU (``backend`` overrides).

    A config's ``dist_params=dict(backend='nccl')`` falls back to gloo on a machine without
    CUDA, so the same config trains on CPU processes.
    """
    if launcher != 'pytorch':
        raise ValueError(f'launcher {launcher!r} is not supported; use "pytorch" (torchrun)')
    missing = [key for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if key not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher pytorch needs the environment variables {missing}; '
                           'start the script with torchrun --nproc_per_node=N')
    backend = backend or ('nccl' if torch.cuda.is_available() else 'gloo')
    if backend == 'nccl' and not torch.cuda.is_available():
        backend = 'gloo'
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get('LOCAL_RANK', 0)) % torch.cuda.device_count())
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, **kwargs)


def close_dist(wait=True):
    """Leave the process group: wait for every rank (``wait``), then tear it down.

    A process that exits with the group still up can abort in gloo's teardown ("terminate
    called without an active exception"), failing a run that had finished its work. After
    an error pass ``wait=False``: the other ranks may be inside another collective, and a
    barrier would hang them all; torchrun ends them once this process exits.
    """
    if dist.is_available() and dist.is_initialized():
        if wait:
            dist.barrier()
        dist.destroy_process_group()


def master_only(func):
    """Decorator: call ``func`` on rank 0 only (other ranks get ``None``)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if get_dist_info()[0] == 0:
            return func(*args, **kwargs)
        return None
    return wrapper


def is_distributed_wrapper(model):
    """True for a model wrapped by DistributedDataParallel (``model.module`` is the real one)."""
    return isinstance(model, (DistributedDataParallel, torch.nn.DataParallel))


def unwrap_model(model):
    """The plain model under a DDP wrapper (its state dict keys have no ``module.`` prefix)."""
    return model.module if is_distributed_wrapper(model) else model


class DistributedModel(DistributedDataParallel):
    """DDP whose ``train_step`` / ``val_step`` run through DDP's forward, so gradients sync.

    DDP all-reduces gradients only for what passes through its ``__call__``; the runner calls
    ``train_step``, so for one call we point the inner model's ``forward`` at that method.
    """

    def train_step(self, *args, **kwargs):
        return self._step('train_step', *args, **kwargs)

    def val_step(self, *args, **kwargs):
        return self._step('val_step', *args, **kwargs)

    def _step(self, name, *args, **kwargs):
        inner = self.module
        step = getattr(inner, name)

        def forward_once(*a, **k):
            del inner.forward           # the step calls inner(...) itself: restore forward
            return step(*a, **k)
        inner.forward = forward_once
        try:
            return self(*args, **kwargs)
        finally:
            inner.__dict__.pop('forward', None)


def wrap_distributed(model, device, find_unused_parameters=False):
    """``model`` in a :class:`DistributedModel` on ``device`` (one GPU per process, or CPU)."""
    device_ids = [device.index or 0] if device.type == 'cuda' else None
    return DistributedModel(model, device_ids=device_ids,
                            find_unused_parameters=find_unused_parameters)


def all_reduce_buffers(model):
    """Average every floating-point buffer (BN running stats) over the processes."""
    rank, world_size = get_dist_info()
    if world_size == 1:
        return
    for buffer in unwrap_model(model).buffers():
        if buffer.is_floating_point():
            dist.all_reduce(buffer)
            buffer.div_(world_size)


def set_loader_epoch(data_loader, epoch):
    """Tell the loader's sampler (or batch sampler) the epoch, so its order depends on it.

    The one place the sampler epoch is set: ``BaseRunner.start_pass`` calls it at every pass
    (``DistSamplerSeedHook``, kept for mmcv configs that list it, sets the same value).
    """
    for owner in (getattr(data_loader, 'sampler', None),
                  getattr(getattr(data_loader, 'batch_sampler', None), 'sampler', None)):
        if hasattr(owner, 'set_epoch'):
            owner.set_epoch(epoch)
            return
