"""Parameters and FLOPs of a model, total and per layer, with torch's own flop counter.

``torch.utils.flop_counter`` counts 2 FLOPs per multiply-accumulate (MAC). mmcls'
get_flops and torchvision's model tables print MACs and call them "FLOPs" (ResNet-50 at
224: 4.1 G); cls_lab prints both, labelled, so the numbers can be compared either way.
"""
import torch
from torch.utils.flop_counter import FlopCounterMode

from .wrapper import ScoresModel


def count_flops(model, shape=(3, 224, 224), depth=3, device=None):
    """Count one forward pass of a ``(1, *shape)`` input; returns a dict (see keys below).

    ``flops`` (2 per MAC) and ``macs`` totals, ``params``, and ``layers``: a list of
    ``(module name, params, flops)`` for every module up to ``depth`` dots deep, in model
    order. A classifier is run on its scores; build big models on ``torch.device('meta')``
    to count them without allocating their weights.
    """
    runnable = ScoresModel(model) if hasattr(model, 'simple_test') else model
    runnable.eval()
    device = device or next(model.parameters()).device
    counter = FlopCounterMode(display=False, depth=None)   # every module: sums come from leaves
    with counter, torch.no_grad():
        runnable(torch.zeros(1, *shape, device=device))
    prefix = type(runnable).__name__ + ('.classifier' if runnable is not model else '')
    counts = {name: sum(ops.values()) for name, ops in counter.get_flop_counts().items()}
    flops_of = {}
    for name, module in reversed(list(model.named_modules())):   # children before parents
        key = f'{prefix}.{name}' if name else prefix
        flops_of[name] = counts.get(key, sum(flops_of[f'{name}.{child}' if name else child]
                                             for child, _ in module.named_children()))
    layers = [(name, sum(p.numel() for p in module.parameters()), int(flops_of[name]))
              for name, module in model.named_modules() if name and name.count('.') < depth]
    total = int(counter.get_total_flops())
    return dict(flops=total, macs=total // 2, params=sum(p.numel() for p in model.parameters()),
                shape=tuple(shape), layers=layers)


def human(number, unit=''):
    """4.1e9 -> '4.1 G' (K, M, G, T)."""
    for scale, suffix in ((1e12, 'T'), (1e9, 'G'), (1e6, 'M'), (1e3, 'K')):
        if abs(number) >= scale:
            return f'{number / scale:.3g} {suffix}{unit}'
    return f'{number:g} {unit}'.rstrip()


def flops_table(result, max_depth=None):
    """The per-layer counts as aligned text lines: name, params, MACs, share of the total."""
    rows = [(name, params, flops) for name, params, flops in result['layers']
            if max_depth is None or name.count('.') < max_depth]
    width = max([len(name) for name, _, _ in rows] + [5])
    total = max(result['flops'], 1)
    lines = [f'{"layer":<{width}}  {"params":>9}  {"MACs":>9}  {"FLOPs":>9}  {"share":>6}']
    for name, params, flops in rows:
        indent = '  ' * name.count('.')
        lines.append(f'{indent + name.split(".")[-1]:<{width}}  {human(params):>9}  '
                     f'{human(flops // 2):>9}  {human(flops):>9}  {100 * flops / total:5.1f}%')
    return lines


def summary_lines(result):
    """The totals, MACs labelled the way mmcls/torchvision name them."""
    c, h, w = result['shape']
    return [f'Input shape: ({c}, {h}, {w})',
            f"MACs (mmcls/torchvision 'FLOPs'): {human(result['macs'])}",
            f'FLOPs (2 per MAC, torch.utils.flop_counter): {human(result["flops"])}',
            f'Params: {human(result["params"])}']
