"""Albu: run an albumentations pipeline inside a cls_lab pipeline (albumentations is optional).

    dict(type='Albu', transforms=[dict(type='ShiftScaleRotate', shift_limit=0.06, p=0.5),
                                  dict(type='OneOf', transforms=[dict(type='Blur'),
                                                                 dict(type='MedianBlur')])])
"""
import copy
import inspect

from cls_lab.errors import ArgumentError
from cls_lab.registry import TRANSFORMS


def _albumentations():
    try:
        import albumentations
    except ImportError:
        raise ImportError("the 'Albu' transform needs albumentations: pip install albumentations"
                          ) from None
    return albumentations


def build_albu(cfg):
    """An albumentations transform from a config dict; nested ``transforms`` are built too."""
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ArgumentError(f'each Albu transform must be a dict with a "type" key, got {cfg!r}')
    args = dict(cfg)
    kind = args.pop('type')
    if isinstance(kind, str):
        cls = getattr(_albumentations(), kind, None)
        if cls is None:
            raise KeyError(f'albumentations has no transform {kind!r}')
    elif inspect.isclass(kind):
        cls = kind
    else:
        raise ArgumentError(f'Albu: type must be a name or a class, got {kind!r}')
    if 'transforms' in args:
        args['transforms'] = [build_albu(inner) for inner in args['transforms']]
    return cls(**args)


@TRANSFORMS.register_module()
class Albu:
    """Apply ``transforms`` (albumentations configs) to the keys of ``keymap`` (default img -> image).

    The image stays in its channel order (BGR); gt_label is kept as it was, as mmcls does.
    Updates: the mapped keys, img_shape; pad_shape too with ``update_pad_shape``.
    """

    def __init__(self, transforms, keymap=None, update_pad_shape=False):
        albumentations = _albumentations()
        self.transforms = copy.deepcopy(transforms)
        self.aug = albumentations.Compose([build_albu(cfg) for cfg in self.transforms])
        self.keymap = dict(keymap) if keymap else {'img': 'image'}
        self.update_pad_shape = update_pad_shape

    def __call__(self, results):
        missing = [key for key in self.keymap if key not in results]
        if missing:
            raise KeyError(f'Albu: the sample has no key(s) {missing}; it has {sorted(results)}')
        out = self.aug(**{albu: results[key] for key, albu in self.keymap.items()})
        for key, albu in self.keymap.items():
            results[key] = out[albu]
        results['img_shape'] = results['img'].shape
        if self.update_pad_shape:
            results['pad_shape'] = results['img'].shape
        return results

    def __repr__(self):
        return f'{type(self).__name__}(transforms={self.transforms})'
