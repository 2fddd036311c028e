"""The optimizer hook: backward and step after every training iteration (seed 003 §5).

The runner only computes the loss (``runner.outputs['loss']``); ``OptimizerHook`` does the
rest, with three options that combine freely:

* ``grad_clip=dict(max_norm=35, norm_type=2)``: clip the total gradient norm before the step
  (the norm before clipping goes to the log as ``grad_norm``);
* ``cumulative_iters=4``: backward every iteration, step every 4, so batch 64 x 4 trains like
  batch 256 (exactly so for a model without BatchNorm);
* ``dtype='float16'|'bfloat16'``: mixed precision. The hook sets ``runner.autocast`` (the runner
  wraps ``train_step`` in ``torch.autocast(**runner.autocast)``) and, for float16,
  ``runner.grad_scaler``, a ``torch.amp.GradScaler``. float16 needs CUDA: on a CPU the hook
  warns and uses bfloat16, which needs no loss scaling.

mmcv's class names stay, as presets of the one class: ``GradientCumulativeOptimizerHook``,
``Fp16OptimizerHook`` (float16 by default) and ``GradientCumulativeFp16OptimizerHook``.
"""
import logging
import warnings

import torch
from torch.nn.utils import clip_grad_norm_

from cls_lab.errors import ArgumentError
from cls_lab.registry import HOOKS
from .hook import Hook

__all__ = ['OptimizerHook', 'GradientCumulativeOptimizerHook', 'Fp16OptimizerHook',
           'GradientCumulativeFp16OptimizerHook', 'find_unused_parameters']

DTYPES = {'float16': torch.float16, 'fp16': torch.float16, 'half': torch.float16,
          'bfloat16': torch.bfloat16, 'bf16': torch.bfloat16,
          torch.float16: torch.float16, torch.bfloat16: torch.bfloat16}


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


def make_grad_scaler(loss_scale, device_type):
    """A ``GradScaler`` for ``loss_scale``: ``'dynamic'``, a fixed number, or GradScaler kwargs.

    A fixed number stays fixed because ``OptimizerHook`` passes it to every ``update``."""
    if loss_scale == 'dynamic':
        kwargs = {}
    elif isinstance(loss_scale, dict):
        kwargs = dict(loss_scale)
    else:
        kwargs = dict(init_scale=float(loss_scale))
    return torch.amp.GradScaler(device_type, **kwargs)


