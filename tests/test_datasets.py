"""Datasets: folder and list formats, Filelist, ImageNet, CIFAR (fake batches), bad data, evaluate."""
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cls_lab.datasets import (CIFAR10, CIFAR100, BaseDataset, CustomDataset, Filelist, ImageNet,
                              build_dataset)
from cls_lab.registry import DATASETS

ROOT = Path(__file__).resolve().parents[1]
DIGITS = ROOT / 'data_samples' / 'digits'
LOAD = [dict(type='LoadImageFromFile')]


def make_folders(root, counts=(3, 2), size=(6, 5)):
    """root/<class>/<i>.png with a distinct colour per class; returns the class names."""
    names = [f'class_{c}' for c in range(len(counts))]
    for label, (name, count) in enumerate(zip(names, counts)):
        (root / name).mkdir(parents=True)
        for i in range(count):
            Image.fromarray(np.full((*size, 3), 40 * label + i, np.uint8)).save(root / name / f'{i}.png')
    (root / names[0] / 'notes.txt').write_text('not an image')
    return names


def test_custom_dataset_from_class_folders(tmp_path):
    names = make_folders(tmp_path)
    dataset = CustomDataset(str(tmp_path), LOAD)
    assert dataset.CLASSES == names and len(dataset) == 5
    assert dataset.class_to_idx == {'class_0': 0, 'class_1': 1}
    assert list(dataset.get_gt_labels()) == [0, 0, 0, 1, 1]
    assert dataset.get_cat_ids(4) == [1]
    info = dataset.data_infos[3]
    assert info['img_prefix'] == str(tmp_path) and info['img_info'] == {'filename': 'class_1/0.png'}
    assert info['gt_label'].dtype == np.int64
    sample = dataset[3]
    assert sample['img'].shape == (6, 5, 3) and np.all(sample['img'] == 40)
    only = CustomDataset(str(tmp_path), LOAD, classes=['class_1'])
    assert only.CLASSES == ['class_1'] and len(only) == 2 and list(only.get_gt_labels()) == [0, 0]


def test_custom_dataset_from_ann_file_and_classes_file(tmp_path):
    make_folders(tmp_path)
    (tmp_path / 'list.txt').write_text('class_1/1.png 1\n\nclass_0/2.png 0\n')
    (tmp_path / 'classes.txt').write_text('zero\none\n')
    dataset = CustomDataset(str(tmp_path), LOAD, classes=str(tmp_path / 'classes.txt'),
                            ann_file=str(tmp_path / 'list.txt'))
    assert dataset.CLASSES == ['zero', 'one'] and list(dataset.get_gt_labels()) == [1, 0]
    assert np.all(dataset[0]['img'] == 41)


def test_digits_sample_data_in_imagenet_format():
    train = CustomDataset(str(DIGITS / 'train'), LOAD)
    val = build_dataset(dict(type='ImageNet', data_prefix=str(DIGITS / 'val'),
                             ann_file=str(DIGITS / 'meta' / 'val.txt'), pipeline=LOAD))
    assert train.CLASSES == [str(c) for c in range(10)]
    assert len(train) == 1437 and len(val) == 360
    assert np.bincount(val.get_gt_labels()).min() >= 35   # stratified
    sample = val[0]
    assert sample['img'].shape == (32, 32, 3)
    assert np.all(sample['img'][..., 0] == sample['img'][..., 2])   # grey as RGB


def test_make_digits_rebuilds_the_shipped_images():
    """make_digits.py is the recipe of data_samples/digits: its output equals the stored PNGs."""
    import runpy
    from sklearn.datasets import load_digits
    module = runpy.run_path(str(ROOT / 'data_samples' / 'make_digits.py'))
    digits = load_digits()
    for split in ('train', 'val'):
        for line in (DIGITS / 'meta' / f'{split}.txt').read_text().splitlines()[::97]:
            relative, label = line.split()
            index = int(Path(relative).stem)     # files are named by their scikit-learn index
            assert int(label) == digits.target[index] == int(Path(relative).parent.name)
            rebuilt = np.asarray(module['to_png_image'](digits.images[index]))
            with Image.open(DIGITS / split / relative) as stored:
                np.testing.assert_array_equal(rebuilt, np.asarray(stored.convert('RGB')))


