"""Every hook of cls_lab.engine.hooks on the toy model: what it writes, when, and its errors."""
import json
import logging
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))
from test_runner_toys import ToyNet, toy_loader  # noqa: E402

from cls_lab.engine import EpochBasedRunner, Hook, IterBasedRunner  # noqa: E402
from cls_lab.engine.hooks import (CheckInvalidLossHook, CheckpointHook,  # noqa: E402
                                  DistSamplerSeedHook, EMAHook, EmptyCacheHook, EvalHook,
                                  IterTimerHook, ProgressBarHook, SyncBuffersHook,
                                  TensorboardLoggerHook, TextLoggerHook)

torch.set_num_threads(1)


def runner_for(tmp_path, max_epochs=3, cls=EpochBasedRunner, model=None, **kwargs):
    torch.manual_seed(0)
    model = model or ToyNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    length = dict(max_epochs=max_epochs) if cls is EpochBasedRunner else dict(max_iters=max_epochs)
    runner = cls(model, optimizer, work_dir=str(tmp_path), logger=logging.getLogger('hooks'),
                 device='cpu', **length, **kwargs)
    runner.register_training_hooks(None, dict(grad_clip=None), timer_config=None)
    return runner


# -- CheckpointHook ---------------------------------------------------------------------
def test_checkpoint_rotation_keeps_the_newest(tmp_path):
    runner = runner_for(tmp_path, max_epochs=5)
    runner.register_hook(CheckpointHook(interval=1, max_keep_ckpts=2, save_optimizer=False))
    runner.run([toy_loader()], [('train', 1)])
    names = sorted(f for f in os.listdir(tmp_path) if f.endswith('.pth'))
    assert names == ['epoch_4.pth', 'epoch_5.pth', 'latest.pth']
    assert os.readlink(tmp_path / 'latest.pth') == 'epoch_5.pth'
    ckpt = torch.load(tmp_path / 'latest.pth', weights_only=True)
    assert 'optimizer' not in ckpt and ckpt['meta']['epoch'] == 5
    assert ckpt['meta']['env']['torch'] == str(torch.__version__)
    assert runner.meta['hook_msgs']['last_ckpt'].endswith('epoch_5.pth')


def test_checkpoint_default_saves_only_the_last_and_by_iter(tmp_path):
    runner = runner_for(tmp_path / 'a', max_epochs=2)
    runner.register_hook(CheckpointHook())
    runner.run([toy_loader()], [('train', 1)])
    assert sorted(os.listdir(tmp_path / 'a')) == ['epoch_2.pth', 'latest.pth']

    runner = runner_for(tmp_path / 'b', max_epochs=7, cls=IterBasedRunner)
    runner.register_hook(CheckpointHook(interval=3, by_epoch=False, out_dir=str(tmp_path / 'c')))
    runner.run([toy_loader()], [('train', 1)])
    out = tmp_path / 'c' / 'b'          # out_dir/<work_dir name>, as mmcv
    assert sorted(os.listdir(out)) == ['iter_3.pth', 'iter_6.pth', 'iter_7.pth', 'latest.pth']
    assert 'optimizer' in torch.load(out / 'iter_7.pth', weights_only=True)


# -- EvalHook ---------------------------------------------------------------------------
class ScriptedScores:
    """Wraps a loader so dataset.evaluate returns the next number of a script."""

    def __init__(self, scores, key='accuracy_top-1'):
        self.loader = toy_loader(n=16, shuffle=False)
        self.scores, self.key, self.calls = list(scores), key, []
        self.loader.dataset.evaluate = self.evaluate

    def evaluate(self, results, metric='accuracy', metric_options=None, logger=None):
        self.calls.append((len(results), metric, metric_options))
        return {self.key: self.scores.pop(0), 'other': 1.0}


