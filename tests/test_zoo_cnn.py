"""Model zoo, CNN families: every mmcls 0.25 config builds with mmcls's keys and parameter
count, and small backbones loaded with an mmcls-layout state dict give mmcls's outputs.

The reference facts were recorded side by side with mmcls 0.25 by
``tests/data/zoo/make_cnn_refs.py``: per config the parameter count, number of state-dict
keys and a SHA-1 of the sorted keys; per small case mmcls's key -> shape map and its
eval-mode outputs for weights from ``zoo_weights.formula_state_dict``.
"""
import copy
import glob
import hashlib
import json
import os

import numpy as np
import pytest
import torch

from cls_lab.models import build_classifier
from cls_lab.registry import MODELS
from zoo_weights import formula_array, formula_state_dict

DATA = os.path.join(os.path.dirname(__file__), 'data', 'zoo')
with open(os.path.join(DATA, 'cnn_configs.json')) as f:
    CONFIGS = json.load(f)
with open(os.path.join(DATA, 'cnn_cases.json')) as f:
    CASES = json.load(f)
OUTPUTS = np.load(os.path.join(DATA, 'cnn_outputs.npz'))

FAMILIES = ['vgg', 'seresnet', 'shufflenet_v1', 'shufflenet_v2', 'mobilenet_v3',
            'efficientnet', 'regnet', 'densenet', 'repvgg']
CASE_PREFIXES = {'vgg': 'vgg', 'seresnet': 'seres', 'shufflenet_v1': 'shufflenetv1',
                 'shufflenet_v2': 'shufflenetv2', 'mobilenet_v3': 'mobilenetv3',
                 'efficientnet': 'efficientnet', 'regnet': 'regnet',
                 'densenet': 'densenet', 'repvgg': 'repvgg'}


def build_ctor(text):
    """The recorded constructor literal, e.g. ``dict(type='VGG', depth=11)``."""
    return eval(text, {'__builtins__': {}}, {'dict': dict})   # our own data file


@pytest.mark.parametrize('name', [n for n, r in CONFIGS.items() if r['family'] in FAMILIES])
def test_config_builds_with_mmcls_keys_and_params(name):
    record = CONFIGS[name]
    with torch.device('meta'):
        model = build_classifier(copy.deepcopy(record['model']))
    keys = list(model.state_dict())
    assert sum(p.numel() for p in model.parameters()) == record['params']
    assert len(keys) == record['num_keys']
    assert hashlib.sha1('\n'.join(sorted(keys)).encode()).hexdigest() == record['keys_sha1']


def family_cases():
    return [c for c in CASES if any(c.startswith(CASE_PREFIXES[f]) for f in FAMILIES)]


def load_case(name):
    """The cls_lab backbone of a recorded case, filled with the mmcls-layout state dict."""
    case = CASES[name]
    with torch.device('meta'):
        model = MODELS.build(build_ctor(case['ctor']))
    model.to_empty(device='cpu')
    assert {k: list(v.shape) for k, v in model.state_dict().items()} == case['shapes']
    state = {k: torch.from_numpy(v) for k, v in formula_state_dict(case['shapes']).items()}
    model.load_state_dict(state, strict=True)
    x = torch.from_numpy(formula_array('input', (1, 3, case['size'], case['size'])))
    return model.eval(), x


def assert_mmcls_outputs(name, outs):
    expected = [OUTPUTS[k] for k in sorted((k for k in OUTPUTS.files
                                            if k.rsplit('/', 1)[0] == name),
                                           key=lambda k: int(k.rsplit('/', 1)[1]))]
    assert len(outs) == len(expected)
    for out, ref in zip(outs, expected):
        torch.testing.assert_close(out, torch.from_numpy(ref), rtol=1e-4,
                                   atol=1e-5 * max(1.0, float(np.abs(ref).max())))


@pytest.mark.parametrize('name', family_cases())
def test_small_backbone_gives_mmcls_outputs(name):
    model, x = load_case(name)
    with torch.no_grad():
        assert_mmcls_outputs(name, model(x))


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def our_configs():
    for family in FAMILIES:
        folder = os.path.join(ROOT, 'configs')
        for path in sorted(glob.glob(os.path.join(folder, family, '**', '*.py'),
                                     recursive=True)):
            yield os.path.relpath(path, folder)


@pytest.mark.parametrize('name', list(our_configs()))
def test_our_config_builds(name):
    """Our mmcls-named configs match mmcls's count; the digits ones fit 32x32 inputs (a
    training step on the meta device: shapes only, no compute)."""
    from cls_lab.config import Config
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', name))
    with torch.device('meta'):
        model = build_classifier(cfg.model)
        if name.endswith('_digits.py'):
            losses = model(torch.empty(2, 3, 32, 32), gt_label=torch.tensor([1, 7]))
            losses['loss'].backward()
            assert losses['loss'].shape == ()
            return
    assert sum(p.numel() for p in model.parameters()) == CONFIGS[name]['params']


