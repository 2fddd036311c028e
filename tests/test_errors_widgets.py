"""Widgets given bad input: the status line shows the error, or the constructor names the argument."""
import numpy as np
import pytest
import torch

from cls_lab import viz


def test_lr_explorer_shows_an_unknown_policy_in_its_status_line():
    explorer = viz.LRCurveExplorer(dict(policy='Cosine', min_lr=0))
    assert explorer.policy.value == 'Cosine'
    status = explorer.config_line.value
    assert 'unknown policy &#x27;Cosine&#x27;' in status and 'CosineAnnealing' in status
    explorer.policy.value = 'CosineAnnealing'               # picking a known one recovers
    assert explorer.config_line.value.startswith('<pre style="white-space:pre-wrap">lr_config = ')
    bad_warmup = viz.LRCurveExplorer(dict(policy='step', step=[2], warmup='lin'))
    assert 'warmup must be one of' in bad_warmup.config_line.value


@pytest.mark.parametrize('make, error, message', [
    (lambda: viz.LRCurveExplorer([1, 2]), TypeError,
     r'expected a config \(dict, Config or file path\) or an lr_config dict'),
    (lambda: viz.LRCurveExplorer('nope.py'), FileNotFoundError, 'config file nope.py does not exist'),
    (lambda: viz.LRCurveExplorer(dict(policy='fixed'), epochs=2.5), ValueError,
     'LRCurveExplorer epochs must be a positive whole number, got 2.5'),
    (lambda: viz.FeatureMapViewer(None, np.zeros((8, 8, 3), np.uint8)), TypeError,
     'FeatureMapViewer: model must be a torch.nn.Module'),
    (lambda: viz.FeatureMapViewer(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3)),
                                  np.zeros((8, 8, 3), np.uint8), layer='conv9'), ValueError,
     r"FeatureMapViewer: layer 'conv9' gives no \(N,C,H,W\) map; choose one of \['0'\]"),
    (lambda: viz.LiveTrainingPlotHook(interval='10'), ValueError,
     "LiveTrainingPlotHook: interval must be an int >= 1, got '10'"),
])
def test_widget_constructors_name_the_bad_argument(make, error, message):
    with pytest.raises(error, match=message):
        make()
