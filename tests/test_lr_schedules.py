"""LR / momentum schedules: every policy against a closed form written here, at every iteration.

The closed forms below are written from the definitions (mmcv 1.x docs, the 1cycle / SGDR
papers) or taken from torch.optim.lr_scheduler, never from cls_lab's own functions.
"""
import math

import pytest
import torch

from cls_lab.engine.schedule_preview import simulate_schedule
from cls_lab.engine.hooks.lr_updater import (LrUpdaterHook, StepLrUpdaterHook, build_lr_hook,
                                             lr_hook_type)
from cls_lab.engine.hooks.momentum_updater import momentum_hook_type
from cls_lab.registry import HOOKS

BASE = 0.1
EPOCHS, IPE = 6, 5            # 6 epochs of 5 iterations
ITERS = EPOCHS * IPE


def close(got, want, tol=1e-9):
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == pytest.approx(w, rel=tol, abs=1e-12), f'iteration {i}: {g} != {w}'


def half_cos(hi, lo, t):
    """Value going from hi (t=0) to lo (t=1) along half a cosine."""
    return lo + (hi - lo) * (1 + math.cos(math.pi * t)) / 2


def warm(kind, i, w, r):
    if kind == 'constant':
        return r
    if kind == 'linear':
        return r + (1 - r) * i / w
    return r ** (1 - i / w)


def run(lr_config, by_epoch=True, base=BASE, **kw):
    if by_epoch:
        return simulate_schedule(lr_config, base, max_epochs=EPOCHS, iters_per_epoch=IPE, **kw)
    return simulate_schedule(lr_config, base, max_iters=ITERS, iters_per_epoch=IPE, **kw)


# --- by epoch: the lr moves at epoch boundaries only -----------------------------------------

