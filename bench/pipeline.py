"""Benchmark: the tutorials' ImageNet train pipeline in cls_lab against the same steps in torchvision v2.

Both start from one decoded 256x256 image (cls_lab: HWC uint8 BGR numpy, as LoadImageFromFile
gives; torchvision: CHW uint8 RGB tensor, as torchvision.io.decode_image gives) and end with a
normalised float32 CHW tensor. cls_lab runs with each resize backend ('cv2', the mmcls
default, and 'pillow'). One process, one thread; repetitions are interleaved so all see the
same machine load. Prints images/s (median over repetitions) and the ratios (target: >= 1.0
with cv2).

    python bench/pipeline.py [--images 200] [--reps 7]
"""
import argparse
import statistics
import time

import cv2
import numpy as np
import torch
from torchvision.transforms import v2

from cls_lab.datasets.pipelines import Compose

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
BACKENDS = ('cv2', 'pillow')


def cls_lab_steps(backend):
    return [
        dict(type='RandomResizedCrop', size=224, backend=backend),
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
    cv2.setNumThreads(args.threads)   # OpenCV's own pool: the same thread budget as torch
    torch.manual_seed(0)
    np.random.seed(0)
    rgb = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    chw = torch.from_numpy(rgb).permute(2, 0, 1).contiguous()
    ours = {backend: Compose(cls_lab_steps(backend)) for backend in BACKENDS}
    theirs = torchvision_pipeline()
    for pipeline in ours.values():   # warm-up
        time_cls_lab(pipeline, bgr, 20)
    time_torchvision(theirs, chw, 20)
    ours_ips = {backend: [] for backend in BACKENDS}
    theirs_ips = []
    for _ in range(args.reps):
        for backend, pipeline in ours.items():
            ours_ips[backend].append(time_cls_lab(pipeline, bgr, args.images))
        theirs_ips.append(time_torchvision(theirs, chw, args.images))
    b = statistics.median(theirs_ips)
    print(f'ImageNet train pipeline, 256x256 -> 224x224, {args.images} images x {args.reps} reps, '
          f'{args.threads} thread(s), torch {torch.__version__}')
    for backend in BACKENDS:
        print(f'  cls_lab {backend:<7} {statistics.median(ours_ips[backend]):8.1f} images/s (median)')
    print(f'  torchvision.v2 {b:8.1f} images/s (median)')
    for backend in BACKENDS:
        a = statistics.median(ours_ips[backend])
        paired = statistics.median(x / y for x, y in zip(ours_ips[backend], theirs_ips))
        print(f'  ratio cls_lab[{backend}] / torchvision = {a / b:.2f} (of the medians), '
              f'{paired:.2f} (median of the {args.reps} paired repetitions)')


if __name__ == '__main__':
    main()
