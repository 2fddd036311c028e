"""Command-line tools: one module per ``python -m cls_lab <command>``."""
