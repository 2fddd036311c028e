"""Compare cls_lab with mmcls 0.25 over mmcls's own configs: does each build, with the same
weights (parameter count, state-dict keys and shapes), and give the same test-pipeline pixels?

A developer tool in two halves. The reference half needs the anchor venv with mmcls 0.25
(cls_lab never imports mmcls; see DEVELOPERS.md)::

    /work/mm1/bin/python scripts/mmcls_config_report.py reference CONFIG_DIR /tmp/mmcls_ref.json

records, per config, mmcls's model signature and the test pipeline's output on a shipped photo
(after Normalize: shape, sum, and every 8th pixel of every 8th row). The cls_lab half, with
cls_lab's venv::

    python scripts/mmcls_config_report.py compare CONFIG_DIR /tmp/mmcls_ref.json

prints the totals and the failures grouped by cause. CONFIG_DIR is mmcls's ``.mim/configs``
(``_base_`` is skipped). Models are built on the meta device (no memory, no init), falling back
to the CPU when a constructor needs real numbers.
"""
import argparse
import collections
import glob
import hashlib
import json
import os
import re
import sys
import warnings

import numpy as np
import torch

PHOTO = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data_samples', 'photos',
                     'coffee.jpg')
STEP = 8   # the pixel sample: every STEP-th row and column
TOL = 1e-4


def config_files(root):
    files = glob.glob(os.path.join(root, '**', '*.py'), recursive=True)
    return sorted(os.path.relpath(f, root) for f in files
                  if '_base_' not in os.path.relpath(f, root).split(os.sep))


def signature(model):
    """Parameter count, key count and a hash of the sorted ``key:shape`` lines."""
    state = model.state_dict()
    lines = '\n'.join(f'{k}:{tuple(v.shape)}' for k, v in sorted(state.items()))
    return dict(params=sum(p.numel() for p in model.parameters()), keys=len(state),
                sha=hashlib.sha256(lines.encode()).hexdigest()[:16])


def build_signature(build, model_cfg):
    try:
        with torch.device('meta'):
            return signature(build(model_cfg))
    except Exception:   # e.g. a constructor that calls .item() on a linspace
        return signature(build(model_cfg))


def pixels(compose, pipeline):
    """The test pipeline's image on PHOTO: shape, sum and a strided sample (a list)."""
    out = compose(pipeline)(dict(img_prefix=None, img_info=dict(filename=PHOTO)))
    img = out['img']
    img = img.detach().cpu().numpy() if isinstance(img, torch.Tensor) else np.asarray(img)
    img = img.astype(np.float64)
    sample = img[..., ::STEP, ::STEP] if img.ndim == 3 and img.shape[0] in (1, 3) \
        else img[::STEP, ::STEP]
    return dict(shape=list(img.shape), sum=float(img.sum()),
                sample=np.round(sample, 6).ravel().tolist())


def _try(fn, *args):
    try:
        return fn(*args), None
    except Exception as error:   # recorded, not raised: the report lists every failure
        return None, f'{type(error).__name__}: {str(error).splitlines()[0][:300]}'


def reference(root, out_path):
    from mmcv import Config
    from mmcls.datasets.pipelines import Compose
    from mmcls.models import build_classifier
    records = {}
    for name in config_files(root):
        cfg, error = _try(Config.fromfile, os.path.join(root, name))
        if error:   # mmcls 0.25 ships a few configs whose _base_ file is missing
            records[name] = dict(model=None, model_error=error)
            continue
        record = {}
        record['model'], record['model_error'] = _try(build_signature, build_classifier,
                                                      cfg.model)
        pipeline = cfg.get('data', {}).get('test', {}).get('pipeline')
        if pipeline is not None:
            record['pixels'], record['pixels_error'] = _try(pixels, Compose, pipeline)
        records[name] = record
        print(name, 'ok' if record['model'] else record['model_error'], flush=True)
    with open(out_path, 'w') as f:
        json.dump(records, f)
    print(f'{len(records)} configs recorded in {out_path}')


