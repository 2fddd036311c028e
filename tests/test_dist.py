"""Two CPU processes (torchrun, gloo) train the toy model: same weights, rank 0 saves alone."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from cls_lab.engine.dist import get_dist_info, init_dist, master_only

DRIVER = Path(__file__).with_name('test_runner_toys.py')
ROOT = Path(__file__).resolve().parent.parent
# --standalone: torchrun binds its own rendezvous port (port 0) and hands it to the workers,
# so no port picked here can be taken by another process before torchrun binds it
STANDALONE = ['--standalone', '--nnodes=1', '--nproc_per_node=2']


@pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(),
                    reason='needs torch.distributed with gloo')
def test_two_processes_end_identical_and_only_rank0_writes(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1')
    cmd = [sys.executable, '-m', 'torch.distributed.run', *STANDALONE, str(DRIVER),
           str(tmp_path / 'work'), '--launcher', 'pytorch', '--max-epochs', '2',
           '--out', str(tmp_path / 'final.pt')]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    rank0 = torch.load(tmp_path / 'final.pt.rank0', weights_only=True)
    rank1 = torch.load(tmp_path / 'final.pt.rank1', weights_only=True)
    assert list(rank0) == list(rank1) and not any(k.startswith('module.') for k in rank0)
    for key in rank0:
        torch.testing.assert_close(rank0[key], rank1[key], rtol=0, atol=0, msg=key)
    written0 = sorted(os.listdir(tmp_path / 'work' / 'rank0'))
    assert 'epoch_2.pth' in written0 and 'latest.pth' in written0
    assert any(name.startswith('best_accuracy_top-1_epoch_') for name in written0)
    log_json = next((tmp_path / 'work' / 'rank0').glob('*.log.json'))
    assert '"accuracy_top-1"' in log_json.read_text()      # DistEvalHook gathered 21 scores
    assert not (tmp_path / 'work' / 'rank1').exists() or \
        os.listdir(tmp_path / 'work' / 'rank1') == []
    ckpt = torch.load(tmp_path / 'work' / 'rank0' / 'epoch_2.pth', weights_only=True)
    assert not any(k.startswith('module.') for k in ckpt['state_dict'])
    # 48 samples, 2 ranks x batch 8: 3 iterations per epoch on each rank
    assert ckpt['meta']['iter'] == 6


def test_single_process_helpers(monkeypatch):
    assert get_dist_info() == (0, 1)
    assert master_only(lambda: 'ran')() == 'ran'
    with pytest.raises(ValueError, match='pytorch'):
        init_dist('slurm')
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(RuntimeError, match='torchrun'):
        init_dist('pytorch')


def test_cli_train_with_torchrun_two_cpu_processes(tmp_path):
    from cls_lab.config import Config
    sys.path.insert(0, str(Path(__file__).parent))
    from tiny_configs import tiny_config_dict
    work_dir = tmp_path / 'work'
    cfg = tiny_config_dict(work_dir, max_epochs=2,
                           custom_hooks=[dict(type='RankProbeHook', priority='LOWEST')],
                           custom_imports=dict(imports=['test_runner_toys'],
                                               allow_failed_imports=False))
    config_file = tmp_path / 'tiny_dist.py'
    Config(cfg).dump(str(config_file))
    env = dict(os.environ, PYTHONPATH=f'{ROOT}{os.pathsep}{Path(__file__).parent}',
               OMP_NUM_THREADS='1')
    cmd = [sys.executable, '-m', 'torch.distributed.run', *STANDALONE, '-m', 'cls_lab', 'train',
           str(config_file), '--launcher', 'pytorch']
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300,
                            cwd=str(ROOT))
    assert result.returncode == 0, result.stderr[-3000:]
    probes = [torch.load(work_dir / f'probe_rank{r}.pt', weights_only=True) for r in (0, 1)]
    assert [p['world_size'] for p in probes] == [2, 2]
    assert probes[0]['saves'] > 0 and probes[1]['saves'] == 0     # rank 0 saves alone
    for key, value in probes[0]['state_dict'].items():
        if value.is_floating_point() and 'running' not in key:
            torch.testing.assert_close(probes[1]['state_dict'][key], value, rtol=0, atol=0,
                                       msg=key)
    assert (work_dir / 'epoch_2.pth').exists() and (work_dir / 'latest.pth').exists()


def test_close_dist_leaves_the_process_group(monkeypatch):
    from cls_lab.engine.dist import close_dist
    close_dist()   # nothing started: nothing to do
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    for key, value in dict(RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
                           MASTER_PORT=str(port)).items():
        monkeypatch.setenv(key, value)
    init_dist('pytorch', backend='gloo')
    assert dist.is_initialized() and get_dist_info() == (0, 1)
    close_dist()
    assert not dist.is_initialized() and get_dist_info() == (0, 1)
