"""``python -m cls_lab train|test|publish`` end to end, in real subprocesses.

Includes the crash test: a training killed with SIGKILL mid-epoch and resumed from its
last checkpoint ends with the same weights as one that was never interrupted.
"""
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tiny_configs import ROOT, write_tiny_config

PAUSE_HOOK = '''
import os, time
from pathlib import Path
from cls_lab.engine import Hook
from cls_lab.registry import HOOKS


@HOOKS.register_module(force=True)
class PauseHook(Hook):
    """Freezes training at iteration $CLS_LAB_PAUSE_AT (after that step) so a test can kill it."""

    def after_train_iter(self, runner):
        if os.environ.get('CLS_LAB_PAUSE_AT') == str(runner.iter):
            Path(os.environ['CLS_LAB_PAUSE_MARK']).write_text(str(runner.iter))
            time.sleep(600)
'''


def cli_env(extra_path=None, **variables):
    env = dict(os.environ, OMP_NUM_THREADS='1', MPLBACKEND='Agg', **variables)
    paths = [str(ROOT)] + ([str(extra_path)] if extra_path else [])
    env['PYTHONPATH'] = os.pathsep.join(paths + [env.get('PYTHONPATH', '')])
    return env


def cls_lab(*args, env=None, check=True):
    """Run ``python -m cls_lab ARGS`` from the repo root; returns the CompletedProcess."""
    done = subprocess.run([sys.executable, '-m', 'cls_lab', *map(str, args)], cwd=ROOT,
                          env=env or cli_env(), capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f'cls_lab {" ".join(map(str, args))} failed:\n{done.stderr[-4000:]}')
    return done


@pytest.fixture(scope='module')
def trained_cli(tmp_path_factory):
    """One tiny training through the CLI, shared by the tests that read its outputs."""
    tmp = tmp_path_factory.mktemp('cli')
    config = write_tiny_config(tmp / 'tiny_digits.py', tmp / 'unused', max_epochs=2)
    work_dir = tmp / 'work'
    done = cls_lab('train', config, '--work-dir', work_dir, '--seed', 3,
                   '--cfg-options', 'optimizer.lr=0.05', 'checkpoint_config.interval=1')
    return dict(config=config, work_dir=work_dir, stderr=done.stderr, stdout=done.stdout)


def test_help_lists_the_options():
    from cls_lab.__main__ import build_parser
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert {'train', 'test', 'publish'} <= set(commands)
    out = commands['train'].format_help()
    for option in ['--work-dir', '--cfg-options', '--resume-from', '--load-from', '--device',
                   '--seed', '--deterministic', '--launcher', '--no-validate', '--gpu-id']:
        assert option in out
    assert '--metric-options' in commands['test'].format_help()


def test_train_writes_config_log_and_checkpoints(trained_cli):
    work_dir = trained_cli['work_dir']
    names = set(os.listdir(work_dir))
    assert {'tiny_digits.py', 'epoch_1.pth', 'epoch_2.pth', 'latest.pth'} <= names, names
    logs = [n for n in names if re.fullmatch(r'\d{8}_\d{6}\.log', n)]
    assert len(logs) == 1, names
    log = (work_dir / logs[0]).read_text()
    assert 'Environment info' in log and 'PyTorch' in log
    assert 'Set random seed to 3' in log
    assert 'accuracy_top-1' in log                         # the EvalHook ran
    dumped = (work_dir / 'tiny_digits.py').read_text()
    assert 'lr=0.05' in dumped                             # --cfg-options reached the run
    meta = torch.load(work_dir / 'latest.pth', weights_only=True)['meta']
    assert meta['seed'] == 3 and meta['epoch'] == 2
    assert meta['CLASSES'] == [str(i) for i in range(10)]


