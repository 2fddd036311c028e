"""sweep: one CSV row per combination, for a config (the trainer) and a notebook (papermill)."""
import csv

import nbformat
import pytest

from cls_lab.__main__ import main as cli
from cls_lab.analysis.sweep import combinations, parse_grid, run_name

from tiny_configs import write_tiny_config


def test_grid_parsing_and_combinations():
    grid = parse_grid(['optimizer.lr=0.1,0.01', 'runner.max_epochs=2', 'optimizer.type=SGD,Adam'])
    assert grid == {'optimizer.lr': [0.1, 0.01], 'runner.max_epochs': [2],
                    'optimizer.type': ['SGD', 'Adam']}
    combos = combinations(grid)
    assert len(combos) == 4 and combos[1] == {'optimizer.lr': 0.1, 'runner.max_epochs': 2,
                                              'optimizer.type': 'Adam'}
    assert run_name(3, combos[3]) == 'run03_optimizer.lr-0.01_runner.max_epochs-2_optimizer.type-Adam'
    with pytest.raises(ValueError, match="--grid expects key=v1,v2,..., got 'lr'"):
        parse_grid(['lr'])


def test_sweep_a_config_trains_every_combination(tmp_path, capsys):
    config = write_tiny_config(tmp_path / 'tiny.py', tmp_path / 'unused', max_epochs=1,
                               train_per_class=2, val_per_class=1)
    out = tmp_path / 'sweep'
    assert cli(['sweep', config, '--grid', 'optimizer.lr=0.01,0.001', 'runner.max_epochs=1',
                '--out', str(out), '--device', 'cpu']) == 0
    rows = list(csv.DictReader(open(out / 'sweep.csv')))
    assert [row['optimizer.lr'] for row in rows] == ['0.01', '0.001']
    assert all(0 <= float(row['accuracy_top-1']) <= 100 and float(row['train_loss']) > 0 for row in rows)
    assert all((out / row['run'] / 'latest.pth').exists() for row in rows)
    assert (out / 'sweep.png').stat().st_size > 5000
    assert 'plotted accuracy_top-1' in capsys.readouterr().out


def test_sweep_a_notebook_with_papermill(tmp_path):
    notebook = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('x = 1\nwork_dir = "unused"')
    params.metadata['tags'] = ['parameters']
    result = nbformat.v4.new_code_cell('import os\nprint(f"double: {2 * x}")\n'
                                       'print("wrote:", int(os.path.isdir(work_dir)))')
    result.metadata['tags'] = ['result']
    notebook.cells = [params, nbformat.v4.new_code_cell('os = None'), result]
    notebook.metadata['kernelspec'] = dict(name='python3', display_name='Python 3', language='python')
    path = tmp_path / 'tiny.ipynb'
    nbformat.write(notebook, str(path))
    out = tmp_path / 'nb_sweep'
    assert cli(['sweep', str(path), '--grid', 'x=3,5', '--out', str(out)]) == 0
    rows = list(csv.DictReader(open(out / 'sweep.csv')))
    assert [(r['x'], r['double'], r['wrote']) for r in rows] == [('3', '6.0', '1.0'), ('5', '10.0', '1.0')]
    with pytest.raises(SystemExit, match=r'no parameter y in its parameters cell \(it has x, work_dir\)'):
        cli(['sweep', str(path), '--grid', 'y=1', '--out', str(out)])
