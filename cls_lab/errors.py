"""Errors caused by the user's input: a config key, an argument, a file, a checkpoint, the data.

The command line prints such an error as one line (no traceback; ``--debug`` shows it) and
exits 1. Each message names the file/key/value at fault and says what to do. The classes
also derive from the builtin an older caller may catch (``except RuntimeError`` still works).
Standard library only, like registry.py and config.py.
"""
import numbers

__all__ = ['UserError', 'ConfigValueError', 'ArgumentError', 'CheckpointError', 'DataError',
           'TrainingDivergedError', 'check_positive_int']


class UserError(Exception):
    """Bad input, explained: the message is all a user needs to fix it."""

    context_shown = True   # the registry adds no "(while building X from cfg ...)" to it

    def __str__(self):   # KeyError-like subclasses would otherwise show the message's repr
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class ConfigValueError(UserError, ValueError):
    """A config key or command-line value of the wrong type or out of range."""


class ArgumentError(UserError, ValueError, TypeError, AssertionError):
    """A constructor argument of the wrong type or out of range (``stride=3``, ``magnitude=None``).

    mmcls 0.25 checks these with ``assert``; deriving from AssertionError (and from ValueError and
    TypeError) keeps every ``except`` written for mmcls or for older cls_lab working.
    """

    context_shown = False   # the registry adds "(while building X from cfg ...)"


class CheckpointError(UserError, RuntimeError):
    """A checkpoint file that is missing, truncated, not a checkpoint, or does not fit."""


class DataError(UserError, ValueError):
    """A data set that cannot be used as it is: empty class folder, missing or broken images."""


class TrainingDivergedError(UserError, FloatingPointError):
    """The loss became NaN/inf or exploded: the learning rate or the data needs a look."""


def check_positive_int(value, key, allow_zero=False):
    """``value`` as an int, or a ConfigValueError naming ``key``: 1.5, 'thirty', True fail."""
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        kind = 'a whole number >= 0' if allow_zero else 'a positive whole number'
        raise ConfigValueError(f'{key} must be {kind}, got {value!r}')
    return int(value)
