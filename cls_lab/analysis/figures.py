"""Matplotlib figures of an Interpretation: confusion matrix, image grids, precision/recall.

Plain ``matplotlib.figure.Figure`` objects (no pyplot), so a script saves them, a notebook
shows them once and the InterpretationViewer widget puts them in its image panel.
"""
import math

import numpy as np
from matplotlib.figure import Figure


def plot_confusion_matrix(interp, normalize=False, include_values=True, cmap='Blues', ax=None):
    """The matrix (rows: true class, columns: predicted); counts or row-normalised fractions."""
    matrix = interp.confusion_matrix(normalize=normalize)
    n = len(interp.classes)
    if ax is None:
        size = min(max(4.0, 0.45 * n + 2), 14)
        fig = Figure(figsize=(size + 1, size), layout='constrained')
        ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(matrix, cmap=cmap, vmin=0, vmax=1 if normalize else max(matrix.max(), 1))
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(n), interp.classes, rotation=45 if n > 6 else 0, ha='right' if n > 6 else 'center')
    ax.set_yticks(range(n), interp.classes)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    ax.set_title('confusion matrix' + (' (row-normalised)' if normalize else f' ({len(interp)} images)'))
    if include_values and n <= 30:
        threshold = (1 if normalize else matrix.max()) / 2
        for t in range(n):
            for p in range(n):
                value = matrix[t, p]
                if value:
                    ax.text(p, t, f'{value:.2f}' if normalize else str(int(value)), ha='center',
                            va='center', fontsize=7 if n > 12 else 9,
                            color='white' if value > threshold else 'black')
    return ax.figure


def plot_confusion_pair(interp):
    """Counts and row-normalised matrices side by side."""
    n = len(interp.classes)
    size = min(max(4.0, 0.45 * n + 2), 10)
    fig = Figure(figsize=(2 * size + 2, size), layout='constrained')
    left, right = fig.subplots(1, 2)
    plot_confusion_matrix(interp, normalize=False, ax=left)
    plot_confusion_matrix(interp, normalize=True, ax=right)
    return fig


def plot_images(interp, indices, title=None, columns=6, size=1.9):
    """A grid of the images ``indices`` captioned with true/predicted class, score and loss."""
    from cls_lab.apis.inference import read_rgb
    indices = list(indices)
    if interp.filenames is None:
        raise ValueError('plot_images: this Interpretation has no image files '
                         '(build it with Interpretation.from_model on a file-based data set)')
    columns = max(1, min(columns, len(indices)))
    rows = max(1, math.ceil(len(indices) / columns))
    fig = Figure(figsize=(columns * size, rows * size + 0.5), layout='constrained')
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    for ax in axes:
        ax.set_axis_off()
    for ax, index in zip(axes, indices):
        rgb = read_rgb(interp.filenames[index])
        ax.imshow(rgb, cmap='gray' if rgb.ndim == 2 else None)
        wrong = interp.pred_labels[index] != interp.gt_labels[index]
        ax.set_title(interp.caption(index).replace(', loss', '\nloss'), fontsize=7,
                     color='#b00020' if wrong else 'black')
    if not indices:
        axes[0].text(0.5, 0.5, 'no images', ha='center', va='center', color='gray')
    if title:
        fig.suptitle(title)
    return fig


def plot_top_losses(interp, k=9, columns=6):
    """The ``k`` images the model gets most wrong (highest cross-entropy), worst first."""
    return plot_images(interp, interp.top_losses(k), f'top {k} losses', columns)


def plot_cell(interp, true_label, pred_label, limit=24, columns=6):
    """The images of one confusion-matrix cell (true ``true_label``, predicted ``pred_label``)."""
    indices = interp.cell(true_label, pred_label)
    title = (f'true {interp.classes[true_label]}, predicted {interp.classes[pred_label]}: '
             f'{len(indices)} images' + (f' (first {limit})' if len(indices) > limit else ''))
    return plot_images(interp, indices[:limit], title, columns)


def precision_recall_lines(interp):
    """A text table: class, precision %, recall %, support."""
    precision, recall = interp.precision_recall()
    support = np.bincount(interp.gt_labels, minlength=len(interp.classes))
    width = max(len(c) for c in interp.classes + ['class'])
    lines = [f'{"class":<{width}}  precision  recall  support']
    for name, p, r, s in zip(interp.classes, precision, recall, support):
        lines.append(f'{name:<{width}}  {p:9.2f}  {r:6.2f}  {s:7d}')
    lines.append(f'{"mean":<{width}}  {np.mean(precision):9.2f}  {np.mean(recall):6.2f}  {support.sum():7d}')
    return lines
