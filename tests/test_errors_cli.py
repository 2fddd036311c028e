"""User errors on the command line: one or two lines naming the key/file/value, exit 1, no traceback.

Every case calls ``cls_lab.__main__.main([...])`` in-process on the tiny digits config;
none of them trains more than a few iterations.
"""
import re
from pathlib import Path

import pytest
import torch

from cls_lab.__main__ import build_parser, main
from cls_lab.engine import Hook
from cls_lab.registry import HOOKS

from tiny_configs import ROOT, write_tiny_config


@pytest.fixture
def config(tmp_path):
    return write_tiny_config(tmp_path / 'tiny.py', tmp_path / 'work', max_epochs=1)


def fails(argv, capsys, code=1):
    """Run the CLI; it must exit ``code`` with at most two lines on stderr and no traceback."""
    assert main([str(a) for a in argv]) == code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if ' - cls_lab - ' not in line]   # log lines
    assert 'Traceback' not in err and len(lines) <= 2, err
    return lines[0]


@pytest.mark.parametrize('option, message', [
    ('model.backbone.in_chanels=3', "unknown argument 'in_chanels'; did you mean 'in_channels'?"),
    ('runner.max_epoch=2', "runner.max_epoch: unknown argument 'max_epoch'; did you mean "
                           "'max_epochs'?"),
    ('lr_config.warmup_iter=2', "unknown argument 'warmup_iter'; did you mean 'warmup_iters'?"),
    ('evaluation.metrc=accuracy', "evaluation.metrc: unknown argument 'metrc'; did you mean "
                                  "'metric'?"),
    ('evaluation.metric=acuracy', "evaluation.metric: unknown metric 'acuracy'; did you mean "
                                  "'accuracy'?"),
    ('data.samples_per_gpu=thirty', "data.samples_per_gpu must be a positive whole number, got "
                                    "'thirty'"),
    ('runner.max_epochs=1.5', 'runner.max_epochs must be a positive whole number, got 1.5'),
    ('model.head.num_classes=5', 'model.head.num_classes=5 but data.train has 10 classes '
                                 '(labels 0..9); set model.head.num_classes=10'),
])
def test_bad_config_values_are_one_line_before_anything_is_written(option, message, config,
                                                                    tmp_path, capsys):
    line = fails(['train', config, '--cfg-options', option], capsys)
    assert line.startswith('cls_lab train: error: ') and message in line
    assert not (tmp_path / 'work').exists()          # nothing started, nothing to clean up


def test_missing_or_folder_config_and_bad_device(config, tmp_path, capsys, monkeypatch):
    assert 'config file nope.py does not exist' in fails(['train', 'nope.py'], capsys)
    assert 'is a folder, not a config file' in fails(['print-config', tmp_path], capsys)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    line = fails(['train', config, '--device', 'cuda'], capsys)
    assert '--device cuda: this machine has no CUDA GPU' in line and '--device cpu' in line


def test_bad_arguments_are_two_lines_exit_2(config, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(['browse-dataset', config, '--output-dir', str(tmp_path), '--number', '-3'])
    assert info.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ['python -m cls_lab browse-dataset: error: argument --number: must be 1 or '
                   'more, got -3', '(see: python -m cls_lab browse-dataset --help)']


def test_test_metrics_are_checked_before_the_checkpoint_is_read(config, capsys):
    line = fails(['test', config, 'never_read.pth', '--metrics', 'accuracy', 'f1score'], capsys)
    assert "--metrics: unknown metric 'f1score'; did you mean 'f1_score'?" in line
    assert 'never_read.pth does not exist' in fails(['test', config, 'never_read.pth'], capsys)


def test_debug_shows_the_traceback(monkeypatch):
    with pytest.raises(FileNotFoundError, match='nope.py'):
        main(['--debug', 'train', 'nope.py'])
    with pytest.raises(FileNotFoundError):
        main(['train', 'nope.py', '--debug'])
    monkeypatch.setenv('CLS_LAB_DEBUG', '1')
    with pytest.raises(FileNotFoundError):
        main(['print-config', 'nope.py'])


def test_publish_of_a_text_file_says_it_is_not_a_checkpoint(tmp_path, capsys):
    text = tmp_path / 'notes.pth'
    text.write_text('not weights\n')
    line = fails(['publish', text, tmp_path / 'out.pth'], capsys)
    assert f'{text} is not a checkpoint (not a file written by torch.save)' in line
    assert 'weights_only' not in line and not list(tmp_path.glob('out*'))


def test_every_path_in_every_help_exists():
    commands = build_parser()._subparsers._group_actions[0].choices
    paths = set()
    for command in commands.values():
        paths.update(re.findall(r'\b((?:configs|data_samples)/[\w./-]+)', command.format_help()))
    assert paths, 'the help examples name no config'
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, missing


@HOOKS.register_module(force=True)
class InterruptAfterFirstEpoch(Hook):
    """Ctrl-C in the second epoch (the first one's checkpoint is saved)."""

    def before_train_iter(self, runner):
        if runner.epoch == 1:
            raise KeyboardInterrupt


def test_ctrl_c_names_the_last_checkpoint_and_the_resume_command(tmp_path, capsys):
    work = tmp_path / 'work'
    config = write_tiny_config(tmp_path / 'tiny.py', work, max_epochs=2, train_per_class=1,
                               custom_hooks=[dict(type='InterruptAfterFirstEpoch')])
    assert main(['train', config, '--no-validate']) == 130
    err = capsys.readouterr().err
    assert 'Traceback' not in err
    assert f'interrupted: the last checkpoint is {work / "latest.pth"}' in err
    assert (f'resume with: python -m cls_lab train {work / "tiny.py"} --work-dir {work} '
            f'--resume-from {work / "latest.pth"}') in err
    assert (work / 'epoch_1.pth').exists() and not (work / 'epoch_2.pth').exists()


def test_a_second_run_into_a_busy_work_dir_refuses(tmp_path, capsys):
    import fcntl
    work = tmp_path / 'work'
    config = write_tiny_config(tmp_path / 'tiny.py', work, max_epochs=1, train_per_class=1)
    work.mkdir()
    (work / '.lock').write_text('pid 1, started earlier\n')   # stale: nobody holds it
    (work / '.tmp_killed_save.pth').write_bytes(b'PK half')    # a save killed halfway
    with open(work / '.lock', 'a+') as holder:                 # "another process" holds it
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        line = fails(['train', config, '--no-validate'], capsys)
        assert f'work_dir {work} is in use by another training (pid 1, started earlier)' in line
        assert not list(work.glob('*.log'))                      # it wrote nothing there
    assert main(['train', config, '--no-validate']) == 0      # released: a stale file is fine
    assert (work / 'epoch_1.pth').exists() and not list(work.glob('.tmp_*'))
    assert len(list(work.glob('*.log'))) == 1
