"""NPID (Wu et al. 2018): every image is its own class, remembered in a memory bank.

A feature is pulled towards its own bank entry and pushed from ``neg_num`` random entries;
then the bank entry moves towards the new feature. Needs the sample index: the dataset
must give ``idx`` (``SelfSupDataset(..., with_idx=True)``).
"""
import torch
import torch.nn.functional as F

from cls_lab.registry import MODELS

from .base import BaseSelfSupervisor


@MODELS.register_module()
class NPID(BaseSelfSupervisor):
    """backbone -> neck (a feat_dim embedding) -> ContrastiveHead against a MemoryBank.

    ``memory_bank=dict(type='MemoryBank', length=<training set size>, feat_dim=...)``;
    ``neg_num`` random bank entries are the negatives (``ensure_neg``: never the image itself).
    """

    def __init__(self, backbone, neck=None, head=None, memory_bank=None, neg_num=4096,
                 ensure_neg=False, init_cfg=None):
        super().__init__(backbone, neck, head, init_cfg)
        if neck is None or head is None or memory_bank is None:
            raise KeyError('NPID needs neck=, head= and memory_bank=dict(type="MemoryBank", '
                           'length=<number of training images>, feat_dim=...)')
        self.memory_bank = MODELS.build(memory_bank)
        self.neg_num, self.ensure_neg = int(neg_num), ensure_neg

    def forward_train(self, img, idx=None, update_state=None, **kwargs):
        """Loss of one view ``img`` (a tensor, or a list with one view) whose dataset indices are ``idx``."""
        if isinstance(img, (list, tuple)):
            img = img[0]
        if idx is None:
            raise KeyError('NPID.forward_train needs idx (the dataset index of each image): '
                           'use SelfSupDataset(..., with_idx=True)')
        idx = torch.as_tensor(idx, device=img.device).long()
        feature = F.normalize(self.neck(self.backbone(img))[0], dim=1)
        neg_idx = self.memory_bank.sample_negatives(len(idx), self.neg_num)
        if self.ensure_neg:                      # redraw the negatives that hit the image itself
            clash = neg_idx == idx[:, None]
            while clash.any():
                neg_idx[clash] = self.memory_bank.sample_negatives(1, int(clash.sum()))[0]
                clash = neg_idx == idx[:, None]
        pos = (feature * self.memory_bank.get(idx)).sum(dim=1, keepdim=True)
        neg = torch.einsum('nd,nkd->nk', feature, self.memory_bank.get(neg_idx))
        losses = self.head(pos, neg)
        update = self.training if update_state is None else update_state
        if update:
            self.memory_bank.update(idx, feature)
        return losses
