"""Top-k accuracy in percent: a sample counts when its label is among the k best scores."""
from numbers import Number

import numpy as np
import torch
import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS


def accuracy(pred, target, topk=(1,), thrs=None):
    """Top-k accuracies (percent, as 0-d tensors) of scores ``pred`` (N, C) for labels ``target``.

    ``pred``/``target`` are tensors or numpy arrays. Soft/one-hot ``target`` (N, C) counts its
    argmax as the label (useful after Mixup). ``thrs`` (a number or a tuple, as mmcls) also
    requires the score to exceed it, giving one value per threshold for a tuple; by default
    no threshold applies (mmcls's default 0. would count a correct negative logit as wrong).
    """
    pred, target = (torch.from_numpy(np.asarray(v)) if isinstance(v, np.ndarray) else v
                    for v in (pred, target))
    if not isinstance(pred, torch.Tensor) or not isinstance(target, torch.Tensor):
        raise ArgumentError(f'pred and target must be tensors or numpy arrays, got '
                            f'{type(pred).__name__} and {type(target).__name__}')
    single = isinstance(topk, int)
    topk = (topk,) if single else tuple(topk)
    single_thr = thrs is None or isinstance(thrs, Number)
    thr_list = (thrs,) if single_thr else tuple(thrs)
    if target.dim() == 2:
        target = target.argmax(dim=1)
    maxk = min(max(topk), pred.size(1))
    with torch.no_grad():
        scores, labels = pred.float().topk(maxk, dim=1)
        hits = labels.eq(target.reshape(-1, 1))
        res = []
        for k in topk:
            per_thr = [(hits[:, :min(k, maxk)] & (scores[:, :min(k, maxk)] > thr if thr is not None
                                                   else True)).any(dim=1).float().mean() * 100
                       for thr in thr_list]
            res.append(per_thr[0] if single_thr else per_thr)
    return res[0] if single else res


@MODELS.register_module()
class Accuracy(nn.Module):
    """Module form of :func:`accuracy`."""

    def __init__(self, topk=(1,)):
        super().__init__()
        self.topk = topk

    def forward(self, pred, target):
        return accuracy(pred, target, self.topk)
