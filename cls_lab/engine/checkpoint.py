"""Save and load checkpoints: ``{'meta': ..., 'state_dict': ..., 'optimizer': ...}`` files.

Loading never runs code from the file: ``torch.load(weights_only=True)`` only rebuilds tensors
and plain containers, and anything else is refused. Keys that don't fit are *reported*
(missing, unexpected, wrong shape) rather than silently dropped: partial loading is a feature
(fine-tuning under a new head) but a typo in a prefix should be visible.
"""
import logging
import os
import pickle
import re
import tempfile
import time
import warnings
from collections import OrderedDict

import torch
import torch.nn as nn


def _unwrap(module):
    """The model inside a DataParallel / DistributedDataParallel wrapper."""
    while isinstance(module, (nn.DataParallel, nn.parallel.DistributedDataParallel)) or \
            (hasattr(module, 'module') and type(module).__name__.endswith('DataParallel')):
        module = module.module
    return module


def get_state_dict(module):
    """The state dict of ``module`` as CPU tensors, without any wrapper's ``module.`` segment
    (also for DataParallel/DDP submodules deeper in the model, as mmcv)."""
    module = _unwrap(module)
    wrapped = sorted((name for name, sub in module.named_modules()
                      if name and _unwrap(sub) is not sub), key=len, reverse=True)
    state = OrderedDict()
    for key, value in module.state_dict().items():
        for name in wrapped:
            key = key.replace(f'{name}.module.', f'{name}.', 1) \
                if key.startswith(f'{name}.module.') else key
        state[key] = value.detach().cpu()
    return state


def _report(message, logger):
    if logger == 'silent':
        return
    if isinstance(logger, logging.Logger):
        logger.warning(message)
    else:
        warnings.warn(message, stacklevel=3)


def load_state_dict(module, state_dict, strict=False, logger=None):
    """Copy matching tensors into ``module``; report missing, unexpected and mis-shaped keys.

    Returns ``(missing_keys, unexpected_keys, shape_mismatches)``. ``strict=True`` raises a
    RuntimeError listing them instead of loading partially.
    """
    module = _unwrap(module)
    own = module.state_dict()
    mismatched = [(k, tuple(v.shape), tuple(own[k].shape)) for k, v in state_dict.items()
                  if k in own and hasattr(v, 'shape') and tuple(v.shape) != tuple(own[k].shape)]
    usable = {k: v for k, v in state_dict.items() if k not in {m[0] for m in mismatched}}
    result = module.load_state_dict(usable, strict=False)
    missing = [k for k in result.missing_keys if k not in {m[0] for m in mismatched}]
    unexpected = list(result.unexpected_keys)
    lines = []
    if unexpected:
        lines.append(f'unexpected key in source state_dict: {", ".join(unexpected)}')
    if missing:
        lines.append(f'missing keys in source state_dict: {", ".join(missing)}')
    for key, src, dst in mismatched:
        lines.append(f'size mismatch for {key}: checkpoint {src} vs model {dst}; skipped')
    if lines:
        message = '\n'.join(lines)
        if strict:
            raise RuntimeError(f'Error(s) in loading state_dict for {type(module).__name__}:\n'
                               f'{message}')
        _report(f'The model and loaded state dict do not match exactly\n{message}', logger)
    return missing, unexpected, mismatched


def _hub_path(url):
    return os.path.join(torch.hub.get_dir(), 'checkpoints', os.path.basename(url.split('?')[0]))


def resolve_checkpoint_path(filename):
    """A local file for ``filename``: a path, ``torchvision://NAME`` or an http(s) URL.

    URLs are looked up in the torch hub cache (``<hub dir>/checkpoints/<basename>``); cls_lab
    never downloads, so a missing file is a FileNotFoundError saying where to put it.
    """
    filename = str(filename)
    url = None
    if filename.startswith('torchvision://'):
        import torchvision
        name = filename[len('torchvision://'):]
        try:
            enum = torchvision.models.get_model_weights(name)
        except (KeyError, ValueError) as err:
            raise FileNotFoundError(f'{filename}: torchvision has no model named {name!r}') from err
        url = (getattr(enum, 'IMAGENET1K_V1', None) or enum.DEFAULT).url
    elif filename.startswith(('http://', 'https://')):
        url = filename
    if url is not None:
        path = _hub_path(url)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f'{filename}: not in the torch hub cache and cls_lab does not download. '
                f'Download {url} yourself and put it at {path} (file name '
                f'{os.path.basename(path)})')
        return path
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename} does not exist')
    return filename


