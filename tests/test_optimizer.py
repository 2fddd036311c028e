"""build_optimizer, paramwise_cfg, custom optimizers and constructors (seed 003 §5)."""
import pytest
import torch
from torch import nn

from cls_lab.engine.optimizer import (DefaultOptimizerConstructor, build_optimizer,
                                      describe_param_groups)
from cls_lab.registry import OPTIMIZER_BUILDERS, OPTIMIZERS

LR, WD = 0.8, 1e-4


class Net(nn.Module):
    """conv -> bn -> depth-wise conv, inside a 'backbone'; a linear 'head'; a shared-free model."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential()
        self.backbone.add_module('conv', nn.Conv2d(3, 4, 3, bias=True))
        self.backbone.add_module('bn', nn.BatchNorm2d(4))
        self.backbone.add_module('dwconv', nn.Conv2d(4, 4, 3, groups=4, bias=False))
        self.backbone.cls_token = nn.Parameter(torch.zeros(1, 4))
        self.head = nn.Linear(4, 2)


def groups_by_name(optimizer, model):
    return {row['params']: (row['lr'], row['weight_decay'])
            for row in describe_param_groups(optimizer, model)}


def test_every_torch_optimizer_is_registered():
    for name, obj in vars(torch.optim).items():
        if isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer) and obj is not torch.optim.Optimizer:
            assert OPTIMIZERS.get(name) is obj, name


def test_seed_examples_build():
    model = Net()
    sgd = build_optimizer(model, dict(type='SGD', lr=0.001, weight_decay=0.001))
    assert isinstance(sgd, torch.optim.SGD) and len(sgd.param_groups) == 1
    assert sgd.param_groups[0]['weight_decay'] == 0.001
    adam = build_optimizer(model, dict(type='Adam', lr=0.001, betas=(0.9, 0.999), eps=1e-8,
                                       weight_decay=0, amsgrad=False))
    assert adam.param_groups[0]['betas'] == (0.9, 0.999)
    adamw = build_optimizer(model, dict(type='AdamW', lr=1e-3, weight_decay=0.05))
    assert isinstance(adamw, torch.optim.AdamW)


def test_seed_typo_sgd_with_betas_names_the_key():
    # the seed's Adam example keeps type='SGD' by mistake: say which key SGD refuses
    with pytest.raises(TypeError, match='SGD does not take betas, eps, amsgrad'):
        build_optimizer(Net(), dict(type='SGD', lr=0.001, betas=(0.9, 0.999), eps=1e-8,
                                    weight_decay=0, amsgrad=False))


def test_unknown_optimizer_suggests_the_name():
    with pytest.raises(KeyError, match="'SGD'"):
        build_optimizer(Net(), dict(type='SDG', lr=0.1))
    with pytest.raises(KeyError, match="'AdamW'"):
        build_optimizer(Net(), dict(type='Adamw', lr=0.1))
    with pytest.raises(KeyError, match='type'):
        build_optimizer(Net(), dict(lr=0.1))


def test_norm_bias_dwconv_multipliers():
    model = Net()
    optimizer = build_optimizer(model, dict(
        type='SGD', lr=LR, momentum=0.9, weight_decay=WD,
        paramwise_cfg=dict(norm_decay_mult=0., bias_lr_mult=2., bias_decay_mult=0.5,
                           dwconv_decay_mult=0.1)))
    got = groups_by_name(optimizer, model)
    assert got == {
        'backbone.cls_token': (LR, WD),
        'backbone.conv.weight': (LR, WD),
        'backbone.conv.bias': (LR * 2, WD * 0.5),
        'backbone.bn.weight': (LR, 0.0),
        'backbone.bn.bias': (LR, 0.0),          # a norm layer's bias: norm rules, lr unchanged
        'backbone.dwconv.weight': (LR, WD * 0.1),
        'head.weight': (LR, WD),
        'head.bias': (LR * 2, WD * 0.5),
    }
    # one group per parameter, every parameter once
    assert sum(len(g['params']) for g in optimizer.param_groups) == len(list(model.parameters()))


def test_custom_keys_seed_examples():
    model = Net()
    optimizer = build_optimizer(model, dict(
        type='SGD', lr=LR, weight_decay=WD,
        paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1, decay_mult=0.9)})))
    got = groups_by_name(optimizer, model)
    for name, (lr, wd) in got.items():
        want = (LR * 0.1, WD * 0.9) if name.startswith('backbone') else (LR, WD)
        assert (lr, wd) == pytest.approx(want), name
    optimizer = build_optimizer(model, dict(
        type='SGD', lr=LR, weight_decay=WD,
        paramwise_cfg=dict(custom_keys={'backbone.cls_token': dict(decay_mult=0.)})))
    assert groups_by_name(optimizer, model)['backbone.cls_token'] == (LR, 0.0)


def test_longest_custom_key_wins_and_overrides_other_rules():
    model = Net()
    optimizer = build_optimizer(model, dict(
        type='SGD', lr=LR, weight_decay=WD,
        paramwise_cfg=dict(norm_decay_mult=0.,
                           custom_keys={'backbone': dict(lr_mult=0.1),
                                        'backbone.bn': dict(lr_mult=0.5, decay_mult=2.0),
                                        'bn': dict(lr_mult=3.0)})))
    got = groups_by_name(optimizer, model)
    assert got['backbone.bn.weight'] == pytest.approx((LR * 0.5, WD * 2.0))   # longest key
    assert got['backbone.conv.weight'] == pytest.approx((LR * 0.1, WD))
    assert got['head.weight'] == (LR, WD)


def test_equal_length_keys_tie_break_alphabetically():
    model = Net()
    optimizer = build_optimizer(model, dict(
        type='SGD', lr=1.0, weight_decay=WD,
        paramwise_cfg=dict(custom_keys={'conv': dict(lr_mult=0.2), 'bone': dict(lr_mult=0.3)})))
    # 'backbone.conv.weight' holds both 4-letter keys: 'bone' < 'conv' alphabetically wins
    assert groups_by_name(optimizer, model)['backbone.conv.weight'][0] == pytest.approx(0.3)


def test_frozen_parameters_stay_in_the_optimizer():
    model = Net()
    model.backbone.conv.weight.requires_grad_(False)
    optimizer = build_optimizer(model, dict(type='SGD', lr=LR, weight_decay=WD,
                                            paramwise_cfg=dict(norm_decay_mult=0.)))
    rows = {r['params']: r for r in describe_param_groups(optimizer, model)}
    assert rows['backbone.conv.weight']['requires_grad'] is False


def test_shared_parameters_need_bypass_duplicate():
    model = Net()
    model.head2 = nn.Linear(4, 2)
    model.head2.weight = model.head.weight
    cfg = dict(type='SGD', lr=LR, weight_decay=WD, paramwise_cfg=dict(norm_decay_mult=0.))
    with pytest.raises(ValueError, match='bypass_duplicate'):
        build_optimizer(model, cfg)
    cfg['paramwise_cfg']['bypass_duplicate'] = True
    with pytest.warns(UserWarning, match='head2 is duplicate. It is skipped since '):
        optimizer = build_optimizer(model, cfg)
    assert sum(len(g['params']) for g in optimizer.param_groups) == len(list(model.parameters()))
    # a frozen shared parameter is a duplicate as well (it used to reach torch's own error)
    model.head.weight.requires_grad_(False)
    with pytest.warns(UserWarning, match='head2 is duplicate. It is skipped since '):
        optimizer = build_optimizer(model, cfg)
    assert sum(len(g['params']) for g in optimizer.param_groups) == len(list(model.parameters()))
    cfg['paramwise_cfg']['bypass_duplicate'] = False
    with pytest.raises(ValueError, match='head2.weight is shared'):
        build_optimizer(model, cfg)


@pytest.mark.parametrize('paramwise_cfg, error, words', [
    (dict(norm_decay_mul=0.), KeyError, 'norm_decay_mul'),
    (dict(custom_keys=[('backbone', 0.1)]), TypeError, 'custom_keys'),
    (dict(custom_keys={'backbone': dict(lr_multi=0.1)}), KeyError, 'lr_multi'),
])
def test_bad_paramwise_cfg(paramwise_cfg, error, words):
    with pytest.raises(error, match=words):
        build_optimizer(Net(), dict(type='SGD', lr=LR, weight_decay=WD, paramwise_cfg=paramwise_cfg))


def test_decay_mult_needs_weight_decay():
    with pytest.raises(ValueError, match='weight_decay'):
        build_optimizer(Net(), dict(type='SGD', lr=LR, paramwise_cfg=dict(norm_decay_mult=0.)))


def test_custom_optimizer_and_constructor_from_config():
    @OPTIMIZERS.register_module(force=True)
    class MyOptimizer(torch.optim.SGD):
        def __init__(self, params, a, b, c):
            super().__init__(params, lr=a)
            self.b, self.c = b, c

    @OPTIMIZER_BUILDERS.register_module(force=True)
    class HeadOnlyConstructor:
        def __init__(self, optimizer_cfg, paramwise_cfg=None):
            self.optimizer_cfg = optimizer_cfg

        def __call__(self, model):
            return OPTIMIZERS.build(dict(self.optimizer_cfg, params=model.head.parameters()))

    model = Net()
    optimizer = build_optimizer(model, dict(type='MyOptimizer', a=0.3, b=1, c=2))
    assert isinstance(optimizer, MyOptimizer) and optimizer.param_groups[0]['lr'] == 0.3
    optimizer = build_optimizer(model, dict(type='SGD', lr=0.1, constructor='HeadOnlyConstructor'))
    assert sum(len(g['params']) for g in optimizer.param_groups) == 2
    with pytest.raises(KeyError, match='DefaultOptimizerConstructor'):
        build_optimizer(model, dict(type='SGD', lr=0.1, constructor='DefaultOptimizerConstruct'))


def test_default_constructor_direct_and_dataparallel_unwrap():
    model = Net()
    constructor = DefaultOptimizerConstructor(dict(type='SGD', lr=LR, weight_decay=WD),
                                              dict(norm_decay_mult=0.))
    wrapped = nn.DataParallel(model)
    optimizer = constructor(wrapped)
    assert groups_by_name(optimizer, model)['backbone.bn.weight'] == (LR, 0.0)


def test_dict_of_optimizers():
    model = Net()
    optimizers = build_optimizer(model, dict(backbone=dict(type='SGD', lr=0.1),
                                             head=dict(type='Adam', lr=1e-3)))
    assert isinstance(optimizers['backbone'], torch.optim.SGD)
    assert isinstance(optimizers['head'], torch.optim.Adam)
    with pytest.raises(KeyError, match='neck'):
        build_optimizer(model, dict(neck=dict(type='SGD', lr=0.1)))
