"""Export a trained classifier to ONNX or TorchScript and check it against PyTorch.

    python -m cls_lab export CONFIG work_dirs/NAME/latest.pth --format onnx --out model.onnx
    python -m cls_lab export CONFIG CKPT --format torchscript --out model.pt --shape 32

The file maps ``img`` (N, C, H, W, normalised as the test pipeline does) to softmax
``scores`` (N, num_classes); the ONNX batch axis is dynamic. After writing, the file runs
(onnxruntime / torch.jit.load) on the same random batch of 2 as the PyTorch model and the
largest difference is printed; above ``--tolerance`` the command fails.
mmcls' pytorch2onnx defaults to opset 11; cls_lab to 17, which torch 2.x exports best
(``--opset-version 11`` still works for old runtimes).
"""
from cls_lab.config import DictAction

from .get_flops import input_shape


def add_arguments(parser):
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file (.pth)')
    parser.add_argument('--format', choices=['onnx', 'torchscript'], default='onnx')
    parser.add_argument('--out', help='file to write (default: <config name>.onnx / .pt)')
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input size H or H W (default 224)')
    parser.add_argument('--in-channels', type=int, default=3)
    parser.add_argument('--opset-version', type=int, default=17, help='ONNX opset (default 17)')
    parser.add_argument('--static-batch', action='store_true',
                        help='ONNX: fix the batch size to 1 (default: dynamic)')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest allowed |exported - pytorch| score difference (default 1e-4)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys')


def main(args):
    from pathlib import Path

    import torch

    from cls_lab.analysis.export import (ExportError, check_onnx, check_torchscript,
                                         export_onnx, export_torchscript)
    from cls_lab.apis import init_model

    shape = input_shape(args.shape, args.in_channels)
    out = Path(args.out or Path(args.config).stem + ('.onnx' if args.format == 'onnx' else '.pt'))
    out.parent.mkdir(parents=True, exist_ok=True)
    model = init_model(args.config, args.checkpoint, device='cpu', options=args.cfg_options)
    x = torch.randn(2, *shape, generator=torch.Generator().manual_seed(0))
    try:
        if args.format == 'onnx':
            export_onnx(model, out, shape, args.opset_version, dynamic_batch=not args.static_batch)
            diff = check_onnx(out, model, x[:1] if args.static_batch else x)
            runtime = 'onnxruntime'
        else:
            export_torchscript(model, out, shape)
            diff = check_torchscript(out, model, x)
            runtime = 'torch.jit.load'
    except ExportError as error:
        raise SystemExit(f'export: {error}') from None
    print(f'wrote {out} ({out.stat().st_size / 2**20:.2f} MiB), input (N, {", ".join(map(str, shape))})')
    print(f'max |{runtime} - pytorch| over the softmax scores: {diff:.3g}')
    if diff > args.tolerance:
        raise SystemExit(f'export: the exported model differs from PyTorch by {diff:.3g} '
                         f'(> --tolerance {args.tolerance:g})')
    return 0
