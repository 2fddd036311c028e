"""SimCLR (Chen et al. 2020): two views of each image must find each other in the batch.

Both views of N images go through backbone + projection; each of the 2N embeddings has one
positive (its other view) and 2N - 2 negatives (every other embedding): the NT-Xent loss.
"""
import torch
import torch.nn.functional as F

from cls_lab.registry import MODELS

from .base import BaseSelfSupervisor, split_views


def nt_xent_pairs(z):
    """Cosine similarities of 2N embeddings (views stacked [a; b]): pos (2N, 1), neg (2N, 2N-2).

    Row i's positive is its partner i +/- N; its negatives are all other rows but itself.
    """
    z = F.normalize(z, dim=1)
    num = len(z) // 2
    sim = z @ z.t()
    rows = torch.arange(2 * num, device=z.device)
    partner = (rows + num) % (2 * num)
    pos = sim[rows, partner][:, None]
    keep = torch.ones_like(sim, dtype=torch.bool)
    keep[rows, rows] = False
    keep[rows, partner] = False
    neg = sim[keep].view(2 * num, 2 * num - 2)
    return pos, neg


@MODELS.register_module()
class SimCLR(BaseSelfSupervisor):
    """backbone -> NonLinearNeck -> ContrastiveHead (its temperature is NT-Xent's)."""

    def __init__(self, backbone, neck=None, head=None, init_cfg=None):
        super().__init__(backbone, neck, head, init_cfg)
        if neck is None or head is None:
            raise KeyError('SimCLR needs neck= (a projection, e.g. NonLinearNeck) and head= '
                           "(e.g. dict(type='ContrastiveHead', temperature=0.1))")

    def forward_train(self, img, update_state=None, **kwargs):
        """NT-Xent over the two views ``img = [view_a, view_b]``, each (N, C, H, W)."""
        view_a, view_b = split_views(img, 2, 'SimCLR')
        z = self.neck(self.backbone(torch.cat([view_a, view_b])))[0]
        pos, neg = nt_xent_pairs(z)
        return self.head(pos, neg)
