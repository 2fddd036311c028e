"""Every hook, registered in ``cls_lab.registry.HOOKS`` on import."""
from . import lr_updater, momentum_updater, optimizer
from .hook import Hook, Priority, get_priority
from .checkpoint import CheckpointHook
from .iter_timer import IterTimerHook
from .eval import DistEvalHook, EvalHook
from .logger import LoggerHook, ProgressBarHook, TensorboardLoggerHook, TextLoggerHook
from .ema import EMAHook
from .precise_bn import PreciseBNHook
from .param_updater import ParamUpdaterHook
from .misc import CheckInvalidLossHook, DistSamplerSeedHook, EmptyCacheHook, SyncBuffersHook
from .lr_updater import *  # noqa: F401,F403  (LR schedules)
from .momentum_updater import *  # noqa: F401,F403  (momentum schedules)
from .optimizer import *  # noqa: F401,F403  (OptimizerHook, fp16, gradient accumulation)

__all__ = ['Hook', 'Priority', 'get_priority', 'CheckpointHook', 'IterTimerHook', 'EvalHook',
           'DistEvalHook', 'LoggerHook', 'TextLoggerHook', 'TensorboardLoggerHook',
           'ProgressBarHook', 'EMAHook', 'EmptyCacheHook', 'SyncBuffersHook',
           'DistSamplerSeedHook', 'CheckInvalidLossHook', 'ParamUpdaterHook', 'PreciseBNHook',
           *lr_updater.__all__, *momentum_updater.__all__, *optimizer.__all__]
