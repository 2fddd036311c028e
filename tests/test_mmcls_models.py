"""Models build as mmcls 0.25 builds them: the state-dict numbers below were recorded there.

Each signature is (parameter count, number of state-dict entries, md5 of 'key:shape;' lines),
taken from ``mmcls.models.build_backbone(cfg).state_dict()`` with mmcls 0.25.0.
"""
import hashlib

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


def test_mobilenet_v2_checkpointing_gives_the_same_gradients():
    torch.manual_seed(0)
    plain = build_backbone(dict(type='MobileNetV2', widen_factor=0.25, out_indices=(2,)))
    cp = build_backbone(dict(type='MobileNetV2', widen_factor=0.25, out_indices=(2,), with_cp=True))
    cp.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    plain(x)[0].sum().backward()
    grad = x.grad.clone()
    x.grad = None
    cp(x)[0].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), grad.numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match='stride'):
        from cls_lab.models.backbones.mobilenet_v2 import InvertedResidual
        InvertedResidual(8, 8, stride=3, expand_ratio=6)
