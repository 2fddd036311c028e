"""BaseDataset: a list of sample dicts (``data_infos``) plus a pipeline that turns one into model input.

A subclass only writes ``load_annotations()``; reading, augmenting and evaluating are here.
"""
import copy
import warnings
from abc import ABCMeta, abstractmethod
from os import PathLike

import numpy as np
from torch.utils.data import Dataset

from cls_lab.errors import ArgumentError
from .metrics import evaluate_classification
from .pipelines import Compose
from .pipelines.loading import ImageDecodeError
from .samplers import reseed_worker_for


def read_class_names(path):
    """The non-empty lines of a text file: one class name per line."""
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]


class BaseDataset(Dataset, metaclass=ABCMeta):
    """Samples are ``data_infos[i]`` dicts (img_prefix, img_info=dict(filename=...), gt_label).

    ``classes`` (a list, or a file with a name per line) overrides the class ``CLASSES``;
    ``skip_broken=True`` replaces an unreadable image by the next good sample (with a warning).
    """

    CLASSES = None

    def __init__(self, data_prefix, pipeline, classes=None, ann_file=None, test_mode=False,
                 skip_broken=False):
        super().__init__()
        self.data_prefix = str(data_prefix) if isinstance(data_prefix, PathLike) else data_prefix
        self.ann_file = str(ann_file) if isinstance(ann_file, PathLike) else ann_file
        self.pipeline = Compose(pipeline)
        self.CLASSES = self.get_classes(classes)
        self.test_mode = test_mode
        self.skip_broken = skip_broken
        self.num_skipped = 0
        self.data_infos = self.load_annotations()
        self.check_labels()

    @abstractmethod
    def load_annotations(self):
        """Return the list of sample dicts, such as ``dict(img_prefix=..., img_info=dict(
        filename=...), gt_label=np.array(label, dtype=np.int64))``. Every dataset writes it
        (an abstract method, as in mmcls: a class without it cannot be instantiated)."""

    @classmethod
    def get_classes(cls, classes=None):
        """The class names: None keeps ``cls.CLASSES``, a str/path is read as a file (a list), a
        list or tuple is kept as given (as mmcls)."""
        if classes is None:
            return cls.CLASSES
        if isinstance(classes, (str, PathLike)):
            return read_class_names(classes)
        if isinstance(classes, (list, tuple)):
            return classes
        raise ArgumentError(f'classes must be a list of names or a file path, got type '
                            f'{type(classes)}: {classes!r}')

    def check_labels(self):
        """Every gt_label must be in [0, num_classes): name the first sample that is not."""
        num_classes = len(self.CLASSES) if self.CLASSES is not None else None
        for index, info in enumerate(self.data_infos or []):   # None: a stub load_annotations
            label = int(info['gt_label'])
            if label < 0 or (num_classes is not None and label >= num_classes):
                where = info.get('img_info', {}).get('filename', f'index {index}')
                bound = f'[0, {num_classes})' if num_classes is not None else '>= 0'
                raise ArgumentError(f'{type(self).__name__}: sample {index} ({where}) has label '
                                    f'{label}, which is not in {bound}')

    @property
    def class_to_idx(self):
        """``{class name: index}``."""
        return {name: index for index, name in enumerate(self.CLASSES or [])}

    def get_gt_labels(self):
        """The labels of all samples, an int64 array."""
        return np.array([info['gt_label'] for info in self.data_infos], dtype=np.int64)

    def get_cat_ids(self, idx):
        """The categories of sample ``idx`` as a list (used by ClassBalancedDataset)."""
        return [int(self.data_infos[idx]['gt_label'])]

    def prepare_data(self, idx):
        """Run the pipeline on a copy of sample ``idx``, so the stored sample never changes."""
        return self.pipeline(copy.deepcopy(self.data_infos[idx]))

    def __getitem__(self, idx):
        reseed_worker_for(idx)   # a new epoch in a loader worker: fresh augmentation seeds
        if not self.skip_broken:
            try:
                return self.prepare_data(idx)
            except ImageDecodeError as error:
                raise ImageDecodeError(f'{error}. To skip such images set skip_broken=True in '
                                       'the dataset config (e.g. data.train.skip_broken=True); '
                                       'python -m cls_lab verify-dataset CONFIG lists them '
                                       'all') from error
        for step in range(len(self)):
            index = (idx + step) % len(self)
            try:
                return self.prepare_data(index)
            except OSError as error:   # unreadable or undecodable image
                self.num_skipped += 1
                warnings.warn(f'{type(self).__name__}: skipped broken sample {index} ({error}); '
                              f'{self.num_skipped} skipped so far in this process')
        raise OSError(f'{type(self).__name__}: every sample is broken')

    def __len__(self):
        return len(self.data_infos)

    def evaluate(self, results, metric='accuracy', metric_options=None, indices=None, logger=None):
        """Score ``results`` (one score array per sample, in dataset order) against the labels.

        Returns mmcls 0.x keys: ``accuracy_top-1``, ``accuracy_top-5``, ``precision``, ... (percent).
        """
        gt_labels = self.get_gt_labels()
        if indices is not None:
            gt_labels = gt_labels[indices]
        if len(results) != len(gt_labels):
            raise ArgumentError(f'{type(self).__name__}.evaluate: {len(results)} results for '
                                f'{len(gt_labels)} samples')
        eval_results = evaluate_classification(results, gt_labels, metric, metric_options)
        if logger is not None:
            text = ', '.join(f'{k}: {v:.2f}' if isinstance(v, float) else f'{k}: {v}'
                             for k, v in eval_results.items())
            logger.info(f'Evaluation of {type(self).__name__}: {text}')
        return eval_results

    def __repr__(self):
        classes = 'None' if self.CLASSES is None else f'{len(self.CLASSES)} classes'
        return (f'{type(self).__name__}(data_prefix={self.data_prefix!r}, '
                f'ann_file={self.ann_file!r}, {len(self)} samples, {classes})')