def test_imagenet_has_the_1000_class_names():
    assert len(ImageNet.CLASSES) == 1000
    assert ImageNet.CLASSES[:3] == ['tench', 'goldfish', 'great white shark']
    assert ImageNet.CLASSES[-1] == 'toilet tissue'


def test_filelist_as_in_the_tutorial(tmp_path):
    for name in ('000001.jpg', '000002.jpg'):
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / name)
    (tmp_path / 'image_list.txt').write_text('000001.jpg 0\n000002.jpg 1\n')
    dataset = build_dataset(dict(type='Filelist', data_prefix=str(tmp_path), classes=['a', 'b'],
                                 ann_file=str(tmp_path / 'image_list.txt'), pipeline=LOAD))
    assert isinstance(dataset, Filelist) and len(dataset) == 2
    assert dataset.data_infos[1] == dict(img_prefix=str(tmp_path),
                                         img_info=dict(filename='000002.jpg'),
                                         gt_label=np.array(1, dtype=np.int64))
    assert dataset[1]['img'].shape == (4, 4, 3)


def test_a_dataset_without_load_annotations_says_what_to_write():
    class Forgetful(BaseDataset):
        pass

    with pytest.raises(TypeError, match='load_annotations'):   # an abstract method, as mmcls
        Forgetful('somewhere', [])


def test_custom_dataset_registered_by_the_user(tmp_path):
    @DATASETS.register_module(force=True)
    class Squares(BaseDataset):
        CLASSES = ['dark', 'light']

        def load_annotations(self):
            return [dict(img=np.full((2, 2, 3), 255 * i, np.uint8), gt_label=np.array(i))
                    for i in range(2)]

    dataset = build_dataset(dict(type='Squares', data_prefix=None, pipeline=[]))
    assert len(dataset) == 2 and dataset[1]['img'].max() == 255


# ---- bad data --------------------------------------------------------------------------------

def test_corrupt_image_names_the_file_or_is_skipped(tmp_path):
    make_folders(tmp_path)
    (tmp_path / 'class_0' / '1.png').write_bytes(b'\x89PNG broken')
    dataset = CustomDataset(str(tmp_path), LOAD)
    with pytest.raises(OSError, match='class_0/1.png'):
        dataset[1]
    skipping = CustomDataset(str(tmp_path), LOAD, skip_broken=True)
    with pytest.warns(UserWarning, match='1 skipped'):
        sample = skipping[1]
    assert sample['ori_filename'] == 'class_0/2.png'
    assert skipping.num_skipped == 1


def test_bad_ann_line_names_file_and_line(tmp_path):
    (tmp_path / 'list.txt').write_text('a.png 0\nb.png zero\n')
    with pytest.raises(ValueError, match=r'list.txt, line 2'):
        CustomDataset(str(tmp_path), LOAD, ann_file=str(tmp_path / 'list.txt'))
    (tmp_path / 'tut.txt').write_text('a.png 0\n\nb.png\n')
    with pytest.raises(ValueError, match=r'tut.txt, line 3'):
        Filelist(str(tmp_path), LOAD, ann_file=str(tmp_path / 'tut.txt'))


def test_label_out_of_range_names_the_sample(tmp_path):
    (tmp_path / 'list.txt').write_text('a.png 0\nb.png 7\n')
    with pytest.raises(ValueError, match=r'b.png.*label 7.*\[0, 2\)'):
        CustomDataset(str(tmp_path), LOAD, classes=['x', 'y'], ann_file=str(tmp_path / 'list.txt'))
    (tmp_path / 'neg.txt').write_text('a.png -1\n')
    with pytest.raises(ValueError, match='label -1'):
        CustomDataset(str(tmp_path), LOAD, ann_file=str(tmp_path / 'neg.txt'))


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        CustomDataset(str(tmp_path / 'nowhere'), LOAD)


# ---- CIFAR with fake batches -----------------------------------------------------------------

