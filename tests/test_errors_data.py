"""Data faults: empty class folders, missing and broken images, labels the head cannot predict,
loss explosion, and init_model on a checkpoint of another model."""
import shutil

import numpy as np
import pytest
import torch

from cls_lab.__main__ import main
from cls_lab.apis import init_model
from cls_lab.apis.config_checks import check_training_data
from cls_lab.datasets import build_dataset
from cls_lab.datasets.pipelines import ImageDecodeError
from cls_lab.engine.checkpoint import save_checkpoint
from cls_lab.engine.hooks.divergence import LossExplosionCheck
from cls_lab.errors import CheckpointError, DataError, TrainingDivergedError
from cls_lab.models import build_classifier

from tiny_configs import DIGITS, tiny_config, write_tiny_config


def folder_dataset(root, **kwargs):
    return build_dataset(dict(type='CustomDataset', data_prefix=str(root),
                              pipeline=[dict(type='LoadImageFromFile')], **kwargs))


@pytest.fixture
def two_classes(tmp_path):
    root = tmp_path / 'data'
    for name in ('0', '1'):
        (root / name).mkdir(parents=True)
        shutil.copy(next((DIGITS / 'val' / name).glob('*.png')), root / name / 'a.png')
    return root


def test_an_empty_class_folder_is_named(two_classes):
    (two_classes / 'empty').mkdir()
    with pytest.raises(DataError) as info:
        folder_dataset(two_classes)
    assert f'class folder {two_classes / "empty"} has no images' in str(info.value)
    assert len(folder_dataset(two_classes, classes=['0', '1'])) == 2   # listing classes skips it


def test_a_broken_image_points_to_skip_broken_and_verify_dataset(two_classes, tmp_path, capsys):
    (two_classes / '1' / 'b.png').write_bytes(b'not a png')
    dataset = folder_dataset(two_classes)
    with pytest.raises(ImageDecodeError) as info:
        dataset[2]
    assert str(info.value).startswith(f'cannot decode image {two_classes / "1" / "b.png"}')
    assert 'set skip_broken=True in the dataset config (e.g. data.train.skip_broken=True)' \
        in str(info.value) and 'verify-dataset' in str(info.value)

    config = tmp_path / 'c.py'
    config.write_text(f"data = dict(train=dict(type='CustomDataset', data_prefix='{two_classes}', "
                      "pipeline=[dict(type='LoadImageFromFile')]))\n")
    assert main(['verify-dataset', str(config), '--out-path', str(tmp_path / 'broken.txt')]) == 1
    out = capsys.readouterr().out
    assert 'data.train: 3 samples, 1 broken' in out
    assert f'broken: {two_classes / "1" / "b.png"} (cannot decode image' in out
    assert (tmp_path / 'broken.txt').read_text() == f'{two_classes / "1" / "b.png"}\n'
    (two_classes / '1' / 'b.png').unlink()
    assert main(['verify-dataset', str(config)]) == 0
    assert 'no broken files' in capsys.readouterr().out


def test_missing_listed_images_are_named_before_training(tmp_path, capsys):
    config = write_tiny_config(tmp_path / 'tiny.py', tmp_path / 'work', max_epochs=1)
    cfg = tiny_config(tmp_path / 'work')
    ann = cfg.data.train.ann_file
    with open(ann, 'a') as f:
        f.write('0/gone1.png 0\n0/gone2.png 0\n')
    assert main(['train', config]) == 1
    err = capsys.readouterr().err
    assert (f'data.train: 2 of 62 images listed by ann_file {ann} do not exist: '
            f'{DIGITS / "train" / "0" / "gone1.png"}, {DIGITS / "train" / "0" / "gone2.png"}'
            in err)
    assert not (tmp_path / 'work').exists()


def test_labels_beyond_the_head_are_an_error_naming_both_numbers(tmp_path):
    cfg = tiny_config(tmp_path / 'work')
    dataset = build_dataset(cfg.data.train)
    cfg.model.head.num_classes = 8
    with pytest.raises(DataError, match=r'^model.head.num_classes=8 but data.train has 10 classes '
                                        r'\(labels 0..9\); set model.head.num_classes=10$'):
        check_training_data(build_classifier(cfg.model), dataset)


def test_a_loss_explosion_stops_training_and_can_be_turned_off():
    check = LossExplosionCheck(factor=1e3, window=3)
    for loss in (2.0, 2.5, 2.2, 50.0, 2100.0):    # 50 is high but not 1000 x the median 2.2
        check(loss, 'here')
    with pytest.raises(TrainingDivergedError, match=r'^loss exploded at there: loss=2201 is '
                                                    r'more than 1000 x 2.2'):
        check(2201.0, 'there')
    off = LossExplosionCheck(factor=None)
    for loss in (1.0,) * 25 + (1e13,):
        off(loss, 'anywhere')
    small_start = LossExplosionCheck(window=2)      # fine-tuning: 0.001 may rise to 1
    for loss in (0.001, 0.001, 1.0, 5.0):
        small_start(loss, 'ok')
    with pytest.raises(ValueError, match='explosion_factor must be a number > 1 or None'):
        LossExplosionCheck(factor=0.5)


def test_init_model_refuses_a_checkpoint_of_another_model(tmp_path):
    cfg = tiny_config(tmp_path / 'work')
    other = tiny_config(tmp_path / 'work')
    other.model.head.num_classes = 5
    path = tmp_path / 'five.pth'
    save_checkpoint(build_classifier(other.model), str(path))
    with pytest.raises(CheckpointError, match=r'five.pth fits the model only partly: loaded 6/8 '
                                              r'tensors \(wrong shape head.fc.weight, '
                                              r'head.fc.bias\).*--allow-partial'):
        init_model(cfg, path, device='cpu')
    with pytest.warns(UserWarning, match='loaded 6/8 tensors'):
        model = init_model(cfg, path, device='cpu', allow_partial=True)
    assert model.head.fc.weight.shape == (10, 120)
