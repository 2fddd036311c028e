"""The high-level API: build a model from a config, train it, test it, predict one image.

These few functions are what the command-line tools (``python -m cls_lab train|test``) and
the notebooks call; everything below them (runner, hooks, datasets) stays swappable.
"""
from .inference import default_device, inference_model, init_model, show_result_pyplot
from .test import multi_gpu_test, single_gpu_test
from .train import (find_latest_checkpoint, get_root_logger, init_random_seed,
                    set_random_seed, train_model)

__all__ = ['init_model', 'inference_model', 'show_result_pyplot', 'default_device',
           'single_gpu_test', 'multi_gpu_test', 'set_random_seed', 'init_random_seed',
           'train_model', 'get_root_logger', 'find_latest_checkpoint']
