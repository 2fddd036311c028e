"""Losses: every class is registered in MODELS (``build_loss(dict(type='CrossEntropyLoss'))``)."""
from .accuracy import Accuracy, accuracy
from .asymmetric_loss import AsymmetricLoss, asymmetric_loss
from .cross_entropy import (CrossEntropyLoss, binary_cross_entropy, cross_entropy,
                            soft_cross_entropy)
from .focal_loss import FocalLoss, sigmoid_focal_loss
from .l1_loss import L1Loss, l1_loss
from .label_smooth import LabelSmoothLoss
from .seesaw_loss import SeesawLoss, seesaw_ce_loss
from .utils import convert_to_one_hot, reduce_loss, weight_reduce_loss, weighted_loss

__all__ = ['Accuracy', 'accuracy', 'CrossEntropyLoss', 'binary_cross_entropy', 'cross_entropy',
           'soft_cross_entropy', 'FocalLoss', 'sigmoid_focal_loss', 'L1Loss', 'l1_loss',
           'LabelSmoothLoss', 'convert_to_one_hot', 'reduce_loss', 'weight_reduce_loss',
           'weighted_loss', 'AsymmetricLoss', 'asymmetric_loss', 'SeesawLoss', 'seesaw_ce_loss']
