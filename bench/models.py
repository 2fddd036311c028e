"""Benchmark: forward + backward images/s of cls_lab's ResNet-18/-50 against torchvision's.

Both networks get the same weights (cls_lab loads torchvision's state dict through
``convert_torchvision_resnet``), the same input batch and the same loss (sum of the last
stage's features); repetitions are interleaved so both see the same machine load. Prints
the median images/s of each and the ratio cls_lab / torchvision (goal: >= 0.98).

    python bench/models.py [--depths 18 50] [--batch 8] [--size 112] [--reps 9] [--device cpu]
"""
import argparse
import statistics
import time

import torch
import torchvision

from cls_lab.models import ResNet, convert_torchvision_resnet


def tv_backbone(model):
    """torchvision's ResNet without avgpool/fc, so both sides compute the same thing."""
    return torch.nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool,
                               model.layer1, model.layer2, model.layer3, model.layer4)


def step_time(model, x, device):
    """Seconds for one forward + backward pass."""
    model.zero_grad(set_to_none=True)
    if device.type == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    out = model(x)
    out = out[-1] if isinstance(out, tuple) else out
    out.float().sum().backward()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    return time.perf_counter() - start


def bench_depth(depth, batch, size, reps, warmup, device):
    tv = getattr(torchvision.models, f'resnet{depth}')()
    ours = ResNet(depth)
    ours.load_state_dict(convert_torchvision_resnet(tv.state_dict()), strict=True)
    models = {'cls_lab': ours.to(device).train(), 'torchvision': tv_backbone(tv).to(device).train()}
    x = torch.randn(batch, 3, size, size, device=device)
    times = {name: [] for name in models}
    for rep in range(warmup + reps):
        order = list(models) if rep % 2 == 0 else list(models)[::-1]   # interleave, alternate
        for name in order:
            seconds = step_time(models[name], x, device)
            if rep >= warmup:
                times[name].append(seconds)
    rate = {name: batch / statistics.median(t) for name, t in times.items()}
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--depths', type=int, nargs='+', default=[18, 50])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=112)
    parser.add_argument('--reps', type=int, default=9)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--device', default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    torch.manual_seed(0)
    print(f'device {device}, batch {args.batch}x3x{args.size}x{args.size}, forward+backward, '
          f'median of {args.reps} interleaved reps ({args.warmup} warm-up), '
          f'{torch.get_num_threads()} threads')
    print(f'{"model":<10} {"cls_lab img/s":>14} {"torchvision img/s":>18} {"ratio":>7}')
    for depth in args.depths:
        rate = bench_depth(depth, args.batch, args.size, args.reps, args.warmup, device)
        ratio = rate['cls_lab'] / rate['torchvision']
        print(f'ResNet-{depth:<3} {rate["cls_lab"]:>14.1f} {rate["torchvision"]:>18.1f} '
              f'{ratio:>7.3f}{"" if ratio >= 0.98 else "  (below the 0.98 goal)"}')


if __name__ == '__main__':
    main()
