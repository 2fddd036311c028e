"""BaseModule.init_weights follows mmcv 1.7: own init_cfg first, then the children's.

Reference numbers were recorded side by side with mmcv 1.7.2 (same model, same seed): the
sum of every parameter after ``init_weights``.
"""
import logging

import pytest
import torch
import torch.nn as nn

from cls_lab.models.bricks import BaseModule, ModuleDict, ModuleList, Sequential
from cls_lab.models.init import bias_init_with_prob, initialize, trunc_normal_


class Leaf(BaseModule):
    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(2, 3, 3)
        self.fc = nn.Linear(3, 2)


class Top(BaseModule):
    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.own = Leaf(init_cfg=dict(type='Constant', layer='Conv2d', val=0.5, bias=0.25))
        self.plain = Leaf()
        self.stack = Sequential(Leaf(), Leaf(init_cfg=dict(type='Uniform', layer='Linear', a=-1, b=1)),
                                init_cfg=dict(type='Constant', layer='Linear', val=2.0))
        self.blocks = ModuleList([Leaf(), Leaf(init_cfg=dict(type='Xavier', layer='Conv2d'))])
        self.named = ModuleDict(dict(a=Leaf(init_cfg=dict(type='TruncNormal', layer='Linear',
                                                          std=0.3))))
        self.raw = nn.Sequential(Leaf(init_cfg=dict(type='Constant', layer='Conv2d', val=7.0)))
        self.head = nn.Linear(4, 5)


TOP_CFG = [dict(type='Kaiming', layer='Conv2d', mode='fan_in'),
           dict(type='Normal', layer='Linear', std=0.1, bias=0.5,
                override=dict(name='head', type='Normal', std=3.0, bias_prob=0.01))]

# mmcv 1.7.2, torch.manual_seed(0), Top(init_cfg=TOP_CFG).init_weights()
MMCV_SUMS = {
    'own.conv.weight': 27.0, 'own.conv.bias': 0.75, 'own.fc.weight': 0.06834, 'own.fc.bias': 1.0,
    'plain.conv.weight': -1.44078, 'plain.conv.bias': 0.0, 'plain.fc.weight': 0.12438,
    'plain.fc.bias': 1.0, 'stack.0.conv.weight': 2.5934, 'stack.0.conv.bias': 0.0,
    'stack.0.fc.weight': 12.0, 'stack.0.fc.bias': 0.0, 'stack.1.conv.weight': 2.00289,
    'stack.1.conv.bias': 0.0, 'stack.1.fc.weight': 0.98861, 'stack.1.fc.bias': 0.0,
    'blocks.0.conv.weight': -3.25415, 'blocks.0.conv.bias': 0.0, 'blocks.0.fc.weight': -0.08989,
    'blocks.0.fc.bias': 1.0, 'blocks.1.conv.weight': 0.69718, 'blocks.1.conv.bias': 0.0,
    'blocks.1.fc.weight': 0.32225, 'blocks.1.fc.bias': 1.0, 'named.a.conv.weight': -3.1676,
    'named.a.conv.bias': 0.0, 'named.a.fc.weight': 2.04508, 'named.a.fc.bias': 0.0,
    'raw.0.conv.weight': 0.72327, 'raw.0.conv.bias': 0.0, 'raw.0.fc.weight': -0.05509,
    'raw.0.fc.bias': 1.0, 'head.weight': 10.94548, 'head.bias': -22.9756}


def test_nested_init_cfg_matches_mmcv_weights():
    torch.manual_seed(0)
    model = Top(init_cfg=TOP_CFG)
    model.init_weights()
    sums = {name: round(float(p.detach().double().sum()), 5)
            for name, p in model.named_parameters()}
    assert sums == pytest.approx(MMCV_SUMS, abs=2e-4)
    # the child's own rule won over the parent's Kaiming, and a BaseModule inside a plain
    # nn.Sequential is not reached (mmcv calls init_weights of direct children only)
    assert model.own.conv.weight.eq(0.5).all() and not model.raw[0].conv.weight.eq(7).all()
    assert model.is_init and not hasattr(model, '_params_init_info')


