"""Contracts found by running mmcls 0.25's own unit tests against cls_lab (issue 13).

Reference values were recorded side by side with mmcls 0.25 (the anchor venv); mmcls is never
imported here.
"""
from unittest.mock import patch

import numpy as np
import pytest
import torch

from cls_lab.datasets import BaseDataset, build_dataloader, build_sampler
from cls_lab.datasets.pipelines import Compose
from cls_lab.errors import ArgumentError
from cls_lab.models import build_loss
from cls_lab.models.heads import ClsHead
from cls_lab.models.backbones.mobilenet_v2 import InvertedResidual

TOY = np.stack([np.arange(1, 13, dtype=np.uint8).reshape(3, 4)] * 3, -1)

# mmcls 0.25 on TOY with img_fields=['img', 'img2']: channel 0 of 'img' (and 'img2' is equal)
MMCLS_TWO_FIELDS = {
    'Shear': (dict(magnitude=1, pad_val=0, prob=1., random_negative_prob=0.),
              [[1, 2, 3, 4], [0, 5, 6, 7], [0, 0, 9, 10]]),
    'RandomFlip': (dict(flip_prob=1., direction='horizontal'),
                   [[4, 3, 2, 1], [8, 7, 6, 5], [12, 11, 10, 9]]),
    'Resize': (dict(size=(2, 3)), [[2, 3, 5], [8, 9, 11]]),
    'CenterCrop': (dict(crop_size=2), [[2, 3], [6, 7]]),
    'Pad': (dict(size=(4, 5)), [[1, 2, 3, 4, 0], [5, 6, 7, 8, 0], [9, 10, 11, 12, 0],
                                [0, 0, 0, 0, 0]]),
}


@pytest.mark.parametrize('name', sorted(MMCLS_TWO_FIELDS))
def test_transforms_change_every_image_field_as_mmcls(name):
    args, expected = MMCLS_TWO_FIELDS[name]
    out = Compose([dict(type=name, **args)])(
        dict(img=TOY.copy(), img2=TOY.copy(), img_fields=['img', 'img2']))
    assert out['img'][..., 0].tolist() == expected
    assert np.array_equal(out['img'], out['img2'])


def test_argument_errors_are_also_the_assertion_error_mmcls_raises():
    with pytest.raises(AssertionError, match='stride'):   # mmcls: AssertionError
        InvertedResidual(16, 24, stride=3, expand_ratio=6)
    with pytest.raises(ValueError):   # and what cls_lab raised before
        Compose([dict(type='Shear', magnitude=None)])
    assert all(issubclass(ArgumentError, base) for base in (ValueError, TypeError, AssertionError))


class Toy(BaseDataset):
    def load_annotations(self):
        return [dict(gt_label=np.array(i % 2)) for i in range(6)]


def test_dataset_keeps_classes_as_given_and_names_unknown_metrics_as_mmcls():
    assert Toy(None, [], classes=('bus', 'car')).CLASSES == ('bus', 'car')
    with pytest.raises(AssertionError, match=r"\{'unknown'\} is not supported"):
        Toy(None, []).evaluate(np.eye(6, 2), metric='unknown')
    with pytest.raises(TypeError):
        Toy(None, []).evaluate(np.eye(6, 2), metric='precision', metric_options={'thrs': 'thr'})


def test_build_sampler_and_distributed_loader_read_the_process_group():
    assert build_sampler(None) is None
    with patch('cls_lab.datasets.builder.get_dist_info', return_value=(1, 2)):
        loader = build_dataloader(list(range(20)), 5, 0, dist=True, shuffle=False)
    assert torch.cat(list(loader)).tolist() == list(range(1, 20, 2))   # mmcls: data[1::2]


def test_head_returns_the_tensor_while_onnx_traces():
    scores = torch.rand(4, 10)
    assert isinstance(ClsHead().simple_test(scores), list)
    with patch('torch.onnx.is_in_onnx_export', return_value=True):
        assert ClsHead().simple_test(scores).shape == (4, 10)


def test_resnext_bottleneck_has_mmcls_defaults_and_size():
    from cls_lab.models.backbones.resnext import Bottleneck
    block = Bottleneck(64, 256, stride=2)   # mmcls 0.25: 46592 parameters, 18 state-dict keys
    assert (block.conv2.groups, block.conv2.out_channels, block.conv2.stride) == (32, 128, (2, 2))
    assert sum(p.numel() for p in block.parameters()) == 46592 and len(block.state_dict()) == 18


def test_extract_feats_runs_extract_feat_per_batch():
    from cls_lab.models import ImageClassifier
    model = ImageClassifier(dict(type='LeNet5'))
    feats = model.extract_feats([torch.rand(1, 1, 32, 32)] * 2, stage='backbone')
    assert len(feats) == 2 and torch.equal(feats[0][0], feats[1][0])


def test_normalize_every_image_field_and_argument_checks():
    out = Compose([dict(type='Normalize', mean=[1, 2, 3], std=[2, 2, 2], to_rgb=True)])(
        dict(img=TOY.astype(np.float32), img2=TOY.astype(np.float32), img_fields=['img', 'img2']))
    assert np.array_equal(out['img'], out['img2']) and out['img'][0, 0].tolist() == [0., -.5, -1.]
    with pytest.raises(AssertionError):   # mmcls asserts on both
        Compose([dict(type='Lighting', eigval=[1, 2], eigvec=[[1, 0, 0], [0, 1]])])
    with pytest.raises(AssertionError):
        build_loss(dict(type='LabelSmoothLoss', label_smooth_val='str'))


def test_lighting_draws_per_image_field_and_forward_dummy_gives_pre_logits():
    from cls_lab.models import ImageClassifier
    img = TOY.astype(np.float64)
    out = Compose([dict(type='Lighting', eigval=[1., 2., 3.], eigvec=np.eye(3).tolist())])(
        dict(img=img.copy(), img2=img.copy(), img_fields=['img', 'img2']))
    assert out['img2'].dtype == float and not np.array_equal(out['img'], out['img2'])
    model = ImageClassifier(dict(type='LeNet5'), neck=dict(type='GlobalAveragePooling'),
                            head=dict(type='StackedLinearClsHead',
                                      num_classes=3, in_channels=120, mid_channels=[6]))
    x = torch.rand(1, 1, 32, 32)
    assert torch.equal(model.forward_dummy(x), model.extract_feat(x, stage='pre_logits'))
