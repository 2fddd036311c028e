"""Watch a data pipeline work: the image after every transform, and the keys each one touched.

A pipeline is a list of transforms, each taking and returning the sample dict. Here each
step runs on its own so its output can be drawn; parameters are editable per step, and
"re-sample" re-rolls the random transforms (the seed is shown, so a picture can be redone).
"""
import copy
import os
import random
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import torch

from ._display import error_html, figure_to_png, format_kwargs, image_widget, new_figure, \
    parse_kwargs, pre, to_display_image

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.ppm', '.pgm', '.tif', '.tiff', '.webp')


def pipeline_steps(pipeline_cfg):
    """The list of step dicts of a pipeline, also from a whole config (its ``data.train.pipeline``)."""
    if isinstance(pipeline_cfg, (list, tuple)):
        return [dict(step) for step in pipeline_cfg]
    if 'pipeline' in pipeline_cfg:
        return pipeline_steps(pipeline_cfg['pipeline'])
    if 'data' in pipeline_cfg:
        return pipeline_steps(pipeline_cfg['data']['train']['pipeline'])
    raise TypeError('pipeline_cfg must be a list of step dicts, a dataset cfg with "pipeline" '
                    f'or a config with data.train.pipeline; got {type(pipeline_cfg).__name__}')


def list_images(folder):
    """Image files under ``folder``, sorted."""
    return sorted(str(p) for p in Path(folder).rglob('*') if p.suffix.lower() in IMAGE_SUFFIXES)


def as_samples(dataset_or_images):
    """A dataset (its ``data_infos``), a folder, a path, an image array or a list of them -> sources."""
    if hasattr(dataset_or_images, 'data_infos'):
        return list(dataset_or_images.data_infos)
    if isinstance(dataset_or_images, (str, Path)):
        path = str(dataset_or_images)
        return list_images(path) if os.path.isdir(path) else [path]
    if isinstance(dataset_or_images, (list, tuple)):
        return list(dataset_or_images)
    return [dataset_or_images]


def start_sample(source, steps):
    """(the first sample dict, steps to run): an image array runs through LoadImageFromArray.

    A bare image or path gets ``gt_label=-1`` (unknown), so training pipelines run on it too.
    """
    if isinstance(source, dict):
        return copy.deepcopy(source), steps
    from cls_lab.datasets.pipelines import start_pipeline
    source = str(source) if isinstance(source, Path) else source
    sample, steps = start_pipeline(steps, source if isinstance(source, str) else np.asarray(source))
    sample['gt_label'] = np.array(-1, dtype=np.int64)
    return sample, steps


def seed_everything(seed):
    """Seed Python, NumPy and torch, so random transforms repeat for the same seed."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _same(a, b):
    """Equal values, arrays and tensors compared element-wise, dicts and lists item by item."""
    if a is b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) or torch.is_tensor(a) or torch.is_tensor(b):
        try:
            return type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype and \
                bool((a == b).all())
        except Exception:
            return False
    try:
        return bool(a == b)
    except Exception:
        return False


def key_changes(before, after):
    """(added, changed, removed) key lists between two sample dicts."""
    added = [k for k in after if k not in before]
    changed = [k for k in after if k in before and not _same(before[k], after[k])]
    removed = [k for k in before if k not in after]
    return added, changed, removed


def run_steps(steps, source, seed=None, rgb=False):
    """Run the pipeline one step at a time: a record per step (name, sample after it, key changes).

    ``rgb`` says whether the starting image is RGB (CIFAR arrays) or BGR (loaded files).
    """
    from cls_lab.datasets.pipelines import Compose   # fills TRANSFORMS
    if seed is not None:
        seed_everything(seed)
    sample, todo = start_sample(source, steps)
    records = []
    norm = None
    for step in todo:
        before = sample
        try:   # on a copy: transforms change the dict in place, and each record keeps its own
            sample = Compose([step])(copy.deepcopy(before))
        except Exception as error:
            raise PipelineStepError(f'step {len(records) + 1} {step_label(step)} failed: '
                                    f'{type(error).__name__}: {error}') from error
        if sample is None:
            raise ValueError(f'{step["type"]} returned None: the sample was dropped')
        norm_cfg = sample.get('img_norm_cfg') if step['type'] == 'Normalize' else \
            _inner_normalize(step)
        if norm_cfg is not None and norm is None:
            norm = norm_cfg
            rgb = rgb != bool(norm_cfg.get('to_rgb', False))
        added, changed, removed = key_changes(before, sample)
        records.append(dict(name=step_label(step), sample=sample, added=added, changed=changed,
                            removed=removed, rgb=rgb, norm=norm))
    return records


def _inner_normalize(step):
    """The ``Normalize`` cfg inside a wrapper step (e.g. MultiView's pipelines), or None."""
    for value in step.values():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, dict):
                if item.get('type') == 'Normalize':
                    return dict(mean=item['mean'], std=item['std'], to_rgb=item.get('to_rgb', True))
                found = _inner_normalize(item)
            elif isinstance(item, (list, tuple)):
                found = _inner_normalize({'steps': item})
            else:
                found = None
            if found:
                return found
    return None