def test_second_init_weights_warns_and_changes_nothing():
    model = Leaf(init_cfg=dict(type='Constant', layer='Linear', val=1.0))
    model.init_weights()
    model.fc.weight.data.fill_(3.0)
    with pytest.warns(UserWarning, match='more than once'):
        model.init_weights()
    assert model.fc.weight.eq(3.0).all()


def test_pretrained_dict_leaves_children_alone(tmp_path):
    src = Top()
    torch.save({'state_dict': src.state_dict()}, tmp_path / 'w.pth')
    model = Top(init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'w.pth')))
    model.init_weights()     # own.conv would be 0.5 if the children were initialised after
    assert torch.equal(model.own.conv.weight, src.own.conv.weight)


def test_override_rules():
    model = Top()
    initialize(model, dict(type='Constant', val=4.0, bias=1.0, override=dict(name='head')))
    assert model.head.weight.eq(4).all() and model.head.bias.eq(1).all()   # name only: parent args
    assert not model.plain.fc.weight.eq(4).all()     # no layer: the parent's rule touches nothing
    initialize(model, dict(type='Constant', val=0.0, override=dict(name='plain', type='Constant',
                                                                    val=2.0)))
    assert model.plain.conv.weight.eq(2).all() and model.plain.fc.weight.eq(2).all()  # whole child
    with pytest.raises(ValueError, match='no "type"'):
        initialize(model, dict(type='Constant', val=0.0, override=dict(name='head', val=1.0)))
    with pytest.raises(RuntimeError, match='not a child'):
        initialize(model, dict(type='Constant', val=0.0, override=dict(name='nope')))
    with pytest.raises(TypeError):
        initialize(model, 'Kaiming')
    assert bias_init_with_prob(0.01) == pytest.approx(-4.59512, abs=1e-5)   # mmcv's value


def test_trunc_normal_draws_like_mmcv():
    torch.manual_seed(0)
    t = trunc_normal_(torch.empty(2, 3), 0, 0.3, -2, 2)
    assert float(t.sum()) == pytest.approx(-0.5711724162101746, abs=1e-6)   # mmcv 1.7.2


def test_init_log_names_each_parameters_initializer(tmp_path):
    logger = logging.getLogger('cls_lab')
    handler = logging.FileHandler(tmp_path / 'init.log')
    logger.addHandler(handler)
    try:
        Top(init_cfg=TOP_CFG).init_weights()
    finally:
        logger.removeHandler(handler)
        handler.close()
    lines = (tmp_path / 'init.log').read_text().splitlines()
    info = {lines[i].split(' - ')[0]: lines[i + 1] for i, line in enumerate(lines)
            if ' - (' in line}
    assert info['plain.conv.weight'].startswith('KaimingInit')
    assert info['head.weight'].startswith('NormalInit: std=3.0, bias=-4.595')
    assert info['own.conv.weight'].startswith('ConstantInit: val=0.5')   # the child's own rule
    assert info['raw.0.conv.weight'].startswith('KaimingInit')   # its own Constant never ran


def test_init_record_has_mmcv_layout():
    from cls_lab.models.init import start_init_record, update_init_info
    model = nn.Sequential(nn.Conv2d(1, 1, 1), nn.Linear(1, 1))
    start_init_record(model)
    record = model._params_init_info          # {param: {'init_info', 'tmp_mean_value'}}, as mmcv
    with torch.no_grad():
        model[0].weight.fill_(1)
    update_init_info(model, init_info='fill_1')
    assert record[model[0].weight] == dict(init_info='fill_1', tmp_mean_value=torch.tensor(1.))
    assert record[model[1].bias]['init_info'].startswith('The value is the same before and after')
    model[0].bias = nn.Parameter(torch.ones(1))   # a parameter made after the record started
    with pytest.raises(RuntimeError, match="'0.bias'"):
        update_init_info(model, init_info='x')