def load_file(filename, map_location='cpu'):
    """``torch.load(weights_only=True)``: tensors and containers only, never arbitrary code."""
    path = resolve_checkpoint_path(filename)
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise RuntimeError(
            f'refusing to load {path}: it holds objects other than tensors and plain '
            f'containers, which would need arbitrary code to unpickle (torch.load '
            f'weights_only=True failed: {str(err).splitlines()[0]}). If you trust the file, '
            'convert it to a plain state dict in a separate, trusted step.') from None


def load_checkpoint(model, filename, map_location='cpu', strict=False, logger=None,
                    prefix=None, revise_keys=[(r'^module\.', '')]):
    """Load ``filename`` into ``model`` and return the whole checkpoint dict (with ``meta``).

    ``prefix='backbone'`` keeps only the ``backbone.*`` entries, renamed without the prefix,
    so a full classifier's file initialises a bare backbone. ``revise_keys`` are
    ``(regex, replacement)`` renames applied to every key (default: drop DDP's ``module.``).
    """
    checkpoint = load_file(filename, map_location)
    if not isinstance(checkpoint, dict):
        raise RuntimeError(f'{filename}: expected a dict (a state dict or a checkpoint with '
                           f'"state_dict"), got {type(checkpoint).__name__}')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise RuntimeError(f'{filename}: "state_dict" is a {type(state_dict).__name__}, not a dict')
    state_dict = OrderedDict(state_dict)
    for pattern, replacement in revise_keys:
        state_dict = OrderedDict((re.sub(pattern, replacement, k), v) for k, v in state_dict.items())
    if prefix:
        head = prefix if prefix.endswith('.') else prefix + '.'
        state_dict = OrderedDict((k[len(head):], v) for k, v in state_dict.items()
                                 if k.startswith(head))
        if not state_dict:
            raise KeyError(f'{filename}: no key starts with {head!r} (prefix={prefix!r})')
    load_state_dict(model, state_dict, strict=strict, logger=logger)
    return checkpoint


def save_checkpoint(model, filename, optimizer=None, meta=None):
    """Write ``{'meta', 'state_dict'[, 'optimizer']}`` atomically (temp file, then rename).

    ``optimizer`` may be one optimizer or a dict of them; ``meta`` (a dict) gets a ``time``
    stamp, ``model.CLASSES`` and, when the model carries one (``init_model``), its ``cfg``.
    """
    if meta is not None and not isinstance(meta, dict):
        raise TypeError(f'save_checkpoint({filename}): meta must be a dict, got {type(meta).__name__}')
    meta = dict(meta or {})
    meta.setdefault('time', time.asctime())
    inner = _unwrap(model)          # as mmcv: the class names travel with the weights
    if getattr(inner, 'CLASSES', None) is not None and 'CLASSES' not in meta:
        meta['CLASSES'] = [str(name) for name in inner.CLASSES]
    if getattr(inner, 'cfg', None) is not None and 'config' not in meta:
        meta['config'] = getattr(inner.cfg, 'pretty_text', str(inner.cfg))
    checkpoint = dict(meta=meta, state_dict=get_state_dict(model))
    if isinstance(optimizer, dict):
        checkpoint['optimizer'] = {name: opt.state_dict() for name, opt in optimizer.items()}
    elif optimizer is not None:
        checkpoint['optimizer'] = optimizer.state_dict()
    folder = os.path.dirname(os.path.abspath(filename))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp_', suffix='.pth')
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save(checkpoint, f)
        os.replace(tmp, filename)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return filename
