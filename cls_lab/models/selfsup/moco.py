"""MoCo v2 (He et al. 2020; Chen et al. 2020): contrast each query with its key and a queue.

The key encoder is a slow copy of the query encoder (an exponential moving average of its
weights, never trained by gradients); its outputs wait in a FIFO queue as negatives for the
next ``queue_len / batch`` steps, so there are many more negatives than images in a batch.
"""
import copy
import warnings

import torch
import torch.nn.functional as F

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from .base import BaseSelfSupervisor, split_views


@MODELS.register_module()
class MoCo(BaseSelfSupervisor):
    """Query encoder ``backbone``+``neck``, key encoder ``key_backbone``+``key_neck`` (EMA copy).

    ``momentum``: weight the key encoder keeps each step; ``queue_len`` negatives of
    ``feat_dim`` (the neck's out_channels) stay in the ``queue`` buffer, ``queue_ptr`` the
    next column to overwrite. (Single device: no shuffle-BN across GPUs.) Arguments as
    mmselfsup 0.x; ``feature_dim`` is a deprecated alias of ``feat_dim``.
    """

    def __init__(self, backbone, neck=None, head=None, queue_len=65536, feat_dim=128,
                 momentum=0.999, init_cfg=None, feature_dim=None):
        super().__init__(backbone, neck, head, init_cfg)
        if feature_dim is not None:
            warnings.warn('MoCo(feature_dim=...) is deprecated: use feat_dim=... (mmselfsup name)',
                          DeprecationWarning, stacklevel=2)
            feat_dim = feature_dim
        if neck is None or head is None:
            raise KeyError('MoCo needs neck= (e.g. NonLinearNeck with out_channels=feat_dim) '
                           "and head= (e.g. dict(type='ContrastiveHead', temperature=0.2))")
        if not 0 <= momentum <= 1:
            raise ArgumentError(f'MoCo: momentum must be in [0, 1], got {momentum}')
        self.queue_len, self.feat_dim, self.momentum = int(queue_len), int(feat_dim), momentum
        self.key_backbone = copy.deepcopy(self.backbone)
        self.key_neck = copy.deepcopy(self.neck)
        self._copy_query_to_key()
        self.register_buffer('queue', F.normalize(torch.randn(self.feat_dim, queue_len), dim=0))
        self.register_buffer('queue_ptr', torch.zeros((), dtype=torch.long))

    def _key_pairs(self):
        return (list(zip(self.backbone.parameters(), self.key_backbone.parameters()))
                + list(zip(self.neck.parameters(), self.key_neck.parameters())))

    @torch.no_grad()
    def _copy_query_to_key(self):
        self.key_backbone.load_state_dict(self.backbone.state_dict())
        self.key_neck.load_state_dict(self.neck.state_dict())
        for _, param_k in self._key_pairs():
            param_k.requires_grad = False

    def init_weights(self):
        """Initialise the query encoder, then start the key encoder as its exact copy."""
        super().init_weights()
        self._copy_query_to_key()

    @torch.no_grad()
    def momentum_update(self):
        """key <- momentum * key + (1 - momentum) * query, for every parameter."""
        for param_q, param_k in self._key_pairs():
            param_k.mul_(self.momentum).add_(param_q.detach(), alpha=1 - self.momentum)

    @torch.no_grad()
    def enqueue(self, keys):
        """Write ``keys`` (N, feat_dim) over the oldest N queue columns, wrapping around."""
        if keys.shape[1] != self.feat_dim:
            raise ArgumentError(f'MoCo: keys have {keys.shape[1]} dims but feat_dim='
                                f'{self.feat_dim}; set the neck out_channels to feat_dim')
        keys = keys[-self.queue_len:]
        ptr = int(self.queue_ptr)
        cols = (ptr + torch.arange(len(keys), device=keys.device)) % self.queue_len
        self.queue[:, cols] = keys.t().to(self.queue.dtype)
        self.queue_ptr.fill_((ptr + len(keys)) % self.queue_len)

    def encode_query(self, img):
        return F.normalize(self.neck(self.backbone(img))[0], dim=1)

    @torch.no_grad()
    def encode_key(self, img):
        return F.normalize(self.key_neck(self.key_backbone(img))[0], dim=1)

    def forward_train(self, img, update_state=None, **kwargs):
        """InfoNCE of queries (view 0) against keys (view 1) and the queue.

        ``update_state`` (default: ``self.training``) runs the momentum update before the
        keys are computed and pushes the keys into the queue after the loss.
        """
        im_q, im_k = split_views(img, 2, 'MoCo')
        update = self.training if update_state is None else update_state
        q = self.encode_query(im_q)
        if update:
            self.momentum_update()
        k = self.encode_key(im_k)
        pos = (q * k).sum(dim=1, keepdim=True)
        neg = q @ self.queue.clone().detach()
        losses = self.head(pos, neg)
        if update:
            self.enqueue(k)
        return losses
