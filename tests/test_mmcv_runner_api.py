"""Runner registration API and optimizer constructor checks as mmcv 1.7 has them.

The hook tables were recorded with mmcv 1.7.2's runners given the same configs.
"""
import logging

import pytest
import torch
import torch.nn as nn

from cls_lab.engine import (DefaultOptimizerConstructor, EpochBasedRunner, IterBasedRunner,
                            build_optimizer)
from cls_lab.registry import OPTIMIZER_BUILDERS


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.bn = nn.BatchNorm1d(2)

    def train_step(self, data, optimizer=None):
        return dict(loss=self.fc(data).sum())


def runner_of(cls):
    model = Tiny()
    length = dict(max_iters=4) if cls is IterBasedRunner else dict(max_epochs=2)
    return cls(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
               logger=logging.getLogger('api'), device='cpu', **length)


# (hook, priority, by_epoch, interval) after register_training_hooks, as mmcv 1.7.2 built them
MMCV_EPOCH = [('StepLrUpdaterHook', 10, True, None),
              ('CosineAnnealingMomentumUpdaterHook', 30, True, None),
              ('OptimizerHook', 40, None, None), ('CheckpointHook', 50, True, 1),
              ('EmptyCacheHook', 50, None, None), ('IterTimerHook', 70, None, None),
              ('TextLoggerHook', 90, True, 5)]
MMCV_ITER = [('StepLrUpdaterHook', 10, False, None),
             ('CosineAnnealingMomentumUpdaterHook', 30, False, None),   # mmcv: True (see docs)
             ('OptimizerHook', 40, None, None), ('CheckpointHook', 50, False, 1),
             ('EmptyCacheHook', 50, None, None), ('IterTimerHook', 70, None, None),
             ('TextLoggerHook', 90, False, 5)]


@pytest.mark.parametrize('cls,expected', [(EpochBasedRunner, MMCV_EPOCH),
                                          (IterBasedRunner, MMCV_ITER)])
def test_register_training_hooks_table(cls, expected):
    runner = runner_of(cls)
    runner.register_training_hooks(
        lr_config=dict(policy='step', step=[1]), optimizer_config=dict(grad_clip=None),
        checkpoint_config=dict(interval=1),
        log_config=dict(interval=5, hooks=[dict(type='TextLoggerHook')]),
        momentum_config=dict(policy='CosineAnnealing', min_momentum_ratio=0.5),
        custom_hooks_config=[dict(type='EmptyCacheHook')])
    table = [(type(h).__name__, h.priority, getattr(h, 'by_epoch', None),
              getattr(h, 'interval', None)) for h in runner.hooks]
    assert table == expected
    assert runner.current_lr() == [0.1] and runner.current_momentum() == [0.9]
    assert cls.by_epoch is (cls is EpochBasedRunner)


def test_register_methods_one_by_one():
    runner = runner_of(EpochBasedRunner)
    runner.register_lr_hook(None)
    runner.register_optimizer_hook(dict(grad_clip=dict(max_norm=1)))
    runner.register_timer_hook(dict(type='IterTimerHook'))
    runner.register_custom_hooks(dict(type='EmptyCacheHook', priority='LOWEST'))
    assert [(type(h).__name__, h.priority) for h in runner.hooks] == [
        ('OptimizerHook', 40), ('IterTimerHook', 70), ('EmptyCacheHook', 100)]
    calls = []
    runner.hooks[0].before_run = lambda r: calls.append(r)
    runner.call_hook('before_run')
    assert calls == [runner]
    with pytest.raises(TypeError, match='optimizer_config'):
        runner.register_optimizer_hook([1])


def test_runner_constructor_checks():
    model = Tiny()
    with pytest.raises(TypeError, match='optimizer'):
        EpochBasedRunner(model, optimizer='SGD', device='cpu')
    with pytest.raises(TypeError, match='train_step'):
        EpochBasedRunner(nn.Linear(1, 1), device='cpu')
    with pytest.raises(TypeError, match='work_dir'):
        EpochBasedRunner(model, work_dir=3, device='cpu')
    with pytest.raises(TypeError, match='meta'):
        EpochBasedRunner(model, meta=[1], device='cpu')
    with pytest.raises(RuntimeError, match='no optimizer'):
        EpochBasedRunner(model, device='cpu').current_lr()


@OPTIMIZER_BUILDERS.register_module(force=True)
class LayerDecayConstructor(DefaultOptimizerConstructor):
    """mmcv's documented extension: a subclass reads its own paramwise_cfg key."""

    def add_params(self, params, module, prefix='', is_dcn_module=None):
        decay = self.paramwise_cfg.get('decay_rate', 1.0)
        for depth, (name, param) in enumerate(module.named_parameters()):
            params.append({'params': [param], 'lr': self.base_lr * decay ** depth})


