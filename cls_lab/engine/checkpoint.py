"""Save and load checkpoints: ``{'meta': ..., 'state_dict': ..., 'optimizer': ...}`` files.

Loading never runs code from the file: ``torch.load(weights_only=True)`` only rebuilds tensors
and plain containers, and anything else is refused. Keys that don't fit are *reported*
(missing, unexpected, wrong shape) rather than silently dropped: partial loading is a feature
(fine-tuning under a new head) but a typo in a prefix should be visible.
"""
import errno
import logging
import os
import pickle
import re
import shutil
import tempfile
import time
import warnings
import zipfile
from collections import OrderedDict

import torch
import torch.nn as nn

from cls_lab.errors import CheckpointError
from cls_lab.registry import MODULE_WRAPPERS


for _wrapper in (nn.DataParallel, nn.parallel.DistributedDataParallel):
    if _wrapper.__name__ not in MODULE_WRAPPERS:
        MODULE_WRAPPERS.register_module(module=_wrapper)


def is_module_wrapper(module):
    """True for a DataParallel-like wrapper: a class in ``MODULE_WRAPPERS`` (register your own
    there, as in mmcv) or one whose name ends in ``DataParallel``."""
    return isinstance(module, tuple(MODULE_WRAPPERS.module_dict.values())) or \
        (hasattr(module, 'module') and type(module).__name__.endswith('DataParallel'))


def _unwrap(module):
    """The model inside a DataParallel / DistributedDataParallel wrapper."""
    while is_module_wrapper(module):
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
    """Copy matching tensors into ``module``; report how many fit and which keys do not.

    Logs "loaded 112/112 tensors"; keys that don't fit (missing, unexpected, mis-shaped) are
    warned about. Returns ``(missing_keys, unexpected_keys, shape_mismatches)``.
    ``strict=True`` raises a RuntimeError listing them instead of loading partially.
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
        lines.append(f'unexpected key in source state_dict: {_first(unexpected)}')
    if missing:
        lines.append(f'missing keys in source state_dict: {_first(missing)}')
    for key, src, dst in mismatched[:10]:
        lines.append(f'size mismatch for {key}: checkpoint {src} vs model {dst}; skipped')
    if lines:
        message = '\n'.join(lines)
        if strict:
            raise RuntimeError(f'Error(s) in loading state_dict for {type(module).__name__}:\n'
                               f'{message}')
        _report(f'The model and loaded state dict do not match exactly '
                f'({fit_summary(own, missing, mismatched)})\n{message}', logger)
    return missing, unexpected, mismatched


def fit_summary(own, missing, mismatched):
    """"loaded 100/112 tensors" for a model state ``own`` and the keys that did not load."""
    return f'loaded {len(own) - len(missing) - len(mismatched)}/{len(own)} tensors'


def _first(keys, shown=10):
    more = f' (+{len(keys) - shown} more)' if len(keys) > shown else ''
    return ', '.join(keys[:shown]) + more


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
    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename} does not exist')
    return filename


def load_from_local(filename, map_location=None):
    """mmcv's loader for a local path (``~`` expands): :func:`load_file` without URLs."""
    if '://' in str(filename):
        raise ValueError(f'load_from_local: {filename} is a URL, not a local path')
    return load_file(filename, map_location)


def load_file(filename, map_location='cpu'):
    """``torch.load(weights_only=True)``: tensors and containers only, never arbitrary code.

    An empty, truncated or non-checkpoint file is a CheckpointError naming it.
    """
    path = resolve_checkpoint_path(filename)
    with open(path, 'rb') as f:
        head = f.read(4)
    if head.startswith(b'PK') and not zipfile.is_zipfile(path):
        raise CheckpointError(f'{path} is not a complete checkpoint (truncated?): its zip '
                              'archive has no end; copy it again or use an earlier checkpoint')
    if not head.startswith((b'PK', b'\x80')):
        what = 'is empty' if not head else 'is not a checkpoint (not a file written by torch.save)'
        raise CheckpointError(f'{path} {what}; give a .pth file saved by training or publish')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if 'weights only' not in str(err).lower():
            raise CheckpointError(f'{path} is not a complete checkpoint (truncated?): '
                                  f'{str(err).splitlines()[0]}') from None
        raise CheckpointError(
            f'refusing to load {path}: it holds objects other than tensors and plain '
            'containers, which would need arbitrary code to unpickle. If you trust the file, '
            'convert it to a plain state dict in a separate, trusted step.') from None
    except (RuntimeError, EOFError, ValueError, KeyError) as err:
        raise CheckpointError(f'{path} is not a complete checkpoint (truncated?): '
                              f'{str(err).splitlines()[0] if str(err) else type(err).__name__}'
                              ) from None


