"""Datasets, data pipelines and loaders: ``build_dataset(cfg)``, ``build_dataloader(dataset, ...)``."""
from . import pipelines  # noqa: F401  (fills TRANSFORMS)
from .base_dataset import BaseDataset
from .builder import build_dataloader, build_dataset, build_sampler, collate, worker_init_fn
from .cifar import CIFAR10, CIFAR100
from .custom import CustomDataset, Filelist, ImageNet
from .fine_grained import CUB, StanfordCars
from .imagenet21k import ImageNet21k
from .mnist import MNIST, FashionMNIST
from .multi_label import VOC, MultiLabelDataset
from .multi_label_metrics import average_performance, mAP
from .metrics import evaluate_classification
from .samplers import SAMPLERS, EpochIndex, EpochSampler, RepeatAugSampler, get_dist_info
from .wrappers import ClassBalancedDataset, ConcatDataset, KFoldDataset, RepeatDataset
from .selfsup import SelfSupDataset
from cls_lab.registry import DATASETS, PIPELINES, TRANSFORMS

__all__ = ['BaseDataset', 'SelfSupDataset', 'CustomDataset', 'ImageNet', 'Filelist', 'CIFAR10', 'CIFAR100',
           'RepeatDataset', 'ClassBalancedDataset', 'ConcatDataset', 'KFoldDataset', 'build_dataset',
           'MultiLabelDataset', 'VOC', 'MNIST', 'FashionMNIST', 'CUB', 'StanfordCars', 'ImageNet21k',
           'mAP', 'average_performance',
           'build_dataloader', 'build_sampler', 'get_dist_info', 'collate', 'worker_init_fn',
           'EpochSampler', 'EpochIndex',
           'RepeatAugSampler', 'SAMPLERS',
           'evaluate_classification', 'DATASETS', 'PIPELINES', 'TRANSFORMS']
