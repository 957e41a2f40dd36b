"""Atomic file replacement that keeps the file's mode (and owner, where permitted).

The new bytes go to a temporary file in the same directory (same filesystem),
are flushed to disk, get the original permission bits, and then replace the
original with `os.replace`, which is atomic on POSIX: a reader sees either the
whole old file or the whole new one, never a mix, even if we are killed.

Around that, the writer refuses what would surprise the user:

- a path that resolves (through a symlink, of the file or of a directory) to
  a place outside the project root is not written; a symlink that stays
  inside the root is written through, and stays a symlink;
- a symlink loop or a dangling symlink is not followed;
- a file whose bytes are no longer the ones the fix was computed from is not
  replaced: it is compared once more right before `os.replace`, after the new
  content is already on disk, so the window for a lost edit is microseconds.

SIGINT and SIGTERM arriving while a file is being replaced are held until the
replacement is done (or undone), then delivered as usual: an interrupted run
leaves each file wholly old or wholly new, and no temporary file behind. Only
SIGKILL (or a power cut) can leave a `.NAME.XXXXXXXX.gpa-tmp` file; the name
starts with a dot and does not end in `.py`, so neither pytest nor this tool
ever collects it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

TEMP_SUFFIX = ".gpa-tmp"


class WriteRefused(Exception):
    """The file is left as it is; the message says why (shown to the user as is)."""


class _Any:
    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()  # `expected=ANY`: replace whatever is there
CHANGED = "changed since it was checked; not fixed (run again)"


def resolve_target(path: Path, root: Path | None = None) -> Path:
    """The real file `path` names, checked to lie inside `root` (when given).

    A path that does not exist yet resolves through its (existing) directory.
    Raises `WriteRefused` for a symlink loop, a dangling symlink, or a target
    outside `root`.
    """
    path = Path(path)
    try:
        target = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        if os.path.lexists(path):
            raise WriteRefused(f"is a dangling symlink (to {os.readlink(path)}); not fixed") from None
        try:
            target = Path(os.path.realpath(path.parent, strict=True)) / path.name
        except OSError as exc:
            raise WriteRefused(f"cannot resolve its directory: {exc.strerror or exc}") from None
    except OSError as exc:  # ELOOP: a symlink loop
        raise WriteRefused(f"cannot resolve: {exc.strerror or exc}; not fixed") from None
    if root is not None:
        real_root = os.path.realpath(root)
        if os.path.commonpath([real_root, str(target)]) != real_root:
            raise WriteRefused(f"resolves to {target}, outside the project root {real_root}; not fixed")
    return target


def write_atomic(path: Path, data: bytes, *, root: Path | None = None, expected: bytes | None | _Any = ANY) -> None:
    """Replace (or create) `path` with `data`; an existing file keeps its permission bits.

    `root`: refuse to write outside it (see `resolve_target`). `expected`: the
    bytes the file must still hold (None: it must not exist), else
    `WriteRefused` and nothing changes.
    """
    target = resolve_target(path, root)  # write through a symlink, not over it
    owner: tuple[int, int] | None = None
    try:
        info = target.stat()
        mode = stat.S_IMODE(info.st_mode)
        owner = (info.st_uid, info.st_gid)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with _signals_held():
        descriptor, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            _keep_owner(temp_name, owner)  # before chmod: chown clears set-user-ID bits
            os.chmod(temp_name, mode)
            if not isinstance(expected, _Any) and _current(target) != expected:
                raise WriteRefused(CHANGED)
            os.replace(temp_name, target)
        except BaseException:
            try:
                os.unlink(temp_name)
            except FileNotFoundError:
                pass
            raise


def _current(target: Path) -> bytes | None:
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the duration; deliver them afterwards, in order.

    The handlers in place (Python's KeyboardInterrupt, the CLI's clean exit, or
    SIGTERM's default of terminating) run once the file is replaced or the
    temporary file removed. Ignored signals stay ignored. Only the main thread
    can change handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: object) -> None:
        pending.append(signum)

    previous: dict[int, object] = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            handler = signal.getsignal(signum)
            if handler is None or handler == signal.SIG_IGN:
                continue  # installed outside Python (cannot be restored), or ignored anyway
            previous[signum] = signal.signal(signum, hold)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)


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
