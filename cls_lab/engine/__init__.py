"""The training engine: runners, hooks, optimizers and checkpoints."""
from .hooks import *  # noqa: F401,F403
from .hooks import Hook, Priority, get_priority
from .runner import EpochBasedRunner, IterBasedRunner, find_latest_checkpoint
from .base_runner import BaseRunner
from .log_buffer import LogBuffer
from .dist import close_dist, get_dist_info, init_dist, master_only
from .lamb import Lamb
from .optimizer import DefaultOptimizerConstructor, build_optimizer, build_optimizer_constructor
from .checkpoint import load_checkpoint, save_checkpoint
from .schedule_preview import simulate_schedule
from . import pretrained  # noqa: F401  (registers the 'Pretrained' init_cfg type)
