"""Formatting: turn arrays into tensors and keep only what the model's forward needs."""
from collections.abc import Sequence

import numpy as np
import torch

from cls_lab.errors import ArgumentError
from cls_lab.registry import TRANSFORMS
from .compose import Compose


def to_tensor(data):
    """numpy array, tensor, int, float or sequence -> torch.Tensor (arrays share memory)."""
    if isinstance(data, torch.Tensor):
        return data
    if isinstance(data, np.ndarray):
        if any(stride < 0 for stride in data.strides):
            data = np.ascontiguousarray(data)
        return torch.from_numpy(data)
    if isinstance(data, (bool, int, np.integer)):
        return torch.tensor(int(data), dtype=torch.long)
    if isinstance(data, (float, np.floating)):
        return torch.tensor(float(data), dtype=torch.float32)
    if isinstance(data, Sequence) and not isinstance(data, str):
        return torch.tensor(data)
    raise ArgumentError(f'cannot convert {type(data).__name__} to a tensor: {data!r}')


def _missing(results, key, step):
    return KeyError(f'{step}: the sample has no key {key!r}; it has {sorted(results)}')


@TRANSFORMS.register_module()
class ToTensor:
    """Convert ``results[key]`` for each key to a tensor (labels: a 0-d int64 tensor).

    Updates: the keys given.
    """

    def __init__(self, keys):
        self.keys = list(keys)

    def __call__(self, results):
        for key in self.keys:
            if key not in results:
                raise _missing(results, key, type(self).__name__)
            results[key] = to_tensor(results[key])
        return results

    def __repr__(self):
        return f'{type(self).__name__}(keys={self.keys})'


@TRANSFORMS.register_module()
class ImageToTensor:
    """HWC image array -> CHW tensor, a view without copying (a HW grey image gets C=1).

    Updates: the keys given.
    """

    def __init__(self, keys):
        self.keys = list(keys)

    def __call__(self, results):
        for key in self.keys:
            if key not in results:
                raise _missing(results, key, type(self).__name__)
            img = results[key]
            if img.ndim < 3:
                img = img[:, :, None]
            results[key] = to_tensor(img).permute(2, 0, 1)
        return results

    def __repr__(self):
        return f'{type(self).__name__}(keys={self.keys})'


@TRANSFORMS.register_module()
class Transpose:
    """Permute the axes of arrays or tensors: ``order=(2, 0, 1)`` turns HWC into CHW.

    Updates: the keys given.
    """

    def __init__(self, keys, order):
        self.keys, self.order = list(keys), tuple(order)

    def __call__(self, results):
        for key in self.keys:
            value = results[key]
            results[key] = value.permute(*self.order) if isinstance(value, torch.Tensor) \
                else value.transpose(self.order)
        return results

    def __repr__(self):
        return f'{type(self).__name__}(keys={self.keys}, order={self.order})'


@TRANSFORMS.register_module()
class ToHalf:
    """Cast ``results[key]`` to half precision (tensors to torch.half, arrays to float16).

    Updates: the keys given.
    """

    def __init__(self, keys):
        self.keys = list(keys)

    def __call__(self, results):
        for key in self.keys:
            value = results[key]
            results[key] = value.half() if isinstance(value, torch.Tensor) else \
                np.asarray(value).astype(np.float16)
        return results

    def __repr__(self):
        return f'{type(self).__name__}(keys={self.keys})'


@TRANSFORMS.register_module()
class ToNumpy:
    """Convert ``results[key]`` (tensor, list, number) to a numpy array.

    Updates: the keys given.
    """

    def __init__(self, keys=('img',), dtype=None):
        self.keys, self.dtype = list(keys), dtype

    def __call__(self, results):
        for key in self.keys:
            value = results[key]
            value = value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
            results[key] = value.astype(self.dtype) if self.dtype else value
        return results

    def __repr__(self):
        return f'{type(self).__name__}(keys={self.keys}, dtype={self.dtype})'


DEFAULT_META_KEYS = ('filename', 'ori_filename', 'ori_shape', 'img_shape', 'flip',
                     'flip_direction', 'img_norm_cfg')


@TRANSFORMS.register_module()
class Collect:
    """Keep only ``keys`` (what forward needs), plus ``img_metas``: the ``meta_keys`` present.

    Removes: every other key. Adds: img_metas (a dict; left out when ``meta_keys`` is empty).
    """

    def __init__(self, keys, meta_keys=DEFAULT_META_KEYS):
        self.keys, self.meta_keys = list(keys), tuple(meta_keys)

    def __call__(self, results):
        data = {}
        for key in self.keys:
            if key not in results:
                raise _missing(results, key, type(self).__name__)
            data[key] = results[key]
        if self.meta_keys:
            data['img_metas'] = {key: results[key] for key in self.meta_keys if key in results}
        return data

    def __repr__(self):
        return f'{type(self).__name__}(keys={self.keys}, meta_keys={self.meta_keys})'


@TRANSFORMS.register_module()
class MultiView:
    """Make several augmented views of one sample, for self-supervised learning (SimCLR, MoCo).

    ``pipelines[i]`` (a list of transform configs) runs ``num_views[i]`` times on its own
    copy of the sample. Updates: img, now a list of the views in that order.
    """

    def __init__(self, pipelines, num_views):
        if isinstance(num_views, int):
            num_views = [num_views] * len(pipelines)
        if len(num_views) != len(pipelines):
            raise ArgumentError(f'MultiView: {len(pipelines)} pipelines but num_views={num_views}')
        self.pipelines = [Compose(pipeline) for pipeline in pipelines]
        self.num_views = list(num_views)

    def __call__(self, results):
        views = []
        for pipeline, count in zip(self.pipelines, self.num_views):
            for _ in range(count):
                view = pipeline(dict(results))
                if view is None:
                    return None
                views.append(view['img'])
        results['img'] = views
        return results

    def __repr__(self):
        inner = ''.join(f'\n    {n} x {p!r}'.replace('\n', '\n    ')
                        for n, p in zip(self.num_views, self.pipelines))
        return f'{type(self).__name__}(num_views={self.num_views},{inner}\n)'
