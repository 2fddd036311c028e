"""build_dataset (configs -> datasets, wrappers included) and build_dataloader (seeded, resumable)."""
import random
from functools import partial

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler, default_collate

from cls_lab.registry import DATASETS
from .samplers import EpochSampler
from .wrappers import ClassBalancedDataset, ConcatDataset, RepeatDataset


def build_dataset(cfg, default_args=None):
    """A dataset from a config dict; a list of configs gives a ConcatDataset.

    ``type='RepeatDataset'`` / ``'ClassBalancedDataset'`` wrap the nested ``dataset`` config,
    ``type='ConcatDataset'`` chains its ``datasets`` list. ``default_args`` fill missing keys.
    """
    if isinstance(cfg, (list, tuple)):
        return ConcatDataset([build_dataset(c, default_args) for c in cfg])
    if not isinstance(cfg, dict):
        raise TypeError(f'a dataset config must be a dict or a list of dicts, got {cfg!r}')
    kind = cfg.get('type')
    if kind == 'RepeatDataset':
        return RepeatDataset(build_dataset(cfg['dataset'], default_args), cfg['times'])
    if kind == 'ClassBalancedDataset':
        return ClassBalancedDataset(build_dataset(cfg['dataset'], default_args),
                                    cfg['oversample_thr'])
    if kind == 'ConcatDataset':
        return ConcatDataset([build_dataset(c, default_args) for c in cfg['datasets']],
                             cfg.get('separate_eval', True))
    return DATASETS.build(cfg, default_args)


def collate(batch):
    """Stack a list of samples with default_collate, keeping ``img_metas`` a plain list of dicts.

    Samples a pipeline dropped (None) are left out; MultiView ``img`` lists become lists
    of stacked tensors, one per view.
    """
    batch = [sample for sample in batch if sample is not None]
    if not batch:
        return None
    metas = [sample['img_metas'] for sample in batch if 'img_metas' in sample]
    data = default_collate([{k: v for k, v in sample.items() if k != 'img_metas'}
                            for sample in batch])
    if metas:
        data['img_metas'] = metas
    return data


def worker_init_fn(worker_id, num_workers, rank, seed, sampler):
    """Seed numpy, random and torch in each worker from (seed, epoch, rank, worker id)."""
    epoch = getattr(sampler, 'epoch', 0)
    state = np.random.SeedSequence([seed, epoch, rank, worker_id]).generate_state(2)
    worker_seed = int(state[0]) | (int(state[1]) << 32)
    np.random.seed(worker_seed % 2 ** 32)
    random.seed(worker_seed)
    torch.manual_seed(worker_seed)


def build_dataloader(dataset, samples_per_gpu, workers_per_gpu, num_gpus=1, dist=False,
                     shuffle=True, seed=None, drop_last=False, pin_memory='auto',
                     persistent_workers=False, **kwargs):
    """A DataLoader whose order depends only on (seed, epoch): call ``loader.sampler.set_epoch(e)``.

    Single process: EpochSampler, batch ``num_gpus * samples_per_gpu``; ``dist=True``: torch's
    DistributedSampler, batch ``samples_per_gpu`` per process. Workers are seeded; ``seed=None``
    means 0. ``pin_memory='auto'`` pins when CUDA is present.
    """
    seed = 0 if seed is None else int(seed)
    rank = 0
    if dist:
        import torch.distributed as torch_dist
        rank, world_size = torch_dist.get_rank(), torch_dist.get_world_size()
        sampler = DistributedSampler(dataset, world_size, rank, shuffle=shuffle, seed=seed)
        batch_size, num_workers = samples_per_gpu, workers_per_gpu
    else:
        sampler = EpochSampler(dataset, shuffle=shuffle, seed=seed)
        batch_size, num_workers = num_gpus * samples_per_gpu, num_gpus * workers_per_gpu
    if pin_memory == 'auto':
        pin_memory = torch.cuda.is_available()
    init_fn = partial(worker_init_fn, num_workers=num_workers, rank=rank, seed=seed,
                      sampler=sampler)
    kwargs.setdefault('collate_fn', collate)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=num_workers,
                      pin_memory=pin_memory, drop_last=drop_last, worker_init_fn=init_fn,
                      persistent_workers=persistent_workers and num_workers > 0, **kwargs)
