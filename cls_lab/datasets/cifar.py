"""CIFAR-10 / CIFAR-100 from the python pickle batches, unpickled safely (numpy arrays only).

Get the data by hand (nothing is downloaded): unpack cifar-10-python.tar.gz or
cifar-100-python.tar.gz into ``data_prefix``. Images are HWC uint8 **RGB** (``to_rgb=False``).
"""
import hashlib
import io
import pickle
import warnings
from pathlib import Path

import numpy as np

from cls_lab.registry import DATASETS
from .base_dataset import BaseDataset


class SafeUnpickler(pickle.Unpickler):
    """An Unpickler that only rebuilds numpy arrays, scalars and dtypes: no other code can run."""

    ALLOWED = {('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
               ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar'),
               ('numpy', 'ndarray'), ('numpy', 'dtype'), ('_codecs', 'encode')}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f'refusing to load {module}.{name} from a CIFAR batch '
                                         '(only numpy arrays are allowed)')
        return super().find_class(module, name)


def load_batch(path):
    """Read one pickle batch with SafeUnpickler (latin1 decodes the Python 2 strings)."""
    with open(path, 'rb') as f:
        return SafeUnpickler(io.BytesIO(f.read()), encoding='latin1').load()


def md5sum(path):
    digest = hashlib.md5()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


@DATASETS.register_module()
class CIFAR10(BaseDataset):
    """CIFAR-10: ``data_prefix/cifar-10-batches-py/`` with data_batch_1..5, test_batch, batches.meta.

    ``test_mode=True`` reads the test batch. Each sample holds ``img`` (32x32x3 RGB) and ``gt_label``.
    """

    base_folder = 'cifar-10-batches-py'
    url = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'
    train_list = [('data_batch_1', 'c99cafc152244af753f735de768cd75f'),
                  ('data_batch_2', 'd4bba439e000b95fd0a9bffe97cbabec'),
                  ('data_batch_3', '54ebc095f3ab1f0389bbae665268c751'),
                  ('data_batch_4', '634d18415352ddfa80567beed471001a'),
                  ('data_batch_5', '482c414d41f54cd18b22e5b47cb7c3cb')]
    test_list = [('test_batch', '40351d587109b95175f43aff81a1287e')]
    meta = dict(filename='batches.meta', key='label_names', md5='5ff9c542aee3614f3951f8cda6e48888')
    label_key = 'labels'
    CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship',
               'truck']

    def __init__(self, data_prefix, pipeline=(), classes=None, ann_file=None, test_mode=False,
                 skip_broken=False):
        self._classes_given = classes is not None
        super().__init__(data_prefix, list(pipeline), classes, ann_file, test_mode, skip_broken)

    def _folder(self):
        folder = Path(self.data_prefix) / self.base_folder
        names = [name for name, _ in self.train_list + self.test_list] + [self.meta['filename']]
        missing = [name for name in names if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(
                f'{type(self).__name__}: {folder} lacks {", ".join(missing)}. Download {self.url} '
                f'by hand and unpack it into {self.data_prefix}, so that {folder}/ holds '
                f'{", ".join(names)}.')
        return folder

    def _read(self, folder, name, md5):
        path = folder / name
        if md5sum(path) != md5:
            warnings.warn(f'{type(self).__name__}: {path} does not have the md5 of the official '
                          f'release ({md5}); using it anyway')
        return load_batch(path)

    def load_annotations(self):
        folder = self._folder()
        files = self.test_list if self.test_mode else self.train_list
        images, labels = [], []
        for name, md5 in files:
            entry = self._read(folder, name, md5)
            images.append(np.asarray(entry['data'], dtype=np.uint8).reshape(-1, 3, 32, 32))
            labels.extend(entry[self.label_key])
        images = np.concatenate(images).transpose(0, 2, 3, 1)   # N, H, W, C (RGB)
        if not self._classes_given:
            self.CLASSES = list(self._read(folder, self.meta['filename'], self.meta['md5'])
                                [self.meta['key']])
        return [dict(img=np.ascontiguousarray(img), gt_label=np.array(label, dtype=np.int64))
                for img, label in zip(images, labels)]


@DATASETS.register_module()
class CIFAR100(CIFAR10):
    """CIFAR-100 (fine labels): ``data_prefix/cifar-100-python/`` with train, test and meta."""

    base_folder = 'cifar-100-python'
    url = 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz'
    train_list = [('train', '16019d7e3df5f24257cddd939b257f8d')]
    test_list = [('test', 'f0ef6b0ae62326f3e7ffdfab6717acfc')]
    meta = dict(filename='meta', key='fine_label_names', md5='7973b15100ade9c7d40fb424638fde48')
    label_key = 'fine_labels'
    CLASSES = None   # read from the meta file
