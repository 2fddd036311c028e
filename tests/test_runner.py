"""Runners: hook order, workflow with val, max_epochs / max_iters, load vs resume, bad input."""
import logging
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))
from test_runner_toys import ToyNet, toy_loader, train_toy  # noqa: E402

from cls_lab.engine import (EpochBasedRunner, Hook, IterBasedRunner,  # noqa: E402
                            find_latest_checkpoint)
from cls_lab.registry import HOOKS, RUNNERS  # noqa: E402

torch.set_num_threads(1)


def make_runner(tmp_path, cls=EpochBasedRunner, **kwargs):
    torch.manual_seed(0)
    model = ToyNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    kwargs.setdefault('max_epochs' if cls is EpochBasedRunner else 'max_iters', 2)
    return cls(model, optimizer, work_dir=str(tmp_path), logger=logging.getLogger('test'),
               device='cpu', **kwargs)


def default_hooks(runner, **overrides):
    args = dict(lr_config=dict(policy='step', step=[1]), optimizer_config=dict(grad_clip=None),
                checkpoint_config=dict(interval=1),
                log_config=dict(interval=2, hooks=[dict(type='TextLoggerHook')]))
    args.update(overrides)
    runner.register_training_hooks(**args)


class Recorder(Hook):
    """Writes down every hook point it sees, with the runner's counters."""

    def __init__(self):
        self.calls = []

    def __getattribute__(self, name):
        if name in Hook.stages:
            return lambda runner: self.calls.append((name, runner.mode, runner.epoch,
                                                     runner.iter))
        return super().__getattribute__(name)


def test_runners_are_registered():
    assert RUNNERS.get('EpochBasedRunner') is EpochBasedRunner
    assert RUNNERS.get('IterBasedRunner') is IterBasedRunner


def test_default_hooks_follow_the_seed_priority_table(tmp_path):
    runner = make_runner(tmp_path)
    default_hooks(runner, momentum_config=dict(policy='step', step=[1], gamma=0.5),
                  custom_hooks_config=[dict(type='EMAHook', priority='HIGH'),
                                       dict(type='EmptyCacheHook'),
                                       dict(type='SyncBuffersHook', priority=95)])
    names = [(type(h).__name__, h.priority) for h in runner.hooks]
    assert names == [('StepLrUpdaterHook', 10),
                     ('StepMomentumUpdaterHook', 30), ('EMAHook', 30), ('OptimizerHook', 40),
                     ('CheckpointHook', 50), ('EmptyCacheHook', 50), ('IterTimerHook', 70),
                     ('TextLoggerHook', 90), ('SyncBuffersHook', 95)]
    table = runner.get_hook_info()
    assert 'after_train_iter:' in table
    after_iter = table.split('after_train_iter:')[1].split(':')[0]
    assert after_iter.index('OptimizerHook') < after_iter.index('TextLoggerHook')
    assert '(VERY_HIGH   ) StepLrUpdaterHook' in table and '(95          ) SyncBuffersHook' in table


def test_register_hook_keeps_insertion_order_for_equal_priority(tmp_path):
    runner = make_runner(tmp_path)
    a, b, c = Hook(), Hook(), Hook()
    runner.register_hook(a, 'LOW')
    runner.register_hook(b, 'HIGH')
    runner.register_hook(c, 70)
    assert runner.hooks == [b, a, c]


def test_unknown_hook_type_suggests_the_right_name(tmp_path):
    runner = make_runner(tmp_path)
    with pytest.raises(KeyError, match="did you mean 'EMAHook'"):
        runner.register_training_hooks(None, custom_hooks_config=[dict(type='EmaHook')])
    with pytest.raises(KeyError, match='Step'):
        runner.register_training_hooks(dict(policy='stepp'))
    with pytest.raises(KeyError, match='lr_config needs "policy"'):
        runner.register_training_hooks(dict(step=[1]))
    with pytest.raises(ValueError, match='unknown priority'):
        runner.register_hook_from_cfg(dict(type='EmptyCacheHook', priority='MEDIUM'))


