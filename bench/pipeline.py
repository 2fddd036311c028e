"""Benchmark: the tutorials' ImageNet train pipeline in cls_lab against the same steps in torchvision v2.

Both start from one decoded 256x256 image (cls_lab: HWC uint8 BGR numpy, as LoadImageFromFile
gives; torchvision: CHW uint8 RGB tensor, as torchvision.io.decode_image gives) and end with a
normalised float32 CHW tensor. One process, one thread; repetitions are interleaved so both
see the same machine load. Prints images/s (median over repetitions) and the ratio.

    python bench/pipeline.py [--images 200] [--reps 7]
"""
import argparse
import statistics
import time

import numpy as np
import torch
from torchvision.transforms import v2

from cls_lab.datasets.pipelines import Compose

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
CLS_LAB_STEPS = [
    dict(type='RandomResizedCrop', size=224),
    dict(type='RandomFlip', flip_prob=0.5, direction='horizontal'),
    dict(type='Normalize', mean=MEAN, std=STD, to_rgb=True),
    dict(type='ImageToTensor', keys=['img']),
    dict(type='ToTensor', keys=['gt_label']),
    dict(type='Collect', keys=['img', 'gt_label']),
]


def torchvision_pipeline():
    return v2.Compose([
        v2.RandomResizedCrop(224, antialias=True),
        v2.RandomHorizontalFlip(0.5),
        v2.ToDtype(torch.float32),
        v2.Normalize(MEAN, STD),
    ])


def time_cls_lab(pipeline, bgr, n):
    start = time.perf_counter()
    for _ in range(n):
        out = pipeline(dict(img=bgr, gt_label=np.array(3, dtype=np.int64)))
    assert out['img'].shape == (3, 224, 224) and out['img'].dtype == torch.float32
    return n / (time.perf_counter() - start)


def time_torchvision(pipeline, chw, n):
    label = torch.tensor(3)
    start = time.perf_counter()
    for _ in range(n):
        out, _ = pipeline(chw, label)
    assert out.shape == (3, 224, 224) and out.dtype == torch.float32
    return n / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=200, help='images per repetition')
    parser.add_argument('--reps', type=int, default=7, help='interleaved repetitions')
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    np.random.seed(0)
    rgb = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    chw = torch.from_numpy(rgb).permute(2, 0, 1).contiguous()
    ours, theirs = Compose(CLS_LAB_STEPS), torchvision_pipeline()
    time_cls_lab(ours, bgr, 20), time_torchvision(theirs, chw, 20)   # warm-up
    ours_ips, theirs_ips = [], []
    for _ in range(args.reps):
        ours_ips.append(time_cls_lab(ours, bgr, args.images))
        theirs_ips.append(time_torchvision(theirs, chw, args.images))
    a, b = statistics.median(ours_ips), statistics.median(theirs_ips)
    print(f'ImageNet train pipeline, 256x256 -> 224x224, {args.images} images x {args.reps} reps, '
          f'{args.threads} thread(s), torch {torch.__version__}')
    print(f'  cls_lab      {a:8.1f} images/s (median)')
    print(f'  torchvision  {b:8.1f} images/s (median)')
    paired = statistics.median(x / y for x, y in zip(ours_ips, theirs_ips))
    print(f'  ratio cls_lab / torchvision = {a / b:.2f} (of the medians), '
          f'{paired:.2f} (median of the {args.reps} paired repetitions)')


if __name__ == '__main__':
    main()
