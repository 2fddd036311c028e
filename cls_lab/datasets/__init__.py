"""Datasets, data pipelines and loaders: ``build_dataset(cfg)``, ``build_dataloader(dataset, ...)``."""
from . import pipelines  # noqa: F401  (fills TRANSFORMS)
from .base_dataset import BaseDataset
from .builder import build_dataloader, build_dataset, collate, worker_init_fn
from .cifar import CIFAR10, CIFAR100
from .custom import CustomDataset, Filelist, ImageNet
from .metrics import evaluate_classification
from .samplers import EpochSampler
from .wrappers import ClassBalancedDataset, ConcatDataset, RepeatDataset
from .selfsup import SelfSupDataset
from cls_lab.registry import DATASETS, PIPELINES, TRANSFORMS

__all__ = ['BaseDataset', 'SelfSupDataset', 'CustomDataset', 'ImageNet', 'Filelist', 'CIFAR10', 'CIFAR100',
           'RepeatDataset', 'ClassBalancedDataset', 'ConcatDataset', 'build_dataset',
           'build_dataloader', 'collate', 'worker_init_fn', 'EpochSampler',
           'evaluate_classification', 'DATASETS', 'PIPELINES', 'TRANSFORMS']