def _types(node, skip=('_cfg', '_cfgs')):
    """Every ``type=`` string in a (nested) config value, outside keys ending in ``skip``
    (norm_cfg, init_cfg, train_cfg, ... name layers and augments, not registered models)."""
    if isinstance(node, dict):
        found = [node['type']] if isinstance(node.get('type'), str) else []
        return found + [t for k, v in node.items() if not str(k).endswith(skip)
                        for t in _types(v, skip)]
    if isinstance(node, (list, tuple)):
        return [t for v in node for t in _types(v, skip)]
    return []


def same_pixels(mine, ref):
    if mine['shape'] != ref['shape'] or len(mine['sample']) != len(ref['sample']):
        return False
    size = max(1, int(np.prod(mine['shape'])))
    return bool(np.abs(np.subtract(mine['sample'], ref['sample'])).max() <= TOL
                and abs(mine['sum'] - ref['sum']) <= TOL * size)


def cause(text):
    """Group error messages: drop quoted values, numbers and paths."""
    text = re.sub(r"\(while building.*", '', text)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    return re.sub(r'\d+', 'N', text)[:160]


def compare(root, ref_path):
    from cls_lab.config import Config
    from cls_lab.datasets.pipelines import Compose
    from cls_lab.models import build_classifier
    from cls_lab.models.utils import AUGMENTS
    from cls_lab.registry import MODELS, TRANSFORMS
    with open(ref_path) as f:
        refs = json.load(f)
    totals = collections.Counter()
    failures = collections.defaultdict(list)
    for name in config_files(root):
        ref = refs.get(name)
        if ref is None or ref.get('model') is None:
            totals['no mmcls reference'] += 1
            continue
        totals['configs'] += 1
        try:
            cfg = Config.fromfile(os.path.join(root, name))
        except Exception as error:
            failures[f'config: {cause(f"{type(error).__name__}: {error}")}'].append(name)
            continue
        augments = _types(cfg.model.get('train_cfg') or {}, skip=())
        missing = sorted({t for t in _types(cfg.model) if t not in MODELS}
                         | {t for t in augments if t not in AUGMENTS})
        if missing:
            failures[f'model type missing: {", ".join(missing)}'].append(name)
        else:
            totals['model types exist'] += 1
            mine, error = _try(build_signature, build_classifier, cfg.model)
            if error:
                failures[f'build: {cause(error)}'].append(name)
            else:
                totals['build'] += 1
                if mine == ref['model']:
                    totals['build equal'] += 1
                else:
                    what = 'params' if mine['params'] != ref['model']['params'] else 'keys'
                    failures[f'build differs ({what})'].append(name)
        pipeline = cfg.get('data', {}).get('test', {}).get('pipeline')
        if pipeline is None or ref.get('pixels') is None:
            continue
        totals['mmcls test pipeline'] += 1
        missing = sorted({t for t in _types(pipeline) if t not in TRANSFORMS})
        if missing:
            failures[f'transform missing: {", ".join(missing)}'].append(name)
            continue
        totals['transforms exist'] += 1
        mine, error = _try(pixels, Compose, pipeline)
        if error:
            failures[f'pipeline: {cause(error)}'].append(name)
        elif same_pixels(mine, ref['pixels']):
            totals['same pixels'] += 1
        else:
            failures['pixels differ'].append(name)
    print('\n'.join(f'{k:>22}: {v}' for k, v in totals.items()))
    print(f"{'build equal':>22}: {totals['build equal']} / {totals['configs']} configs; "
          f"builds {totals['build']} / {totals['model types exist']} whose types exist; "
          f"same pixels {totals['same pixels']} / {totals['transforms exist']}")
    for key, names in sorted(failures.items(), key=lambda kv: -len(kv[1])):
        print(f'\n[{len(names)}] {key}\n    ' + '\n    '.join(names[:8])
              + ('\n    …' if len(names) > 8 else ''))
    return totals


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('mode', choices=['reference', 'compare'])
    parser.add_argument('config_dir', help="mmcls 0.25's configs (its .mim/configs folder)")
    parser.add_argument('json', help='the reference file (written by reference, read by compare)')
    args = parser.parse_args(argv)
    warnings.filterwarnings('ignore')
    (reference if args.mode == 'reference' else compare)(args.config_dir, args.json)


if __name__ == '__main__':
    sys.exit(main())
