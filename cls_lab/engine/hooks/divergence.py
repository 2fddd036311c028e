"""Loss explosion: stop a run whose loss has grown far past where it started.

NaN and inf are caught by CheckInvalidLossHook at once; a loss that climbs to 1e13 is
finite and would train on, saving useless checkpoints. ``LossExplosionCheck`` takes the
median loss of the first ``window`` training iterations as the scale and stops when a later
loss exceeds ``factor`` times it and ``min_loss`` (so a fine-tuning run starting near 0 may
still rise to 1). CheckInvalidLossHook runs it (cls_lab's addition to mmcv's hook); turn it
off with ``custom_hooks = [dict(type='CheckInvalidLossHook', explosion_factor=None)]``.
"""
import statistics

from cls_lab.errors import TrainingDivergedError


class LossExplosionCheck:
    """Call with each training loss; raises TrainingDivergedError once it explodes."""

    def __init__(self, factor=1e3, window=20, min_loss=10.0):
        if factor is not None and not (isinstance(factor, (int, float)) and factor > 1):
            raise ValueError(f'explosion_factor must be a number > 1 or None (off), got {factor!r}')
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise ValueError(f'explosion_window must be a positive int, got {window!r}')
        self.factor, self.window, self.min_loss = factor, window, min_loss
        self.first_losses = []

    def __call__(self, loss, where):
        if self.factor is None:
            return
        if len(self.first_losses) < self.window:
            self.first_losses.append(float(loss))
            return
        scale = statistics.median(self.first_losses)
        if loss > max(self.factor * scale, self.min_loss):
            raise TrainingDivergedError(
                f'loss exploded at {where}: loss={loss:.4g} is more than {self.factor:g} x '
                f'{scale:.4g}, the median of the first {self.window} iterations. Lower '
                'optimizer.lr or add optimizer_config=dict(grad_clip=dict(max_norm=35)); to '
                "train on anyway, set custom_hooks=[dict(type='CheckInvalidLossHook', "
                'explosion_factor=None)]')
