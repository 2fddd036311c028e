"""VGG (Simonyan & Zisserman 2014, https://arxiv.org/abs/1409.1556): nothing but 3x3 convs.

Five stages of 3x3 conv + ReLU (optionally BN) blocks, each closed by a 2x2 max-pool, with
64, 128, 256, 512, 512 channels; depth 11/13/16/19 only changes how many convs a stage has.
Look at how the parameters sit in the classifier (123M of VGG-16's 138M).
"""
import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, ConvModule
from .freezing import batchnorms_to_eval, freeze


def make_vgg_layer(in_channels, out_channels, num_blocks, conv_cfg=None, norm_cfg=None,
                   act_cfg=dict(type='ReLU'), dilation=1, ceil_mode=False):
    """``num_blocks`` 3x3 ConvModules (always with a conv bias, as mmcls) and a 2x2 max-pool."""
    layers = []
    for _ in range(num_blocks):
        layers.append(ConvModule(in_channels, out_channels, 3, dilation=dilation,
                                 padding=dilation, bias=True, conv_cfg=conv_cfg,
                                 norm_cfg=norm_cfg, act_cfg=act_cfg))
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=ceil_mode))
    return layers


@MODELS.register_module()
class VGG(BaseModule):
    """VGG backbone, mmcls 0.25 layout: one flat ``features`` Sequential (+ ``classifier``).

    ``norm_cfg=dict(type='BN')`` gives VGG-BN. With ``num_classes > 0`` the 3-layer
    classifier (for 224x224 inputs) is part of the backbone and its scores are the last
    output; ``out_indices`` defaults to ``(5,)`` then, else ``(4,)`` (the last stage).
    """
    arch_settings = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3),
                     19: (2, 2, 4, 4, 4)}

    def __init__(self, depth, num_classes=-1, num_stages=5, dilations=(1, 1, 1, 1, 1),
                 out_indices=None, frozen_stages=-1, conv_cfg=None, norm_cfg=None,
                 act_cfg=dict(type='ReLU'), norm_eval=False, ceil_mode=False,
                 with_last_pool=True,
                 init_cfg=(dict(type='Kaiming', layer=['Conv2d']),
                           dict(type='Constant', val=1., layer=['_BatchNorm']),
                           dict(type='Normal', std=0.01, layer=['Linear']))):
        super().__init__(list(init_cfg) if isinstance(init_cfg, tuple) else init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'invalid depth {depth} for VGG; choose from '
                           f'{sorted(self.arch_settings)}')
        if not 1 <= num_stages <= 5:
            raise ArgumentError(f'VGG num_stages must be in 1..5, got {num_stages}')
        if len(dilations) != num_stages:
            raise ArgumentError(f'VGG dilations {dilations} need {num_stages} entries')
        if out_indices is None:
            out_indices = (5,) if num_classes > 0 else (4,)
        if max(out_indices) > num_stages:
            raise ArgumentError(f'VGG out_indices {out_indices} out of range for {num_stages} '
                                'stages')
        self.stage_blocks = self.arch_settings[depth][:num_stages]
        self.num_classes, self.out_indices = num_classes, out_indices
        self.frozen_stages, self.norm_eval = frozen_stages, norm_eval

        layers, self.range_sub_modules = [], []     # [start, end) of each stage in features
        in_channels = 3
        for i, num_blocks in enumerate(self.stage_blocks):
            out_channels = 64 * 2 ** i if i < 4 else 512
            start = len(layers)
            layers += make_vgg_layer(in_channels, out_channels, num_blocks, conv_cfg, norm_cfg,
                                     act_cfg, dilations[i], ceil_mode)
            self.range_sub_modules.append([start, len(layers)])
            in_channels = out_channels
        if not with_last_pool:
            layers.pop()
            self.range_sub_modules[-1][1] -= 1
        self.features = nn.Sequential(*layers)
        if num_classes > 0:
            self.classifier = nn.Sequential(
                nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
                nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(),
                nn.Linear(4096, num_classes))

    def forward(self, x):
        outs = []
        for i, (start, end) in enumerate(self.range_sub_modules):
            for j in range(start, end):
                x = self.features[j](x)
            if i in self.out_indices:
                outs.append(x)
        if self.num_classes > 0:
            outs.append(self.classifier(x.flatten(1)))
        return tuple(outs)

    def _stage_modules(self, i):
        return [self.features[j] for j in range(*self.range_sub_modules[i])]

    def train(self, mode=True):
        super().train(mode)
        freeze(m for i in range(self.frozen_stages) for m in self._stage_modules(i))
        if mode and self.norm_eval:
            batchnorms_to_eval(self)
        return self
