"""Benchmark: forward + backward images/s of cls_lab's models against torchvision's.

ResNet-18/-50: both networks get the same weights (cls_lab loads torchvision's state dict
through ``convert_torchvision_resnet``), the same input batch and the same loss (sum of the
last stage's features). Zoo models (``--models``): whole classifiers, cls_lab's logits
against torchvision's, same input, random weights. Repetitions are interleaved so both see
the same machine load. Prints the median images/s of each and the ratio cls_lab /
torchvision (goal: >= 0.98 for ResNet, >= 0.95 for the zoo).

    python bench/models.py [--depths 18 50] [--models vit_b_16 swin_t convnext_tiny]
                           [--batch 8] [--size 112] [--reps 9] [--device cpu]
"""
import argparse
import statistics
import time

import torch
import torchvision

from cls_lab.models import ResNet, build_classifier, convert_torchvision_resnet


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
    return bench_pair(ours, tv_backbone(tv), batch, size, reps, warmup, device)


# --- transformer zoo: ViT-B/16, Swin-T, ConvNeXt-T (issue 14) ---------------------------
class Logits(torch.nn.Module):
    """A cls_lab classifier as ``img -> class scores``, as torchvision's models are."""

    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, x):
        return self.classifier.head.logits(self.classifier.extract_feat(x))


def transformer_zoo(size):
    """name -> (cls_lab classifier, torchvision model): same architecture, 1000 classes."""
    tvm = torchvision.models
    gap = dict(type='GlobalAveragePooling')
    return {
        'vit_b_16': lambda: (dict(
            backbone=dict(type='VisionTransformer', arch='b', img_size=size, patch_size=16),
            head=dict(type='VisionTransformerClsHead', num_classes=1000, in_channels=768)),
            tvm.vit_b_16(image_size=size)),
        'swin_t': lambda: (dict(
            backbone=dict(type='SwinTransformer', arch='tiny', img_size=size,
                          drop_path_rate=0.2), neck=gap,
            head=dict(type='LinearClsHead', num_classes=1000, in_channels=768)),
            tvm.swin_t()),
        'convnext_tiny': lambda: (dict(
            backbone=dict(type='ConvNeXt', arch='tiny', drop_path_rate=0.1),
            head=dict(type='LinearClsHead', num_classes=1000, in_channels=768)),
            tvm.convnext_tiny()),
    }


def bench_zoo(name, batch, size, reps, warmup, device):
    ours_cfg, tv = transformer_zoo(size)[name]()
    ours = Logits(build_classifier(dict(type='ImageClassifier', **ours_cfg)))
    return bench_pair(ours, tv, batch, size, reps, warmup, device)
# --- end of the transformer zoo ----------------------------------------------------------


def bench_pair(ours, tv, batch, size, reps, warmup, device):
    """Median images/s of forward + backward for both models on one input batch."""
    models = {'cls_lab': ours.to(device).train(), 'torchvision': tv.to(device).train()}
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
    parser.add_argument('--depths', type=int, nargs='*', default=[18, 50])
    parser.add_argument('--models', nargs='*', default=[],
                        help='zoo models, e.g. vit_b_16 swin_t convnext_tiny (input >= 224)')
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
    print(f'{"model":<14} {"cls_lab img/s":>14} {"torchvision img/s":>18} {"ratio":>7}')
    runs = [(f'ResNet-{d}', 0.98, lambda d=d: bench_depth(d, args.batch, args.size, args.reps,
                                                           args.warmup, device))
            for d in args.depths]
    runs += [(m, 0.95, lambda m=m: bench_zoo(m, args.batch, args.size, args.reps, args.warmup,
                                             device)) for m in args.models]
    for label, goal, run in runs:
        rate = run()
        ratio = rate['cls_lab'] / rate['torchvision']
        print(f'{label:<14} {rate["cls_lab"]:>14.4g} {rate["torchvision"]:>18.4g} '
              f'{ratio:>7.3f}{"" if ratio >= goal else f"  (below the {goal} goal)"}')


if __name__ == '__main__':
    main()
