"""ImageNet-21k: a CustomDataset (class folders or an ann_file list) without built-in names."""
import warnings

from cls_lab.errors import ArgumentError
from cls_lab.registry import DATASETS
from .custom import CustomDataset


@DATASETS.register_module()
class ImageNet21k(CustomDataset):
    """ImageNet-21k as mmcls 0.25: folders or ``ann_file``; ``multi_label`` is not supported.

    ``serialize_data`` and ``file_client_args`` are accepted for config compatibility (the
    samples live in one list either way; the pipeline's loader picks the file backend).
    """

    IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif')

    def __init__(self, data_prefix, pipeline=(), classes=None, ann_file=None,
                 serialize_data=True, multi_label=False, recursion_subdir=True, test_mode=False,
                 file_client_args=None):
        if not recursion_subdir:
            raise ArgumentError('ImageNet21k(recursion_subdir=False) is not supported: images '
                                'are always found in every sub-folder')
        if multi_label:
            raise NotImplementedError('ImageNet21k(multi_label=True) is not supported')
        if ann_file is None:
            warnings.warn('ImageNet21k: scanning the folders of a large data set is slow; '
                          'give ann_file= to start faster')
        if classes is None:
            warnings.warn('ImageNet21k has no built-in class names; give classes= to name '
                          'the predictions')
        self.multi_label, self.serialize_data = multi_label, serialize_data
        super().__init__(data_prefix, pipeline, classes, ann_file, self.IMG_EXTENSIONS, test_mode)
