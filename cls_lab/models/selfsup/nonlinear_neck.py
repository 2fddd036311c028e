"""NonLinearNeck: the projection MLP of SimCLR / MoCo v2 (pool -> [fc -> BN -> ReLU] x k -> fc).

The contrastive loss is computed on this projection, not on the backbone features: the
projection may throw away what the augmentations change, the backbone keeps it.
"""
import torch.nn as nn

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule, build_norm_layer


@MODELS.register_module()
class NonLinearNeck(BaseModule):
    """A ``num_layers``-layer MLP on the last backbone output; returns a 1-tuple ``(z,)``.

    Hidden layers are Linear -> BN -> ReLU; the last one is Linear (-> BN when ``with_last_bn``).
    ``with_bias`` puts a bias in every Linear; ``with_avg_pool`` pools a (N, C, H, W) input first.
    """

    def __init__(self, in_channels, hid_channels, out_channels, num_layers=2, with_bias=False,
                 with_last_bn=True, with_avg_pool=True, norm_cfg=dict(type='BN1d'),
                 init_cfg=None):
        super().__init__(init_cfg)
        if num_layers < 1:
            raise ArgumentError(f'NonLinearNeck: num_layers must be >= 1, got {num_layers}')
        self.with_avg_pool = with_avg_pool
        layers = []
        width = in_channels
        for _ in range(num_layers - 1):
            layers += [nn.Linear(width, hid_channels, bias=with_bias),
                       build_norm_layer(norm_cfg, hid_channels)[1], nn.ReLU(inplace=True)]
            width = hid_channels
        layers.append(nn.Linear(width, out_channels, bias=with_bias))
        if with_last_bn:
            layers.append(build_norm_layer(norm_cfg, out_channels)[1])
        self.mlp = nn.Sequential(*layers)

    def forward(self, inputs):
        x = inputs[-1] if isinstance(inputs, (list, tuple)) else inputs
        if x.dim() == 4:
            if not self.with_avg_pool:
                raise ArgumentError(f'NonLinearNeck got a {tuple(x.shape)} feature map with '
                                    'with_avg_pool=False; set with_avg_pool=True to pool it')
            x = x.mean(dim=(2, 3))
        return (self.mlp(x),)
