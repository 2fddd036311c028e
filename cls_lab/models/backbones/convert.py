"""Key mapping from torchvision's ResNet/ResNeXt state dicts to cls_lab (= mmcls 0.x) names.

The two layouts agree name for name for a BN ResNet: ``conv1``, ``bn1``, ``layerN.i.convK``,
``layerN.i.bnK``, ``layerN.i.downsample.{0,1}``. Only the classifier differs: torchvision's
``fc`` belongs to our *head*, so the backbone drops it (or it becomes ``head.fc`` when
``with_head=True``, for a whole ImageClassifier). With another norm the ``bn`` abbreviation
changes (``gn1`` for GroupNorm), which ``norm_abbr`` renames.
"""
import re


def convert_torchvision_resnet(state_dict, with_head=False, norm_abbr='bn'):
    """A torchvision ResNet state dict renamed for ``ResNet`` (or ``ImageClassifier`` with head)."""
    out = {}
    for key, value in state_dict.items():
        if key.startswith('fc.'):
            if with_head:
                out['head.' + key] = value
            continue
        if norm_abbr != 'bn':
            key = re.sub(r'(^|\.)bn(\d)\.', rf'\1{norm_abbr}\2.', key)
        out[('backbone.' if with_head else '') + key] = value
    return out
