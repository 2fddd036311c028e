"""Necks, heads and losses: against torch.nn.functional, reductions, weights, soft labels."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cls_lab.models import (ClsHead, CrossEntropyLoss, FocalLoss, GlobalAveragePooling, L1Loss,
                            LabelSmoothLoss, LinearClsHead, MultiLabelLinearClsHead,
                            StackedLinearClsHead, accuracy, build_head, build_loss, build_neck,
                            weight_reduce_loss, weighted_loss)

torch.manual_seed(0)
PRED = torch.randn(6, 5)
LABEL = torch.tensor([0, 1, 2, 3, 4, 0])


def test_gap():
    gap = build_neck(dict(type='GlobalAveragePooling'))
    x = torch.randn(2, 8, 4, 4)
    torch.testing.assert_close(gap(x), x.mean(dim=(2, 3)))
    a, b = gap((x, x * 2))
    torch.testing.assert_close(b, 2 * a)
    assert GlobalAveragePooling(dim=1)(torch.randn(2, 8, 7)).shape == (2, 8)
    with pytest.raises(ValueError):
        GlobalAveragePooling(dim=4)


def test_weight_reduce_loss():
    loss = torch.tensor([1., 2., 3., 4.])
    w = torch.tensor([1., 0., 1., 0.])
    assert weight_reduce_loss(loss, reduction='sum') == 10
    assert weight_reduce_loss(loss, w, 'mean') == 1.0
    assert weight_reduce_loss(loss, w, 'mean', avg_factor=2) == 2.0
    torch.testing.assert_close(weight_reduce_loss(loss, w, 'none'), loss * w)
    with pytest.raises(ValueError, match='avg_factor'):
        weight_reduce_loss(loss, w, 'sum', avg_factor=2)
    with pytest.raises(ValueError, match='reduction'):
        weight_reduce_loss(loss, reduction='avg')


def test_weighted_loss_decorator_and_l1():
    @weighted_loss
    def sq(pred, target):
        return (pred - target) ** 2
    p, t = torch.randn(4, 3), torch.randn(4, 3)
    torch.testing.assert_close(sq(p, t), F.mse_loss(p, t))
    l1 = build_loss(dict(type='L1Loss', loss_weight=2.0))
    torch.testing.assert_close(l1(p, t), 2 * F.l1_loss(p, t))
    torch.testing.assert_close(l1(p, t, reduction_override='sum'), 2 * F.l1_loss(p, t, reduction='sum'))
    with pytest.raises(ValueError):
        L1Loss()(p, t[:2])


def test_cross_entropy():
    ce = CrossEntropyLoss()
    torch.testing.assert_close(ce(PRED, LABEL), F.cross_entropy(PRED, LABEL))
    w = torch.tensor([1., 0, 1, 0, 1, 0])
    torch.testing.assert_close(ce(PRED, LABEL, weight=w, avg_factor=3),
                               (F.cross_entropy(PRED, LABEL, reduction='none') * w).sum() / 3)
    cw = [1., 2., 3., 4., 5.]
    torch.testing.assert_close(CrossEntropyLoss(class_weight=cw, reduction='sum')(PRED, LABEL),
                               F.cross_entropy(PRED, LABEL, weight=torch.tensor(cw), reduction='sum'))
    one_hot = F.one_hot(LABEL, 5).float()
    torch.testing.assert_close(CrossEntropyLoss(use_soft=True)(PRED, one_hot),
                               F.cross_entropy(PRED, LABEL))
    torch.testing.assert_close(ce(PRED, one_hot), F.cross_entropy(PRED, LABEL))   # auto soft
    torch.testing.assert_close(CrossEntropyLoss(use_sigmoid=True)(PRED, LABEL),
                               F.binary_cross_entropy_with_logits(PRED, one_hot))
    assert ce(PRED, LABEL, reduction_override='none').shape == (6,)
    with pytest.raises(ValueError):
        CrossEntropyLoss(use_sigmoid=True, use_soft=True)


def test_label_smooth_and_focal():
    eps = 0.1
    ls = LabelSmoothLoss(label_smooth_val=eps, num_classes=5)
    torch.testing.assert_close(ls(PRED, LABEL), F.cross_entropy(PRED, LABEL, label_smoothing=eps))
    cv = LabelSmoothLoss(eps, mode='classy_vision')
    target = (F.one_hot(LABEL, 5) + eps / 5) / (1 + eps)
    torch.testing.assert_close(cv(PRED, LABEL), -(target * F.log_softmax(PRED, 1)).sum(1).mean())
    ml = LabelSmoothLoss(eps, mode='multi_label')
    target = F.one_hot(LABEL, 5) * (1 - eps) + (1 - F.one_hot(LABEL, 5)) * eps
    torch.testing.assert_close(ml(PRED, LABEL), F.binary_cross_entropy_with_logits(PRED, target))
    with pytest.raises(ValueError, match='mode'):
        LabelSmoothLoss(eps, mode='bogus')
    focal = FocalLoss(gamma=0.0, alpha=0.5)
    torch.testing.assert_close(focal(PRED, LABEL), 0.5 * F.binary_cross_entropy_with_logits(
        PRED, F.one_hot(LABEL, 5).float()))
    assert FocalLoss()(PRED, LABEL) < FocalLoss(gamma=0.0)(PRED, LABEL)


def test_accuracy():
    pred = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3], [0.1, 0.2, 0.7]])
    top1, top2 = accuracy(pred, torch.tensor([1, 2, 0]), topk=(1, 2))
    assert top1.item() == pytest.approx(100 / 3) and top2.item() == pytest.approx(200 / 3)


def test_linear_head():
    head = build_head(dict(type='LinearClsHead', num_classes=5, in_channels=8, topk=(1, 3)))
    head.init_weights()
    assert head.fc.weight.std() < 0.02 and head.fc.bias.abs().sum() == 0
    x = torch.randn(6, 8)
    out = head.forward_train((torch.randn(6, 3), x), LABEL)       # tuple: last element used
    torch.testing.assert_close(out['loss'], F.cross_entropy(head.fc(x), LABEL))
    assert set(out['accuracy']) == {'top-1', 'top-3'}
    scores = head.simple_test(x)
    assert isinstance(scores, list) and len(scores) == 6 and isinstance(scores[0], np.ndarray)
    np.testing.assert_allclose(scores[0].sum(), 1, rtol=1e-5)
    for bad in (0, -1):
        with pytest.raises(ValueError, match='num_classes'):
            LinearClsHead(num_classes=bad, in_channels=8)


def test_other_heads():
    scores = torch.randn(6, 5)
    out = ClsHead().forward_train(scores, LABEL)
    torch.testing.assert_close(out['loss'], F.cross_entropy(scores, LABEL))
    stacked = StackedLinearClsHead(num_classes=5, in_channels=8, mid_channels=[16, 12],
                                   dropout_rate=0.1, norm_cfg=dict(type='BN1d'))
    assert stacked.simple_test(torch.randn(6, 8), post_process=False).shape == (6, 5)
    assert 'layers.0.norm.weight' in stacked.state_dict() and 'layers.2.fc.weight' in stacked.state_dict()
    ml = MultiLabelLinearClsHead(num_classes=5, in_channels=8)
    x = torch.randn(6, 8)
    target = (torch.rand(6, 5) > 0.5).float()
    torch.testing.assert_close(ml.forward_train(x, target)['loss'],
                               F.binary_cross_entropy_with_logits(ml.fc(x), target, reduction='sum') / 6)
    pred = ml.simple_test(x)
    np.testing.assert_allclose(pred[0], torch.sigmoid(ml.fc(x))[0].detach().numpy(), rtol=1e-5)
