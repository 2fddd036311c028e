"""Dataset wrappers: repeat a dataset, re-balance its classes, or chain several datasets."""
import bisect
import math
from collections import defaultdict

import numpy as np
from torch.utils.data import ConcatDataset as _TorchConcatDataset

from cls_lab.errors import ArgumentError
from cls_lab.registry import DATASETS
from .samplers import reseed_worker_for


@DATASETS.register_module()
class RepeatDataset:
    """``dataset`` seen ``times`` times per epoch: fewer, longer epochs for small datasets."""

    def __init__(self, dataset, times):
        if times < 1:
            raise ArgumentError(f'RepeatDataset: times must be >= 1, got {times}')
        self.dataset, self.times = dataset, int(times)
        self.CLASSES = dataset.CLASSES
        self._ori_len = len(dataset)

    def __getitem__(self, idx):
        reseed_worker_for(idx)
        return self.dataset[idx % self._ori_len]

    def get_cat_ids(self, idx):
        return self.dataset.get_cat_ids(idx % self._ori_len)

    def __len__(self):
        return self.times * self._ori_len

    def evaluate(self, *args, **kwargs):
        raise NotImplementedError('RepeatDataset is for training; evaluate the wrapped dataset '
                                  '(RepeatDataset.dataset.evaluate) instead')


@DATASETS.register_module()
class ClassBalancedDataset:
    """Repeat the samples of rare classes (Gupta et al., LVIS 2019).

    With f(c) the share of samples containing class c, r(c) = max(1, sqrt(oversample_thr / f(c)));
    sample i is repeated ceil(max over its classes of r(c)) times.
    """

    def __init__(self, dataset, oversample_thr):
        self.dataset, self.oversample_thr = dataset, oversample_thr
        self.CLASSES = dataset.CLASSES
        factors = self.repeat_factors(dataset, oversample_thr)
        self.repeat_indices = [index for index, factor in enumerate(factors)
                               for _ in range(math.ceil(factor))]

    @staticmethod
    def repeat_factors(dataset, oversample_thr):
        """The repeat factor of each sample, from the class frequencies."""
        cat_ids = [set(dataset.get_cat_ids(i)) for i in range(len(dataset))]
        counts = defaultdict(int)
        for ids in cat_ids:
            for cat in ids:
                counts[cat] += 1
        category_factor = {cat: max(1.0, math.sqrt(oversample_thr / (count / len(dataset))))
                           for cat, count in counts.items()}
        return [max((category_factor[cat] for cat in ids), default=1.0) for ids in cat_ids]

    def __getitem__(self, idx):
        reseed_worker_for(idx)
        return self.dataset[self.repeat_indices[idx]]

    def get_cat_ids(self, idx):
        return self.dataset.get_cat_ids(self.repeat_indices[idx])

    def __len__(self):
        return len(self.repeat_indices)

    def evaluate(self, *args, **kwargs):
        raise NotImplementedError('ClassBalancedDataset is for training; evaluate the wrapped '
                                  'dataset instead')


@DATASETS.register_module()
class ConcatDataset(_TorchConcatDataset):
    """Several datasets one after another; ``CLASSES`` come from the first.

    ``evaluate`` scores each part on its own (keys ``'0_accuracy_top-1'``, ...) when
    ``separate_eval``, else all results together against all labels.
    """

    def __init__(self, datasets, separate_eval=True):
        super().__init__(datasets)
        self.CLASSES = datasets[0].CLASSES
        self.separate_eval = separate_eval

    def __getitem__(self, idx):
        reseed_worker_for(idx)
        return super().__getitem__(idx)

    def get_cat_ids(self, idx):
        if idx < 0:
            idx += len(self)
        part = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[part - 1] if part else 0
        return self.datasets[part].get_cat_ids(idx - start)

    def get_gt_labels(self):
        return np.concatenate([dataset.get_gt_labels() for dataset in self.datasets])

    def evaluate(self, results, metric='accuracy', metric_options=None, indices=None, logger=None):
        if len(results) != len(self):
            raise ArgumentError(f'ConcatDataset.evaluate: {len(results)} results for {len(self)} samples')
        if not self.separate_eval:
            from .metrics import evaluate_classification
            return evaluate_classification(results, self.get_gt_labels(), metric, metric_options)
        eval_results, start = {}, 0
        for part, (dataset, end) in enumerate(zip(self.datasets, self.cumulative_sizes)):
            scores = dataset.evaluate(results[start:end], metric, metric_options, logger=logger)
            eval_results.update({f'{part}_{key}': value for key, value in scores.items()})
            start = end
        return eval_results


@DATASETS.register_module()
class KFoldDataset:
    """Fold ``fold`` of ``num_splits`` for cross-validation: its test part, or the rest.

    ``seed`` (an int) shuffles the sample order first (numpy's default_rng), as mmcls.
    """

    def __init__(self, dataset, fold=0, num_splits=5, test_mode=False, seed=None):
        if not 0 <= fold < num_splits:
            raise ArgumentError(f'KFoldDataset: fold must be in [0, {num_splits}), got {fold}')
        self.dataset, self.CLASSES = dataset, dataset.CLASSES
        self.test_mode, self.num_splits, self.fold = test_mode, num_splits, fold
        indices = list(range(len(dataset)))
        if isinstance(seed, int):
            np.random.default_rng(seed).shuffle(indices)
        start, end = len(dataset) * fold // num_splits, len(dataset) * (fold + 1) // num_splits
        self.indices = indices[start:end] if test_mode else indices[:start] + indices[end:]

    def get_cat_ids(self, idx):
        return self.dataset.get_cat_ids(self.indices[idx])

    def get_gt_labels(self):
        return self.dataset.get_gt_labels()[self.indices]

    def __getitem__(self, idx):
        reseed_worker_for(idx)
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)

    def evaluate(self, *args, **kwargs):
        return self.dataset.evaluate(*args, indices=self.indices, **kwargs)
