"""``frozen_stages`` and ``norm_eval``: the two ways a backbone holds part of itself still."""
from torch.nn.modules.batchnorm import _BatchNorm


def freeze(modules):
    """Eval mode and ``requires_grad=False`` for every module given (a frozen stage)."""
    for module in modules:
        module.eval()
        for p in module.parameters():
            p.requires_grad = False


def freeze_stem_and_stages(stem, stages, frozen_stages):
    """mmcls's ShuffleNet rule: ``frozen_stages >= 0`` stops the stem's parameters (the stem
    stays in train mode) and freezes the first ``frozen_stages`` stages."""
    if frozen_stages >= 0:
        for p in stem.parameters():
            p.requires_grad = False
    freeze(stages[:frozen_stages])


def batchnorms_to_eval(model):
    """Keep every BatchNorm's running statistics fixed, even inside ``model.train()``."""
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            m.eval()