def write_cifar10(root, per_batch=4):
    folder = root / 'cifar-10-batches-py'
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for index, name in enumerate([f'data_batch_{i}' for i in range(1, 6)] + ['test_batch']):
        batch = {'data': rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 'labels': [(index + i) % 10 for i in range(per_batch)],
                 'filenames': [f'{name}_{i}.png' for i in range(per_batch)]}
        with open(folder / name, 'wb') as f:
            pickle.dump(batch, f, protocol=2)
    with open(folder / 'batches.meta', 'wb') as f:
        pickle.dump({'label_names': [f'name{i}' for i in range(10)]}, f, protocol=2)
    return folder


def test_cifar10_reads_fake_batches(tmp_path):
    folder = write_cifar10(tmp_path)
    with pytest.warns(UserWarning, match='md5'):
        train = CIFAR10(str(tmp_path), [])
    assert len(train) == 20 and train.CLASSES[0] == 'name0'
    with open(folder / 'data_batch_1', 'rb') as f:
        raw = pickle.load(f)
    expected = raw['data'][0].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(train.data_infos[0]['img'], expected)   # HWC RGB
    assert int(train.data_infos[0]['gt_label']) == raw['labels'][0]
    with pytest.warns(UserWarning):
        test = CIFAR10(str(tmp_path), [], test_mode=True)
    assert len(test) == 4
    with pytest.warns(UserWarning):
        named = CIFAR10(str(tmp_path), [], classes=[str(i) for i in range(10)])
    assert named.CLASSES == [str(i) for i in range(10)]


def test_cifar100_fine_labels(tmp_path):
    folder = tmp_path / 'cifar-100-python'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, n in (('train', 6), ('test', 3)):
        with open(folder / name, 'wb') as f:
            pickle.dump({'data': rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                         'fine_labels': list(range(90, 90 + n)), 'coarse_labels': [0] * n}, f)
    with open(folder / 'meta', 'wb') as f:
        pickle.dump({'fine_label_names': [f'c{i}' for i in range(100)]}, f)
    with pytest.warns(UserWarning):
        dataset = CIFAR100(str(tmp_path), [])
    assert len(dataset) == 6 and len(dataset.CLASSES) == 100
    assert list(dataset.get_gt_labels()) == list(range(90, 96))


def test_cifar_missing_data_says_where_to_put_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'cifar-10-python.tar.gz.*data_batch_1'):
        CIFAR10(str(tmp_path), [])


def test_cifar_unpickler_refuses_code(tmp_path):
    folder = write_cifar10(tmp_path)

    class Evil:
        def __reduce__(self):
            return (os.system, ('echo pwned',))

    with open(folder / 'data_batch_1', 'wb') as f:
        pickle.dump({'data': Evil(), 'labels': []}, f)
    with pytest.warns(UserWarning), pytest.raises(pickle.UnpicklingError, match='system'):
        CIFAR10(str(tmp_path), [])


def test_pipeline_never_changes_the_stored_sample(tmp_path):
    write_cifar10(tmp_path)
    pipeline = [dict(type='RandomErasing', erase_prob=1.0),
                dict(type='RandomCrop', size=32, padding=4),
                dict(type='Normalize', mean=[0] * 3, std=[1] * 3, to_rgb=False)]
    with pytest.warns(UserWarning):
        dataset = CIFAR10(str(tmp_path), pipeline)
    before = dataset.data_infos[0]['img'].copy()
    for _ in range(3):
        dataset[0]
    np.testing.assert_array_equal(dataset.data_infos[0]['img'], before)
    assert set(dataset.data_infos[0]) == {'img', 'gt_label'}


def test_custom_dataset_refuses_classes_without_folders(tmp_path):
    """classes=['dog', 'cats'] over folders cat/, dog/ must not silently label cats as 'dog'."""
    from PIL import Image
    for folder in ('cat', 'dog'):
        (tmp_path / folder).mkdir()
        Image.new('RGB', (4, 4)).save(tmp_path / folder / 'a.png')
    with pytest.raises(ValueError, match=r"classes \['cats'\] have no folder in .*folders: \['cat', 'dog'\]"):
        CustomDataset(str(tmp_path), classes=['dog', 'cats'])
    picked = CustomDataset(str(tmp_path), classes=['dog'])
    assert picked.CLASSES == ['dog'] and len(picked) == 1