def test_test_prints_metrics_and_writes_json(trained_cli, tmp_path):
    out = tmp_path / 'results.json'
    done = cls_lab('test', trained_cli['config'], trained_cli['work_dir'] / 'latest.pth',
                   '--metrics', 'accuracy', 'precision', '--metric-options', 'topk=(1,)',
                   '--out', out, '--device', 'cpu')
    found = dict(re.findall(r'^(\w[\w-]*): ([\d.]+)$', done.stdout, flags=re.M))
    assert {'accuracy_top-1', 'precision'} <= set(found), done.stdout
    record = json.loads(out.read_text())
    printed = float(found['accuracy_top-1'])
    assert record['metrics']['accuracy_top-1'] == pytest.approx(printed, abs=1e-4)
    assert len(record['pred_label']) == len(record['pred_class']) == 30    # 3 per class
    assert all(0 <= s <= 1 for s in record['pred_score'])


def test_test_refuses_pickle_output(trained_cli):
    done = cls_lab('test', trained_cli['config'], trained_cli['work_dir'] / 'latest.pth',
                   '--out', 'results.pkl', check=False)
    assert done.returncode != 0 and '.json' in done.stderr


def test_publish_drops_optimizer_and_names_by_hash(trained_cli, tmp_path):
    source = trained_cli['work_dir'] / 'latest.pth'
    assert 'optimizer' in torch.load(source, weights_only=True)
    done = cls_lab('publish', source, tmp_path / 'zoo' / 'tiny_digits.pth')
    final = Path(done.stdout.strip().splitlines()[-1])
    match = re.fullmatch(r'tiny_digits_(\d{8})-([0-9a-f]{8})\.pth', final.name)
    assert match and final.is_file(), final
    assert hashlib.sha256(final.read_bytes()).hexdigest()[:8] == match.group(2)
    published = torch.load(final, weights_only=True)
    assert 'optimizer' not in published and published['meta']['CLASSES']
    original = torch.load(source, weights_only=True)['state_dict']
    assert published['state_dict'].keys() == original.keys()
    from cls_lab.tools.publish import publish_checkpoint
    again = publish_checkpoint(source, tmp_path / 'zoo' / 'tiny_digits_20240101.pth')
    assert again.name == f'tiny_digits_20240101-{match.group(2)}.pth'   # same bytes, same hash


def test_resume_from_auto_through_the_cli(trained_cli, tmp_path):
    work_dir = tmp_path / 'work'
    config = write_tiny_config(tmp_path / 'tiny_digits.py', work_dir, max_epochs=1)
    cls_lab('train', config, '--no-validate')
    cls_lab('train', config, '--no-validate', '--resume-from', 'auto',
            '--cfg-options', 'runner.max_epochs=2')
    meta = torch.load(work_dir / 'latest.pth', weights_only=True)['meta']
    assert meta['epoch'] == 2
    log = sorted(work_dir.glob('*.log'))[-1].read_text()
    assert 'resume_from="auto"' in log and ('epoch_1.pth' in log or 'latest.pth' in log)


def test_distributed_train_and_test_with_torchrun(tmp_path):
    """Two CPU processes (gloo) through --launcher pytorch; rank 0 alone writes and reports."""
    config = write_tiny_config(tmp_path / 'tiny_digits.py', tmp_path / 'unused', max_epochs=1)
    work_dir = tmp_path / 'ddp'

    def torchrun(*args):   # --standalone: torchrun binds a free rendezvous port itself
        command = [sys.executable, '-m', 'torch.distributed.run', '--standalone',
                   '--nproc_per_node', '2', '-m', 'cls_lab', *map(str, args)]
        done = subprocess.run(command, cwd=ROOT, env=cli_env(), capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-4000:]
        return done

    torchrun('train', config, '--work-dir', work_dir, '--launcher', 'pytorch')
    assert {'epoch_1.pth', 'latest.pth'} <= set(os.listdir(work_dir))
    meta = torch.load(work_dir / 'latest.pth', weights_only=True)['meta']
    assert meta['iter'] == 3          # 60 images / (2 processes x 10 per batch)
    spread = torchrun('test', config, work_dir / 'latest.pth', '--launcher', 'pytorch')
    single = cls_lab('test', config, work_dir / 'latest.pth')
    pattern = r'accuracy_top-1: ([\d.]+)'
    assert re.findall(pattern, spread.stdout) == re.findall(pattern, single.stdout) != []


def final_weights(work_dir):
    return torch.load(Path(work_dir) / 'latest.pth', weights_only=True)['state_dict']


