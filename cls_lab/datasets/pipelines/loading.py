"""LoadImageFromFile: read bytes through a FileClient backend and decode them as mmcv.imread does.

Backends are tiny classes with ``get(path) -> bytes`` in a registry of their own:
'disk' reads files, 'memory' serves bytes put there by ``MemoryBackend.put`` (tests, demos).
"""
import io
import os
import os.path as osp

import cv2
import numpy as np
from PIL import Image, ImageOps

from cls_lab.errors import ArgumentError
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


_CV2_FLAGS = {
    'color': cv2.IMREAD_COLOR,
    'grayscale': cv2.IMREAD_GRAYSCALE,
    'unchanged': cv2.IMREAD_UNCHANGED,
    'color_ignore_orientation': cv2.IMREAD_IGNORE_ORIENTATION | cv2.IMREAD_COLOR,
    'grayscale_ignore_orientation': cv2.IMREAD_IGNORE_ORIENTATION | cv2.IMREAD_GRAYSCALE,
}
COLOR_TYPES = tuple(_CV2_FLAGS)
DECODE_BACKENDS = ('cv2', 'pillow', 'turbojpeg')
_turbojpeg = None


def _check_decode_args(color_type, backend):
    if color_type not in COLOR_TYPES:
        raise ArgumentError(f'color_type must be one of {COLOR_TYPES}, got {color_type!r}')
    if backend not in DECODE_BACKENDS:
        raise ArgumentError(f'imdecode_backend must be one of {DECODE_BACKENDS}, got {backend!r}')
    if backend == 'turbojpeg' and color_type not in ('color', 'grayscale'):
        raise ArgumentError(f"the turbojpeg backend decodes color_type 'color' or 'grayscale' "
                            f'only, got {color_type!r}')


def _decode_cv2(data, color_type):
    img = cv2.imdecode(np.frombuffer(data, np.uint8), _CV2_FLAGS[color_type])
    if img is None:
        raise ArgumentError('OpenCV cannot decode these bytes')
    return img


def _decode_pillow(data, color_type):
    """Pillow decode with mmcv's rules: EXIF followed, LA put on a (124, 117, 104) canvas."""
    with Image.open(io.BytesIO(data)) as image:
        if color_type == 'unchanged':
            array = np.array(image)
            if array.ndim == 3 and array.shape[2] >= 3:
                array[:, :, :3] = array[:, :, 2::-1].copy()
            return array
        if color_type in ('color', 'grayscale'):
            image = ImageOps.exif_transpose(image)
        if image.mode == 'LA':
            rgba = image.convert('RGBA')
            image = Image.new('RGB', rgba.size, (124, 117, 104))
            image.paste(rgba, mask=rgba.split()[3])
        image = image.convert('RGB')
        if color_type.startswith('grayscale'):
            return np.array(image.convert('L'))
        return np.ascontiguousarray(np.array(image)[:, :, ::-1])


def _decode_turbojpeg(data, color_type):
    global _turbojpeg
    try:
        import turbojpeg
    except ImportError:
        raise ImportError("imdecode_backend='turbojpeg' needs PyTurboJPEG "
                          "(pip install PyTurboJPEG); or use 'cv2'") from None
    if _turbojpeg is None:
        _turbojpeg = turbojpeg.TurboJPEG()
    pixel = turbojpeg.TJPF_BGR if color_type == 'color' else turbojpeg.TJPF_GRAY
    img = _turbojpeg.decode(data, pixel)
    return img[:, :, 0] if img.shape[-1] == 1 else img


_DECODERS = {'cv2': _decode_cv2, 'pillow': _decode_pillow, 'turbojpeg': _decode_turbojpeg}


def decode_bgr(data, color_type='color', filename='<bytes>', backend='cv2'):
    """Decode image bytes to a numpy array as ``mmcv.imfrombytes`` does: BGR, cv2 by default.

    'color' gives HWC uint8 BGR (16-bit files scaled to 8 bits, palette, grey+alpha and CMYK
    converted, the EXIF orientation applied); 'grayscale' a HW uint8 array; 'unchanged' the
    file's own channels and depth, unrotated; '*_ignore_orientation' skip the EXIF rotation.
    ``backend`` 'pillow' and 'turbojpeg' (if PyTurboJPEG is installed) follow mmcv's rules too.
    """
    _check_decode_args(color_type, backend)
    try:
        return _DECODERS[backend](data, color_type)
    except ImportError:
        raise
    except Exception as error:   # decoders raise several types for broken files
        raise ImageDecodeError(f'cannot decode image {filename}: {error}') from error