def test_repvgg_outputs_equal_after_switch_to_deploy():
    model, x = load_case('repvgg-tiny')
    with torch.no_grad():
        before = model(x)
        model.switch_to_deploy()
        after = model(x)
    assert model.deploy and not any('branch_3x3' in k for k in model.state_dict())
    assert_mmcls_outputs('repvgg-tiny', after)
    for a, b in zip(before, after):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


# frozen_stages / norm_eval: (case, arguments, key prefixes that must be frozen, one that must not)
FREEZING = {
    'vgg11bn-2stages': (dict(frozen_stages=1), ('features.0.',), 'features.2.'),
    'seresnet50-narrow': (dict(frozen_stages=1), ('conv1.', 'bn1.', 'layer1.'), 'layer2.'),
    'shufflenetv1-g3-0.5x': (dict(frozen_stages=1), ('conv1.', 'layers.0.'), 'layers.1.'),
    'shufflenetv2-0.5x': (dict(frozen_stages=2), ('conv1.', 'layers.0.', 'layers.1.'),
                          'layers.2.'),
    'mobilenetv3-small': (dict(frozen_stages=2), ('layer0.', 'layer1.', 'layer2.'), 'layer3.'),
    'efficientnet-es': (dict(frozen_stages=2), ('layers.0.', 'layers.1.'), 'layers.2.'),
    'regnet-tiny': (dict(frozen_stages=1), ('conv1.', 'bn1.', 'layer1.'), 'layer2.'),
    'densenet-tiny': (dict(frozen_stages=1), ('stages.0.', 'transitions.0.'), 'stages.1.'),
    'repvgg-tiny': (dict(frozen_stages=1), ('stem.', 'stage_1.'), 'stage_2.'),
}


@pytest.mark.parametrize('name', [n for n in FREEZING if n in family_cases()])
def test_frozen_stages_stop_learning(name):
    kwargs, frozen, free = FREEZING[name]
    cfg = {**build_ctor(CASES[name]['ctor']), **kwargs}
    if 'densenet' not in name:
        cfg['norm_eval'] = True
    with torch.device('meta'):
        model = MODELS.build(cfg).train()
    for key, p in model.named_parameters():
        assert p.requires_grad == (not key.startswith(frozen)), key
    assert any(k.startswith(free) for k, _ in model.named_parameters())
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if 'densenet' in name:      # DenseNet has no norm_eval; frozen stages are in eval mode
        assert not model.stages[0].training and model.stages[1].training
    else:
        assert norms and not any(m.training for m in norms)


def test_se_layer_weights_are_a_channel_gate():
    from cls_lab.models.utils import SELayer
    torch.manual_seed(0)
    se = SELayer(32, ratio=4).eval()
    x = torch.randn(2, 32, 5, 5)
    weights = SELayer(32, ratio=4, return_weight=True)
    weights.load_state_dict(se.state_dict())
    w = weights(x)
    assert w.shape == (2, 32, 1, 1) and bool(((w > 0) & (w < 1)).all())
    torch.testing.assert_close(se(x), x * w)
    assert se.conv1.conv.out_channels == 8 and se.conv1.conv.bias is not None


def test_bricks_activations_and_adaptive_padding():
    from cls_lab.models.bricks import (Conv2dAdaptivePadding, ConvModule, HSigmoid,
                                       build_activation_layer)
    x = torch.linspace(-5, 5, 41)
    torch.testing.assert_close(HSigmoid()(x), torch.nn.functional.hardsigmoid(x))
    torch.testing.assert_close(HSigmoid(bias=1.0, divisor=2.0)(x), ((x + 1) / 2).clamp(0, 1))
    torch.testing.assert_close(build_activation_layer(dict(type='Clip', min=-1, max=2))(x),
                               x.clamp(-1, 2))
    conv = Conv2dAdaptivePadding(1, 1, 3, stride=2, padding=5, bias=False)
    for size in (7, 8):                            # TF 'SAME': ceil(size / stride)
        assert conv(torch.zeros(1, 1, size, size)).shape[-1] == -(-size // 2)
    block = ConvModule(4, 8, 3, padding=1, norm_cfg=dict(type='GN', num_groups=2),
                       order=('norm', 'act', 'conv'))
    assert [n for n, _ in block.named_children()] == ['gn', 'activate', 'conv']
    assert block.gn.num_channels == 4 and block.conv.bias is None
    assert block.activate.inplace and ConvModule(4, 8, 1).conv.bias is not None