@pytest.mark.parametrize('cfg, regular', [
    (dict(policy='fixed'), lambda e: BASE),
    (dict(policy='step', step=[2, 4]), lambda e: BASE * 0.1 ** sum(e >= s for s in [2, 4])),
    (dict(policy='step', step=2, gamma=0.5), lambda e: BASE * 0.5 ** (e // 2)),
    (dict(policy='step', step=[1, 2, 3], min_lr=2e-4),
     lambda e: max(BASE * 0.1 ** sum(e >= s for s in [1, 2, 3]), 2e-4)),
    (dict(policy='exp', gamma=0.8), lambda e: BASE * 0.8 ** e),
    (dict(policy='poly', power=2.0, min_lr=1e-3), lambda e: (BASE - 1e-3) * (1 - e / EPOCHS) ** 2 + 1e-3),
    (dict(policy='inv', gamma=0.5, power=0.75), lambda e: BASE / (1 + 0.5 * e) ** 0.75),
    (dict(policy='CosineAnnealing', min_lr=0.0), lambda e: half_cos(BASE, 0.0, e / EPOCHS)),
    (dict(policy='CosineAnnealing', min_lr_ratio=1e-2), lambda e: half_cos(BASE, 1e-3, e / EPOCHS)),
    (dict(policy='FlatCosineAnnealing', start_percent=0.5, min_lr=0.0),
     lambda e: BASE if e < 3 else half_cos(BASE, 0.0, (e - 3) / 3)),
    (dict(policy='LinearAnnealing', min_lr_ratio=0.1), lambda e: BASE - (BASE - 0.01) * e / EPOCHS),
    (dict(policy='CosineRestart', periods=[2, 4], restart_weights=[1, 0.5], min_lr=0.01),
     lambda e: half_cos(BASE, 0.01, e / 2) if e < 2 else
     0.01 + 0.5 * (BASE - 0.01) * (1 + math.cos(math.pi * (e - 2) / 4)) / 2),
])
@pytest.mark.parametrize('warmup', [None, 'constant', 'linear', 'exp'])
def test_by_epoch_policies_with_per_iteration_warmup(cfg, regular, warmup):
    cfg = dict(cfg)
    W, r = 7, 0.2   # warmup ends in the middle of epoch 1
    if warmup:
        cfg.update(warmup=warmup, warmup_iters=W, warmup_ratio=r)
    lrs = run(cfg)['lr']
    want = [regular(i // IPE) * (warm(warmup, i, W, r) if warmup and i < W else 1)
            for i in range(ITERS)]
    close(lrs, want)


def test_warmup_by_epoch_counts_epochs():
    cfg = dict(policy='step', step=[3], warmup='linear', warmup_iters=2, warmup_ratio=0.1,
               warmup_by_epoch=True)
    lrs = run(cfg)['lr']
    W = 2 * IPE
    want = [BASE * 0.1 ** (i // IPE >= 3) * (0.1 + 0.9 * i / W if i < W else 1) for i in range(ITERS)]
    close(lrs, want)


# --- by iteration -------------------------------------------------------------------------------

@pytest.mark.parametrize('cfg, lr_at', [
    (dict(policy='step', step=[10, 20], by_epoch=False), lambda i: BASE * 0.1 ** ((i >= 10) + (i >= 20))),
    (dict(policy='exp', gamma=0.9, by_epoch=False), lambda i: BASE * 0.9 ** i),
    (dict(policy='poly', power=0.9, min_lr=1e-4, by_epoch=False),   # the seed's example
     lambda i: (BASE - 1e-4) * (1 - i / ITERS) ** 0.9 + 1e-4),
    (dict(policy='CosineAnnealing', by_epoch=False, min_lr_ratio=1e-2),
     lambda i: half_cos(BASE, BASE * 1e-2, i / ITERS)),
    (dict(policy='CosineRestart', by_epoch=False, periods=[10, 20], restart_weights=[1, 1], min_lr=0),
     lambda i: half_cos(BASE, 0, (i % 10) / 10 if i < 10 else (i - 10) / 20)),
])
def test_by_iter_policies(cfg, lr_at):
    close(run(cfg, by_epoch=False)['lr'], [lr_at(i) for i in range(ITERS)])
    # an epoch-based run with by_epoch=False gives the same per-iteration values
    close(run(cfg, by_epoch=True)['lr'], [lr_at(i) for i in range(ITERS)])


def test_seed_example_cosine_linear_warmup_by_iter():
    cfg = dict(policy='CosineAnnealing', by_epoch=False, min_lr_ratio=1e-2, warmup='linear',
               warmup_by_epoch=False, warmup_ratio=1e-3, warmup_iters=8)
    lrs = run(cfg, by_epoch=False)['lr']
    want = [half_cos(BASE, 1e-3, i / ITERS) * ((1e-3 + (1 - 1e-3) * i / 8) if i < 8 else 1)
            for i in range(ITERS)]
    close(lrs, want)


def _torch_lrs(make_scheduler, steps, base=BASE, **optim_kw):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=base, **optim_kw)
    scheduler = make_scheduler(optimizer)
    lrs, moms = [], []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]['lr'])
        moms.append(optimizer.param_groups[0]['momentum'])
        optimizer.step()
        scheduler.step()
    return lrs, moms


def test_matches_torch_schedulers():
    S = torch.optim.lr_scheduler
    lrs, _ = _torch_lrs(lambda o: S.MultiStepLR(o, [10, 20], 0.1), ITERS)
    close(run(dict(policy='step', step=[10, 20], by_epoch=False), by_epoch=False)['lr'], lrs)
    lrs, _ = _torch_lrs(lambda o: S.ExponentialLR(o, 0.9), ITERS)
    close(run(dict(policy='exp', gamma=0.9, by_epoch=False), by_epoch=False)['lr'], lrs, 1e-7)
    lrs, _ = _torch_lrs(lambda o: S.PolynomialLR(o, total_iters=ITERS, power=2.0), ITERS)
    close(run(dict(policy='poly', power=2.0, by_epoch=False), by_epoch=False)['lr'], lrs, 1e-7)
    lrs, _ = _torch_lrs(lambda o: S.CosineAnnealingLR(o, T_max=ITERS, eta_min=0.01), ITERS)
    close(run(dict(policy='CosineAnnealing', min_lr=0.01, by_epoch=False), by_epoch=False)['lr'],
          lrs, 1e-7)


@pytest.mark.parametrize('three_phase', [False, True])
@pytest.mark.parametrize('anneal', ['cos', 'linear'])
def test_one_cycle_matches_torch(three_phase, anneal):
    S = torch.optim.lr_scheduler
    total = 40
    lrs, moms = _torch_lrs(lambda o: S.OneCycleLR(
        o, max_lr=1.0, total_steps=total, pct_start=0.25, anneal_strategy=anneal, div_factor=20,
        final_div_factor=100, three_phase=three_phase, base_momentum=0.8, max_momentum=0.9),
        total, momentum=0.9)
    got = simulate_schedule(
        dict(policy='OneCycle', max_lr=1.0, pct_start=0.25, anneal_strategy=anneal, div_factor=20,
             final_div_factor=100, three_phase=three_phase), dict(type='SGD', lr=0.5, momentum=0.9),
        max_iters=total, momentum_config=dict(policy='OneCycle', base_momentum=0.8, max_momentum=0.9,
                                              pct_start=0.25, anneal_strategy=anneal,
                                              three_phase=three_phase))
    close(got['lr'], lrs, 1e-7)
    close(got['momentum'], moms, 1e-7)


def test_one_cycle_total_steps_longer_than_run():
    S = torch.optim.lr_scheduler
    lrs, _ = _torch_lrs(lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=50), 30)
    got = simulate_schedule(dict(policy='OneCycle', max_lr=1.0, total_steps=50), 0.04, max_iters=30)
    close(got['lr'], lrs, 1e-7)
    with pytest.raises(ValueError, match='total_steps'):
        simulate_schedule(dict(policy='OneCycle', max_lr=1.0, total_steps=10), 0.04, max_iters=30)


def test_cyclic_linear_matches_torch_triangular():
    S = torch.optim.lr_scheduler
    # cycle of 20: 8 up, 12 down, from 0.1 to 1.0 and back to 0.1, two cycles
    lrs, _ = _torch_lrs(lambda o: S.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=8,
                                             step_size_down=12, cycle_momentum=False), 40)
    got = simulate_schedule(dict(policy='cyclic', target_ratio=(10, 1), cyclic_times=2,
                                 step_ratio_up=0.4, anneal_strategy='linear'), 0.1, max_iters=40)
    close(got['lr'], lrs, 1e-7)


