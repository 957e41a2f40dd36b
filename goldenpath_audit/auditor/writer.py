"""Atomic file replacement that keeps the file's mode.

The new bytes go to a temporary file in the same directory (same filesystem),
are flushed to disk, get the original permission bits, and then replace the
original with `os.replace`, which is atomic on POSIX: a reader sees either the
whole old file or the whole new one, never a mix, even if we are killed.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Replace (or create) `path` with `data`; an existing file keeps its permission bits."""
    target = Path(os.path.realpath(path))  # write through a symlink, not over it
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".gpa-tmp", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
