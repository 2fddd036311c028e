"""The ``Pretrained`` init_cfg type: ``init_cfg=dict(type='Pretrained', checkpoint=...)``.

It lives in the engine because it loads checkpoints; importing ``cls_lab`` registers it in
``cls_lab.models.init.INITIALIZERS``, so the models layer never imports the engine.
"""
from cls_lab.models.init import INITIALIZERS

from .checkpoint import load_checkpoint


def pretrained_init(module, checkpoint, prefix=None, map_location='cpu'):
    """Load ``checkpoint`` into ``module`` (non-strict; ``prefix='backbone.'`` takes a part)."""
    load_checkpoint(module, checkpoint, map_location=map_location, strict=False,
                    prefix=prefix)


INITIALIZERS['Pretrained'] = pretrained_init
