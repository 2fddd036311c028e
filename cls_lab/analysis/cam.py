"""Class activation maps (Grad-CAM and friends) for CNNs and for token-based backbones (ViT, Swin).

pytorch-grad-cam does the maths, as mmcls' vis_cam uses it. What cls_lab adds: the model as
``img -> logits``, a target layer looked up by name (a wrong name lists the valid ones), and
one ``reshape_transform`` for every backbone: a (N, C, H, W) map passes through, a
(N, L, C) token sequence drops its class/distillation tokens and becomes a (N, C, h, w) grid
with the input's aspect ratio (mmcls asks for ``--vit-like --num-extra-tokens``; here the
token count tells).
"""
import difflib
import math

import numpy as np
import torch
from torch import nn

from .wrapper import ScoresModel

NORM_TYPES = (nn.BatchNorm2d, nn.BatchNorm1d, nn.LayerNorm, nn.GroupNorm)


def cam_methods():
    """``{'gradcam': GradCAM, 'gradcam++': GradCAMPlusPlus, 'eigencam': ..., ...}``."""
    import pytorch_grad_cam
    names = ['GradCAM', 'GradCAMPlusPlus', 'XGradCAM', 'EigenCAM', 'EigenGradCAM', 'LayerCAM',
             'HiResCAM', 'ScoreCAM', 'AblationCAM', 'GradCAMElementWise']
    methods = {name.lower(): getattr(pytorch_grad_cam, name) for name in names}
    methods['gradcam++'] = methods.pop('gradcamplusplus')
    return methods


def cam_method(name):
    """The pytorch-grad-cam class called ``name`` (any case); an unknown name lists the others."""
    methods = cam_methods()
    if name.lower() not in methods:
        raise ValueError(f'unknown CAM method {name!r}; choose from {", ".join(sorted(methods))}')
    return methods[name.lower()]


def find_layer(model, name):
    """``model.get_submodule(name)``; an unknown name raises a ValueError listing valid ones."""
    try:
        return model.get_submodule(name)
    except AttributeError:
        names = [n for n, _ in model.named_modules() if n]
        close = difflib.get_close_matches(name, names, n=8, cutoff=0.5)
        shown = close or [n for n in names if n.count('.') <= 1][:40]
        raise ValueError(f'unknown target layer {name!r}; '
                         f'{"close" if close else "valid"} names: {", ".join(shown)} '
                         f'({len(names)} layers in all; print them with --preview-model)') from None


def extra_token_count(model):
    """Class/distillation tokens before the patch tokens: ``backbone.num_extra_tokens``, 0 when
    the backbone drops them (``with_cls_token=False``), None when it does not say."""
    backbone = getattr(model, 'backbone', model)
    if not getattr(backbone, 'with_cls_token', True):
        return 0
    return getattr(backbone, 'num_extra_tokens', None)


def default_target_layers(model, num_extra_tokens=0):
    """mmcls' choice: the backbone's last norm layer; with class tokens, the first norm of the
    last encoder block (the class token reads the patches only through that block's attention;
    after it their gradients are zero).

    mmcls takes the third last norm, which is that layer only when the backbone has a final
    norm; here ``final_norm=False`` is handled too.
    """
    backbone = getattr(model, 'backbone', model)
    norms = [m for m in backbone.modules() if isinstance(m, NORM_TYPES)]
    if not norms:
        raise ValueError(f'{type(backbone).__name__} has no norm layer to default to; '
                         'pass target layers by name (--target-layers, see --preview-model)')
    if num_extra_tokens >= 1:
        skip = 3 if getattr(backbone, 'final_norm', True) else 2   # [ln1, ln2 of last block, final]
        if len(norms) >= skip:
            return [norms[-skip]]
    return [norms[-1]]


def resolve_target_layers(model, target_layers=None, num_extra_tokens=None):
    """(modules, extra tokens): the named target layers (or the default ones) and how many
    leading tokens their outputs carry (``num_extra_tokens`` None: ``extra_token_count``)."""
    extra = num_extra_tokens if num_extra_tokens is not None else extra_token_count(model)
    if target_layers is None:
        return default_target_layers(model, extra or 0), extra
    return [find_layer(model, t) if isinstance(t, str) else t for t in target_layers], extra


def layer_names(model, layers):
    """The ``named_modules`` names of ``layers`` (for messages)."""
    names = {module: name for name, module in model.named_modules()}
    return [names.get(layer, type(layer).__name__) for layer in layers]


