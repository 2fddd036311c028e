"""What a trained classifier gets right and wrong on a data set (fastai's ClassificationInterpretation).

``Interpretation.from_model(model, dataset)`` scores every image once; the confusion
matrix, per-class precision/recall, the top losses and the most confident right or wrong
predictions are then plain array look-ups. The counts come from cls_lab.datasets.metrics,
the same functions ``dataset.evaluate`` uses, so the numbers agree with ``test``.
"""
import os

import numpy as np

from cls_lab.datasets.metrics import confusion_matrix, precision_recall_f1


class Interpretation:
    """Scores (N, C), labels (N,), class names and image files of one evaluated data set."""

    def __init__(self, scores, gt_labels, classes, filenames=None):
        self.scores = np.asarray(scores, dtype=np.float64)
        self.gt_labels = np.asarray(gt_labels, dtype=np.int64).reshape(-1)
        if self.scores.ndim != 2 or len(self.scores) != len(self.gt_labels):
            raise ValueError(f'Interpretation: scores must be (N, C) and labels (N,), got '
                             f'{self.scores.shape} and {self.gt_labels.shape}')
        self.classes = [str(c) for c in classes]
        if len(self.classes) != self.scores.shape[1]:
            raise ValueError(f'Interpretation: {len(self.classes)} class names for '
                             f'{self.scores.shape[1]} scores per image')
        self.filenames = list(filenames) if filenames is not None else None
        self.pred_labels = self.scores.argmax(axis=1)
        self.pred_scores = self.scores.max(axis=1)
        true_scores = self.scores[np.arange(len(self.scores)), self.gt_labels]
        self.losses = -np.log(np.clip(true_scores, 1e-12, None))   # cross-entropy per image

    @classmethod
    def from_model(cls, model, dataset, batch_size=64):
        """Score every image of ``dataset`` (its test pipeline) with ``model``."""
        from cls_lab.apis import single_gpu_test
        from cls_lab.datasets import build_dataloader
        loader = build_dataloader(dataset, batch_size, 0, shuffle=False)
        scores = single_gpu_test(model, loader)
        classes = dataset.CLASSES or getattr(model, 'CLASSES', None) or \
            [str(i) for i in range(len(scores[0]))]
        return cls(np.stack(scores), dataset.get_gt_labels(), classes, image_files(dataset))

    def __len__(self):
        return len(self.gt_labels)

    def confusion_matrix(self, normalize=False):
        """``matrix[true, predicted]``; ``normalize=True`` divides each row by its class count."""
        matrix = confusion_matrix(self.scores, self.gt_labels)
        if not normalize:
            return matrix
        return matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)

    def precision_recall(self):
        """Per-class precision and recall in percent (mmcls' ``average_mode='none'``)."""
        precision, recall, _ = precision_recall_f1(self.scores, self.gt_labels, average_mode='none')
        return precision, recall

    def cell(self, true_label, pred_label):
        """Indices of the images of class ``true_label`` predicted as ``pred_label``, most confident first."""
        hits = np.flatnonzero((self.gt_labels == true_label) & (self.pred_labels == pred_label))
        return hits[np.argsort(-self.pred_scores[hits], kind='stable')]

    def top_losses(self, k=9):
        """Indices of the ``k`` images with the highest loss (the worst mistakes first)."""
        return np.argsort(-self.losses, kind='stable')[:k]

    def most_confident(self, correct=True, k=20):
        """Indices of the ``k`` most confident right (or wrong) predictions."""
        wanted = np.flatnonzero((self.pred_labels == self.gt_labels) == correct)
        return wanted[np.argsort(-self.pred_scores[wanted], kind='stable')][:k]

    def most_confused(self, min_count=1):
        """``[(true name, predicted name, count)]`` of the off-diagonal cells, largest first."""
        matrix = self.confusion_matrix()
        pairs = [(self.classes[t], self.classes[p], int(matrix[t, p]))
                 for t in range(len(matrix)) for p in range(len(matrix))
                 if t != p and matrix[t, p] >= min_count]
        return sorted(pairs, key=lambda pair: -pair[2])

    def caption(self, index):
        """``'true 3, pred 8 (0.91), loss 2.4'`` for image ``index``."""
        return (f'true {self.classes[self.gt_labels[index]]}, pred '
                f'{self.classes[self.pred_labels[index]]} ({self.pred_scores[index]:.2f}), '
                f'loss {self.losses[index]:.2f}')


def image_files(dataset):
    """The image path of every sample (``img_prefix`` joined with ``img_info.filename``)."""
    infos = getattr(dataset, 'data_infos', None)
    if not infos or 'img_info' not in infos[0]:
        return None
    return [os.path.join(info.get('img_prefix') or '', info['img_info']['filename']) for info in infos]


def interpret_checkpoint(config, checkpoint, split='test', device=None, options=None, batch_size=64):
    """``Interpretation`` of ``checkpoint`` on ``cfg.data[split]`` (built in test mode)."""
    from cls_lab.apis import init_model
    from cls_lab.config import Config
    from cls_lab.datasets import build_dataset
    cfg = Config.fromfile(str(config)) if not isinstance(config, Config) else config
    if options:
        cfg.merge_from_dict(options, source='--cfg-options')
    if split not in cfg.data:
        raise KeyError(f'{cfg.filename or "config"}: no data.{split} '
                       f'(the config has data.{", data.".join(k for k in ("train", "val", "test") if k in cfg.data)})')
    dataset = build_dataset(cfg.data[split], dict(test_mode=True))
    model = init_model(cfg, checkpoint, device=device, classes=dataset.CLASSES)
    return Interpretation.from_model(model, dataset, batch_size)
