"""Record mmcls 0.25's CNN model-zoo facts for tests/test_zoo_cnn.py (run in the anchor venv).

    /work/mm1/bin/python tests/data/zoo/make_cnn_refs.py MMCLS_CONFIGS_DIR | --cases-only

MMCLS_CONFIGS_DIR is ``configs/`` of mmclassification at tag v0.25.0. Writes
``cnn_configs.json`` (for every config of the CNN families: the model dict, parameter count,
number of state-dict keys and a SHA-1 of the sorted keys), ``cnn_cases.json`` (small
backbones: constructor, mmcls's key -> shape) and ``cnn_outputs.npz`` (their eval-mode
outputs on a fixed input, with weights from ``tests/zoo_weights.py``).
"""
import glob
import hashlib
import json
import os
import sys

import numpy as np
import torch
from mmcv import Config
from mmcls.models import build_backbone, build_classifier

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))          # tests/
from zoo_weights import formula_array, formula_state_dict  # noqa: E402

FAMILIES = ['vgg', 'seresnet', 'shufflenet_v1', 'shufflenet_v2', 'mobilenet_v3',
            'efficientnet', 'regnet', 'densenet', 'repvgg']

# name -> (backbone constructor as a Python literal, input size)
CASES = {
    'vgg11bn-2stages': ("dict(type='VGG', depth=11, num_stages=2, dilations=(1, 1), "
                        "norm_cfg=dict(type='BN'), out_indices=(0, 1))", 16),
    'vgg13-dilated': ("dict(type='VGG', depth=13, num_stages=2, dilations=(1, 2), "
                      "out_indices=(1,), with_last_pool=False)", 16),
    'seresnet50-narrow': ("dict(type='SEResNet', depth=50, stem_channels=8, base_channels=8, "
                          "out_indices=(2, 3))", 32),
    'seresnext50-narrow': ("dict(type='SEResNeXt', depth=50, groups=4, width_per_group=2, "
                           "stem_channels=8, base_channels=8)", 32),
    'shufflenetv1-g3-0.5x': ("dict(type='ShuffleNetV1', groups=3, widen_factor=0.5, "
                             "out_indices=(1, 2))", 32),
    'shufflenetv2-0.5x': ("dict(type='ShuffleNetV2', widen_factor=0.5, out_indices=(2, 3))",
                          32),
    'mobilenetv3-small': ("dict(type='MobileNetV3', arch='small', out_indices=(3, 12))", 32),
    'mobilenetv3-large': ("dict(type='MobileNetV3', arch='large', out_indices=(16,))", 32),
    'efficientnet-b0': ("dict(type='EfficientNet', arch='b0', out_indices=(4, 6))", 33),
    'efficientnet-es': ("dict(type='EfficientNet', arch='es')", 32),
    'regnet-tiny': ("dict(type='RegNet', arch=dict(w0=8, wa=12, wm=2, group_w=8, depth=6, "
                    "bot_mul=1.0), stem_channels=8, out_indices=(1, 3))", 32),
    'densenet-tiny': ("dict(type='DenseNet', arch=dict(growth_rate=4, depths=[2, 2, 2, 2], "
                      "init_channels=8), out_indices=[1, 3])", 32),
    'repvgg-tiny': ("dict(type='RepVGG', arch=dict(num_blocks=[1, 2, 2, 1], "
                    "width_factor=[0.25, 0.25, 0.25, 0.5], group_layer_map={2: 2, 4: 2}, "
                    "se_cfg=None), base_channels=32, out_indices=(2, 3))", 32),
    'repvgg-tiny-se': ("dict(type='RepVGG', arch=dict(num_blocks=[1, 1, 1, 1], "
                       "width_factor=[0.5, 0.5, 0.5, 0.5], group_layer_map=None, "
                       "se_cfg=dict(ratio=4, divisor=1)), base_channels=16)", 32),
}


def key_digest(keys):
    return hashlib.sha1('\n'.join(sorted(keys)).encode()).hexdigest()


def build_meta(build, cfg):
    try:
        with torch.device('meta'):
            return build(cfg)
    except Exception:                    # e.g. a .item() on a meta tensor at build time
        return build(cfg)


def record_configs(config_dir):
    records = {}
    for family in FAMILIES:
        for path in sorted(glob.glob(os.path.join(config_dir, family, '**', '*.py'),
                                     recursive=True)):
            try:
                cfg = Config.fromfile(path)
            except FileNotFoundError as err:        # a few configs are broken in mmcls itself
                print('skipped', path, err)
                continue
            model = build_meta(build_classifier, cfg.model)
            keys = list(model.state_dict())
            records[os.path.relpath(path, config_dir)] = dict(
                family=family, model=cfg.model.to_dict(),
                params=sum(p.numel() for p in model.parameters()),
                num_keys=len(keys), keys_sha1=key_digest(keys))
            print(f'{records[os.path.relpath(path, config_dir)]["params"]:>12,}  {path}')
    return records


def record_cases():
    cases, outputs = {}, {}
    for name, (ctor, size) in CASES.items():
        model = build_backbone(eval(ctor))           # our own literal, see CASES
        shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
        state = {k: torch.from_numpy(v) for k, v in formula_state_dict(shapes).items()}
        model.load_state_dict(state, strict=True)
        model.eval()
        x = torch.from_numpy(formula_array('input', (1, 3, size, size)))
        with torch.no_grad():
            outs = model(x)
        cases[name] = dict(ctor=ctor, size=size, shapes=shapes,
                           params=sum(p.numel() for p in model.parameters()))
        for i, out in enumerate(outs):
            outputs[f'{name}/{i}'] = out.numpy()
        print(name, [tuple(o.shape) for o in outs], cases[name]['params'])
    return cases, outputs


def main():
    cases, outputs = record_cases()
    with open(os.path.join(HERE, 'cnn_cases.json'), 'w') as f:
        json.dump(cases, f, separators=(',', ':'), sort_keys=True)
    np.savez_compressed(os.path.join(HERE, 'cnn_outputs.npz'), **outputs)
    if sys.argv[1] != '--cases-only':
        with open(os.path.join(HERE, 'cnn_configs.json'), 'w') as f:
            json.dump(record_configs(sys.argv[1]), f, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