def test_workflow_with_val_runs_both_and_val_updates_nothing(tmp_path):
    runner = make_runner(tmp_path, max_epochs=2)
    default_hooks(runner)
    recorder = Recorder()
    runner.register_hook(recorder)
    seen = {}

    class CheckVal(Hook):
        def before_val_epoch(self, r):
            seen['params'] = [p.detach().clone() for p in r.model.parameters()]
            seen['training'] = r.model.training
            seen['grad'] = torch.is_grad_enabled()

        def after_val_epoch(self, r):
            seen['same'] = all(torch.equal(a, b) for a, b in
                               zip(seen['params'], r.model.parameters()))
            seen['val_loss'] = r.log_buffer.val_history.get('loss')
    runner.register_hook(CheckVal(), 'LOWEST')
    runner.run([toy_loader(), toy_loader(seed=1)], [('train', 1), ('val', 1)])
    modes = [m for stage, m, _, _ in recorder.calls if stage == 'before_train_epoch'] + \
        [m for stage, m, _, _ in recorder.calls if stage == 'before_val_epoch']
    assert modes == ['train', 'train', 'val', 'val']
    order = [s for s, *_ in recorder.calls if s.endswith('_epoch') and s.startswith('before')]
    assert order == ['before_train_epoch', 'before_val_epoch'] * 2
    assert seen['same'] and seen['training'] is False and seen['grad'] is False
    assert len(seen['val_loss']) == 6      # one loss per val batch, logged
    assert runner.epoch == 2 and runner.iter == 12


def test_max_epochs_counts_and_iteration_order(tmp_path):
    runner = make_runner(tmp_path, max_epochs=3)
    default_hooks(runner)
    recorder = Recorder()
    runner.register_hook(recorder)
    runner.run([toy_loader(n=40, batch_size=8)], [('train', 1)])
    assert (runner.epoch, runner.iter, runner.max_iters) == (3, 15, 15)
    stages = [s for s, *_ in recorder.calls]
    assert stages[0] == 'before_run' and stages[-1] == 'after_run'
    assert stages.count('after_train_iter') == 15 and stages.count('after_train_epoch') == 3
    first_iters = [(e, i) for s, _, e, i in recorder.calls if s == 'before_train_iter'][:6]
    assert first_iters == [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (1, 5)]


def test_iter_based_runner_cycles_the_loader(tmp_path):
    runner = make_runner(tmp_path, IterBasedRunner, max_iters=13)
    default_hooks(runner)
    runner.run([toy_loader(n=40, batch_size=8)], [('train', 1)])
    assert runner.iter == 13 and runner.epoch == 2          # 5 batches per pass
    files = set(os.listdir(tmp_path))
    assert {'iter_1.pth', 'iter_12.pth', 'iter_13.pth', 'latest.pth'} <= files
    assert os.readlink(tmp_path / 'latest.pth') == 'iter_13.pth'
    assert [type(h).__name__ for h in runner.hooks if getattr(h, 'by_epoch', None) is False] == \
        ['StepLrUpdaterHook', 'CheckpointHook', 'TextLoggerHook']


def test_iter_based_workflow_interleaves_val(tmp_path):
    runner = make_runner(tmp_path, IterBasedRunner, max_iters=6)
    default_hooks(runner)
    recorder = Recorder()
    runner.register_hook(recorder)
    runner.run([toy_loader(), toy_loader(n=16)], [('train', 3), ('val', 1)])
    seq = [s for s, *_ in recorder.calls if s in ('after_train_iter', 'after_val_epoch')]
    assert seq == ['after_train_iter'] * 3 + ['after_val_epoch'] + \
        ['after_train_iter'] * 3 + ['after_val_epoch']


def test_load_checkpoint_is_weights_only_and_resume_restores_counters(tmp_path):
    trained = train_toy(str(tmp_path / 'a'), max_epochs=2)
    path = find_latest_checkpoint(tmp_path / 'a')
    assert path.endswith('latest.pth') and os.path.realpath(path).endswith('epoch_2.pth')
    meta = torch.load(path, weights_only=True)['meta']
    assert meta['epoch'] == 2 and meta['iter'] == 12 and meta['CLASSES'] == ['a', 'b', 'c']
    assert set(meta['rng']) >= {'python', 'numpy', 'torch'} and meta['seed'] == 0

    fresh = make_runner(tmp_path / 'b')
    fresh.load_checkpoint(path)
    assert (fresh.epoch, fresh.iter) == (0, 0)
    for a, b in zip(trained.model.state_dict().values(), fresh.model.state_dict().values()):
        assert torch.equal(a, b)
    momentum_before = fresh.optimizer.state_dict()['state']
    assert momentum_before == {}
    fresh.resume(path)
    assert (fresh.epoch, fresh.iter) == (2, 12)
    assert len(fresh.optimizer.state_dict()['state']) == 6   # momentum buffers came back


