"""Backbones: shapes, torchvision equivalence, freezing, presets, registry builds."""
import pytest
import torch
import torchvision
from torch.nn.modules.batchnorm import _BatchNorm

from cls_lab.registry import MODELS
from cls_lab.models import (LeNet5, MobileNetV2, ResNet, ResNet_CIFAR, ResNetV1d, ResNeXt,
                            TorchvisionBackbone, build_backbone, build_resnet_from_spec,
                            convert_torchvision_resnet, STAGE_SPECS)
from cls_lab.models.backbones.torchvision import hub_checkpoint_path

torch.manual_seed(0)


def tv_stages(model, x):
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    outs = []
    for name in ('layer1', 'layer2', 'layer3', 'layer4'):
        x = getattr(model, name)(x)
        outs.append(x)
    return outs


def n_params(module, skip=()):
    return sum(p.numel() for n, p in module.named_parameters() if not n.startswith(skip))


def random_weights(constructor, **kwargs):
    """Build on the meta device, then fill with random values: skips the slow default init."""
    with torch.device('meta'):
        model = constructor(**kwargs)
    model.to_empty(device='cpu')
    gen = torch.Generator().manual_seed(0)
    for name, t in model.state_dict().items():
        if name.endswith('num_batches_tracked'):
            t.zero_()
        elif name.endswith(('running_var', 'bn1.weight', 'bn2.weight', 'bn3.weight')):
            t.uniform_(0.5, 1.5, generator=gen)
        else:
            t.normal_(0, 0.05, generator=gen)
    return model.eval()


@pytest.mark.parametrize('depth', [18, 34, 50, 101, 152])
def test_resnet_matches_torchvision(depth):
    tv = random_weights(getattr(torchvision.models, f'resnet{depth}'))
    with torch.device('meta'):
        ours = ResNet(depth, out_indices=(0, 1, 2, 3))
    ours = ours.to_empty(device='cpu').eval()
    assert n_params(ours) == n_params(tv, skip=('fc.',))
    ours.load_state_dict(convert_torchvision_resnet(tv.state_dict()), strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for a, b in zip(ours(x), tv_stages(tv, x)):
            torch.testing.assert_close(a, b)


def test_resnext_matches_torchvision():
    tv = random_weights(torchvision.models.resnext50_32x4d)
    ours = ResNeXt(50, groups=32, width_per_group=4).eval()
    ours.load_state_dict(convert_torchvision_resnet(tv.state_dict()), strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x)[0], tv_stages(tv, x)[-1])


def test_mmcls_key_names():
    keys = ResNet(50).state_dict().keys()
    for key in ('conv1.weight', 'bn1.running_mean', 'layer1.0.conv1.weight', 'layer1.0.bn3.weight',
                'layer1.0.downsample.0.weight', 'layer1.0.downsample.1.weight', 'layer4.2.conv3.weight'):
        assert key in keys
    gn = ResNet(18, norm_cfg=dict(type='GN', num_groups=8)).state_dict()
    assert 'gn1.weight' in gn and 'layer1.0.gn2.weight' in gn
    assert 'stem.0.conv.weight' in ResNetV1d(depth=18).state_dict()
    assert 'layer2.0.downsample.1.weight' in ResNetV1d(depth=18).state_dict()   # 0 is the AvgPool


@pytest.mark.parametrize('depth,size,channels', [(18, 32, 512), (34, 64, 512), (50, 64, 2048),
                                                 (50, 97, 2048)])
