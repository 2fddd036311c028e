"""build_dataset (configs -> datasets, wrappers included) and build_dataloader (seeded, resumable)."""
from functools import partial

import torch
from torch.utils.data import DataLoader, default_collate

from cls_lab.errors import ArgumentError
from cls_lab.registry import DATASETS
from .samplers import (SAMPLERS, EpochDistributedSampler, EpochSampler, get_dist_info,
                       seed_everything_from)
from .wrappers import ClassBalancedDataset, ConcatDataset, KFoldDataset, RepeatDataset


def build_dataset(cfg, default_args=None):
    """A dataset from a config dict; a list of configs gives a ConcatDataset.

    ``type='RepeatDataset'`` / ``'ClassBalancedDataset'`` wrap the nested ``dataset`` config,
    ``type='ConcatDataset'`` chains its ``datasets`` list. ``default_args`` fill missing keys.
    """
    if isinstance(cfg, (list, tuple)):
        return ConcatDataset([build_dataset(c, default_args) for c in cfg])
    if not isinstance(cfg, dict):
        raise ArgumentError(f'a dataset config must be a dict or a list of dicts, got {cfg!r}')
    kind = cfg.get('type')
    if kind == 'RepeatDataset':
        return RepeatDataset(build_dataset(cfg['dataset'], default_args), cfg['times'])
    if kind == 'ClassBalancedDataset':
        return ClassBalancedDataset(build_dataset(cfg['dataset'], default_args),
                                    cfg['oversample_thr'])
    if kind == 'KFoldDataset':
        args = {k: v for k, v in cfg.items() if k not in ('type', 'dataset')}
        args.setdefault('test_mode', dict(default_args or {}).pop('test_mode', False))
        inner_defaults = {k: v for k, v in (default_args or {}).items() if k != 'test_mode'}
        return KFoldDataset(build_dataset(cfg['dataset'], inner_defaults), **args)
    if kind == 'ConcatDataset':
        return ConcatDataset([build_dataset(c, default_args) for c in cfg['datasets']],
                             cfg.get('separate_eval', True))
    return DATASETS.build(cfg, default_args)


def collate(batch):
    """Stack a list of samples with default_collate; dict samples keep ``img_metas`` a list of dicts.

    Any sample default_collate takes works: dicts, tensors, numbers, ``(img, label)`` tuples.
    Samples a pipeline dropped (None) are left out; MultiView ``img`` lists become lists of
    stacked tensors, one per view.
    """
    batch = [sample for sample in batch if sample is not None]
    if not batch:
        return None
    if not all(isinstance(sample, dict) for sample in batch):
        return default_collate(batch)
    metas = [sample['img_metas'] for sample in batch if 'img_metas' in sample]
    data = default_collate([{k: v for k, v in sample.items() if k != 'img_metas'}
                            for sample in batch])
    if metas:
        data['img_metas'] = metas
    return data


def worker_init_fn(worker_id, num_workers, rank, seed, sampler):
    """Seed numpy, random and torch in each worker from (seed, epoch, rank, worker id).

    cls_lab datasets reseed again at each new epoch (see samplers.py), so this matters
    for other datasets, and for the first epoch.
    """
    seed_everything_from(seed, getattr(sampler, 'epoch', 0), rank, worker_id)


def build_sampler(cfg, default_args=None):
    """A sampler from ``data.sampler`` (e.g. ``dict(type='RepeatAugSampler')``) in SAMPLERS;
    None gives None (as mmcls)."""
    if cfg is None:
        return None
    if cfg.get('type') not in SAMPLERS:
        raise KeyError(f"data.sampler type {cfg.get('type')!r} is not a registered sampler; "
                       f'choose from {SAMPLERS.all_names()}')
    return SAMPLERS.build(cfg, default_args=default_args)


def _sampler_from_cfg(sampler_cfg, dataset, shuffle, seed, num_replicas, rank):
    cfg = dict(sampler_cfg, shuffle=shuffle)
    defaults = dict(dataset=dataset, seed=seed)
    if cfg.get('type') != 'EpochSampler':
        defaults.update(num_replicas=num_replicas, rank=rank)
    return build_sampler(cfg, defaults)


def build_dataloader(dataset, samples_per_gpu, workers_per_gpu, num_gpus=1, dist=False,
                     shuffle=True, round_up=True, seed=None, drop_last=False, pin_memory='auto',
                     persistent_workers=True, sampler_cfg=None, **kwargs):
    """A DataLoader whose order depends only on (seed, epoch): call ``loader.sampler.set_epoch(e)``.

    Single process: EpochSampler, batch ``num_gpus * samples_per_gpu``; ``dist=True``: torch's
    DistributedSampler (padded: ``round_up``), batch ``samples_per_gpu`` per process.
    ``sampler_cfg`` (the config's ``data.sampler``) replaces the sampler. Workers are seeded
    from (seed, epoch, rank, worker) at every epoch, kept alive between epochs
    (``persistent_workers``, as mmcls) when there are any; ``seed=None`` means 0.
    ``pin_memory='auto'`` pins when CUDA is present.
    """
    if not round_up:
        raise ArgumentError('build_dataloader(round_up=False) is not supported: the distributed '
                            'sampler pads every process to the same number of samples')
    seed = 0 if seed is None else int(seed)
    rank, world_size = 0, 1
    if dist:
        rank, world_size = get_dist_info()
        batch_size, num_workers = samples_per_gpu, workers_per_gpu
    else:
        batch_size, num_workers = num_gpus * samples_per_gpu, num_gpus * workers_per_gpu
    if sampler_cfg:
        sampler = _sampler_from_cfg(sampler_cfg, dataset, shuffle, seed, world_size, rank)
    elif dist:
        sampler = EpochDistributedSampler(dataset, world_size, rank, shuffle=shuffle, seed=seed)
    else:
        sampler = EpochSampler(dataset, shuffle=shuffle, seed=seed)
    if pin_memory == 'auto':
        pin_memory = torch.cuda.is_available()
    init_fn = partial(worker_init_fn, num_workers=num_workers, rank=rank, seed=seed,
                      sampler=sampler)
    kwargs.setdefault('collate_fn', collate)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=num_workers,
                      pin_memory=pin_memory, drop_last=drop_last, worker_init_fn=init_fn,
                      persistent_workers=persistent_workers and num_workers > 0, **kwargs)