def test_cyclic_cos_and_momentum_seed_example():
    """The seed's cyclic lr + cyclic momentum config, with decaying cycles (gamma)."""
    n, up, g = 50, 10, 0.5       # 2 cycles of 25 iterations, 10 up
    lr_cfg = dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=2, step_ratio_up=0.4, gamma=g)
    mom_cfg = dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1), cyclic_times=2, step_ratio_up=0.4)
    got = simulate_schedule(lr_cfg, dict(type='SGD', lr=0.1, momentum=0.95), max_iters=n,
                            momentum_config=mom_cfg)
    want_lr, want_m = [], []
    for i in range(n):
        c, p = divmod(i, 25)
        peak = 0.1 * (1 + (10 - 1) * g ** c)
        if p < up:
            want_lr.append(half_cos(0.1, peak, p / up))
            want_m.append(half_cos(0.95, 0.85, p / up))
        else:
            want_lr.append(half_cos(peak, 0.1 * 1e-4, (p - up) / 15))
            want_m.append(half_cos(0.85, 0.95, (p - up) / 15))
    close(got['lr'], want_lr)
    close(got['momentum'], want_m)


# --- momentum --------------------------------------------------------------------------------

@pytest.mark.parametrize('cfg, mom_at', [
    (dict(policy='step', step=[2, 4]), lambda e: 0.9 * 0.5 ** sum(e >= s for s in [2, 4])),
    (dict(policy='CosineAnnealing', min_momentum=0.5), lambda e: half_cos(0.9, 0.5, e / EPOCHS)),
    (dict(policy='CosineAnnealing', min_momentum_ratio=0.5), lambda e: half_cos(0.9, 0.45, e / EPOCHS)),
])
def test_momentum_policies_by_epoch(cfg, mom_at):
    got = run(None, momentum_config=cfg)
    close(got['momentum'], [mom_at(i // IPE) for i in range(ITERS)])
    assert set(got['lr']) == {BASE}


def test_momentum_warmup_divides_by_the_factor():
    cfg = dict(policy='CosineAnnealing', min_momentum=0.5, by_epoch=False, warmup='linear',
               warmup_iters=6, warmup_ratio=0.9)
    got = run(None, momentum_config=cfg, base_momentum=0.8)
    want = [half_cos(0.8, 0.5, i / ITERS) / ((0.9 + 0.1 * i / 6) if i < 6 else 1) for i in range(ITERS)]
    close(got['momentum'], want)


def test_momentum_on_adam_betas():
    got = simulate_schedule(None, dict(type='Adam', lr=1e-3, betas=(0.9, 0.99)), max_epochs=4,
                            momentum_config=dict(policy='step', step=2, gamma=0.5))
    close(got['momentum'], [0.9, 0.9, 0.45, 0.45])


# --- hooks on a runner ---------------------------------------------------------------------

class Runner:
    def __init__(self, optimizer, max_epochs=3, max_iters=6, loader_len=2):
        self.optimizer, self.max_epochs, self.max_iters = optimizer, max_epochs, max_iters
        self.data_loader = [None] * loader_len
        self.epoch = self.iter = 0


def _sgd(*lrs):
    return torch.optim.SGD([{'params': [torch.nn.Parameter(torch.zeros(1))], 'lr': lr} for lr in lrs],
                           lr=lrs[0], momentum=0.9)


def test_initial_lr_is_stored_and_survives_resume():
    optimizer = _sgd(0.1, 0.01)
    runner = Runner(optimizer)
    hook = StepLrUpdaterHook(step=[1])
    hook.before_run(runner)
    assert [g['initial_lr'] for g in optimizer.param_groups] == [0.1, 0.01]
    runner.epoch = 1
    hook.before_train_epoch(runner)
    assert [g['lr'] for g in optimizer.param_groups] == pytest.approx([0.01, 0.001])
    # resume: a new optimizer loads the state (lr decayed, initial_lr kept)
    resumed = _sgd(0.1, 0.01)
    resumed.load_state_dict(optimizer.state_dict())
    hook2 = StepLrUpdaterHook(step=[1])
    hook2.before_run(Runner(resumed))
    assert hook2.base_lr == [0.1, 0.01]


def test_dict_of_optimizers():
    optimizers = {'backbone': _sgd(0.1), 'head': _sgd(1.0, 0.5)}
    runner = Runner(optimizers)
    hook = build_lr_hook(dict(policy='exp', gamma=0.5))
    hook.before_run(runner)
    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert optimizers['backbone'].param_groups[0]['lr'] == pytest.approx(0.025)
    assert [g['lr'] for g in optimizers['head'].param_groups] == pytest.approx([0.25, 0.125])
    assert hook.base_lr == {'backbone': [0.1], 'head': [1.0, 0.5]}


def test_several_param_groups_follow_their_own_base():
    got = simulate_schedule(dict(policy='step', step=[1]), [0.1, 0.02], max_epochs=2)
    assert got['lr_groups'] == [[0.1, 0.02], [pytest.approx(0.01), pytest.approx(0.002)]]


# --- names and bad configs ---------------------------------------------------------------------

def test_policy_names_follow_mmcv_rule():
    assert lr_hook_type('step') == 'StepLrUpdaterHook'
    assert lr_hook_type('CosineAnnealing') == 'CosineAnnealingLrUpdaterHook'
    assert lr_hook_type('cyclic') == 'CyclicLrUpdaterHook'
    assert lr_hook_type('OneCycle') == 'OneCycleLrUpdaterHook'
    assert momentum_hook_type('cyclic') == 'CyclicMomentumUpdaterHook'
    for name in ('Fixed', 'Step', 'Exp', 'Poly', 'Inv', 'CosineAnnealing', 'CosineRestart',
                 'Cyclic', 'OneCycle'):
        assert issubclass(HOOKS.get(name + 'LrUpdaterHook'), LrUpdaterHook)


@pytest.mark.parametrize('policy, suggestion', [('cosine', 'CosineAnnealing'),
                                                ('CosineAnealing', 'CosineAnnealing'),
                                                ('onecycle', 'OneCycle'), ('stepp', 'Step')])
def test_unknown_policy_suggests_the_right_name(policy, suggestion):
    with pytest.raises(KeyError) as info:
        lr_hook_type(policy)
    message = str(info.value)
    assert repr(policy) in message and repr(suggestion) in message and 'lr_config' in message
    with pytest.raises(KeyError, match=suggestion):
        simulate_schedule(dict(policy=policy), 0.1, max_epochs=2)


@pytest.mark.parametrize('cfg, error, words', [
    (dict(policy='step', step=[2], warmup='cosine', warmup_iters=3), ValueError, 'warmup'),
    (dict(policy='step', step=[2], warmup='linear', warmup_iters=0), ValueError, 'warmup_iters'),
    (dict(policy='step', step=[2], warmup='linear', warmup_iters=3, warmup_ratio=0), ValueError, 'warmup_ratio'),
    (dict(policy='step', step='2'), TypeError, 'step'),
    (dict(policy='step', step=[0, 2]), ValueError, 'step'),
    (dict(policy='CosineAnnealing'), ValueError, 'min_lr'),
    (dict(policy='CosineAnnealing', min_lr=0, min_lr_ratio=0.1), ValueError, 'min_lr'),
    (dict(policy='cyclic', by_epoch=True), ValueError, 'by_epoch'),
    (dict(policy='cyclic', anneal_strategy='cosine'), ValueError, 'anneal_strategy'),
    (dict(policy='OneCycle', max_lr=0.1, pct_start=1), ValueError, 'pct_start'),
    (dict(policy='CosineRestart', periods=[2, 2], restart_weights=[1], min_lr=0), ValueError, 'restart_weights'),
    (dict(step=[2]), KeyError, 'policy'),
])
def test_bad_lr_configs(cfg, error, words):
    with pytest.raises(error, match=words):
        simulate_schedule(cfg, 0.1, max_epochs=4, iters_per_epoch=2)


def test_cosine_restart_periods_must_cover_the_run():
    with pytest.raises(ValueError, match='periods'):
        simulate_schedule(dict(policy='CosineRestart', periods=[2], min_lr=0), 0.1, max_epochs=4)


def test_iter_run_defaults_to_by_iter_and_warns_on_explicit_by_epoch():
    got = simulate_schedule(dict(policy='step', step=[2]), 0.1, max_iters=4, iters_per_epoch=2)
    close(got['lr'], [0.1, 0.1, 0.01, 0.01])    # like IterBasedRunner: by_epoch=False
    with pytest.warns(UserWarning, match='by_epoch'):
        got = simulate_schedule(dict(policy='step', step=[1], by_epoch=True), 0.1, max_iters=6,
                                iters_per_epoch=2)
    assert set(got['lr']) == {0.1}
    assert got['epoch'] == [0, 0, 1, 1, 2, 2]


# --- the preview equals what the real runners do ------------------------------------------

class _Toy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 1)

    def train_step(self, data, optimizer):
        loss = self.fc(data['img']).pow(2).mean()
        return dict(loss=loss, log_vars={'loss': loss.item()}, num_samples=len(data['img']))


@pytest.mark.parametrize('runner_type, lr_config, momentum_config', [
    ('EpochBasedRunner', dict(policy='CosineAnnealing', min_lr_ratio=0.01, warmup='linear',
                              warmup_iters=4, warmup_ratio=0.1),
     dict(policy='CosineAnnealing', min_momentum=0.5)),
    ('EpochBasedRunner', dict(policy='step', step=[2, 3], warmup='exp', warmup_iters=1,
                              warmup_by_epoch=True), None),
    ('IterBasedRunner', dict(policy='step', step=[4, 8], warmup='constant', warmup_iters=3), None),
    ('IterBasedRunner', dict(policy='cyclic', target_ratio=(10, 1e-4)),
     dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1))),
])
def test_simulation_matches_the_real_runner(runner_type, lr_config, momentum_config):
    import logging
    engine = pytest.importorskip('cls_lab.engine')
    from cls_lab.registry import RUNNERS

    class Record(engine.Hook):
        def __init__(self):
            self.lr, self.momentum = [], []

        def before_train_iter(self, runner):
            self.lr.append(runner.optimizer.param_groups[0]['lr'])
            self.momentum.append(runner.optimizer.param_groups[0]['momentum'])

    torch.manual_seed(0)
    loader = [dict(img=torch.randn(4, 2)) for _ in range(3)]
    optimizer_cfg = dict(type='SGD', lr=0.1, momentum=0.9)
    model = _Toy()
    length = dict(max_epochs=4) if runner_type == 'EpochBasedRunner' else dict(max_iters=12)
    runner = RUNNERS.build(dict(type=runner_type, **length), default_args=dict(
        model=model, optimizer=engine.build_optimizer(model, optimizer_cfg), device='cpu',
        logger=logging.getLogger('test_lr_schedules')))
    runner.register_training_hooks(lr_config, dict(grad_clip=None), momentum_config=momentum_config)
    record = Record()
    runner.register_hook(record, 'LOWEST')
    runner.run([loader], [('train', 1)])
    preview = simulate_schedule(lr_config, optimizer_cfg, iters_per_epoch=3,
                                momentum_config=momentum_config, **length)
    assert record.lr == preview['lr']
    assert record.momentum == preview['momentum']



