"""Checkpoints: round trip, atomic save, partial-load report, prefix, safety, hub-cache URLs."""
import logging
import os
import pickle

import pytest
import torch
import torch.nn as nn
import torchvision

from cls_lab.engine.checkpoint import (get_state_dict, load_checkpoint, load_state_dict,
                                       save_checkpoint)
from cls_lab.models import ResNet, convert_torchvision_resnet


def net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))


def test_round_trip_with_meta_and_optimizer(tmp_path):
    model = net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(2, 3, 8, 8)).sum().backward()
    opt.step()
    path = str(tmp_path / 'sub' / 'epoch_1.pth')
    save_checkpoint(nn.DataParallel(model), path, optimizer=opt, meta=dict(CLASSES=['a', 'b'], epoch=1))
    assert os.listdir(tmp_path / 'sub') == ['epoch_1.pth']          # no temp file left
    raw = torch.load(path, weights_only=True)
    assert set(raw) == {'meta', 'state_dict', 'optimizer'}
    assert not any(k.startswith('module.') for k in raw['state_dict'])
    other = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    ckpt = load_checkpoint(other, path, strict=True)
    assert ckpt['meta']['CLASSES'] == ['a', 'b'] and 'optimizer' in ckpt
    for k, v in get_state_dict(model).items():
        torch.testing.assert_close(other.state_dict()[k], v)


def test_plain_state_dict_and_module_prefix(tmp_path):
    model = net()
    path = tmp_path / 'plain.pth'
    torch.save({'module.' + k: v for k, v in model.state_dict().items()}, path)
    other = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    load_checkpoint(other, str(path), strict=True)
    torch.testing.assert_close(other[0].weight, model[0].weight)


def test_partial_load_report(tmp_path, caplog):
    src = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 10))
    path = str(tmp_path / 'src.pth')
    save_checkpoint(src, path)
    dst = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 3), nn.ReLU(),
                        nn.Linear(3, 3))
    logger = logging.getLogger('test_partial')
    with caplog.at_level(logging.WARNING, logger='test_partial'):
        load_checkpoint(dst, path, logger=logger)
    text = caplog.text
    assert 'size mismatch for 2.weight' in text and 'skipped' in text
    assert 'missing keys in source state_dict: 4.weight, 4.bias' in text
    torch.testing.assert_close(dst[0].weight, src[0].weight)
    state = src.state_dict()
    state['extra.weight'] = torch.zeros(1)
    with pytest.warns(UserWarning, match='unexpected key in source state_dict: extra.weight'):
        missing, unexpected, mismatched = load_state_dict(dst, state)
    assert unexpected == ['extra.weight'] and [m[0] for m in mismatched] == ['2.weight', '2.bias']
    with pytest.raises(RuntimeError, match='extra.weight'):
        load_state_dict(dst, state, strict=True)


def test_prefix(tmp_path):
    full = nn.Module()
    full.backbone, full.head = net(), nn.Linear(4, 2)
    path = str(tmp_path / 'full.pth')
    save_checkpoint(full, path)
    bare = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    load_checkpoint(bare, path, prefix='backbone', strict=True)
    torch.testing.assert_close(bare[0].weight, full.backbone[0].weight)
    with pytest.raises(KeyError, match="'neck.'"):
        load_checkpoint(bare, path, prefix='neck')


def test_malicious_pickle_refused(tmp_path):
    marker = tmp_path / 'pwned'

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), 'w'))
    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        pickle.dump({'state_dict': Evil()}, f, protocol=2)
    with pytest.raises(RuntimeError, match='refusing to load .*evil.pth'):
        load_checkpoint(net(), str(path))
    assert not marker.exists()
    torch.save({'state_dict': {}, 'meta': Evil()}, tmp_path / 'evil2.pth')   # torch zip format
    with pytest.raises(RuntimeError, match='evil2.pth'):
        load_checkpoint(net(), str(tmp_path / 'evil2.pth'))
    assert not marker.exists()
    with open(path, 'rb') as f:      # the payload is real: a plain unpickle creates the file
        pickle.load(f)
    assert marker.exists()


def test_urls_use_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path))
    url = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.url
    expected = os.path.join(str(tmp_path), 'checkpoints', os.path.basename(url))
    with pytest.raises(FileNotFoundError) as err:
        load_checkpoint(ResNet(18), 'torchvision://resnet18')
    assert expected in str(err.value)
    with pytest.raises(FileNotFoundError, match='x.pth'):
        load_checkpoint(ResNet(18), 'https://example.com/models/x.pth')
    os.makedirs(os.path.dirname(expected))
    torch.manual_seed(0)
    tv = torchvision.models.resnet18()
    torch.save(tv.state_dict(), expected)
    ours = ResNet(18)
    with pytest.warns(UserWarning, match='unexpected key in source state_dict: fc.weight, fc.bias'):
        load_checkpoint(ours, 'torchvision://resnet18')
    torch.testing.assert_close(ours.layer4[1].conv2.weight, tv.layer4[1].conv2.weight)
    load_state_dict(ours, convert_torchvision_resnet(tv.state_dict()), strict=True)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint(net(), '/nonexistent/nope.pth')
