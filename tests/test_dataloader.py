"""build_dataloader: order set by (seed, epoch) only, seeded workers, collate of metas and views."""
import numpy as np
import torch

from cls_lab.datasets import BaseDataset, EpochSampler, build_dataloader, collate
from cls_lab.registry import DATASETS


@DATASETS.register_module(force=True)
class IndexDataset(BaseDataset):
    """Sample i is a 2x2 image of value i; the pipeline may add randomness."""

    def __init__(self, n=24, pipeline=()):
        self.n = n
        super().__init__(data_prefix=None, pipeline=list(pipeline))

    def load_annotations(self):
        return [dict(img=np.full((2, 2, 3), i, np.uint8), gt_label=np.array(i % 3, dtype=np.int64),
                     filename=f'{i}.png') for i in range(self.n)]


class NoiseTag:
    """Adds a random number from numpy, so worker seeding is visible in the batch."""

    def __call__(self, results):
        results['noise'] = np.random.randint(1 << 30)
        return results


PIPELINE = [dict(type='ImageToTensor', keys=['img']), dict(type='ToTensor', keys=['gt_label']),
            dict(type='Collect', keys=['img', 'gt_label'], meta_keys=('filename',))]


def order(loader, epoch):
    loader.sampler.set_epoch(epoch)
    return [int(v) for batch in loader for v in batch['img'][:, 0, 0, 0]]


def test_order_depends_only_on_seed_and_epoch():
    dataset = IndexDataset(pipeline=PIPELINE)
    small = build_dataloader(dataset, 4, 0, seed=7)
    large = build_dataloader(dataset, 5, 0, seed=7)
    assert order(small, 3) == order(large, 3)               # not on the batch size
    assert order(small, 3) == order(build_dataloader(dataset, 4, 0, seed=7), 3)   # a "resumed" run
    assert order(small, 3) != order(small, 4)               # reshuffled each epoch
    assert order(small, 3) != order(build_dataloader(dataset, 4, 0, seed=8), 3)
    assert sorted(order(small, 0)) == list(range(24))
    assert order(build_dataloader(dataset, 4, 0, shuffle=False), 0) == list(range(24))


def test_order_with_workers_equals_order_without():
    dataset = IndexDataset(pipeline=PIPELINE)
    assert order(build_dataloader(dataset, 4, 2, seed=1), 2) == \
        order(build_dataloader(dataset, 4, 0, seed=1), 2)


def test_sampler_moves_on_when_set_epoch_is_never_called():
    sampler = EpochSampler(range(10), seed=0)
    first, second = list(sampler), list(sampler)
    assert first != second and sampler.epoch == 2
    sampler.set_epoch(0)
    assert list(sampler) == first


def test_workers_are_seeded_from_seed_and_epoch():
    dataset = IndexDataset(pipeline=[NoiseTag()] + PIPELINE[:2] +
                           [dict(type='Collect', keys=['img', 'noise'], meta_keys=())])

    def noise(seed, epoch):
        loader = build_dataloader(dataset, 4, 2, seed=seed)
        loader.sampler.set_epoch(epoch)
        return [int(v) for batch in loader for v in batch['noise']]

    assert noise(3, 1) == noise(3, 1)
    assert noise(3, 1) != noise(3, 2) and noise(3, 1) != noise(4, 1)
    values = noise(3, 1)
    assert len(set(values)) == len(values)   # the two workers do not repeat each other


def test_batch_layout_and_metas():
    loader = build_dataloader(IndexDataset(pipeline=PIPELINE), 4, 0, seed=0, drop_last=True)
    batch = next(iter(loader))
    assert batch['img'].shape == (4, 3, 2, 2) and batch['gt_label'].shape == (4,)
    assert batch['gt_label'].dtype == torch.int64
    assert isinstance(batch['img_metas'], list) and set(batch['img_metas'][0]) == {'filename'}
    assert loader.pin_memory == torch.cuda.is_available()
    assert build_dataloader(IndexDataset(), 2, 0, num_gpus=2).batch_size == 4