def test_eval_hook_keeps_only_the_best_checkpoint(tmp_path):
    script = ScriptedScores([50.0, 70.0, 60.0, 80.0, 75.0])
    runner = runner_for(tmp_path, max_epochs=5)
    runner.register_hook(EvalHook(script.loader, save_best='auto',
                                  metric_options={'topk': (1,)}), 'LOW')
    runner.register_hook(TextLoggerHook(interval=3))
    runner.run([toy_loader()], [('train', 1)])
    assert script.calls[0] == (16, 'accuracy', {'topk': (1,)})
    best = [f for f in os.listdir(tmp_path) if f.startswith('best_')]
    assert best == ['best_accuracy_top-1_epoch_4.pth']
    msgs = runner.meta['hook_msgs']
    assert msgs['best_score'] == 80.0 and msgs['best_ckpt'].endswith(best[0])
    ckpt = torch.load(tmp_path / best[0], weights_only=True)
    assert ckpt['meta']['hook_msgs']['best_score'] == 80.0
    records = [json.loads(line) for line in open(next(tmp_path.glob('*.log.json')))]
    evals = [r for r in records if 'accuracy_top-1' in r]
    assert [r['accuracy_top-1'] for r in evals] == [50.0, 70.0, 60.0, 80.0, 75.0]
    assert {r['mode'] for r in evals} == {'val'} and [r['epoch'] for r in evals] == [1, 2, 3, 4, 5]


def test_eval_hook_start_interval_rule_less_and_by_iter(tmp_path):
    script = ScriptedScores([0.5, 0.7, 0.2], key='loss')
    runner = runner_for(tmp_path, max_epochs=6)
    runner.register_hook(EvalHook(script.loader, start=2, interval=2, save_best='loss'))
    runner.run([toy_loader()], [('train', 1)])
    assert len(script.calls) == 3          # epochs 2, 4, 6
    assert os.listdir(tmp_path) == ['best_loss_epoch_6.pth']

    script = ScriptedScores([1.0, 2.0])
    runner = runner_for(tmp_path / 'it', max_epochs=8, cls=IterBasedRunner)
    runner.register_hook(EvalHook(script.loader, interval=4, by_epoch=False, save_best='auto'))
    runner.run([toy_loader()], [('train', 1)])
    assert os.listdir(tmp_path / 'it') == ['best_accuracy_top-1_iter_8.pth']


def test_eval_hook_errors_name_the_problem(tmp_path):
    with pytest.raises(TypeError, match='evaluate'):
        EvalHook([1, 2, 3])
    with pytest.raises(KeyError, match="'greater', 'less'"):
        EvalHook(toy_loader(), rule='bigger')
    runner = runner_for(tmp_path, max_epochs=1)
    runner.register_hook(EvalHook(ScriptedScores([1.0]).loader, save_best='top5'))
    with pytest.raises(KeyError, match="pick one of those"):
        runner.run([toy_loader()], [('train', 1)])
    runner = runner_for(tmp_path, max_epochs=1)
    runner.register_hook(EvalHook(ScriptedScores([1.0], key='score').loader, save_best='auto'))
    with pytest.raises(ValueError, match="rule='greater'"):
        runner.run([toy_loader()], [('train', 1)])


def test_eval_hook_on_the_real_dataset_evaluate(tmp_path):
    runner = runner_for(tmp_path, max_epochs=2)
    runner.register_hook(EvalHook(toy_loader(shuffle=False), save_best='auto'))
    seen = []
    runner.register_hook(type('Spy', (Hook,), {'after_train_epoch': lambda s, r: seen.append(
        dict(r.log_buffer.output))})(), 'LOWEST')
    runner.run([toy_loader()], [('train', 1)])
    assert 0 <= seen[-1]['accuracy_top-1'] <= 100


# -- loggers ----------------------------------------------------------------------------
def test_text_logger_json_lines(tmp_path, caplog):
    runner = runner_for(tmp_path, max_epochs=2)
    runner.meta.update(exp_name='toy.py', seed=3)
    runner.timestamp = '20240101_000000'
    runner.register_hook(IterTimerHook())
    runner.register_hook(TextLoggerHook(interval=4, ignore_last=False))
    with caplog.at_level(logging.INFO, logger='hooks'):
        runner.run([toy_loader(), toy_loader(n=16)], [('train', 1), ('val', 1)])
    lines = open(tmp_path / '20240101_000000.log.json').read().splitlines()
    records = [json.loads(line) for line in lines]
    assert records[0] == {'exp_name': 'toy.py', 'seed': 3}
    train = [r for r in records[1:] if r['mode'] == 'train']
    assert [(r['epoch'], r['iter']) for r in train] == [(1, 4), (1, 6), (2, 4), (2, 6)]
    assert set(train[0]) == {'mode', 'epoch', 'iter', 'lr', 'data_time', 'time', 'loss'}
    assert train[0]['lr'] == 0.05
    val = [r for r in records[1:] if r['mode'] == 'val']
    assert [r['epoch'] for r in val] == [1, 2] and 'loss' in val[0]
    assert 'Epoch [1][4/6]\tlr: 5.000e-02, eta: ' in caplog.text
    assert 'Epoch(val) [1]' in caplog.text and 'Exp name: toy.py' in caplog.text


