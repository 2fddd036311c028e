"""Transforms: exact numerics (Normalize, flips), sizes (Resize, crops), key bookkeeping, reprs."""
import io

import numpy as np
import pytest
import torch
from PIL import Image

from cls_lab.datasets.pipelines import (CenterCrop, Collect, ColorJitter, Compose, ImageToTensor,
                                        LoadImageFromFile, MemoryBackend, MultiView, Normalize,
                                        RandomCrop, RandomErasing, RandomFlip, RandomGrayscale,
                                        RandomResizedCrop, Resize, ToNumpy, ToTensor, Transpose)
from cls_lab.registry import TRANSFORMS


@pytest.fixture
def img():
    return np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)


def png_bytes(rgb):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format='PNG')
    return buffer.getvalue()


def test_load_image_gives_bgr_and_keys(tmp_path, img):
    Image.fromarray(img).save(tmp_path / 'a.png')
    results = LoadImageFromFile()(dict(img_prefix=str(tmp_path), img_info=dict(filename='a.png')))
    np.testing.assert_array_equal(results['img'], img[:, :, ::-1])
    assert results['img'].dtype == np.uint8
    assert results['img_shape'] == results['ori_shape'] == (20, 30, 3)
    assert results['filename'] == str(tmp_path / 'a.png') and results['ori_filename'] == 'a.png'
    grey = LoadImageFromFile(color_type='grayscale', to_float32=True)(
        dict(img_prefix=str(tmp_path), img_info=dict(filename='a.png')))
    assert grey['img'].shape == (20, 30) and grey['img'].dtype == np.float32


def test_load_image_memory_backend(img):
    MemoryBackend.put('mem/x.png', png_bytes(img))
    load = LoadImageFromFile(file_client_args=dict(backend='memory'))
    results = load(dict(img_prefix='mem', img_info=dict(filename='x.png')))
    np.testing.assert_array_equal(results['img'], img[:, :, ::-1])
    with pytest.raises(FileNotFoundError, match='mem/nothing.png'):
        load(dict(img_prefix='mem', img_info=dict(filename='nothing.png')))


def test_load_image_errors_name_the_file(tmp_path):
    (tmp_path / 'bad.png').write_bytes(b'not an image at all')
    with pytest.raises(OSError, match='bad.png'):
        LoadImageFromFile()(dict(img_prefix=str(tmp_path), img_info=dict(filename='bad.png')))
    with pytest.raises(FileNotFoundError, match='missing.png'):
        LoadImageFromFile()(dict(img_prefix=str(tmp_path), img_info=dict(filename='missing.png')))


def test_normalize_exact(img):
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    out = Normalize(mean, std, to_rgb=True)(dict(img=img))
    expected = (img[:, :, ::-1].astype(np.float32) - np.float32(mean)) / np.float32(std)
    np.testing.assert_allclose(out['img'], expected, rtol=1e-6, atol=1e-6)
    assert out['img'].dtype == np.float32 and out['img'].shape == img.shape
    assert out['img_norm_cfg']['to_rgb'] is True
    np.testing.assert_allclose(out['img_norm_cfg']['mean'], mean, rtol=1e-6)
    kept = Normalize([1, 2, 3], [2, 4, 8], to_rgb=False)(dict(img=img))['img']
    np.testing.assert_allclose(kept, (img - np.float32([1, 2, 3])) / np.float32([2, 4, 8]), rtol=1e-6)


def test_normalize_then_image_to_tensor_is_contiguous_chw(img):
    out = Compose([Normalize([0] * 3, [1] * 3), ImageToTensor(['img'])])(dict(img=img))
    assert out['img'].shape == (3, 20, 30) and out['img'].is_contiguous()
    torch.testing.assert_close(out['img'], torch.from_numpy(img[:, :, ::-1].copy()).permute(2, 0, 1).float())


@pytest.mark.parametrize('size, expected', [(16, (16, 16)), ((10, 12), (10, 12)),
                                            ((10, -1), (10, 15)), ((40, -1), (40, 60))])
def test_resize_sizes(img, size, expected):
    out = Resize(size)(dict(img=img))
    assert out['img'].shape == (*expected, 3) and out['img_shape'] == (*expected, 3)
    assert out['img'].dtype == np.uint8


