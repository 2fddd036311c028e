"""Before a run continues from a checkpoint: is it a training checkpoint, and does it fit?

A published file (no optimizer state) or one from another config (another num_classes)
would otherwise "resume" and fail later inside the optimizer; these checks say so first.
"""
from cls_lab.errors import CheckpointError


def check_resumable(checkpoint, filename, optimizer=None):
    """``checkpoint`` (a loaded dict) has counters and, when ``optimizer`` is given, its state."""
    meta = checkpoint.get('meta') or {}
    missing = [key for key in ('epoch', 'iter') if key not in meta]
    if missing:
        raise CheckpointError(f'{filename}: meta has no {missing[0]!r}; it is not a training '
                              'checkpoint, so it cannot be resumed. Use load_from (--load-from) '
                              'to start a new run from its weights')
    if optimizer is None:
        return
    if 'optimizer' not in checkpoint:
        raise CheckpointError(f'{filename} has no optimizer state (a published or weights-only '
                              'checkpoint), so the run cannot be resumed; use load_from '
                              '(--load-from) to start a new run from its weights')
    saved = checkpoint['optimizer']
    if isinstance(optimizer, dict):
        for name, opt in optimizer.items():
            if name not in saved:
                raise CheckpointError(f'{filename} has no state for optimizer {name!r}')
            check_optimizer_fits(opt, saved[name], filename)
    else:
        check_optimizer_fits(optimizer, saved, filename)


def check_optimizer_fits(optimizer, state, filename):
    """Same parameter groups, same parameter counts, state tensors shaped like the parameters."""
    groups, saved_groups = optimizer.param_groups, state.get('param_groups', [])
    sizes = [len(g['params']) for g in groups]
    saved_sizes = [len(g['params']) for g in saved_groups]
    if sizes != saved_sizes:
        raise CheckpointError(f'{filename}: its optimizer state is for parameter groups of '
                              f'{saved_sizes} tensors, this model has {sizes}; it comes from '
                              'another model or config. Use load_from (--load-from) instead')
    for group, saved_group in zip(groups, saved_groups):
        for param, index in zip(group['params'], saved_group['params']):
            for name, value in state.get('state', {}).get(index, {}).items():
                shape = tuple(getattr(value, 'shape', ()))
                if shape and shape != tuple(param.shape):
                    raise CheckpointError(
                        f'{filename}: optimizer state {name!r} has shape {shape} for a '
                        f'parameter of shape {tuple(param.shape)}; the checkpoint comes from '
                        'another config (num_classes?). Use load_from (--load-from) instead')
