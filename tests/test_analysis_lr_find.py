"""lr-find: the range test stays in its range, suggests the steepest descent, restores the model."""
import numpy as np
import pytest
import torch

from cls_lab.__main__ import main as cli
from cls_lab.analysis.lr_finder import lr_find, suggest_lr
from cls_lab.datasets import build_dataloader, build_dataset
from cls_lab.models import build_classifier

from tiny_configs import tiny_config, write_tiny_config


def test_suggestion_is_the_steepest_descent_before_the_minimum():
    lrs = np.logspace(-5, 0, 51)
    losses = 2.0 - np.tanh(3 * (np.log10(lrs) + 3))      # falls fastest at 1e-3
    losses[45:] = 5.0                                     # ... and blows up at the end
    assert suggest_lr(lrs, losses) == pytest.approx(1e-3)
    assert suggest_lr([1e-3, 1e-2, 1e-1], [1.0, 2.0, 3.0]) == 1e-3   # never fell: smallest


def test_lr_find_restores_the_model_and_the_optimizer(tmp_path):
    cfg = tiny_config(tmp_path / 'work')
    torch.manual_seed(0)
    model = build_classifier(cfg.model)
    model.init_weights()
    model.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = build_dataloader(build_dataset(cfg.data.train), 10, 0, seed=0)
    result = lr_find(model, loader, optimizer, start_lr=1e-4, end_lr=10.0, num_iters=20)
    lrs = result['lrs']
    assert lrs[0] == pytest.approx(1e-4) and len(lrs) <= 20
    assert all(b > a for a, b in zip(lrs, lrs[1:]))                 # exponential growth
    assert 1e-4 <= result['suggestion'] <= lrs[-1] <= 10.0
    assert result['stopped_early'] or lrs[-1] == pytest.approx(10.0)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)    # weights put back
    assert not model.training                                        # and the mode
    assert optimizer.state_dict()['state'] == {} and optimizer.param_groups[0]['lr'] == 0.01
    with pytest.raises(ValueError, match='need 0 < start_lr < end_lr'):
        lr_find(model, loader, optimizer, start_lr=1.0, end_lr=0.1)


def test_lr_find_cli(tmp_path, capsys):
    config = write_tiny_config(tmp_path / 'tiny.py', tmp_path / 'work')
    out = tmp_path / 'lr.png'
    assert cli(['lr-find', config, '--start', '1e-5', '--end', '1', '--num-iters', '10',
                '--device', 'cpu', '--out', str(out)]) == 0
    text = capsys.readouterr().out
    suggestion = float(text.split('suggested lr: ')[1].split()[0])
    assert 1e-5 <= suggestion <= 1 and out.stat().st_size > 10_000