class PipelineStepError(RuntimeError):
    """A transform failed; the message names the step number, its arguments and the cause."""


def step_label(step):
    """``RandomFlip(flip_prob=0.5)`` for a step dict."""
    args = {k: v for k, v in step.items() if k != 'type'}
    return f'{step["type"]}({format_kwargs(args)})'


def record_image(record):
    """The picture of a record's sample (first view of a multi-view sample), RGB uint8, or None."""
    img = record['sample'].get('img')
    if isinstance(img, (list, tuple)):
        img = img[0] if img else None
    if img is None:
        return None
    norm = record['norm']
    floaty = torch.is_tensor(img) or np.asarray(img).dtype != np.uint8
    if norm is not None and floaty:
        return to_display_image(img, norm['mean'], norm['std'], rgb=record['rgb'])
    return to_display_image(img, rgb=record['rgb'])


def describe_image(img):
    if isinstance(img, (list, tuple)):
        return f'{len(img)} views of ' + describe_image(img[0]) if img else 'no views'
    if torch.is_tensor(img):
        return f'tensor {tuple(img.shape)} {str(img.dtype).replace("torch.", "")}'
    if isinstance(img, np.ndarray):
        return f'{"x".join(map(str, img.shape))} {img.dtype}'
    return type(img).__name__


def draw_steps(records, seed=None):
    """Figure: one panel per step, titled with the step and the keys it added (+), changed (~), removed (-)."""
    fig = new_figure(2.6 * len(records), 3.6)
    axes = fig.subplots(1, len(records), squeeze=False)[0]
    for i, (ax, record) in enumerate(zip(axes, records)):
        picture = record_image(record)
        if picture is not None:
            ax.imshow(picture, cmap='gray' if picture.ndim == 2 else None)
        ax.set_xticks([])
        ax.set_yticks([])
        name = record['name'].split('(')[0]
        ax.set_title(f'{i + 1}. {name}\n{describe_image(record["sample"].get("img"))}', fontsize=8)
        ax.set_xlabel(_changes_text(record), fontsize=7)
    fig.suptitle('pipeline' + (f' (seed {seed})' if seed is not None else ''), fontsize=10)
    fig.tight_layout()
    return fig


def _changes_text(record, per_line=2):
    parts = [f'+{k}' for k in record['added']] + [f'~{k}' for k in record['changed']] + \
        [f'-{k}' for k in record['removed']]
    lines = [' '.join(parts[i:i + per_line]) for i in range(0, len(parts), per_line)]
    return '\n'.join(lines[:6] + (['...'] if len(lines) > 6 else [])) or '(no key changed)'


def _starts_rgb(dataset_or_images, channel_order):
    if channel_order is not None:
        return channel_order.lower() == 'rgb'
    return type(dataset_or_images).__name__.upper().startswith('CIFAR')   # CIFAR arrays are RGB


