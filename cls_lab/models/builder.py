"""build_backbone/neck/head/loss/classifier: ``MODELS.build(cfg)`` under a name that says what."""
from cls_lab.registry import MODELS

BACKBONES = NECKS = HEADS = LOSSES = CLASSIFIERS = MODELS


def build_backbone(cfg):
    """A backbone from e.g. ``dict(type='ResNet', depth=18)``."""
    return MODELS.build(cfg)


def build_neck(cfg):
    """A neck from e.g. ``dict(type='GlobalAveragePooling')``."""
    return MODELS.build(cfg)


def build_head(cfg):
    """A head from e.g. ``dict(type='LinearClsHead', num_classes=10, in_channels=512)``."""
    return MODELS.build(cfg)


def build_loss(cfg):
    """A loss from e.g. ``dict(type='CrossEntropyLoss', loss_weight=1.0)``."""
    return MODELS.build(cfg)


def build_classifier(cfg):
    """A whole classifier from the ``model`` dict of a config."""
    return MODELS.build(cfg)
