"""Deterministic, seed-free tensors for the model-zoo reference tests (numpy only).

The mmcls side (``tests/data/zoo/make_cnn_refs.py``, run in the anchor venv) and cls_lab's
tests fill a state dict with the same values from the key name and shape alone, so only the
key/shape list and the outputs need storing, not the weights.
"""
import math
import zlib

import numpy as np


def formula_array(name, shape):
    """A float32 (int64 for ``num_batches_tracked``) array that depends only on name/shape.

    Conv/linear weights get a He-like scale so activations stay O(1) through a deep net;
    norm weights sit near 1, running variances are positive.
    """
    shape = tuple(int(s) for s in shape)
    if name.endswith('num_batches_tracked'):
        return np.zeros(shape, dtype=np.int64)
    phase = zlib.crc32(name.encode()) % 997 / 997 * 2 * math.pi
    v = np.sin(np.arange(math.prod(shape), dtype=np.float64) * 0.7071 + phase).reshape(shape)
    if name.endswith('running_var'):
        v = 1 + 0.5 * v * v
    elif len(shape) <= 1:
        v = 1 + 0.2 * v if name.endswith('weight') else 0.1 * v
    else:
        v = v * math.sqrt(4 / math.prod(shape[1:]))
    return v.astype(np.float32)


def formula_state_dict(shapes):
    """``{key: array}`` for ``{key: shape}``."""
    return {k: formula_array(k, s) for k, s in shapes.items()}
