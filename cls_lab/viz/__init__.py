"""Jupyter widgets (ipywidgets + matplotlib) that show what the kit's code does.

Each widget has a plain-function twin that returns a matplotlib Figure, for scripts,
papermill runs and tests:

    ConfigEditor(path)                     config_tree(path), plot_config_tree(path), config_diff(text, path)
    PipelineViewer(pipeline, images)       plot_pipeline(pipeline, image, seed=0)
    LRCurveExplorer(cfg)                   plot_lr_schedule(lr_config, max_epochs=12)
    FeatureMapViewer(model, img)           plot_feature_maps(model, img, 'layer2')
    LiveTrainingPlotHook (custom_hooks)    plot_training_log('work_dirs/x/log.json')
    InterpretationViewer(interp)           plot_confusion_matrix(interp), plot_top_losses(interp), plot_cell(interp, 3, 8)

Importing this package registers ``LiveTrainingPlotHook`` in ``HOOKS``. Nothing else in
cls_lab imports it, so ``import cls_lab`` never needs Jupyter.
"""
from ._display import display_plain_figures
from .config_editor import ConfigEditor, config_diff, config_tree, plot_config_tree
from .feature_maps import FeatureMapViewer, plot_feature_maps
from .interpretation import (Interpretation, InterpretationViewer, plot_cell,
                             plot_confusion_matrix, plot_top_losses)
from .lr_explorer import LRCurveExplorer, plot_lr_schedule
from .pipeline_viewer import PipelineViewer, plot_pipeline
from .training_curves import LiveTrainingPlotHook, load_training_log, plot_training_log

display_plain_figures()

__all__ = ['ConfigEditor', 'config_tree', 'plot_config_tree', 'config_diff',
           'PipelineViewer', 'plot_pipeline', 'LRCurveExplorer', 'plot_lr_schedule',
           'FeatureMapViewer', 'plot_feature_maps',
           'LiveTrainingPlotHook', 'plot_training_log', 'load_training_log',
           'InterpretationViewer', 'Interpretation', 'plot_confusion_matrix', 'plot_top_losses',
           'plot_cell']
