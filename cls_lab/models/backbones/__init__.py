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
from .convnext import ConvNeXt
from .swin_transformer import SwinTransformer
from .vision_transformer import DistilledVisionTransformer, VisionTransformer
# model zoo, CNN families (issue 14)
from .vgg import VGG
from .seresnet import SEResNet, SEResNeXt
from .shufflenet_v1 import ShuffleNetV1
from .shufflenet_v2 import ShuffleNetV2
from .mobilenet_v3 import MobileNetV3
from .efficientnet import EfficientNet
from .regnet import RegNet
from .densenet import DenseNet
from .repvgg import RepVGG

__all__ = ['LeNet5', 'MobileNetV2', 'BasicBlock', 'Bottleneck', 'ResNet', 'ResNetV1c',
           'ResNetV1d', 'make_res_layer', 'ResLayer', 'get_expansion', 'ResNet_CIFAR', 'ResNeXt',
           'STAGE_SPECS',
           'build_resnet_from_spec', 'resnet_cfg_from_spec', 'TorchvisionBackbone',
           'convert_torchvision_resnet',
           'ConvNeXt', 'SwinTransformer', 'DistilledVisionTransformer', 'VisionTransformer']
# model zoo, CNN families (issue 14)
__all__ += ['VGG', 'SEResNet', 'SEResNeXt', 'ShuffleNetV1', 'ShuffleNetV2', 'MobileNetV3',
            'EfficientNet', 'RegNet', 'DenseNet', 'RepVGG']
