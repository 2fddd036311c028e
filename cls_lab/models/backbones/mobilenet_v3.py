"""MobileNetV3 (Howard et al. 2019, https://arxiv.org/abs/1905.02244).

MobileNetV2's inverted residuals, with the block list found by architecture search, SE
layers in some blocks (gated by a hard sigmoid) and hard-swish, a cheap swish, in the
deeper half. Look at ``arch_settings``: one row per block.
"""
from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, ConvModule
from ..utils.inverted_residual import InvertedResidual
from .freezing import batchnorms_to_eval, freeze


@MODELS.register_module()
class MobileNetV3(BaseModule):
    """MobileNetV3 small / large: ``layer0`` stem, one ``layerN`` per block, a last 1x1 conv.

    ``out_indices`` index those layers (default: the last one, 12 for small, 16 for large);
    ``frozen_stages=k`` freezes ``layer0`` .. ``layerk``.
    """
    # kernel size, mid (expanded) channels, out channels, with SE, activation, stride
    arch_settings = {
        'small': [[3, 16, 16, True, 'ReLU', 2], [3, 72, 24, False, 'ReLU', 2],
                  [3, 88, 24, False, 'ReLU', 1], [5, 96, 40, True, 'HSwish', 2],
                  [5, 240, 40, True, 'HSwish', 1], [5, 240, 40, True, 'HSwish', 1],
                  [5, 120, 48, True, 'HSwish', 1], [5, 144, 48, True, 'HSwish', 1],
                  [5, 288, 96, True, 'HSwish', 2], [5, 576, 96, True, 'HSwish', 1],
                  [5, 576, 96, True, 'HSwish', 1]],
        'large': [[3, 16, 16, False, 'ReLU', 1], [3, 64, 24, False, 'ReLU', 2],
                  [3, 72, 24, False, 'ReLU', 1], [5, 72, 40, True, 'ReLU', 2],
                  [5, 120, 40, True, 'ReLU', 1], [5, 120, 40, True, 'ReLU', 1],
                  [3, 240, 80, False, 'HSwish', 2], [3, 200, 80, False, 'HSwish', 1],
                  [3, 184, 80, False, 'HSwish', 1], [3, 184, 80, False, 'HSwish', 1],
                  [3, 480, 112, True, 'HSwish', 1], [3, 672, 112, True, 'HSwish', 1],
                  [5, 672, 160, True, 'HSwish', 2], [5, 960, 160, True, 'HSwish', 1],
                  [5, 960, 160, True, 'HSwish', 1]]}

    def __init__(self, arch='small', conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=0.001, momentum=0.01), out_indices=None,
                 frozen_stages=-1, norm_eval=False, with_cp=False,
                 init_cfg=(dict(type='Kaiming', layer=['Conv2d'], nonlinearity='leaky_relu'),
                           dict(type='Normal', layer=['Linear'], std=0.01),
                           dict(type='Constant', layer=['BatchNorm2d'], val=1))):
        super().__init__(list(init_cfg) if isinstance(init_cfg, tuple) else init_cfg)
        if arch not in self.arch_settings:
            raise KeyError(f'MobileNetV3 arch {arch!r} unknown; choose from '
                           f'{sorted(self.arch_settings)}')
        num_layers = len(self.arch_settings[arch]) + 2
        out_indices = ((12,) if arch == 'small' else (16,)) if out_indices is None else out_indices
        if any(i not in range(num_layers) for i in out_indices):
            raise ArgumentError(f'MobileNetV3-{arch} out_indices must be in 0..{num_layers - 1}, '
                                f'got {out_indices}')
        if frozen_stages not in range(-1, num_layers):
            raise ArgumentError(f'MobileNetV3-{arch} frozen_stages must be in '
                                f'-1..{num_layers - 1}, got {frozen_stages}')
        self.arch, self.out_indices = arch, out_indices
        self.frozen_stages, self.norm_eval = frozen_stages, norm_eval
        kw = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.layers = ['layer0']
        self.layer0 = ConvModule(3, 16, 3, 2, 1, act_cfg=dict(type='HSwish'), **kw)
        in_channels = 16
        for i, (k, mid, out, with_se, act, stride) in enumerate(self.arch_settings[arch], 1):
            se_cfg = dict(channels=mid, ratio=4,
                          act_cfg=(dict(type='ReLU'), dict(type='HSigmoid', bias=3, divisor=6,
                                                            min_value=0, max_value=1)))
            self.add_module(f'layer{i}', InvertedResidual(
                in_channels, out, mid, k, stride, se_cfg=se_cfg if with_se else None,
                act_cfg=dict(type=act), with_cp=with_cp, **kw))
            self.layers.append(f'layer{i}')
            in_channels = out
        self.feat_dim = 576 if arch == 'small' else 960
        self.add_module(f'layer{num_layers - 1}', ConvModule(
            in_channels, self.feat_dim, 1, act_cfg=dict(type='HSwish'), **kw))
        self.layers.append(f'layer{num_layers - 1}')

    def forward(self, x):
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode=True):
        super().train(mode)
        freeze(getattr(self, f'layer{i}') for i in range(self.frozen_stages + 1))
        if mode and self.norm_eval:
            batchnorms_to_eval(self)
        return self
