"""Data sets mmcls 0.25 configs name, built offline from small files written here.

The metric values were computed by mmcls 0.25.0 (mmcls.core.evaluation) on the same inputs.
"""
import gzip
import pickle
import warnings

import numpy as np
import pytest

from cls_lab.datasets import (CUB, MNIST, VOC, FashionMNIST, ImageNet, ImageNet21k,
                              MultiLabelDataset, StanfordCars, average_performance,
                              build_dataset, mAP)
from cls_lab.datasets.cifar import load_batch

PRED = np.array([[0.805, 0.808, 0.515, 0.286], [0.054, 0.383, 0.408, 0.045],
                 [0.049, 0.999, 0.652, 0.235], [0.435, 0.974, 0.898, 0.844],
                 [0.392, 0.493, 0.677, 0.061], [0.556, 0.271, 0.88, 0.064]])
TARGET = np.array([[1, 1, 1, 1], [0, -1, 0, 1], [1, 1, -1, -1], [1, 1, 1, -1], [-1, 0, 0, 0],
                   [1, -1, 0, -1]])


def test_multi_label_metrics_match_mmcls():
    assert mAP(PRED, TARGET) == pytest.approx(88.33333333333333)
    assert average_performance(PRED, TARGET, thr=0.4) == pytest.approx(
        (52.083333333333336, 68.75, 59.26724137931035, 57.14285714285714, 72.72727272727273, 64.0))
    assert average_performance(PRED, TARGET, k=2) == pytest.approx(
        (45.0, 50.0, 47.36842105263158, 50.0, 54.54545454545454, 52.173913043478265))
    with pytest.warns(UserWarning, match='thr=0.5'):
        average_performance(PRED, TARGET)


def write_voc(root, objects):
    voc = root / 'VOC2007'
    (voc / 'Annotations').mkdir(parents=True)
    (voc / 'ImageSets' / 'Main').mkdir(parents=True)
    for image_id, objs in objects.items():
        body = ''.join(f'<object><name>{name}</name><difficult>{int(hard)}</difficult></object>'
                       for name, hard in objs)
        (voc / 'Annotations' / f'{image_id}.xml').write_text(f'<annotation>{body}</annotation>')
    (voc / 'ImageSets' / 'Main' / 'trainval.txt').write_text('\n'.join(objects) + '\n')
    return voc


def test_voc_reads_the_xml_layout_and_evaluates_map(tmp_path):
    voc = write_voc(tmp_path, {'000001': [('dog', 0), ('person', 1)], '000002': [('cat', 0)]})
    cfg = dict(type='VOC', data_prefix=str(voc), pipeline=[],
               ann_file=str(voc / 'ImageSets' / 'Main' / 'trainval.txt'))
    dataset = build_dataset(cfg)
    labels = dataset.get_gt_labels()
    assert labels.shape == (2, 20) and labels[0, VOC.CLASSES.index('dog')] == 1
    assert labels[0, VOC.CLASSES.index('person')] == -1 and dataset.get_cat_ids(1) == [7]
    assert dataset.data_infos[0]['img_info']['filename'] == 'JPEGImages/000001.jpg'
    assert build_dataset(dict(cfg, difficult_as_postive=True)).get_gt_labels()[0, 14] == 1
    scores = [np.eye(20)[11] + 0.1, np.eye(20)[7]]
    result = dataset.evaluate(scores, metric=['mAP', 'CP', 'OF1'], metric_options=dict(k=1))
    # classes without a positive score AP 0, as mmcls: 2 perfect classes of 20
    assert set(result) == {'mAP', 'CP', 'OF1'} and result['mAP'] == pytest.approx(10.0)
    with pytest.raises(ValueError, match='accuracy'):
        dataset.evaluate(scores, metric='accuracy')
    (voc / 'Annotations' / '000002.xml').unlink()
    with pytest.raises(FileNotFoundError, match='000002.xml'):
        build_dataset(cfg)


def test_multi_label_dataset_checks_its_label_vectors(tmp_path):
    class Listed(MultiLabelDataset):
        CLASSES = ('a', 'b')

        def load_annotations(self):
            return [dict(img=np.zeros((2, 2, 3), np.uint8), gt_label=np.array([1, 2]))]

    with pytest.raises(ValueError, match='-1, 0, 1'):
        Listed(data_prefix=None, pipeline=[])


def write_idx(path, array, code):
    header = bytes([0, 0, code, array.ndim]) + b''.join(d.to_bytes(4, 'big') for d in array.shape)
    data = header + array.tobytes()
    (gzip.open if path.suffix == '.gz' else open)(path, 'wb').write(data)


def test_mnist_and_fashion_mnist_from_idx_files(tmp_path):
    images = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)
    write_idx(tmp_path / 't10k-images-idx3-ubyte.gz', images, 0x08)
    write_idx(tmp_path / 't10k-labels-idx1-ubyte', np.array([7, 0, 9], np.uint8), 0x08)
    test = MNIST(data_prefix=str(tmp_path), pipeline=[], test_mode=True)
    assert len(test) == 3 and list(test.get_gt_labels()) == [7, 0, 9]
    np.testing.assert_array_equal(test.data_infos[1]['img'], images[1])
    assert FashionMNIST(data_prefix=str(tmp_path), pipeline=[], test_mode=True).CLASSES[9] == 'Ankle boot'
    with pytest.raises(FileNotFoundError, match='never downloads'):
        MNIST(data_prefix=str(tmp_path), pipeline=[])   # no train files


