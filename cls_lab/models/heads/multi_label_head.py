"""Multi-label heads: each class is a yes/no question, so sigmoid + BCE instead of softmax."""
import torch
import torch.nn as nn

from cls_lab.registry import MODELS

from .cls_head import ClsHead, _check_num_classes


@MODELS.register_module()
class MultiLabelClsHead(ClsHead):
    """Loss on multi-hot targets (N, C); ``simple_test`` returns sigmoid scores per image."""

    def __init__(self, loss=dict(type='CrossEntropyLoss', use_sigmoid=True, reduction='mean',
                                 loss_weight=1.0), init_cfg=None):
        super().__init__(loss=loss, topk=(1,), cal_acc=False, init_cfg=init_cfg)

    def loss(self, cls_score, gt_label, **kwargs):
        # negative entries (-1: "difficult") count as positives, as in VOC-style labels
        return dict(loss=self.compute_loss(cls_score, gt_label.abs(), avg_factor=len(cls_score),
                                           **kwargs))

    def simple_test(self, x, sigmoid=True, post_process=True):
        cls_score = self.logits(x)
        pred = torch.sigmoid(cls_score) if sigmoid else cls_score
        return self.post_process(pred) if post_process else pred


@MODELS.register_module()
class MultiLabelLinearClsHead(MultiLabelClsHead):
    """MultiLabelClsHead with an ``fc: in_channels -> num_classes`` layer."""

    def __init__(self, num_classes, in_channels,
                 loss=dict(type='CrossEntropyLoss', use_sigmoid=True, reduction='mean',
                           loss_weight=1.0),
                 init_cfg=dict(type='Normal', layer='Linear', std=0.01)):
        super().__init__(loss=loss, init_cfg=init_cfg)
        _check_num_classes(self, num_classes)
        self.num_classes, self.in_channels = num_classes, in_channels
        self.fc = nn.Linear(in_channels, num_classes)

    def logits(self, x):
        return self.fc(self.pre_logits(x))
