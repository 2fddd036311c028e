"""Benchmark: forward + backward images/s of cls_lab's networks against torchvision's.

ResNet-18/-50 get the same weights (cls_lab loads torchvision's state dict through
``convert_torchvision_resnet``); the model-zoo networks (``--zoo``) are built fresh on both
sides (CNNs: backbone vs torchvision's feature extractor; ViT/Swin/ConvNeXt: whole classifiers,
at >= 224 pixels, which Swin-T's 7x7 windows need). Each pair sees the same input batch and the
same loss (sum of the last output);
repetitions are interleaved so both see the same machine load. Prints the median images/s
of each and the ratio cls_lab / torchvision (goal: >= 0.98 for ResNet, >= 0.95 for the zoo).

    python bench/models.py [--depths 18 50] [--zoo all | VGG-16 ...] [--batch 8] [--size 112]
                           [--reps 9] [--device cpu]
"""
import argparse
import statistics
import time

import torch
import torchvision

from cls_lab.models import ResNet, build_classifier, convert_torchvision_resnet
from cls_lab.registry import MODELS


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


def bench_pair(ours, tv, batch, size, reps, warmup, device):
    """Median images/s of two models on the same input, repetitions interleaved."""
    models = {'cls_lab': ours.to(device).train(), 'torchvision': tv.to(device).train()}
    x = torch.randn(batch, 3, size, size, device=device)
    times = {name: [] for name in models}
    for rep in range(warmup + reps):
        order = list(models) if rep % 2 == 0 else list(models)[::-1]   # interleave, alternate
        for name in order:
            seconds = step_time(models[name], x, device)
            if rep >= warmup:
                times[name].append(seconds)
    return {name: batch / statistics.median(t) for name, t in times.items()}


def bench_depth(depth, batch, size, reps, warmup, device):
    tv = getattr(torchvision.models, f'resnet{depth}')()
    ours = ResNet(depth)
    ours.load_state_dict(convert_torchvision_resnet(tv.state_dict()), strict=True)
    return bench_pair(ours, tv_backbone(tv), batch, size, reps, warmup, device)


# --- model zoo, CNN families (issue 14): cls_lab backbone vs torchvision's feature extractor
# computing the same network (weights differ; only the speed is compared)
def _tv_features(name, **kwargs):
    return lambda size: getattr(torchvision.models, name)(**kwargs).features


def _tv_shufflenet_v2(size):
    m = torchvision.models.shufflenet_v2_x1_0()
    return torch.nn.Sequential(m.conv1, m.maxpool, m.stage2, m.stage3, m.stage4, m.conv5)


def _tv_regnet_x_400mf(size):
    m = torchvision.models.regnet_x_400mf()
    return torch.nn.Sequential(m.stem, m.trunk_output)


ZOO_CNN = {
    'VGG-16': (lambda size: MODELS.build(dict(type='VGG', depth=16)), _tv_features('vgg16')),
    'MobileNetV3-L': (lambda size: MODELS.build(dict(type='MobileNetV3', arch='large')),
                      _tv_features('mobilenet_v3_large')),
    'EfficientNet-B0': (lambda size: MODELS.build(dict(type='EfficientNet', arch='b0')),
                        _tv_features('efficientnet_b0')),
    'RegNetX-400MF': (lambda size: MODELS.build(dict(type='RegNet', arch='regnetx_400mf')),
                      _tv_regnet_x_400mf),
    'DenseNet-121': (lambda size: MODELS.build(dict(type='DenseNet', arch='121')),
                     _tv_features('densenet121')),
    'ShuffleNetV2': (lambda size: MODELS.build(dict(type='ShuffleNetV2', widen_factor=1.0)),
                     _tv_shufflenet_v2),
}
# --- end of the CNN zoo block


# --- transformer zoo: ViT-B/16, Swin-T, ConvNeXt-T (issue 14) ---------------------------
class Logits(torch.nn.Module):
    """A cls_lab classifier as ``img -> class scores``, as torchvision's models are."""

    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, x):
        return self.classifier.head.logits(self.classifier.extract_feat(x))


