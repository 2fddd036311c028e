"""After training: read logs, inspect predictions, explain them, measure and export the model.

One concept per module, all plain functions returning numbers or matplotlib Figures; the
``python -m cls_lab`` tools (analyze-logs, analyze-results, confusion-matrix, vis-cam,
get-flops, export, lr-find, sweep) and the InterpretationViewer widget are thin layers on top.
Modules are imported on use (``from cls_lab.analysis.flops import count_flops``) so that
matplotlib, onnxruntime or grad-cam load only for the tool that needs them.
"""
