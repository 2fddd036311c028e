"""Training from a config: seed everything, build loaders/optimizer/runner/hooks, run.

``train_model`` is the one function between a config file and ``runner.run``: it reads the
0.x keys (``data``, ``optimizer``, ``optimizer_config``, ``lr_config``, ``runner``,
``checkpoint_config``, ``log_config``, ``evaluation``, ``workflow``, ``resume_from``,
``load_from``) and turns each into the object or hook it names.
"""
import logging
import os
import random
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from cls_lab.config import Config
from cls_lab.datasets import build_dataloader, build_dataset
from cls_lab.engine import build_optimizer
from cls_lab.engine.dist import get_dist_info
from cls_lab.engine.runner import find_latest_checkpoint
from cls_lab.engine.work_dir_lock import work_dir_lock
from cls_lab.registry import HOOKS, RUNNERS

from .config_checks import check_train_config, check_training_data
from .inference import default_device


def set_random_seed(seed, deterministic=False):
    """Seed python, numpy and torch (CPU and every GPU) so two runs draw the same numbers.

    ``deterministic=True`` also asks cuDNN and torch for deterministic kernels (slower; torch
    warns instead of failing where an operation has no deterministic version).
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    if deterministic:
        os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True, warn_only=True)


def init_random_seed(seed=None):
    """``seed``, or a fresh random one; in distributed runs every process gets rank 0's."""
    if seed is not None:
        return int(seed)
    seed = int(np.random.randint(2**31))
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        box = [seed]
        torch.distributed.broadcast_object_list(box, src=0)
        seed = int(box[0])
    return seed


class _ConsoleHandler(logging.StreamHandler):
    """A StreamHandler that writes to whatever ``sys.stderr`` is at the time of each record.

    pytest's capture and notebooks swap (and close) ``sys.stderr``; a handler that kept the
    stream it was made with would write to a closed one ("--- Logging error ---").
    """

    def __init__(self):
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


def get_root_logger(log_file=None, log_level='INFO'):
    """The ``cls_lab`` logger: console output, plus ``log_file`` when given (rank 0 only).

    Calling it again with another ``log_file`` swaps the file, so several trainings in one
    notebook each write their own log.
    """
    logger = logging.getLogger('cls_lab')
    logger.propagate = False
    rank = torch.distributed.get_rank() if (torch.distributed.is_available()
                                            and torch.distributed.is_initialized()) else 0
    fmt = logging.Formatter('%(asctime)s - %(name)s - %(levelname)s - %(message)s')
    if not any(type(h) is _ConsoleHandler for h in logger.handlers):
        console = _ConsoleHandler()
        console.setFormatter(fmt)
        logger.addHandler(console)
    if log_file is not None and rank == 0:
        for handler in [h for h in logger.handlers if isinstance(h, logging.FileHandler)]:
            logger.removeHandler(handler)
            handler.close()
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, mode='w', encoding='utf-8')
        file_handler.setFormatter(fmt)
        logger.addHandler(file_handler)
    logger.setLevel(log_level if rank == 0 else logging.ERROR)
    return logger


def train_model(model, datasets, cfg, distributed=False, validate=False, timestamp=None,
                meta=None, device=None):
    """Train ``model`` on ``datasets`` (one per workflow phase) as ``cfg`` says; returns the runner.

    The runner keeps the model, optimizer, hooks and log, so a notebook can inspect
    ``runner.hooks``, ``runner.epoch`` or ``runner.log_buffer`` after training.
    """
    cfg = cfg if isinstance(cfg, Config) else Config(cfg)
    check_train_config(cfg)
    logger = get_root_logger(log_level=cfg.get('log_level', 'INFO'))
    datasets = list(datasets) if isinstance(datasets, (list, tuple)) else [datasets]
    check_training_data(model, datasets[0])
    device = torch.device(device or cfg.get('device') or default_device())
    if cfg.get('work_dir') is None:
        stem = Path(cfg.filename).stem if getattr(cfg, 'filename', None) else 'default'
        cfg.work_dir = str(Path('work_dirs') / stem)
    with work_dir_lock(cfg.work_dir, get_dist_info()[0]):
        return _train(model, datasets, cfg, distributed, validate, timestamp, meta, device,
                      logger)



def _train(model, datasets, cfg, distributed, validate, timestamp, meta, device, logger):
    loaders = [build_dataloader(dataset, **loader_args(cfg, 'train', distributed))
               for dataset in datasets]
    meta = _checkpoint_meta(meta, model, datasets, cfg)
    model = model.to(device)     # the runner wraps it in DDP when torch.distributed runs
    optimizer = build_optimizer(model, cfg.optimizer)
    runner = RUNNERS.build(_runner_cfg(cfg), default_args=dict(
        model=model, optimizer=optimizer, work_dir=cfg.work_dir, logger=logger,
        meta=meta, device=device))
    if timestamp is not None:
        runner.timestamp = timestamp   # names the .log.json like the CLI's <timestamp>.log

    runner.register_training_hooks(
        cfg.get('lr_config'), _optimizer_hook_cfg(cfg), cfg.get('checkpoint_config'),
        cfg.get('log_config'), cfg.get('momentum_config'),
        custom_hooks_config=cfg.get('custom_hooks'))
    loss_check = _hook('CheckInvalidLossHook')
    if not any(isinstance(hook, loss_check) for hook in runner.hooks):
        runner.register_hook(loss_check())   # cls_lab's NaN/explosion stop
    if distributed and runner.by_epoch:   # mmcls: for an EpochBasedRunner
        runner.register_hook(_hook('DistSamplerSeedHook')())
    if validate:
        runner.register_hook(_eval_hook(cfg, distributed, runner.by_epoch), priority='LOW')

    resume_from = cfg.get('resume_from')
    if resume_from == 'auto':
        resume_from = find_latest_checkpoint(cfg.work_dir)
        found = resume_from or f'no checkpoint in {cfg.work_dir} yet, starting fresh'
        logger.info(f'resume_from="auto": {found}')
    if resume_from:
        runner.resume(resume_from)
    elif cfg.get('load_from'):
        runner.load_checkpoint(cfg.load_from)
    runner.run(loaders, cfg.get('workflow', [('train', 1)]))
    return runner


