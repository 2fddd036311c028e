"""Where the model goes wrong: a confusion matrix you click to see the images of a cell.

``InterpretationViewer(interp)`` lays the matrix out as buttons (shaded by the row-normalised
count); clicking one draws that cell's images, most confident first, and "top losses"
draws the worst mistakes. The figures are cls_lab.analysis.figures' plain functions
(``plot_confusion_matrix``, ``plot_top_losses``, ``plot_cell``), re-exported here.
"""
import ipywidgets as widgets

from cls_lab.analysis.figures import plot_cell, plot_confusion_matrix, plot_top_losses
from cls_lab.analysis.interpretation import Interpretation

from ._display import error_html, figure_to_png, image_widget, pre

__all__ = ['InterpretationViewer', 'Interpretation', 'plot_confusion_matrix',
           'plot_top_losses', 'plot_cell']


def cell_color(fraction, diagonal):
    """Background of a matrix button: green on the diagonal, red off it, stronger when fuller."""
    if fraction <= 0:
        return '#f7f7f7'
    strength = 0.15 + 0.85 * min(fraction, 1.0)
    base = (46, 125, 50) if diagonal else (198, 40, 40)
    r, g, b = (round(255 - (255 - c) * strength) for c in base)
    return f'#{r:02x}{g:02x}{b:02x}'


class InterpretationViewer(widgets.VBox):
    """Clickable confusion matrix (rows true, columns predicted) + the chosen cell's images."""

    def __init__(self, interp, top_k=12, limit=24, columns=6):
        super().__init__()
        if not isinstance(interp, Interpretation):
            raise TypeError('InterpretationViewer takes an Interpretation, e.g. '
                            f'Interpretation.from_model(model, dataset); got {type(interp).__name__}')
        self.interp, self.top_k, self.limit, self.columns = interp, top_k, limit, columns
        matrix, fractions = interp.confusion_matrix(), interp.confusion_matrix(normalize=True)
        n = len(interp.classes)
        self.buttons = {}
        cells = [widgets.Label('true \\ pred')] + [widgets.Label(c) for c in interp.classes]
        for t in range(n):
            cells.append(widgets.Label(interp.classes[t]))
            for p in range(n):
                button = widgets.Button(description=str(int(matrix[t, p])),
                                        tooltip=f'true {interp.classes[t]}, predicted {interp.classes[p]}',
                                        layout=widgets.Layout(width='auto', height='28px'))
                button.style.button_color = cell_color(fractions[t, p], t == p)
                button.on_click(lambda _b, t=t, p=p: self.show_cell(t, p))
                self.buttons[t, p] = button
                cells.append(button)
        self.grid = widgets.GridBox(cells, layout=widgets.Layout(
            grid_template_columns=f'auto repeat({n}, minmax(34px, 48px))', grid_gap='2px'))
        self.top_button = widgets.Button(description=f'top {top_k} losses', icon='exclamation')
        self.top_button.on_click(lambda _b: self.show_top_losses())
        self.info = widgets.HTML()
        self.image = image_widget()
        self.figure = None
        self.add_class('cls-lab-interpretation-viewer')
        accuracy = 100 * matrix.trace() / max(len(interp), 1)
        self.children = [widgets.HTML(pre(f'{len(interp)} images, {accuracy:.1f}% right; click a '
                                          'cell to see its images')),
                         self.grid, self.top_button, self.info, self.image]
        self.show_top_losses()

    def _draw(self, make_figure, text):
        try:
            self.figure = make_figure()
            self.image.value = figure_to_png(self.figure)
            self.info.value = pre(text)
        except Exception as error:   # e.g. no image files: the message, the widget lives on
            self.info.value = error_html(error)

    def show_cell(self, true_label, pred_label):
        """Draw the images of class ``true_label`` predicted as ``pred_label``."""
        count = len(self.interp.cell(true_label, pred_label))
        self._draw(lambda: plot_cell(self.interp, true_label, pred_label, self.limit, self.columns),
                   f'true {self.interp.classes[true_label]}, predicted '
                   f'{self.interp.classes[pred_label]}: {count} images')

    def show_top_losses(self):
        """Draw the ``top_k`` images with the highest loss."""
        self._draw(lambda: plot_top_losses(self.interp, self.top_k, self.columns),
                   f'the {self.top_k} highest losses (true class scored lowest)')
