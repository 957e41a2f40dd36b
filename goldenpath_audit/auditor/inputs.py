"""What a run read besides the files it checked, so a later run can tell whether its conclusions still hold.

A file's findings depend on more than its own bytes: the pytest config that
governs it, the dependency pins above it, the conftest.py files that register
markers, the first-party modules it imports, which modules define a name it
imports wrongly. `run_memo.py` replays a file's findings only when none of
that changed, so everything a run consults is written down here while it runs:

* `InputLog` (run-wide): every file read that is not a checked Python file
  (configs, requirements, conftest facts; by content digest), every directory
  listed (by a digest of its names) and every existence probe (missing, file
  or directory). A change in any of these replays nothing.
* `FileDeps` (per checked file): the first-party module files its rules
  looked into (by digest) and the names it asked "which module defines N?"
  about. A change there checks that file again; the others are still replayed.

Reads and listings are caught by an audit hook (`sys.addaudithook`), so a
config reader added later cannot be forgotten; existence probes are not
audited events, so probing code calls `is_file`/`is_dir`/`exists` here. The
hook is installed on the first recorded run and does nothing when no run is
recording.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

# A file modified more recently than this is re-read next time, whatever its mtime says
# (another write in the same mtime tick with the same size would go unnoticed).
RACY_NS = 2_000_000_000
# Probe results.
MISSING, FILE, DIRECTORY, OTHER = 0, 1, 2, 3

_log: "InputLog | None" = None
_frame: "FileDeps | None" = None
_hooked = False
_busy = False  # the hook's own reads must not be recorded (or recurse)


@dataclass(slots=True)
class FileDeps:
    """What one checked file's rules consulted beyond the run-wide inputs."""

    modules: dict[str, str | None] = field(default_factory=dict)  # path -> digest
    names: set[str] = field(default_factory=set)


@dataclass
class InputLog:
    """Run-wide inputs: file digests, directory listings, existence probes."""

    # Paths under these are the tool's own (cache, installed packages): not inputs.
    ignored: tuple[str, ...] = ()
    files: dict[str, str | None] = field(default_factory=dict)
    listings: dict[str, str | None] = field(default_factory=dict)
    probes: dict[str, int] = field(default_factory=dict)
    # "Which modules define N?" answers (paths of the defining files), for FileDeps.names,
    # and every module file such a question looked at: path -> `signature` (None: re-read).
    answers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scanned: dict[str, tuple[int, ...] | None] = field(default_factory=dict)
    # Set when something was consulted that this log cannot describe: the run is not replayable.
    opaque: bool = False

    def _paired(self, older: "InputLog") -> tuple[tuple[dict, dict], ...]:
        """Each kind of input of this log beside the same kind in `older`."""
        return (
            (self.files, older.files),
            (self.listings, older.listings),
            (self.probes, older.probes),
            (self.answers, older.answers),
            (self.scanned, older.scanned),
        )

    def merge(self, older: "InputLog") -> None:
        """Carry over what an earlier run read for the results this run replays."""
        for mine, theirs in self._paired(older):
            for key, value in theirs.items():
                mine.setdefault(key, value)

    def within(self, older: "InputLog") -> bool:
        """Whether `older` already holds every input of this log, with the same value.

        Then merging `older` into this log gives `older` back: a replay that consulted
        nothing new (or only what it knew) has no inputs to save. The check costs what
        this run consulted, not the size of `older` (10,000 scanned files in a big suite).
        """
        missing = object()
        for mine, theirs in self._paired(older):
            for key, value in mine.items():
                if theirs.get(key, missing) != value:
                    return False
        return True

    def changed(self) -> str | None:
        """The first input that no longer reads as recorded (for debugging), or None."""
        global _busy
        _busy = True
        try:
            for path, digest in self.files.items():
                if file_digest(path) != digest:
                    return path
            for path, digest in self.listings.items():
                if listing_digest(path, self.ignored) != digest:
                    return path
            for path, kind in self.probes.items():
                if probe(path) != kind:
                    return path
            return None
        finally:
            _busy = False


def signature(info: os.stat_result, now: int | None = None) -> tuple[int, ...] | None:
    """What stat says about a file, or None for a file written too recently to be trusted by it.

    Inode and mode are in too: a file replaced by another (a symlink retargeted)
    or made unreadable keeps its mtime and size, and must be looked at again.
    `now` (time.time_ns()) lets a caller comparing thousands of files read the clock once.
    """
    if (time.time_ns() if now is None else now) - info.st_mtime_ns < RACY_NS:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino, info.st_mode)


def file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as stream:
            return hashlib.sha256(stream.read()).hexdigest()
    except (OSError, ValueError):
        return None


