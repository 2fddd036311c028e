"""Pieces real mmcls 0.25 configs use: schedules, PreciseBN, Lamb, per-split loader dicts.

The numbers were recorded with mmcv 1.7.2 / mmcls 0.25.0 on the same inputs and seeds.
"""
import logging

import pytest
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from cls_lab.apis.train import loader_args
from cls_lab.config import Config
from cls_lab.engine import EpochBasedRunner, Lamb
from cls_lab.engine.hooks import PreciseBNHook
from cls_lab.registry import HOOKS, OPTIMIZERS


class Zero(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))

    def train_step(self, data, optimizer=None):
        return dict(loss=(self.w * 0).sum())


def schedule(lr_config=None, momentum_config=None):
    model = Zero()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    runner = EpochBasedRunner(model=model, optimizer=optimizer, logger=logging.getLogger('s'),
                              max_epochs=6, device='cpu')
    runner.register_training_hooks(lr_config=lr_config, momentum_config=momentum_config)
    seen = []
    runner.register_hook(type('Spy', (HOOKS.get('IterTimerHook'),), dict(
        before_train_iter=lambda self, r: seen.append(
            (round(optimizer.param_groups[0]['lr'], 6),
             round(optimizer.param_groups[0]['momentum'], 6)))))(), 'LOWEST')
    runner.run([DataLoader(torch.zeros(2, 1), batch_size=1)], [('train', 1)])
    return seen[::2]          # one entry per epoch


def test_cosine_cooldown_and_linear_momentum_match_mmcls():
    lrs = [lr for lr, _ in schedule(dict(policy='CosineAnnealingCooldown', min_lr=0.01,
                                         cool_down_time=2, cool_down_ratio=0.5))]
    assert lrs == [0.1, 0.08682, 0.055, 0.02318, 0.01, 0.005]             # mmcls 0.25.0
    momenta = [m for _, m in schedule(momentum_config=dict(policy='LinearAnnealing',
                                                           min_momentum_ratio=0.5))]
    assert momenta == [0.9, 0.825, 0.75, 0.675, 0.6, 0.525]               # mmcv 1.7.2


def test_lamb_matches_mmcls():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    optimizer = OPTIMIZERS.build(dict(type='Lamb', params=net.parameters(), lr=0.01,
                                      weight_decay=0.05))
    assert isinstance(optimizer, Lamb)
    x = torch.randn(8, 4)
    for _ in range(3):
        optimizer.zero_grad()
        (net(x) ** 2).sum().mul(10).backward()
        optimizer.step()
    sums = [round(float(p.detach().sum()), 6) for p in net.parameters()]
    assert sums == pytest.approx([-0.334687, -1.047276, 0.162845, 0.360414], abs=2e-6)


class BNNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(1, momentum=0.5)

    def train_step(self, data, optimizer=None):
        return dict(loss=self.bn(data).sum())


def test_precise_bn_sets_the_plain_average_of_batch_statistics():
    model = BNNet()
    runner = EpochBasedRunner(model=model, logger=logging.getLogger('bn'), max_epochs=1,
                              device='cpu')
    runner.register_hook(PreciseBNHook(num_samples=4, interval=1), 'ABOVE_NORMAL')
    data = torch.tensor([[0.], [2.], [4.], [10.]])
    runner.run([DataLoader(data, batch_size=2)], [('train', 1)])
    # batches {0, 2} and {4, 10}: means 1 and 7, unbiased variances 2 and 18
    assert model.bn.running_mean.item() == pytest.approx(4.0)
    assert model.bn.running_var.item() == pytest.approx(10.0)
    assert model.bn.momentum == 0.5
    with pytest.raises(ValueError):
        PreciseBNHook(num_samples=0)


def test_per_split_dataloader_dicts():
    cfg = Config(dict(seed=3, data=dict(samples_per_gpu=8, workers_per_gpu=2, train=dict(),
                                        val=dict(), val_dataloader=dict(samples_per_gpu=1),
                                        train_dataloader=dict(drop_last=True))))
    assert loader_args(cfg, 'train') == dict(dist=False, seed=3, shuffle=True, samples_per_gpu=8,
                                             workers_per_gpu=2, drop_last=True)
    assert loader_args(cfg, 'val') == dict(dist=False, seed=3, shuffle=False, drop_last=False,
                                           samples_per_gpu=1, workers_per_gpu=2)
