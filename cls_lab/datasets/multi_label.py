"""MultiLabelDataset (a 0/1/-1 vector per image) and VOC (Pascal VOC 2007 classification)."""
import os.path as osp
import xml.etree.ElementTree as ET

import numpy as np

from cls_lab.errors import ArgumentError
from cls_lab.registry import DATASETS
from .base_dataset import BaseDataset
from .metrics import as_set_text
from .multi_label_metrics import average_performance, mAP

MULTI_LABEL_METRICS = ('mAP', 'CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')


@DATASETS.register_module()
class MultiLabelDataset(BaseDataset):
    """A dataset whose ``gt_label`` is a vector over the classes: 1 yes, 0 no, -1 difficult.

    A subclass writes ``load_annotations``; ``evaluate`` gives mAP and CP/CR/CF1/OP/OR/OF1
    (``metric_options=dict(thr=0.5)`` or ``dict(k=3)``).
    """

    def check_labels(self):
        for index, info in enumerate(self.data_infos or []):
            label = np.asarray(info['gt_label'])
            if label.ndim != 1 or (self.CLASSES is not None and len(label) != len(self.CLASSES)) \
                    or not np.isin(label, (-1, 0, 1)).all():
                raise ArgumentError(f'{type(self).__name__}: sample {index} has gt_label {label}; '
                                    f'expected {len(self.CLASSES or [])} values in {{-1, 0, 1}}')

    def get_gt_labels(self):
        return np.array([info['gt_label'] for info in self.data_infos])

    def get_cat_ids(self, idx):
        """The classes present in sample ``idx``."""
        return np.where(self.data_infos[idx]['gt_label'] == 1)[0].tolist()

    def evaluate(self, results, metric='mAP', metric_options=None, indices=None, logger=None):
        """``{'mAP': ..., 'CP': ..., ...}`` (percent) of score rows ``results`` (one per sample)."""
        metrics = [metric] if isinstance(metric, str) else list(metric)
        unknown = [m for m in metrics if m not in MULTI_LABEL_METRICS]
        if unknown:
            raise ArgumentError(f'metric {as_set_text(unknown)} is not supported for '
                                f'multi-label; choose from {list(MULTI_LABEL_METRICS)}')
        gt_labels = self.get_gt_labels()
        if indices is not None:
            gt_labels = gt_labels[indices]
        results = np.vstack(results)
        if len(results) != len(gt_labels):
            raise ArgumentError(f'{type(self).__name__}.evaluate: {len(results)} results for '
                                f'{len(gt_labels)} samples')
        eval_results = {}
        if 'mAP' in metrics:
            eval_results['mAP'] = float(mAP(results, gt_labels))
        if set(metrics) - {'mAP'}:
            values = average_performance(results, gt_labels, **(metric_options or {'thr': 0.5}))
            eval_results.update({key: float(value) for key, value in
                                 zip(MULTI_LABEL_METRICS[1:], values) if key in metrics})
        if logger is not None:
            logger.info(f'Evaluation of {type(self).__name__}: ' +
                        ', '.join(f'{k}: {v:.2f}' for k, v in eval_results.items()))
        return eval_results


@DATASETS.register_module()
class VOC(MultiLabelDataset):
    """Pascal VOC 2007 as multi-label classification, read from the VOC folder layout.

    ``data_prefix`` is the VOC2007 folder (JPEGImages/, Annotations/), ``ann_file`` an image
    id list (ImageSets/Main/trainval.txt). A class marked difficult gets -1, or 1/0 with
    ``difficult_as_postive=True/False`` (mmcls's spelling).
    """

    CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
               'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant',
               'sheep', 'sofa', 'train', 'tvmonitor')

    def __init__(self, difficult_as_postive=None, **kwargs):
        self.difficult_as_postive = difficult_as_postive
        super().__init__(**kwargs)
        if 'VOC2007' not in self.data_prefix:
            raise ArgumentError(f'VOC: cannot tell the year from data_prefix {self.data_prefix!r} '
                                '(expected a path containing VOC2007)')
        self.year = 2007

    def load_annotations(self):
        if not self.ann_file or not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'VOC: ann_file {self.ann_file!r} (an image id list such as '
                                    'ImageSets/Main/trainval.txt) does not exist')
        with open(self.ann_file) as f:
            image_ids = [line.strip() for line in f if line.strip()]
        index = {name: i for i, name in enumerate(self.CLASSES)}
        infos = []
        for image_id in image_ids:
            xml_path = osp.join(self.data_prefix, 'Annotations', f'{image_id}.xml')
            if not osp.isfile(xml_path):
                raise FileNotFoundError(f'VOC: annotation {xml_path} of image {image_id} '
                                        f'(listed in {self.ann_file}) does not exist')
            present, difficult = [], []
            for obj in ET.parse(xml_path).getroot().findall('object'):
                name = obj.find('name').text
                if name in index:
                    (difficult if int(obj.find('difficult').text) else present).append(index[name])
            label = np.zeros(len(self.CLASSES))
            label[difficult] = {None: -1, True: 1, False: 0}[self.difficult_as_postive]
            label[present] = 1
            infos.append(dict(img_prefix=self.data_prefix,
                              img_info=dict(filename=f'JPEGImages/{image_id}.jpg'),
                              gt_label=label.astype(np.int8)))
        return infos