def test_optimizer_constructor_extension_and_checks():
    optimizer = build_optimizer(Tiny(), dict(type='SGD', lr=1.0, constructor='LayerDecayConstructor',
                                             paramwise_cfg=dict(decay_rate=0.5)))
    assert [g['lr'] for g in optimizer.param_groups] == [1.0, 0.5, 0.25, 0.125]
    with pytest.raises(TypeError, match='paramwise_cfg'):
        DefaultOptimizerConstructor(dict(type='SGD', lr=0.1), paramwise_cfg=[('a', 1)])
    with pytest.raises(ValueError, match='weight_decay'):      # mmcv: "base_wd should not be None"
        DefaultOptimizerConstructor(dict(type='SGD', lr=0.1),
                                    dict(custom_keys={'fc': dict(decay_mult=0.1)}))
    with pytest.raises(KeyError, match='norm_decay_mul'):       # a typo is not silently ignored
        build_optimizer(Tiny(), dict(type='SGD', lr=0.1, weight_decay=1e-4,
                                     paramwise_cfg=dict(norm_decay_mul=0.)))


def test_logger_hook_loggable_tags_as_mmcv():
    """Reference: mmcv 1.7.2's ``TextLoggerHook().get_loggable_tags`` on the same runners."""
    from cls_lab.engine import TextLoggerHook
    model = nn.ModuleDict(dict(a=nn.Linear(2, 2), b=nn.Linear(2, 2)))
    model.train_step = Tiny.train_step
    optimizers = dict(a=torch.optim.SGD(model.a.parameters(), lr=0.1, momentum=0.9),
                      b=torch.optim.Adam(model.b.parameters(), lr=0.01, betas=(0.8, 0.99)))
    runner = EpochBasedRunner(model=model, optimizer=optimizers, logger=logging.getLogger('api'),
                              device='cpu', max_epochs=1)
    runner.mode = 'train'
    runner.log_buffer.output.update(loss=1.5, time=0.1, data_time=0.2, note='x',
                                    acc=torch.tensor([3.0]))
    hook, lrs = TextLoggerHook(), {'learning_rate/a': 0.1, 'learning_rate/b': 0.01,
                                   'momentum/a': 0.9, 'momentum/b': 0.8}
    assert hook.get_loggable_tags(runner) == {'train/loss': 1.5, 'train/acc': 3.0, **lrs}
    assert hook.get_loggable_tags(runner, add_mode=False, allow_text=True) == \
        {'loss': 1.5, 'note': 'x', 'acc': 3.0, **lrs}
    assert hook.get_loggable_tags(runner, allow_scalar=False) == lrs
    single = runner_of(EpochBasedRunner)
    single.mode = 'val'
    single.log_buffer.output.update(loss=2.0)
    assert hook.get_loggable_tags(single) == {'val/loss': 2.0, 'learning_rate': 0.1,
                                              'momentum': 0.9}


def test_mmcv_asserted_arguments_are_assertion_errors_too():
    """mmcv checks hook arguments with assert; cls_lab's message-carrying ArgumentError is
    both a ValueError and an AssertionError, so either ``except`` catches it."""
    from cls_lab.engine.hooks import (CosineAnnealingLrUpdaterHook, CyclicLrUpdaterHook,
                                      GradientCumulativeOptimizerHook, StepLrUpdaterHook)
    from cls_lab.errors import ArgumentError
    cases = [lambda: StepLrUpdaterHook(step=-10),
             lambda: CosineAnnealingLrUpdaterHook(min_lr=0.1, min_lr_ratio=0),
             lambda: CyclicLrUpdaterHook(by_epoch=False, target_ratio=(10.0, 0.1, 0.2)),
             lambda: CyclicLrUpdaterHook(by_epoch=True),
             lambda: GradientCumulativeOptimizerHook(cumulative_iters=-1)]
    for build in cases:
        with pytest.raises(AssertionError) as error:
            build()
        assert isinstance(error.value, (ArgumentError, ValueError)) and str(error.value)


def test_runner_save_checkpoint_meta_and_the_default_hooks_only(tmp_path):
    """As mmcv 1.7.2: ``meta`` must be a dict or None; register_training_hooks registers just
    the hooks it is given (train_model adds cls_lab's CheckInvalidLossHook itself)."""
    runner = runner_of(EpochBasedRunner)
    with pytest.raises(TypeError, match='meta must be a dict or None'):
        runner.save_checkpoint(str(tmp_path), meta=[])
    runner.register_training_hooks(None, dict(grad_clip=None))
    assert [type(h).__name__ for h in runner.hooks] == ['OptimizerHook', 'IterTimerHook']
    with pytest.raises(ValueError, match='Only one of `max_epochs` or `max_iters` can be set'):
        IterBasedRunner(model=Tiny(), logger=logging.getLogger('api'), max_epochs=1, max_iters=1)


def test_cumulative_hook_has_batch_norm_and_anomalous_params_use_logger_log():
    """mmcv's ``has_batch_norm(module)``; unused parameters go to ``logger.log(ERROR, ...)``."""
    from unittest.mock import Mock
    from cls_lab.engine.hooks import GradientCumulativeOptimizerHook, OptimizerHook
    assert GradientCumulativeOptimizerHook(cumulative_iters=2).has_batch_norm(Tiny())
    assert not OptimizerHook.has_batch_norm(nn.Linear(2, 2))
    model = Tiny()
    runner = Mock(model=model, outputs=dict(loss=model.fc(torch.ones(1, 2)).sum()))
    OptimizerHook(detect_anomalous_params=True).after_train_iter(runner)
    level, message = runner.logger.log.call_args.kwargs.values()
    assert level == logging.ERROR and 'bn.weight' in message and 'bn.bias' in message
