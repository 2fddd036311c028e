"""How long cls_lab takes to parse a config and to build an object, next to mmengine.

Run from the repository root: ``.venv/bin/python bench/config_parse.py [--runs 200]``.
Parsing: a 4-file ``_base_`` chain (model, dataset, schedule, runtime) plus the child
config, written to a temporary folder as in the tutorials. Building: ``Registry.build`` of
a trivial class with two keyword arguments. Both are measured side by side in one run
(median of many runs); mmengine's figures appear when it is installed.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
import timeit
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from cls_lab.config import Config  # noqa: E402
from cls_lab.registry import Registry  # noqa: E402

FILES = {
    '_base_/models/resnet50.py': """
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=50, num_stages=4, out_indices=(3, ),
                  frozen_stages=-1, style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1, 5)))
""",
    '_base_/datasets/imagenet_bs32.py': """
dataset_type = 'ImageNet'
img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', size=224),
    dict(type='RandomFlip', flip_prob=0.5, direction='horizontal'),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='ImageToTensor', keys=['img']),
    dict(type='ToTensor', keys=['gt_label']),
    dict(type='Collect', keys=['img', 'gt_label'])
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', size=(256, -1)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='ImageToTensor', keys=['img']),
    dict(type='Collect', keys=['img'])
]
data = dict(
    samples_per_gpu=32, workers_per_gpu=2,
    train=dict(type=dataset_type, data_prefix='data/imagenet/train', pipeline=train_pipeline),
    val=dict(type=dataset_type, data_prefix='data/imagenet/val',
             ann_file='data/imagenet/meta/val.txt', pipeline=test_pipeline),
    test=dict(type=dataset_type, data_prefix='data/imagenet/val',
              ann_file='data/imagenet/meta/val.txt', pipeline=test_pipeline))
evaluation = dict(interval=1, metric='accuracy')
""",
    '_base_/schedules/imagenet_bs256.py': """
optimizer = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='step', step=[30, 60, 90])
runner = dict(type='EpochBasedRunner', max_epochs=100)
""",
    '_base_/default_runtime.py': """
checkpoint_config = dict(interval=1)
log_config = dict(interval=100, hooks=[dict(type='TextLoggerHook')])
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 1)]
""",
    'resnet50_8xb32_in1k.py': """
_base_ = [
    '_base_/models/resnet50.py', '_base_/datasets/imagenet_bs32.py',
    '_base_/schedules/imagenet_bs256.py', '_base_/default_runtime.py'
]
runner = dict(max_epochs=300)
lr_config = dict(step=[150, 200, 250])
""",
}


def write_configs(folder):
    for name, text in FILES.items():
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
    return os.path.join(folder, 'resnet50_8xb32_in1k.py')


def median_seconds(fn, runs, number=1):
    """Median wall time of ``fn`` over ``runs`` runs of ``number`` calls each, per call."""
    fn()   # warm caches and imports
    times = timeit.repeat(fn, repeat=runs, number=number, timer=time.perf_counter)
    return statistics.median(times) / number


class Trivial:
    def __init__(self, a, b):
        self.a, self.b = a, b


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=200, help='runs per figure (median)')
    args = parser.parse_args(argv)
    try:
        import mmengine
        from mmengine.config import Config as MMConfig
        from mmengine.registry import Registry as MMRegistry
    except ImportError:
        mmengine = None
        print('mmengine is not installed: cls_lab figures only '
              '(pip install "setuptools<81" mmengine==0.10.7 to compare)')

    with tempfile.TemporaryDirectory() as folder:
        path = write_configs(folder)
        ours = median_seconds(lambda: Config.fromfile(path), args.runs)
        assert Config.fromfile(path).runner.max_epochs == 300
        print(f'parse 5-file _base_ chain   cls_lab  {ours * 1e3:8.3f} ms')
        if mmengine:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                theirs = median_seconds(lambda: MMConfig.fromfile(path), args.runs)
                assert MMConfig.fromfile(path).runner.max_epochs == 300
            print(f'parse 5-file _base_ chain   mmengine {theirs * 1e3:8.3f} ms   '
                  f'cls_lab / mmengine = {ours / theirs:.2f} (goal <= 0.5)')

    cfg = dict(type='Trivial', a=1, b=2)
    registry = Registry('bench')
    registry.register_module(module=Trivial)
    ours = median_seconds(lambda: registry.build(cfg), args.runs, number=2000)
    print(f'Registry.build              cls_lab  {ours * 1e6:8.3f} us   (goal <= 2 us)')
    baseline = median_seconds(lambda: Trivial(a=1, b=2), args.runs, number=2000)
    print(f'Trivial(a=1, b=2) directly           {baseline * 1e6:8.3f} us')
    if mmengine:
        mm_registry = MMRegistry('bench')
        mm_registry.register_module(module=Trivial)
        theirs = median_seconds(lambda: mm_registry.build(cfg), args.runs, number=200)
        print(f'Registry.build              mmengine {theirs * 1e6:8.3f} us   '
              f'cls_lab / mmengine = {ours / theirs:.3f}')
    print(f'(mmengine {mmengine.__version__ if mmengine else "absent"}, '
          f'Python {sys.version.split()[0]}, {args.runs} runs each, medians)')


if __name__ == '__main__':
    main()
