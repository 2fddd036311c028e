"""Backbones (all registered in MODELS)."""
from .lenet import LeNet5
from .mobilenet_v2 import MobileNetV2
from .resnet import (BasicBlock, Bottleneck, ResLayer, ResNet, ResNetV1c, ResNetV1d, get_expansion,
                     make_res_layer)
from .resnet_cifar import ResNet_CIFAR
from .resnext import ResNeXt
from .stage_specs import STAGE_SPECS, build_resnet_from_spec, resnet_cfg_from_spec
from .torchvision import TorchvisionBackbone
from .convert import convert_torchvision_resnet

__all__ = ['LeNet5', 'MobileNetV2', 'BasicBlock', 'Bottleneck', 'ResNet', 'ResNetV1c',
           'ResNetV1d', 'make_res_layer', 'ResLayer', 'get_expansion', 'ResNet_CIFAR', 'ResNeXt',
           'STAGE_SPECS',
           'build_resnet_from_spec', 'resnet_cfg_from_spec', 'TorchvisionBackbone',
           'convert_torchvision_resnet']
