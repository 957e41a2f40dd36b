"""One `fix` at a time per project: the root that bounds writes, and the lock on it.

Two `fix` runs started together on the same tree would analyse the same old
files; the second would then find every file changed under it. Instead, `fix`
takes an exclusive `flock` on the project root directory before it analyses
anything, so a second run waits for the first, then reads the fixed files and
finds nothing left to fix. The lock is on the directory itself (no lock file
to leave behind, nothing to clean up, nothing for git to show); it is released
by the kernel when the process ends, however it ends.

The root is the enclosing git repository of the project root (the directory
holding `.git`), or the project root itself (the config's directory, or the
checked paths' common directory) outside a repository. Fixes never write
outside it, even through symlinks.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path


def fix_root(project_root: Path) -> Path:
    """Where a fix may write: the git repository around `project_root`, else `project_root`."""
    start = Path(os.path.abspath(project_root))
    for directory in (start, *start.parents):
        if os.path.lexists(directory / ".git"):
            return directory
    return start


@contextlib.contextmanager
def fix_lock(root: Path, *, enabled: bool = True) -> Iterator[None]:
    """Hold the project's fix lock for the duration, waiting (with a message) if another run holds it.

    Where locking is unavailable (no `fcntl`, a filesystem that refuses
    `flock`), the run goes on unlocked: each file is still re-checked right
    before it is written, so a concurrent run can cost a skipped file, never a
    wrong one.
    """
    if not enabled:
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        descriptor = os.open(root, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        _acquire(fcntl, descriptor, root)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _acquire(fcntl, descriptor: int, root: Path) -> None:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    except OSError:  # ENOLCK, EBADF on some network filesystems: go on unlocked
        return
    print(f"goldenpath-audit: waiting for another `fix` running in {root} to finish", file=sys.stderr, flush=True)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except OSError:
        pass
