"""The image contract between transforms, the resize/crop/pad primitives, and torch views.

Between transforms ``results['img']`` is a HWC numpy array: uint8 in BGR order (as mmcv's
``LoadImageFromFile`` gives) until ``Normalize`` makes it float32, and until
``ImageToTensor`` makes it a CHW tensor. Resizing, cropping and padding follow mmcv 1.7
(OpenCV by default, Pillow on request), so mmcls pipelines give the same pixels here.
``as_chw`` shows an array to torch as a CHW tensor without copying; ``as_hwc`` turns it back.
"""
import cv2
import numpy as np
import torch
from PIL import Image
from torchvision.transforms import InterpolationMode
from torchvision.transforms.v2 import functional as F
from cls_lab.errors import ArgumentError

CV2_INTERPOLATIONS = {'nearest': cv2.INTER_NEAREST, 'bilinear': cv2.INTER_LINEAR,
                      'bicubic': cv2.INTER_CUBIC, 'area': cv2.INTER_AREA,
                      'lanczos': cv2.INTER_LANCZOS4}
PILLOW_INTERPOLATIONS = {'nearest': Image.Resampling.NEAREST,
                         'bilinear': Image.Resampling.BILINEAR,
                         'bicubic': Image.Resampling.BICUBIC, 'box': Image.Resampling.BOX,
                         'lanczos': Image.Resampling.LANCZOS,
                         'hamming': Image.Resampling.HAMMING}
TORCH_INTERPOLATIONS = {'nearest': InterpolationMode.NEAREST,
                        'bilinear': InterpolationMode.BILINEAR,
                        'bicubic': InterpolationMode.BICUBIC}
RESIZE_BACKENDS = {'cv2': CV2_INTERPOLATIONS, 'pillow': PILLOW_INTERPOLATIONS,
                   'torch': TORCH_INTERPOLATIONS}


def image_fields(results):
    """The keys a geometric transform changes alike: ``results['img_fields']`` (mmcls), or 'img'."""
    return results.get('img_fields', ['img'])


def check_resize_args(interpolation, backend):
    """Raise a ValueError naming the value unless ``backend`` knows ``interpolation``."""
    if backend not in RESIZE_BACKENDS:
        raise ArgumentError(f'backend must be one of {list(RESIZE_BACKENDS)}, got {backend!r}')
    if interpolation not in RESIZE_BACKENDS[backend]:
        raise ArgumentError(f'interpolation for backend {backend!r} must be one of '
                            f'{list(RESIZE_BACKENDS[backend])}, got {interpolation!r}')


def imresize(img, height, width, interpolation='bilinear', backend='cv2'):
    """Resize a HWC (or HW) array to (height, width) as mmcv.imresize does.

    'cv2' is cv2.resize (no antialiasing, as mmcls), 'pillow' is PIL's resize (uint8 only),
    'torch' is torchvision's antialiased resize (a cls_lab extra, matching torchvision.v2).
    """
    check_resize_args(interpolation, backend)
    if backend == 'cv2':
        return cv2.resize(img, (width, height), interpolation=CV2_INTERPOLATIONS[interpolation])
    if backend == 'pillow':
        if img.dtype != np.uint8:
            raise ArgumentError(f'the pillow backend resizes uint8 images only, got {img.dtype}; '
                                "use backend='cv2'")
        pil = Image.fromarray(img).resize((width, height), PILLOW_INTERPOLATIONS[interpolation])
        return np.array(pil)
    out = F.resize(as_chw(img), [height, width], interpolation=TORCH_INTERPOLATIONS[interpolation],
                   antialias=interpolation != 'nearest')
    return as_hwc(out, img)


def imcrop(img, x1, y1, x2, y2):
    """The inclusive box (x1, y1)-(x2, y2) of ``img``; corners truncate to int and clip (mmcv)."""
    h, w = img.shape[:2]
    x1, x2 = (min(max(int(v), 0), w - 1) for v in (x1, x2))
    y1, y2 = (min(max(int(v), 0), h - 1) for v in (y1, y2))
    return img[y1:y2 + 1, x1:x2 + 1]


BORDER_MODES = {'constant': cv2.BORDER_CONSTANT, 'edge': cv2.BORDER_REPLICATE,
                'reflect': cv2.BORDER_REFLECT_101, 'symmetric': cv2.BORDER_REFLECT}


def impad(img, left, top, right, bottom, pad_val=0, padding_mode='constant'):
    """Pad with cv2.copyMakeBorder; ``pad_val`` is a number or one value per channel."""
    if padding_mode not in BORDER_MODES:
        raise ArgumentError(f'padding_mode must be one of {list(BORDER_MODES)}, got {padding_mode!r}')
    channels = 1 if img.ndim == 2 else img.shape[2]
    value = pad_value(pad_val, channels)
    out = cv2.copyMakeBorder(img, int(top), int(bottom), int(left), int(right),
                             BORDER_MODES[padding_mode], value=value[:4] if channels > 1 else value[0])
    return out[:, :, None] if img.ndim == 3 and out.ndim == 2 else out


def cv2_border_value(pad_val, img):
    """A fill colour for cv2.warpAffine: one number per channel (cv2 takes at most four)."""
    return tuple(pad_value(pad_val, 1 if img.ndim == 2 else img.shape[2]))[:4]


def as_chw(img):
    """HWC (or HW) numpy array -> CHW tensor sharing its memory (copies only for negative strides)."""
    if img.ndim == 2:
        img = img[:, :, None]
    if any(stride < 0 for stride in img.strides):
        img = np.ascontiguousarray(img)
    return torch.from_numpy(img).permute(2, 0, 1)


def as_hwc(tensor, like=None):
    """CHW tensor -> HWC numpy array (HW again when ``like`` was a 2-D grey image)."""
    out = tensor.permute(1, 2, 0).numpy()
    return out[:, :, 0] if like is not None and like.ndim == 2 else out


def pad_value(pad_val, channels):
    """An int or a per-channel sequence (in the image's own channel order) -> a list for torchvision."""
    if isinstance(pad_val, (int, float)):
        return [float(pad_val)] * channels
    values = [float(v) for v in pad_val]
    if len(values) != channels:
        raise ArgumentError(f'pad_val {pad_val!r} has {len(values)} values for a {channels}-channel image')
    return values
