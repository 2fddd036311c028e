"""Top-k accuracy in percent: a sample counts when its label is among the k best scores."""
import torch
import torch.nn as nn

from cls_lab.registry import MODELS


def accuracy(pred, target, topk=(1,)):
    """Top-k accuracies (percent, as 0-d tensors) of scores ``pred`` (N, C) for labels ``target``.

    Soft/one-hot ``target`` (N, C) counts its argmax as the label (useful after Mixup).
    """
    single = isinstance(topk, int)
    topk = (topk,) if single else tuple(topk)
    if target.dim() == 2:
        target = target.argmax(dim=1)
    maxk = min(max(topk), pred.size(1))
    with torch.no_grad():
        hits = pred.topk(maxk, dim=1).indices.eq(target.reshape(-1, 1))
        res = [hits[:, :min(k, maxk)].any(dim=1).float().mean() * 100 for k in topk]
    return res[0] if single else res


@MODELS.register_module()
class Accuracy(nn.Module):
    """Module form of :func:`accuracy`."""

    def __init__(self, topk=(1,)):
        super().__init__()
        self.topk = topk

    def forward(self, pred, target):
        return accuracy(pred, target, self.topk)
