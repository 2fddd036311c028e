"""DeiTClsHead: average of two classifiers, one on the class token, one on the distillation token.

In DeiT training ``head_dist`` learns from a CNN teacher's predictions; at test time both
heads vote. Here (as in mmcls) both see the ground-truth label in training: the teacher
loss is not implemented.
"""
import warnings

import torch.nn as nn

from cls_lab.registry import MODELS

from .vision_transformer_head import VisionTransformerClsHead


@MODELS.register_module()
class DeiTClsHead(VisionTransformerClsHead):
    """VisionTransformerClsHead plus ``layers.head_dist`` for the distillation token."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        width = self.in_channels if self.hidden_dim is None else self.hidden_dim
        self.layers.add_module('head_dist', nn.Linear(width, self.num_classes))

    def pre_logits(self, x):
        """``(cls_token, dist_token)`` of the last stage, each (N, C)."""
        _, cls_token, dist_token = x[-1] if isinstance(x, tuple) else x
        return self._hidden(cls_token), self._hidden(dist_token)

    def logits(self, x):
        cls_token, dist_token = self.pre_logits(x)
        return (self.layers.head(cls_token) + self.layers.head_dist(dist_token)) / 2

    def forward_train(self, x, gt_label, **kwargs):
        warnings.warn('DeiTClsHead trains both tokens on the labels; the distillation loss '
                      'against a teacher is not implemented (as in mmcls 0.25)')
        return super().forward_train(x, gt_label, **kwargs)
