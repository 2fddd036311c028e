"""Tiny digits configs for the API and CLI tests: a few images per class, LeNet-5 (60k weights).

Shared by tests/test_apis.py and tests/test_cli.py (not a test module itself).
"""
from pathlib import Path

from cls_lab.config import Config

ROOT = Path(__file__).resolve().parents[1]
DIGITS = ROOT / 'data_samples' / 'digits'


def subset_ann_file(split, per_class, out_path):
    """An ann_file listing the first ``per_class`` images of each class of ``split``."""
    lines, seen = [], {}
    for line in (DIGITS / 'meta' / f'{split}.txt').read_text().splitlines():
        label = line.split()[1]
        if seen.get(label, 0) < per_class:
            seen[label] = seen.get(label, 0) + 1
            lines.append(line + '\n')
    Path(out_path).write_text(''.join(lines))
    return str(out_path)


def tiny_config_dict(work_dir, max_epochs=2, classes=None, train_per_class=6, val_per_class=3,
                     custom_hooks=None, **overrides):
    """The config as a plain dict (also written to .py files for the CLI tests)."""
    work_dir = Path(work_dir)
    ann_dir = work_dir.parent / f'{work_dir.name}_ann'     # outside work_dir: survives its removal
    ann_dir.mkdir(parents=True, exist_ok=True)
    norm = dict(mean=[33.0, 33.0, 33.0], std=[70.0, 70.0, 70.0], to_rgb=True)
    train_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='RandomCrop', size=32, padding=2),
        dict(type='Normalize', **norm),
        dict(type='ImageToTensor', keys=['img']),
        dict(type='ToTensor', keys=['gt_label']),
        dict(type='Collect', keys=['img', 'gt_label'])]
    test_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Normalize', **norm),
        dict(type='ImageToTensor', keys=['img']),
        dict(type='Collect', keys=['img'])]

    def split(name, per_class, pipeline):
        return dict(type='CustomDataset', data_prefix=str(DIGITS / name),
                    classes=classes or str(DIGITS / 'meta' / 'classes.txt'),
                    ann_file=subset_ann_file(name, per_class, ann_dir / f'{name}_subset.txt'),
                    pipeline=pipeline)

    cfg = dict(
        model=dict(
            type='ImageClassifier',
            backbone=dict(type='LeNet5', in_channels=3),      # 120-d features, 1x1
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=120,
                      loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1,))),
        data=dict(samples_per_gpu=10, workers_per_gpu=0,
                  train=split('train', train_per_class, train_pipeline),
                  val=split('val', val_per_class, test_pipeline),
                  test=split('val', val_per_class, test_pipeline)),
        evaluation=dict(interval=1, metric='accuracy', metric_options=dict(topk=(1,))),
        optimizer=dict(type='Adam', lr=0.01),
        optimizer_config=dict(grad_clip=None),
        lr_config=dict(policy='step', step=[100]),
        runner=dict(type='EpochBasedRunner', max_epochs=max_epochs),
        checkpoint_config=dict(interval=1),
        log_config=dict(interval=2, hooks=[dict(type='TextLoggerHook')]),
        log_level='INFO', workflow=[('train', 1)], load_from=None, resume_from=None,
        work_dir=str(work_dir), seed=0)
    if custom_hooks:
        cfg['custom_hooks'] = custom_hooks
    cfg.update(overrides)
    return cfg


def tiny_config(work_dir, **kwargs):
    """The tiny config as a Config object."""
    return Config(tiny_config_dict(work_dir, **kwargs))


def write_tiny_config(path, work_dir, **kwargs):
    """Write the tiny config as a .py config file; returns its path."""
    cfg = Config(tiny_config_dict(work_dir, **kwargs))
    cfg.dump(str(path))
    return str(path)
