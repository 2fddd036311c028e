"""Multi-label metrics as mmcls 0.25: mAP, and class-/overall-wise precision, recall and F1.

Targets hold 1 (positive), 0 (negative) and -1 (difficult: ignored by mAP, a negative
for the others), one row per image, one column per class. Results are in percent.
"""
import warnings

import numpy as np
import torch
from cls_lab.errors import ArgumentError

_EPS = np.finfo(np.float32).eps


def _as_numpy(pred, target):
    if isinstance(pred, torch.Tensor) and isinstance(target, torch.Tensor):
        pred, target = pred.detach().cpu().numpy(), target.detach().cpu().numpy()
    elif not (isinstance(pred, np.ndarray) and isinstance(target, np.ndarray)):
        raise ArgumentError('pred and target must both be tensors or both numpy arrays, got '
                            f'{type(pred).__name__} and {type(target).__name__}')
    if pred.shape != target.shape:
        raise ArgumentError(f'pred {pred.shape} and target {target.shape} differ in shape')
    return pred, target


def average_precision(pred, target):
    """AP of one class: the mean precision at each positive, ranked by score (difficult skipped)."""
    ranked = target[np.argsort(-pred)]
    positive = ranked == 1
    true_positives = np.cumsum(positive)
    counted = np.cumsum(ranked != -1)
    total = true_positives[-1]
    true_positives[~positive] = 0
    return np.sum(true_positives / np.maximum(counted, _EPS)) / np.maximum(total, _EPS)


def mAP(pred, target):
    """Mean over classes of the average precision, in percent."""
    pred, target = _as_numpy(pred, target)
    return np.mean([average_precision(pred[:, k], target[:, k])
                    for k in range(pred.shape[1])]) * 100.0


def average_performance(pred, target, thr=None, k=None):
    """(CP, CR, CF1, OP, OR, OF1): per-class (C) and overall (O) precision, recall, F1.

    A label is predicted when its score >= ``thr``, or when it is among the ``k`` best;
    ``thr`` wins when both are given, 0.5 is used when neither is (with a warning each).
    """
    pred, target = _as_numpy(pred, target)
    if thr is None and k is None:
        thr = 0.5
        warnings.warn('average_performance: neither thr nor k given, using thr=0.5')
    elif thr is not None and k is not None:
        warnings.warn('average_performance: both thr and k given, using thr')
    target = np.where(target == -1, 0, target)
    if thr is not None:
        predicted = (pred >= thr).astype(pred.dtype)
    else:
        predicted = np.zeros_like(pred)
        np.put_along_axis(predicted, np.argsort(-pred, axis=1)[:, :k], 1, axis=1)
    tp = (predicted * target) == 1
    fp = (predicted * (1 - target)) == 1
    fn = ((1 - predicted) * target) == 1
    class_precision = tp.sum(0) / np.maximum(tp.sum(0) + fp.sum(0), _EPS)
    class_recall = tp.sum(0) / np.maximum(tp.sum(0) + fn.sum(0), _EPS)
    cp, cr = class_precision.mean() * 100.0, class_recall.mean() * 100.0
    op = tp.sum() / np.maximum(tp.sum() + fp.sum(), _EPS) * 100.0
    o_r = tp.sum() / np.maximum(tp.sum() + fn.sum(), _EPS) * 100.0
    return (cp, cr, 2 * cp * cr / np.maximum(cp + cr, _EPS),
            op, o_r, 2 * op * o_r / np.maximum(op + o_r, _EPS))
