"""Draw a class activation map (Grad-CAM, Grad-CAM++, EigenCAM, ...) of an image.

    python -m cls_lab vis-cam data_samples/digits/val/3/0045.png CONFIG CKPT --out cam.png
    python -m cls_lab vis-cam IMG CONFIG CKPT --target-layers backbone.layer3 --method gradcam++
    python -m cls_lab vis-cam IMG CONFIG CKPT --preview-model        # list the layer names

The image goes through the config's test pipeline. Without ``--target-layers`` the
backbone's last norm layer is used (mmcls' default; for ViT-style class tokens the first
norm of the last encoder block). Transformer outputs (N, tokens, C) are laid out as a grid
automatically; the message names the layer used.
"""
from ._common import add_model_arguments, save_figure


def add_arguments(parser):
    parser.add_argument('img', help='image file')
    add_model_arguments(parser, split=False)
    parser.add_argument('--target-layers', nargs='+', default=None,
                        help='module names, e.g. backbone.layer4.1.bn2 (default: last norm layer)')
    parser.add_argument('--preview-model', action='store_true',
                        help='print the module names (valid --target-layers) and exit')
    parser.add_argument('--method', default='gradcam',
                        help='gradcam, gradcam++, xgradcam, eigencam, eigengradcam, layercam, '
                        'hirescam, scorecam, ablationcam, gradcamelementwise (default gradcam)')
    parser.add_argument('--target-category', type=int, nargs='+', default=None,
                        help='class index(es) to explain (default: the predicted class)')
    parser.add_argument('--aug-smooth', action='store_true', help='test-time augmentation smoothing')
    parser.add_argument('--eigen-smooth', action='store_true',
                        help='first principal component of the activations x weights')
    parser.add_argument('--num-extra-tokens', type=int, default=None,
                        help='class/distillation tokens before the patch tokens '
                        '(default: backbone.num_extra_tokens, else inferred from the token count)')
    parser.add_argument('--out', help='image to write (default: <image name>_cam.png)')


def main(args):
    from pathlib import Path

    from cls_lab.analysis.cam import (cam_method, compute_cam, layer_names, load_input,
                                      plot_cams, resolve_target_layers)
    from cls_lab.apis import default_device, init_model

    if not Path(args.img).is_file():
        raise SystemExit(f'vis-cam: image file {args.img} does not exist')
    model = init_model(args.config, args.checkpoint, device=args.device or default_device(),
                       options=args.cfg_options)
    if args.preview_model:
        for name, module in model.named_modules():
            if name:
                print(f'{name}  ({type(module).__name__})')
        return 0
    x, picture = load_input(model, args.img)
    categories = args.target_category or [None]
    try:
        cam_method(args.method)
        layers, _ = resolve_target_layers(model, args.target_layers, args.num_extra_tokens)
        maps, titles = [], []
        for category in categories:
            cam_map, targets = compute_cam(model, x, layers, args.method,
                                           None if category is None else [category],
                                           args.aug_smooth, args.eigen_smooth,
                                           args.num_extra_tokens)
            maps.append(cam_map[0])
            titles.append(f'{args.method}: {model.CLASSES[targets[0]]} ({targets[0]})')
    except ValueError as error:
        raise SystemExit(f'vis-cam: {error}') from None
    fig = plot_cams([picture] * len(maps), maps, titles, columns=len(maps), size=2.6)
    out = save_figure(fig, args.out or f'{Path(args.img).stem}_cam.png')
    where = ', '.join(layer_names(model, layers))
    print(f'{args.method} of {", ".join(t.split(": ")[1] for t in titles)} at {where}; saved {out}')
    return 0