def plot_pipeline(pipeline_cfg, sample_or_image, seed=None, channel_order=None):
    """Figure: the image after every step of ``pipeline_cfg`` for one sample, path or image array.

    Arrays are taken as BGR (what ``LoadImageFromFile`` gives) unless ``channel_order='rgb'``.
    """
    rgb = _starts_rgb(sample_or_image, channel_order)
    return draw_steps(run_steps(pipeline_steps(pipeline_cfg), sample_or_image, seed, rgb), seed)


class PipelineViewer(widgets.VBox):
    """Choose a sample, edit each step's arguments, re-sample: the row of images follows."""

    def __init__(self, pipeline_cfg, dataset_or_images, seed=0, channel_order=None):
        super().__init__()
        self.samples = as_samples(dataset_or_images)
        if not self.samples:
            raise ValueError(f'no samples or images in {dataset_or_images!r}')
        self.rgb = _starts_rgb(dataset_or_images, channel_order)
        self.classes = getattr(dataset_or_images, 'CLASSES', None)
        self.steps = pipeline_steps(pipeline_cfg)
        self.seed = seed
        self.records = []
        self.figure = None
        self.index = widgets.IntSlider(value=0, min=0, max=len(self.samples) - 1, description='sample')
        self.resample = widgets.Button(description='re-sample', icon='refresh',
                                       tooltip='new random seed for the random transforms')
        self.enabled, self.arguments = [], []
        rows = []
        for step in self.steps:
            enabled = widgets.Checkbox(value=True, description=step['type'], indent=False,
                                       layout=widgets.Layout(width='220px'))
            arguments = widgets.Text(value=format_kwargs({k: v for k, v in step.items() if k != 'type'}),
                                     continuous_update=False, layout=widgets.Layout(width='560px'))
            enabled.observe(lambda _change: self.redraw(), names='value')
            arguments.observe(lambda _change: self.redraw(), names='value')
            self.enabled.append(enabled)
            self.arguments.append(arguments)
            rows.append(widgets.HBox([enabled, arguments]))
        self.status = widgets.HTML()
        self.key_table = widgets.HTML()
        self.image = image_widget()
        self.index.observe(lambda _change: self.redraw(), names='value')
        self.resample.on_click(self._resample)
        self.add_class('cls-lab-pipeline-viewer')
        self.children = [widgets.HBox([self.index, self.resample]), widgets.VBox(rows),
                         self.status, self.image, self.key_table]
        self.redraw()

    def current_steps(self):
        """The step dicts as the controls now describe them (unticked steps left out)."""
        steps = []
        for step, enabled, arguments in zip(self.steps, self.enabled, self.arguments):
            if enabled.value:
                try:
                    steps.append(dict(type=step['type'], **parse_kwargs(arguments.value)))
                except ValueError as error:
                    raise ValueError(f'{step["type"]}: {error}') from None
        return steps

    def _label_text(self):
        source = self.samples[self.index.value]
        if not isinstance(source, dict) or 'gt_label' not in source:
            return ''
        label = int(source['gt_label'])
        name = self.classes[label] if self.classes is not None and 0 <= label < len(self.classes) else ''
        return f' (gt_label {label}{": " + str(name) if name != "" else ""})'

    def _resample(self, _button=None):
        self.seed += 1
        self.redraw()

    def redraw(self):
        """Re-run the pipeline on the chosen sample and redraw; a bad argument shows its error."""
        try:
            self.records = run_steps(self.current_steps(), self.samples[self.index.value],
                                     self.seed, self.rgb)
            if not self.records:
                raise ValueError('every step is switched off: tick at least one')
            self.figure = draw_steps(self.records, self.seed)
            self.image.value = figure_to_png(self.figure)
            self.status.value = pre(f'sample {self.index.value}{self._label_text()}, '
                                    f'seed {self.seed}, {len(self.records)} steps')
            self.key_table.value = pre('\n'.join(f'{i + 1}. {r["name"]}\n   {_changes_text(r, 99)}'
                                            for i, r in enumerate(self.records)))
        except Exception as error:   # the last good picture stays; the error says what broke
            self.status.value = error_html(error)
