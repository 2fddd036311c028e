"""ImageClassifier = backbone -> neck -> head, plus the train_step/val_step the runner calls.

``forward(img, return_loss=True, gt_label=...)`` gives a dict of losses and accuracy;
``forward(img, return_loss=False)`` gives one softmax score array per image.
"""
from collections import OrderedDict

import torch

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule
from ..utils.augment import Augments
from ..utils.show import show_infos


def parse_losses(losses):
    """Sum every entry whose key contains 'loss'; return (total, log_vars of python floats).

    A tensor logs its mean, a list of tensors the sum of their means, a dict (accuracy) each
    of its entries under its own key, e.g. ``top-1``.
    """
    log_vars = OrderedDict()
    for name, value in losses.items():
        if isinstance(value, torch.Tensor):
            log_vars[name] = value.mean()
        elif isinstance(value, (list, tuple)):
            log_vars[name] = sum(v.mean() for v in value)
        elif isinstance(value, dict):
            log_vars.update(value)
        else:
            raise ArgumentError(f'loss {name!r} is a {type(value).__name__}; expected a tensor, '
                                'a list of tensors or a dict of tensors')
    loss_keys = [k for k in log_vars if 'loss' in k]
    if not loss_keys:
        raise KeyError(f'no key containing "loss" among the head outputs {list(losses)}')
    total = sum(log_vars[k] for k in loss_keys)
    log_vars['loss'] = total
    return total, OrderedDict((k, float(v.detach().item()) if torch.is_tensor(v) else float(v))
                              for k, v in log_vars.items())


@MODELS.register_module()
class ImageClassifier(BaseModule):
    """The standard classifier.

    ``pretrained='file.pth'`` loads that checkpoint into the whole classifier at
    ``init_weights`` (keys ``backbone.*``, ``head.*``), as mmcls 0.25 does.
    """

    def __init__(self, backbone, neck=None, head=None, pretrained=None, train_cfg=None,
                 init_cfg=None):
        super().__init__(init_cfg)
        if pretrained is not None:
            self.init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head) if head is not None else None
        augments = (train_cfg or {}).get('augments')
        self.augments = Augments(augments) if augments else None

    @property
    def with_neck(self):
        return self.neck is not None

    @property
    def with_head(self):
        return self.head is not None

    def extract_feat(self, img, stage='neck'):
        """Features after the backbone (``stage='backbone'``) or after the neck (default)."""
        if stage not in ('backbone', 'neck', 'pre_logits'):
            raise ArgumentError(f"stage must be 'backbone', 'neck' or 'pre_logits', got {stage!r}")
        x = self.backbone(img)
        if stage == 'backbone':
            return x
        if self.with_neck:
            x = self.neck(x)
        if stage == 'pre_logits' and self.with_head:
            x = self.head.pre_logits(x)
        return x

    def extract_feats(self, imgs, stage='neck'):
        """``extract_feat`` of every batch in the list ``imgs`` (as mmcls's BaseClassifier)."""
        return [self.extract_feat(img, stage=stage) for img in imgs]

    def forward_dummy(self, img):
        """The pre-logits features: what mmcls's FLOP counter runs."""
        return self.extract_feat(img, stage='pre_logits')

    def forward_train(self, img, gt_label, **kwargs):
        """Losses and accuracy of a batch (after Mixup/CutMix when ``train_cfg`` asks)."""
        if self.augments is not None:
            img, gt_label = self.augments(img, gt_label)
        return self.head.forward_train(self.extract_feat(img), gt_label)

    def simple_test(self, img, img_metas=None, gt_label=None, **kwargs):
        """One score array per image; the batch's img_metas and gt_label are not needed here.

        Other keyword arguments go to the head's ``simple_test`` (``softmax``, ``post_process``).
        """
        return self.head.simple_test(self.extract_feat(img), **kwargs)

    def forward_test(self, imgs, **kwargs):
        """``imgs``: a batch tensor, or a list with one (test-time augmentation is not supported)."""
        if isinstance(imgs, torch.Tensor):
            imgs = [imgs]
        if not isinstance(imgs, list):
            raise ArgumentError(f'imgs must be a tensor or a list of tensors, got {type(imgs).__name__}')
        if len(imgs) != 1:
            raise NotImplementedError(f'{len(imgs)} augmented views given: test-time '
                                      'augmentation (aug_test) is not implemented')
        return self.simple_test(imgs[0], **kwargs)

    def forward(self, img, return_loss=True, **kwargs):
        if return_loss:
            if 'gt_label' not in kwargs:
                raise KeyError('ImageClassifier.forward(return_loss=True) needs gt_label=...; '
                               'pass return_loss=False to predict')
            kwargs.pop('img_metas', None)
            return self.forward_train(img, **kwargs)
        return self.forward_test(img, **kwargs)

    def show_result(self, img, result, text_color='white', font_scale=0.5, row_width=20,
                    show=False, fig_size=(15, 10), win_name='', wait_time=0, out_file=None):
        """Draw ``result`` (e.g. inference_model's dict) on ``img`` (path or BGR array).

        Returns the drawn BGR array; ``out_file`` saves it, ``show`` opens it (matplotlib).
        """
        return show_infos(img, result, show=show, out_file=out_file, win_name=win_name,
                          fig_size=fig_size, wait_time=wait_time, text_color=text_color,
                          font_scale=font_scale, row_width=row_width)

    def _step(self, data):
        losses = self(**data)
        loss, log_vars = parse_losses(losses)
        img = data['img']
        num = len(img[0]) if isinstance(img, (list, tuple)) else len(img)
        return dict(loss=loss, log_vars=log_vars, num_samples=num)

    def train_step(self, data, optimizer=None, **kwargs):
        """``dict(loss, log_vars, num_samples)``; backward/step are the OptimizerHook's job."""
        return self._step(data)

    def val_step(self, data, optimizer=None, **kwargs):
        """Same as train_step, on validation data (nothing is updated)."""
        return self._step(data)
