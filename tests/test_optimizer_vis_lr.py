"""vis-lr (python -m cls_lab vis-lr) and the schedules shipped in configs/_base_/schedules/."""
import pytest
import torch

from cls_lab.engine.schedule_preview import simulate_schedule


def close(got, want, tol=1e-9):
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == pytest.approx(w, rel=tol, abs=1e-12), f'iteration {i}: {g} != {w}'


def test_vis_lr_tool(tmp_path, capsys):
    import argparse
    from cls_lab.tools import vis_lr
    config = tmp_path / 'sched.py'
    config.write_text("optimizer = dict(type='SGD', lr=0.1, momentum=0.9)\n"
                      "lr_config = dict(policy='step', step=[2], warmup='linear', warmup_iters=3)\n"
                      "runner = dict(type='EpochBasedRunner', max_epochs=3)\n"
                      "data = dict(samples_per_gpu=8)\n")
    parser = argparse.ArgumentParser()
    vis_lr.add_arguments(parser)
    out = tmp_path / 'plots' / 'lr.png'
    args = parser.parse_args([str(config), '--out', str(out), '--dataset-size', '30', '--ngpus', '2',
                              '--cfg-options', 'lr_config.step=[1]'])
    assert vis_lr.main(args) == 0
    assert out.stat().st_size > 1000 and out.read_bytes()[:4] == b'\x89PNG'
    printed = capsys.readouterr().out
    assert '6 iterations (2 per epoch, 30 images)' in printed          # ceil(30 / (8*2)) = 2
    shape = vis_lr.schedule_of({'optimizer': dict(type='SGD', lr=0.1),
                                'lr_config': dict(policy='step', step=[1]),
                                'runner': dict(max_epochs=3), 'data': dict(samples_per_gpu=8)}, 30, 2)
    close(shape['curves']['lr'], [0.1, 0.1, 0.01, 0.01, 0.01, 0.01])
    # an iter-based runner needs no dataset size
    shape = vis_lr.schedule_of({'optimizer': dict(type='SGD', lr=0.1),
                                'lr_config': dict(policy='poly', power=1.0),
                                'runner': dict(type='IterBasedRunner', max_iters=4)})
    close(shape['curves']['lr'], [0.1, 0.075, 0.05, 0.025])


def test_vis_lr_missing_pieces_are_named():
    from cls_lab.tools import vis_lr
    with pytest.raises(KeyError, match='max_epochs'):
        vis_lr.schedule_of({'optimizer': dict(type='SGD', lr=0.1)}, 10)
    with pytest.raises(SystemExit, match='samples_per_gpu'):
        vis_lr.schedule_of({'optimizer': dict(type='SGD', lr=0.1), 'runner': dict(max_epochs=2)}, 10)


@pytest.mark.parametrize('name', ['imagenet_bs256', 'imagenet_bs256_coslr', 'imagenet_bs256_epochstep',
                                  'imagenet_bs256_coslr_warmup', 'imagenet_bs1024_adamw_swin',
                                  'cifar10_bs128', 'digits_bs32', 'digits_bs32_coslr'])
def test_shipped_schedules_simulate(name):
    from cls_lab import ROOT
    from cls_lab.config import Config
    cfg = Config.fromfile(str(ROOT / 'configs' / '_base_' / 'schedules' / f'{name}.py'))
    got = simulate_schedule(cfg.lr_config, cfg.optimizer, max_epochs=cfg.runner.max_epochs,
                            iters_per_epoch=3, momentum_config=cfg.get('momentum_config'))
    assert len(got['lr']) == 3 * cfg.runner.max_epochs
    assert max(got['lr']) <= cfg.optimizer.lr * (1 + 1e-12) and min(got['lr']) > 0
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    from cls_lab.engine.optimizer import build_optimizer
    assert isinstance(build_optimizer(model, cfg.optimizer), torch.optim.Optimizer)


def test_vis_lr_counts_the_training_set(tmp_path, capsys, monkeypatch):
    """Without --dataset-size the config's data.train is built and counted (digits: 1437)."""
    import argparse
    pytest.importorskip('cls_lab.datasets')
    from cls_lab import ROOT
    from cls_lab.tools import vis_lr
    config = tmp_path / 'digits_lr.py'
    base = ROOT / 'configs' / '_base_'
    config.write_text(f"_base_ = ['{base / 'datasets' / 'digits_bs32.py'}', "
                      f"'{base / 'schedules' / 'digits_bs32.py'}']\n")
    parser = argparse.ArgumentParser()
    vis_lr.add_arguments(parser)
    args = parser.parse_args([str(config), '--out', str(tmp_path / 'lr.png'), '--by-iter'])
    monkeypatch.chdir(ROOT)      # the data paths are relative to the repo root
    assert vis_lr.main(args) == 0
    assert '450 iterations (45 per epoch, 1437 images)' in capsys.readouterr().out
