"""One training per work_dir at a time: a lock file held while the run writes there.

Two runs in one folder would overwrite each other's text log and interleave their JSON
logs and checkpoints. The lock is an OS file lock (``fcntl.flock``) on ``<work_dir>/.lock``,
so a run that is killed releases it at once: a stale lock file never blocks the next run.
Taking the lock also removes ``.tmp_*.pth`` files left by a save that was killed halfway.
"""
import contextlib
import os
import time
from pathlib import Path

from cls_lab.errors import UserError

try:
    import fcntl
except ImportError:     # Windows: no advisory locks; the lock is then a no-op
    fcntl = None

LOCK_NAME = '.lock'
_held = {}              # work_dir -> open lock file of this process (the lock is re-entrant)


class WorkDirBusyError(UserError):
    """Another process is training into the same work_dir."""


@contextlib.contextmanager
def work_dir_lock(work_dir, rank=0):
    """Hold ``work_dir``'s lock for the ``with`` block (rank 0 only; nested use is a no-op)."""
    key = str(Path(work_dir).resolve())
    if rank != 0 or key in _held or fcntl is None:
        yield
        return
    Path(work_dir).mkdir(parents=True, exist_ok=True)
    path = Path(work_dir) / LOCK_NAME
    handle = open(path, 'a+', encoding='utf-8')
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        owner = handle.read().strip() or 'another process'
        handle.close()
        raise WorkDirBusyError(f'work_dir {work_dir} is in use by another training ({owner}); '
                               'wait for it to end or choose another --work-dir') from None
    handle.seek(0)
    handle.truncate()
    handle.write(f'pid {os.getpid()}, started {time.strftime("%Y-%m-%d %H:%M:%S")}\n')
    handle.flush()
    _held[key] = handle
    try:
        remove_orphan_temp_files(work_dir)
        yield
    finally:
        del _held[key]
        handle.close()   # closing releases the lock; the file stays (harmless, tiny)


def remove_orphan_temp_files(work_dir):
    """Delete ``.tmp_*.pth`` files of killed saves (only ever called under the lock)."""
    removed = []
    for path in Path(work_dir).glob('.tmp_*.pth'):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed
