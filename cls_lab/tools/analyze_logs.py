"""Plot and time training runs from their JSON logs (TextLoggerHook's <timestamp>.log.json).

    python -m cls_lab analyze-logs plot-curve run1/x.log.json run2/y.log.json \\
        --keys loss accuracy_top-1 --legend adam sgd --out curves.png
    python -m cls_lab analyze-logs cal-train-time work_dirs/NAME/x.log.json

plot-curve draws each key in its own panel with every run on it (training values against
the fractional epoch, validation metrics at each epoch's end); cal-train-time prints the
seconds per iteration and the slowest and fastest epochs.
"""


def add_arguments(parser):
    tasks = parser.add_subparsers(dest='task', required=True, metavar='TASK')
    curve = tasks.add_parser('plot-curve', help='curves of one or several runs on one figure')
    curve.add_argument('json_logs', nargs='+', help='log.json files')
    curve.add_argument('--keys', nargs='+', default=['loss'],
                       help='what to plot, e.g. loss accuracy_top-1 lr (default loss)')
    curve.add_argument('--legend', nargs='+', help='one name per log (default: file names)')
    curve.add_argument('--title', help='figure title')
    curve.add_argument('--style', default='-', help='matplotlib line style (default -)')
    curve.add_argument('--out', help='image to write (default curves.png)')
    timing = tasks.add_parser('cal-train-time', help='time per iteration, slowest/fastest epoch')
    timing.add_argument('json_logs', nargs='+', help='log.json files')
    timing.add_argument('--include-outliers', action='store_true',
                        help="keep each epoch's first logged interval (loader start-up)")


def main(args):
    from cls_lab.analysis.logs import TrainingLog, plot_curves, train_time

    try:
        logs = [TrainingLog(path) for path in args.json_logs]
        if args.task == 'plot-curve':
            from ._common import save_figure
            fig = plot_curves(logs, args.keys, args.legend, args.title, args.style)
            out = save_figure(fig, args.out or 'curves.png')
            print(f'plotted {", ".join(args.keys)} of {len(logs)} log(s); saved {out}')
            return 0
        for log in logs:
            times = train_time(log, args.include_outliers)
            print(f'-----Analyze train time of {log.path}-----')
            print(f'slowest epoch {times["slowest_epoch"]}, average time is {times["slowest"]:.4f} s/iter')
            print(f'fastest epoch {times["fastest_epoch"]}, average time is {times["fastest"]:.4f} s/iter')
            print(f'time std over epochs is {times["std_over_epochs"]:.4f}')
            print(f'average iter time: {times["mean"]:.4f} s/iter')
    except (KeyError, ValueError, OSError) as error:
        message = error.args[0] if isinstance(error, KeyError) else error
        raise SystemExit(f'analyze-logs: {message}') from None
    return 0
