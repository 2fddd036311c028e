"""ImageClassifier: forward modes, train_step, extract_feat, Mixup/CutMix, init_cfg, builders."""
import copy

import numpy as np
import pytest
import torch
import torch.nn as nn

from cls_lab.engine.checkpoint import save_checkpoint
from cls_lab.models import (BaseModule, BatchCutMix, BatchMixup, ImageClassifier, ResNet,
                            build_classifier, build_norm_layer, constant_init, initialize)
from cls_lab.registry import MODELS

TINY = dict(type='ImageClassifier',
            backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8,
                          num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(1,)),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=4, in_channels=16, topk=(1, 2)))


def batch(n=4):
    return dict(img=torch.randn(n, 3, 16, 16), gt_label=torch.arange(n) % 4)


def test_forward_modes_and_steps():
    model = build_classifier(TINY)
    model.init_weights()
    data = batch()
    losses = model(**data)
    assert set(losses) == {'loss', 'accuracy'} and set(losses['accuracy']) == {'top-1', 'top-2'}
    scores = model(data['img'], return_loss=False)
    assert len(scores) == 4 and scores[0].shape == (4,) and isinstance(scores[0], np.ndarray)
    out = model.train_step(data, None)
    assert set(out) == {'loss', 'log_vars', 'num_samples'} and out['num_samples'] == 4
    assert out['loss'].requires_grad
    assert set(out['log_vars']) == {'loss', 'top-1', 'top-2'}
    assert all(isinstance(v, float) for v in out['log_vars'].values())
    out['loss'].backward()
    assert model.head.fc.weight.grad is not None
    assert model.val_step(data)['num_samples'] == 4
    assert model.extract_feat(data['img'], stage='backbone')[0].shape == (4, 16, 8, 8)
    assert model.extract_feat(data['img'])[-1].shape == (4, 16)   # a tuple, like the backbone's
    with pytest.raises(KeyError, match='gt_label'):
        model(data['img'])


@pytest.mark.parametrize('augment', ['BatchMixup', 'BatchCutMix'])
def test_batch_augments(augment):
    cfg = copy.deepcopy(TINY)
    cfg['train_cfg'] = dict(augments=[dict(type=augment, alpha=1.0, num_classes=4, prob=1.0)])
    model = build_classifier(cfg)
    out = model.train_step(batch(), None)
    assert torch.isfinite(out['loss'])
    img, label = torch.randn(8, 3, 16, 16), torch.arange(8) % 4
    mixed, soft = (BatchMixup if augment == 'BatchMixup' else BatchCutMix)(1.0, 4)(img, label)
    assert mixed.shape == img.shape and soft.shape == (8, 4)
    torch.testing.assert_close(soft.sum(1), torch.ones(8))
    half = build_classifier(dict(TINY, train_cfg=dict(augments=[
        dict(type='BatchMixup', alpha=0.2, num_classes=4, prob=0.5)])))
    assert len(half.augments.augments) == 2        # the other half: no augment


def test_cutmix_label_matches_area():
    np.random.seed(3)
    img = torch.stack([torch.zeros(1, 10, 10), torch.ones(1, 10, 10)])
    mixed, soft = BatchCutMix(1.0, 2)(img, torch.tensor([0, 1]))
    for i in range(2):           # label mass of class 1 == share of pixels from image 1
        assert soft[i, 1].item() == pytest.approx(mixed[i].mean().item())


