"""A training process killed with SIGKILL and resumed ends with the uninterrupted weights."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from cls_lab.engine import find_latest_checkpoint

DRIVER = Path(__file__).with_name('test_runner_toys.py')
ROOT = Path(__file__).resolve().parent.parent


def driver(*args, wait=True):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1')
    cmd = [sys.executable, str(DRIVER), *map(str, args)]
    if wait:
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
        return None
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.skipif(not hasattr(signal, 'SIGKILL'), reason='needs POSIX signals')
def test_sigkill_then_resume_matches_uninterrupted(tmp_path):
    driver(tmp_path / 'full', '--out', tmp_path / 'full.pt')

    work_dir = tmp_path / 'killed'
    process = driver(work_dir, '--slow', wait=False)
    deadline = time.time() + 90
    while not (work_dir / 'epoch_2.pth').exists():   # epochs 3-4 are slowed down
        assert process.poll() is None, 'the training process ended before it could be killed'
        assert time.time() < deadline, 'no epoch_2.pth after 90 s'
        time.sleep(0.05)
    time.sleep(0.3)                                   # well into epoch 3
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not (work_dir / 'epoch_4.pth').exists()

    latest = find_latest_checkpoint(work_dir)
    assert latest is not None
    torch.load(latest, weights_only=True)            # the link points at a complete file
    driver(work_dir, '--resume-from', latest, '--out', tmp_path / 'resumed.pt')

    full = torch.load(tmp_path / 'full.pt', weights_only=True)
    resumed = torch.load(tmp_path / 'resumed.pt', weights_only=True)
    assert full.keys() == resumed.keys()
    for key in full:
        torch.testing.assert_close(resumed[key], full[key], rtol=0, atol=1e-6, msg=key)
