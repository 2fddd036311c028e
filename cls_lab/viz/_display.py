"""Small helpers the widgets share: figure -> PNG widget, escaped text panels, kwargs parsing.

Every widget draws a plain matplotlib ``Figure`` (not pyplot's, so nothing is shown twice)
and puts its PNG into an ``ipywidgets.Image``: the same picture in a notebook, a test or a
script, and a test can read the figure's data back from ``widget.figure``.
"""
import ast
import html
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure


def new_figure(width=8, height=4, **kwargs):
    """A pyplot-free Figure: returned from a cell it is displayed once, by IPython."""
    return Figure(figsize=(width, height), **kwargs)


def display_plain_figures():
    """In a Jupyter kernel, let a Figure returned from a cell show as its picture.

    matplotlib_inline registers that display only when pyplot draws its first figure
    (matplotlib 3.11 loads the backend lazily, so ``import matplotlib.pyplot`` is no longer
    enough): until then a plain Figure shows as ``<Figure size ...>``. This registers IPython's
    own PNG printer for it, unless the inline backend already did.
    """
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters.values()
    if not any(Figure in formatter.type_printers for formatter in formatters):
        select_figure_formats(shell, {'png'})
    return True


def figure_to_png(fig, dpi=80, tight=True):
    """The figure rendered as PNG bytes (what an ``ipywidgets.Image`` shows)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=dpi, bbox_inches='tight' if tight else None)
    return buffer.getvalue()


def image_widget():
    """An empty PNG image widget that grows with its picture."""
    return widgets.Image(format='png', layout=widgets.Layout(max_width='100%'))


def pre(text, color=None):
    """``text`` as escaped HTML ``<pre>`` (red-ish when ``color`` is given, e.g. for errors)."""
    style = f' style="color:{color};white-space:pre-wrap"' if color else ' style="white-space:pre-wrap"'
    return f'<pre{style}>{html.escape(str(text))}</pre>'


def error_html(error):
    """An exception as a red ``<pre>`` block: its type and message (which name the file/line)."""
    return pre(f'{type(error).__name__}: {error}', color='#b00020')


def parse_kwargs(text):
    """``"size=224, scale=(0.08, 1.0)"`` -> ``{'size': 224, 'scale': (0.08, 1.0)}`` (literals only)."""
    text = text.strip()
    if not text:
        return {}
    try:
        call = ast.parse(f'dict({text})', mode='eval').body
    except SyntaxError as error:
        raise ValueError(f'cannot parse {text!r} as keyword arguments: {error.msg}') from None
    if call.args:
        raise ValueError(f'{text!r}: write keyword arguments only, e.g. size=224')
    kwargs = {}
    for keyword in call.keywords:
        try:
            kwargs[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            raise ValueError(f'{keyword.arg}={ast.unparse(keyword.value)}: only literal values '
                             '(numbers, strings, lists, tuples, dicts, True/False/None)') from None
    return kwargs


def format_kwargs(kwargs):
    """The inverse of ``parse_kwargs``: ``{'size': 224}`` -> ``"size=224"``."""
    return ', '.join(f'{key}={value!r}' for key, value in kwargs.items())


def to_display_image(img, mean=None, std=None, rgb=True):
    """Any image the kit passes around -> HWC uint8 RGB numpy for ``imshow``.

    Takes HWC numpy (uint8 or float), CHW/NCHW torch tensors, and undoes a ``Normalize``
    when ``mean``/``std`` are given (without them a normalised image is contrast-stretched);
    ``rgb=False`` means the channels are BGR (flipped here).
    """
    if hasattr(img, 'detach'):
        img = img.detach().cpu().float().numpy()
        if img.ndim == 4:
            img = img[0]
        if img.ndim == 3:
            img = img.transpose(1, 2, 0)
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if mean is not None and std is not None:
        img = img.astype(np.float32) * np.asarray(std, np.float32) + np.asarray(mean, np.float32)
    if img.dtype != np.uint8:
        img = img.astype(np.float32)
        low, high = float(img.min(initial=0)), float(img.max(initial=0))
        if mean is None and (low < 0 or high > 255):   # normalised, stats unknown: stretch
            img = (img - low) / max(high - low, 1e-6) * 255.0
        elif mean is None and high <= 1.0:             # a 0..1 image
            img = img * 255.0
        img = np.clip(img, 0, 255).round().astype(np.uint8)
    if img.ndim == 3 and not rgb:
        img = img[..., ::-1]
    return np.ascontiguousarray(img)