def test_cub_splits_by_the_train_test_file(tmp_path):
    (tmp_path / 'images.txt').write_text('1 001.a/x.jpg\n2 002.b/y.jpg\n3 002.b/z.jpg\n')
    (tmp_path / 'labels.txt').write_text('1 1\n2 2\n3 2\n')
    (tmp_path / 'split.txt').write_text('1 1\n2 0\n3 1\n')
    args = dict(data_prefix=str(tmp_path), pipeline=[], ann_file=str(tmp_path / 'images.txt'),
                image_class_labels_file=str(tmp_path / 'labels.txt'),
                train_test_split_file=str(tmp_path / 'split.txt'))
    train, test = CUB(**args), CUB(**args, test_mode=True)
    assert [i['img_info']['filename'] for i in train.data_infos] == ['001.a/x.jpg', '002.b/z.jpg']
    assert list(train.get_gt_labels()) == [0, 1] and len(test) == 1
    assert len(CUB.CLASSES) == 200 and CUB.CLASSES[0] == 'Black_footed_Albatross'


def test_stanford_cars_from_the_devkit_mat_file(tmp_path):
    scipy_io = pytest.importorskip('scipy.io')
    fields = [(name, 'O') for name in ('bbox_x1', 'bbox_y1', 'bbox_x2', 'bbox_y2', 'class', 'fname')]
    annotations = np.zeros((1, 2), dtype=fields)
    for i, (label, name) in enumerate([(3, '00001.jpg'), (196, '00002.jpg')]):
        annotations[0, i] = (np.array([[1]]),) * 4 + (np.array([[label]]), np.array([name]))
    (tmp_path / 'devkit').mkdir()
    scipy_io.savemat(tmp_path / 'devkit' / 'cars_train_annos.mat', {'annotations': annotations})
    cars = StanfordCars(data_prefix=str(tmp_path), test_mode=False, pipeline=[])
    assert list(cars.get_gt_labels()) == [2, 195] and cars.data_prefix.endswith('cars_train')
    assert cars.data_infos[1]['img_info']['filename'] == '00002.jpg' and len(cars.CLASSES) == 196
    with pytest.raises(FileNotFoundError, match='cars_test_annos_withlabels.mat'):
        StanfordCars(data_prefix=str(tmp_path), test_mode=True, pipeline=[])


def test_imagenet_needs_its_1000_folders_and_imagenet21k_takes_any(tmp_path):
    for name in ('n01', 'n02'):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'a.png').write_bytes(b'')
    with pytest.raises(ValueError, match=r"class folders \(2\) doesn't match"):
        ImageNet(data_prefix=str(tmp_path), pipeline=[])
    assert ImageNet(data_prefix=str(tmp_path), pipeline=[], classes=['n01', 'n02']).CLASSES == ['n01', 'n02']
    with pytest.warns(UserWarning, match='ann_file'):
        big = ImageNet21k(data_prefix=str(tmp_path), classes=['n01', 'n02'])
    assert len(big) == 2
    with pytest.raises(NotImplementedError):
        ImageNet21k(data_prefix=str(tmp_path), multi_label=True)


def test_kfold_splits_and_evaluates_its_part(tmp_path):
    for name in ('a', 'b'):
        (tmp_path / name).mkdir()
        for i in range(5):
            (tmp_path / name / f'{i}.png').write_bytes(b'')
    inner = dict(type='CustomDataset', data_prefix=str(tmp_path), pipeline=[])
    test = build_dataset(dict(type='KFoldDataset', dataset=inner, fold=1, num_splits=5),
                         dict(test_mode=True))
    train = build_dataset(dict(type='KFoldDataset', dataset=inner, fold=1, num_splits=5, seed=0))
    assert test.indices == [2, 3] and len(train) == 8 and set(train.indices).isdisjoint(
        build_dataset(dict(type='KFoldDataset', dataset=inner, fold=1, seed=0, test_mode=True)).indices)
    assert list(test.get_gt_labels()) == [0, 0]
    assert test.evaluate([np.array([0.9, 0.1])] * 2, metric_options=dict(topk=(1,)))['accuracy_top-1'] == 100


def test_cifar_batch_with_numpy_scalar_labels_loads(tmp_path):
    batch = {'data': np.zeros((2, 3072), np.uint8), 'labels': [np.int64(3), np.int64(5)]}
    with open(tmp_path / 'batch', 'wb') as f:
        pickle.dump(batch, f, protocol=2)
    loaded = load_batch(tmp_path / 'batch')
    assert [int(v) for v in loaded['labels']] == [3, 5]

    class Evil:
        def __reduce__(self):
            return (warnings.warn, ('ran code',))
    with open(tmp_path / 'evil', 'wb') as f:
        pickle.dump({'labels': Evil()}, f, protocol=2)
    with pytest.raises(pickle.UnpicklingError):
        load_batch(tmp_path / 'evil')
