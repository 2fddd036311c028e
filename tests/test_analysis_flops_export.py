"""get-flops and export: published MAC counts, per-layer tables, ONNX/TorchScript equal to PyTorch."""
import numpy as np
import onnx
import pytest
import torch
from torch import nn

from cls_lab.__main__ import main as cli
from cls_lab.analysis.export import ExportError, check_onnx, export_onnx
from cls_lab.analysis.flops import count_flops, flops_table
from cls_lab.engine.checkpoint import save_checkpoint
from cls_lab.models import build_classifier

from tiny_configs import tiny_config, write_tiny_config


def classifier(backbone, in_channels):
    return dict(type='ImageClassifier', backbone=backbone, neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=10, in_channels=in_channels))


def test_resnet50_at_224_has_the_published_4_1_gmacs():
    with torch.device('meta'):
        model = build_classifier(classifier(dict(type='ResNet', depth=50), 2048))
    result = count_flops(model, (3, 224, 224))
    assert result['macs'] == pytest.approx(4.1e9, rel=0.05)      # mmcls/torchvision "FLOPs"
    assert result['flops'] == 2 * result['macs']                 # torch counts 2 per MAC
    assert result['params'] == pytest.approx(23.5e6 + 2048 * 10 + 10, rel=1e-3)
    layers = {name: flops for name, _, flops in result['layers']}
    stages = sum(layers[f'backbone.layer{i}'] for i in range(1, 5)) + layers['backbone.conv1']
    assert stages + layers['head'] == result['flops']            # the parts add up to the total
    assert layers['head.fc'] == 2 * 2048 * 10


def test_get_flops_cli_prints_the_table_and_both_labels(tmp_path, capsys):
    config = write_tiny_config(tmp_path / 'tiny.py', tmp_path / 'work')
    assert cli(['get-flops', config, '--shape', '32', '--depth', '2']) == 0
    out = capsys.readouterr().out
    assert "MACs (mmcls/torchvision 'FLOPs'):" in out and 'FLOPs (2 per MAC' in out
    assert 'Input shape: (3, 32, 32)' in out
    for layer in ('backbone', 'features', 'head', 'fc'):
        assert any(line.strip().startswith(layer) for line in out.splitlines()), layer
    with pytest.raises(SystemExit, match='--shape takes H or H W'):
        cli(['get-flops', config, '--shape', '1', '2', '3'])


def peaked(model):
    """Random BN statistics and a large head so the softmax is far from uniform (a real check)."""
    torch.manual_seed(0)
    model.init_weights()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):   # what training leaves: stats that matter
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.05, 0.2)
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0, 0.1)
    nn.init.normal_(model.head.fc.weight, std=2.0)
    return model.eval()


@pytest.mark.parametrize('backbone, channels', [
    (dict(type='ResNet', depth=18, base_channels=16), 128),          # narrow: a cheap test
    (dict(type='MobileNetV2', widen_factor=0.25), 1280)], ids=['resnet18', 'mobilenet_v2'])
def test_onnx_equals_pytorch(tmp_path, backbone, channels):
    model = peaked(build_classifier(classifier(backbone, channels)))
    path = export_onnx(model, tmp_path / 'model.onnx', shape=(3, 32, 32))
    onnx.checker.check_model(onnx.load(path))
    x = torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(1))   # batch is dynamic
    assert check_onnx(path, model, x) < 1e-4
    with torch.no_grad():
        assert model.simple_test(x, post_process=False).max() > 0.3     # not a uniform softmax


def test_export_cli_onnx_and_torchscript(tmp_path, capsys):
    config = write_tiny_config(tmp_path / 'tiny.py', tmp_path / 'work')
    model = peaked(build_classifier(tiny_config(tmp_path / 'work').model))
    save_checkpoint(model, str(tmp_path / 'model.pth'), meta=dict(CLASSES=list('0123456789')))
    for fmt, name in [('onnx', 'm.onnx'), ('torchscript', 'm.pt')]:
        assert cli(['export', config, str(tmp_path / 'model.pth'), '--format', fmt,
                    '--out', str(tmp_path / name), '--shape', '32']) == 0
        out = capsys.readouterr().out
        diff = float(out.split('softmax scores: ')[1].split()[0])
        assert diff < 1e-4 and (tmp_path / name).stat().st_size > 10_000
    scores = torch.jit.load(str(tmp_path / 'm.pt'))(torch.zeros(1, 3, 32, 32))
    assert scores.shape == (1, 10) and np.isclose(float(scores.detach().sum()), 1.0, atol=1e-5)


class Cumulative(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)

    def forward(self, x):
        return torch.cummax(self.conv(x), dim=1)[0]


def test_an_op_that_does_not_export_is_named(tmp_path):
    model = nn.Sequential()
    model.add_module('block', Cumulative())
    with pytest.raises(ExportError, match=r'aten::cummax .*opset 17 \(in module block\)'):
        export_onnx(model, tmp_path / 'bad.onnx', shape=(3, 4, 4))


def test_get_flops_builds_on_cpu_when_meta_cannot(tmp_path, capsys):
    """A backbone that reads tensor values in __init__ (drop-path rates via .item()) still counts."""
    from cls_lab.registry import MODELS

    @MODELS.register_module(force=True)
    class ItemInInit(nn.Module):
        def __init__(self):
            super().__init__()
            self.rate = torch.linspace(0, 0.1, 3)[1].item()     # fails on meta tensors
            self.conv = nn.Conv2d(3, 8, 3)

        def forward(self, x):
            return (self.conv(x),)

    config = tmp_path / 'item.py'
    config.write_text("model = dict(type='ImageClassifier', backbone=dict(type='ItemInInit'), "
                      "neck=dict(type='GlobalAveragePooling'), "
                      "head=dict(type='LinearClsHead', num_classes=2, in_channels=8))\n")
    assert cli(['get-flops', str(config), '--shape', '10', '--depth', '0']) == 0
    out = capsys.readouterr().out
    assert 'building on cpu' in out
    assert "MACs (mmcls/torchvision 'FLOPs'): 13.8 K" in out     # conv 8*27*8*8 + fc 8*2
