"""Command-line tools: one module per ``python -m cls_lab <command>``."""
import argparse


def positive_int(text):
    """argparse type: a whole number >= 1 (``--number -3`` is refused by name)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a whole number, got {text!r}') from None
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be 1 or more, got {value}')
    return value
