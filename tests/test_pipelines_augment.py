"""AutoAugment / RandAugment and their operations: exact results where the op is deterministic."""
import runpy
from pathlib import Path

import numpy as np
import pytest

from cls_lab.datasets.pipelines import (AutoAugment, AutoContrast, Brightness, ColorTransform,
                                        Compose, Contrast, Cutout, Equalize, Invert, Posterize,
                                        RandAugment, Rotate, Sharpness, Shear, Solarize,
                                        SolarizeAdd, Translate)

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / 'configs' / '_base_' / 'datasets' / 'pipelines'


@pytest.fixture
def img():
    return np.random.default_rng(0).integers(0, 256, (16, 24, 3), dtype=np.uint8)


def run(transform, img):
    return transform(dict(img=img))['img']


def test_pixel_ops_exact(img):
    np.testing.assert_array_equal(run(Invert(prob=1.), img), 255 - img)
    np.testing.assert_array_equal(run(Solarize(thr=128, prob=1.), img),
                                  np.where(img >= 128, 255 - img, img))
    np.testing.assert_array_equal(run(Solarize(thr=256, prob=1.), img), img)
    np.testing.assert_array_equal(run(Posterize(bits=3, prob=1.), img), img & 0b11100000)
    np.testing.assert_array_equal(run(Posterize(bits=2.2, prob=1.), img), img & 0b11100000)  # ceil
    added = np.where(img < 128, np.minimum(img.astype(int) + 100, 255), img)
    np.testing.assert_array_equal(run(SolarizeAdd(magnitude=100, prob=1.), img), added)


def test_autocontrast_and_equalize_stretch_the_range():
    low = np.random.default_rng(1).integers(100, 120, (16, 16, 3), dtype=np.uint8)
    stretched = run(AutoContrast(prob=1.), low)
    assert stretched.min() == 0 and stretched.max() >= 254   # torchvision truncates 254.99
    big = np.random.default_rng(1).integers(100, 120, (64, 64, 3), dtype=np.uint8)
    assert run(Equalize(prob=1.), big).max() > 200   # (tiny images have too few pixels)


def test_prob_zero_is_identity(img):
    for op in (Invert(prob=0.), Shear(0.3, prob=0.), Rotate(30, prob=0.), Brightness(0.5, prob=0.)):
        assert run(op, img) is img


def test_enhance_ops_with_zero_magnitude_are_identity(img):
    for op in (Brightness(0., prob=1.), Contrast(0., prob=1.), ColorTransform(0., prob=1.),
               Sharpness(0., prob=1.)):
        np.testing.assert_array_equal(run(op, img), img, err_msg=repr(op))


def test_brightness_scales(img):
    np.random.seed(0)
    out = run(Brightness(0.5, prob=1., random_negative_prob=0.), img).astype(int)
    assert np.all(np.abs(out - np.clip(img * 1.5, 0, 255)) <= 1)
    darker = run(Brightness(0.5, prob=1., random_negative_prob=1.), img).astype(int)
    assert np.all(np.abs(darker - img * 0.5) <= 1)


def test_geometric_ops_fill_with_pad_val(img):
    shifted = run(Translate(0.5, pad_val=(1, 2, 3), prob=1., random_negative_prob=0.), img)
    np.testing.assert_array_equal(shifted[:, :12], np.broadcast_to([1, 2, 3], (16, 12, 3)))
    np.testing.assert_array_equal(shifted[:, 12:], img[:, :12])
    rotated = run(Rotate(90, prob=1., random_negative_prob=0.), np.ones((9, 9, 3), np.uint8))
    assert np.all(rotated == 1)   # a square rotated by 90 degrees fills itself
    sheared = run(Shear(0.5, pad_val=0, prob=1., random_negative_prob=0.,
                        interpolation='nearest'), img)
    np.testing.assert_array_equal(sheared[0], img[0])   # the top row is the pivot
    np.testing.assert_array_equal(sheared[14, 7:], img[14, :-7])   # x' = x + 0.5 * 14, as mmcv
    assert np.all(sheared[14, :7] == 0)
    bicubic = run(Shear(0.5, prob=1.), img)
    assert bicubic.shape == img.shape and bicubic.dtype == np.uint8
    vertical = run(Translate(0.5, pad_val=9, prob=1., direction='vertical',
                             random_negative_prob=0.), img)
    assert np.all(vertical[:8] == 9)


def test_cutout_box(img):
    np.random.seed(0)
    out = run(Cutout(shape=4, pad_val=0, prob=1.), img)
    box = np.all(out == 0, axis=2) & np.any(img != 0, axis=2)
    assert 1 <= box.sum() <= 16


def test_imagenet_autoaugment_policy_from_the_config_file(img):
    policies = runpy.run_path(str(POLICIES / 'auto_aug.py'))['policy_imagenet']
    assert len(policies) == 25 and all(len(sub) == 2 for sub in policies)
    augment = AutoAugment(policies)
    assert all(op.get('pad_val') == 128 for sub in augment.policies for op in sub
               if op['type'] in ('Rotate', 'Shear'))
    np.random.seed(0)
    for _ in range(30):
        out = run(augment, img)
        assert out.shape == img.shape and out.dtype == np.uint8
    assert '25 sub-policies' in repr(augment)


def test_randaugment_magnitudes(img):
    policies = runpy.run_path(str(POLICIES / 'rand_aug.py'))['rand_increasing_policies']
    augment = RandAugment(policies, num_policies=2, magnitude_level=9, total_level=10)
    rotate = augment.configure(next(p for p in augment.policies if p['type'] == 'Rotate'))
    assert rotate['angle'] == pytest.approx(27.0) and 'magnitude_key' not in rotate
    posterize = augment.configure(next(p for p in augment.policies if p['type'] == 'Posterize'))
    assert posterize['bits'] == pytest.approx(0.4)
    for _ in range(30):
        out = run(augment, img)
        assert out.shape == img.shape and out.dtype == np.uint8
    noisy = RandAugment(policies, 2, 9, magnitude_std=0.5, total_level=10)
    assert 0 <= noisy.level() <= 10
    with pytest.raises(ValueError, match='magnitude_range'):
        RandAugment([dict(type='Rotate', magnitude_key='angle')], 1, 5)


def test_autoaugment_in_a_compose_config(img):
    pipeline = Compose([dict(type='AutoAugment', policies=[[dict(type='Invert', prob=1.)]])])
    np.testing.assert_array_equal(pipeline(dict(img=img))['img'], 255 - img)
    with pytest.raises(TypeError, match='non-empty list'):
        AutoAugment([])
