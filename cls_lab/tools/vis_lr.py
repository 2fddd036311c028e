"""Plot the learning rate (and momentum) a config will use at every iteration.

    python -m cls_lab vis-lr CONFIG --out lr.png
    python -m cls_lab vis-lr CONFIG --ngpus 8 --cfg-options lr_config.warmup=linear lr_config.warmup_iters=500
    python -m cls_lab vis-lr configs/_base_/schedules/imagenet_bs256.py --dataset-size 1281167 \
        --cfg-options data.samples_per_gpu=32 --ngpus 8     # a schedule file alone

The curve comes from the real LR/momentum hooks run on a stand-in runner
(cls_lab.engine.schedule_preview.simulate_schedule), so it is what training will do.
Iterations per epoch = ceil(dataset size / (data.samples_per_gpu * ngpus)); without
--dataset-size the training set of the config is built to count its images.
"""
import math
from pathlib import Path

from cls_lab.config import Config, DictAction
from cls_lab.errors import check_positive_int
from cls_lab.tools import positive_int


def add_arguments(parser):
    parser.add_argument('config', help='config file (.py, .json or .yaml)')
    parser.add_argument('--out', help='image to write (default: <config name>_lr.png)')
    parser.add_argument('--dataset-size', type=positive_int,
                        help='training images (default: build data.train and count them)')
    parser.add_argument('--ngpus', type=positive_int, default=1,
                        help='GPUs the batch is spread over (default 1)')
    parser.add_argument('--by-iter', action='store_true',
                        help='x axis in iterations (default: epochs for an epoch-based runner)')
    parser.add_argument('--title', help='figure title (default: the config name)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. lr_config.step=[5,8]')


def run_length(cfg):
    """``(max_epochs, max_iters)`` from ``runner`` (or the old ``total_epochs``); one is None."""
    runner = cfg.get('runner') or {}
    if 'max_iters' in runner:
        return None, check_positive_int(runner['max_iters'], 'runner.max_iters')
    if 'max_epochs' in runner:
        return check_positive_int(runner['max_epochs'], 'runner.max_epochs'), None
    if cfg.get('total_epochs') is not None:
        return check_positive_int(cfg['total_epochs'], 'total_epochs'), None
    raise KeyError(f'{getattr(cfg, "filename", None) or "config"}: no runner.max_epochs or runner.max_iters '
                   '(e.g. runner = dict(type="EpochBasedRunner", max_epochs=100))')


def count_training_images(cfg):
    """The length of the config's training set, built with cls_lab.datasets."""
    try:
        from cls_lab.datasets import build_dataset
        return len(build_dataset(cfg['data']['train']))
    except Exception as error:
        raise SystemExit(f'vis-lr: could not build data.train of {cfg.filename or "the config"} '
                         f'to count its images ({type(error).__name__}: {error}); pass '
                         '--dataset-size N instead') from error


def iters_per_epoch(dataset_size, samples_per_gpu, ngpus=1):
    """Batches per epoch, the last one partial (drop_last=False, as the data loaders)."""
    return math.ceil(dataset_size / (samples_per_gpu * ngpus))


def schedule_of(cfg, dataset_size=None, ngpus=1):
    """Everything the plot needs: the simulated curves and the run's shape."""
    from cls_lab.engine.schedule_preview import simulate_schedule
    max_epochs, max_iters = run_length(cfg)
    samples_per_gpu = (cfg.get('data') or {}).get('samples_per_gpu')
    if dataset_size is None and samples_per_gpu is not None:
        dataset_size = count_training_images(cfg)
    if samples_per_gpu is None or dataset_size is None:
        if max_epochs is not None:
            raise SystemExit('vis-lr: an epoch-based schedule needs data.samples_per_gpu in the '
                             'config (or --cfg-options data.samples_per_gpu=N) and the dataset size')
        per_epoch = 1
    else:
        per_epoch = iters_per_epoch(dataset_size, samples_per_gpu, ngpus)
    if 'optimizer' not in cfg:
        raise KeyError(f'{cfg.filename or "config"}: no optimizer (e.g. optimizer = dict(type="SGD", lr=0.1))')
    curves = simulate_schedule(cfg.get('lr_config'), cfg['optimizer'], max_epochs=max_epochs,
                               max_iters=max_iters, iters_per_epoch=per_epoch,
                               momentum_config=cfg.get('momentum_config'))
    return dict(curves=curves, iters_per_epoch=per_epoch, dataset_size=dataset_size,
                max_epochs=max_epochs, max_iters=len(curves['lr']))


def plot_schedule(curves, iters_per_epoch=1, by_epoch=True, title=None):
    """A matplotlib Figure with the lr (and momentum, when the optimizer has one) per iteration."""
    from matplotlib.figure import Figure
    has_momentum = any(m is not None for m in curves['momentum'])
    fig = Figure(figsize=(8, 5.5 if has_momentum else 3.2), layout='constrained')
    axes = fig.subplots(2 if has_momentum else 1, 1, sharex=True, squeeze=False)[:, 0]
    x = [i / iters_per_epoch for i in curves['iter']] if by_epoch else curves['iter']
    axes[0].plot(x, curves['lr'], color='tab:blue')
    axes[0].set_ylabel('learning rate')
    if has_momentum:
        axes[1].plot(x, curves['momentum'], color='tab:orange')
        axes[1].set_ylabel('momentum')
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel('epoch' if by_epoch else 'iteration')
    if title:
        axes[0].set_title(title)
    return fig


def main(args):
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='--cfg-options')
    shape = schedule_of(cfg, args.dataset_size, args.ngpus)
    by_epoch = shape['max_epochs'] is not None and not args.by_iter
    title = args.title or Path(args.config).stem
    fig = plot_schedule(shape['curves'], shape['iters_per_epoch'], by_epoch, title)
    out = Path(args.out or f'{Path(args.config).stem}_lr.png')
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    lrs = shape['curves']['lr']
    print(f'{title}: {shape["max_iters"]} iterations ({shape["iters_per_epoch"]} per epoch'
          + (f', {shape["dataset_size"]} images' if shape['dataset_size'] else '') + ')')
    print(f'lr: first {lrs[0]:.6g}, max {max(lrs):.6g}, min {min(lrs):.6g}, last {lrs[-1]:.6g}')
    print(f'saved {out}')
    return 0
