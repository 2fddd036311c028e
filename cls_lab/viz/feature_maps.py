"""See what a network "looks at": the feature maps of any layer for one image.

Seed 004 returns an intermediate tensor from ``forward`` to look at it; here a forward hook
catches any layer's output without touching the model. ``plot_feature_maps`` draws the
picture, ``FeatureMapViewer`` adds a layer chooser and channel controls.
"""
import inspect
import math
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import torch

from ._display import error_html, figure_to_png, image_widget, new_figure, pre, to_display_image

IMAGENET_MEAN = (123.675, 116.28, 103.53)   # RGB, 0-255 scale, as the kit's configs use
IMAGENET_STD = (58.395, 57.12, 57.375)


def prepare_input(model, img, size=None):
    """``img`` -> (input tensor (1,C,H,W), RGB uint8 image to show).

    A tensor is used as it is. A path, a PIL image or an HWC numpy array (BGR, as the kit's
    loaders give) is resized so its shorter side is ``size`` (if given) and normalised with
    the model's ``cfg`` test pipeline when it has one (``init_model`` sets it), else with
    ImageNet mean/std.
    """
    if torch.is_tensor(img):
        x = img if img.dim() == 4 else img.unsqueeze(0)
        return x.float(), to_display_image(x)
    cfg = getattr(model, 'cfg', None)
    if cfg is not None and size is None and _has_test_pipeline(cfg):
        return _prepare_with_pipeline(cfg, img)
    rgb = _load_rgb(img)
    if size is not None:
        rgb = _resize_shorter(rgb, size)
    x = torch.from_numpy(rgb.astype(np.float32)).permute(2, 0, 1)
    mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
    return ((x - mean) / std).unsqueeze(0), rgb


def _has_test_pipeline(cfg):
    try:
        return bool(cfg['data']['test']['pipeline'])
    except (KeyError, TypeError):
        return False


def _prepare_with_pipeline(cfg, img):
    from cls_lab.datasets.pipelines import Compose, start_pipeline   # datasets is optional here
    if not isinstance(img, (str, Path, np.ndarray)):   # a PIL image: to the BGR array contract
        img = _load_rgb(img)[..., ::-1].copy()
    sample, steps = start_pipeline(cfg['data']['test']['pipeline'], img)
    data = Compose(steps)(sample)
    x = data['img']
    x = x if torch.is_tensor(x) else torch.as_tensor(np.ascontiguousarray(x.transpose(2, 0, 1)))
    norm = _find_norm(steps)
    shown = to_display_image(x, norm.get('mean'), norm.get('std')) if norm else to_display_image(x)
    return x.unsqueeze(0).float(), shown


def _find_norm(steps):
    for step in steps:
        if step['type'] == 'Normalize':
            return step
    return None


def _load_rgb(img):
    from PIL import Image
    if isinstance(img, (str, Path)):
        with Image.open(img) as opened:
            return np.asarray(opened.convert('RGB'))
    if isinstance(img, Image.Image):
        return np.asarray(img.convert('RGB'))
    img = np.asarray(img)
    return np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img[..., ::-1].copy()


def _resize_shorter(rgb, size):
    from PIL import Image
    h, w = rgb.shape[:2]
    scale = size / min(h, w)
    new = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(new, Image.BILINEAR))


