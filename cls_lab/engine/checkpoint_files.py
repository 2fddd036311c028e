"""Checkpoint files in a work dir: ``latest.pth`` points at the newest, numbered files behind it.

``runner.save_checkpoint`` writes ``epoch_N.pth`` / ``iter_N.pth`` and moves ``latest.pth``
with ``link_latest``; ``find_latest_checkpoint`` is what ``resume_from='auto'`` resumes.
"""
import os
import shutil
from pathlib import Path


def find_latest_checkpoint(work_dir):
    """``latest.pth`` in ``work_dir``, else the highest ``epoch_N`` / ``iter_N.pth``, else None."""
    work_dir = Path(work_dir)
    latest = work_dir / 'latest.pth'
    if latest.exists():
        return str(latest)
    numbered = []
    for path in work_dir.glob('*_*.pth'):
        prefix, _, number = path.stem.rpartition('_')
        if prefix in ('epoch', 'iter') and number.isdigit():
            numbered.append((int(number), str(path)))
    return max(numbered)[1] if numbered else None


def link_latest(target, link):
    """Point ``link`` at ``target``: a relative symlink swapped in atomically, else a copy."""
    target, link = Path(target), Path(link)
    temp = link.with_name(f'.{link.name}.{os.getpid()}.tmp')
    try:
        if temp.exists() or temp.is_symlink():
            temp.unlink()
        os.symlink(target.name if target.parent == link.parent else target.resolve(), temp)
    except (OSError, NotImplementedError):
        shutil.copyfile(target, temp)
    os.replace(temp, link)
