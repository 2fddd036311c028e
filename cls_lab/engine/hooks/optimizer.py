"""Optimizer hooks: backward and step after every training iteration (seed 003 §5).

The runner only computes the loss (``runner.outputs['loss']``); these hooks do the rest:

* ``OptimizerHook(grad_clip=dict(max_norm=35, norm_type=2))``: zero_grad, backward, clip
  (the total gradient norm goes to the log as ``grad_norm``), step;
* ``GradientCumulativeOptimizerHook(cumulative_iters=4)``: backward every iteration, step
  every 4, so batch 64 x 4 trains like batch 256 (exactly so for a model without BatchNorm);
* ``Fp16OptimizerHook(dtype='float16'|'bfloat16')``: mixed precision. It sets
  ``runner.autocast`` (the runner wraps ``train_step`` in ``torch.autocast(**runner.autocast)``)
  and, for float16, ``runner.grad_scaler``, a dynamic loss scaler. float16 needs CUDA: on a
  CPU the hook warns and uses bfloat16, which needs no loss scaling.
"""
import logging
import warnings

import torch
from torch.nn.utils import clip_grad_norm_

from cls_lab.registry import HOOKS
from .hook import Hook

__all__ = ['OptimizerHook', 'GradientCumulativeOptimizerHook', 'Fp16OptimizerHook',
           'GradientCumulativeFp16OptimizerHook']


def find_unused_parameters(loss, model):
    """Names of trainable parameters the autograd graph of ``loss`` never reaches."""
    reached, visited, stack = set(), set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in visited:
            continue
        visited.add(node)
        if hasattr(node, 'variable'):   # an AccumulateGrad node: a leaf tensor
            reached.add(id(node.variable))
        stack.extend(next_node for next_node, _ in node.next_functions)
    return [name for name, param in model.named_parameters()
            if param.requires_grad and id(param) not in reached]


@HOOKS.register_module()
class OptimizerHook(Hook):
    """zero_grad, backward, optional gradient clipping, step: one update per iteration.

    ``grad_clip``: kwargs of ``torch.nn.utils.clip_grad_norm_`` (``max_norm``, ``norm_type``).
    ``detect_anomalous_params``: log the parameters the loss does not depend on (slow; debug).
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self, grad_clip=None, detect_anomalous_params=False):
        if grad_clip is not None and 'max_norm' not in grad_clip:
            raise KeyError(f'optimizer_config.grad_clip needs max_norm, got {grad_clip!r}')
        self.grad_clip = None if grad_clip is None else dict(grad_clip)
        self.detect_anomalous_params = detect_anomalous_params

    def clip_grads(self, params):
        """Clip the total norm of the gradients; returns that norm before clipping (or None)."""
        params = [p for p in params if p.requires_grad and p.grad is not None]
        if params:
            return clip_grad_norm_(params, **self.grad_clip)
        return None

    def _log_grad_norm(self, runner, grad_norm):
        if grad_norm is not None and getattr(runner, 'log_buffer', None) is not None:
            runner.log_buffer.update({'grad_norm': float(grad_norm)},
                                     runner.outputs.get('num_samples', 1))

    def _check_graph(self, runner, loss):
        if self.detect_anomalous_params:
            unused = find_unused_parameters(loss, runner.model)
            if unused:
                logger = getattr(runner, 'logger', None) or logging.getLogger(__name__)
                logger.error('parameters not in the loss graph (unused in forward): '
                             + ', '.join(unused))

    # the three steps of an update; the fp16 hook scales and unscales around them
    def backward(self, runner, loss):
        loss.backward()

    def unscale(self, runner):
        pass

    def step(self, runner):
        runner.optimizer.step()

    def clip_and_step(self, runner):
        self.unscale(runner)
        if self.grad_clip is not None:
            self._log_grad_norm(runner, self.clip_grads(runner.model.parameters()))
        self.step(runner)

    def after_train_iter(self, runner):
        loss = runner.outputs['loss']
        runner.optimizer.zero_grad()
        self._check_graph(runner, loss)
        self.backward(runner, loss)
        self.clip_and_step(runner)


@HOOKS.register_module()
class GradientCumulativeOptimizerHook(OptimizerHook):
    """Accumulate gradients over ``cumulative_iters`` iterations, then step once.

    Each loss is divided by ``cumulative_iters``, so the summed gradient is the gradient of
    the mean loss over the big batch. As mmcv, counting is by the run's global iteration:
    it steps when ``(iter + 1) % cumulative_iters == 0`` and at the run's last iteration; the
    last ``max_iters % cumulative_iters`` iterations form a smaller group divided by its size.
    """

    def __init__(self, cumulative_iters=1, **kwargs):
        if not isinstance(cumulative_iters, int) or cumulative_iters < 1:
            raise ValueError(f'cumulative_iters must be a positive int, got {cumulative_iters!r}')
        super().__init__(**kwargs)
        self.cumulative_iters = cumulative_iters
        self._checked = False

    def _first_iter_checks(self, runner):
        logger = getattr(runner, 'logger', None) or logging.getLogger(__name__)
        if runner.iter % self.cumulative_iters != 0:
            logger.warning(f'resumed at iteration {runner.iter}, not a multiple of '
                           f'cumulative_iters={self.cumulative_iters}: the first group is short')
        norms = (torch.nn.modules.batchnorm._BatchNorm, torch.nn.SyncBatchNorm)
        if self.cumulative_iters > 1 and any(isinstance(m, norms) for m in runner.model.modules()):
            logger.warning('the model has BatchNorm layers: their statistics still see the '
                           'small batches, so accumulation only approximates the large batch')
        self._checked = True

    def loss_divisor(self, runner):
        """How many iterations share the step that this iteration's gradient goes into."""
        max_iters = getattr(runner, 'max_iters', None)
        if max_iters is None:
            return self.cumulative_iters
        full_groups_end = max_iters // self.cumulative_iters * self.cumulative_iters
        return self.cumulative_iters if runner.iter < full_groups_end \
            else max_iters - full_groups_end

    def before_run(self, runner):
        runner.optimizer.zero_grad()

    def after_train_iter(self, runner):
        if not self._checked:
            self._first_iter_checks(runner)
        loss = runner.outputs['loss']
        self._check_graph(runner, loss)
        self.backward(runner, loss / self.loss_divisor(runner))
        if self.every_n_iters(runner, self.cumulative_iters) or self.is_last_iter(runner):
            self.clip_and_step(runner)
            runner.optimizer.zero_grad()