LOADER_SECTIONS = ('train', 'val', 'test', 'train_dataloader', 'val_dataloader',
                   'test_dataloader')


def loader_args(cfg, split, distributed=False):
    """``build_dataloader`` kwargs for ``split`` as mmcls 0.23+ reads them: every ``data`` key
    except the data sets, then ``data.<split>_dataloader`` on top (val/test: no shuffling,
    no dropped batch unless that dict says so)."""
    args = dict(dist=distributed, seed=cfg.get('seed'), shuffle=split == 'train')
    if split != 'train':
        args['drop_last'] = False
    args.update({key: value for key, value in cfg.data.items()
                 if key not in LOADER_SECTIONS and key != 'sampler'})
    if split == 'train' and cfg.data.get('sampler') is not None:
        args['sampler_cfg'] = cfg.data.sampler   # mmcls: e.g. RepeatAugSampler, train only
    args.update(cfg.data.get(f'{split}_dataloader', {}))
    return args


def _runner_cfg(cfg):
    """``cfg.runner``, or (old configs) an EpochBasedRunner for ``cfg.total_epochs``."""
    if cfg.get('runner') is None:
        if cfg.get('total_epochs') is None:
            raise KeyError('the config sets neither "runner" (e.g. runner = dict('
                           "type='EpochBasedRunner', max_epochs=10)) nor \"total_epochs\"")
        cfg.runner = dict(type='EpochBasedRunner', max_epochs=cfg.total_epochs)
        warnings.warn('config has no "runner"; using EpochBasedRunner with max_epochs='
                      f'total_epochs={cfg.total_epochs}. Please set cfg.runner instead.')
    elif cfg.get('total_epochs') is not None and 'max_epochs' in cfg.runner \
            and cfg.total_epochs != cfg.runner.max_epochs:
        raise ValueError(f'config sets total_epochs={cfg.total_epochs} and '
                         f'runner.max_epochs={cfg.runner.max_epochs}; keep only one')
    return dict(cfg.runner)


def _optimizer_hook_cfg(cfg):
    """``optimizer_config`` (default ``dict(grad_clip=None)``), turned into its mixed-precision
    twin when ``cfg.fp16`` is set, e.g. ``fp16 = dict(loss_scale='dynamic')``."""
    optimizer_config = cfg.get('optimizer_config', dict(grad_clip=None))
    fp16 = cfg.get('fp16')
    if fp16 is None or optimizer_config is None:
        return optimizer_config
    hook_cfg = dict(optimizer_config)
    hook_type = hook_cfg.pop('type', 'OptimizerHook')
    amp_types = {'OptimizerHook': 'Fp16OptimizerHook', 'Fp16OptimizerHook': 'Fp16OptimizerHook',
                 'GradientCumulativeOptimizerHook': 'GradientCumulativeFp16OptimizerHook',
                 'GradientCumulativeFp16OptimizerHook': 'GradientCumulativeFp16OptimizerHook'}
    if hook_type not in amp_types:
        raise ValueError(f'fp16={dict(fp16)} cannot be combined with optimizer_config type '
                         f'{hook_type!r}; use one of {sorted(amp_types)} or drop fp16')
    return dict(type=amp_types[hook_type], **hook_cfg, **dict(fp16))


def _eval_hook(cfg, distributed, by_epoch):
    """The EvalHook for ``cfg.evaluation`` over ``cfg.data.val`` (test mode, no shuffling),
    counting in the runner's unit (``by_epoch``, the runner class's; mmcls: not IterBasedRunner)."""
    val_dataset = build_dataset(cfg.data.val, dict(test_mode=True))
    val_loader = build_dataloader(val_dataset, **loader_args(cfg, 'val', distributed))
    eval_cfg = dict(cfg.get('evaluation', {}))
    eval_cfg['by_epoch'] = by_epoch
    hook_type = 'DistEvalHook' if distributed else 'EvalHook'
    return _hook(hook_type)(val_loader, **eval_cfg)


def _hook(name):
    hook_cls = HOOKS.get(name)
    if hook_cls is None:
        raise KeyError(f'{name!r} is not in the hooks registry; is cls_lab.engine imported?')
    return hook_cls


def _checkpoint_meta(meta, model, datasets, cfg):
    """What every checkpoint carries besides weights: class names (so ``init_model`` can
    name predictions), the config text, the seed. Plain Python only."""
    meta = dict(meta or {})
    classes = getattr(datasets[0], 'CLASSES', None) if datasets else None
    if getattr(model, 'CLASSES', None) is None and classes is not None:
        model.CLASSES = classes
    meta.setdefault('config', cfg.pretty_text)
    if cfg.get('seed') is not None:
        meta.setdefault('seed', int(cfg.seed))
    return meta
