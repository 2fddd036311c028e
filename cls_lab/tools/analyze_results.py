"""Save the most confident right and wrong predictions of a checkpoint as labelled images.

    python -m cls_lab analyze-results CONFIG work_dirs/NAME/latest.pth --out-dir results/ --topk 20

Writes ``success/`` and ``fail/`` folders (one PNG per image, titled with the true class,
the predicted class and its score, most confident first, as mmcls' analyze_results does)
plus ``success.png`` / ``fail.png`` grids of the first 24 of each.
mmcls 0.25 reads a results file written by ``test --out``; here the checkpoint is scored
directly (one step instead of two), with the same folders as output.
"""
from ._common import add_model_arguments, save_figure


def add_arguments(parser):
    add_model_arguments(parser)
    parser.add_argument('--out-dir', required=True, help='folder for success/ and fail/')
    parser.add_argument('--topk', type=int, default=20,
                        help='how many right and how many wrong predictions to save (default 20)')


def save_one(interp, index, path):
    """Image ``index`` with its true/predicted labels and score, as a PNG."""
    from matplotlib.figure import Figure

    from cls_lab.apis.inference import read_rgb
    fig = Figure(figsize=(3, 3.3), layout='constrained')
    ax = fig.add_subplot(1, 1, 1)
    rgb = read_rgb(interp.filenames[index])
    ax.imshow(rgb, cmap='gray' if rgb.ndim == 2 else None)
    ax.set_axis_off()
    ax.set_title(interp.caption(index).replace(', loss', '\nloss'), fontsize=8)
    save_figure(fig, path, dpi=80)


def main(args):
    from pathlib import Path

    from cls_lab.analysis.figures import plot_images
    from cls_lab.analysis.interpretation import interpret_checkpoint

    if args.topk < 1:
        raise SystemExit(f'analyze-results: --topk must be >= 1, got {args.topk}')
    interp = interpret_checkpoint(args.config, args.checkpoint, args.split, args.device,
                                  args.cfg_options)
    if interp.filenames is None:
        raise SystemExit(f'analyze-results: data.{args.split} has no image files to draw')
    out_dir = Path(args.out_dir)
    for folder, correct in (('success', True), ('fail', False)):
        indices = interp.most_confident(correct=correct, k=args.topk)
        for rank, index in enumerate(indices):
            name = Path(interp.filenames[index]).stem
            save_one(interp, index, out_dir / folder / f'{rank:03d}_{name}.png')
        title = f'most confident {"right" if correct else "wrong"} predictions'
        save_figure(plot_images(interp, indices[:24], title), out_dir / f'{folder}.png', dpi=80)
        print(f'{folder}: {len(indices)} images in {out_dir / folder}')
    return 0
