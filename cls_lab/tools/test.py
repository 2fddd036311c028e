"""Evaluate a checkpoint on the config's test set and print the metrics.

    python -m cls_lab test configs/resnet/resnet18-narrow_1xb32-coslr-4e_digits.py \\
        work_dirs/resnet18-narrow_1xb32-coslr-4e_digits/latest.pth
    python -m cls_lab test CONFIG CHECKPOINT --metrics accuracy precision recall f1_score \\
        --metric-options topk=[1,5] --out results.json --show-dir work_dirs/shown

Metrics default to the config's ``evaluation.metric``; ``--out`` writes the metrics and
every image's prediction as JSON.
"""
import json
from pathlib import Path

from cls_lab.config import Config, DictAction
from cls_lab.errors import UserError


def add_arguments(parser):
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file (.pth)')
    parser.add_argument('--metrics', nargs='+', help='metrics for dataset.evaluate, e.g. '
                        'accuracy precision recall f1_score support (default: '
                        'cfg.evaluation.metric, else accuracy)')
    parser.add_argument('--metric-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='options for the metrics, e.g. topk=[1,5] thrs=0.5')
    parser.add_argument('--out', help='write metrics and predictions to this .json file')
    parser.add_argument('--show-dir', help='save every test image with its prediction here')
    parser.add_argument('--device', help='cpu, cuda or cuda:N (default: cuda when present)')
    parser.add_argument('--allow-partial', action='store_true',
                        help='evaluate even when the checkpoint fits only some of the model')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. data.samples_per_gpu=64')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help='"pytorch" when started by torchrun')


def main(args):
    import torch
    from cls_lab.apis import default_device, init_model, multi_gpu_test, single_gpu_test
    from cls_lab.apis.config_checks import check_data_config, check_device, check_metrics
    from cls_lab.datasets import build_dataloader, build_dataset

    if args.out is not None and Path(args.out).suffix != '.json':
        raise UserError(f'--out {args.out}: results are written as JSON; use a .json name')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='--cfg-options')
    metrics = _metrics(cfg, args)
    check_metrics(metrics['metric'], metrics['metric_options'],
                  '--metrics' if args.metrics else 'evaluation.metric', 'metric options')
    check_data_config(cfg)
    distributed = args.launcher != 'none'
    if distributed:
        from cls_lab.engine.dist import init_dist
        init_dist(args.launcher, **cfg.get('dist_params', {}))

    dataset = build_dataset(cfg.data.test, dict(test_mode=True))
    loader = build_dataloader(dataset, cfg.data.samples_per_gpu, cfg.data.workers_per_gpu,
                              dist=distributed, shuffle=False)
    device = check_device(args.device) if args.device else default_device()
    if distributed and device == 'cuda':
        device = f'cuda:{torch.cuda.current_device()}'   # init_dist set it from LOCAL_RANK
    model = init_model(cfg, args.checkpoint, device=device, classes=dataset.CLASSES,
                       allow_partial=args.allow_partial)

    if distributed:
        from cls_lab.engine.dist import close_dist
        scores = multi_gpu_test(model, loader)
        close_dist()            # every rank has its share of the scores on rank 0 now
        if scores is None:      # not rank 0: rank 0 reports
            return 0
    else:
        scores = single_gpu_test(model, loader, out_dir=args.show_dir)

    results = dataset.evaluate(scores, metric=metrics['metric'],
                               metric_options=metrics['metric_options'])
    for name, value in results.items():
        value = _number(value)
        print(f'{name}: {value:.4f}' if isinstance(value, float) else f'{name}: {value}')
    if args.out:
        _write_json(args.out, results, scores, model.CLASSES)
        print(f'wrote {args.out}')
    return 0


def _metrics(cfg, args):
    """--metrics / --metric-options, else what ``cfg.evaluation`` asks for."""
    evaluation = cfg.get('evaluation') or {}
    metric = args.metrics or evaluation.get('metric', 'accuracy')
    options = dict(evaluation.get('metric_options') or {})
    options.update(args.metric_options or {})
    return dict(metric=metric, metric_options=options or None)


def _number(value):
    """A metric as a float (or a list of floats for per-class or per-k values)."""
    import numpy as np
    value = np.asarray(value, dtype=float)
    return float(value) if value.ndim == 0 else value.round(6).tolist()


def _write_json(path, metrics, scores, classes):
    import numpy as np
    labels = [int(np.argmax(s)) for s in scores]
    record = dict(
        metrics={name: _number(value) for name, value in metrics.items()},
        pred_label=labels,
        pred_score=[float(s[label]) for s, label in zip(scores, labels)],
        pred_class=[str(classes[label]) for label in labels],
        class_scores=[np.asarray(s, dtype=float).round(6).tolist() for s in scores])
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(record, f, indent=1)
