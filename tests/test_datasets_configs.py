"""The dataset configs under configs/_base_/datasets load, and their pipelines build and run."""
from pathlib import Path

import numpy as np
import pytest
import torch

from cls_lab.config import Config
from cls_lab.datasets import build_dataloader, build_dataset
from cls_lab.datasets.pipelines import Compose

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / 'configs' / '_base_' / 'datasets'


@pytest.mark.parametrize('name', ['imagenet_bs32.py', 'imagenet_bs64_autoaug.py', 'cifar10_bs16.py',
                                  'digits_bs32.py'])
def test_pipelines_build_and_run(name):
    cfg = Config.fromfile(str(CONFIGS / name))
    assert cfg.evaluation == dict(interval=1, metric='accuracy')
    train = Compose([s for s in cfg.data.train.pipeline if s['type'] != 'LoadImageFromFile'])
    torch.manual_seed(0)
    out = train(dict(img=np.zeros((40, 48, 3), np.uint8), gt_label=np.array(1)))
    assert out['img'].dtype == torch.float32 and out['img'].shape[0] == 3
    assert out['gt_label'].dtype == torch.int64


def test_autoaug_config_pulls_the_policy_from_its_base():
    cfg = Config.fromfile(str(CONFIGS / 'imagenet_bs64_autoaug.py'))
    step = cfg.data.train.pipeline[3]
    assert step['type'] == 'AutoAugment' and len(step['policies']) == 25
    assert cfg.data.samples_per_gpu == 64


def test_digits_config_gives_batches():
    cfg = Config.fromfile(str(CONFIGS / 'digits_bs32.py'))
    train = build_dataset(cfg.data.train)
    val = build_dataset(cfg.data.val, dict(test_mode=True))
    assert len(train) == 1437 and len(val) == 360 and val.CLASSES == train.CLASSES
    batch = next(iter(build_dataloader(train, cfg.data.samples_per_gpu, 0, seed=0)))
    assert batch['img'].shape == (32, 3, 32, 32) and batch['gt_label'].shape == (32,)
    assert -1.01 <= float(batch['img'].min()) and float(batch['img'].max()) <= 1.01
    scores = [np.eye(10)[int(label)] for label in val.get_gt_labels()]
    assert val.evaluate(scores, **{k: v for k, v in cfg.evaluation.items() if k != 'interval'}) \
        == {'accuracy_top-1': 100.0, 'accuracy_top-5': 100.0}
