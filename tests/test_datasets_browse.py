"""python -m cls_lab browse-dataset: images saved as they leave the pipeline."""
import numpy as np
from PIL import Image

from cls_lab.__main__ import main as cli
from cls_lab.tools.browse_dataset import viewable_pipeline


def test_browse_digits_config(tmp_path):
    out = tmp_path / 'browse'
    assert cli(['browse-dataset', 'configs/_base_/datasets/digits_bs32.py', '--output-dir', str(out),
                '--number', '5', '--cfg-options', 'data.train.pipeline.1.size=20']) == 0
    files = sorted(out.glob('*.png'))
    assert len(files) == 5
    image = np.array(Image.open(files[0]))
    assert image.shape == (20, 20, 3) and image.dtype == np.uint8
    label = files[0].stem.split('_')[1]
    assert label in [str(c) for c in range(10)]


def test_browse_val_phase_keeps_the_size(tmp_path):
    assert cli(['browse-dataset', 'configs/_base_/datasets/digits_bs32.py', '--output-dir',
                str(tmp_path), '--phase', 'val', '--number', '2']) == 0
    assert all(np.array(Image.open(p)).shape == (32, 32, 3) for p in tmp_path.glob('*.png'))


def test_viewable_pipeline_drops_formatting_steps():
    steps = [dict(type='LoadImageFromFile'), dict(type='Normalize', mean=[0], std=[1]),
             dict(type='MultiView', num_views=2, pipelines=[[dict(type='RandomFlip'),
                                                             dict(type='ImageToTensor', keys=['img'])]]),
             dict(type='Collect', keys=['img'])]
    kept = viewable_pipeline(steps)
    assert [s['type'] for s in kept] == ['LoadImageFromFile', 'MultiView']
    assert kept[1]['pipelines'] == [[dict(type='RandomFlip')]]
