"""How much does the runner (hooks, log buffer, checkpoint) cost over a hand-written loop?

The same small CNN (batch 64, 3x32x32, 10 classes) and the same batches are trained in
alternating blocks: ``EpochBasedRunner`` with its default hooks (IterTimer, Optimizer,
StepLr, CheckInvalidLoss, Checkpoint at the end, TextLogger every 50 iterations) and a
plain ``for batch in data: step`` loop. Each step is timed from one iteration start to the
next; we report the medians and their ratio (goal: runner <= 1.03 x loop). A second,
near-free model (one Linear layer) shows the runner's fixed cost per iteration in us.

    python bench/runner.py                  # CPU, or CUDA when present
    python bench/runner.py --device cuda --blocks 10 --steps 50
"""
import argparse
import logging
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F
from torch import nn

from cls_lab.engine import EpochBasedRunner, Hook


class SmallCNN(nn.Module):
    """Three conv-BN-ReLU stages and a linear classifier, speaking the runner protocol."""

    def __init__(self, num_classes=10):
        super().__init__()
        def stage(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU(inplace=True), nn.MaxPool2d(2))
        self.features = nn.Sequential(stage(3, 32), stage(32, 64), stage(64, 128))
        self.fc = nn.Linear(128, num_classes)

    def forward(self, img, gt_label=None, return_loss=True):
        logits = self.fc(self.features(img).mean((2, 3)))
        return dict(loss=F.cross_entropy(logits, gt_label)) if return_loss else logits

    def train_step(self, data, optimizer=None):
        loss = self(**data)['loss']
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data['img']))


class StepClock(Hook):
    """Records the start time of every iteration (runs first, HIGHEST priority)."""

    def __init__(self, starts):
        self.starts = starts

    def before_train_iter(self, runner):
        self.starts.append(time.perf_counter())


def runner_block(model, optimizer, batches, work_dir, logger, starts):
    runner = EpochBasedRunner(model, optimizer, work_dir=work_dir, logger=logger,
                              device=batches[0]['img'].device, max_epochs=1)
    runner.register_training_hooks(
        lr_config=dict(policy='step', step=[100]), optimizer_config=dict(grad_clip=None),
        checkpoint_config=dict(interval=-1),   # saves once, at the end
        log_config=dict(interval=50, hooks=[dict(type='TextLoggerHook')]))
    runner.register_hook(StepClock(starts), 'HIGHEST')
    runner.run([batches], [('train', 1)])


def loop_block(model, optimizer, batches, starts):
    model.train()
    for batch in batches:
        starts.append(time.perf_counter())
        outputs = model.train_step(batch, optimizer)
        optimizer.zero_grad()
        outputs['loss'].backward()
        optimizer.step()
    _sync(batches[0]['img'].device)
    starts.append(time.perf_counter())


def step_times(starts_per_block):
    """Iteration start-to-start durations; the block's first step (warm-up) is dropped."""
    times = []
    for starts in starts_per_block:
        times += [b - a for a, b in zip(starts[1:], starts[2:])]
    return times


def _sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


class LinearProbe(SmallCNN):
    """A near-free model (one Linear on 8 features): its step time is mostly overhead."""

    def __init__(self):
        nn.Module.__init__(self)
        self.features, self.fc = nn.Flatten(), nn.Linear(8, 10)

    def forward(self, img, gt_label=None, return_loss=True):
        logits = self.fc(img.flatten(1))
        return dict(loss=F.cross_entropy(logits, gt_label)) if return_loss else logits


def compare(model, batches, blocks, work_dir, logger):
    """Median step time (ms) of the runner and of the loop, in alternating blocks."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loop_block(model, optimizer, batches[:5], [])       # warm up kernels and allocator
    runner_starts, loop_starts = [], []
    for block in range(blocks):
        order = ('runner', 'loop') if block % 2 == 0 else ('loop', 'runner')
        for kind in order:
            starts = []
            if kind == 'runner':
                runner_block(model, optimizer, batches, work_dir, logger, starts)
                runner_starts.append(starts)     # iteration starts only: after_run excluded
            else:
                loop_block(model, optimizer, batches, starts)
                loop_starts.append(starts[:-1])
    return (statistics.median(step_times(runner_starts)) * 1e3,
            statistics.median(step_times(loop_starts)) * 1e3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--blocks', type=int, default=6, help='blocks of each kind, alternated')
    parser.add_argument('--steps', type=int, default=51, help='steps per block')
    parser.add_argument('--batch-size', type=int, default=64)
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    logger = logging.getLogger('bench.runner')
    logger.propagate = False
    work_dir = tempfile.mkdtemp(prefix='bench_runner_')
    handler = logging.FileHandler(f'{work_dir}/bench.log')
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def batches(shape):
        return [dict(img=torch.randn(args.batch_size, *shape, device=device),
                     gt_label=torch.randint(0, 10, (args.batch_size,), device=device))
                for _ in range(args.steps)]

    print(f'device: {device} ({torch.get_num_threads()} threads), batch {args.batch_size}, '
          f'{args.blocks} alternating blocks x {args.steps} steps of each kind')
    runner_ms, loop_ms = compare(SmallCNN().to(device), batches((3, 32, 32)), args.blocks,
                                 work_dir, logger)
    print(f'SmallCNN 3x32x32   loop {loop_ms:8.3f} ms   runner {runner_ms:8.3f} ms   '
          f'ratio {runner_ms / loop_ms:.3f}   (goal <= 1.03)')
    runner_ms, loop_ms = compare(LinearProbe().to(device), batches((8,)), args.blocks,
                                 work_dir, logger)
    print(f'Linear 8->10       loop {loop_ms:8.3f} ms   runner {runner_ms:8.3f} ms   '
          f'-> runner overhead per iteration: {(runner_ms - loop_ms) * 1e3:.0f} us')
    handler.close()


if __name__ == '__main__':
    main()