def test_resize_short_and_long_side_of_a_tall_image():
    tall = np.zeros((60, 20, 3), np.uint8)
    assert Resize((10, -1))(dict(img=tall))['img'].shape == (30, 10, 3)
    assert Resize((30, -1), adaptive_side='long')(dict(img=tall))['img'].shape == (30, 10, 3)


def test_resize_backends_agree_on_a_constant_image():
    flat = np.full((9, 13, 3), 77, np.uint8)
    for backend in ('torch', 'pillow', 'cv2'):
        out = Resize((5, 7), backend=backend, interpolation='bicubic')(dict(img=flat))['img']
        assert out.shape == (5, 7, 3) and np.all(out == 77), backend


def test_resize_rejects_unknown_interpolation():
    with pytest.raises(ValueError, match='interpolation'):
        Resize(10, interpolation='cubicle')


def test_random_resized_crop_size(img):
    torch.manual_seed(0)
    out = RandomResizedCrop(8)(dict(img=img))
    assert out['img'].shape == (8, 8, 3) and out['img_shape'] == (8, 8, 3)
    assert RandomResizedCrop((6, 10), backend='pillow')(dict(img=img))['img'].shape == (6, 10, 3)


def test_center_crop_is_the_middle(img):
    out = CenterCrop((10, 10))(dict(img=img))['img']
    np.testing.assert_array_equal(out, img[5:15, 10:20])
    np.testing.assert_array_equal(CenterCrop(40)(dict(img=img))['img'], img)   # as mmcls: no pad


def test_random_crop_padding_and_window(img):
    np.random.seed(0)
    out = RandomCrop(20, padding=4, pad_val=0)(dict(img=img))['img']
    assert out.shape == (20, 20, 3)
    small = RandomCrop((25, 35), pad_if_needed=True, pad_val=(1, 2, 3))(dict(img=img))['img']
    assert small.shape == (25, 35, 3)
    # a pad of 10 on each side of a 20x30 image cropped back to 40x50 must show the pad colour
    padded = RandomCrop((40, 50), padding=10, pad_val=(1, 2, 3))(dict(img=img))['img']
    np.testing.assert_array_equal(padded[0, 0], [1, 2, 3])
    np.testing.assert_array_equal(padded[10:30, 10:40], img)
    with pytest.raises(ValueError, match='pad_if_needed'):
        RandomCrop(50)(dict(img=img))


@pytest.mark.parametrize('direction, expected', [('horizontal', lambda a: a[:, ::-1]),
                                                 ('vertical', lambda a: a[::-1]),
                                                 ('diagonal', lambda a: a[::-1, ::-1])])
def test_flip_exact(img, direction, expected):
    out = RandomFlip(1.0, direction)(dict(img=img))
    np.testing.assert_array_equal(out['img'], expected(img))
    assert out['flip'] is True and out['flip_direction'] == direction
    kept = RandomFlip(0.0, direction)(dict(img=img))
    assert kept['flip'] is False and kept['img'] is img


def test_photometric_transforms_keep_shape_and_dtype(img):
    np.random.seed(0)
    for transform in (ColorJitter(0.4, 0.4, 0.4), RandomGrayscale(1.0), RandomErasing(1.0),
                      RandomErasing(1.0, mode='rand')):
        out = transform(dict(img=img))['img']
        assert out.shape == img.shape and out.dtype == np.uint8, transform
    grey = RandomGrayscale(1.0)(dict(img=img))['img']
    assert np.all(grey[..., 0] == grey[..., 1]) and np.all(grey[..., 1] == grey[..., 2])


def test_color_jitter_zero_is_identity(img):
    np.testing.assert_array_equal(ColorJitter()(dict(img=img))['img'], img)


def test_random_erasing_fills_a_box_with_the_colour(img):
    np.random.seed(1)
    out = RandomErasing(1.0, min_area_ratio=0.2, max_area_ratio=0.2, fill_color=(7, 8, 9))(
        dict(img=img))['img']
    changed = np.any(out != img, axis=2)
    assert 0.1 * img.shape[0] * img.shape[1] < changed.sum() <= 0.3 * img.shape[0] * img.shape[1]
    assert np.all(out[changed] == [7, 8, 9])
    floats = img.astype(np.float32)
    assert RandomErasing(1.0, fill_color=(0., 0., 0.))(dict(img=floats))['img'].dtype == np.float32


