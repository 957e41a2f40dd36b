"""Atomic file replacement that keeps the file's mode (and owner, where permitted).

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
    owner: tuple[int, int] | None = None
    try:
        info = target.stat()
        mode = stat.S_IMODE(info.st_mode)
        owner = (info.st_uid, info.st_gid)
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
        _keep_owner(temp_name, owner)  # before chmod: chown clears set-user-ID bits
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise


def _keep_owner(temp_name: str, owner: tuple[int, int] | None) -> None:
    """Give the new file the old one's owner and group, when allowed (root may; others rarely can)."""
    if owner is None or not hasattr(os, "chown"):
        return
    info = os.stat(temp_name)
    if (info.st_uid, info.st_gid) == owner:
        return
    try:
        os.chown(temp_name, *owner)
    except OSError:  # not permitted: the file ends up owned by whoever ran the fix
        pass
