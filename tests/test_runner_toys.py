"""Tiny model, data set and sampler the runner/hook tests share (no tests in this file)."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler


class ToyNet(nn.Module):
    """A 2-layer MLP with BatchNorm and Dropout, speaking the classifier protocol."""
    CLASSES = ['a', 'b', 'c']

    def __init__(self, in_dim=8, hidden=16, num_classes=3, dropout=0.2):
        super().__init__()
        self.fc1 = nn.Linear(in_dim, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, num_classes)

    def logits(self, img):
        return self.fc2(self.drop(F.relu(self.bn(self.fc1(img.flatten(1))))))

    def forward(self, img, gt_label=None, return_loss=True, **kwargs):
        logits = self.logits(img)
        if return_loss:
            return dict(loss=F.cross_entropy(logits, gt_label))
        return list(F.softmax(logits, dim=1).detach().cpu().numpy())

    def train_step(self, data, optimizer=None):
        losses = self(**data)
        loss = losses['loss']
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data['img']))

    def val_step(self, data, optimizer=None):
        return self.train_step(data, optimizer)


class ToyDataset(Dataset):
    """``n`` random vectors with labels from a fixed linear rule, and ``evaluate``."""
    CLASSES = ToyNet.CLASSES

    def __init__(self, n=48, in_dim=8, seed=0, with_metas=False):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, in_dim, generator=g)
        self.y = (self.x[:, :3].argmax(1)).long()
        self.with_metas = with_metas

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        item = dict(img=self.x[i], gt_label=self.y[i])
        if self.with_metas:
            item['img_metas'] = dict(filename=f'img_{i:03d}.png')
        return item

    def evaluate(self, results, metric='accuracy', metric_options=None, logger=None):
        pred = np.stack(results).argmax(1)
        return {'accuracy_top-1': float((pred == self.y.numpy()).mean() * 100)}


class SeededSampler(Sampler):
    """Shuffles with a generator seeded by (seed, epoch): the order depends on nothing else."""

    def __init__(self, n, seed=0):
        self.n, self.seed, self.epoch = n, seed, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        g = torch.Generator().manual_seed(self.seed * 1000 + self.epoch)
        return iter(torch.randperm(self.n, generator=g).tolist())

    def __len__(self):
        return self.n


def collate(items):
    batch = torch.utils.data.default_collate([{k: v for k, v in it.items() if k != 'img_metas'}
                                              for it in items])
    if 'img_metas' in items[0]:
        batch['img_metas'] = [it['img_metas'] for it in items]
    return batch


def toy_loader(n=48, batch_size=8, seed=0, shuffle=True, with_metas=False):
    dataset = ToyDataset(n, seed=seed, with_metas=with_metas)
    sampler = SeededSampler(n, seed) if shuffle else None
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, collate_fn=collate)


def train_toy(work_dir, max_epochs=4, resume_from=None, runner_type='EpochBasedRunner',
              max_iters=None, checkpoint_config=None, extra_hooks=(), seed=0, launcher=None,
              n=48, batch_size=8, workers=None):
    """Train ToyNet with the default hooks; returns the runner (the subprocess driver too)."""
    import logging
    import random

    from cls_lab.engine import build_optimizer
    from cls_lab.engine.dist import get_dist_info, init_dist
    from cls_lab.registry import RUNNERS
    if launcher:
        init_dist(launcher)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = ToyNet()
    optimizer = build_optimizer(model, dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
    by_iter = runner_type == 'IterBasedRunner'
    runner = RUNNERS.build(dict(type=runner_type, max_epochs=None if by_iter else max_epochs,
                                max_iters=max_iters if by_iter else None),
                           default_args=dict(model=model, optimizer=optimizer, work_dir=work_dir,
                                             logger=logging.getLogger('toy'), device='cpu',
                                             meta=dict(seed=seed)))
    runner.register_training_hooks(
        dict(policy='step', step=[2] if not by_iter else [10]), dict(grad_clip=None),
        checkpoint_config or dict(interval=1),
        dict(interval=2, hooks=[dict(type='TextLoggerHook')]))
    for hook in extra_hooks:
        runner.register_hook(hook)
    if resume_from:
        runner.resume(resume_from)
    loader = toy_loader(n, batch_size, seed)
    if workers is not None:   # the library's loader: EpochSampler + seeded workers
        from cls_lab.datasets import build_dataloader
        loader = build_dataloader(loader.dataset, batch_size, workers, seed=seed,
                                  collate_fn=collate)
    rank, world_size = get_dist_info()
    if world_size > 1:   # each rank takes its own shard; BN statistics averaged per epoch
        runner.register_hook_from_cfg(dict(type='SyncBuffersHook'))
        from torch.utils.data import DistributedSampler
        val_set = ToyDataset(n=21, seed=7)   # 21: the sampler pads one; results must drop it
        val_loader = DataLoader(val_set, batch_size=4, collate_fn=collate,
                                sampler=DistributedSampler(val_set, world_size, rank,
                                                           shuffle=False))
        runner.register_hook_from_cfg(dict(type='DistEvalHook', dataloader=val_loader,
                                           save_best='auto', priority='LOW'))
        loader = DataLoader(loader.dataset, batch_size=batch_size, collate_fn=collate,
                            sampler=DistributedSampler(loader.dataset, world_size, rank,
                                                       seed=seed))
    runner.run([loader], [('train', 1)])
    return runner


def _register_probe():
    """``RankProbeHook``: counts each rank's checkpoint saves, dumps its weights at the end."""
    from cls_lab.engine.dist import unwrap_model
    from cls_lab.engine.hooks import Hook
    from cls_lab.registry import HOOKS

    @HOOKS.register_module(force=True)
    class RankProbeHook(Hook):
        def before_run(self, runner):
            self.saves, save = [], runner.save_checkpoint

            def counting_save(*args, **kwargs):
                self.saves.append(args[0] if args else kwargs.get('out_dir'))
                return save(*args, **kwargs)
            runner.save_checkpoint = counting_save

        def after_run(self, runner):
            path = f'{runner.work_dir}/probe_rank{runner.rank}.pt'
            torch.save(dict(state_dict=unwrap_model(runner.model).state_dict(),
                            saves=len(self.saves), world_size=runner.world_size), path)


_register_probe()


def _main():
    import argparse
    import os
    import time

    from cls_lab.engine.hooks import Hook
    from cls_lab.engine.dist import close_dist, unwrap_model

    class SlowDown(Hook):   # gives the parent test time to SIGKILL us mid-training
        def after_train_iter(self, runner):
            if runner.epoch >= 2:
                time.sleep(0.2)

    parser = argparse.ArgumentParser()
    parser.add_argument('work_dir')
    parser.add_argument('--resume-from')
    parser.add_argument('--max-epochs', type=int, default=4)
    parser.add_argument('--slow', action='store_true')
    parser.add_argument('--launcher')
    parser.add_argument('--out')
    args = parser.parse_args()
    torch.set_num_threads(1)
    rank = os.environ.get('RANK')
    if args.launcher:   # separate folders show which rank wrote what
        args.work_dir = os.path.join(args.work_dir, f'rank{rank}')
        args.out = args.out and f'{args.out}.rank{rank}'
    runner = train_toy(args.work_dir, args.max_epochs, args.resume_from,
                       extra_hooks=[SlowDown()] if args.slow else [], launcher=args.launcher)
    if args.out:
        torch.save(unwrap_model(runner.model).state_dict(), args.out)
    close_dist()   # exiting with the gloo group still up can abort a rank at teardown


if __name__ == '__main__':
    _main()