def test_tensorboard_logger_writes_events(tmp_path):
    pytest.importorskip('tensorboard')
    runner = runner_for(tmp_path, max_epochs=1)
    runner.register_hook(TensorboardLoggerHook(interval=2))
    runner.run([toy_loader()], [('train', 1)])
    assert list((tmp_path / 'tf_logs').glob('events.out.tfevents.*'))


def test_progress_bar_counts_iterations(tmp_path):
    runner = runner_for(tmp_path, max_epochs=2)
    bar_hook = ProgressBarHook(interval=2)
    counts = []
    runner.register_hook(bar_hook)
    runner.register_hook(type('Spy', (Hook,), {'after_train_iter': lambda s, r: counts.append(
        bar_hook.bar.n)})(), 'LOWEST')
    runner.run([toy_loader()], [('train', 1)])
    assert counts == [1, 2, 3, 4, 5, 6] * 2 and bar_hook.bar is None


def test_iter_timer_fills_the_log_buffer(tmp_path):
    runner = runner_for(tmp_path, max_epochs=1)
    runner.register_hook(IterTimerHook())
    runner.run([toy_loader()], [('train', 1)])
    assert len(runner.log_buffer.val_history['time']) == 6
    assert all(t >= 0 for t in runner.log_buffer.val_history['data_time'])


