"""CustomDataset (class folders or an annotation list), ImageNet and the tutorial's Filelist."""
import os
import os.path as osp
from pathlib import Path

import numpy as np

from cls_lab.errors import ArgumentError, DataError
from cls_lab.registry import DATASETS
from .base_dataset import BaseDataset, read_class_names

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')


def sample_info(prefix, filename, label):
    """One entry of ``data_infos``, the shape every dataset here uses."""
    return dict(img_prefix=prefix, img_info=dict(filename=filename),
                gt_label=np.array(label, dtype=np.int64))


def read_ann_file(ann_file):
    """Lines ``<filename> <label>`` -> [(filename, label)]; a bad line names the file and line."""
    pairs = []
    with open(ann_file, encoding='utf-8') as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            parts = line.strip().rsplit(maxsplit=1)
            try:
                if len(parts) != 2:
                    raise ValueError
                pairs.append((parts[0], int(parts[1])))
            except ValueError:
                raise ArgumentError(f'{ann_file}, line {number}: expected "<filename> <label>" with '
                                    f'an integer label, got {line.rstrip()!r}') from None
    return pairs


@DATASETS.register_module()
class CustomDataset(BaseDataset):
    """Images in class folders ``data_prefix/<class>/*.png`` (classes sorted) or listed in ``ann_file``.

    With folders, labels are the positions of the folder names in ``classes`` when every
    given class is a folder, else in the sorted folder list. ``extensions`` filters files.
    """

    def __init__(self, data_prefix, pipeline=(), classes=None, ann_file=None,
                 extensions=IMG_EXTENSIONS, test_mode=False, skip_broken=False):
        self.extensions = tuple(ext.lower() for ext in extensions)
        super().__init__(data_prefix, list(pipeline), classes, ann_file, test_mode, skip_broken)

    def load_annotations(self):
        if self.ann_file is not None:
            if not isinstance(self.ann_file, str):
                raise ArgumentError(f'{type(self).__name__}: ann_file must be a str (a path), got '
                                    f'{self.ann_file!r}')
            return [sample_info(self.data_prefix, name, label)
                    for name, label in read_ann_file(self.ann_file)]
        return self._scan_folders()

    def _scan_folders(self):
        root = Path(self.data_prefix)
        if not root.is_dir():
            raise FileNotFoundError(f'{type(self).__name__}: data_prefix {root} is not a folder '
                                    '(expected one sub-folder of images per class)')
        folders = sorted(entry.name for entry in os.scandir(root) if entry.is_dir())
        if self.CLASSES is None:
            self.CLASSES = folders
        elif set(self.CLASSES) <= set(folders):
            folders = list(self.CLASSES)       # the user's classes pick and order the folders
        elif self.CLASSES is not type(self).CLASSES:   # given by the user: a typo mislabels
            missing = sorted(set(self.CLASSES) - set(folders))
            raise ArgumentError(f'{type(self).__name__}: classes {missing} have no folder in {root} '
                                f'(folders: {folders}); fix classes= or the folder names')
        # else: a dataset's built-in names (ImageNet's) label the sorted folders in order
        if not folders:
            raise DataError(f'{type(self).__name__}: {root} has no class folders (expected '
                            f'{root}/<class name>/<image>, one folder per class)')
        infos = []
        for label, folder in enumerate(folders):
            found = len(infos)
            for dirpath, _, files in sorted(os.walk(root / folder, followlinks=True)):
                for name in sorted(files):
                    if name.lower().endswith(self.extensions):
                        relative = osp.relpath(osp.join(dirpath, name), root)
                        infos.append(sample_info(self.data_prefix, relative, label))
            if len(infos) == found:   # mmcls would make it a class nothing can be learnt of
                raise DataError(f'{type(self).__name__}: class folder {root / folder} has no '
                                f'images with extensions {self.extensions}; add images, remove '
                                'the folder, or list the classes to use with classes=')
        return infos


@DATASETS.register_module()
class ImageNet(CustomDataset):
    """ILSVRC-2012: CustomDataset with the 1000 ImageNet class names as ``CLASSES``.

    Without ``classes=``, the folders must be the 1000 ImageNet classes (as mmcls checks):
    other folders would silently take ImageNet's names. Pass ``classes=`` for a subset.
    """

    CLASSES = read_class_names(Path(__file__).with_name('imagenet_classes.txt'))

    def _scan_folders(self):
        root = Path(self.data_prefix)
        if self.CLASSES is type(self).CLASSES and root.is_dir():
            count = sum(1 for entry in os.scandir(root) if entry.is_dir())
            if count != len(self.CLASSES):
                raise ArgumentError(f"ImageNet: {root}: the number of class folders ({count}) "
                                    f"doesn't match the number of specified classes "
                                    f'({len(self.CLASSES)}); pass classes=[...] (the folder '
                                    'names) for a subset, or use type=CustomDataset')
        return super()._scan_folders()


@DATASETS.register_module()
class Filelist(BaseDataset):
    """The tutorial's example: ``ann_file`` lines like ``000001.jpg 0``, images under data_prefix."""

    def load_annotations(self):
        if not isinstance(self.ann_file, str):
            raise ArgumentError(f'Filelist needs ann_file, a path to a list file; got {self.ann_file!r}')
        data_infos = []
        with open(self.ann_file) as f:
            lines = f.readlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            sample = line.strip().split(' ')
            if len(sample) != 2 or not sample[1].lstrip('-').isdigit():
                raise ArgumentError(f'{self.ann_file}, line {number}: expected "<filename> <label>", '
                                    f'got {line.rstrip()!r}')
            filename, gt_label = sample
            info = {'img_prefix': self.data_prefix}
            info['img_info'] = {'filename': filename}
            info['gt_label'] = np.array(int(gt_label), dtype=np.int64)
            data_infos.append(info)
        return data_infos
