"""LoadImageFromFile: read bytes through a FileClient backend and decode them to HWC uint8 BGR.

Backends are tiny classes with ``get(path) -> bytes`` in a registry of their own:
'disk' reads files, 'memory' serves bytes put there by ``MemoryBackend.put`` (tests, demos).
"""
import os.path as osp

import io

import numpy as np
from PIL import Image, ImageOps

from cls_lab.registry import TRANSFORMS, Registry

FILE_BACKENDS = Registry('file backends')


class ImageDecodeError(OSError):
    """An image file that cannot be read or decoded; the message names the file."""


@FILE_BACKENDS.register_module(name='disk')
class DiskBackend:
    """Read a file from the local disk."""

    def get(self, filepath):
        with open(filepath, 'rb') as f:
            return f.read()


@FILE_BACKENDS.register_module(name='memory')
class MemoryBackend:
    """An in-process ``{path: bytes}`` store shared by all instances: ``put`` then ``get``."""

    store = {}

    @classmethod
    def put(cls, filepath, data):
        cls.store[str(filepath)] = bytes(data)

    def get(self, filepath):
        try:
            return self.store[str(filepath)]
        except KeyError:
            raise FileNotFoundError(f'memory backend has no file {filepath}') from None


class FileClient:
    """Pick a backend by name: ``FileClient(backend='disk').get(path)`` returns the bytes."""

    def __init__(self, backend='disk', **kwargs):
        backend_cls = FILE_BACKENDS.get(backend)
        if backend_cls is None:
            raise KeyError(f'file backend {backend!r} is unknown; registered backends: '
                           f'{FILE_BACKENDS.all_names()}')
        self.backend = backend
        self.client = backend_cls(**kwargs)

    def get(self, filepath):
        return self.client.get(filepath)


_COLOR_TYPES = ('color', 'grayscale', 'unchanged')


def decode_bgr(data, color_type='color', filename='<bytes>'):
    """Decode encoded image bytes with Pillow to a HWC uint8 numpy array, BGR for colour (as mmcv).

    'color' gives 3 channels, 'grayscale' a HW array (both follow the EXIF orientation, as
    mmcv does); 'unchanged' keeps the file's own channels and depth (colour as BGR(A)).
    """
    if color_type not in _COLOR_TYPES:
        raise ValueError(f'color_type must be one of {_COLOR_TYPES}, got {color_type!r}')
    try:
        with Image.open(io.BytesIO(data)) as image:
            if color_type != 'unchanged':
                image = ImageOps.exif_transpose(image)
                image = image.convert('RGB' if color_type == 'color' else 'L')
            array = np.array(image)
    except Exception as error:   # Pillow raises several types for broken files
        raise ImageDecodeError(f'cannot decode image {filename}: {error}') from error
    if array.ndim == 3 and array.shape[2] >= 3:
        array = np.ascontiguousarray(array[:, :, [2, 1, 0] + list(range(3, array.shape[2]))])
    return array


@TRANSFORMS.register_module()
class LoadImageFromFile:
    """Read ``img_prefix/img_info['filename']`` and decode it (Pillow) to a HWC uint8 BGR array (mmcv order).

    Adds: filename, ori_filename, img, img_shape, ori_shape. Keeps: img_prefix, img_info, gt_label.
    ``to_float32`` casts to float32; ``color_type`` is 'color', 'grayscale' or 'unchanged';
    ``file_client_args=dict(backend='disk')`` picks the FileClient backend.
    """

    def __init__(self, to_float32=False, color_type='color', file_client_args=None):
        if color_type not in _COLOR_TYPES:
            raise ValueError(f'color_type must be one of {_COLOR_TYPES}, got {color_type!r}')
        self.to_float32 = to_float32
        self.color_type = color_type
        self.file_client_args = dict(file_client_args or dict(backend='disk'))
        self.file_client = None   # made on first use, so the transform pickles into workers

    def __call__(self, results):
        if self.file_client is None:
            self.file_client = FileClient(**self.file_client_args)
        ori_filename = results['img_info']['filename']
        prefix = results.get('img_prefix')
        filename = osp.join(prefix, ori_filename) if prefix else ori_filename
        try:
            data = self.file_client.get(filename)
        except FileNotFoundError:
            raise FileNotFoundError(f'image file {filename} does not exist') from None
        except OSError as error:
            raise ImageDecodeError(f'cannot read image {filename}: {error}') from error
        img = decode_bgr(data, self.color_type, filename)
        if self.to_float32:
            img = img.astype(np.float32)
        results.update(filename=filename, ori_filename=ori_filename, img=img,
                       img_shape=img.shape, ori_shape=img.shape)
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(to_float32={self.to_float32}, "
                f"color_type='{self.color_type}', file_client_args={self.file_client_args})")
