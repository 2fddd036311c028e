"""confusion-matrix, analyze-results and the Interpretation behind them, on the tiny digits set."""
import numpy as np
import pytest
import torch

from cls_lab.__main__ import main as cli
from cls_lab.analysis.figures import plot_cell, plot_confusion_matrix, plot_top_losses
from cls_lab.analysis.interpretation import Interpretation, interpret_checkpoint
from cls_lab.engine.checkpoint import save_checkpoint
from cls_lab.models import build_classifier

from tiny_configs import tiny_config, write_tiny_config


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """A LeNet-5 checkpoint (seeded random weights: right and wrong answers both occur)."""
    tmp = tmp_path_factory.mktemp('results')
    config = write_tiny_config(tmp / 'tiny.py', tmp / 'work', val_per_class=3)
    torch.manual_seed(0)
    model = build_classifier(tiny_config(tmp / 'work').model)
    model.init_weights()
    torch.nn.init.normal_(model.head.fc.weight, std=0.5)
    save_checkpoint(model, str(tmp / 'model.pth'), meta=dict(CLASSES=[str(i) for i in range(10)]))
    return dict(config=config, checkpoint=str(tmp / 'model.pth'), tmp=tmp)


@pytest.fixture(scope='module')
def interp(checkpoint):
    return interpret_checkpoint(checkpoint['config'], checkpoint['checkpoint'], device='cpu')


def test_confusion_matrix_sums_to_the_sample_count(interp):
    matrix = interp.confusion_matrix()
    assert len(interp) == 30 and matrix.shape == (10, 10) and matrix.sum() == 30
    assert (matrix.sum(axis=1) == 3).all()                     # rows: the true classes
    assert (matrix.sum(axis=0) == np.bincount(interp.pred_labels, minlength=10)).all()
    assert np.allclose(interp.confusion_matrix(normalize=True).sum(axis=1), 1.0)
    assert 0 < matrix.trace() < 30                             # both kinds occur here
    precision, recall = interp.precision_recall()
    assert np.allclose(recall, np.diag(matrix) / 3 * 100)


def test_cells_top_losses_and_confident_predictions(interp):
    wrong = np.flatnonzero(interp.pred_labels != interp.gt_labels)
    true, pred = interp.gt_labels[wrong[0]], interp.pred_labels[wrong[0]]
    cell = interp.cell(true, pred)
    assert wrong[0] in cell and len(cell) == interp.confusion_matrix()[true, pred]
    top = interp.top_losses(5)
    assert list(interp.losses[top]) == sorted(interp.losses, reverse=True)[:5]
    right = interp.most_confident(correct=True, k=3)
    assert (interp.pred_labels[right] == interp.gt_labels[right]).all()
    assert list(interp.pred_scores[right]) == sorted(interp.pred_scores[right], reverse=True)
    assert sum(n for _, _, n in interp.most_confused()) == len(wrong)


def test_figures_have_the_matrix_and_the_images(interp):
    fig = plot_confusion_matrix(interp)
    assert (fig.axes[0].images[0].get_array() == interp.confusion_matrix()).all()
    grid = plot_top_losses(interp, k=4)
    assert sum(len(ax.images) for ax in grid.axes) == 4
    empty = plot_cell(interp, 0, 0) if interp.confusion_matrix()[0, 0] == 0 else plot_cell(interp, 0, 1)
    assert empty.axes


def test_bad_interpretation_input_is_named():
    with pytest.raises(ValueError, match='3 class names for 2 scores'):
        Interpretation(np.ones((4, 2)), [0, 1, 0, 1], ['a', 'b', 'c'])


def test_confusion_matrix_cli(checkpoint, capsys):
    out = checkpoint['tmp'] / 'cm.png'
    assert cli(['confusion-matrix', checkpoint['config'], checkpoint['checkpoint'],
                '--out', str(out), '--device', 'cpu']) == 0
    text = capsys.readouterr().out
    assert text.startswith('30 images, ') and 'precision  recall  support' in text
    assert out.stat().st_size > 10_000
    with pytest.raises(KeyError, match='no data.nope'):
        interpret_checkpoint(checkpoint['config'], checkpoint['checkpoint'], split='nope')


def test_analyze_results_cli(checkpoint, capsys, interp):
    out_dir = checkpoint['tmp'] / 'analysis'
    assert cli(['analyze-results', checkpoint['config'], checkpoint['checkpoint'],
                '--out-dir', str(out_dir), '--topk', '2', '--device', 'cpu']) == 0
    assert len(list((out_dir / 'success').glob('*.png'))) == min(2, interp.confusion_matrix().trace())
    fails = sorted((out_dir / 'fail').glob('*.png'))
    assert len(fails) == 2 and all(p.stat().st_size > 2000 for p in fails)
    assert (out_dir / 'fail.png').stat().st_size > 5000
    assert 'fail: 2 images' in capsys.readouterr().out


def test_interpretation_viewer_click_shows_the_cell(interp):
    viz = pytest.importorskip('cls_lab.viz')
    viewer = viz.InterpretationViewer(interp, top_k=4)
    assert len(viewer.buttons) == 100 and viewer.image.value            # top losses drawn first
    assert sum(len(ax.images) for ax in viewer.figure.axes) == 4
    t, p = next((t, p) for (t, p), n in np.ndenumerate(interp.confusion_matrix()) if n and t != p)
    button = viewer.buttons[t, p]
    assert button.description == str(interp.confusion_matrix()[t, p])
    button.click()
    assert f'true {t}, predicted {p}: {len(interp.cell(t, p))} images' in viewer.info.value
    assert sum(len(ax.images) for ax in viewer.figure.axes) == len(interp.cell(t, p))
    viewer.top_button.click()
    assert 'highest losses' in viewer.info.value
    with pytest.raises(TypeError, match='takes an Interpretation'):
        viz.InterpretationViewer(np.zeros((3, 3)))