@HOOKS.register_module()
class OptimizerHook(Hook):
    """zero_grad, backward, optional clipping, step; optionally accumulated and mixed-precision.

    ``grad_clip``: kwargs of ``torch.nn.utils.clip_grad_norm_`` (``max_norm``, ``norm_type``).
    ``detect_anomalous_params``: log the parameters the loss does not depend on (slow; debug).
    ``cumulative_iters``: iterations whose gradients add up into one step. As mmcv, counting
    is by the run's global iteration: the hook steps when ``(iter + 1) % cumulative_iters == 0``
    and at the run's last iteration, and each loss is divided by the size of its group (the
    last ``max_iters % cumulative_iters`` iterations form a smaller group).
    ``dtype``: ``None`` (full precision), ``'float16'`` or ``'bfloat16'`` autocast.
    ``loss_scale`` (float16 only): ``'dynamic'``, a number (a fixed scale; mmcv accepts only a
    float) or a dict of ``torch.amp.GradScaler`` kwargs. Gradients are unscaled before
    clipping, so ``max_norm`` means the true norm; the scaler's state is kept in
    ``runner.meta['fp16']['loss_scaler']`` so a resumed run continues with the learnt scale.
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self, grad_clip=None, detect_anomalous_params=False, cumulative_iters=1,
                 dtype=None, loss_scale=512.):
        if grad_clip is not None and 'max_norm' not in grad_clip:
            raise KeyError(f'optimizer_config.grad_clip needs max_norm, got {grad_clip!r}')
        if isinstance(cumulative_iters, bool) or not isinstance(cumulative_iters, int) \
                or cumulative_iters < 1:
            raise ArgumentError(f'cumulative_iters must be a positive int, got {cumulative_iters!r}')
        if dtype is not None and dtype not in DTYPES:
            raise ArgumentError(f"{type(self).__name__} dtype must be 'float16' or 'bfloat16', "
                             f'got {dtype!r}')
        if not (loss_scale == 'dynamic' or isinstance(loss_scale, (int, float, dict))):
            raise ArgumentError(f"loss_scale must be 'dynamic', a number or a dict, got {loss_scale!r}")
        self.grad_clip = None if grad_clip is None else dict(grad_clip)
        self.detect_anomalous_params = detect_anomalous_params
        self.cumulative_iters = cumulative_iters
        self.dtype = None if dtype is None else DTYPES[dtype]
        self.loss_scale = loss_scale
        # a number is a static scale: each update resets it (a step with inf/nan is still skipped)
        self.static_scale = float(loss_scale) if isinstance(loss_scale, (int, float)) else None
        self.checked = False   # the first-iteration warnings (resume phase, BatchNorm) ran

    # -- set up ------------------------------------------------------------------------
    def before_run(self, runner):
        if self.dtype is not None:
            self.setup_autocast(runner)
        if self.cumulative_iters > 1:
            runner.optimizer.zero_grad()

    def setup_autocast(self, runner):
        """``runner.autocast`` and ``runner.grad_scaler`` (float16 only), resumed from meta."""
        device_type = torch.device(runner.device).type
        dtype = self.dtype
        if dtype is torch.float16 and device_type != 'cuda':
            warnings.warn(f'float16 training needs CUDA; on {device_type} {type(self).__name__} '
                          'uses bfloat16 autocast instead (no loss scaling needed)')
            dtype = torch.bfloat16
        runner.autocast = dict(device_type=device_type, dtype=dtype)
        runner.grad_scaler = None
        if dtype is torch.float16:
            runner.grad_scaler = make_grad_scaler(self.loss_scale, device_type)
            state = runner.meta.get('fp16', {}).get('loss_scaler')
            if state:
                runner.grad_scaler.load_state_dict(state)   # resuming: keep the learnt scale

    def first_iter_checks(self, runner):
        """Warn once: a resumed run starting mid-group, BatchNorm under accumulation.

        mmcv's private ``_init`` / ``_get_loss_factor`` are this and ``loss_divisor`` here."""
        self.checked = True
        if self.cumulative_iters == 1:
            return
        if runner.iter % self.cumulative_iters != 0:
            runner.logger.warning(f'resumed at iteration {runner.iter}, not a multiple of '
                                  f'cumulative_iters={self.cumulative_iters}: the first group '
                                  'is short')
        if self.has_batch_norm(runner.model):
            runner.logger.warning('the model has BatchNorm layers: their statistics still see '
                                  'the small batches, so accumulation only approximates the '
                                  'large batch')

    @staticmethod
    def has_batch_norm(module):
        """Whether ``module`` holds a BatchNorm layer (its statistics see the small batches)."""
        norms = (torch.nn.modules.batchnorm._BatchNorm, torch.nn.SyncBatchNorm)
        return any(isinstance(m, norms) for m in module.modules())

    # -- one iteration -------------------------------------------------------------------
    def loss_divisor(self, runner):
        """How many iterations share the step that this iteration's gradient goes into."""
        full_groups_end = runner.max_iters // self.cumulative_iters * self.cumulative_iters
        if runner.iter < full_groups_end:
            return self.cumulative_iters
        return runner.max_iters - full_groups_end

    def clip_grads(self, params):
        """Clip the total norm of the gradients; returns that norm before clipping (or None)."""
        params = [p for p in params if p.requires_grad and p.grad is not None]
        if params:
            return clip_grad_norm_(params, **self.grad_clip)
        return None

    def after_train_iter(self, runner):
        if not self.checked:
            self.first_iter_checks(runner)
        if self.cumulative_iters == 1:   # as mmcv: the gradients stay readable after the step
            runner.optimizer.zero_grad()
        self.backward(runner, runner.outputs['loss'])
        if self.cumulative_iters == 1 or self.every_n_iters(runner, self.cumulative_iters) \
                or self.is_last_iter(runner):
            self.step(runner)
            if self.cumulative_iters > 1:
                runner.optimizer.zero_grad()

    def scaler(self, runner):
        """The loss scaler this hook set up (float16 only); a full-precision hook has none."""
        return runner.grad_scaler if self.dtype is not None else None

    def backward(self, runner, loss):
        """Gradients of ``loss`` (divided by its group's size, scaled for float16) add up."""
        if self.detect_anomalous_params:
            unused = find_unused_parameters(loss, runner.model)
            if unused:
                runner.logger.log(level=logging.ERROR, msg='parameters not in the loss graph '
                                  '(unused in forward): ' + ', '.join(unused))
        if self.cumulative_iters > 1:
            loss = loss / self.loss_divisor(runner)
        scaler = self.scaler(runner)
        if scaler is not None:
            loss = scaler.scale(loss)
        loss.backward()

    def step(self, runner):
        """Unscale (float16), clip and log the norm, then one optimizer step."""
        scaler = self.scaler(runner)
        if scaler is not None:
            scaler.unscale_(runner.optimizer)
        if self.grad_clip is not None:
            grad_norm = self.clip_grads(runner.model.parameters())
            if grad_norm is not None:
                runner.log_buffer.update({'grad_norm': float(grad_norm)},
                                         runner.outputs.get('num_samples', 1))
        if scaler is None:
            runner.optimizer.step()
        else:
            scaler.step(runner.optimizer)   # skipped when a gradient is inf/nan
            scaler.update(self.static_scale)
            runner.meta.setdefault('fp16', {})['loss_scaler'] = scaler.state_dict()


@HOOKS.register_module()
class GradientCumulativeOptimizerHook(OptimizerHook):
    """``OptimizerHook`` that steps every ``cumulative_iters`` iterations (mmcv's name)."""

    def __init__(self, cumulative_iters=1, **kwargs):
        super().__init__(cumulative_iters=cumulative_iters, **kwargs)


@HOOKS.register_module()
class Fp16OptimizerHook(OptimizerHook):
    """``OptimizerHook`` with float16 autocast and loss scaling (mmcv's name and arguments).

    ``coalesce``, ``bucket_size_mb`` and ``distributed`` are kept for mmcv configs; torch's
    DDP does that work now, so they change nothing (as in mmcv's torch-amp version).
    """

    def __init__(self, grad_clip=None, coalesce=True, bucket_size_mb=-1, loss_scale=512.,
                 distributed=True, dtype='float16', detect_anomalous_params=False,
                 cumulative_iters=1):
        super().__init__(grad_clip=grad_clip, detect_anomalous_params=detect_anomalous_params,
                         cumulative_iters=cumulative_iters, dtype=dtype, loss_scale=loss_scale)
        self.coalesce, self.bucket_size_mb, self.distributed = coalesce, bucket_size_mb, distributed


@HOOKS.register_module()
class GradientCumulativeFp16OptimizerHook(Fp16OptimizerHook):
    """``Fp16OptimizerHook`` that steps every ``cumulative_iters`` iterations (mmcv's name)."""

    def __init__(self, cumulative_iters=1, **kwargs):
        super().__init__(cumulative_iters=cumulative_iters, **kwargs)
