"""dataset.evaluate (mmcls 0.x keys, checked against scikit-learn) and the dataset wrappers."""
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support, top_k_accuracy_score

from cls_lab.datasets import (BaseDataset, ClassBalancedDataset, ConcatDataset, RepeatDataset,
                              build_dataset)
from cls_lab.datasets.metrics import accuracy, confusion_matrix, precision_recall_f1, support
from cls_lab.registry import DATASETS


@DATASETS.register_module(force=True)
class ToyLabels(BaseDataset):
    """A dataset of labels only, for evaluation and wrapper tests."""

    CLASSES = ['a', 'b', 'c', 'd']

    def __init__(self, labels, **kwargs):
        self.labels = list(labels)
        super().__init__(data_prefix=None, pipeline=[], **kwargs)

    def load_annotations(self):
        return [dict(gt_label=np.array(label, dtype=np.int64), index=i)
                for i, label in enumerate(self.labels)]


def random_scores(n, c, seed=0):
    scores = np.random.default_rng(seed).random((n, c))
    return scores / scores.sum(1, keepdims=True)


def test_evaluate_matches_sklearn():
    labels = np.random.default_rng(1).integers(0, 4, 60)
    scores = random_scores(60, 4)
    dataset = ToyLabels(labels)
    results = dataset.evaluate(list(scores), metric=['accuracy', 'precision', 'recall',
                                                     'f1_score', 'support'],
                               metric_options=dict(topk=(1, 2)))
    assert results['accuracy_top-1'] == pytest.approx(100 * accuracy_score(labels, scores.argmax(1)))
    assert results['accuracy_top-2'] == pytest.approx(
        100 * top_k_accuracy_score(labels, scores, k=2, labels=range(4)))
    p, r, f, _ = precision_recall_fscore_support(labels, scores.argmax(1), average='macro',
                                                 labels=range(4), zero_division=0)
    assert results['precision'] == pytest.approx(100 * p)
    assert results['recall'] == pytest.approx(100 * r)
    assert results['f1_score'] == pytest.approx(100 * f)
    assert results['support'] == 60


def test_per_class_metrics_and_confusion_matrix_match_sklearn():
    labels = np.array([0, 0, 1, 1, 2, 2, 2])
    scores = np.eye(3)[[0, 1, 1, 1, 0, 2, 2]] + 0.01
    p, r, f = precision_recall_f1(scores, labels, average_mode='none')
    sp, sr, sf, ss = precision_recall_fscore_support(labels, scores.argmax(1), zero_division=0)
    np.testing.assert_allclose(p, 100 * sp)
    np.testing.assert_allclose(r, 100 * sr)
    np.testing.assert_allclose(f, 100 * sf)
    np.testing.assert_array_equal(support(scores, labels, 'none'), ss)
    assert confusion_matrix(scores, labels).tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 2]]


def test_default_topk_is_1_and_5_and_is_clipped_to_the_classes():
    dataset = ToyLabels([0, 1, 2, 3])
    results = dataset.evaluate(random_scores(4, 4))
    assert set(results) == {'accuracy_top-1', 'accuracy_top-5'}
    assert results['accuracy_top-5'] == 100.0   # 5 > 4 classes: every class is in the top 5
    single = dataset.evaluate(np.eye(4), metric_options=dict(topk=1))
    assert single == {'accuracy': 100.0}


def test_thresholds_give_suffixed_keys():
    dataset = ToyLabels([0, 1, 2, 3])
    scores = np.array([[0.9, 0.1, 0, 0], [0.4, 0.6, 0, 0], [0.3, 0.3, 0.4, 0], [0.7, 0, 0, 0.3]])
    results = dataset.evaluate(scores, metric=['accuracy', 'precision'],
                               metric_options=dict(topk=(1,), thrs=(0.5, 0.65)))
    assert results['accuracy_top-1_thr_0.50'] == 50.0
    assert results['accuracy_top-1_thr_0.65'] == 25.0
    assert set(results) == {'accuracy_top-1_thr_0.50', 'accuracy_top-1_thr_0.65',
                            'precision_thr_0.50', 'precision_thr_0.65'}
    assert accuracy(scores, np.array([0, 1, 2, 3]), topk=1, thrs=0.5) == 50.0


def test_evaluate_errors():
    dataset = ToyLabels([0, 1])
    with pytest.raises(ValueError, match='not supported'):
        dataset.evaluate(np.eye(4)[:2], metric='mAP')
    with pytest.raises(ValueError, match='3 results for 2 samples'):
        dataset.evaluate(np.eye(4)[:3])


def test_repeat_dataset():
    dataset = RepeatDataset(ToyLabels([0, 1, 2]), times=3)
    assert len(dataset) == 9 and dataset[7]['index'] == 1 and dataset.get_cat_ids(5) == [2]
    assert dataset.CLASSES == ['a', 'b', 'c', 'd']


def test_class_balanced_dataset_repeat_factors():
    labels = [0] * 8 + [1] * 2     # f(0) = 0.8, f(1) = 0.2
    dataset = ClassBalancedDataset(ToyLabels(labels), oversample_thr=0.5)
    # r(0) = max(1, sqrt(0.5 / 0.8)) = 1; r(1) = sqrt(0.5 / 0.2) = 1.58 -> ceil 2 copies
    assert len(dataset) == 8 + 2 * 2
    assert sorted(dataset.get_cat_ids(i)[0] for i in range(len(dataset))) == [0] * 8 + [1] * 4
    assert len(ClassBalancedDataset(ToyLabels(labels), oversample_thr=1e-3)) == 10


def test_concat_dataset_and_its_evaluation():
    first, second = ToyLabels([0, 1]), ToyLabels([2, 3, 3])
    dataset = ConcatDataset([first, second])
    assert len(dataset) == 5 and dataset[3]['index'] == 1 and dataset.get_cat_ids(4) == [3]
    scores = np.eye(4)[[0, 1, 2, 3, 0]] + 0.01
    separate = dataset.evaluate(scores, metric_options=dict(topk=(1,)))
    assert separate == {'0_accuracy_top-1': 100.0, '1_accuracy_top-1': pytest.approx(200 / 3)}
    together = ConcatDataset([first, second], separate_eval=False).evaluate(
        scores, metric_options=dict(topk=(1,)))
    assert together == {'accuracy_top-1': 80.0}


def test_build_dataset_lists_and_wrappers():
    toy = dict(type='ToyLabels', labels=[0, 1])
    assert isinstance(build_dataset([toy, toy]), ConcatDataset)
    repeated = build_dataset(dict(type='RepeatDataset', times=2, dataset=toy))
    assert isinstance(repeated, RepeatDataset) and len(repeated) == 4
    balanced = build_dataset(dict(type='ClassBalancedDataset', oversample_thr=0.1, dataset=toy))
    assert isinstance(balanced, ClassBalancedDataset)
    chained = build_dataset(dict(type='ConcatDataset', datasets=[toy, toy], separate_eval=False))
    assert len(chained) == 4 and not chained.separate_eval
    assert build_dataset(toy, default_args=dict(test_mode=True)).test_mode is True
    with pytest.raises(KeyError, match='ToyLabel'):
        build_dataset(dict(type='ToyLabel', labels=[0]))
