"""Pipelines give mmcls 0.25's pixels: each case reruns a recorded mmcls output (same input, seed).

The reference arrays in tests/data/*.npz were written by mmcls 0.25.0 / mmcv 1.7.2 with
tests/data/make_mmcls_reference.py and make_decode_samples.py (see their docstrings).
"""
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from cls_lab.datasets.pipelines import Compose, LoadImageFromFile, decode_bgr

DATA = Path(__file__).parent / 'data'
sys.path.insert(0, str(DATA))
from mmcls_cases import CASES, PHOTO_CASES, small_image  # noqa: E402

REFERENCE = np.load(DATA / 'mmcls_pipelines.npz')
DECODED = np.load(DATA / 'decode_reference.npz')
PHOTOS = Path(__file__).parents[1] / 'data_samples' / 'photos'


def run(steps, img, seed):
    random.seed(seed)
    np.random.seed(seed)
    return np.asarray(Compose(steps)(dict(img=img.copy()))['img'])


@pytest.mark.parametrize('name', sorted(CASES))
def test_transform_matches_mmcls(name):
    steps, image_seed, shape, seed = CASES[name]
    out = run(steps, small_image(image_seed, shape), seed)
    expected = REFERENCE[name]
    assert out.shape == expected.shape and out.dtype == expected.dtype, name
    if out.dtype == np.uint8:
        np.testing.assert_array_equal(out, expected, err_msg=name)
    else:
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-4, err_msg=name)


@pytest.mark.parametrize('name', sorted(PHOTO_CASES))
def test_test_pipeline_on_a_photo_matches_mmcls(name):
    photo, steps = PHOTO_CASES[name]
    data = Compose([dict(type='LoadImageFromFile')] + steps)(
        dict(img_prefix=str(PHOTOS), img_info=dict(filename=photo)))
    img = data['img'].numpy().astype(np.float64)
    np.testing.assert_allclose(img[..., ::4, ::4], REFERENCE[name + '-sub'], atol=1e-4, rtol=0)
    total, squares, *shape = REFERENCE[name + '-stats']
    assert list(img.shape) == shape
    assert abs(img.sum() - total) < 1e-4 * img.size and abs((img ** 2).sum() - squares) < 1e-3 * img.size


DECODE_KEYS = sorted(DECODED.files)


@pytest.mark.parametrize('key', DECODE_KEYS)
def test_decode_matches_mmcv_imfrombytes(key):
    stem, backend, flag = key.split('-')
    name = stem.rsplit('_', 1)
    data = (DATA / 'decode' / f'{name[0]}.{name[1]}').read_bytes()
    out = decode_bgr(data, flag, backend=backend)
    np.testing.assert_array_equal(out, DECODED[key], err_msg=key)
    assert out.dtype == DECODED[key].dtype


def test_sixteen_bit_grey_png_loads_as_cv2_does():
    results = LoadImageFromFile()(dict(img_prefix=str(DATA / 'decode'),
                                       img_info=dict(filename='grey16.png')))
    assert results['img'].shape == (5, 7, 3) and results['img'].dtype == np.uint8
    np.testing.assert_array_equal(results['img'][0, 0], [128, 128, 128])   # 32768 -> 128
    np.testing.assert_array_equal(results['img'][0, 1], [255, 255, 255])
    raw = LoadImageFromFile(color_type='unchanged')(dict(img_prefix=str(DATA / 'decode'),
                                                         img_info=dict(filename='grey16.png')))
    assert raw['img'].dtype == np.uint16 and raw['img'][0, 0] == 32768
    np.testing.assert_array_equal(results['img_norm_cfg']['mean'], np.zeros(3))
    assert results['img_norm_cfg']['to_rgb'] is False


def test_exif_orientation_is_followed_unless_asked_not_to():
    load = dict(img_prefix=str(DATA / 'decode'), img_info=dict(filename='exif6.jpg'))
    assert LoadImageFromFile()(dict(load))['img'].shape == (7, 5, 3)
    assert LoadImageFromFile(color_type='color_ignore_orientation')(dict(load))['img'].shape == (5, 7, 3)
    assert LoadImageFromFile(imdecode_backend='pillow')(dict(load))['img'].shape == (7, 5, 3)


