"""Check a data set's files before training: every listed image exists, every image decodes.

``check_files_exist`` is cheap (one stat per file) and runs before epoch 1 of every training;
``find_broken_images`` decodes everything through the loading step, for
``python -m cls_lab verify-dataset CONFIG``.
"""
import copy
import os.path as osp

from cls_lab.errors import DataError

from .pipelines.loading import LoadImageFromFile


def leaf_datasets(dataset):
    """The datasets holding ``data_infos`` inside wrappers (Repeat, ClassBalanced, Concat, SelfSup)."""
    if hasattr(dataset, 'data_infos'):
        return [dataset]
    if hasattr(dataset, 'datasets'):
        return [leaf for part in dataset.datasets for leaf in leaf_datasets(part)]
    if hasattr(dataset, 'dataset'):
        return leaf_datasets(dataset.dataset)
    return []


def loading_step(dataset):
    """The dataset's LoadImageFromFile step, or None when its samples are arrays (CIFAR)."""
    return _find_loading(dataset.pipeline.transforms)


def _find_loading(transforms):
    for transform in transforms:
        if isinstance(transform, LoadImageFromFile):
            return transform
        for view in getattr(transform, 'pipelines', []):   # MultiView: each view loads
            found = _find_loading(view.transforms)
            if found is not None:
                return found
    return None


def image_path(info):
    prefix, filename = info.get('img_prefix'), info['img_info']['filename']
    return osp.join(prefix, filename) if prefix else filename


def check_files_exist(dataset, name='the data set', shown=5):
    """Raise a DataError naming the first ``shown`` listed images that are not on disk."""
    for leaf in leaf_datasets(dataset):
        step = loading_step(leaf)
        if step is None or step.file_client_args.get('backend', 'disk') != 'disk':
            continue
        paths = [image_path(info) for info in leaf.data_infos if 'img_info' in info]
        missing = [path for path in paths if not osp.isfile(path)]
        if missing:
            listed = ', '.join(missing[:shown]) + (', ...' if len(missing) > shown else '')
            where = f'ann_file {leaf.ann_file}' if leaf.ann_file else f'data_prefix {leaf.data_prefix}'
            raise DataError(f'{name}: {len(missing)} of {len(paths)} images listed by {where} '
                            f'do not exist: {listed}; fix the paths or the list')


def find_broken_images(dataset, progress=None):
    """``[(path, reason)]`` for every image that the loading step cannot read or decode."""
    broken = []
    for leaf in leaf_datasets(dataset):
        step = loading_step(leaf)
        if step is None:
            continue
        for info in leaf.data_infos:
            try:
                step(copy.deepcopy(info))
            except OSError as error:
                broken.append((image_path(info), str(error)))
            if progress is not None:
                progress()
    return broken