# -- EMAHook ------------------------------------------------------------------------------
class Scalar(torch.nn.Module):
    """One parameter the test sets by hand each iteration."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(()))
        self.register_buffer('stat', torch.zeros(()))

    def train_step(self, data, optimizer=None):
        loss = self.w * 0 + data['img'].sum()
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=1)


def test_ema_numerics_swap_and_checkpoint(tmp_path):
    model = Scalar()
    runner = EpochBasedRunner(model, None, work_dir=str(tmp_path), device='cpu', max_epochs=2)
    values = iter(range(1, 100))

    class SetWeight(Hook):   # plays the optimizer: the weight becomes 1, 2, 3, ...
        def after_train_iter(self, r):
            with torch.no_grad():
                v = float(next(values))
                r.model.w.fill_(v)
                r.model.stat.fill_(10 * v)
    runner.register_hook(SetWeight(), 'ABOVE_NORMAL')
    runner.register_hook(EMAHook(momentum=0.5, interval=2, warm_up=3), 'NORMAL')
    runner.register_hook(CheckpointHook(interval=1), 'BELOW_NORMAL')
    data = [dict(img=torch.zeros(1))] * 4
    runner.run([data], [('train', 1)])
    # updates at iters 0, 2, 4, 6 with m = min(0.5, (1+i)/(3+i)) after weights 1, 3, 5, 7
    ema = 0.0
    for it, w in zip((0, 2, 4, 6), (1, 3, 5, 7)):
        m = min(0.5, (1 + it) / (3 + it))
        ema = (1 - m) * ema + m * w
    assert bool(model.ema_swapped)                 # after training the EMA is in the weights
    assert model.w.item() == pytest.approx(ema) and model.ema_w.item() == 8.0
    assert model.ema_stat.item() == 80.0 and model.stat.item() == pytest.approx(10 * ema)
    ckpt = torch.load(tmp_path / 'epoch_2.pth', weights_only=True)['state_dict']
    assert ckpt['w'].item() == pytest.approx(ema) and bool(ckpt['ema_swapped'])


def test_ema_swaps_back_before_training_continues(tmp_path):
    model = Scalar()
    seen = []

    class Watch(Hook):
        def before_train_iter(self, r):
            seen.append((r.iter, r.model.w.item()))

        def after_train_iter(self, r):
            with torch.no_grad():
                r.model.w.add_(1.0)
    runner = EpochBasedRunner(model, None, device='cpu', max_epochs=2)
    runner.register_hook(Watch())
    runner.register_hook(EMAHook(momentum=0.1, warm_up=1), 'HIGH')
    runner.run([[dict(img=torch.zeros(1))] * 3], [('train', 1)])
    assert seen == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0), (5, 5.0)]


def test_ema_rejects_bad_arguments():
    with pytest.raises(ValueError, match='momentum'):
        EMAHook(momentum=1.5)
    with pytest.raises(ValueError, match='interval'):
        EMAHook(interval=0)


# -- misc hooks ---------------------------------------------------------------------------
class NaNAt(ToyNet):
    def train_step(self, data, optimizer=None):
        out = super().train_step(data, optimizer)
        self.calls = getattr(self, 'calls', 0) + 1
        if self.calls == 3:
            out['log_vars'] = dict(out['log_vars'], loss_cls=float('nan'))
        return out


def test_invalid_loss_stops_before_the_update(tmp_path):
    model = NaNAt()
    runner = runner_for(tmp_path, model=model)
    runner.register_hook(CheckInvalidLossHook())   # train_model adds it; mmcv's runner does not
    before = {}

    class Snapshot(Hook):
        def before_train_iter(self, r):
            before['w'] = r.model.fc1.weight.detach().clone()
    runner.register_hook(Snapshot())
    assert isinstance(runner.hooks[0], CheckInvalidLossHook)
    with pytest.raises(FloatingPointError) as error:
        runner.run([toy_loader(with_metas=True)], [('train', 1)])
    message = str(error.value)
    assert 'epoch 1, iteration 3 of the epoch' in message and 'loss_cls=nan' in message
    assert 'img_0' in message and '.png' in message
    assert torch.equal(before['w'], model.fc1.weight)   # the optimizer never stepped


def test_invalid_loss_checks_the_loss_tensor_without_log_vars(tmp_path):
    class Inf(ToyNet):
        def train_step(self, data, optimizer=None):
            return dict(loss=torch.tensor(float('inf'), requires_grad=True), num_samples=1)
    runner = runner_for(tmp_path, model=Inf())
    runner.register_hook(CheckInvalidLossHook())
    with pytest.raises(FloatingPointError, match='loss=inf'):
        runner.run([toy_loader()], [('train', 1)])


def test_dist_sampler_seed_hook_sets_the_epoch(tmp_path):
    runner = runner_for(tmp_path, max_epochs=3)
    seen = []
    loader = toy_loader()
    runner.register_hook(DistSamplerSeedHook())
    runner.register_hook(type('Spy', (Hook,), {'before_train_epoch': lambda s, r: seen.append(
        r.data_loader.sampler.epoch)})(), 'LOWEST')
    runner.run([loader], [('train', 1)])
    assert seen == [0, 1, 2]


def test_empty_cache_and_sync_buffers_hooks(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'empty_cache', lambda: calls.append(1))
    runner = EpochBasedRunner(ToyNet(), torch.optim.SGD(ToyNet().parameters(), lr=0.1),
                              device='cpu', max_epochs=2)
    runner.register_hook(EmptyCacheHook(after_iter=True))
    runner.register_hook(SyncBuffersHook())      # one process: nothing to average
    runner.run([toy_loader()], [('train', 1)])
    assert len(calls) == 2 * 6 + 2


def test_iter_runner_logs_by_iteration_and_progress_bar_spans_the_run(tmp_path, caplog):
    torch.manual_seed(0)
    model = ToyNet()
    runner = IterBasedRunner(model, torch.optim.SGD(model.parameters(), lr=0.05), device='cpu',
                             work_dir=str(tmp_path), logger=logging.getLogger('hooks'),
                             max_iters=8)
    runner.register_training_hooks(None, dict(grad_clip=None), log_config=dict(
        interval=4, hooks=[dict(type='TextLoggerHook'), dict(type='ProgressBarHook')]))
    bar = runner.hooks[-1]
    with caplog.at_level(logging.INFO, logger='hooks'):
        runner.run([toy_loader()], [('train', 1)])
    assert 'Iter [4/8]\tlr: 5.000e-02' in caplog.text and 'Iter [8/8]' in caplog.text
    assert isinstance(bar, ProgressBarHook) and bar.bar is None
    records = [json.loads(line) for line in open(next(tmp_path.glob('*.log.json')))]
    assert [(r['epoch'], r['iter']) for r in records] == [(1, 4), (2, 8)]
