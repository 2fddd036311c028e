"""Run a grid of settings on a config (trainer) or a notebook (papermill); one CSV row per run.

    python -m cls_lab sweep CONFIG --grid optimizer.lr=0.1,0.01 runner.max_epochs=2,4 --out sweeps/lr
    python -m cls_lab sweep notebooks/00_quickstart.ipynb --grid max_epochs=1,2 --out sweeps/nb

Every combination runs in ``OUT/runNN_<values>/``. A config run's metrics are its last
evaluation (and last training loss); a notebook's are the ``name: number`` lines its cells
tagged ``result`` print. Writes ``OUT/sweep.csv`` and ``OUT/sweep.png`` (a bar per run).
"""
from ._common import save_figure


def add_arguments(parser):
    parser.add_argument('target', help='a config file or a .ipynb notebook')
    parser.add_argument('--grid', nargs='+', required=True, metavar='KEY=V1,V2',
                        help='config keys (or notebook parameters) and their values')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--metric', help='what the plot shows (default: the first metric)')
    parser.add_argument('--device', help='config runs: cpu, cuda or cuda:N')
    parser.add_argument('--kernel', default='python3', help='notebook runs: Jupyter kernel name')


def main(args):
    from pathlib import Path

    from cls_lab.analysis.sweep import parse_grid, plot_sweep, sweep, write_csv

    try:
        grid = parse_grid(args.grid)
        rows = sweep(args.target, grid, args.out, args.device, args.kernel)
    except (ValueError, KeyError, FileNotFoundError) as error:
        raise SystemExit(f'sweep: {error.args[0] if isinstance(error, KeyError) else error}') from None
    out = Path(args.out)
    csv_path = write_csv(rows, out / 'sweep.csv')
    metrics = [k for k in rows[0] if k != 'run' and k not in grid]
    metric = args.metric or next((m for m in metrics if 'acc' in m), metrics[0] if metrics else None)
    if metric is not None:
        png = save_figure(plot_sweep(rows, list(grid), metric), out / 'sweep.png')
        print(f'plotted {metric}: {png}')
    print(f'{len(rows)} runs; wrote {csv_path}')
    return 0