def test_resnet_shapes(depth, size, channels):
    outs = ResNet(depth, out_indices=(0, 1, 2, 3)).eval()(torch.randn(2, 3, size, size))
    expansion = 4 if depth >= 50 else 1
    assert [o.shape[1] for o in outs] == [64 * expansion * 2 ** i for i in range(4)]
    assert outs[-1].shape[1] == channels
    side = -(-size // 4)
    for i, o in enumerate(outs):
        assert o.shape[-1] == side
        side = -(-side // 2)


def test_resnet_variants_shapes():
    x = torch.randn(2, 3, 32, 32)
    assert ResNetV1d(depth=18).eval()(x)[0].shape == (2, 512, 1, 1)
    caffe = ResNet(50, style='caffe')
    assert caffe.layer2[0].conv1.stride == (2, 2) and caffe.layer2[0].conv2.stride == (1, 1)
    pyt = ResNet(50, style='pytorch')
    assert pyt.layer2[0].conv1.stride == (1, 1) and pyt.layer2[0].conv2.stride == (2, 2)
    assert caffe.eval()(x)[0].shape == (2, 2048, 1, 1)
    dil = ResNet(18, strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2)).eval()
    assert dil(x)[0].shape == (2, 512, 2, 2)
    assert ResNet(18, num_stages=3, out_indices=(2,)).eval()(x)[0].shape == (2, 256, 2, 2)
    with pytest.raises(KeyError, match='invalid depth 19'):
        ResNet(19)


def test_resnet_cifar():
    net = ResNet_CIFAR(depth=18).eval()
    outs = net(torch.randn(2, 3, 32, 32))
    assert outs[0].shape == (2, 512, 4, 4)
    assert net.conv1.kernel_size == (3, 3) and net.conv1.stride == (1, 1)
    narrow = ResNet_CIFAR(depth=18, stem_channels=8, base_channels=8, out_indices=(0, 3)).eval()
    assert [o.shape for o in narrow(torch.randn(1, 3, 32, 32))] == [(1, 8, 32, 32), (1, 64, 4, 4)]
    with pytest.raises(ValueError, match='deep_stem'):
        ResNet_CIFAR(depth=18, deep_stem=True)


def test_frozen_stages_and_norm_eval():
    net = ResNet(18, frozen_stages=2)
    net.train()
    for module in (net.conv1, net.bn1, net.layer1, net.layer2):
        assert all(not p.requires_grad for p in module.parameters())
    assert not net.bn1.training and not net.layer2[0].bn1.training
    assert all(p.requires_grad for p in net.layer3.parameters())
    assert net.layer3[0].bn1.training
    x = torch.randn(2, 3, 32, 32)
    before = net.bn1.running_mean.clone()
    net(x)
    torch.testing.assert_close(net.bn1.running_mean, before)      # frozen stats stay
    frozen_stem = ResNet(18, frozen_stages=0).train()
    assert not frozen_stem.bn1.training and frozen_stem.layer1[0].bn1.training
    ne = ResNet(18, norm_eval=True).train()
    assert all(not m.training for m in ne.modules() if isinstance(m, _BatchNorm))
    assert all(p.requires_grad for p in ne.parameters())
    deep = ResNetV1d(depth=18, frozen_stages=1).train()
    assert all(not p.requires_grad for p in deep.stem.parameters())


def test_zero_init_residual_and_init_cfg():
    net = ResNet(18)
    net.init_weights()
    assert net.layer1[0].bn2.weight.abs().sum() == 0 and net.bn1.weight.eq(1).all()
    net = ResNet(50, zero_init_residual=False)
    net.init_weights()
    assert net.layer1[0].bn3.weight.eq(1).all()


def test_mobilenet_v2_and_lenet():
    net = MobileNetV2(out_indices=(1, 7)).eval()
    a, b = net(torch.randn(1, 3, 64, 64))
    assert a.shape == (1, 24, 16, 16) and b.shape == (1, 1280, 2, 2)
    assert sum(p.numel() for p in net.parameters()) == \
        sum(p.numel() for n, p in torchvision.models.mobilenet_v2().named_parameters()
            if not n.startswith('classifier'))
    frozen = MobileNetV2(frozen_stages=2).train()
    assert not frozen.layer2[0].conv[0].bn.training and frozen.layer3[0].conv[0].bn.training
    half = MobileNetV2(widen_factor=0.5).eval()
    assert half(torch.randn(1, 3, 32, 32))[0].shape[1] == 1280
    assert LeNet5()(torch.randn(2, 1, 32, 32))[0].shape == (2, 120, 1, 1)
    assert LeNet5(num_classes=10, in_channels=3)(torch.randn(2, 3, 32, 32))[0].shape == (2, 10)
    with pytest.raises(ValueError, match='32x32'):
        LeNet5()(torch.randn(1, 1, 28, 28))


@pytest.mark.parametrize('name,channels', [('resnet18', 512), ('mobilenet_v3_small', 576),
                                           ('vgg11', 512), ('densenet121', 1024),
                                           ('efficientnet_b0', 1280)])
def test_torchvision_backbone(name, channels):
    net = TorchvisionBackbone(name).eval()
    out = net(torch.randn(1, 3, 64, 64))
    assert isinstance(out, tuple) and out[-1].shape[1] == channels


def test_torchvision_backbone_weights(tmp_path, monkeypatch):
    tv = torchvision.models.resnet18()
    path = tmp_path / 'r18.pth'
    torch.save(tv.state_dict(), path)
    net = TorchvisionBackbone('resnet18', weights=str(path), out_indices=(0, -1)).eval()
    x = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(net(x)[-1], tv_stages(tv.eval(), x)[-1])
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    url = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.url
    with pytest.raises(FileNotFoundError) as err:
        TorchvisionBackbone('resnet18', weights='IMAGENET1K_V1')
    assert hub_checkpoint_path(url) in str(err.value)
    with pytest.raises(KeyError, match='not a torchvision'):
        TorchvisionBackbone('resnet_unknown')


def test_stage_specs():
    assert {'R-50-C4', 'R-50-C5', 'R-101-C4', 'R-101-C5', 'R-50-FPN', 'R-101-FPN',
            'R-152-FPN'} <= set(STAGE_SPECS.all_names())
    c4 = build_resnet_from_spec('R-50-C4').eval()
    out = c4(torch.randn(1, 3, 64, 64))
    assert len(out) == 1 and out[0].shape == (1, 1024, 4, 4)
    assert type(c4.bn1).__name__ == 'FrozenBatchNorm2d'
    assert c4.layer2[0].conv1.stride == (2, 2)                   # stride_in_1x1
    assert not any(p.requires_grad for p in c4.layer1.parameters())
    fpn = build_resnet_from_spec('R-50-FPN', norm='GN', frozen_stages=-1)
    assert len(fpn(torch.randn(1, 3, 64, 64))) == 4 and 'gn1.weight' in fpn.state_dict()
    with pytest.raises(KeyError, match='R-51'):
        build_resnet_from_spec('R-51-FPN')


def test_registry_builds_every_backbone():
    for cfg in [dict(type='ResNet', depth=18), dict(type='ResNetV1d', depth=18),
                dict(type='ResNetV1c', depth=18), dict(type='ResNeXt', depth=50),
                dict(type='ResNet_CIFAR', depth=18), dict(type='MobileNetV2', widen_factor=0.5),
                dict(type='LeNet5', num_classes=10),
                dict(type='TorchvisionBackbone', name='resnet18')]:
        assert type(build_backbone(cfg)).__name__ == cfg['type']
    assert MODELS.get('ResNet') is ResNet
