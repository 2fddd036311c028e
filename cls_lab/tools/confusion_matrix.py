"""Score a data set with a checkpoint and plot the confusion matrix (counts and normalised).

    python -m cls_lab confusion-matrix CONFIG work_dirs/NAME/latest.pth --out cm.png
    python -m cls_lab confusion-matrix CONFIG CKPT --split val --show

Rows are the true classes, columns the predicted ones (mmcls' convention). Also prints the
per-class precision and recall (percent) and the most confused pairs.
"""
from ._common import add_model_arguments, save_figure, show_figure


def add_arguments(parser):
    add_model_arguments(parser)
    parser.add_argument('--out', help='image to write (default: <config name>_confusion.png)')
    parser.add_argument('--show', action='store_true', help='also open the figure in a window')
    parser.add_argument('--normalize', action='store_true',
                        help='only the row-normalised matrix (default: counts and normalised)')


def main(args):
    from pathlib import Path

    from cls_lab.analysis.figures import (plot_confusion_matrix, plot_confusion_pair,
                                          precision_recall_lines)
    from cls_lab.analysis.interpretation import interpret_checkpoint

    interp = interpret_checkpoint(args.config, args.checkpoint, args.split, args.device,
                                  args.cfg_options)
    fig = plot_confusion_matrix(interp, normalize=True) if args.normalize else plot_confusion_pair(interp)
    out = save_figure(fig, args.out or f'{Path(args.config).stem}_confusion.png')
    matrix = interp.confusion_matrix()
    print(f'{len(interp)} images, {int(matrix.trace())} right '
          f'({100 * matrix.trace() / max(len(interp), 1):.2f}% accuracy)')
    print('\n'.join(precision_recall_lines(interp)))
    confused = interp.most_confused()[:5]
    if confused:
        print('most confused (true -> predicted: count): '
              + ', '.join(f'{t} -> {p}: {n}' for t, p, n in confused))
    print(f'saved {out}')
    if args.show:
        show_figure(out)
    return 0
