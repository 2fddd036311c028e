"""Check a training config before anything is built or logged: types, misspelt keys, metrics.

Each check raises a ``UserError`` naming the key, the value and the fix, so a typo in
``runner``, ``lr_config``, ``evaluation`` or ``data`` stops the run in its first second
rather than after the first epoch (mmcv finds some of these only when the hook runs).
"""
from cls_lab.datasets.base_dataset import BaseDataset
from cls_lab.datasets.metrics import ALLOWED_METRICS
from cls_lab.errors import ConfigValueError, DataError, UserError, check_positive_int
from cls_lab.registry import DATASETS, HOOKS, RUNNERS, argument_names, unknown_argument_message

METRIC_OPTIONS = ('topk', 'thrs', 'average_mode')
EVALUATE_ARGUMENTS = ('metric', 'metric_options', 'indices', 'logger')


def check_train_config(cfg):
    """Everything about ``cfg`` that can be checked without data or a model."""
    check_data_config(cfg)
    runner = cfg.get('runner')
    if runner is not None:
        check_runner_config(runner)
    from cls_lab.engine.hooks import build_lr_hook, build_momentum_hook
    build_lr_hook(cfg.get('lr_config'))
    build_momentum_hook(cfg.get('momentum_config'))
    if cfg.get('evaluation') is not None:
        check_evaluation(cfg.evaluation, cfg.data.get('val', {}).get('type'))


def check_data_config(cfg):
    data = cfg.get('data')
    if not isinstance(data, dict):
        raise UserError(f'the config has no data dict (data=dict(samples_per_gpu=..., '
                        f'workers_per_gpu=..., train=...)), got data={data!r}')
    check_positive_int(data.get('samples_per_gpu'), 'data.samples_per_gpu')
    check_positive_int(data.get('workers_per_gpu', 0), 'data.workers_per_gpu', allow_zero=True)


def check_runner_config(runner):
    """``runner.type`` is registered, its keys are arguments, max_epochs/max_iters whole numbers."""
    if not isinstance(runner, dict) or 'type' not in runner:
        raise UserError(f"runner must be a dict with a type, e.g. runner=dict(type="
                        f"'EpochBasedRunner', max_epochs=10); got {runner!r}")
    runner_cls = RUNNERS.get(runner['type'])
    if runner_cls is None:
        close = RUNNERS.suggest(str(runner['type']))
        raise UserError(f"runner.type={runner['type']!r} is not a runner; "
                        f"use one of {close or RUNNERS.all_names()}")
    check_arguments(runner_cls, runner, 'runner')
    for key in ('max_epochs', 'max_iters'):
        if key in runner:
            check_positive_int(runner[key], f'runner.{key}')


def check_arguments(obj_cls, cfg, key):
    """Every key of ``cfg`` but ``type`` is a keyword of ``obj_cls``, else "did you mean"."""
    names, open_ended = argument_names(obj_cls)
    if open_ended:
        return
    for name in cfg:
        if name != 'type' and name not in names:
            raise UserError(f'{key}.{name}: ' + unknown_argument_message(name, names))


def check_evaluation(evaluation, val_type=None):
    """``evaluation`` keys are EvalHook or ``dataset.evaluate`` arguments; metrics are known."""
    if not isinstance(evaluation, dict):
        raise UserError(f"evaluation must be a dict, e.g. evaluation=dict(interval=1, "
                        f"metric='accuracy'); got {evaluation!r}")
    names = list(dict.fromkeys(argument_names(HOOKS.get('EvalHook'))[0] + list(EVALUATE_ARGUMENTS)
                               + argument_names(HOOKS.get('DistEvalHook'))[0]))
    names.remove('dataloader')
    for name in evaluation:
        if name not in names and name not in ('by_epoch', 'type'):
            raise UserError('evaluation.' + name + ': ' + unknown_argument_message(name, names))
    dataset_cls = DATASETS.get(val_type) if isinstance(val_type, str) else None
    if dataset_cls is None or getattr(dataset_cls, 'evaluate', None) is BaseDataset.evaluate:
        check_metrics(evaluation.get('metric', 'accuracy'), evaluation.get('metric_options'))


def check_metrics(metric, metric_options=None, metric_key='evaluation.metric',
                  options_key='evaluation.metric_options'):
    """Metric names from ALLOWED_METRICS and metric_options from METRIC_OPTIONS."""
    metrics = [metric] if isinstance(metric, str) else metric
    if not isinstance(metrics, (list, tuple)):
        raise ConfigValueError(f'{metric_key} must be a name or a list of names, got {metric!r}')
    for name in metrics:
        if name not in ALLOWED_METRICS:
            raise UserError(f'{metric_key}: '
                            + unknown_argument_message(name, ALLOWED_METRICS, 'metric'))
    for name in metric_options or {}:
        if name not in METRIC_OPTIONS:
            raise UserError(f'{options_key}.{name}: '
                            + unknown_argument_message(name, METRIC_OPTIONS, 'option'))


def check_device(device):
    """``device`` if torch can use it; 'cuda' without a GPU says so and suggests cpu."""
    import torch
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ConfigValueError(f'--device {device!r} is not a device; use cpu, cuda or '
                               'cuda:N') from None
    if parsed.type == 'cuda':
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise UserError(f'--device {device}: this machine has no CUDA GPU that torch can '
                            'use; run with --device cpu')
        if parsed.index is not None and parsed.index >= count:
            raise UserError(f'--device {device}: there is no GPU {parsed.index} (this machine '
                            f'has {count}); use cuda:0 .. cuda:{count - 1}')
    return device


def check_training_data(model, dataset, name='data.train'):
    """Before epoch 1: every listed image exists, and the head has a logit for every label."""
    from cls_lab.datasets.verify import check_files_exist
    from cls_lab.engine.dist import unwrap_model
    check_files_exist(dataset, name)
    num_classes = getattr(getattr(unwrap_model(model), 'head', None), 'num_classes', None)
    if not isinstance(num_classes, int) or not hasattr(dataset, 'get_gt_labels'):
        return
    labels = dataset.get_gt_labels()
    if labels.ndim != 1 or not len(labels):    # multi-label targets, or nothing to check
        return
    classes = getattr(dataset, 'CLASSES', None)
    data_classes = len(classes) if classes is not None else int(labels.max()) + 1
    if data_classes > num_classes or labels.max() >= num_classes:
        raise DataError(f'model.head.num_classes={num_classes} but {name} has {data_classes} '
                        f'classes (labels 0..{int(labels.max())}); set '
                        f'model.head.num_classes={max(data_classes, int(labels.max()) + 1)}')
