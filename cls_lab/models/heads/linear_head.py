"""LinearClsHead: one fully connected layer from pooled features to class scores."""
import torch.nn as nn

from cls_lab.registry import MODELS

from .cls_head import ClsHead, _check_num_classes


@MODELS.register_module()
class LinearClsHead(ClsHead):
    """``fc: in_channels -> num_classes`` after ClsHead's loss/accuracy machinery."""

    def __init__(self, num_classes, in_channels, loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
                 topk=(1,), init_cfg=dict(type='Normal', layer='Linear', std=0.01), **kwargs):
        super().__init__(loss=loss, topk=topk, init_cfg=init_cfg, **kwargs)
        _check_num_classes(self, num_classes)
        self.num_classes, self.in_channels = num_classes, in_channels
        self.fc = nn.Linear(in_channels, num_classes)

    def logits(self, x):
        return self.fc(self.pre_logits(x))