@TRANSFORMS.register_module()
class LoadImageFromFile:
    """Read ``img_prefix/img_info['filename']`` and decode it as mmcv.imread does (HWC uint8 BGR).

    Adds: filename, ori_filename, img, img_shape, ori_shape, img_norm_cfg (mean 0, std 1).
    ``to_float32`` casts to float32; ``color_type`` and ``imdecode_backend`` as in
    ``decode_bgr``; ``file_client_args=dict(backend='disk')`` picks the FileClient backend.
    Unlike mmcls, a missing or broken file raises an error naming it.
    """

    def __init__(self, to_float32=False, color_type='color', file_client_args=None,
                 imdecode_backend='cv2'):
        _check_decode_args(color_type, imdecode_backend)
        self.to_float32 = to_float32
        self.color_type = color_type
        self.imdecode_backend = imdecode_backend
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
        img = decode_bgr(data, self.color_type, filename, self.imdecode_backend)
        fill_image_keys(results, img, self.to_float32, filename, ori_filename)
        return results

    def __repr__(self):
        return (f"{type(self).__name__}(to_float32={self.to_float32}, "
                f"color_type='{self.color_type}', file_client_args={self.file_client_args}, "
                f"imdecode_backend='{self.imdecode_backend}')")


def fill_image_keys(results, img, to_float32, filename=None, ori_filename=None):
    """Put a freshly loaded image and the keys a loader adds into ``results``."""
    if to_float32:
        img = img.astype(np.float32)
    channels = 1 if img.ndim < 3 else img.shape[2]
    results.update(filename=filename, ori_filename=ori_filename, img=img,
                   img_shape=img.shape, ori_shape=img.shape,
                   img_norm_cfg=dict(mean=np.zeros(channels, np.float32),
                                     std=np.ones(channels, np.float32), to_rgb=False))
    return results


@TRANSFORMS.register_module()
class LoadImageFromArray:
    """The in-memory twin of LoadImageFromFile: takes ``results['img']`` (an HWC BGR array).

    The array is copied (the caller's stays as it is) and brought to ``color_type`` the way
    a file decode would be ('color': grey becomes 3 channels, BGRA drops alpha; 'grayscale':
    cv2's BGR->grey); then the same keys as LoadImageFromFile are filled (filename None).
    """

    def __init__(self, to_float32=False, color_type='color'):
        _check_decode_args(color_type, 'cv2')
        self.to_float32, self.color_type = to_float32, color_type

    def __call__(self, results):
        if 'img' not in results:
            raise KeyError('LoadImageFromArray needs the image array in results["img"]; '
                           f'the sample has {sorted(results)}')
        img = np.array(results['img'], order='C', copy=True)
        if self.color_type.startswith('color'):
            if img.ndim == 2 or img.shape[2] == 1:
                img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
            elif img.shape[2] == 4:
                img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
        elif self.color_type.startswith('grayscale') and img.ndim == 3:
            code = cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY
            img = cv2.cvtColor(img, code) if img.shape[2] != 1 else img[:, :, 0]
        fill_image_keys(results, img, self.to_float32)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(to_float32={self.to_float32}, '
                f"color_type='{self.color_type}')")


def start_pipeline(steps, img):
    """(first sample, steps) to run the pipeline ``steps`` on an image path or an in-memory array.

    A path is loaded by the pipeline's LoadImageFromFile (put in front when it has none). An
    array (HWC, BGR) goes through LoadImageFromArray with the loader's to_float32/color_type,
    in place of a leading LoadImageFromFile or in front of a pipeline without one (CIFAR's).
    """
    steps = [dict(step) for step in steps]
    loads = bool(steps) and steps[0]['type'] == 'LoadImageFromFile'
    if isinstance(img, (str, os.PathLike)):
        if not osp.isfile(img):
            raise FileNotFoundError(f'image file {img} does not exist')
        return (dict(img_prefix=None, img_info=dict(filename=str(img))),
                steps if loads else [dict(type='LoadImageFromFile')] + steps)
    if not isinstance(img, np.ndarray):
        raise ArgumentError(f'img must be a file path or a numpy array, got {type(img).__name__}')
    loader = steps.pop(0) if loads else {}
    array_loader = dict(type='LoadImageFromArray', to_float32=loader.get('to_float32', False),
                        color_type=loader.get('color_type', 'color'))
    return dict(img=img), [array_loader] + steps
