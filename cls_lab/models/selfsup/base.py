"""BaseSelfSupervisor: the algorithm that joins backbone, neck, head (and a memory bank).

It takes raw images (a list of augmented views) and returns a dict of losses, with the same
``train_step``/``val_step`` contract as ImageClassifier, so the runner trains it unchanged.
"""
from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule
from ..classifiers.image_classifier import parse_losses


class BaseSelfSupervisor(BaseModule):
    """Subclasses write ``forward_train(img, **kwargs) -> dict of losses``; the rest is here.

    ``forward(img, mode='train')`` gives losses, ``mode='extract'`` the backbone features.
    """

    def __init__(self, backbone, neck=None, head=None, init_cfg=None):
        super().__init__(init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head) if head is not None else None

    @property
    def with_neck(self):
        return self.neck is not None

    @property
    def with_head(self):
        return self.head is not None

    def extract_feat(self, img):
        """The backbone's tuple of stage outputs for an image batch (N, C, H, W)."""
        return self.backbone(img)

    def forward_train(self, img, **kwargs):
        raise NotImplementedError(f'{type(self).__name__} must implement forward_train(img) '
                                  'returning a dict of losses')

    def forward(self, img, mode='train', **kwargs):
        if mode == 'train':
            return self.forward_train(img, **kwargs)
        if mode == 'extract':
            return self.extract_feat(img)
        raise ArgumentError(f"{type(self).__name__}.forward: mode must be 'train' or 'extract', "
                            f'got {mode!r}')

    def _step(self, data, **kwargs):
        losses = self(**data, mode='train', **kwargs)
        loss, log_vars = parse_losses(losses)
        img = data['img']
        num = len(img[0]) if isinstance(img, (list, tuple)) else len(img)
        return dict(loss=loss, log_vars=log_vars, num_samples=num)

    def train_step(self, data, optimizer=None, **kwargs):
        """``dict(loss, log_vars, num_samples)``; backward/step are the OptimizerHook's job."""
        return self._step(data)

    def val_step(self, data, optimizer=None, **kwargs):
        """Losses on validation data; momentum encoders, queues and banks are left alone."""
        return self._step(data, update_state=False)


def split_views(img, num_views, algorithm):
    """Check that ``img`` is a list of ``num_views`` equally shaped batches (MultiView's output)."""
    if not isinstance(img, (list, tuple)) or len(img) != num_views:
        got = f'a list of {len(img)}' if isinstance(img, (list, tuple)) else type(img).__name__
        raise ArgumentError(f'{algorithm} needs img as a list of {num_views} views (use '
                            f"dict(type='MultiView', num_views=[{num_views}], ...) in the pipeline), "
                            f'got {got}')
    shapes = {tuple(v.shape) for v in img}
    if len(shapes) != 1:
        raise ArgumentError(f'{algorithm}: the views must have one shape, got {sorted(shapes)}')
    return list(img)
