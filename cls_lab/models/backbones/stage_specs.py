"""maskrcnn-benchmark's backbone names ("R-50-FPN", ...) as ResNet settings (seed 001).

There a StageSpec lists (stage index, block count, return_features); here the block counts
come from the depth, and "returns features" becomes ``out_indices``. Their defaults carry
over: frozen BN statistics (FrozenBN), ``stride_in_1x1`` (= ``style='caffe'``), and
``FREEZE_CONV_BODY_AT=2`` (stem + stage 1 frozen = ``frozen_stages=1``).
"""
from cls_lab.registry import MODELS, Registry

STAGE_SPECS = Registry('stage specs')


def _spec(name, depth, num_stages, out_indices):
    def make():
        return dict(type='ResNet', depth=depth, num_stages=num_stages, out_indices=out_indices,
                    strides=(1, 2, 2, 2)[:num_stages], dilations=(1,) * num_stages,
                    style='caffe', frozen_stages=1, norm_cfg=dict(type='FrozenBN'))
    make.__name__ = name.replace('-', '_')
    make.__doc__ = f'{name}: ResNet-{depth}, {num_stages} stages, returns stages {out_indices}.'
    STAGE_SPECS.register_module(name=name, module=make)


for _name, _depth, _stages, _outs in [
        ('R-50-C4', 50, 3, (2,)), ('R-50-C5', 50, 4, (3,)),
        ('R-101-C4', 101, 3, (2,)), ('R-101-C5', 101, 4, (3,)),
        ('R-50-FPN', 50, 4, (0, 1, 2, 3)), ('R-101-FPN', 101, 4, (0, 1, 2, 3)),
        ('R-152-FPN', 152, 4, (0, 1, 2, 3)), ('R-50-FPN-RETINANET', 50, 4, (0, 1, 2, 3)),
        ('R-101-FPN-RETINANET', 101, 4, (0, 1, 2, 3))]:
    _spec(_name, _depth, _stages, _outs)


def resnet_cfg_from_spec(name, norm='FrozenBN', **overrides):
    """The ResNet config dict of a spec; ``norm='GN'`` swaps in GroupNorm(32) (the *WithGN modules)."""
    if name not in STAGE_SPECS:
        raise KeyError(f'unknown stage spec {name!r}; choose from {STAGE_SPECS.all_names()}')
    cfg = STAGE_SPECS.get(name)()
    if norm == 'GN':
        cfg['norm_cfg'] = dict(type='GN', num_groups=32)
    elif norm != 'FrozenBN':
        cfg['norm_cfg'] = dict(type=norm)
    cfg.update(overrides)
    return cfg


def build_resnet_from_spec(name, norm='FrozenBN', **overrides):
    """Build the ResNet of a maskrcnn-benchmark name, e.g. ``build_resnet_from_spec('R-50-C4')``."""
    return MODELS.build(resnet_cfg_from_spec(name, norm=norm, **overrides))