def test_param_updater_hook_schedules_any_group_setting():
    """ParamUpdaterHook is the timing alone: a key and one method make it schedule weight decay."""
    from cls_lab.engine.hooks import ParamUpdaterHook

    class WeightDecayHook(ParamUpdaterHook):
        key = 'weight_decay'

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seen = []

        def scheduled(self, runner, base):
            return base * (0.1 if self.progress(runner)[0] >= 2 else 1.0)

        def before_train_iter(self, runner):
            super().before_train_iter(runner)
            self.seen.append(runner.optimizer.param_groups[0]['weight_decay'])

    hook = WeightDecayHook(warmup='constant', warmup_iters=1, warmup_ratio=0.5, warmup_by_epoch=True)
    simulate_schedule(hook, dict(type='SGD', lr=0.1, weight_decay=1e-2), max_epochs=3,
                      iters_per_epoch=2)
    assert hook.seen == pytest.approx([5e-3, 5e-3, 1e-2, 1e-2, 1e-3, 1e-3])


def test_momentum_warmup_by_epoch_counts_epochs():
    curve = simulate_schedule(dict(policy='fixed'), dict(type='SGD', lr=0.1, momentum=0.9),
                              max_epochs=3, iters_per_epoch=4,
                              momentum_config=dict(policy='step', step=[2], warmup='constant',
                                                   warmup_iters=1, warmup_ratio=0.9,
                                                   warmup_by_epoch=True))
    assert curve['momentum'] == pytest.approx([1.0] * 4 + [0.9] * 4 + [0.45] * 4)


