"""IterTimerHook: measure how long each iteration waits for data and how long it takes.

It writes ``data_time`` and ``time`` (seconds) into ``runner.log_buffer``; the logger
hooks average and print them, and the text logger turns ``time`` into an ETA.
"""
import time

from cls_lab.registry import HOOKS

from .hook import Hook


@HOOKS.register_module()
class IterTimerHook(Hook):
    """``data_time``: before_iter - end of the previous iteration; ``time``: the whole iteration."""
    priority = 'LOW'

    def before_epoch(self, runner):
        self._last = time.perf_counter()

    def before_iter(self, runner):
        runner.log_buffer.update({'data_time': time.perf_counter() - self._last})

    def after_iter(self, runner):
        now = time.perf_counter()
        runner.log_buffer.update({'time': now - self._last})
        self._last = now
