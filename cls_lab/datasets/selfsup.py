"""SelfSupDataset: any classification dataset with its labels hidden, for self-supervised training.

The images and their order come from the wrapped dataset; the pipeline is usually a
``MultiView`` making two augmented views per image, and ``gt_label`` never reaches the model.
"""
import copy

from cls_lab.errors import ArgumentError
from cls_lab.registry import DATASETS


@DATASETS.register_module()
class SelfSupDataset:
    """Wrap ``dataset`` (a config or a built dataset); ``pipeline`` replaces its pipeline.

    Each sample is the wrapped sample without ``gt_label``; ``with_idx=True`` adds ``idx``,
    the sample's position, which memory-bank algorithms (NPID) need.
    """

    CLASSES = None      # no labels: checkpoints of a self-supervised run name no classes

    def __init__(self, dataset, pipeline=None, with_idx=False):
        from .builder import build_dataset
        if isinstance(dataset, dict):
            dataset = copy.deepcopy(dataset)
            if pipeline is not None:
                dataset['pipeline'] = pipeline
            dataset = build_dataset(dataset)
        elif pipeline is not None:
            raise ArgumentError('SelfSupDataset: pass pipeline= only with a dataset config; a built '
                                'dataset keeps its own pipeline')
        self.dataset, self.with_idx = dataset, with_idx

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, idx):
        sample = self.dataset[idx]
        if sample is None:
            return None
        sample = {key: value for key, value in sample.items() if key != 'gt_label'}
        if self.with_idx:
            sample['idx'] = idx
        return sample

    def evaluate(self, *args, **kwargs):
        raise NotImplementedError('SelfSupDataset has no labels to evaluate against; evaluate a '
                                  'linear probe on the labelled dataset instead '
                                  '(configs/selfsup/linear-probe_*.py)')

    def __repr__(self):
        return (f'{type(self).__name__}(len={len(self)}, with_idx={self.with_idx}, '
                f'dataset={type(self.dataset).__name__})')