def test_init_cfg_types():
    class Tiny(BaseModule):
        def __init__(self, init_cfg=None):
            super().__init__(init_cfg)
            self.conv = nn.Conv2d(2, 2, 3)
            self.fc = nn.Linear(2, 2)
    net = Tiny(init_cfg=[dict(type='Constant', val=3, bias=1, layer='Conv2d'),
                         dict(type='Normal', std=0.01, override=dict(name='fc'))])
    net.init_weights()
    assert net.conv.weight.eq(3).all() and net.conv.bias.eq(1).all() and net.fc.bias.eq(0).all()
    assert net.fc.weight.abs().max() < 0.1
    for kind in ('Kaiming', 'Xavier', 'Uniform', 'TruncNormal', 'Normal'):
        initialize(net, dict(type=kind, layer=['Conv2d', 'Linear']))
    with pytest.raises(KeyError, match='Bogus'):
        initialize(net, dict(type='Bogus'))
    name, bn = build_norm_layer(dict(type='BN', requires_grad=False), 4, postfix=2)
    assert name == 'bn2' and not bn.weight.requires_grad
    assert build_norm_layer(dict(type='GN', num_groups=2), 4)[0] == 'gn'
    assert type(build_norm_layer(dict(type='FrozenBN'), 4)[1]).__name__ == 'FrozenBatchNorm2d'
    assert type(build_norm_layer(dict(type='SyncBN'), 4)[1]) is nn.SyncBatchNorm
    with pytest.raises(KeyError, match='num_groups'):
        build_norm_layer(dict(type='GN'), 4)


def test_pretrained_with_prefix(tmp_path):
    src = build_classifier(TINY)
    src.init_weights()
    for p in src.parameters():
        nn.init.normal_(p)
    path = str(tmp_path / 'full.pth')
    save_checkpoint(src, path)
    cfg = copy.deepcopy(TINY)
    cfg['head']['num_classes'] = 7                       # new head: not loaded
    cfg['backbone']['init_cfg'] = dict(type='Pretrained', checkpoint=path, prefix='backbone')
    dst = build_classifier(cfg)
    dst.init_weights()
    for k, v in src.backbone.state_dict().items():
        torch.testing.assert_close(dst.backbone.state_dict()[k], v)
    assert dst.head.fc.weight.shape == (7, 16) and dst.head.fc.weight.std() < 0.05
    # pretrained= loads a whole-classifier checkpoint into the whole classifier, as mmcls 0.25
    short = build_classifier(dict(TINY, pretrained=path))
    short.init_weights()
    torch.testing.assert_close(short.backbone.layer1[0].conv1.weight, src.backbone.layer1[0].conv1.weight)
    torch.testing.assert_close(short.head.fc.weight, src.head.fc.weight)


def test_registering_own_module():
    @MODELS.register_module(force=True)
    class TinyNeck(nn.Module):
        def __init__(self, scale=2.0):
            super().__init__()
            self.scale = scale

        def forward(self, x):
            return x[-1].mean(dim=(2, 3)) * self.scale
    model = build_classifier(dict(TINY, neck=dict(type='TinyNeck', scale=3.0)))
    assert model.neck.scale == 3.0 and model.extract_feat(batch()['img']).shape == (4, 16)


def test_resnet50_classifier_keys():
    with torch.device('meta'):
        model = build_classifier(dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=50),
                                      neck=dict(type='GlobalAveragePooling'),
                                      head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048)))
    keys = model.state_dict()
    assert 'backbone.layer1.0.conv1.weight' in keys and 'head.fc.weight' in keys
    assert 'backbone.bn1.weight' in keys
    constant_init(nn.Linear(2, 2), 1)
    assert isinstance(ResNet, type)


@pytest.mark.parametrize('name', ['resnet18', 'resnet50', 'resnet18_cifar', 'resnet50_cifar',
                                  'mobilenet_v2_1x', 'lenet5', 'resnet_cifar_digits'])
def test_base_model_configs_build(name):
    from cls_lab import ROOT
    from cls_lab.config import Config
    cfg = Config.fromfile(str(ROOT / 'configs' / '_base_' / 'models' / f'{name}.py'))
    with torch.device('meta'):
        model = build_classifier(cfg.model)
    assert isinstance(model, ImageClassifier)
    if name in ('lenet5', 'resnet_cifar_digits', 'resnet18_cifar'):
        real = build_classifier(cfg.model).eval()
        assert real(torch.randn(1, 3, 32, 32), return_loss=False)[0].shape == (10,)


def test_init_functions_reject_an_unknown_distribution_by_name():
    import torch.nn as nn
    from cls_lab.models.init import kaiming_init, xavier_init
    for init in (kaiming_init, xavier_init):
        with pytest.raises(ValueError, match=f"{init.__name__}: distribution must be .* got 'gauss'"):
            init(nn.Linear(2, 2), distribution='gauss')
