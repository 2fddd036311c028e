"""ResNeXt (Xie et al. 2017): a ResNet whose Bottleneck 3x3 conv is split into ``groups``.

ResNeXt-50 32x4d = depth 50, groups=32, width_per_group=4 (torchvision's resnext50_32x4d).
"""
from cls_lab.registry import MODELS

from .resnet import Bottleneck as ResNetBottleneck
from .resnet import ResNet


class Bottleneck(ResNetBottleneck):
    """The ResNeXt block as mmcls names it: a Bottleneck with groups=32, width_per_group=4."""

    def __init__(self, in_channels, out_channels, base_channels=64, groups=32, width_per_group=4,
                 **kwargs):
        super().__init__(in_channels, out_channels, groups=groups,
                         width_per_group=width_per_group, base_channels=base_channels, **kwargs)


@MODELS.register_module()
class ResNeXt(ResNet):
    """ResNet with grouped bottlenecks; depth must be 50, 101 or 152."""

    def __init__(self, depth, groups=32, width_per_group=4, **kwargs):
        if depth not in (50, 101, 152):
            raise KeyError(f'invalid depth {depth} for ResNeXt; choose from [50, 101, 152]')
        super().__init__(depth, groups=groups, width_per_group=width_per_group, **kwargs)