def listing_digest(path: str, ignored: tuple[str, ...] = ()) -> str | None:
    """A digest of a directory's entry names, leaving out the tool's own directories.

    The cache directory appears in the project root when the first run saves,
    after that run listed the root: counting it would make the second run ever
    replay nothing.
    """
    inside = path.rstrip(os.sep) + os.sep
    hidden = {root[len(inside) :].rstrip(os.sep) for root in ignored if root.startswith(inside)}
    try:
        names = sorted(name for name in os.listdir(path) if name not in hidden)
    except (OSError, ValueError):
        return None
    return hashlib.sha256("\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()


def probe(path: str) -> int:
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return MISSING
    if stat.S_ISREG(mode):
        return FILE
    if stat.S_ISDIR(mode):
        return DIRECTORY
    return OTHER


# -- recording ----------------------------------------------------------------------------


@contextmanager
def recording(log: InputLog) -> Iterator[InputLog]:
    """Record into `log` until the block ends."""
    global _log, _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    previous, _log = _log, log
    try:
        yield log
    finally:
        _log = previous


@contextmanager
def paused() -> Iterator[None]:
    """Reads the tool makes for itself (its cache), not on behalf of a rule."""
    global _busy
    previous, _busy = _busy, True
    try:
        yield
    finally:
        _busy = previous


@contextmanager
def file_frame() -> Iterator[FileDeps]:
    """Attribute module lookups to the file being checked until the block ends."""
    global _frame
    previous, _frame = _frame, FileDeps()
    try:
        yield _frame
    finally:
        _frame = previous


def active() -> bool:
    return _log is not None


def _audit(event: str, args: tuple) -> None:
    log = _log
    if log is None or _busy:
        return
    if event == "open":
        path, mode = args[0], args[1]
        if isinstance(mode, str) and "r" in mode and "+" not in mode:
            _note_read(log, path)
    elif event in ("os.listdir", "os.scandir"):
        _note_listing(log, args[0])


def _as_str(path: object) -> str | None:
    if isinstance(path, int):  # a file descriptor: not a path
        return None
    try:
        path = os.fspath(path)  # type: ignore[arg-type]
    except TypeError:
        return None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return os.path.abspath(path) if isinstance(path, str) else None


def _ignored(log: InputLog, path: str) -> bool:
    return _under(path, log.ignored)


def _under(path: str, roots: tuple[str, ...]) -> bool:
    """Under one of the tool's own directories (each given with a trailing separator), or one of them."""
    return bool(roots) and (path + os.sep).startswith(roots)


def _note_read(log: InputLog, raw_path: object) -> None:
    global _busy
    path = _as_str(raw_path)
    if path is None or path in log.files or path.endswith((".py", ".pyc", ".so")) or _ignored(log, path):
        return  # Python files: checked files have their own digests, modules go through note_module
    _busy = True
    try:
        if probe(path) == FILE:
            log.files[path] = file_digest(path)
    finally:
        _busy = False


def _note_listing(log: InputLog, raw_path: object) -> None:
    global _busy
    path = _as_str("." if raw_path is None else raw_path)
    if path is None or path in log.listings or _ignored(log, path):
        return
    _busy = True
    try:
        log.listings[path] = listing_digest(path, log.ignored)
    finally:
        _busy = False


def note_listing(directory: Path | str) -> None:
    """A directory whose entries an answer rests on, even when a stored copy of its listing was used."""
    log = _log
    if log is not None and not _busy:
        _note_listing(log, directory)


def note_python_read(path: Path | str, digest: str | None) -> None:
    """A Python file whose facts a run-wide analysis used (a conftest.py, a plugin module)."""
    log = _log
    if log is not None:
        log.files.setdefault(os.path.abspath(path), digest)


def note_module(path: Path | str, digest: str | None) -> None:
    """A first-party module file whose contents a lookup used."""
    if _frame is not None:
        _frame.modules.setdefault(os.fspath(path), digest)
    else:
        note_python_read(path, digest)


def note_name(name: str, defining: tuple[str, ...]) -> None:
    """A "which modules define `name`?" question and its answer (the defining files)."""
    log = _log
    if log is None:
        return
    log.answers.setdefault(name, defining)
    if _frame is not None:
        _frame.names.add(name)
    else:
        log.opaque = True  # a run-wide analysis depending on every module: never replayed


def note_scanned(path: Path | str, info: os.stat_result | None) -> None:
    """A module file a "which modules define N?" scan looked at, stat taken before reading it."""
    log = _log
    if log is not None:
        log.scanned.setdefault(os.fspath(path), signature(info) if info is not None else None)


def _note_probe(path: Path | str, kind: int) -> int:
    log = _log
    if log is not None and not _busy:
        log.probes.setdefault(os.path.abspath(path), kind)
    return kind


def is_file(path: Path | str) -> bool:
    """`Path.is_file`, recorded as an input of the run."""
    return _note_probe(path, probe(os.fspath(path))) == FILE


def is_dir(path: Path | str) -> bool:
    """`Path.is_dir`, recorded as an input of the run."""
    return _note_probe(path, probe(os.fspath(path))) == DIRECTORY


def exists(path: Path | str) -> bool:
    """`Path.exists`, recorded as an input of the run."""
    return _note_probe(path, probe(os.fspath(path))) != MISSING


def lexists(path: Path | str) -> bool:
    """`os.path.lexists` (a dangling symlink exists), recorded as an input of the run."""
    path = os.fspath(path)
    kind = probe(path)
    if kind == MISSING and os.path.islink(path):
        kind = OTHER
    return _note_probe(path, kind) != MISSING
