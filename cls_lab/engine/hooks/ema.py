"""EMAHook: keep an exponential moving average of the weights and evaluate with it.

``custom_hooks = [dict(type='EMAHook', momentum=0.0002, priority='HIGH')]``. After every
``interval`` iterations ``ema = (1 - m) * ema + m * weight``; at the end of each training
epoch the averages are swapped into the model (so EvalHook and a HIGH-priority
CheckpointHook see them) and swapped back before the next epoch trains.
"""
import torch

from cls_lab.registry import HOOKS

from ..dist import unwrap_model
from .hook import Hook


@HOOKS.register_module()
class EMAHook(Hook):
    """EMA of every parameter and floating-point buffer, stored as model buffers ``ema_*``.

    ``m = min(momentum, (1 + iter) / (warm_up + iter))``: early on the average follows the
    weights closely. The buffers live in the model, so checkpoints carry them; a buffer
    ``ema_swapped`` records which copy is in the weights, so resuming is exact.
    ``resume_from`` resumes the whole run from that checkpoint, as in mmcv.
    """

    def __init__(self, momentum=0.0002, interval=1, warm_up=100, resume_from=None,
                 priority='NORMAL'):
        if not 0 < momentum < 1:
            raise ValueError(f'EMAHook momentum must be in (0, 1), got {momentum}')
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'EMAHook interval must be a positive int, got {interval!r}')
        self.momentum, self.interval, self.warm_up = momentum, interval, warm_up
        self.resume_from = resume_from
        self.priority = priority

    def before_run(self, runner):
        model = unwrap_model(runner.model)
        tracked = list(model.named_parameters()) + [
            (name, b) for name, b in model.named_buffers()
            if b.is_floating_point() and not name.split('.')[-1].startswith('ema_')]
        self.pairs = []
        for name, tensor in tracked:
            buffer_name = 'ema_' + name.replace('.', '_')
            if not hasattr(model, buffer_name):
                model.register_buffer(buffer_name, tensor.detach().clone())
            self.pairs.append((tensor, getattr(model, buffer_name)))
        if not hasattr(model, 'ema_swapped'):
            model.register_buffer('ema_swapped', torch.zeros((), dtype=torch.bool,
                                                             device=runner.device))
        self.model = model
        if self.resume_from is not None:
            runner.resume(self.resume_from)
        if runner.resumed_from is not None:
            self._load_ema_state(runner.resumed_from, runner.device)

    def _load_ema_state(self, filename, device):
        """The resumed checkpoint's ``ema_*`` buffers (loaded before they existed)."""
        state = torch.load(filename, map_location=device, weights_only=True)
        state = state.get('state_dict', state)
        buffers = dict(self.model.named_buffers())
        for key, value in state.items():
            if key.split('.')[-1].startswith('ema_') and key in buffers:
                buffers[key].copy_(value)

    def after_train_iter(self, runner):
        step = runner.iter
        if step % self.interval != 0:
            return
        momentum = min(self.momentum, (1 + step) / (self.warm_up + step))
        with torch.no_grad():
            for tensor, ema in self.pairs:
                ema.lerp_(tensor.detach().to(ema.dtype), momentum)

    def after_train_epoch(self, runner):
        if not bool(self.model.ema_swapped):
            self._swap()

    def before_train_epoch(self, runner):
        if bool(self.model.ema_swapped):
            self._swap()

    def _swap(self):
        """Exchange weights and averages (the ``ema_swapped`` flag flips)."""
        with torch.no_grad():
            for tensor, ema in self.pairs:
                saved = tensor.detach().clone()
                tensor.copy_(ema)
                ema.copy_(saved)
            self.model.ema_swapped.logical_not_()