def run_model(model, x):
    """One eval-mode forward without gradients; a cls_lab classifier runs in test mode.

    ``x`` goes to the model's device first, so a model on CUDA works with a CPU image."""
    parameter = next(model.parameters(), None)
    if parameter is not None:
        x = x.to(parameter.device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            if 'return_loss' in inspect.signature(model.forward).parameters:
                return model(x, return_loss=False)
            return model(x)
    finally:
        model.train(was_training)


def layer_shapes(model, x):
    """{layer name: output shape (C,H,W)} for every module that outputs a 4-D map, in run order."""
    shapes, handles = {}, []
    for name, module in model.named_modules():
        if not name:
            continue

        def record(_module, _inputs, output, name=name):
            if torch.is_tensor(output) and output.dim() == 4 and name not in shapes:
                shapes[name] = tuple(output.shape[1:])
        handles.append(module.register_forward_hook(record))
    try:
        output = run_model(model, x)
    finally:
        for handle in handles:
            handle.remove()
    return shapes, output


def feature_map(model, x, layer):
    """The output of ``layer`` (a name from ``named_modules``) for input ``x``: a (C,H,W) tensor."""
    modules = dict(model.named_modules())
    if layer not in modules:
        close = [name for name in modules if layer.split('.')[-1] in name][:5]
        raise KeyError(f'{layer!r} is not a layer of {type(model).__name__}; '
                       f'some layers: {close or list(modules)[1:6]}')
    caught = {}

    def catch(_module, _inputs, output):
        caught.setdefault('out', output)
    handle = modules[layer].register_forward_hook(catch)
    try:
        output = run_model(model, x)
    finally:
        handle.remove()
    out = caught.get('out')
    if not torch.is_tensor(out) or out.dim() != 4:
        raise ValueError(f'layer {layer!r} does not output a (N,C,H,W) feature map')
    return out[0].cpu(), output


def top_predictions(model, output, k=3):
    """[(class name, probability)] of a classifier's output, or [] for a backbone's tuple."""
    if isinstance(output, list) and output and isinstance(output[0], np.ndarray):
        scores = np.asarray(output[0], dtype=np.float64)
    elif torch.is_tensor(output) and output.dim() == 2:
        scores = torch.softmax(output[0].float(), dim=0).cpu().numpy()
    else:
        return []
    classes = getattr(model, 'CLASSES', None)
    order = np.argsort(-scores)[:k]
    return [(classes[i] if classes is not None and i < len(classes) else f'class {i}',
             float(scores[i])) for i in order]


def choose_channels(fmap, channels=16, start=0, order='index'):
    """Channel indices to show: an explicit list, or ``channels`` of them from ``start`` or strongest first."""
    if not isinstance(channels, int):
        return [int(c) for c in channels]
    if order == 'strongest':
        strength = fmap.abs().mean(dim=(1, 2))
        return strength.argsort(descending=True)[:channels].tolist()
    stop = min(fmap.shape[0], start + channels)
    return list(range(min(start, fmap.shape[0] - 1), stop))


def plot_feature_maps(model, img, layer, channels=16, start=0, order='index', size=None):
    """Figure: the input image, the model's top predictions and ``channels`` maps of ``layer``."""
    x, shown = prepare_input(model, img, size)
    fmap, output = feature_map(model, x, layer)
    return draw_feature_maps(shown, fmap, layer, choose_channels(fmap, channels, start, order),
                             top_predictions(model, output))


def draw_feature_maps(shown, fmap, layer, picked, predictions=()):
    """Draw an already computed (C,H,W) map: input panel on the left, channel grid on the right."""
    cols = max(1, math.ceil(math.sqrt(len(picked))))
    rows = max(1, math.ceil(len(picked) / cols))
    fig = new_figure(3 + 1.6 * cols, max(3.0, 1.6 * rows))
    grid = fig.add_gridspec(rows, cols + 2)
    ax = fig.add_subplot(grid[:, :2])
    ax.imshow(shown)
    ax.set_axis_off()
    title = 'input'
    if predictions:
        title += '\n' + '\n'.join(f'{name}: {p:.2f}' for name, p in predictions)
    ax.set_title(title, fontsize=9)
    maps = fmap.detach().float().cpu().numpy()
    for i, channel in enumerate(picked):
        ax = fig.add_subplot(grid[i // cols, 2 + i % cols])
        ax.imshow(maps[channel], cmap='viridis')
        ax.set_title(f'ch {channel}', fontsize=8)
        ax.set_axis_off()
    c, h, w = maps.shape
    fig.suptitle(f'{layer}: {c} channels of {h}x{w}', fontsize=10)
    return fig


class FeatureMapViewer(widgets.VBox):
    """Pick a layer and channels; see that layer's feature maps for ``img`` (and the top classes)."""

    def __init__(self, model, img, layer=None, channels=16, size=None, order='index'):
        super().__init__()
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f'FeatureMapViewer: model must be a torch.nn.Module (e.g. from '
                            f'init_model), got {type(model).__name__}')
        if img is None:
            raise TypeError('FeatureMapViewer: img must be an image path, a numpy array, a PIL '
                            'image or a tensor, got None')
        self.model = model
        self.x, self.shown = prepare_input(model, img, size)
        self.shapes, output = layer_shapes(model, self.x)
        if not self.shapes:
            raise ValueError(f'{type(model).__name__} has no layer that outputs a (N,C,H,W) map')
        self.predictions = top_predictions(model, output)
        names = list(self.shapes)
        if layer is not None and layer not in self.shapes:
            raise ValueError(f'FeatureMapViewer: layer {layer!r} gives no (N,C,H,W) map; '
                             f'choose one of {names}')
        options = [(f'{name}  {"x".join(map(str, shape))}', name) for name, shape in self.shapes.items()]
        self.layer = widgets.Dropdown(options=options, value=layer or names[len(names) // 2],
                                      description='layer')
        self.channels = widgets.IntSlider(value=channels, min=1, max=64, description='channels')
        self.start = widgets.BoundedIntText(value=0, min=0, max=4096, description='from')
        self.order = widgets.Dropdown(options=['index', 'strongest'], value=order, description='order')
        self.info = widgets.HTML()
        self.image = image_widget()
        self.figure = None
        self._cache = {}
        for control in (self.layer, self.channels, self.start, self.order):
            control.observe(lambda _change: self.redraw(), names='value')
        self.add_class("cls-lab-feature-map-viewer")
        self.children = [widgets.HBox([self.layer, self.channels]),
                         widgets.HBox([self.start, self.order]), self.info, self.image]
        self.redraw()

    def redraw(self):
        """Recompute (cached per layer) and redraw the grid for the current controls."""
        name = self.layer.value
        try:
            if name not in self._cache:
                self._cache[name] = feature_map(self.model, self.x, name)[0]
            fmap = self._cache[name]
            picked = choose_channels(fmap, self.channels.value, self.start.value, self.order.value)
            self.figure = draw_feature_maps(self.shown, fmap, name, picked, self.predictions)
            self.image.value = figure_to_png(self.figure)
            top = ', '.join(f'{cls} {p:.1%}' for cls, p in self.predictions)
            self.info.value = pre(f'{name}: output {tuple(fmap.shape)}' +
                                  (f' | top predictions: {top}' if top else ''))
        except Exception as error:   # a bad choice shows its message; the widget lives on
            self.info.value = error_html(error)