def test_formatting_and_collect(img):
    results = dict(img=img, gt_label=np.array(3, dtype=np.int64), filename='f.png', flip=False,
                   extra='dropped')
    out = Compose([ImageToTensor(['img']), ToTensor(['gt_label']),
                   Collect(['img', 'gt_label'])])(results)
    assert set(out) == {'img', 'gt_label', 'img_metas'}
    assert out['img'].shape == (3, 20, 30) and out['gt_label'].dtype == torch.int64
    assert out['gt_label'].shape == () and out['img_metas'] == dict(filename='f.png', flip=False)
    assert 'img_metas' not in Collect(['img'], meta_keys=())(dict(img=img))
    with pytest.raises(KeyError, match='gt_label'):
        Collect(['gt_label'])(dict(img=img))
    chw = Transpose(['img'], (2, 0, 1))(dict(img=img))['img']
    assert chw.shape == (3, 20, 30)
    back = ToNumpy(['img'])(dict(img=torch.ones(2)))['img']
    assert isinstance(back, np.ndarray)
    grey = ImageToTensor(['img'])(dict(img=img[..., 0]))['img']
    assert grey.shape == (1, 20, 30)


def test_multiview_makes_a_list_of_views(img):
    view = [dict(type='RandomResizedCrop', size=8), dict(type='Normalize', mean=[0] * 3, std=[1] * 3),
            dict(type='ImageToTensor', keys=['img'])]
    small = [dict(type='Resize', size=4), dict(type='ImageToTensor', keys=['img'])]
    out = MultiView([view, small], [2, 1])(dict(img=img))
    assert [tuple(v.shape) for v in out['img']] == [(3, 8, 8), (3, 8, 8), (3, 4, 4)]


def test_compose_repr_drop_and_errors(img):
    pipeline = Compose([dict(type='Resize', size=8), lambda r: None, dict(type='RandomFlip')])
    assert pipeline(dict(img=img)) is None
    text = repr(Compose([dict(type='Resize', size=8), dict(type='RandomFlip', flip_prob=0.3)]))
    assert text.startswith('Compose([') and 'Resize(size=(8, 8)' in text and 'flip_prob=0.3' in text
    with pytest.raises(TypeError, match='list of transforms'):
        Compose(dict(type='Resize', size=8))
    with pytest.raises(KeyError, match='Resise'):
        Compose([dict(type='Resise', size=8)])


def test_custom_transform_registers_and_runs(img):
    @TRANSFORMS.register_module(force=True)
    class AddOne:
        def __call__(self, results):
            results['img'] = results['img'] + 1
            return results

    out = Compose([dict(type='AddOne')])(dict(img=np.zeros((2, 2, 3), np.uint8)))
    assert np.all(out['img'] == 1)


def test_transforms_never_write_into_the_input(img):
    original = img.copy()
    steps = [Resize((10, -1)), RandomResizedCrop(8), CenterCrop(5), RandomCrop(10, padding=2),
             RandomFlip(1.0), Normalize([1] * 3, [2] * 3), ColorJitter(0.5, 0.5, 0.5),
             RandomGrayscale(1.0), RandomErasing(1.0)]
    for step in steps:
        step(dict(img=img))
        np.testing.assert_array_equal(img, original, err_msg=repr(step))


def test_color_jitter_refuses_float_images_and_bad_backends_are_named():
    """torchvision treats float images as 0..1: a float BGR image would come back clipped."""
    img = np.full((8, 8, 3), 200, dtype=np.float32)
    with pytest.raises(TypeError, match='ColorJitter needs a uint8 image.*float32'):
        ColorJitter(brightness=0.4)(dict(img=img))
    with pytest.raises(ValueError, match="got 'pilow'"):
        TRANSFORMS.build(dict(type='RandomResizedCrop', size=4, backend='pilow'))
    with pytest.raises(ValueError, match='brightness=-1'):
        ColorJitter(brightness=-1)