def test_cyclic_hooks_share_checks_but_keep_their_own_defaults():
    from cls_lab.engine.hooks.momentum_updater import CyclicMomentumUpdaterHook
    from cls_lab.engine.hooks.lr_updater import CyclicLrUpdaterHook
    assert CyclicLrUpdaterHook().cycle.target_ratio == (10, 1e-4)
    assert CyclicMomentumUpdaterHook().cycle.target_ratio == pytest.approx((0.85 / 0.95, 1))
    with pytest.raises(ValueError, match='cyclic momentum works per iteration only'):
        CyclicMomentumUpdaterHook(by_epoch=True)
    with pytest.raises(ValueError, match=r'step_ratio_up must be in \[0, 1\), got 1.5'):
        CyclicLrUpdaterHook(step_ratio_up=1.5)
    curve = simulate_schedule(dict(policy='fixed'), 0.1, max_iters=10,
                              momentum_config=dict(policy='cyclic'))
    assert min(curve['momentum']) == pytest.approx(0.9 * 0.85 / 0.95)   # base 0.9 x ratio


def test_schedules_only_give_values_the_base_keeps_the_timing():
    """No registered LR/momentum hook redefines the base's setup; lr_schedules is pure maths."""
    import ast
    from cls_lab.engine import lr_schedules
    from cls_lab.engine.hooks import ParamUpdaterHook
    timing = ('before_run', 'before_train_epoch', 'before_train_iter', 'regular', 'warmup_at')
    for name in HOOKS.all_names():
        cls = HOOKS.get(name)
        if issubclass(cls, ParamUpdaterHook):
            for stage in timing:
                assert getattr(cls, stage) is getattr(ParamUpdaterHook, stage), (name, stage)
    tree = ast.parse(open(lr_schedules.__file__, encoding='utf-8').read())
    imports = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    assert imports == {'math'} and not any(isinstance(n, ast.ImportFrom) for n in ast.walk(tree))
