"""Predict with a trained classifier: init_model -> inference_model -> show_result_pyplot.

    config = 'configs/resnet/resnet18-narrow_1xb32-coslr-4e_digits.py'
    model = init_model(config, 'work_dirs/resnet18-narrow_1xb32-coslr-4e_digits/latest.pth')
    result = inference_model(model, 'data_samples/digits/val/3/0045.png')
    show_result_pyplot(model, 'data_samples/digits/val/3/0045.png', result)
"""
import copy
import warnings
from pathlib import Path

import numpy as np
import torch

from cls_lab.config import Config
from cls_lab.datasets.pipelines import Compose, decode_bgr, start_pipeline
from cls_lab.engine.checkpoint import load_checkpoint
from cls_lab.models import build_classifier


def default_device():
    """``'cuda'`` when a GPU is visible, else ``'cpu'``."""
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def init_model(config, checkpoint=None, device=None, options=None, classes=None,
               allow_partial=False):
    """Build the classifier of ``config`` (a path or a Config), load ``checkpoint``, eval mode.

    ``options`` (``{'model.head.num_classes': 5}``) override config keys first. The model
    keeps its config as ``model.cfg`` and its class names as ``model.CLASSES``: the
    checkpoint's, else ``classes`` (e.g. the test set's), else ImageNet's or the indices.
    A checkpoint that does not fill every tensor of the model is an error unless
    ``allow_partial=True`` (mmcls loads it with a warning and predicts with random weights).
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    elif isinstance(config, Config):
        config = copy.deepcopy(config)
    else:
        raise TypeError('config must be a config file path or a Config, '
                        f'got {type(config).__name__}')
    if options is not None:
        config.merge_from_dict(options)
    if 'pretrained' in config.model:
        config.model.pretrained = None   # weights come from ``checkpoint``, not from init
    model = build_classifier(config.model)
    if checkpoint is not None:
        state = load_checkpoint(model, str(checkpoint), map_location='cpu',
                                allow_partial=allow_partial)
        saved = (state.get('meta') or {}).get('CLASSES') if isinstance(state, dict) else None
        classes = saved if saved is not None else classes
    model.CLASSES = list(classes) if classes is not None else _fallback_classes(model, checkpoint)
    model.cfg = config
    model.to(device or default_device())
    model.eval()
    return model


def _fallback_classes(model, checkpoint):
    """ImageNet's names for a 1000-way head, else '0', '1', ... (with a warning either way)."""
    from cls_lab.datasets import ImageNet
    num_classes = getattr(getattr(model, 'head', None), 'num_classes', None)
    where = f'checkpoint {checkpoint}' if checkpoint else 'no checkpoint'
    if num_classes in (None, len(ImageNet.CLASSES)):
        warnings.warn(f'no class names in the meta of {where}; using the ImageNet classes')
        return list(ImageNet.CLASSES)
    warnings.warn(f'no class names in the meta of {where}; naming the {num_classes} '
                  'classes by their index')
    return [str(index) for index in range(num_classes)]


def inference_model(model, img):
    """Classify one image: a file path or an HWC **BGR** uint8 array (as LoadImageFromFile gives).

    The image goes through ``model.cfg.data.test.pipeline`` (an array through
    LoadImageFromArray instead of the file loader); returns
    ``dict(pred_label=int, pred_score=float, pred_class=str)``.
    """
    device = next(model.parameters()).device
    if isinstance(img, (str, Path)) and not Path(img).is_file():
        raise FileNotFoundError(f'inference_model: image file {img} does not exist')
    sample, steps = start_pipeline(model.cfg.data.test.pipeline, img)
    data = Compose(steps)(sample)
    img_tensor = torch.as_tensor(data['img']).unsqueeze(0).to(device)
    with torch.no_grad():
        scores = model(img=img_tensor, return_loss=False)[0]
    scores = np.asarray(scores)
    label = int(np.argmax(scores))
    return dict(pred_label=label, pred_score=float(scores[label]),
                pred_class=str(model.CLASSES[label]))


def show_result_pyplot(model, img, result, fig_size=(8, 6), title='result', wait_time=0):
    """Draw ``img`` with its predicted class and score; returns the matplotlib Figure.

    In a notebook (or headless) nothing pops up: the returned Figure shows as the cell's
    value. With a desktop matplotlib backend the window opens (for ``wait_time`` seconds,
    or until closed when 0).
    """
    gui = _gui_backend()
    if gui:
        import matplotlib.pyplot as plt
        figure = plt.figure(figsize=fig_size)
    else:   # a free-standing Figure: a notebook shows it once, as the cell's value
        from matplotlib.figure import Figure
        figure = Figure(figsize=fig_size)
    draw_result(figure, img, result, title)
    if gui:
        if wait_time > 0:
            plt.show(block=False)
            plt.pause(wait_time)
        else:
            plt.show()
    return figure


def draw_result(figure, img, result, title='result'):
    """Paint ``img`` and a ``class (label): score`` badge from ``result`` onto ``figure``."""
    rgb = read_rgb(img)
    axes = figure.add_subplot(1, 1, 1)
    axes.imshow(rgb, cmap='gray' if rgb.ndim == 2 else None)
    axes.set_axis_off()
    axes.set_title(title)
    text = f"{result['pred_class']} ({result['pred_label']}): {result['pred_score']:.3f}"
    axes.text(0.02, 0.98, text, transform=axes.transAxes, va='top', ha='left', fontsize=12,
              color='white', bbox=dict(facecolor='black', alpha=0.6, edgecolor='none'))
    figure.tight_layout()
    return figure


def read_rgb(img):
    """An image path or a BGR array (cls_lab's convention) as an RGB (or gray) array to draw.

    A file is decoded as ``LoadImageFromFile`` does (EXIF orientation applied), so the
    picture is the image the model saw."""
    if isinstance(img, (str, Path)):
        return decode_bgr(Path(img).read_bytes(), filename=str(img))[..., ::-1]
    img = np.asarray(img)
    return img[..., ::-1] if img.ndim == 3 and img.shape[2] == 3 else img.squeeze()


def _gui_backend():
    import matplotlib
    import matplotlib.pyplot  # noqa: F401  (loads the backend, e.g. a notebook's inline one)
    backend = matplotlib.get_backend().lower()
    headless = ('agg', 'pdf', 'svg', 'ps', 'cairo', 'template', 'pgf')
    return not (backend in headless or 'inline' in backend or backend.startswith('module://'))
