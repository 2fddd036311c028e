"""analyze-logs: curves of several runs from TextLoggerHook's JSON lines, and train time."""
import json

import numpy as np
import pytest

from cls_lab.__main__ import main as cli
from cls_lab.analysis.logs import TrainingLog, plot_curves, train_time


def write_log(path, losses, accuracies, times):
    """A log.json like TextLoggerHook's: header, 2 train lines per epoch (iters 5, 10), val."""
    lines = [dict(env_info='test', seed=0)]
    for epoch, (pair, acc, time_pair) in enumerate(zip(losses, accuracies, times), 1):
        for it, loss, t in zip((5, 10), pair, time_pair):
            lines.append(dict(mode='train', epoch=epoch, iter=it, lr=0.1, time=t, loss=loss))
        lines.append(dict(mode='val', epoch=epoch, iter=10 * epoch, **{'accuracy_top-1': acc}))
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))
    return str(path)


@pytest.fixture
def two_runs(tmp_path):
    a = write_log(tmp_path / 'a.log.json', [(2.0, 1.5), (1.2, 1.0)], [50.0, 70.0],
                  [(0.9, 0.2), (0.5, 0.3)])
    b = write_log(tmp_path / 'b.log.json', [(2.2, 2.0), (1.8, 1.6)], [40.0, 45.0],
                  [(0.8, 0.1), (0.4, 0.1)])
    return a, b


def test_plot_curves_draws_every_run_on_each_key(two_runs):
    fig = plot_curves(two_runs, ['loss', 'accuracy_top-1'], legend=['adam', 'sgd'])
    loss_ax, acc_ax = fig.axes[:2]
    assert [line.get_label() for line in loss_ax.lines] == ['adam', 'sgd']
    x, y = loss_ax.lines[0].get_data()
    assert np.allclose(x, [0.5, 1.0, 1.5, 2.0]) and np.allclose(y, [2.0, 1.5, 1.2, 1.0])
    x, y = acc_ax.lines[1].get_data()
    assert np.allclose(x, [1, 2]) and np.allclose(y, [40.0, 45.0])
    with pytest.raises(KeyError, match="does not contain 'top5'; its keys: accuracy_top-1, loss, lr"):
        plot_curves(two_runs, ['top5'])


def test_train_time_leaves_out_each_epochs_first_interval(two_runs):
    times = train_time(two_runs[0])
    assert times['epoch_means'] == pytest.approx({1: 0.2, 2: 0.3})
    assert (times['slowest_epoch'], times['fastest_epoch']) == (2, 1)
    assert times['mean'] == pytest.approx(0.25) and times['std_over_epochs'] == pytest.approx(0.05)
    assert train_time(two_runs[0], include_outliers=True)['epoch_means'][1] == pytest.approx(0.55)


def test_analyze_logs_cli(two_runs, tmp_path, capsys):
    out = tmp_path / 'curves.png'
    assert cli(['analyze-logs', 'plot-curve', *two_runs, '--keys', 'loss', 'accuracy_top-1',
                '--legend', 'adam', 'sgd', '--out', str(out)]) == 0
    assert out.stat().st_size > 10_000
    assert cli(['analyze-logs', 'cal-train-time', two_runs[1]]) == 0
    text = capsys.readouterr().out
    assert 'slowest epoch 1, average time is 0.1000 s/iter' in text
    assert 'average iter time: 0.1000 s/iter' in text
    with pytest.raises(SystemExit, match='--legend has 1 names for 2 logs'):
        cli(['analyze-logs', 'plot-curve', *two_runs, '--legend', 'one'])
    bad = tmp_path / 'bad.log.json'
    bad.write_text('{"mode": "train"\n')
    with pytest.raises(SystemExit, match='bad.log.json, line 1: not JSON'):
        cli(['analyze-logs', 'cal-train-time', str(bad)])


def test_iteration_logs_plot_against_iterations(tmp_path):
    path = tmp_path / 'iters.log.json'
    path.write_text(''.join(json.dumps(dict(mode='train', iter=i, loss=1.0 / i)) + '\n'
                            for i in (10, 20, 30)))
    log = TrainingLog(path)
    x, y, mode = log.series('loss')
    assert not log.by_epoch and list(x) == [10, 20, 30] and mode == 'train'
