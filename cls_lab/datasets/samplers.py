"""EpochSampler: the order of samples is a function of (seed, epoch) only.

So a resumed run sees the same order as an uninterrupted one, and the order does not
depend on the batch size or the number of workers. ``set_epoch(e)`` pins the epoch (the
runner calls it, as with torch's DistributedSampler); each pass then moves on by one, so a
plain loop that never calls it still reshuffles every epoch.
"""
import numpy as np
import torch
from torch.utils.data import Sampler


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
        order = self.indices(self.epoch)
        self.epoch += 1
        return iter(order)

    def __len__(self):
        return len(self.dataset)
