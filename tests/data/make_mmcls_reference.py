"""Record mmcls 0.25 / mmcv 1.7.2 pipeline outputs for tests/test_mmcls_pipelines.py.

Run with the anchor venv (mmcls 0.25.0 installed) from the repository root:
    /work/mm1/bin/python tests/data/make_mmcls_reference.py
Writes tests/data/mmcls_pipelines.npz. Each entry is one transform on a fixed input with a
fixed seed; the test runs cls_lab's transform of the same name on the same input and seed.
"""
import random
import sys
from pathlib import Path

import numpy as np
from mmcls.datasets.pipelines import Compose
from mmcls.datasets.builder import PIPELINES

sys.path.insert(0, str(Path(__file__).parent))
from mmcls_cases import CASES, PHOTO_CASES, small_image  # noqa: E402


def run(steps, img, seed):
    random.seed(seed)
    np.random.seed(seed)
    out = Compose(steps)(dict(img=img.copy(), img_fields=['img']))
    return np.asarray(out['img'])


def main():
    out = {}
    for name, (steps, image_seed, shape, seed) in CASES.items():
        out[name] = run(steps, small_image(image_seed, shape), seed)
    root = Path(__file__).parents[2]
    for name, (photo, steps) in PHOTO_CASES.items():
        data = Compose([dict(type='LoadImageFromFile')] + steps)(
            dict(img_prefix=str(root / 'data_samples/photos'), img_info=dict(filename=photo)))
        img = np.asarray(data['img'], dtype=np.float64)
        out[name + '-sub'] = img[..., ::4, ::4].astype(np.float32)
        out[name + '-stats'] = np.array([img.sum(), (img ** 2).sum(), *img.shape])
    np.savez_compressed(Path(__file__).parent / 'mmcls_pipelines.npz', **out)
    print(len(out), 'arrays')


if __name__ == '__main__':
    main()
