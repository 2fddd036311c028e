"""LogBuffer: running values (loss, time, ...) that logger hooks average and print.

The runner ``update``s it every iteration; a logger hook calls ``average(n)`` to fill
``output`` with the mean of the last ``n`` values, logs ``output`` and clears it.
"""
from collections import OrderedDict


class LogBuffer:
    """Per-key histories with sample counts, and the averaged ``output`` loggers print."""

    def __init__(self):
        self.val_history = OrderedDict()   # key -> list of values
        self.n_history = OrderedDict()     # key -> list of sample counts (weights)
        self.output = OrderedDict()
        self.ready = False

    def clear(self):
        self.val_history.clear()
        self.n_history.clear()
        self.clear_output()

    def clear_output(self):
        self.output.clear()
        self.ready = False

    def update(self, vars, count=1):
        """Append each ``key: value`` of ``vars`` (numbers) with weight ``count``."""
        if not isinstance(vars, dict):
            raise TypeError('LogBuffer.update expects a dict of numbers, '
                            f'got {type(vars).__name__}')
        for key, value in vars.items():
            self.val_history.setdefault(key, []).append(float(value))
            self.n_history.setdefault(key, []).append(count)

    def average(self, n=0):
        """``output[key]`` = count-weighted mean of the last ``n`` values (all when ``n=0``)."""
        if n < 0:
            raise ValueError(f'n must be >= 0, got {n}')
        for key, values in self.val_history.items():
            values, counts = values[-n:], self.n_history[key][-n:]
            total = sum(counts)
            self.output[key] = sum(v * c for v, c in zip(values, counts)) / max(total, 1e-12)
        self.ready = True
