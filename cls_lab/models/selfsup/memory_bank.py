"""MemoryBank: one stored, L2-normalised feature per training image (NPID, ODC).

After each step the entries of the images just seen move towards their new features:
``v_i <- normalize(momentum * v_i + (1 - momentum) * f_i)``. Entries seen long ago go stale,
which is why the update is a running average rather than a copy.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS


@MODELS.register_module()
class MemoryBank(nn.Module):
    """A (length, feat_dim) bank of unit vectors, saved with the model as a buffer.

    ``momentum`` is the weight kept by the old entry (0 replaces it, 1 never changes it).
    """

    def __init__(self, length, feat_dim, momentum=0.5):
        super().__init__()
        if not 0 <= momentum <= 1:
            raise ArgumentError(f'MemoryBank: momentum must be in [0, 1], got {momentum}')
        self.length, self.feat_dim, self.momentum = int(length), int(feat_dim), momentum
        self.register_buffer('feature_bank', F.normalize(torch.randn(length, feat_dim), dim=1))

    def _check_idx(self, idx):
        idx = torch.as_tensor(idx, device=self.feature_bank.device).long()
        if idx.numel() and (idx.min() < 0 or idx.max() >= self.length):
            raise IndexError(f'MemoryBank: index out of range [0, {self.length}): '
                             f'min {int(idx.min())}, max {int(idx.max())}; is length the '
                             'size of the training set?')
        return idx

    def get(self, idx):
        """The stored features of samples ``idx`` (any shape), shape ``idx.shape + (feat_dim,)``."""
        return self.feature_bank[self._check_idx(idx)]

    @torch.no_grad()
    def update(self, idx, feature):
        """Momentum-update the entries ``idx`` (N,) with ``feature`` (N, feat_dim); returns them."""
        idx = self._check_idx(idx)
        if feature.shape != (len(idx), self.feat_dim):
            raise ArgumentError(f'MemoryBank.update: feature must be ({len(idx)}, {self.feat_dim}),'
                                f' got {tuple(feature.shape)}')
        feature = F.normalize(feature.detach().to(self.feature_bank.dtype), dim=1)
        mixed = self.momentum * self.feature_bank[idx] + (1 - self.momentum) * feature
        self.feature_bank[idx] = F.normalize(mixed, dim=1)
        return self.feature_bank[idx]

    def sample_negatives(self, num_samples, num_negatives, generator=None):
        """Random bank indices (num_samples, num_negatives): NPID's negatives."""
        return torch.randint(self.length, (num_samples, num_negatives), generator=generator,
                             device='cpu').to(self.feature_bank.device)

    def extra_repr(self):
        return f'length={self.length}, feat_dim={self.feat_dim}, momentum={self.momentum}'
