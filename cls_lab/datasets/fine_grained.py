"""Fine-grained data sets from their own annotation files: CUB-200-2011 and Stanford Cars."""
import os.path as osp
from pathlib import Path

import numpy as np

from cls_lab.errors import ArgumentError
from cls_lab.registry import DATASETS
from .base_dataset import BaseDataset, read_class_names


def _lines(path, what):
    if not path or not osp.isfile(path):
        raise FileNotFoundError(f'{what} file {path!r} does not exist')
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def _sample(prefix, filename, label):
    return dict(img_prefix=prefix, img_info=dict(filename=filename),
                gt_label=np.array(label, dtype=np.int64))


@DATASETS.register_module()
class CUB(BaseDataset):
    """Caltech-UCSD Birds-200-2011 from ``images.txt``, ``image_class_labels.txt`` (1-based)
    and ``train_test_split.txt`` (1 = train); ``test_mode`` picks the test images.

    """

    CLASSES = read_class_names(Path(__file__).with_name('cub_classes.txt'))

    def __init__(self, *args, ann_file, image_class_labels_file, train_test_split_file, **kwargs):
        self.image_class_labels_file = image_class_labels_file
        self.train_test_split_file = train_test_split_file
        super().__init__(*args, ann_file=ann_file, **kwargs)

    def load_annotations(self):
        names = [row[1] for row in _lines(self.ann_file, 'CUB ann_file (images.txt)')]
        labels = [int(row[1]) - 1 for row in _lines(self.image_class_labels_file,
                                                    'CUB image_class_labels_file')]
        splits = [int(row[1]) for row in _lines(self.train_test_split_file,
                                                'CUB train_test_split_file')]
        if not len(names) == len(labels) == len(splits):
            raise ArgumentError(f'CUB: {len(names)} images, {len(labels)} labels and {len(splits)} '
                                'split entries; the three files should have same length (list '
                                'the same images)')
        return [_sample(self.data_prefix, name, label)
                for name, label, is_train in zip(names, labels, splits)
                if bool(is_train) != bool(self.test_mode)]


@DATASETS.register_module()
class StanfordCars(BaseDataset):
    """Stanford Cars (196 classes) from the devkit's .mat annotations (needs scipy).

    ``data_prefix`` holds cars_train/, cars_test/ and devkit/ (``cars_train_annos.mat``,
    ``cars_test_annos_withlabels.mat``); ``ann_file`` overrides the .mat file.
    """

    CLASSES = read_class_names(Path(__file__).with_name('stanford_cars_classes.txt'))

    def __init__(self, data_prefix, test_mode, ann_file=None, **kwargs):
        split = 'test' if test_mode else 'train'
        default = 'devkit/cars_test_annos_withlabels.mat' if test_mode else 'devkit/cars_train_annos.mat'
        self.mat_file = ann_file if ann_file is not None else osp.join(data_prefix, default)
        super().__init__(data_prefix=osp.join(data_prefix, f'cars_{split}'), ann_file=ann_file,
                         test_mode=test_mode, **kwargs)

    def load_annotations(self):
        try:
            import scipy.io
        except ImportError:
            raise ImportError('StanfordCars reads .mat files with scipy: pip install scipy') from None
        if not osp.isfile(self.mat_file):
            raise FileNotFoundError(f'StanfordCars: annotation file {self.mat_file} does not exist')
        annotations = scipy.io.loadmat(self.mat_file)['annotations'][0]
        return [_sample(self.data_prefix, str(item[5][0]), int(item[4][0][0]) - 1)
                for item in annotations]
