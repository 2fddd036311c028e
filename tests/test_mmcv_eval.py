"""EvalHook, single_gpu_test and the evaluation log follow mmcv 1.7's call contracts.

Every expected value below was recorded by running the same toy model and data set through
mmcv 1.7.2's runners and EvalHook side by side.
"""
import glob
import json
import logging
import os

import pytest
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from cls_lab.apis import single_gpu_test
from cls_lab.engine import (EpochBasedRunner, EvalHook, IterBasedRunner, IterTimerHook,
                            TextLoggerHook)

LOGGER = logging.getLogger('test_mmcv_eval')


class Scripted(Dataset):
    """Two samples with ``img_metas``; ``evaluate`` returns the next scripted accuracy."""

    def __init__(self, scores=(1, 4, 3, 7, 2, -3, 4, 6, 5, 0), length=2):
        self.scores, self.calls, self.length = list(scores), [], length

    def __getitem__(self, i):
        return dict(x=torch.tensor([float(i)]), img_metas=dict(idx=i))

    def __len__(self):
        return self.length

    def evaluate(self, results, logger=None, **kwargs):
        self.calls.append(sorted(kwargs))
        score = self.scores.pop(0)
        return dict(acc=score, loss_x=-score)


class MetaModel(nn.Module):
    """A model written for mmcls: its test forward needs ``img_metas``."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([1.0]))

    def forward(self, x, img_metas=None, return_loss=True):
        assert img_metas is not None, 'the whole batch must reach forward'
        return self.w * x

    def train_step(self, data, optimizer, **kwargs):
        loss = (self.w * data['x']).sum()
        return dict(loss=loss, log_vars=dict(loss=float(loss.detach())), num_samples=1)


def run(tmp_path, by_epoch, n, start=None, interval=1, resume_at=None, extra_hooks=(), **kw):
    dataset = Scripted()
    model = MetaModel()
    runner_cls = EpochBasedRunner if by_epoch else IterBasedRunner
    runner = runner_cls(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
                        work_dir=str(tmp_path), logger=LOGGER, device='cpu')
    for hook in extra_hooks:
        runner.register_hook(hook)
    runner.register_hook(EvalHook(DataLoader(dataset, batch_size=2), start=start,
                                  interval=interval, by_epoch=by_epoch, **kw), priority='LOW')
    if resume_at is not None:
        setattr(runner, '_epoch' if by_epoch else '_iter', resume_at)
    runner.run([DataLoader(Scripted(), batch_size=1)], [('train', 1)], n)
    files = sorted(os.path.basename(f) for f in glob.glob(f'{tmp_path}/*.pth'))
    msgs = {k: os.path.basename(v) if isinstance(v, str) else v
            for k, v in runner.meta.get('hook_msgs', {}).items()}
    return dict(calls=len(dataset.calls), kwargs=dataset.calls[0] if dataset.calls else None,
                files=files, msgs=msgs)


# (by_epoch, n, hook arguments) -> what mmcv 1.7.2 did
MMCV_RUNS = [
    ((True, 3, {}), dict(calls=3, kwargs=[], files=[], msgs={})),
    ((True, 3, dict(start=0)), dict(calls=4, kwargs=[], files=[], msgs={})),  # + before training
    ((True, 4, dict(start=1, interval=2)), dict(calls=2, kwargs=[], files=[], msgs={})),
    ((True, 4, dict(start=1, resume_at=2)), dict(calls=3, kwargs=[], files=[], msgs={})),
    ((True, 4, dict(start=3, resume_at=1)), dict(calls=2, kwargs=[], files=[], msgs={})),
    ((False, 3, dict(start=0)), dict(calls=4, kwargs=[], files=[], msgs={})),
    ((False, 5, dict(interval=2)), dict(calls=2, kwargs=[], files=[], msgs={})),
    ((True, 6, dict(save_best='auto')), dict(calls=6, kwargs=[], files=['best_acc_epoch_4.pth'],
                                             msgs=dict(best_score=7, best_ckpt='best_acc_epoch_4.pth'))),
    ((True, 6, dict(save_best='loss_x')), dict(calls=6, kwargs=[],
                                               files=['best_loss_x_epoch_4.pth'],
                                               msgs=dict(best_score=-7,
                                                         best_ckpt='best_loss_x_epoch_4.pth'))),
    ((True, 6, dict(save_best='acc', rule='less')),
     dict(calls=6, kwargs=[], files=['best_acc_epoch_6.pth'],
          msgs=dict(best_score=-3, best_ckpt='best_acc_epoch_6.pth'))),
    ((True, 1, dict(metric='accuracy', metric_options=dict(topk=(1,)))),
     dict(calls=1, kwargs=['metric', 'metric_options'], files=[], msgs={})),
]


@pytest.mark.parametrize('args,expected', MMCV_RUNS)
def test_eval_hook_timing_best_and_kwargs_match_mmcv(tmp_path, args, expected):
    by_epoch, n, kwargs = args
    assert run(tmp_path, by_epoch, n, **kwargs) == expected


def test_best_checkpoint_meta_names_itself_and_resume_keeps_one(tmp_path):
    run(tmp_path, True, 2, save_best='acc')                      # scores 1, 4: best epoch 2
    first = tmp_path / 'best_acc_epoch_2.pth'
    meta = torch.load(first, weights_only=True)['meta']
    assert meta['hook_msgs'] == dict(best_score=4, best_ckpt=str(first))
    dataset = Scripted(scores=(3, 7, 2))
    model = MetaModel()
    runner = EpochBasedRunner(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                              work_dir=str(tmp_path), logger=LOGGER, device='cpu')
    runner.register_hook(EvalHook(DataLoader(dataset, batch_size=2), save_best='acc'))
    runner.resume(str(first))
    runner.run([DataLoader(Scripted(), batch_size=1)], [('train', 1)], 5)
    assert sorted(p.name for p in tmp_path.glob('best_*.pth')) == ['best_acc_epoch_4.pth']
    assert runner.meta['hook_msgs']['best_score'] == 7


def test_eval_hook_argument_checks():
    loader = DataLoader(Scripted())
    with pytest.raises(TypeError, match='DataLoader'):
        EvalHook([loader])
    with pytest.raises(ValueError, match="rule='greater'"):      # at construction, as mmcv
        EvalHook(loader, save_best='unsupported')
    with pytest.raises(KeyError):
        EvalHook(loader, save_best='auto', rule='unsupported')
    with pytest.raises(TypeError, match='save_best'):
        EvalHook(loader, save_best=True)
    with pytest.raises(ValueError):
        EvalHook(loader, start=-1)
    hook = EvalHook(loader, save_best='acc', greater_keys=[], less_keys=['acc'])
    assert hook.rule == 'less'


def test_empty_result_warns_and_custom_test_fn(tmp_path):
    class Empty(Scripted):
        def evaluate(self, results, logger=None, **kwargs):
            self.calls.append(results)
            return {}
    dataset = Empty()
    model = MetaModel()
    runner = EpochBasedRunner(model=model, work_dir=str(tmp_path), logger=LOGGER, device='cpu')
    seen = []
    runner.register_hook(EvalHook(DataLoader(dataset), save_best='auto',
                                  test_fn=lambda m, loader: seen.append(m) or ['r']))
    with pytest.warns(UserWarning, match='`eval_res` is an empty dict, the behavior to save'):
        runner.run([DataLoader(Scripted(), batch_size=1)], [('train', 1)], 1)
    assert seen == [model] and dataset.calls == [['r']] and not list(tmp_path.glob('best_*'))
    plain = EpochBasedRunner(model=model, work_dir=str(tmp_path), logger=LOGGER, device='cpu')
    EvalHook(DataLoader(dataset)).before_run(plain)   # hook_msgs exists even without save_best
    assert plain.meta['hook_msgs'] == {}


def test_single_gpu_test_passes_the_whole_batch():
    results = single_gpu_test(MetaModel(), DataLoader(Scripted(length=3), batch_size=2))
    assert [float(r) for r in results] == [0.0, 1.0, 2.0]


def log_records(tmp_path, by_epoch, n):
    class Sized(Scripted):
        def evaluate(self, results, logger=None, **kwargs):
            return dict(acc=float(len(results)))
    model = MetaModel()
    runner_cls = EpochBasedRunner if by_epoch else IterBasedRunner
    runner = runner_cls(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
                        work_dir=str(tmp_path), logger=LOGGER, device='cpu')
    runner.register_hook(IterTimerHook(), priority='LOW')
    runner.register_hook(EvalHook(DataLoader(Sized(length=4), batch_size=2), interval=2 - by_epoch,
                                  by_epoch=by_epoch), priority='LOW')
    runner.register_hook(TextLoggerHook(interval=1, by_epoch=by_epoch), priority='VERY_LOW')
    runner.run([DataLoader(Scripted(length=4), batch_size=2)], [('train', 1)], n)
    lines = open(next(tmp_path.glob('*.log.json'))).read().splitlines()
    records = [json.loads(line) for line in lines]
    return [(r['mode'], r['epoch'], r['iter'],
             sorted(k for k in r if k not in ('time', 'data_time', 'memory')))
            for r in records if 'mode' in r]


TRAIN_KEYS, VAL_KEYS = ['epoch', 'iter', 'loss', 'lr', 'mode'], ['acc', 'epoch', 'iter', 'lr', 'mode']


def test_iteration_eval_logs_the_train_record_first(tmp_path):
    # mmcv 1.7.2 wrote the same records, except that its iteration runner still reports
    # epoch 1 for iteration 3 (it reads the loader's pass count before fetching the batch)
    assert log_records(tmp_path, False, 4) == [
        ('train', 1, 1, TRAIN_KEYS), ('train', 1, 2, TRAIN_KEYS), ('val', 1, 2, VAL_KEYS),
        ('train', 2, 3, TRAIN_KEYS), ('train', 2, 4, TRAIN_KEYS), ('val', 2, 2, VAL_KEYS)]


def test_epoch_eval_records_match_mmcv(tmp_path):
    assert log_records(tmp_path, True, 2) == [
        ('train', 1, 1, TRAIN_KEYS), ('train', 1, 2, TRAIN_KEYS), ('val', 1, 2, VAL_KEYS),
        ('train', 2, 1, TRAIN_KEYS), ('train', 2, 2, TRAIN_KEYS), ('val', 2, 2, VAL_KEYS)]
