"""Samplers whose order is a function of (seed, epoch) only, and that tell workers the epoch.

So a resumed run sees the same order as an uninterrupted one, and the order does not
depend on the batch size or the number of workers. ``set_epoch(e)`` pins the epoch (the
runner calls it, as with torch's DistributedSampler); each pass then moves on by one, so a
plain loop that never calls it still reshuffles every epoch.

Each index a sampler yields is an ``EpochIndex``: an int that also carries (seed, epoch,
rank). A cls_lab dataset reseeds a loader worker's random generators from (seed, epoch,
rank, worker id) when it first sees a new epoch, so random augmentations differ from epoch
to epoch and repeat after a resume, even with ``persistent_workers`` (kept alive).
"""
import math

import numpy as np
import torch
from torch.utils.data import DistributedSampler, Sampler

from cls_lab.errors import ArgumentError
from cls_lab.registry import Registry

SAMPLERS = Registry('samplers')


class EpochIndex(int):
    """A sample index plus the (seed, epoch, rank) of the pass that drew it."""

    def __new__(cls, index, seed=0, epoch=0, rank=0):
        value = super().__new__(cls, index)
        value.seed, value.epoch, value.rank = seed, epoch, rank
        return value

    def __reduce__(self):
        return EpochIndex, (int(self), self.seed, self.epoch, self.rank)


def get_dist_info():
    """``(rank, world_size)`` of the default process group; ``(0, 1)`` when not distributed."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def seed_everything_from(*parts):
    """Seed numpy, random and torch from a tuple of ints (through numpy's SeedSequence)."""
    import random
    state = np.random.SeedSequence([int(p) for p in parts]).generate_state(2)
    seed = int(state[0]) | (int(state[1]) << 32)
    np.random.seed(seed % 2 ** 32)
    random.seed(seed)
    torch.manual_seed(seed)


_worker_epoch = [None]   # the epoch this loader worker process last seeded for


def reseed_worker_for(index):
    """In a loader worker: reseed once per epoch from the EpochIndex ``index``; else nothing."""
    info = torch.utils.data.get_worker_info()
    if info is None or not isinstance(index, EpochIndex):
        return
    key = (index.seed, index.epoch, index.rank)
    if _worker_epoch[0] != key:
        _worker_epoch[0] = key
        seed_everything_from(index.seed, index.epoch, index.rank, info.id)


def _tagged(indices, seed, epoch, rank=0):
    return iter([EpochIndex(i, seed, epoch, rank) for i in indices])


@SAMPLERS.register_module()
class EpochSampler(Sampler):
    """Shuffle ``range(len(dataset))`` with ``torch.randperm``, seeded from the pair (seed, epoch)."""

    def __init__(self, dataset, shuffle=True, seed=0):
        self.dataset, self.shuffle = dataset, shuffle
        self.seed = int(seed or 0)
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = int(epoch)

    def indices(self, epoch):
        """The sample order of ``epoch``."""
        if not self.shuffle:
            return list(range(len(self.dataset)))
        generator = torch.Generator()
        generator.manual_seed(int(np.random.SeedSequence([self.seed, epoch]).generate_state(1)[0]))
        return torch.randperm(len(self.dataset), generator=generator).tolist()

    def __iter__(self):
        order = _tagged(self.indices(self.epoch), self.seed, self.epoch)
        self.epoch += 1
        return order

    def __len__(self):
        return len(self.dataset)


class EpochDistributedSampler(DistributedSampler):
    """torch's DistributedSampler, its indices tagged with (seed, epoch, rank)."""

    def __iter__(self):
        return _tagged(super().__iter__(), self.seed, self.epoch, self.rank)


@SAMPLERS.register_module()
class RepeatAugSampler(Sampler):
    """Repeated augmentation (Hoffer et al., 2020; DeiT): each sample ``num_repeats`` times per epoch.

    The repeats are spread over the ``num_replicas`` processes, so each sees different
    augmentations of one image; an epoch keeps ``len(dataset) // selected_round *
    selected_round / selected_ratio`` samples per process (selected_ratio defaults to the
    process count), as mmcls 0.25. Deliberately unlike mmcls, the shuffle is seeded from
    (seed, epoch) on a single process too, so a resumed run repeats its order.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, num_repeats=3,
                 selected_round=256, selected_ratio=0, seed=0):
        default_rank, default_world_size = get_dist_info()
        num_replicas = default_world_size if num_replicas is None else num_replicas
        rank = default_rank if rank is None else rank
        if not isinstance(num_repeats, int) or num_repeats < 1:
            raise ArgumentError(f'RepeatAugSampler: num_repeats must be an int >= 1, got {num_repeats!r}')
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.num_repeats, self.seed, self.epoch = shuffle, num_repeats, int(seed or 0), 0
        self.num_samples = int(math.ceil(len(dataset) * num_repeats / num_replicas))
        self.total_size = self.num_samples * num_replicas
        ratio = selected_ratio or num_replicas
        if selected_round:
            kept = len(dataset) // selected_round * selected_round
            self.num_selected_samples = int(math.floor(kept / ratio))
        else:
            self.num_selected_samples = int(math.ceil(len(dataset) / ratio))
        if self.num_selected_samples == 0:
            raise ArgumentError(f'RepeatAugSampler: {len(dataset)} samples, selected_round='
                                f'{selected_round} leaves none per epoch; lower selected_round')

    def set_epoch(self, epoch):
        self.epoch = int(epoch)

    def __iter__(self):
        if self.shuffle:
            generator = torch.Generator()
            generator.manual_seed(self.epoch + self.seed)
            order = torch.randperm(len(self.dataset), generator=generator).tolist()
        else:
            order = list(range(len(self.dataset)))
        order = [i for i in order for _ in range(self.num_repeats)]
        order += order[:self.total_size - len(order)]
        mine = order[self.rank:self.total_size:self.num_replicas][:self.num_selected_samples]
        epoch = self.epoch
        self.epoch += 1
        return _tagged(mine, self.seed, epoch, self.rank)

    def __len__(self):
        return self.num_selected_samples
