"""The shared cases of tests/test_mmcls_pipelines.py and make_mmcls_reference.py (plain data)."""
import numpy as np

NORM = dict(type='Normalize', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
            to_rgb=True)
TO_TENSOR = [dict(type='ImageToTensor', keys=['img'])]


def small_image(seed, shape):
    """A reproducible random uint8 image."""
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _op(kind, **args):
    return [dict(type=kind, prob=1., **args)]


# name: (steps, image seed, image shape, random seed)
CASES = {}
for interp in ('nearest', 'bilinear', 'bicubic', 'area', 'lanczos'):
    CASES[f'resize-cv2-{interp}-down'] = (
        [dict(type='Resize', size=(5, 7), interpolation=interp)], 1, (9, 13, 3), 0)
    CASES[f'resize-cv2-{interp}-up'] = (
        [dict(type='Resize', size=(20, -1), interpolation=interp)], 1, (9, 13, 3), 0)
for interp in ('nearest', 'bilinear', 'bicubic', 'box', 'lanczos', 'hamming'):
    CASES[f'resize-pillow-{interp}'] = (
        [dict(type='Resize', size=(6, 11), interpolation=interp, backend='pillow')], 1, (9, 13, 3), 0)
CASES.update({
    'resize-long-side': ([dict(type='Resize', size=(8, -1), adaptive_side='long')], 2, (11, 17, 3), 0),
    'resize-height': ([dict(type='Resize', size=(8, -1), adaptive_side='height')], 2, (11, 17, 3), 0),
    'resize-width': ([dict(type='Resize', size=(8, -1), adaptive_side='width')], 2, (11, 17, 3), 0),
    'resize-grey': ([dict(type='Resize', size=(7, -1))], 2, (11, 17), 0),
    'center-crop': ([dict(type='CenterCrop', crop_size=(5, 8))], 3, (12, 17, 3), 0),
    'center-crop-float': ([dict(type='CenterCrop', crop_size=(5.5, 8.7))], 3, (12, 17, 3), 0),
    'center-crop-larger': ([dict(type='CenterCrop', crop_size=20)], 3, (12, 17, 3), 0),
    'center-crop-effnet': ([dict(type='CenterCrop', crop_size=9, efficientnet_style=True,
                                 interpolation='bicubic')], 3, (24, 31, 3), 0),
    'center-crop-effnet-pillow': ([dict(type='CenterCrop', crop_size=9, efficientnet_style=True,
                                        crop_padding=8, interpolation='bicubic',
                                        backend='pillow')], 3, (24, 31, 3), 0),
    'rrc': ([dict(type='RandomResizedCrop', size=8)], 4, (30, 41, 3), 3),
    'rrc-fallback': ([dict(type='RandomResizedCrop', size=(6, 9), scale=(0.9, 1.0),
                           ratio=(4., 5.), max_attempts=2)], 4, (30, 41, 3), 3),
    'rrc-effnet': ([dict(type='RandomResizedCrop', size=8, efficientnet_style=True,
                         interpolation='bicubic')], 4, (30, 41, 3), 5),
    'rrc-effnet-fallback': ([dict(type='RandomResizedCrop', size=8, efficientnet_style=True,
                                  scale=(0.95, 1.0), ratio=(3., 4.), max_attempts=3)], 4, (30, 41, 3), 5),
    'random-crop': ([dict(type='RandomCrop', size=(7, 9), padding=2)], 5, (10, 12, 3), 1),
    'random-crop-pad-if-needed': ([dict(type='RandomCrop', size=(14, 9), pad_if_needed=True,
                                        padding_mode='reflect')], 5, (10, 12, 3), 1),
    'pad': ([dict(type='Pad', size=(13, 15))], 5, (10, 12, 3), 0),
    'pad-square-edge': ([dict(type='Pad', pad_to_square=True, padding_mode='edge')], 5, (10, 12, 3), 0),
    'flip-h': ([dict(type='RandomFlip', flip_prob=1.)], 5, (10, 12, 3), 0),
    'flip-v': ([dict(type='RandomFlip', flip_prob=1., direction='vertical')], 5, (10, 12, 3), 0),
    'normalize': ([NORM], 6, (10, 12, 3), 0),
    'erase-const': ([dict(type='RandomErasing', erase_prob=1.)], 7, (20, 30, 3), 2),
    'erase-float-aspect': ([dict(type='RandomErasing', erase_prob=1., aspect_range=3.)],
                           7, (20, 30, 3), 2),
    'erase-rand': ([dict(type='RandomErasing', erase_prob=1., mode='rand')], 7, (20, 30, 3), 4),
    'erase-normal': ([dict(type='RandomErasing', erase_prob=1., mode='rand',
                           fill_std=(10, 20, 30))], 7, (20, 30, 3), 4),
    'lighting': ([dict(type='Lighting', eigval=[55.46, 4.794, 1.148],
                       eigvec=[[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.814],
                               [-0.5836, -0.6948, 0.4203]], alphastd=0.1)], 8, (6, 7, 3), 0),
    'color-jitter': ([dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4)],
                     9, (16, 20, 3), 6),
    'shear-h': (_op('Shear', magnitude=0.3, random_negative_prob=0.), 10, (16, 20, 3), 0),
    'shear-v-nearest': (_op('Shear', magnitude=0.3, direction='vertical', interpolation='nearest',
                            random_negative_prob=0., pad_val=(10, 20, 30)), 10, (16, 20, 3), 0),
    'translate-h': (_op('Translate', magnitude=0.25, random_negative_prob=0.), 10, (16, 20, 3), 0),
    'translate-v': (_op('Translate', magnitude=0.3, direction='vertical', random_negative_prob=0.,
                        interpolation='bilinear'), 10, (16, 20, 3), 0),
    'rotate': (_op('Rotate', angle=30., random_negative_prob=0.), 10, (16, 20, 3), 0),
    'rotate-center': (_op('Rotate', angle=-20., center=(3., 4.), scale=1.2, random_negative_prob=0.,
                          interpolation='bilinear'), 10, (16, 20, 3), 0),
    'autocontrast': (_op('AutoContrast'), 11, (16, 20, 3), 0),
    'invert': (_op('Invert'), 11, (16, 20, 3), 0),
    'equalize': (_op('Equalize'), 11, (16, 20, 3), 0),
    'solarize': (_op('Solarize', thr=100), 11, (16, 20, 3), 0),
    'solarize-add': (_op('SolarizeAdd', magnitude=37.6, thr=120), 11, (16, 20, 3), 0),
    'posterize': (_op('Posterize', bits=3.2), 11, (16, 20, 3), 0),
    'contrast': (_op('Contrast', magnitude=0.6, random_negative_prob=0.), 11, (16, 20, 3), 0),
    'contrast-neg': (_op('Contrast', magnitude=0.6, random_negative_prob=1.), 11, (16, 20, 3), 0),
    'color': (_op('ColorTransform', magnitude=0.7, random_negative_prob=0.), 11, (16, 20, 3), 0),
    'color-neg': (_op('ColorTransform', magnitude=0.7, random_negative_prob=1.), 11, (16, 20, 3), 0),
    'brightness': (_op('Brightness', magnitude=0.5, random_negative_prob=0.), 11, (16, 20, 3), 0),
    'sharpness': (_op('Sharpness', magnitude=0.8, random_negative_prob=0.), 11, (16, 20, 3), 0),
    'blur': (_op('Sharpness', magnitude=0.8, random_negative_prob=1.), 11, (16, 20, 3), 0),
    'cutout': (_op('Cutout', shape=(5, 7)), 11, (16, 20, 3), 3),
    'cutout-float': (_op('Cutout', shape=6.5, pad_val=(1, 2, 3)), 11, (16, 20, 3), 4),
})

# name: (photo in data_samples/photos, steps after LoadImageFromFile)
PHOTO_CASES = {
    'imagenet-test': ('chelsea.jpg', [dict(type='Resize', size=(256, -1)),
                                      dict(type='CenterCrop', crop_size=224), NORM] + TO_TENSOR),
    'imagenet-test-pillow-bicubic': ('rocket.jpg', [
        dict(type='Resize', size=(256, -1), backend='pillow', interpolation='bicubic'),
        dict(type='CenterCrop', crop_size=224), NORM] + TO_TENSOR),
    'effnet-test': ('coffee.jpg', [dict(type='CenterCrop', crop_size=240, efficientnet_style=True,
                                        interpolation='bicubic'), NORM] + TO_TENSOR),
}
