"""Run every combination of a grid of settings and collect the final metrics into one table.

A config is trained once per combination (the grid keys are ``--cfg-options`` keys, e.g.
``optimizer.lr``); a notebook is executed by papermill with the grid keys as parameters
(injected after its ``parameters`` cell) and its metrics are the ``name: number`` lines its
``result``-tagged cells print. Each run gets its own work dir under the output folder.
"""
import csv
import itertools
import json
import re
from pathlib import Path

from cls_lab.config import parse_value

SKIP = {'mode', 'epoch', 'iter', 'lr', 'time', 'data_time', 'memory', 'eta'}
METRIC_LINE = re.compile(r'^\s*([\w .@/+-]+?)\s*[:=]\s*([-+]?\d[\d.]*(?:e[-+]?\d+)?)\s*%?\s*$', re.I)


def parse_grid(items):
    """``['optimizer.lr=0.1,0.01', 'runner.max_epochs=2']`` -> ``{'optimizer.lr': [0.1, 0.01], ...}``."""
    grid = {}
    for item in items:
        key, sep, text = item.partition('=')
        if not sep or not key or not text:
            raise ValueError(f'--grid expects key=v1,v2,..., got {item!r}')
        values = parse_value(text)
        grid[key] = values if isinstance(values, list) else [values]
    return grid


def combinations(grid):
    """Every combination as a dict, the last key varying fastest (itertools.product order)."""
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*grid.values())]


def run_name(index, combo):
    """``run03_optimizer.lr-0.01_runner.max_epochs-2`` (a safe folder name)."""
    parts = [f'{key}-{value}' for key, value in combo.items()]
    return re.sub(r'[^\w.=-]+', '_', f'run{index:02d}_' + '_'.join(parts))[:120]


def final_metrics(work_dir):
    """The last evaluation of a training (its last ``mode='val'`` log line) and the last loss."""
    logs = sorted(Path(work_dir).glob('*.log.json'))
    if not logs:
        raise FileNotFoundError(f'{work_dir}: no .log.json (did the training log anything?)')
    metrics = {}
    for line in logs[-1].read_text(encoding='utf-8').splitlines():
        record = json.loads(line) if line.strip() else {}
        values = {k: v for k, v in record.items() if k not in SKIP and isinstance(v, (int, float))}
        if record.get('mode') == 'val':
            metrics.update(values)
        elif record.get('mode') == 'train' and 'loss' in values:
            metrics['train_loss'] = values['loss']
    return metrics


def train_config(config, combo, work_dir, device=None, seed=0):
    """Train ``config`` with ``combo`` as --cfg-options through the ``train`` command; its metrics."""
    import argparse

    from cls_lab.tools import train
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    argv = [str(config), '--work-dir', str(work_dir), '--seed', str(seed)]
    args = parser.parse_args(argv + (['--device', device] if device else []))
    args.cfg_options = dict(combo)       # values already parsed: no text round trip
    train.main(args)
    return final_metrics(work_dir)


def run_notebook(notebook, combo, work_dir, kernel_name='python3'):
    """Execute ``notebook`` with ``combo`` as parameters (and ``work_dir`` when it takes one)."""
    import papermill

    from cls_lab.tools.notebook_result import result_text
    known = papermill.inspect_notebook(str(notebook))
    unknown = [key for key in combo if key not in known]
    if unknown:
        raise KeyError(f'{notebook}: no parameter {", ".join(unknown)} in its parameters cell '
                       f'(it has {", ".join(known) or "none"})')
    parameters = dict(combo)
    if 'work_dir' in known and 'work_dir' not in parameters:
        parameters['work_dir'] = str(Path(work_dir).resolve())
    Path(work_dir).mkdir(parents=True, exist_ok=True)
    out = Path(work_dir) / Path(notebook).name
    executed = papermill.execute_notebook(str(notebook), str(out), parameters=parameters,
                                          cwd=str(Path(notebook).resolve().parent),
                                          kernel_name=kernel_name, progress_bar=False)
    metrics = {}
    for line in result_text(executed).splitlines():
        match = METRIC_LINE.match(line)
        if match:
            metrics[match.group(1).strip()] = float(match.group(2))
    return metrics


def sweep(target, grid, out_dir, device=None, kernel_name='python3'):
    """Run every combination of ``grid`` on a config or a notebook; returns the rows (dicts)."""
    target, out_dir = Path(target), Path(out_dir)
    if not target.is_file():
        raise FileNotFoundError(f'sweep: {target} does not exist')
    combos = combinations(grid)
    rows = []
    for index, combo in enumerate(combos):
        work_dir = out_dir / run_name(index, combo)
        print(f'[{index + 1}/{len(combos)}] {", ".join(f"{k}={v}" for k, v in combo.items())}', flush=True)
        if target.suffix == '.ipynb':
            metrics = run_notebook(target, combo, work_dir, kernel_name)
        else:
            metrics = train_config(target, combo, work_dir, device)
        rows.append(dict(run=work_dir.name, **combo, **metrics))
    return rows


def write_csv(rows, path):
    """One row per run: run name, the grid values, then every metric any run reported."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def plot_sweep(rows, grid_keys, metric):
    """Bar chart of ``metric`` for every run, labelled with its grid values."""
    from matplotlib.figure import Figure
    labels = ['\n'.join(f'{k.split(".")[-1]}={row[k]}' for k in grid_keys) for row in rows]
    values = [float(row.get(metric, 'nan')) for row in rows]
    fig = Figure(figsize=(max(4.0, 1.1 * len(rows) + 1), 3.6), layout='constrained')
    ax = fig.add_subplot(1, 1, 1)
    bars = ax.bar(range(len(rows)), values, color='tab:blue')
    ax.bar_label(bars, fmt='%.3g', fontsize=8)
    ax.set_xticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylabel(metric)
    ax.set_title(f'sweep: {metric}')
    ax.grid(axis='y', alpha=0.3)
    return fig
