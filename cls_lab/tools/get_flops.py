"""Count a config's parameters and FLOPs for one input, in total and per layer.

    python -m cls_lab get-flops configs/resnet/resnet50_8xb32_in1k.py --shape 224
    python -m cls_lab get-flops CONFIG --shape 32 32 --depth 3

The model is built on the ``meta`` device (no weights allocated) and run once under
``torch.utils.flop_counter``, which counts convolutions, matmuls and attention at
2 FLOPs per multiply-accumulate. mmcls and torchvision print the MACs and call them
"FLOPs" (ResNet-50 at 224: 4.1 G); both are printed, labelled.
"""
from cls_lab.config import Config, DictAction


def add_arguments(parser):
    parser.add_argument('config', help='config file')
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input size: H (square) or H W (default 224)')
    parser.add_argument('--in-channels', type=int, default=3, help='input channels (default 3)')
    parser.add_argument('--depth', type=int, default=2,
                        help='per-layer table down to this many levels (default 2; 0: none)')
    parser.add_argument('--device', default='meta',
                        help='where to build the model (default meta: no memory, no weights)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. model.backbone.depth=101')


def input_shape(shape, in_channels=3):
    """``[224]`` -> (3, 224, 224); ``[224, 160]`` -> (3, 224, 160)."""
    if len(shape) == 1:
        return (in_channels, shape[0], shape[0])
    if len(shape) == 2:
        return (in_channels, *shape)
    raise SystemExit(f'get-flops: --shape takes H or H W, got {" ".join(map(str, shape))}')


def main(args):
    import torch

    from cls_lab.analysis.flops import count_flops, flops_table, summary_lines
    from cls_lab.models import build_classifier

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='--cfg-options')
    device = args.device
    try:
        with torch.device(device):
            model = build_classifier(cfg.model)
    except (RuntimeError, NotImplementedError) as error:
        if device != 'meta':
            raise
        # e.g. drop-path rates read with .item() in __init__: meta tensors hold no values
        print(f'(cannot build on the meta device: {str(error).splitlines()[0]}; building on cpu)')
        device = 'cpu'
        model = build_classifier(cfg.model)
    result = count_flops(model, input_shape(args.shape, args.in_channels),
                         depth=max(args.depth, 1), device=device)
    if args.depth > 0:
        print('\n'.join(flops_table(result)))
        print()
    print('\n'.join(summary_lines(result)))
    return 0
