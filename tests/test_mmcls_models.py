"""Models build as mmcls 0.25 builds them: the state-dict numbers below were recorded there.

Each signature is (parameter count, number of state-dict entries, md5 of 'key:shape;' lines),
taken from ``mmcls.models.build_backbone(cfg).state_dict()`` with mmcls 0.25.0.
"""
import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch

from cls_lab.models import build_backbone, build_head

MMCLS_SIGNATURES = {
    'wide50': (dict(type='ResNet', depth=50, base_channels=128, expansion=2),
               (66902517, 318, 'bd238886dec8bbdb526128b14f452bb6')),
    'r18dp': (dict(type='ResNet', depth=18, drop_path_rate=0.1),
              (11186132, 120, '026ceec99065c00caf03acaf4fdaeebc')),
    'r18base8': (dict(type='ResNet', depth=18, base_channels=8),
                 (190965, 126, 'f24ba6c1e029453dc0f4dfd80cf32e7c')),
    'mbv2cp': (dict(type='MobileNetV2', widen_factor=0.5, with_cp=True),
               (706276, 312, 'c35e2b44c29d44256078b4f1c3257a3e')),
    'resnext': (dict(type='ResNeXt', depth=50, groups=32, width_per_group=4),
                (23048181, 318, '82a485b0dc404bcc2c9c4fea58377201')),
}


def signature(module):
    state = module.state_dict()
    keys = ''.join(f'{k}:{tuple(v.shape)};' for k, v in state.items())
    return sum(v.numel() for v in state.values()), len(state), hashlib.md5(keys.encode()).hexdigest()


@pytest.mark.parametrize('name', sorted(MMCLS_SIGNATURES))
def test_backbone_state_dict_matches_mmcls(name):
    cfg, expected = MMCLS_SIGNATURES[name]
    with torch.device('meta'):
        model = build_backbone(cfg)
    assert signature(model) == expected


def test_stacked_linear_head_keys_and_pre_logits_as_mmcls():
    head = build_head(dict(type='StackedLinearClsHead', num_classes=5, in_channels=8,
                           mid_channels=[6, 4], dropout_rate=0.2, norm_cfg=dict(type='BN1d'),
                           act_cfg=dict(type='HSwish')))
    assert signature(head) == (149, 16, '95679f74ed7c027561071440c6cc93fd')
    head.eval()
    x = torch.randn(3, 8)
    hidden = head.pre_logits((x,))
    assert hidden.shape == (3, 4)
    torch.testing.assert_close(head.fc(hidden), head.simple_test(x, softmax=False, post_process=False))


def test_resnet_blocks_expose_mmcls_names():
    from cls_lab.models.backbones import BasicBlock, Bottleneck, ResLayer, get_expansion
    assert get_expansion(Bottleneck) == 4 and get_expansion(BasicBlock, 1) == 1
    with pytest.raises(TypeError):
        get_expansion(torch.nn.Conv2d)
    layer = ResLayer(Bottleneck, 2, 16, 32, expansion=2, stride=2, drop_path_rate=0.5)
    assert layer[0].mid_channels == 16 and layer[0].norm1 is layer[0].bn1 and layer[0].norm3 is layer[0].bn3
    assert type(layer[0].drop_path).__name__ == 'StochasticDepth'
    layer.eval()   # no drop in eval mode: the block is deterministic
    x = torch.randn(2, 16, 8, 8)
    torch.testing.assert_close(layer(x), layer(x))
    with pytest.raises(ValueError):
        BasicBlock(8, 8, expansion=2)


def test_drop_path_drops_whole_samples_in_training():
    from cls_lab.models.backbones import BasicBlock
    block = BasicBlock(4, 4, drop_path_rate=1.0).train()
    torch.manual_seed(0)
    x = torch.randn(6, 4, 5, 5)
    out = block(x)   # the branch is dropped: relu(0 + x)
    torch.testing.assert_close(out, torch.relu(x))


