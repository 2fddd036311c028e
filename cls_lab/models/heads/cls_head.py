"""ClsHead: turns class scores into a loss (+ top-k accuracy) in training, probabilities in test.

Subclasses only add layers (``LinearClsHead`` adds ``fc``); the loss/accuracy/post-processing
lives here. Given a tuple of backbone stages, a head uses the last one.
"""
import torch
import torch.nn.functional as F

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule
from ..losses import accuracy


@MODELS.register_module()
class ClsHead(BaseModule):
    """A head without layers: its input already is the class scores (N, C)."""

    def __init__(self, loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1,),
                 cal_acc=True, init_cfg=None):
        super().__init__(init_cfg)
        if not isinstance(loss, dict):
            raise ArgumentError(f'{type(self).__name__}: loss must be a config dict, got {loss!r}')
        topk = (topk,) if isinstance(topk, int) else tuple(topk)
        if any(k <= 0 for k in topk):
            raise ArgumentError(f'{type(self).__name__}: topk values must be positive, got {topk}')
        self.topk, self.cal_acc = topk, cal_acc
        self.compute_loss = MODELS.build(loss)

    def pre_logits(self, x):
        """The features the classifier layer sees: the last stage of a tuple."""
        return x[-1] if isinstance(x, (tuple, list)) else x

    def logits(self, x):
        """Class scores (N, C) from the features; overridden by heads with layers."""
        return self.pre_logits(x)

    def loss(self, cls_score, gt_label, **kwargs):
        """``dict(loss=..., accuracy={'top-1': ...})``; accuracy uses argmax of soft labels."""
        losses = dict(loss=self.compute_loss(cls_score, gt_label, avg_factor=len(cls_score),
                                             **kwargs))
        if self.cal_acc:
            k_valid = [k for k in self.topk if k <= cls_score.size(1)]
            acc = accuracy(cls_score.detach(), gt_label, k_valid)
            losses['accuracy'] = {f'top-{k}': a for k, a in zip(k_valid, acc)}
        return losses

    def forward_train(self, x, gt_label, **kwargs):
        return self.loss(self.logits(x), gt_label, **kwargs)

    def forward(self, x):
        return self.logits(x)

    def post_process(self, pred):
        """A list with one numpy score array per image (what ``model(img, return_loss=False)`` gives).

        While ``torch.onnx.export`` traces, the tensor itself (as mmcls: the graph keeps it)."""
        if torch.onnx.is_in_onnx_export():
            return pred
        return list(pred.detach().cpu().numpy())

    def simple_test(self, x, softmax=True, post_process=True):
        """Softmax scores of each image (raw tensor when ``post_process=False``)."""
        cls_score = self.logits(x)
        pred = F.softmax(cls_score, dim=1) if softmax else cls_score
        return self.post_process(pred) if post_process else pred


def _check_num_classes(head, num_classes):
    if not isinstance(num_classes, int) or num_classes <= 0:
        raise ArgumentError(f'{type(head).__name__}: num_classes={num_classes!r} must be a '
                            'positive integer')


