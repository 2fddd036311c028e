"""Reduce element-wise losses, with optional weights: the ``weighted_loss`` decorator.

Write ``loss_fn(pred, target)`` returning one loss per element; decorated, it becomes
``loss_fn(pred, target, weight=None, reduction='mean', avg_factor=None)``.
"""
import functools

import torch.nn.functional as F
from cls_lab.errors import ArgumentError


def reduce_loss(loss, reduction):
    """'none' keeps the elements, 'mean' averages them, 'sum' adds them."""
    if reduction not in ('none', 'mean', 'sum'):
        raise ArgumentError(f"reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    enum = F._Reduction.get_enum(reduction)
    return loss if enum == 0 else loss.mean() if enum == 1 else loss.sum()


def weight_reduce_loss(loss, weight=None, reduction='mean', avg_factor=None):
    """Multiply by ``weight`` (element-wise), then reduce.

    ``avg_factor`` replaces the element count of 'mean' (e.g. the number of valid samples,
    when padded ones carry weight 0); combining it with 'sum' makes no sense: ValueError.
    """
    if weight is not None:
        loss = loss * weight
    if avg_factor is None:
        return reduce_loss(loss, reduction)
    if reduction == 'mean':
        return loss.sum() / avg_factor
    if reduction == 'none':
        return loss
    raise ArgumentError(f'avg_factor={avg_factor} can not be used with reduction={reduction!r}')


def weighted_loss(loss_func):
    """Decorate an element-wise loss with ``weight``, ``reduction`` and ``avg_factor``."""

    @functools.wraps(loss_func)
    def wrapper(pred, target, weight=None, reduction='mean', avg_factor=None, **kwargs):
        loss = loss_func(pred, target, **kwargs)
        return weight_reduce_loss(loss, weight, reduction, avg_factor)

    return wrapper


def convert_to_one_hot(targets, classes):
    """(N,) or (N, 1) class indices -> (N, classes) float one-hot."""
    targets = targets.reshape(-1).long()
    if targets.numel() and (targets.min() < 0 or targets.max() >= classes):
        raise ArgumentError(f'labels must lie in [0, {classes}), got range '
                         f'[{int(targets.min())}, {int(targets.max())}]')
    return F.one_hot(targets, classes).float()


def check_reduction(reduction_override, default=None):
    """The reduction to use: the override if given, else ``default``; both are validated.

    ``check_reduction(reduction)`` in a loss's ``__init__`` makes a bad name fail at once.
    """
    for name, value in (('reduction_override', reduction_override), ('reduction', default)):
        if value not in (None, 'none', 'mean', 'sum'):
            raise ArgumentError(f"{name} must be 'none', 'mean' or 'sum', got {value!r}")
    return reduction_override or default
