"""A per-file facts cache, so a warm `check` skips parsing unchanged files.

What is cached is what one file's parse produces: its `FileFacts` (or the
syntax problem that stopped the parse). Findings are computed from the facts,
by the rules, against project-level facts (config, dependency pins, marker
registry, module index) read afresh each run; `check` replays the findings of
files whose inputs it can show are unchanged (run_memo.py), never otherwise,
so an edited `pyproject.toml` can never leave stale findings behind.

An entry's key is the sha256 of the file's bytes plus a signature of what the
extraction depended on: the tool version, the Python version (`ast` results
differ between versions), and the run plan's tracked modules, marker/import
flags and fact collectors.

Storage is one pickle file per cache directory (`<dir>/v2/facts.pickle`),
loaded once and written atomically (temp file + `os.replace`) at the end of a
run. Each entry inside it is pickled on its own and unpickled only when a run
asks for it; a stat index (path -> mtime, size, digest) lets a warm run skip
reading files that have not changed. It keeps the entries used in this run plus a bounded number of others. A
cache file that cannot be read or is not exactly what this version wrote is
ignored and rebuilt; a cache directory that cannot be written just means the
run goes without one.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from goldenpath_audit import __version__

if TYPE_CHECKING:
    from goldenpath_audit.auditor.facts import FileFacts

CACHE_DIR_NAME = ".goldenpath_cache"
FORMAT = "v2"
FILE_NAME = "facts.pickle"
# Entries not used in a run that are kept anyway (other selections, other branches).
MAX_EXTRA_ENTRIES = 20_000
# Files modified more recently than this are not entered in the stat index.
RACY_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class CachedSyntaxProblem:
    line: int
    column: int
    message: str
    newer_grammar: bool = False


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """What one file's parse produced: facts, or the syntax problem that stopped it."""

    facts: FileFacts | None
    problem: CachedSyntaxProblem | None = None
    skipped: bool = False  # holds none of the enabled rules' tokens: never parsed


def default_cache_dir(project_root: Path) -> Path:
    return Path(project_root) / CACHE_DIR_NAME


def is_racy(info: os.stat_result) -> bool:
    """Modified within the last two seconds: another write in the same mtime tick,
    with the same size, would go unnoticed (git calls such entries "racily clean"),
    so neither stat index trusts such a file or directory."""
    return time.time_ns() - info.st_mtime_ns < RACY_NS


def environment() -> str:
    """What every stored entry depends on: tool, Python and libcst versions, and this checkout's code."""
    return _environment()


@lru_cache(maxsize=1)
def _environment() -> str:
    return f"{__version__}|{sys.implementation.name}|{sys.version}|libcst {_libcst_stamp()}|{_code_stamp()}"


def _libcst_stamp() -> str:
    """Which libcst is installed (it decides the "newer Python grammar" syntax message).

    The size and mtime of its `__init__.py`, which any reinstall rewrites: found
    without importing libcst or `importlib.metadata` (~10 ms a run, a pre-commit
    run's budget).
    """
    try:
        from importlib.util import find_spec

        spec = find_spec("libcst")
        info = os.stat(spec.origin)  # type: ignore[union-attr, arg-type]
        return f"{spec.origin}:{info.st_size}:{info.st_mtime_ns}"  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - any failure just makes the key less specific
        return "?"


