"""Save images as they leave a config's data pipeline, to check the augmentation by eye.

    python -m cls_lab browse-dataset configs/_base_/datasets/digits_bs32.py --output-dir work_dirs/browse
    python -m cls_lab browse-dataset CONFIG --output-dir DIR --phase val --number 8 \\
        --cfg-options data.train.pipeline.1.scale="(0.2,1.0)"

The formatting steps (Normalize, ImageToTensor, ToTensor, Transpose, ToNumpy, Collect) are
left out so the images stay viewable. Samples are picked at random (--seed); each file is
<index>_<class>.png.
"""
from pathlib import Path

import numpy as np
from PIL import Image

from cls_lab.config import Config, DictAction
from cls_lab.errors import UserError
from cls_lab.tools import positive_int

SKIPPED_STEPS = ('Normalize', 'ImageToTensor', 'ToTensor', 'Transpose', 'ToNumpy', 'Collect')


def add_arguments(parser):
    parser.add_argument('config', help='config file with data.train / data.val / data.test')
    parser.add_argument('--output-dir', required=True, help='folder for the PNG files')
    parser.add_argument('--phase', default='train', choices=['train', 'val', 'test'],
                        help='which of cfg.data to browse (default: train)')
    parser.add_argument('--number', type=positive_int, default=16, help='how many images (default: 16)')
    parser.add_argument('--seed', type=int, default=0, help='seed for the random transforms')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override keys, e.g. data.train.pipeline.1.size=24')


def viewable_pipeline(pipeline):
    """The pipeline without the formatting steps; the ones of a MultiView are dropped too."""
    steps = []
    for step in pipeline:
        step = dict(step)
        if step['type'] in SKIPPED_STEPS:
            continue
        if step['type'] == 'MultiView':
            step['pipelines'] = [viewable_pipeline(p) for p in step['pipelines']]
        steps.append(step)
    return steps


def to_rgb_uint8(img, rgb_source):
    """A HWC image from the pipeline -> RGB uint8 for saving (BGR files are flipped back)."""
    img = np.asarray(img)
    if img.dtype != np.uint8:
        img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    if img.ndim == 3 and img.shape[2] == 3 and not rgb_source:
        img = img[:, :, ::-1]
    return np.ascontiguousarray(img)


def browse(dataset_cfg, output_dir, number=16, seed=0):
    """Build the dataset with the viewable pipeline and save ``number`` samples; returns the paths."""
    import random

    import torch

    from cls_lab.datasets import build_dataset

    dataset_cfg = dict(dataset_cfg)
    dataset_cfg['pipeline'] = viewable_pipeline(dataset_cfg.get('pipeline', []))
    dataset = build_dataset(dataset_cfg)
    rgb_source = not any(step['type'] == 'LoadImageFromFile' for step in dataset_cfg['pipeline'])
    random.seed(seed), np.random.seed(seed), torch.manual_seed(seed)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    picked = np.random.default_rng(seed).permutation(len(dataset))[:number]   # a mix of classes
    for index in sorted(int(i) for i in picked):
        sample = dataset[index]
        label = int(sample['gt_label']) if 'gt_label' in sample else -1
        name = dataset.CLASSES[label] if dataset.CLASSES and label >= 0 else str(label)
        views = sample['img'] if isinstance(sample['img'], list) else [sample['img']]
        for view_index, img in enumerate(views):
            suffix = f'_view{view_index}' if len(views) > 1 else ''
            path = output_dir / f'{index:04d}_{name.replace("/", "_")}{suffix}.png'
            Image.fromarray(to_rgb_uint8(img, rgb_source)).save(path)
            saved.append(path)
    return saved


def main(args):
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='--cfg-options')
    if args.phase not in cfg.data:
        raise UserError(f'{args.config} has no data.{args.phase}; choose --phase from '
                        f'{[p for p in ("train", "val", "test") if p in cfg.data]}')
    saved = browse(cfg.data[args.phase], args.output_dir, args.number, args.seed)
    print(f'saved {len(saved)} images to {args.output_dir}')
    return 0
