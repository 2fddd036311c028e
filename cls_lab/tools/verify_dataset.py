"""Decode every image of a config's data sets through the loading step and list broken files.

    python -m cls_lab verify-dataset configs/resnet/resnet18-narrow_1xb32-coslr-4e_digits.py
    python -m cls_lab verify-dataset CONFIG --phase train --out-path brokenfiles.log

Checks data.train, data.val and data.test (or only --phase). Each broken file is printed
with the reason; the exit code is 1 when any is found. Skip them in training with
``data.train.skip_broken=True`` or remove them from the list.
"""
from pathlib import Path

from cls_lab.config import Config, DictAction

PHASES = ('train', 'val', 'test')


def add_arguments(parser):
    parser.add_argument('config', help='config file with data.train / data.val / data.test')
    parser.add_argument('--phase', choices=PHASES, help='check only this one of cfg.data')
    parser.add_argument('--out-path', help='also write the broken files here, one per line')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override keys, e.g. data.train.data_prefix=mydata/train')


def main(args):
    from cls_lab.datasets import build_dataset
    from cls_lab.datasets.verify import find_broken_images
    from cls_lab.errors import UserError

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='--cfg-options')
    phases = [args.phase] if args.phase else [p for p in PHASES if p in cfg.data]
    if args.phase and args.phase not in cfg.data:
        raise UserError(f'{args.config} has no data.{args.phase}; it has data.'
                        + ', data.'.join(p for p in PHASES if p in cfg.data))
    broken = []
    for phase in phases:
        dataset = build_dataset(cfg.data[phase])
        found = find_broken_images(dataset)
        print(f'data.{phase}: {len(dataset)} samples, {len(found)} broken')
        broken.extend(found)
    for path, reason in broken:
        print(f'broken: {path} ({reason})')
    if args.out_path:
        Path(args.out_path).write_text(''.join(f'{path}\n' for path, _ in broken))
    if broken:
        print(f'{len(broken)} broken files; remove them or set skip_broken=True in the dataset')
        return 1
    print('no broken files')
    return 0