@pytest.mark.parametrize('runner_type,kwargs', [
    ('EpochBasedRunner', dict(max_epochs=4)), ('IterBasedRunner', dict(max_iters=20)),
    ('EpochBasedRunner', dict(max_epochs=4, workers=0)),     # cls_lab's build_dataloader
    ('IterBasedRunner', dict(max_iters=20, workers=1))])
def test_resume_mid_epoch_matches_uninterrupted_run(tmp_path, runner_type, kwargs):
    class Crash(Hook):
        def after_train_iter(self, runner):
            if runner.iter + 1 == 13:
                raise RuntimeError('simulated crash')
    ckpt = dict(interval=5, by_epoch=False)
    full = train_toy(str(tmp_path / 'full'), runner_type=runner_type, checkpoint_config=ckpt,
                     **kwargs)
    with pytest.raises(RuntimeError, match='simulated crash'):
        train_toy(str(tmp_path / 'cut'), runner_type=runner_type, checkpoint_config=ckpt,
                  extra_hooks=[Crash()], **kwargs)
    latest = find_latest_checkpoint(tmp_path / 'cut')
    assert os.path.realpath(latest).endswith('iter_10.pth')
    resumed = train_toy(str(tmp_path / 'cut'), runner_type=runner_type, checkpoint_config=ckpt,
                        resume_from=latest, **kwargs)
    assert (resumed.epoch, resumed.iter) == (full.epoch, full.iter)
    for a, b in zip(full.model.state_dict().values(), resumed.model.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


@pytest.mark.parametrize('runner_type, kwargs, checkpoint_config, saved', [
    ('EpochBasedRunner', dict(max_epochs=3), dict(interval=1), 'epoch_2.pth'),
    ('IterBasedRunner', dict(max_iters=18), dict(interval=6, by_epoch=False), 'iter_12.pth')])
def test_resume_between_passes_matches_uninterrupted_run(tmp_path, runner_type, kwargs,
                                                         checkpoint_config, saved):
    """A checkpoint saved where a pass ends (6 batches each): the RNG state (dropout) comes
    back before the next pass draws anything, so the resumed run ends where the full one does."""
    class Crash(Hook):
        def after_train_iter(self, runner):
            if runner.iter + 1 == 14:
                raise RuntimeError('simulated crash')
    full = train_toy(str(tmp_path / 'full'), runner_type=runner_type,
                     checkpoint_config=checkpoint_config, **kwargs)
    with pytest.raises(RuntimeError, match='simulated crash'):
        train_toy(str(tmp_path / 'cut'), runner_type=runner_type,
                  checkpoint_config=checkpoint_config, extra_hooks=[Crash()], **kwargs)
    latest = find_latest_checkpoint(tmp_path / 'cut')
    assert os.path.realpath(latest).endswith(saved)
    resumed = train_toy(str(tmp_path / 'cut'), runner_type=runner_type,
                        checkpoint_config=checkpoint_config, resume_from=latest, **kwargs)
    assert (resumed.epoch, resumed.iter) == (full.epoch, full.iter)
    for a, b in zip(full.model.state_dict().values(), resumed.model.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_progress_counts_the_step_whose_hooks_are_running(tmp_path):
    """What a checkpoint records: in after_train_iter the iteration is done, in
    after_train_epoch the epoch (the counters move on after those hooks)."""
    seen = []

    class Spy(Hook):
        def after_train_iter(self, runner):
            seen.append(('iter', runner.iter, runner.progress()))

        def after_train_epoch(self, runner):
            seen.append(('epoch', runner.epoch, runner.progress()))
    runner = make_runner(tmp_path, max_epochs=1)
    runner.register_hook(Spy())
    runner.run([toy_loader(n=16)], [('train', 1)])
    assert seen == [('iter', 0, (0, 1, 1)), ('iter', 1, (0, 2, 2)), ('epoch', 0, (1, 2, 0))]
    assert runner.progress() == (1, 2, 0)


def test_validation_does_not_change_the_training_trajectory(tmp_path):
    # val passes and EvalHook draw random numbers (loader iterators); they run under
    # preserve_rng, so training with them ends exactly where training without them ends
    plain = train_toy(str(tmp_path / 'plain'), max_epochs=3)
    evaluated = train_toy(str(tmp_path / 'eval'), max_epochs=3, extra_hooks=[
        HOOKS.build(dict(type='EvalHook', dataloader=toy_loader(n=16, seed=5)))])
    for a, b in zip(plain.model.state_dict().values(), evaluated.model.state_dict().values()):
        assert torch.equal(a, b)


def test_find_latest_checkpoint_without_latest_link(tmp_path):
    assert find_latest_checkpoint(tmp_path) is None
    for name in ('epoch_2.pth', 'epoch_10.pth', 'iter_3.pth', 'best_acc_epoch_99.pth'):
        (tmp_path / name).write_bytes(b'')
    assert find_latest_checkpoint(tmp_path).endswith('epoch_10.pth')
    (tmp_path / 'latest.pth').symlink_to('epoch_2.pth')
    assert find_latest_checkpoint(tmp_path).endswith('latest.pth')


def test_bad_arguments_name_the_problem(tmp_path):
    runner = make_runner(tmp_path)
    with pytest.raises(ValueError, match="'train' or 'val'"):
        runner.run([toy_loader()], [('test', 1)])
    with pytest.raises(ValueError, match='one per phase'):
        runner.run([toy_loader()], [('train', 1), ('val', 1)])
    with pytest.raises(ValueError, match='Only one of `max_epochs` or `max_iters`'):
        make_runner(tmp_path, max_epochs=1, max_iters=3)
    with pytest.raises(ValueError, match='needs max_iters'):
        IterBasedRunner(ToyNet(), None, device='cpu').run([toy_loader()], [('train', 1)])
    with pytest.raises(TypeError, match='Hook instance'):
        runner.register_hook(object())


def test_train_step_must_return_a_dict(tmp_path):
    class Bad(ToyNet):
        def train_step(self, data, optimizer=None):
            return 1.0
    runner = EpochBasedRunner(Bad(), None, device='cpu', max_epochs=1)
    with pytest.raises(TypeError, match='Bad.train_step must return dict'):
        runner.run([toy_loader()], [('train', 1)])


def test_batch_moves_to_device_channels_last_and_compile_keep_plain_keys(tmp_path):
    class Spy(ToyNet):
        def train_step(self, data, optimizer=None):
            self.seen = data
            return super().train_step(
                dict(data, img=data['img'].flatten(1)[:, :8]), optimizer)
    model = Spy()
    runner = EpochBasedRunner(model, torch.optim.SGD(model.parameters(), lr=0.1),
                              device='cpu', max_epochs=1, channels_last=True,
                              compile=dict(backend='eager'))
    runner.register_training_hooks(None, dict(grad_clip=None))
    batch = dict(img=torch.randn(4, 2, 2, 2), gt_label=torch.zeros(4, dtype=torch.long),
                 img_metas=[{'filename': 'x'}] * 4)
    runner.run([[batch]], [('train', 1)])
    assert model.seen['img'].is_contiguous(memory_format=torch.channels_last)
    assert model.seen['img_metas'][0] == {'filename': 'x'}
    assert list(model.state_dict())[0] == 'fc1.weight'


def test_current_lr_and_momentum(tmp_path):
    runner = make_runner(tmp_path)
    assert runner.current_lr() == [0.1] and runner.current_momentum() == [0.9]
    model = ToyNet()
    runner.optimizer = dict(a=torch.optim.Adam(model.fc1.parameters(), lr=1e-3))
    assert runner.current_lr() == {'a': [1e-3]} and runner.current_momentum() == {'a': [0.9]}


def test_hook_order_is_logged_before_training(tmp_path, caplog):
    runner = make_runner(tmp_path, max_epochs=1)
    default_hooks(runner)
    with caplog.at_level(logging.INFO, logger='test'):
        runner.run([toy_loader()], [('train', 1)])
    text = caplog.text
    assert 'Hooks will be executed in the following order' in text
    assert text.index('before_run:') < text.index('Epoch [1][2/6]')


def test_hooks_registry_has_every_hook():
    for name in ('CheckpointHook', 'IterTimerHook', 'EvalHook', 'DistEvalHook',
                 'TextLoggerHook', 'TensorboardLoggerHook', 'ProgressBarHook', 'EMAHook',
                 'EmptyCacheHook', 'SyncBuffersHook', 'DistSamplerSeedHook',
                 'CheckInvalidLossHook', 'OptimizerHook', 'StepLrUpdaterHook'):
        assert name in HOOKS, name


def test_autocast_from_the_fp16_hook_and_resume_keeps_hook_state(tmp_path):
    class AutocastSpy(ToyNet):
        def train_step(self, data, optimizer=None):
            self.autocast_seen = torch.is_autocast_enabled('cpu')
            self.logits_dtype = self.logits(data['img']).dtype
            return super().train_step(data, optimizer)
    model = AutocastSpy()
    runner = EpochBasedRunner(model, torch.optim.SGD(model.parameters(), lr=0.1),
                              work_dir=str(tmp_path), device='cpu', max_epochs=1)
    runner.register_training_hooks(None, dict(type='Fp16OptimizerHook', dtype='bfloat16'),
                                   checkpoint_config=dict(interval=1))
    runner.meta['fp16'] = {'loss_scaler': {'scale': 1024.0}}
    runner.run([toy_loader()], [('train', 1)])
    assert model.autocast_seen and model.logits_dtype == torch.bfloat16
    fresh = make_runner(tmp_path / 'b')
    fresh.resume(str(tmp_path / 'latest.pth'))
    assert fresh.meta['fp16'] == {'loss_scaler': {'scale': 1024.0}}


def test_default_runtime_config_builds_the_default_hooks(tmp_path):
    from cls_lab import ROOT
    from cls_lab.config import Config
    cfg = Config.fromfile(str(ROOT / 'configs' / '_base_' / 'default_runtime.py'))
    assert cfg.workflow == [('train', 1)] and cfg.resume_from is None and cfg.load_from is None
    assert cfg.dist_params == dict(backend='nccl') and cfg.log_level == 'INFO'
    runner = make_runner(tmp_path)
    runner.register_training_hooks(dict(policy='CosineAnnealing', min_lr=0),
                                   dict(grad_clip=None), cfg.checkpoint_config, cfg.log_config)
    assert [type(h).__name__ for h in runner.hooks] == [
        'CosineAnnealingLrUpdaterHook', 'OptimizerHook',
        'CheckpointHook', 'IterTimerHook', 'TextLoggerHook']
    assert runner.hooks[-1].interval == 100 and runner.hooks[2].interval == 1


def test_schedule_configs_take_the_same_path_as_simulate_schedule(tmp_path):
    """The runner builds lr/momentum hooks with build_lr_hook/build_momentum_hook: a priority
    key (accepted by simulate_schedule) is dropped, not passed to the hook."""
    runner = make_runner(tmp_path)
    runner.register_training_hooks(dict(policy='step', step=[1], priority='HIGH'),
                                   momentum_config=dict(policy='cyclic', priority='LOW'))
    names = {type(h).__name__: h.priority for h in runner.hooks}
    assert names['StepLrUpdaterHook'] == 10 and names['CyclicMomentumUpdaterHook'] == 30
    with pytest.raises(TypeError, match=r"lr_config must be a dict or None, got \['step'\]"):
        runner.register_training_hooks(['step'])


def test_custom_hooks_keep_their_own_priority_unless_the_config_gives_one(tmp_path):
    class Late(Hook):
        priority = 'VERY_LOW'

    runner = make_runner(tmp_path)
    runner.register_training_hooks(None, custom_hooks_config=[
        Late(), dict(type='EMAHook'), dict(type='EMAHook', priority='HIGH')])
    got = [(type(h).__name__, h.priority) for h in runner.hooks]
    assert ('Late', 90) in got and ('EMAHook', 50) in got and ('EMAHook', 30) in got


def test_resume_past_the_end_of_a_smaller_loader_names_the_problem(tmp_path):
    runner = make_runner(tmp_path, max_epochs=1)
    runner.register_hook(HOOKS.build(dict(type='CheckpointHook', interval=2, by_epoch=False)))
    runner.run([toy_loader(n=32)], [('train', 1)])     # 4 batches; iter_2.pth is mid-epoch
    fresh = make_runner(tmp_path / 'b', max_epochs=1)
    fresh.resume(str(tmp_path / 'iter_2.pth'))
    with pytest.raises(ValueError, match='resuming after batch 2 of epoch 0, but the loader has 1'):
        fresh.run([toy_loader(n=8)], [('train', 1)])