def tokens_to_grid(tensor, image_hw=None, num_extra_tokens=None):
    """(N, L, C) tokens -> (N, C, h, w), dropping the leading class/distillation tokens.

    ``h * w = L - extra`` with ``h / w`` the input's aspect ratio (square when ``image_hw``
    is None). ``num_extra_tokens`` None tries 0, 1 and 2 (plain, cls, cls + dist) in turn.
    A (N, C, H, W) map is returned as it is.
    """
    if tensor.dim() == 4:
        return tensor
    if tensor.dim() != 3:
        raise ValueError(f'CAM target layer output has shape {tuple(tensor.shape)}; expected '
                         '(N, C, H, W) feature maps or (N, tokens, C) tokens')
    n, length, channels = tensor.shape
    height, width = image_hw or (1, 1)
    candidates = [num_extra_tokens] if num_extra_tokens is not None else [0, 1, 2]
    for extra in candidates:
        grid = _grid(length - extra, height / width)
        if grid is not None:
            h, w = grid
            return tensor[:, extra:, :].reshape(n, h, w, channels).permute(0, 3, 1, 2)
    raise ValueError(f'cannot lay {length} tokens out as a grid of aspect {height}:{width} after '
                     f'dropping {" or ".join(map(str, candidates))} extra tokens')


def _grid(count, aspect):
    """(h, w) with h * w == count and h / w == aspect, or None."""
    if count <= 0:
        return None
    w = round(math.sqrt(count / aspect))
    for width in (w - 1, w, w + 1):
        if width > 0 and count % width == 0 and abs(count // width / width - aspect) < 1e-6:
            return count // width, width
    return None


def compute_cam(model, x, target_layers=None, method='gradcam', targets=None,
                aug_smooth=False, eigen_smooth=False, num_extra_tokens=None):
    """Activation maps (N, H, W) in [0, 1] for the batch ``x`` and the classes they explain.

    ``target_layers``: names or modules (default ``default_target_layers``); ``targets``:
    one class index per image (default: the predicted class).
    """
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    method_class = cam_method(method)
    logits_model = ScoresModel(model, softmax=False) if hasattr(model, 'simple_test') else model
    logits_model.eval()
    layers, extra = resolve_target_layers(model, target_layers, num_extra_tokens)
    x = x.to(next(model.parameters()).device)
    if targets is None:
        with torch.no_grad():
            targets = logits_model(x).argmax(dim=1).tolist()
    targets = [int(t) for t in (targets if isinstance(targets, (list, tuple)) else [targets] * len(x))]
    image_hw = tuple(x.shape[-2:])
    with method_class(model=logits_model, target_layers=layers,
                      reshape_transform=lambda t: tokens_to_grid(t, image_hw, extra)) as cam:
        maps = cam(input_tensor=x, targets=[ClassifierOutputTarget(t) for t in targets],
                   aug_smooth=aug_smooth, eigen_smooth=eigen_smooth)
    return np.asarray(maps), targets


def overlay(rgb, cam_map, image_weight=0.5):
    """The map as a jet heat map over the uint8 RGB image (both the same H x W)."""
    from pytorch_grad_cam.utils.image import show_cam_on_image
    return show_cam_on_image(np.float32(rgb) / 255, cam_map, use_rgb=True, image_weight=image_weight)


def load_input(model, img):
    """An image file -> (input batch (1, C, H, W), RGB uint8 picture of what the model sees).

    The image runs through ``model.cfg.data.test.pipeline``; the picture undoes its
    ``Normalize`` so the heat map lines up with it pixel for pixel.
    """
    from cls_lab.datasets.pipelines import Compose
    steps = [dict(step) for step in model.cfg.data.test.pipeline]
    if not steps or steps[0]['type'] != 'LoadImageFromFile':
        steps.insert(0, dict(type='LoadImageFromFile'))
    data = Compose(steps)(dict(img_prefix=None, img_info=dict(filename=str(img))))
    x = torch.as_tensor(data['img']).float()
    norm = next((s for s in steps if s['type'] == 'Normalize'), None)
    picture = x.permute(1, 2, 0).numpy()
    if norm is not None:
        picture = picture * np.asarray(norm['std'], np.float32) + np.asarray(norm['mean'], np.float32)
        if not norm.get('to_rgb', True):
            picture = picture[..., ::-1]
    else:
        picture = picture[..., ::-1]   # LoadImageFromFile gives BGR
    return x.unsqueeze(0), np.clip(picture, 0, 255).round().astype(np.uint8)


def plot_cams(pictures, maps, titles=None, columns=4, size=2.2):
    """Figure: each picture next to (above) its CAM overlay."""
    from matplotlib.figure import Figure
    count = len(pictures)
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    fig = Figure(figsize=(columns * size, 2 * rows * size + 0.3), layout='constrained')
    axes = fig.subplots(2 * rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for i, (picture, cam_map) in enumerate(zip(pictures, maps)):
        row, col = 2 * (i // columns), i % columns
        axes[row, col].imshow(picture)
        axes[row + 1, col].imshow(overlay(picture, cam_map))
        if titles:
            axes[row, col].set_title(titles[i], fontsize=8)
    return fig