def test_inverted_residual_checkpointing_gives_the_same_gradients():
    from cls_lab.models.backbones.mobilenet_v2 import InvertedResidual
    torch.manual_seed(0)
    plain = InvertedResidual(8, 8, stride=1, expand_ratio=6)
    checkpointed = InvertedResidual(8, 8, stride=1, expand_ratio=6, with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.randn(2, 8, 6, 6, requires_grad=True)
    plain(x).sum().backward()
    grad = x.grad.clone()
    x.grad = None
    checkpointed(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), grad.numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match='stride'):
        InvertedResidual(8, 8, stride=3, expand_ratio=6)


def test_asymmetric_and_seesaw_losses_match_mmcls():
    from cls_lab.models import build_loss
    torch.manual_seed(0)
    pred, multi = torch.randn(4, 5), (torch.rand(4, 5) > 0.5).long()
    labels, weight = torch.tensor([0, 2, 2, 4]), torch.tensor([1., 0.5, 2., 1.])
    asl = build_loss(dict(type='AsymmetricLoss'))
    assert asl(pred, multi).item() == pytest.approx(0.46964722871780396, rel=1e-6)
    assert asl(pred, multi, weight=weight).item() == pytest.approx(0.5321687459945679, rel=1e-6)
    assert asl(pred, labels).item() == pytest.approx(0.27136266231536865, rel=1e-6)
    asl2 = build_loss(dict(type='AsymmetricLoss', gamma_pos=1., clip=0., use_sigmoid=False,
                           reduction='sum'))
    assert asl2(pred, multi).item() == pytest.approx(19.512699127197266, rel=1e-6)
    seesaw = build_loss(dict(type='SeesawLoss', num_classes=5))
    assert seesaw(pred, labels).item() == pytest.approx(3.185976028442383, rel=1e-6)
    assert seesaw(pred, torch.tensor([1, 1, 1, 3])).item() == pytest.approx(3.9109280109405518, rel=1e-6)
    assert seesaw.cum_samples.tolist() == [1.0, 3.0, 2.0, 1.0, 1.0]
    with pytest.raises(ValueError, match='unknown'):
        build_loss(dict(type='CrossEntropyLoss', reduction='unknown'))
    with pytest.raises(ValueError, match='use_sigmoid'):
        build_loss(dict(type='SeesawLoss', use_sigmoid=True))


def test_generalized_mean_pooling_matches_mmcls():
    from cls_lab.models import build_neck
    torch.manual_seed(0)
    torch.randn(4, 5), torch.rand(4, 5)   # the draws the mmcls run made first
    x = torch.rand(2, 3, 4, 5)
    gem = build_neck(dict(type='GeneralizedMeanPooling'))
    assert list(gem.state_dict()) == ['p']
    np.testing.assert_allclose(gem(x).flatten()[:4].detach().numpy(),
                               [0.6847519278526306, 0.6004531383514404, 0.6149246692657471,
                                0.5164234638214111], rtol=1e-6)
    assert [t.shape for t in gem((x, x))] == [(2, 3), (2, 3)]
    with pytest.raises(ValueError):
        build_neck(dict(type='GeneralizedMeanPooling', p=0.5))


def test_accuracy_takes_numpy_and_thresholds():
    from cls_lab.models.losses import Accuracy, accuracy
    pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.4, 0.5, 0.1]], dtype=np.float32)
    target = np.array([0, 1, 1])
    top1, top2 = Accuracy(topk=(1, 2))(pred, target)
    assert float(top1) == pytest.approx(200 / 3) and float(top2) == pytest.approx(100)
    per_thr = accuracy(pred, target, topk=1, thrs=(0.45, 0.6))
    assert [float(v) for v in per_thr] == pytest.approx([200 / 3, 100 / 3])
    with pytest.raises(TypeError):
        accuracy([0.1, 0.9], [1])