def load_checkpoint(model, filename, map_location='cpu', strict=False, logger=None,
                    prefix=None, revise_keys=[(r'^module\.', '')], allow_partial=True):
    """Load ``filename`` into ``model`` and return the whole checkpoint dict (with ``meta``).

    ``prefix='backbone'`` keeps only the ``backbone.*`` entries, renamed without the prefix,
    so a full classifier's file initialises a bare backbone. ``revise_keys`` are
    ``(regex, replacement)`` renames applied to every key (default: drop DDP's ``module.``).
    A file that fits none of the model's tensors is a CheckpointError; so is one that fits
    only some of them when ``allow_partial=False`` (cls_lab's addition to mmcv's loader).
    """
    return load_checkpoint_dict(model, load_file(filename, map_location), filename, strict,
                                logger, prefix, revise_keys, allow_partial)


def load_checkpoint_dict(model, checkpoint, filename, strict=False, logger=None, prefix=None,
                         revise_keys=[(r'^module\.', '')], allow_partial=True):
    """:func:`load_checkpoint` for a checkpoint already read by :func:`load_file`."""
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'{filename}: expected a dict (a state dict or a checkpoint with '
                           f'"state_dict"), got {type(checkpoint).__name__}')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise CheckpointError(f'{filename}: "state_dict" is a {type(state_dict).__name__}, not a dict')
    state_dict = OrderedDict(state_dict)
    for pattern, replacement in revise_keys:
        state_dict = OrderedDict((re.sub(pattern, replacement, k), v) for k, v in state_dict.items())
    if prefix:
        state_dict = _with_prefix(state_dict, prefix, filename)
    check_fit(model, state_dict, filename, allow_partial)
    missing, _, mismatched = load_state_dict(model, state_dict, strict=strict, logger=logger)
    if not missing and not mismatched:
        _info(f'{fit_summary(_unwrap(model).state_dict(), [], [])} from {filename}', logger)
    return checkpoint


def _with_prefix(state_dict, prefix, filename):
    head = prefix if prefix.endswith('.') else prefix + '.'
    state_dict = OrderedDict((k[len(head):], v) for k, v in state_dict.items()
                             if k.startswith(head))
    if not state_dict:   # mmcv asserts; a KeyError names the file and the prefix
        raise KeyError(f'{filename}: no key starts with {head!r} (prefix={prefix!r})')
    return state_dict


def _load_checkpoint_with_prefix(prefix, filename, map_location=None):
    """mmcv's helper: the ``prefix.*`` tensors of a checkpoint file, renamed without it."""
    checkpoint = load_file(filename, map_location)
    return _with_prefix(checkpoint.get('state_dict', checkpoint), prefix, filename)


def check_fit(model, state_dict, filename, allow_partial=True):
    """Raise a CheckpointError when ``state_dict`` fits none (or, unless ``allow_partial``,
    not all) of ``model``'s tensors; nothing is loaded then."""
    own = _unwrap(model).state_dict()
    mismatched = [k for k, v in state_dict.items()
                  if k in own and hasattr(v, 'shape') and tuple(v.shape) != tuple(own[k].shape)]
    missing = [k for k in own if k not in state_dict]
    summary = fit_summary(own, missing, mismatched)
    if own and len(missing) + len(mismatched) == len(own):
        raise CheckpointError(f'{filename}: {summary}: this checkpoint does not fit the model '
                              f'(its first keys: {_first(list(state_dict), 3)}; the model\'s: '
                              f'{_first(list(own), 3)})')
    if (missing or mismatched) and not allow_partial:
        details = [f'missing {_first(missing, 3)}'] if missing else []
        details += [f'wrong shape {_first(mismatched, 3)}'] if mismatched else []
        raise CheckpointError(f'{filename} fits the model only partly: {summary} '
                              f'({"; ".join(details)}); use a checkpoint of this config, or '
                              'pass --allow-partial (allow_partial=True) to load it anyway')


def _info(message, logger):
    if logger != 'silent':
        (logger if isinstance(logger, logging.Logger) else logging.getLogger('cls_lab')).info(message)


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
    classes = getattr(inner, 'CLASSES', None)
    if classes is not None and 'CLASSES' not in meta:   # plain str, the tuple/list kept
        meta['CLASSES'] = (tuple if isinstance(classes, tuple) else list)(map(str, classes))
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
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600; checkpoints read like logs
        os.replace(tmp, filename)
    except BaseException as error:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            free = shutil.disk_usage(folder).free / 2 ** 20
            raise CheckpointError(f'cannot save {filename}: no space left on the disk '
                                  f'({free:.0f} MiB free in {folder}); earlier checkpoints are '
                                  'intact. Free some space (or set checkpoint_config.'
                                  'max_keep_ckpts) and resume from the latest one') from error
        raise
    return filename


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