def test_decode_arguments_are_checked_at_construction():
    with pytest.raises(ValueError, match='imdecode_backend'):
        LoadImageFromFile(imdecode_backend='tifffile')
    with pytest.raises(ValueError, match='color_type'):
        LoadImageFromFile(color_type='colour')
    with pytest.raises(ValueError, match='turbojpeg'):
        LoadImageFromFile(color_type='unchanged', imdecode_backend='turbojpeg')


@pytest.mark.parametrize('step, error', [
    (dict(type='Shear', magnitude=None), TypeError),
    (dict(type='Solarize', thr=(1, 2)), TypeError),
    (dict(type='Rotate', angle=10., center=5), TypeError),
    (dict(type='Translate', magnitude=0.1, direction='diagonal'), ValueError),
    (dict(type='Posterize', bits=9), ValueError),
    (dict(type='Brightness', magnitude=0.1, prob=1.5), ValueError),
    (dict(type='Shear', magnitude=0.1, interpolation='box'), ValueError),
    (dict(type='RandAugment', policies=[dict(type='Invert')], num_policies=1.5, magnitude_level=3), ValueError),
    (dict(type='RandAugment', policies=[dict(type='Shear', magnitude_key='magnitude',
                                             magnitude_range=(0, 0.3), pad_val=(1, 2))],
          num_policies=1, magnitude_level=3), TypeError),
    (dict(type='AutoAugment', policies=[[dict(type='Solarize')]]), TypeError),
    (dict(type='Resize', size=8, backend='cv2', interpolation='box'), ValueError),
    (dict(type='Resize', size=8, adaptive_side='middle'), ValueError),
    (dict(type='CenterCrop', crop_size=(8, 8), efficientnet_style=True), TypeError),
    (dict(type='RandomResizedCrop', size=8, scale=(1.0, 0.5)), ValueError),
    (dict(type='RandomErasing', aspect_range=(2., 1.)), ValueError),
    (dict(type='Pad', size=(4, 4), pad_to_square=True), ValueError),
    (dict(type='Lighting', eigval=[1., 2., 3.], eigvec=[[1., 0., 0.]]), ValueError),
])
def test_bad_arguments_fail_at_construction(step, error):
    with pytest.raises(error):
        Compose([step])


def test_load_image_from_array_fills_the_loader_keys_and_copies():
    from cls_lab.datasets.pipelines import start_pipeline
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    sample, steps = start_pipeline([dict(type='LoadImageFromFile', to_float32=True),
                                    dict(type='ToHalf', keys=['img'])], grey)
    assert steps[0] == dict(type='LoadImageFromArray', to_float32=True, color_type='color')
    out = Compose(steps)(sample)
    assert out['img'].shape == (3, 4, 3) and out['img'].dtype == np.float16
    assert out['ori_shape'] == (3, 4, 3) and out['filename'] is None
    bgr = small_image(0, (3, 4, 3))
    as_grey = Compose([dict(type='LoadImageFromArray', color_type='grayscale')])(dict(img=bgr))
    import cv2
    np.testing.assert_array_equal(as_grey['img'], cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    path_sample, path_steps = start_pipeline([dict(type='Resize', size=4)], PHOTOS / 'chelsea.jpg')
    assert path_steps[0]['type'] == 'LoadImageFromFile' and 'img_info' in path_sample
    with pytest.raises(FileNotFoundError, match='nothing.png'):
        start_pipeline([], 'nothing.png')


def test_albu_runs_albumentations_on_the_bgr_image():
    pytest.importorskip('albumentations')
    img = small_image(3, (6, 8, 3))
    albu = Compose([dict(type='Albu', transforms=[dict(type='HorizontalFlip', p=1.0)])])
    out = albu(dict(img=img, gt_label=np.array(3)))
    np.testing.assert_array_equal(out['img'], img[:, ::-1])
    assert out['gt_label'] == 3 and out['img_shape'] == (6, 8, 3)
    with pytest.raises(KeyError, match='NoSuchTransform'):
        Compose([dict(type='Albu', transforms=[dict(type='NoSuchTransform')])])


def test_albu_without_albumentations_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'albumentations', None)
    with pytest.raises(ImportError, match='pip install albumentations'):
        Compose([dict(type='Albu', transforms=[dict(type='HorizontalFlip')])])


def test_turbojpeg_backend_without_pyturbojpeg_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'turbojpeg', None)
    load = LoadImageFromFile(imdecode_backend='turbojpeg')
    with pytest.raises(ImportError, match='PyTurboJPEG'):
        load(dict(img_prefix=str(DATA / 'decode'), img_info=dict(filename='plain.jpg')))
