"""Checkpoint faults: truncated or foreign files, fits that are partial or empty, resume checks,
disk full, permissions, orphan temp files. Tiny nn.Linear models only."""
import errno
import logging
import os

import pytest
import torch
import torch.nn as nn

from cls_lab.engine import EpochBasedRunner
from cls_lab.engine.checkpoint import load_checkpoint, save_checkpoint
from cls_lab.engine.resume_check import check_optimizer_fits
from cls_lab.engine.work_dir_lock import work_dir_lock
from cls_lab.errors import CheckpointError


class Net(nn.Module):
    def __init__(self, out=3):
        super().__init__()
        self.fc = nn.Linear(4, out)
        self.bn = nn.BatchNorm1d(out)

    def forward(self, x):
        return self.bn(self.fc(x))

    def train_step(self, data, optimizer=None):   # the runner refuses a model without one
        loss = self(data['img']).sum()
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data['img']))


@pytest.fixture
def saved(tmp_path):
    model = Net()
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(2, 4)).sum().backward()
    optimizer.step()
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint(model, str(path), optimizer, meta=dict(epoch=1, iter=5))
    return path


def test_truncated_text_and_empty_files_are_named(saved, tmp_path):
    truncated = tmp_path / 'cut.pth'
    truncated.write_bytes(saved.read_bytes()[:len(saved.read_bytes()) // 2])
    (tmp_path / 'text.pth').write_text('hello\n')
    (tmp_path / 'empty.pth').write_bytes(b'')
    cases = {truncated: f'{truncated} is not a complete checkpoint (truncated?)',
             tmp_path / 'text.pth': f'{tmp_path / "text.pth"} is not a checkpoint (not a file '
                                    'written by torch.save)',
             tmp_path / 'empty.pth': f'{tmp_path / "empty.pth"} is empty'}
    for path, message in cases.items():
        with pytest.raises(CheckpointError) as info:
            load_checkpoint(Net(), str(path))
        assert str(info.value).startswith(message) and 'weights_only' not in str(info.value)


def test_load_reports_how_many_tensors_fit(saved, caplog):
    with caplog.at_level(logging.INFO, logger='cls_lab'):
        load_checkpoint(Net(), str(saved))
    assert f'loaded 7/7 tensors from {saved}' in caplog.text    # fc: 2, bn: 5 with buffers
    with pytest.raises(CheckpointError, match=r'loaded 0/2 tensors: this checkpoint does not '
                                              r'fit the model'):
        load_checkpoint(nn.Sequential(nn.Linear(2, 2)), str(saved))
    with pytest.raises(CheckpointError, match=r'fits the model only partly: loaded 1/7 tensors '
                                              r'\(wrong shape fc.weight, fc.bias, bn.weight'):
        load_checkpoint(Net(out=7), str(saved), allow_partial=False)   # only num_batches_tracked


def test_partial_fit_is_refused_unless_allowed(saved):
    class Bigger(Net):
        def __init__(self):
            super().__init__()
            self.extra = nn.Linear(3, 2)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(Bigger(), str(saved), allow_partial=False)
    assert str(info.value) == (f'{saved} fits the model only partly: loaded 7/9 tensors '
                               '(missing extra.weight, extra.bias); use a checkpoint of this '
                               'config, or pass --allow-partial (allow_partial=True) to load '
                               'it anyway')
    model = Bigger()
    with pytest.warns(UserWarning, match=r'loaded 7/9 tensors'):
        load_checkpoint(model, str(saved))                   # load_from: partial is fine
    assert torch.equal(model.fc.weight, torch.load(saved, weights_only=True)['state_dict']['fc.weight'])


def make_runner(model, tmp_path):
    return EpochBasedRunner(model, torch.optim.Adam(model.parameters()), work_dir=str(tmp_path),
                            max_epochs=2, device='cpu')


def test_resume_needs_a_training_checkpoint_that_fits(saved, tmp_path):
    published = tmp_path / 'published.pth'
    checkpoint = torch.load(saved, weights_only=True)
    checkpoint.pop('optimizer')
    torch.save(checkpoint, published)
    with pytest.raises(CheckpointError, match=r'has no optimizer state \(a published or '
                                              r'weights-only checkpoint\).*--load-from'):
        make_runner(Net(), tmp_path).resume(str(published))
    with pytest.raises(CheckpointError, match=r'comes from another config \(num_classes\?\)'):
        make_runner(Net(out=5), tmp_path).resume(str(saved))
    runner = make_runner(Net(), tmp_path)
    runner.resume(str(saved))
    assert (runner.epoch, runner.iter) == (1, 5)


def test_optimizer_state_of_another_model_is_named(saved):
    other = Net(out=5)
    state = torch.load(saved, weights_only=True)['optimizer']
    with pytest.raises(CheckpointError, match=r"optimizer state 'exp_avg' has shape \(3, 4\) "
                                              r'for a parameter of shape \(5, 4\)'):
        check_optimizer_fits(torch.optim.Adam(other.parameters()), state, 'x.pth')
    with pytest.raises(CheckpointError, match=r'parameter groups of \[4\] tensors, this model '
                                              r'has \[2\]'):
        check_optimizer_fits(torch.optim.Adam(other.fc.parameters()), state, 'x.pth')


def test_disk_full_names_the_path_and_keeps_the_old_checkpoint(saved, monkeypatch):
    before = saved.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(torch, 'save', full)
    with pytest.raises(CheckpointError) as info:
        save_checkpoint(Net(), str(saved))
    assert str(info.value).startswith(f'cannot save {saved}: no space left on the disk (')
    assert 'MiB free in' in str(info.value)
    assert saved.read_bytes() == before and not list(saved.parent.glob('.tmp_*'))


def test_checkpoints_get_the_permissions_of_logs(tmp_path):
    old = os.umask(0o022)
    try:
        save_checkpoint(Net(), str(tmp_path / 'a.pth'))
        (tmp_path / 'a.log').write_text('x')
    finally:
        os.umask(old)
    assert oct((tmp_path / 'a.pth').stat().st_mode & 0o777) == oct(
        (tmp_path / 'a.log').stat().st_mode & 0o777) == '0o644'


def test_orphan_temp_files_are_removed_when_a_run_starts(tmp_path):
    (tmp_path / '.tmp_abc123.pth').write_bytes(b'PK')
    (tmp_path / 'keep.pth').write_bytes(b'PK')
    with work_dir_lock(tmp_path):
        assert not (tmp_path / '.tmp_abc123.pth').exists()
    assert (tmp_path / 'keep.pth').exists()