def _code_stamp() -> str:
    """Size and mtime of every module of this package: facts of an edited checkout never mix."""
    package = Path(__file__).resolve().parent.parent
    parts = []
    for directory, _, names in sorted(os.walk(package)):
        for name in sorted(names):
            if name.endswith(".py"):
                info = os.stat(os.path.join(directory, name))
                parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def plan_signature(
    modules: Iterable[str], *, markers: bool, imports: bool, collectors: Iterable[tuple], tokens: Iterable[bytes] = ()
) -> str:
    """What extraction depends on besides the file's bytes."""
    parts = [
        _environment(),
        b",".join(sorted(tokens)).decode("utf-8", "backslashreplace"),
        ",".join(sorted(modules)),
        f"markers={bool(markers)}",
        f"imports={bool(imports)}",
        ",".join(
            f"{key}={getattr(collect, '__module__', '?')}.{getattr(collect, '__qualname__', '?')}"
            for key, collect in collectors
        ),
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8", "backslashreplace")).hexdigest()


class FactsCache:
    """Facts by (plan signature, content digest), loaded lazily and saved with `save`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.file = self.directory / FORMAT / FILE_NAME
        # Stored entries stay pickled until asked for: a pre-commit run over ten
        # files unpickles ten entries, not the whole project's.
        self._stored: dict[tuple[str, str], bytes] | None = None
        self._used: dict[tuple[str, str], CacheEntry] = {}
        self._new: set[tuple[str, str]] = set()
        self._dirty = False
        # Path -> (mtime_ns, size, digest): an unchanged file is not even read.
        self._index: dict[str, tuple[int, int, str]] = {}
        self._seen: dict[str, tuple[int, int, str]] = {}

    @property
    def loaded(self) -> bool:
        """Whether the stored entries were read already (reading them is the expensive part)."""
        return self._stored is not None

    def _load(self) -> dict[tuple[str, str], bytes]:
        if self._stored is None:
            self._stored, self._index = _read(self.file)
        return self._stored

    @staticmethod
    def stat(path: Path) -> os.stat_result | None:
        try:
            return os.stat(path)
        except OSError:
            return None

    def digest_for(self, path: Path) -> str | None:
        """The digest recorded for `path` if its size and mtime are unchanged since."""
        self._load()
        key = os.fspath(path)
        known = self._index.get(key)
        if known is None:
            return None
        info = self.stat(path)
        if info is None or (info.st_mtime_ns, info.st_size) != known[:2]:
            return None
        self._seen[key] = known
        return known[2]

    def remember(self, path: Path, info: os.stat_result, digest: str) -> None:
        """Record the digest of the bytes read after `info` was taken.

        A file modified within the last two seconds is not recorded: another
        write in the same mtime tick, with the same size, would go unnoticed
        (git calls these entries "racily clean").
        """
        if is_racy(info):
            return
        key = os.fspath(path)
        value = (info.st_mtime_ns, info.st_size, digest)
        if self._seen.get(key) != value:
            self._seen[key] = value
            self._dirty = True

    def get(self, signature: str, digest: str) -> CacheEntry | None:
        key = (signature, digest)
        entry = self._used.get(key)
        if entry is None:
            blob = self._load().get(key)
            if blob is not None:
                entry = _unpickle_entry(blob)
                if entry is not None:
                    self._used[key] = entry
        return entry

    def put(self, signature: str, digest: str, entry: CacheEntry) -> None:
        key = (signature, digest)
        self._used[key] = entry
        self._new.add(key)
        self._dirty = True

    def new_entries(self) -> int:
        """Entries this run added (files parsed, not found in the cache)."""
        return len(self._new)

    def save(self) -> bool:
        """Write the used entries plus a bounded number of others; False if it could not."""
        stored = self._load()
        if not self._dirty and all(key in stored for key in self._used):
            return True
        entries = {
            key: stored[key] if key in stored and key not in self._new else _pickle_entry(entry)
            for key, entry in self._used.items()
        }
        for key, blob in stored.items():
            if len(entries) >= len(self._used) + MAX_EXTRA_ENTRIES:
                break
            entries.setdefault(key, blob)
        index = dict(self._seen)
        for key, value in self._index.items():
            if len(index) >= len(self._seen) + MAX_EXTRA_ENTRIES:
                break
            index.setdefault(key, value)
        try:
            _write(self.directory, self.file, entries, index)
        except Exception:  # noqa: BLE001 - a read-only or full disk: run without a cache
            return False
        self._stored, self._index = entries, index
        self._new.clear()
        self._dirty = False
        return True


def _pickle_entry(entry: CacheEntry) -> bytes:
    return pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)


def _unpickle_entry(blob: bytes) -> CacheEntry | None:
    """One stored entry, or None when it is not what this version wrote."""
    try:
        entry = pickle.loads(blob)
    except Exception:  # noqa: BLE001 - corrupt or foreign: treated as missing
        return None
    from goldenpath_audit.auditor.facts import FileFacts  # loaded facts use it anyway; a replay loads none

    if not isinstance(entry, CacheEntry) or not (entry.facts is None or isinstance(entry.facts, FileFacts)):
        return None
    return entry


def _read(file: Path) -> tuple[dict[tuple[str, str], bytes], dict[str, tuple[int, int, str]]]:
    """The stored entries and stat index, or nothing for a missing, corrupt, foreign or unreadable file."""
    try:
        with open(file, "rb") as stream:
            data = pickle.load(stream)
    except Exception:  # noqa: BLE001 - EOFError, UnpicklingError, AttributeError, ImportError, OSError...
        return {}, {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != __version__:
        return {}, {}
    if data.get("code") != _environment():
        return {}, {}  # another Python, or an edited checkout: the facts' shape may differ
    entries, index = data.get("entries"), data.get("index")
    if not isinstance(entries, dict) or not isinstance(index, dict):
        return {}, {}
    entries = {
        key: blob for key, blob in entries.items() if isinstance(key, tuple) and len(key) == 2 and isinstance(blob, bytes)
    }
    index = {
        key: value
        for key, value in index.items()
        if isinstance(key, str) and isinstance(value, tuple) and len(value) == 3
    }
    return entries, index


def _write(
    directory: Path, file: Path, entries: dict[tuple[str, str], bytes], index: dict[str, tuple[int, int, str]]
) -> None:
    payload = {"format": FORMAT, "version": __version__, "code": _environment(), "entries": entries, "index": index}
    write_pickle(directory, file, payload)


def write_pickle(directory: Path, file: Path, payload: object) -> None:
    """Pickle `payload` to `file` (inside `directory`/FORMAT) atomically: temp file + `os.replace`.

    Also what every writer of the cache directory owes it: the `.gitignore`, and
    the removal of what earlier cache formats left behind. Raises on failure.
    """
    file.parent.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():  # what earlier cache formats left behind
        if old.name != FORMAT and _is_format_dir(old.name) and old.is_dir() and not old.is_symlink():
            import shutil  # only here: a run that edits one file should not pay for it

            shutil.rmtree(old, ignore_errors=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by goldenpath-audit: the facts cache.\n*\n", encoding="utf-8")
    fd, temp = _exclusive_temp(file)
    try:
        with os.fdopen(fd, "wb") as stream:
            pickle.dump(payload, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, file)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _exclusive_temp(file: Path) -> tuple[int, str]:
    """A new private file beside `file`, as `tempfile.mkstemp` makes one.

    Not tempfile itself: importing it (and `random`) costs a one-file re-check
    about 2.5 ms, a tenth of what separates it from a replayed run.
    """
    while True:
        temp = file.parent / f".{file.stem}-{os.getpid()}-{os.urandom(6).hex()}.tmp"
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600), str(temp)
        except FileExistsError:
            continue


def _is_format_dir(name: str) -> bool:
    """`v1`, `v2`...: the directories this and earlier versions of the cache write."""
    return name[:1] == "v" and name[1:].isdigit()


def clean(directory: Path) -> bool:
    """Remove a cache directory; False if there was none."""
    directory = Path(directory)
    if not directory.is_dir():
        return False
    # Never delete a directory this tool did not make (`clean --cache-dir .`).
    foreign = [child.name for child in directory.iterdir() if child.name != ".gitignore" and not _is_format_dir(child.name)]
    if foreign:
        raise ValueError(f"{directory} does not look like a goldenpath-audit cache (it holds {foreign[0]!r})")
    import shutil

    shutil.rmtree(directory)
    return True