_DTYPES = {'float16': torch.float16, 'fp16': torch.float16, 'half': torch.float16,
           'bfloat16': torch.bfloat16, 'bf16': torch.bfloat16}


def _device_type(runner):
    device = getattr(runner, 'device', None)
    if device is None:
        device = next(runner.model.parameters()).device
    return torch.device(device).type


@HOOKS.register_module()
class Fp16OptimizerHook(OptimizerHook):
    """Mixed-precision training with ``torch.autocast`` (+ a ``GradScaler`` for float16).

    ``loss_scale``: ``'dynamic'`` (grow/shrink the scale as mmcv and torch do), a number
    (a fixed scale), or a dict of ``torch.amp.GradScaler`` kwargs. ``dtype``: ``'float16'``
    (CUDA; on CPU falls back to bfloat16 with a warning) or ``'bfloat16'`` (no scaler).
    Gradients are unscaled before clipping, so ``max_norm`` means the true norm.
    """

    def __init__(self, grad_clip=None, loss_scale='dynamic', dtype='float16',
                 detect_anomalous_params=False, **kwargs):
        super().__init__(grad_clip=grad_clip, detect_anomalous_params=detect_anomalous_params)
        if kwargs:   # mmcv's coalesce / bucket_size_mb / distributed: DDP handles these now
            warnings.warn(f'Fp16OptimizerHook ignores {sorted(kwargs)} (mmcv-only options)')
        key = dtype if isinstance(dtype, str) else {torch.float16: 'float16',
                                                      torch.bfloat16: 'bfloat16'}.get(dtype)
        if key not in _DTYPES:
            raise ValueError(f"Fp16OptimizerHook dtype must be 'float16' or 'bfloat16', got {dtype!r}")
        if not (loss_scale == 'dynamic' or isinstance(loss_scale, (int, float, dict))):
            raise ValueError(f"loss_scale must be 'dynamic', a number or a dict, got {loss_scale!r}")
        self.dtype = _DTYPES[key]
        self.loss_scale = loss_scale

    def _make_scaler(self, device_type):
        if self.loss_scale == 'dynamic':
            kwargs = {}
        elif isinstance(self.loss_scale, dict):
            kwargs = dict(self.loss_scale)
        else:   # a static scale: never grows, never shrinks
            kwargs = dict(init_scale=float(self.loss_scale), growth_factor=1.0, backoff_factor=1.0)
        return torch.amp.GradScaler(device_type, **kwargs)

    def before_run(self, runner):
        device_type = _device_type(runner)
        dtype = self.dtype
        if dtype is torch.float16 and device_type != 'cuda':
            warnings.warn(f'float16 training needs CUDA; on {device_type} Fp16OptimizerHook '
                          'uses bfloat16 autocast instead (no loss scaling needed)')
            dtype = torch.bfloat16
        runner.autocast = dict(device_type=device_type, dtype=dtype)
        runner.grad_scaler = self._make_scaler(device_type) if dtype is torch.float16 else None
        meta = getattr(runner, 'meta', None) or {}
        state = meta.get('fp16', {}).get('loss_scaler')
        if runner.grad_scaler is not None and state:
            runner.grad_scaler.load_state_dict(state)   # resuming: keep the learnt scale

    def backward(self, runner, loss):
        scaler = getattr(runner, 'grad_scaler', None)
        (scaler.scale(loss) if scaler is not None else loss).backward()

    def unscale(self, runner):
        scaler = getattr(runner, 'grad_scaler', None)
        if scaler is not None:
            scaler.unscale_(runner.optimizer)

    def step(self, runner):
        scaler = getattr(runner, 'grad_scaler', None)
        if scaler is None:
            runner.optimizer.step()
            return
        scaler.step(runner.optimizer)   # skipped when a gradient is inf/nan
        scaler.update()
        if getattr(runner, 'meta', None) is None:
            runner.meta = {}
        runner.meta.setdefault('fp16', {})['loss_scaler'] = scaler.state_dict()


@HOOKS.register_module()
class GradientCumulativeFp16OptimizerHook(GradientCumulativeOptimizerHook, Fp16OptimizerHook):
    """Gradient accumulation with mixed precision: both hooks' behaviour at once."""

    def __init__(self, cumulative_iters=1, **kwargs):
        Fp16OptimizerHook.__init__(self, **kwargs)
        if not isinstance(cumulative_iters, int) or cumulative_iters < 1:
            raise ValueError(f'cumulative_iters must be a positive int, got {cumulative_iters!r}')
        self.cumulative_iters = cumulative_iters
        self._checked = False

    def before_run(self, runner):
        Fp16OptimizerHook.before_run(self, runner)
        runner.optimizer.zero_grad()