def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path):
    """Kill -9 in the middle of epoch 2, resume from epoch_1.pth, compare with a clean run.

    Validation runs after every epoch, so this also checks that evaluating does not shift
    the training's random streams (augmentation, shuffling).
    """
    (tmp_path / 'pause_hook.py').write_text(PAUSE_HOOK)
    hooks = [dict(type='PauseHook', priority='LOWEST')]
    imports = dict(imports=['pause_hook'], allow_failed_imports=False)
    args = ['--seed', 11]
    clean = write_tiny_config(tmp_path / 'clean.py', tmp_path / 'clean', max_epochs=3,
                              custom_hooks=hooks, custom_imports=imports)
    cls_lab('train', clean, *args, env=cli_env(tmp_path))

    crash = write_tiny_config(tmp_path / 'crash.py', tmp_path / 'crash', max_epochs=3,
                              custom_hooks=hooks, custom_imports=imports)
    mark = tmp_path / 'paused'
    first = torch.load(tmp_path / 'clean' / 'epoch_1.pth', weights_only=True)
    iters_per_epoch = first['meta']['iter']
    env = cli_env(tmp_path, CLS_LAB_PAUSE_AT=str(iters_per_epoch + 3), CLS_LAB_PAUSE_MARK=str(mark))
    process = subprocess.Popen([sys.executable, '-m', 'cls_lab', 'train', crash, *map(str, args)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 240
        while not mark.exists() and process.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert mark.exists(), f'training never reached the pause (exit code {process.poll()})'
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
    assert (tmp_path / 'crash' / 'epoch_1.pth').exists()
    assert not (tmp_path / 'crash' / 'epoch_2.pth').exists()

    cls_lab('train', crash, *args, '--resume-from', tmp_path / 'crash' / 'epoch_1.pth',
            env=cli_env(tmp_path))
    resumed, uninterrupted = final_weights(tmp_path / 'crash'), final_weights(tmp_path / 'clean')
    assert resumed.keys() == uninterrupted.keys()
    for key in uninterrupted:
        torch.testing.assert_close(resumed[key], uninterrupted[key], rtol=0, atol=1e-6,
                                   msg=lambda m: f'{key}: {m}')


def test_tutorial_resnet50_configs_parse_and_inherit():
    """configs/resnet/ holds seed 003 §1's two configs verbatim in meaning."""
    from cls_lab.config import Config
    base = Config.fromfile(str(ROOT / 'configs/resnet/resnet50_8xb32_in1k.py'))
    longer = Config.fromfile(str(ROOT / 'configs/resnet/resnet50_8xb32-300e_in1k.py'))
    assert base.model.backbone.depth == 50 and base.model.head.num_classes == 1000
    assert base.runner == dict(type='EpochBasedRunner', max_epochs=100)
    assert longer.runner == dict(type='EpochBasedRunner', max_epochs=300)
    assert longer.lr_config == dict(policy='step', step=[150, 200, 250])
    assert longer.data.train.data_prefix == 'mydata/imagenet/train'
    assert longer.data.train.pipeline == base.data.train.pipeline
    assert longer.data.samples_per_gpu == 32 and longer.optimizer == base.optimizer
    assert 'resnet50_8xb32-300e_in1k.py' in longer.explain('runner.max_epochs')


DIGITS_CONFIG = 'configs/resnet/resnet18-narrow_1xb32-coslr-4e_digits.py'


def test_digits_config_reaches_95_percent_from_the_cli(tmp_path):
    """The quickstart experiment, unchanged: the shipped config trains to >= 95% val top-1."""
    work_dir = tmp_path / 'digits'
    started = time.time()
    cls_lab('train', DIGITS_CONFIG, '--work-dir', work_dir, '--seed', 0, '--device', 'cpu')
    seconds = time.time() - started
    log_json = next(work_dir.glob('*.log.json'))
    records = [json.loads(line) for line in log_json.read_text().splitlines()]
    top1 = [r['accuracy_top-1'] for r in records if r.get('mode') == 'val']
    assert len(top1) == 4, records
    assert top1[-1] >= 95.0, f'val top-1 per epoch {top1} ({seconds:.0f} s)'