def test_multiview_batches_are_lists_of_stacked_views():
    view = [dict(type='Normalize', mean=[0] * 3, std=[1] * 3), dict(type='ImageToTensor', keys=['img'])]
    pipeline = [dict(type='MultiView', pipelines=[view], num_views=2),
                dict(type='Collect', keys=['img'], meta_keys=())]
    batch = next(iter(build_dataloader(IndexDataset(pipeline=pipeline), 3, 0)))
    assert isinstance(batch['img'], list) and len(batch['img']) == 2
    assert all(v.shape == (3, 3, 2, 2) for v in batch['img'])


def test_collate_drops_samples_a_pipeline_dropped():
    samples = [dict(img=torch.zeros(1), img_metas=dict(a=1)), None,
               dict(img=torch.ones(1), img_metas=dict(a=2))]
    batch = collate(samples)
    assert batch['img'].shape == (2, 1) and batch['img_metas'] == [dict(a=1), dict(a=2)]


def test_distributed_loader_uses_torch_distributed_sampler(tmp_path):
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/rendezvous', rank=0,
                            world_size=1)
    try:
        loader = build_dataloader(IndexDataset(pipeline=PIPELINE), 4, 0, dist=True, seed=5)
        assert isinstance(loader.sampler, torch.utils.data.DistributedSampler)
        assert loader.sampler.seed == 5 and loader.batch_size == 4
        assert order(loader, 1) == order(loader, 1) != order(loader, 2)
    finally:
        dist.destroy_process_group()


def test_persistent_workers_still_change_augmentations_every_epoch():
    dataset = IndexDataset(pipeline=[NoiseTag()] + PIPELINE[:2] +
                           [dict(type='Collect', keys=['img', 'noise'], meta_keys=())])
    kept = build_dataloader(dataset, 4, 1, seed=3, shuffle=False)
    assert kept.persistent_workers   # the mmcls default with workers

    def noise(loader, epoch):
        loader.sampler.set_epoch(epoch)
        return [int(v) for batch in loader for v in batch['noise']]

    first, second = noise(kept, 0), noise(kept, 1)
    assert first != second
    fresh = build_dataloader(dataset, 4, 1, seed=3, shuffle=False)   # a resumed run at epoch 1
    assert noise(fresh, 1) == second
    assert not build_dataloader(dataset, 4, 0).persistent_workers


class PairDataset(torch.utils.data.Dataset):
    """The (img, label) samples of a plain PyTorch dataset (seed 001)."""

    def __len__(self):
        return 6

    def __getitem__(self, idx):
        return torch.full((3, 2, 2), float(idx)), idx


def test_any_sample_collates_tuples_tensors_and_numbers():
    imgs, labels = next(iter(build_dataloader(PairDataset(), 3, 1, shuffle=False)))
    assert imgs.shape == (3, 3, 2, 2) and labels.tolist() == [0, 1, 2]
    assert collate([torch.zeros(2), torch.ones(2)]).shape == (2, 2)
    assert collate([1, 2, 3]).tolist() == [1, 2, 3]


def test_repeat_aug_sampler_from_the_data_sampler_config():
    from cls_lab.datasets import RepeatAugSampler
    loader = build_dataloader(IndexDataset(n=8, pipeline=PIPELINE), 4, 0, seed=2,
                              sampler_cfg=dict(type='RepeatAugSampler', num_repeats=3,
                                               selected_round=0))
    assert isinstance(loader.sampler, RepeatAugSampler) and len(loader.sampler) == 8
    seen = order(loader, 0)
    # mmcls 0.25 on one process: each index three times in a row, 8 kept (seed-fixed here)
    assert len(seen) == 8 and all(a == b for a, b in zip(seen[0:6:3], seen[1:7:3]))
    assert order(loader, 0) == seen and order(loader, 1) != seen
    import pytest
    with pytest.raises(KeyError, match='NoSuchSampler'):
        build_dataloader(IndexDataset(), 2, 0, sampler_cfg=dict(type='NoSuchSampler'))
