"""Train a classifier from a config file.

    python -m cls_lab train configs/resnet/resnet18-narrow_1xb32-coslr-4e_digits.py
    python -m cls_lab train CONFIG --work-dir work_dirs/try1 --cfg-options runner.max_epochs=2
    python -m cls_lab train CONFIG --resume-from auto     # continue from work_dir's latest.pth
    torchrun --nproc_per_node 2 -m cls_lab train CONFIG --launcher pytorch

The work directory (default work_dirs/<config name>) receives the config as trained,
a <timestamp>.log text log, the metric log and the checkpoints. The config, the data files
and the labels are checked before anything is written; one run at a time per work dir.
Ctrl-C stops the run and prints how to resume it.
"""
import copy
import platform
import sys
import time
from pathlib import Path

from cls_lab.config import Config, DictAction


def add_arguments(parser):
    parser.add_argument('config', help='config file (.py, .json or .yaml)')
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: cfg.work_dir, else work_dirs/<config name>)')
    parser.add_argument('--resume-from', help='checkpoint to resume training from '
                        '(weights, optimizer, epoch); "auto" = latest in the work dir')
    parser.add_argument('--auto-resume', action='store_true',
                        help='same as --resume-from auto')
    parser.add_argument('--load-from', help='checkpoint whose weights start the training '
                        '(epoch counts from 0, as for fine-tuning)')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate on data.val during training')
    parser.add_argument('--device', help='cpu, cuda or cuda:N (default: cuda when present)')
    parser.add_argument('--gpu-id', type=int, default=0,
                        help='which GPU to use when not distributed (default 0)')
    parser.add_argument('--seed', type=int, default=None, help='random seed (default: cfg.seed, '
                        'else a fresh random one, logged and saved in the checkpoints)')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic cuDNN / torch algorithms (slower)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. data.samples_per_gpu=64 '
                        '"workflow=[(train,1),(val,1)]"')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help='"pytorch" when started by torchrun (one process per GPU)')


def main(args):
    from cls_lab.apis.config_checks import check_train_config

    cfg = load_config(args)
    check_train_config(cfg)
    distributed = args.launcher != 'none'
    if not distributed:
        return run(args, cfg, distributed)
    from cls_lab.engine.dist import close_dist, init_dist
    init_dist(args.launcher, **cfg.get('dist_params', {}))
    try:
        status = run(args, cfg, distributed)
    except BaseException:
        close_dist(wait=False)   # no barrier: the other ranks may be in another collective
        raise
    close_dist()
    return status


def run(args, cfg, distributed):
    """Build and check model and data, then train with the work dir locked and logged."""
    from cls_lab.apis import get_root_logger, init_random_seed, set_random_seed, train_model
    from cls_lab.apis.config_checks import check_training_data
    from cls_lab.datasets import build_dataset
    from cls_lab.engine.dist import get_dist_info
    from cls_lab.engine.work_dir_lock import work_dir_lock
    from cls_lab.models import build_classifier

    seed = init_random_seed(args.seed if args.seed is not None else cfg.get('seed'))
    set_random_seed(seed, deterministic=args.deterministic)
    cfg.seed = seed
    meta = dict(seed=seed, exp_name=Path(args.config).name)
    model = build_classifier(cfg.model)
    model.init_weights()
    datasets = [build_dataset(cfg.data.train)]
    if len(cfg.get('workflow', [('train', 1)])) == 2:
        val_cfg = copy.deepcopy(cfg.data.val)
        val_cfg.pipeline = cfg.data.train.pipeline   # val phase reports losses: needs labels
        datasets.append(build_dataset(val_cfg))
    check_training_data(model, datasets[0])
    validate = not args.no_validate and 'val' in cfg.data   # self-supervised configs have no val

    work_dir = Path(cfg.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)   # every rank: the lock only runs on rank 0
    with work_dir_lock(work_dir, get_dist_info()[0]):
        cfg.dump(str(work_dir / Path(args.config).with_suffix('.py').name))
        timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
        logger = get_root_logger(work_dir / f'{timestamp}.log', cfg.get('log_level', 'INFO'))
        meta['env_info'] = env_info = '\n'.join(f'{k}: {v}' for k, v in collect_env().items())
        logger.info('Environment info:\n' + '-' * 60 + '\n' + env_info + '\n' + '-' * 60)
        logger.info(f'Distributed training: {distributed}')
        logger.info(f'Config:\n{cfg.pretty_text}')
        logger.info(f'Set random seed to {seed}, deterministic: {args.deterministic}')
        try:
            train_model(model, datasets, cfg, distributed=distributed, validate=validate,
                        timestamp=timestamp, meta=meta, device=cfg.device)
        except KeyboardInterrupt:
            print(interrupted_message(args, cfg), file=sys.stderr)
            return 130
    return 0


def interrupted_message(args, cfg):
    """Where the last checkpoint is and the command that continues from it."""
    from cls_lab.engine.runner import find_latest_checkpoint
    latest = find_latest_checkpoint(cfg.work_dir)
    config = Path(cfg.work_dir) / Path(args.config).with_suffix('.py').name   # as trained
    if latest is None:
        return (f'interrupted: no checkpoint was saved yet in {cfg.work_dir}; start again with: '
                f'python -m cls_lab train {config} --work-dir {cfg.work_dir}')
    return (f'interrupted: the last checkpoint is {latest}\n'
            f'resume with: python -m cls_lab train {config} --work-dir {cfg.work_dir} '
            f'--resume-from {latest}')


def load_config(args):
    """The config with the command line applied: overrides, work_dir, resume/load, device."""
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='--cfg-options')
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = str(Path('work_dirs') / Path(args.config).stem)
    if args.auto_resume:
        cfg.resume_from = 'auto'
    if args.resume_from is not None:
        cfg.resume_from = args.resume_from
    if args.load_from is not None:
        cfg.load_from = args.load_from
    cfg.device = resolve_device(args.device, args.gpu_id, args.launcher)
    return cfg


def resolve_device(device, gpu_id=0, launcher='none'):
    """``--device`` as given; default cuda:<gpu-id> (or this process's GPU under torchrun)."""
    import torch

    from cls_lab.apis.config_checks import check_device
    if device is not None:
        return check_device(device)
    if not torch.cuda.is_available():
        return 'cpu'
    if launcher != 'none':
        import os
        return f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
    return f'cuda:{gpu_id}'


def collect_env():
    """Versions worth having in every training log."""
    import numpy
    import torch
    import torchvision

    import cls_lab
    env = {'sys.platform': sys.platform, 'Python': sys.version.replace('\n', ' '),
           'machine': platform.machine(), 'CUDA available': torch.cuda.is_available()}
    if torch.cuda.is_available():
        env['GPU 0'] = torch.cuda.get_device_name(0)
        env['CUDA (torch built with)'] = torch.version.cuda
    env.update({'PyTorch': torch.__version__, 'TorchVision': torchvision.__version__,
                'NumPy': numpy.__version__, 'torch threads': torch.get_num_threads(),
                'cls_lab': cls_lab.__version__})
    return env
