"""MNIST and Fashion-MNIST from the four idx files a user puts in ``data_prefix`` (no download).

    data_prefix/train-images-idx3-ubyte  train-labels-idx1-ubyte
                t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte     (each may also end in .gz)

Each sample holds ``img`` (28x28 uint8, grey) and ``gt_label``, as in mmcls 0.25.
"""
import gzip
import os.path as osp

import numpy as np

from cls_lab.errors import ArgumentError
from cls_lab.registry import DATASETS
from .base_dataset import BaseDataset

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype('>i2'), 0x0C: np.dtype('>i4'),
              0x0D: np.dtype('>f4'), 0x0E: np.dtype('>f8')}


def read_idx(path):
    """An idx file (optionally gzipped) as a numpy array of its shape and type."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ArgumentError(f'{path} is not an idx file (bad magic number {data[:4].hex()})')
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    array = np.frombuffer(data, dtype=_IDX_TYPES[data[2]], offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise ArgumentError(f'{path}: header says {shape}, but it holds {array.size} values')
    return array.reshape(shape).astype(array.dtype.newbyteorder('='))


@DATASETS.register_module()
class MNIST(BaseDataset):
    """MNIST digits: ``test_mode=True`` reads the t10k files. Missing files are an error."""

    CLASSES = ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six',
               '7 - seven', '8 - eight', '9 - nine']
    files = {False: ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
             True: ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')}

    def _path(self, name):
        for candidate in (name, name + '.gz'):
            path = osp.join(self.data_prefix, candidate)
            if osp.isfile(path):
                return path
        raise FileNotFoundError(f'{type(self).__name__}: {name} (or {name}.gz) is not in '
                                f'{self.data_prefix}; cls_lab never downloads: put the idx files '
                                'of the data set there')

    def load_annotations(self):
        images_name, labels_name = self.files[bool(self.test_mode)]
        images, labels = read_idx(self._path(images_name)), read_idx(self._path(labels_name))
        if len(images) != len(labels) or images.ndim != 3:
            raise ArgumentError(f'{type(self).__name__}: {len(images)} images of shape '
                                f'{images.shape[1:]} but {len(labels)} labels in {self.data_prefix}')
        return [dict(img=img, gt_label=np.array(label, dtype=np.int64))
                for img, label in zip(images, labels)]


@DATASETS.register_module()
class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): the MNIST file layout with 10 clothing classes."""

    CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
               'Sneaker', 'Bag', 'Ankle boot']