AUGMENTS = np.load(Path(__file__).parent / 'data' / 'mmcls_batch_augments.npz')
AUGMENT_CASES = {
    'cutmix-minmax': dict(type='BatchCutMix', alpha=1., num_classes=4, prob=1., cutmix_minmax=(0.2, 0.6)),
    'cutmix': dict(type='BatchCutMix', alpha=1., num_classes=4, prob=1.),
    'resizemix': dict(type='BatchResizeMix', alpha=1., num_classes=4, prob=1.),
    'mixup': dict(type='BatchMixup', alpha=0.4, num_classes=4, prob=1.),
    'choice': [dict(type='BatchMixup', alpha=0.4, num_classes=4, prob=0.3),
               dict(type='BatchCutMix', alpha=1., num_classes=4, prob=0.3)],
}


@pytest.mark.parametrize('name', sorted(AUGMENT_CASES))
def test_batch_augments_match_mmcls_for_the_same_seed(name):
    """tests/data/make_mmcls_batch_augments.py recorded these with mmcls 0.25."""
    import random
    from cls_lab.models.utils import Augments
    for seed in range(3):
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        img = torch.arange(4 * 3 * 8 * 8, dtype=torch.float32).reshape(4, 3, 8, 8)
        out, label = Augments(AUGMENT_CASES[name])(img, torch.tensor([0, 1, 2, 3]))
        np.testing.assert_allclose(out.numpy(), AUGMENTS[f'{name}-{seed}-img'], rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(label.numpy(), AUGMENTS[f'{name}-{seed}-label'], rtol=1e-6, atol=1e-6)


def test_identity_is_an_augment_name():
    from cls_lab.models.utils import AUGMENTS as registry
    assert registry.get('Identity') is registry.get('BatchIdentity')


def _tiny_classifier(**kwargs):
    from cls_lab.models import build_classifier
    return build_classifier(dict(
        type='ImageClassifier', backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=4,
                                              stem_channels=4),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=3, in_channels=32), **kwargs))


def test_pretrained_loads_into_the_whole_classifier(tmp_path):
    source = _tiny_classifier()
    torch.save(dict(state_dict=source.state_dict()), tmp_path / 'full.pth')
    model = _tiny_classifier(pretrained=str(tmp_path / 'full.pth'))
    model.init_weights()
    for key, value in source.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value, msg=key)


def test_test_forward_accepts_the_batch_keys_and_show_result_draws(tmp_path):
    model = _tiny_classifier().eval()
    img = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        plain = model(img=img, return_loss=False)
        batch = model(img=img, return_loss=False, img_metas=[{}, {}], gt_label=torch.tensor([0, 1]))
        listed = model.forward_test([img], img_metas=[{}, {}])
    np.testing.assert_allclose(np.stack(batch), np.stack(plain))
    np.testing.assert_allclose(np.stack(listed), np.stack(plain))
    with pytest.raises(NotImplementedError):
        model.forward_test([img, img])
    photo = Path(__file__).parents[1] / 'data_samples' / 'photos' / 'chelsea.jpg'
    drawn = model.show_result(str(photo), dict(pred_label=1, pred_score=0.5, pred_class='cat'),
                              out_file=str(tmp_path / 'shown.jpg'))
    assert drawn.shape == (300, 451, 3) and (tmp_path / 'shown.jpg').is_file()
    import cv2
    assert not np.array_equal(drawn, cv2.imread(str(photo)))   # the text is drawn on it


def test_moco_feat_dim_with_the_old_name_deprecated():
    from cls_lab.models import build_classifier   # noqa: F401  (fills MODELS)
    from cls_lab.registry import MODELS
    cfg = dict(type='MoCo', backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=4,
                                          stem_channels=4),
               neck=dict(type='NonLinearNeck', in_channels=32, hid_channels=8, out_channels=6),
               head=dict(type='ContrastiveHead', temperature=0.2), queue_len=8)
    assert MODELS.build(dict(cfg, feat_dim=6)).queue.shape == (6, 8)
    with pytest.warns(DeprecationWarning, match='feat_dim'):
        assert MODELS.build(dict(cfg, feature_dim=6)).feat_dim == 6