def transformer_zoo(size):
    """name -> (cls_lab classifier config, torchvision model): same architecture, 1000 classes."""
    tvm = torchvision.models
    gap = dict(type='GlobalAveragePooling')
    return {
        'ViT-B/16': lambda: (dict(
            backbone=dict(type='VisionTransformer', arch='b', img_size=size, patch_size=16),
            head=dict(type='VisionTransformerClsHead', num_classes=1000, in_channels=768)),
            tvm.vit_b_16(image_size=size)),
        'Swin-T': lambda: (dict(
            backbone=dict(type='SwinTransformer', arch='tiny', img_size=size,
                          drop_path_rate=0.2), neck=gap,
            head=dict(type='LinearClsHead', num_classes=1000, in_channels=768)),
            tvm.swin_t()),
        'ConvNeXt-T': lambda: (dict(
            backbone=dict(type='ConvNeXt', arch='tiny', drop_path_rate=0.1),
            head=dict(type='LinearClsHead', num_classes=1000, in_channels=768)),
            tvm.convnext_tiny()),
    }


ZOO_TRANSFORMERS = {  # whole classifiers: cls_lab's logits against torchvision's
    name: (lambda size, name=name: Logits(build_classifier(
        dict(type='ImageClassifier', **transformer_zoo(size)[name]()[0]))),
           lambda size, name=name: transformer_zoo(size)[name]()[1])
    for name in ('ViT-B/16', 'Swin-T', 'ConvNeXt-T')}
TRANSFORMER_MIN_SIZE = 224
# --- end of the transformer zoo ----------------------------------------------------------
ZOO = {**ZOO_CNN, **ZOO_TRANSFORMERS}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--depths', type=int, nargs='*', default=[18, 50])
    parser.add_argument('--zoo', nargs='*', default=[], metavar='NAME',
                        help=f'model-zoo networks to compare too: {", ".join(ZOO)}, or all')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=112)
    parser.add_argument('--reps', type=int, default=9)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--device', default=None)
    parser.add_argument('--flush-denormal', action='store_true',
                        help='treat denormal floats as 0 on the CPU: freshly initialised '
                             'nets whose gradients underflow otherwise time the FPU slow path')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    device = torch.device(args.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    torch.manual_seed(0)
    print(f'device {device}, batch {args.batch}x3x{args.size}x{args.size}, forward+backward, '
          f'median of {args.reps} interleaved reps ({args.warmup} warm-up), '
          f'{torch.get_num_threads()} threads')
    print(f'{"model":<18} {"cls_lab img/s":>14} {"torchvision img/s":>18} {"ratio":>7}')
    rows = [(f'ResNet-{d}', 0.98, lambda d=d: bench_depth(d, args.batch, args.size, args.reps,
                                                           args.warmup, device))
            for d in args.depths]
    for name in (list(ZOO) if args.zoo == ['all'] else args.zoo):
        if name not in ZOO:
            parser.error(f'--zoo: unknown network {name!r}; choose from {", ".join(ZOO)}')
        ours, tv = ZOO[name]
        # Swin-T's 7x7 windows need a 7x7 map after 32x downsampling: 224 at least
        size = max(args.size, TRANSFORMER_MIN_SIZE) if name in ZOO_TRANSFORMERS else args.size
        label = name if size == args.size else f'{name} @{size}'
        rows.append((label, 0.95, lambda o=ours, t=tv, s=size: bench_pair(
            o(s), t(s), args.batch, s, args.reps, args.warmup, device)))
    for name, goal, run in rows:
        rate = run()
        ratio = rate['cls_lab'] / rate['torchvision']
        print(f'{name:<18} {rate["cls_lab"]:>14.1f} {rate["torchvision"]:>18.1f} '
              f'{ratio:>7.3f}{"" if ratio >= goal else f"  (below the {goal} goal)"}')


if __name__ == '__main__':
    main()
