"""Save and restore every random number generator (python, numpy, torch CPU and CUDA).

A checkpoint stores ``get_rng_state()`` so a resumed run draws the same augmentations as an
uninterrupted one; ``preserve_rng`` runs evaluation without moving the training streams.
"""
import contextlib
import random

import numpy as np
import torch


def get_rng_state():
    """python, numpy and torch (CPU, CUDA) RNG states as lists/tensors (weights_only-safe)."""
    version, mt, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(python=[version, list(mt), gauss],
                 numpy=[name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss),
                        float(cached)],
                 torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state):
    """Undo :func:`get_rng_state`: every generator continues where it was saved."""
    version, mt, gauss = state['python']
    random.setstate((version, tuple(mt), gauss))
    name, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda']])


@contextlib.contextmanager
def preserve_rng():
    """Run a block (validation, evaluation) without moving the training RNG streams."""
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
