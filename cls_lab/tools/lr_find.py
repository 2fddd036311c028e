"""Find a learning rate: a short run with an exponentially growing LR, loss plotted against it.

    python -m cls_lab lr-find configs/resnet/resnet18-narrow_1xb32-coslr-4e_digits.py --out lr_find.png
    python -m cls_lab lr-find CONFIG --start 1e-6 --end 1 --num-iters 60

The model and optimizer come from the config (``optimizer`` with its paramwise settings),
the batches from ``data.train``. Prints the suggested LR (where the loss falls fastest);
a common choice is that value or a few times less. Nothing is saved but the figure.
"""
from cls_lab.config import Config, DictAction

from ._common import save_figure


def add_arguments(parser):
    parser.add_argument('config', help='config file')
    parser.add_argument('--start', type=float, default=1e-7, help='first LR (default 1e-7)')
    parser.add_argument('--end', type=float, default=10.0, help='last LR (default 10)')
    parser.add_argument('--num-iters', type=int, default=100, help='steps (default 100)')
    parser.add_argument('--checkpoint', help='start from these weights (default: fresh init)')
    parser.add_argument('--seed', type=int, default=0, help='random seed (default 0)')
    parser.add_argument('--device', help='cpu, cuda or cuda:N (default: cuda when present)')
    parser.add_argument('--out', help='image to write (default: <config name>_lr_find.png)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. optimizer.type=SGD')


def main(args):
    from pathlib import Path

    from cls_lab.analysis.lr_finder import lr_find, plot_lr_find
    from cls_lab.apis import default_device, set_random_seed
    from cls_lab.datasets import build_dataloader, build_dataset
    from cls_lab.engine import build_optimizer
    from cls_lab.engine.checkpoint import load_checkpoint
    from cls_lab.models import build_classifier

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='--cfg-options')
    set_random_seed(args.seed)
    model = build_classifier(cfg.model)
    model.init_weights()
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.to(args.device or default_device())
    loader = build_dataloader(build_dataset(cfg.data.train), cfg.data.samples_per_gpu,
                              cfg.data.workers_per_gpu, shuffle=True, seed=args.seed)
    optimizer = build_optimizer(model, cfg.optimizer)
    try:
        result = lr_find(model, loader, optimizer, args.start, args.end, args.num_iters)
    except (ValueError, RuntimeError) as error:
        raise SystemExit(f'lr-find: {error}') from None
    fig = plot_lr_find(result, f'LR range test: {Path(args.config).stem}')
    out = save_figure(fig, args.out or f'{Path(args.config).stem}_lr_find.png')
    lrs = result['lrs']
    print(f'tested {len(lrs)} steps, lr {lrs[0]:.3g} .. {lrs[-1]:.3g}'
          + (' (stopped: the loss diverged)' if result['stopped_early'] else ''))
    print(f'suggested lr: {result["suggestion"]:.3g} (config has {cfg.optimizer.get("lr")})')
    print(f'saved {out}')
    return 0
