"""The learning-rate range test (Smith 2015, fastai's ``lr_find``): train briefly with an
exponentially growing LR, watch the loss, pick the LR where it falls fastest.

``lr_find`` copies the model's and the optimizer's state first and puts both back after,
so the model you pass is untouched and training can start from it right away.
"""
import copy
import math

import numpy as np
import torch


def lr_find(model, data_loader, optimizer, start_lr=1e-7, end_lr=10.0, num_iters=100,
            smooth=0.98, diverge=4.0, device=None):
    """Run the range test; returns ``dict(lrs, losses, raw_losses, suggestion, stopped_early)``.

    ``optimizer``: a torch optimizer over ``model``'s parameters. ``losses`` are smoothed
    (exponential moving average, bias-corrected); the test stops once the smoothed loss
    exceeds ``diverge`` times its best. ``suggestion``: the LR of the steepest descent.
    """
    if not 0 < start_lr < end_lr:
        raise ValueError(f'lr_find: need 0 < start_lr < end_lr, got {start_lr:g} and {end_lr:g}')
    if num_iters < 5:
        raise ValueError(f'lr_find: num_iters must be >= 5 to fit a curve, got {num_iters}')
    device = torch.device(device) if device else next(model.parameters()).device
    saved_model = copy.deepcopy(model.state_dict())
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    was_training = model.training
    lrs, raw, smoothed = [], [], []
    average, best = 0.0, math.inf
    model.train()
    try:
        batches = _cycle(data_loader)
        for step in range(num_iters):
            lr = start_lr * (end_lr / start_lr) ** (step / (num_iters - 1))
            for group in optimizer.param_groups:
                group['lr'] = lr
            loss = _train_once(model, next(batches), optimizer, device)
            if not math.isfinite(loss):
                break
            average = smooth * average + (1 - smooth) * loss
            value = average / (1 - smooth ** (step + 1))
            lrs.append(lr), raw.append(loss), smoothed.append(value)
            best = min(best, value)
            if value > diverge * best:
                break
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_optimizer)
        model.train(was_training)
    if len(lrs) < 3:
        raise RuntimeError(f'lr_find: the loss diverged after {len(lrs)} steps from {start_lr:g}; '
                           'start lower')
    return dict(lrs=lrs, losses=smoothed, raw_losses=raw, suggestion=suggest_lr(lrs, smoothed),
                stopped_early=len(lrs) < num_iters)


def _cycle(data_loader):
    while True:
        for batch in data_loader:
            yield batch


def _train_once(model, batch, optimizer, device):
    batch = {k: v.to(device) if torch.is_tensor(v) else v for k, v in batch.items()}
    outputs = model.train_step(batch, optimizer)
    optimizer.zero_grad()
    outputs['loss'].backward()
    optimizer.step()
    return float(outputs['loss'].detach())


def suggest_lr(lrs, losses):
    """The LR where the smoothed loss falls fastest (per log-LR), before its minimum."""
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    stop = int(np.argmin(losses)) + 1
    if stop < 3:                     # the loss only rose: the smallest LR is the safe pick
        return float(lrs[0])
    slope = np.gradient(losses[:stop], np.log(lrs[:stop]))
    return float(lrs[int(np.argmin(slope))])


def plot_lr_find(result, title='LR range test'):
    """Figure: smoothed (and raw) loss against the LR on a log axis, the suggestion marked."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6, 3.6), layout='constrained')
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(result['lrs'], result['raw_losses'], color='tab:gray', alpha=0.35, label='loss')
    ax.plot(result['lrs'], result['losses'], color='tab:blue', label='smoothed loss')
    suggestion = result['suggestion']
    ax.axvline(suggestion, color='tab:red', linestyle='--', label=f'suggested lr {suggestion:.2g}')
    ax.set_xscale('log')
    ax.set_xlabel('learning rate')
    ax.set_ylabel('loss')
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
