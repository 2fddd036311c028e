"""Compose: a data pipeline is a list of transforms applied one after another to a sample dict."""
from collections.abc import Sequence

from cls_lab.errors import ArgumentError
from cls_lab.registry import TRANSFORMS


@TRANSFORMS.register_module()
class Compose:
    """Chain transforms: each takes the sample dict and returns it (or None to drop the sample).

    ``transforms`` holds config dicts (built from TRANSFORMS) or callables.
    """

    def __init__(self, transforms):
        if isinstance(transforms, (str, dict)) or not isinstance(transforms, Sequence):
            raise ArgumentError(f'Compose takes a list of transforms, got {type(transforms).__name__}: '
                                f'{transforms!r}')
        self.transforms = []
        for index, transform in enumerate(transforms):
            if isinstance(transform, dict):
                transform = TRANSFORMS.build(transform)
            elif not callable(transform):
                raise ArgumentError(f'pipeline step {index} must be a dict or a callable, '
                                    f'got {type(transform).__name__}: {transform!r}')
            self.transforms.append(transform)

    def __call__(self, results):
        for transform in self.transforms:
            results = transform(results)
            if results is None:
                return None
        return results

    def __len__(self):
        return len(self.transforms)

    def __getitem__(self, index):
        return self.transforms[index]

    def __repr__(self):
        steps = ''.join('\n    ' + repr(t).replace('\n', '\n    ') + ',' for t in self.transforms)
        return f'{type(self).__name__}([{steps}\n])'
