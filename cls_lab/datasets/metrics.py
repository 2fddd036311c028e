"""Classification metrics, as mmcls 0.x reports them: accuracy (top-k), precision, recall, F1, support.

Plain numpy. ``scores`` is (N, C), ``labels`` is (N,). Percentages, not fractions.
A threshold ``thr`` counts a prediction only when its score is above ``thr``.
"""
from numbers import Number

import numpy as np
from cls_lab.errors import ArgumentError

ALLOWED_METRICS = ('accuracy', 'precision', 'recall', 'f1_score', 'support')


def as_set_text(names):
    """``{'a', 'b'}`` in the given order: mmcls's wording for unknown metrics."""
    return '{' + ', '.join(map(repr, names)) + '}'


def _check(scores, labels):
    scores, labels = np.asarray(scores), np.asarray(labels).reshape(-1)
    if scores.ndim != 2 or len(scores) != len(labels):
        raise ArgumentError(f'scores must be (N, C) and labels (N,), got {scores.shape} and '
                            f'{labels.shape}')
    return scores, labels


def _as_thrs(thrs):
    """None/number -> (single, [thr]); tuple -> (False, list)."""
    if thrs is None or isinstance(thrs, Number):
        return True, [0.0 if thrs is None else float(thrs)]
    if not isinstance(thrs, (tuple, list)) or not all(isinstance(t, Number) for t in thrs):
        raise ArgumentError(f'thrs must be a number, a tuple of numbers or None, got {thrs!r}')
    return False, [float(t) for t in thrs]


def accuracy(scores, labels, topk=(1,), thrs=None):
    """Top-k accuracy in percent for each k (k above the class count counts every class).

    ``topk`` int -> one value, tuple -> a list; ``thrs`` tuple -> a list per threshold.
    """
    scores, labels = _check(scores, labels)
    single_k = isinstance(topk, int)
    ks = (topk,) if single_k else tuple(topk)
    single_thr, thr_list = _as_thrs(thrs)
    maxk = min(max(ks), scores.shape[1])
    order = np.argsort(-scores, axis=1, kind='stable')[:, :maxk]
    top_scores = np.take_along_axis(scores, order, axis=1)
    hits = order == labels[:, None]
    out = []
    for k in ks:
        k = min(k, maxk)
        per_thr = [float((hits[:, :k] & (top_scores[:, :k] > thr)).any(axis=1).mean() * 100)
                   if len(labels) else 0.0 for thr in thr_list]
        out.append(per_thr[0] if single_thr else per_thr)
    return out[0] if single_k else out


def confusion_matrix(scores, labels, num_classes=None):
    """``matrix[true, predicted]`` counts, the prediction being the arg-max."""
    scores, labels = _check(scores, labels)
    num_classes = num_classes or scores.shape[1]
    preds = scores.argmax(axis=1)
    return np.bincount(labels * num_classes + preds, minlength=num_classes ** 2) \
        .reshape(num_classes, num_classes)


def precision_recall_f1(scores, labels, average_mode='macro', thrs=None):
    """Per-class precision, recall and F1 in percent (a class never predicted scores 0).

    ``average_mode='macro'`` averages over classes, 'none' keeps the per-class arrays.
    """
    if average_mode not in ('macro', 'none'):
        raise ArgumentError(f"average_mode must be 'macro' or 'none', got {average_mode!r}")
    scores, labels = _check(scores, labels)
    single_thr, thr_list = _as_thrs(thrs)
    classes = np.arange(scores.shape[1])
    preds, best = scores.argmax(axis=1), scores.max(axis=1)
    gt_positive = labels[:, None] == classes
    results = []
    for thr in thr_list:
        pred = np.where(best > thr, preds, -1)
        pred_positive = pred[:, None] == classes
        true_positive = (pred_positive & gt_positive).sum(0)
        precision = true_positive / np.maximum(pred_positive.sum(0), 1) * 100
        recall = true_positive / np.maximum(gt_positive.sum(0), 1) * 100
        f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-20)
        if average_mode == 'macro':
            precision, recall, f1 = float(precision.mean()), float(recall.mean()), float(f1.mean())
        results.append((precision, recall, f1))
    if single_thr:
        return results[0]
    return tuple(list(values) for values in zip(*results))


def support(scores, labels, average_mode='macro'):
    """How many samples each class has ('none'), or their total ('macro')."""
    scores, labels = _check(scores, labels)
    counts = np.bincount(labels, minlength=scores.shape[1])
    return int(counts.sum()) if average_mode == 'macro' else counts


def evaluate_classification(scores, labels, metric='accuracy', metric_options=None):
    """The metrics dict mmcls 0.x's ``dataset.evaluate`` returns, e.g. ``{'accuracy_top-1': 93.1}``.

    ``metric`` is a name or a list of names from ALLOWED_METRICS; ``metric_options`` may hold
    ``topk`` (default (1, 5)), ``thrs`` and ``average_mode`` (default 'macro').
    """
    metrics = [metric] if isinstance(metric, str) else list(metric)
    unknown = [m for m in metrics if m not in ALLOWED_METRICS]
    if unknown:
        raise ArgumentError(f'metric {as_set_text(unknown)} is not supported; choose from '
                            f'{list(ALLOWED_METRICS)}')
    options = dict(metric_options or {})
    topk = options.get('topk', (1, 5))
    topk = tuple(topk) if isinstance(topk, list) else topk
    thrs = options.get('thrs')
    thrs = tuple(thrs) if isinstance(thrs, list) else thrs
    average_mode = options.get('average_mode', 'macro')
    scores = np.vstack([np.asarray(s).reshape(1, -1) if np.ndim(s) == 1 else s for s in scores]) \
        if isinstance(scores, (list, tuple)) else np.asarray(scores)
    scores, labels = _check(scores, labels)
    results = {}
    if 'accuracy' in metrics:
        values = accuracy(scores, labels, topk=topk, thrs=thrs)
        named = {f'accuracy_top-{k}': v for k, v in zip(topk, values)} \
            if isinstance(topk, tuple) else {'accuracy': values}
        results.update(_expand_thrs(named, thrs))
    if 'support' in metrics:
        results['support'] = support(scores, labels, average_mode)
    wanted = [m for m in ('precision', 'recall', 'f1_score') if m in metrics]
    if wanted:
        values = dict(zip(('precision', 'recall', 'f1_score'),
                          precision_recall_f1(scores, labels, average_mode, thrs)))
        results.update(_expand_thrs({m: values[m] for m in wanted}, thrs))
    return results


def _expand_thrs(named, thrs):
    """With a tuple of thresholds, ``key`` becomes ``key_thr_0.50`` etc."""
    if not isinstance(thrs, tuple):
        return named
    return {f'{key}_thr_{thr:.2f}': value
            for key, values in named.items() for thr, value in zip(thrs, values)}
