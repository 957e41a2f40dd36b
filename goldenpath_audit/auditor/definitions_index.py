"""The module index's whole-tree scan, kept in the cache directory between runs.

`ModuleIndex.defining_modules(name)` (which module defines `connect`, for a
broken `from app.gone import connect`) needs every first-party module of the
tree: a walk of every directory, then a read of every file. On a 10,000-file
project that is most of a pre-commit run. This store keeps what that scan
found, and trusts each part only while the file system says it is unchanged:

* a directory's listing, while the directory's (mtime_ns, inode, device) is
  the same (adding, removing or renaming an entry changes the mtime);
* the scan's result, every (dotted name, file) pair, while every directory
  the scan consulted (found or missing) still has the signature it had, and
  the search roots and installed names are the same;
* per name asked, the files that define it, per file while its (mtime_ns,
  size, inode) is unchanged. A changed, new or unreadable file is re-read and
  re-answered for every stored name, so every stored answer always describes
  the files as they are now.

A listing is never stored for a directory holding a symlink (its target can
change without the directory changing), and nothing modified within the last
two seconds is trusted from stat alone (`cache.is_racy`, as the facts cache).
The answers are those of the uncached scan, byte for byte: the store only
remembers them, the decision per file stays `ModuleIndex._names_defined`.

The store is one pickle next to the facts cache (`<cache dir>/v2/
definitions.pickle`), read once, written atomically when something changed.
A file that cannot be read or is not exactly what this version wrote is
ignored and rewritten; a directory that cannot be written means no store.
"""

from __future__ import annotations

import os
import pickle
from array import array
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from goldenpath_audit.auditor.cache import FORMAT, environment, is_racy, write_pickle

__all__ = ["DefinitionsStore", "directory_signature", "keyed"]

FILE_NAME = "definitions.pickle"
TAG = "definitions-1"
#: Names whose answers are kept, the oldest dropped first. Each is re-answered
#: for every changed file, so a checkout that changes many files stays cheap.
MAX_NAMES = 32

DirectoryState = tuple[int, int, int] | None  # (mtime_ns, inode, device); None: no such directory
Listing = tuple[frozenset[str], frozenset[str]]  # (files, directories)
Modules = tuple[list[str], list[str]]  # (dotted names, file paths), sorted by name
#: The size in a file signature that matches no file: not known to be unchanged.
UNKNOWN = -1


def directory_signature(info: os.stat_result) -> tuple[int, int, int]:
    return (info.st_mtime_ns, info.st_ino, info.st_dev)


def directory_state(path: str) -> DirectoryState:
    try:
        return directory_signature(os.stat(path))
    except (OSError, ValueError):
        return None


class DefinitionsStore:
    """Listings, the module scan and per-name answers, loaded lazily and saved with `save`.

    Any exception out of a method means a store that is not what this version
    wrote: the caller drops the store and scans without it (see ModuleIndex).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.file = self.directory / FORMAT / FILE_NAME
        self._data: dict | None = None
        self._dirty = False
        self._refreshed = False  # per-file answers checked against the tree in this run

    def _load(self) -> dict:
        if self._data is None:
            self._data = _read(self.file)
        return self._data

    def reset(self) -> None:
        """Start again from an empty store (the stored one turned out malformed); it is rewritten on save."""
        self._data = _empty()
        self._dirty = True
        self._refreshed = False

    # -- directory listings -----------------------------------------------------------------

    def listing(self, directory: str, state: DirectoryState) -> Listing | None:
        """The stored listing of `directory` if it was taken when the directory had `state`."""
        stored = self._load()["dirs"].get(directory)
        if stored is None or state is None or stored[0] != state:
            return None
        return stored[1], stored[2]

    # -- the module scan --------------------------------------------------------------------

    def scan(self, key: tuple) -> Modules | None:
        """The stored scan, if made with `key` and every directory it consulted is unchanged."""
        stored = self._load()["scan"]
        if stored is None or stored[0] != key:
            return None
        for directory, state in stored[1].items():
            if directory_state(directory) != state:
                return None
        return stored[2], stored[3]

    def scan_directories(self) -> list[str]:
        """Every directory the stored scan consulted (found or missing)."""
        stored = self._load()["scan"]
        return list(stored[1]) if stored is not None else []

    def remember_scan(
        self, key: tuple, states: dict[str, DirectoryState], listings: dict[str, Listing], modules: Modules
    ) -> None:
        """Record a scan whose consulted directories were all trusted (signed before listing, not racy)."""
        data = self._load()
        data["scan"] = (key, states, modules[0], modules[1])
        data["dirs"] = {
            directory: (state, *listings[directory])
            for directory, state in states.items()
            if state is not None and directory in listings
        }
        self._dirty = True

    def forget_scan(self) -> None:
        """This run's scan could not be trusted (a symlink, a racy directory): keep no stale one around."""
        data = self._load()
        if data["scan"] is not None or data["dirs"]:
            data["scan"], data["dirs"] = None, {}
            self._dirty = True

    # -- per-name answers ----------------------------------------------------------------------

    def defining(self, name: str, paths: list[str], names_defined: NamesDefined) -> set[str]:
        """The files among `paths` that define `name`, as `names_defined(path, names)` decides."""
        data = self._load()
        if not self._refreshed:
            self._refresh(paths, names_defined)
        answers: dict[str, set[str]] = data["names"]
        found = answers.get(name)
        if found is None:
            known, signatures = data["files"]
            found = set()
            for index, path in enumerate(paths):
                defined = names_defined(path, (name,))
                if defined is None:
                    signatures[3 * index + 1] = UNKNOWN  # unreadable now: ask again next run
                elif name in defined:
                    found.add(path)
            answers[name] = found
            while len(answers) > MAX_NAMES:
                del answers[next(iter(answers))]
            self._dirty = True
        return found

    def _refresh(self, paths: list[str], names_defined: NamesDefined) -> None:
        """Re-answer every stored name for the files that changed; forget files no longer scanned.

        Afterwards `data["files"]` is `(paths, signatures)` for exactly this scan.
        """
        self._refreshed = True
        data = self._load()
        answers: dict[str, set[str]] = data["names"]
        names = tuple(answers)
        known, old = data["files"]
        if known is paths or known == paths:
            position = None
        else:
            position = {path: index for index, path in enumerate(known)}
        changed: list[tuple[int, str, os.stat_result | None]] = []
        stat = os.stat
        for index, path in enumerate(paths):
            try:
                info = stat(path)
            except (OSError, ValueError):
                changed.append((index, path, None))
                continue
            at = 3 * index if position is None else 3 * position.get(path, -1)
            if at < 0 or old[at + 1] != info.st_size or old[at] != info.st_mtime_ns or old[at + 2] != info.st_ino:
                changed.append((index, path, info))
        if position is None and not changed:
            data["files"] = (paths, old)  # one list for the scan and the signatures, pickled once
            return
        if position is None:
            signatures = old
        else:
            signatures = array("q", bytes(8 * 3 * len(paths)))
            for index, path in enumerate(paths):
                at = position.get(path)
                if at is not None:
                    signatures[3 * index : 3 * index + 3] = old[3 * at : 3 * at + 3]
            current = set(paths)
            for holders in answers.values():
                holders.intersection_update(current)
        for index, path, info in changed:
            defined = names_defined(path, names) if names else frozenset()
            for asked in names:
                holders = answers[asked]
                if defined is not None and asked in defined:
                    holders.add(path)
                else:
                    holders.discard(path)
            if info is None or defined is None or is_racy(info):
                signatures[3 * index : 3 * index + 3] = array("q", (0, UNKNOWN, 0))
            else:
                signatures[3 * index : 3 * index + 3] = array("q", (info.st_mtime_ns, info.st_size, info.st_ino))
        data["files"] = (paths, signatures)
        self._dirty = True

    # -- saving -----------------------------------------------------------------------------------

    def save(self) -> bool:
        """Write the store if anything changed; False if it could not be written."""
        if not self._dirty or self._data is None:
            return True
        payload = {"format": TAG, "code": environment(), **self._data}
        try:
            write_pickle(self.directory, self.file, payload)
        except Exception:  # noqa: BLE001 - a read-only or full disk: run without a store
            return False
        self._dirty = False
        return True


NamesDefined = Callable[[str, Sequence[str]], "frozenset[str] | None"]


def _empty() -> dict:
    return {"dirs": {}, "scan": None, "files": ([], array("q")), "names": {}}


def _read(file: Path) -> dict:
    """The stored data, or an empty store for a missing, corrupt, foreign or unreadable file.

    Only the outer shape is checked here (cheaply: a pre-commit run reads this
    file every time); anything wrong deeper raises when used, and the caller
    then scans without the store.
    """
    try:
        with open(file, "rb") as stream:
            data = pickle.load(stream)
    except Exception:  # noqa: BLE001 - EOFError, UnpicklingError, AttributeError, ImportError, OSError...
        return _empty()
    if not isinstance(data, dict) or data.get("format") != TAG or data.get("code") != environment():
        return _empty()
    dirs, scan, files, names = data.get("dirs"), data.get("scan"), data.get("files"), data.get("names")
    if not (_valid_scan(scan) and _valid_files(files, scan) and _valid_names(names) and type(dirs) is dict):
        return _empty()
    return {"dirs": dirs, "scan": scan, "files": files, "names": names}


# The checks below are what keeps a path from being anything but a string (an
# int would name a file descriptor to `os.stat` and `open`); the rest of a
# malformed store raises when used, and the caller then starts a new one.


def _strings(items: object) -> bool:
    return type(items) is list and all(type(item) is str for item in items)


def _valid_scan(scan: object) -> bool:
    if scan is None:
        return True
    if type(scan) is not tuple or len(scan) != 4:
        return False
    _, states, dotted, paths = scan
    return (
        type(states) is dict
        and all(type(directory) is str for directory in states)
        and _strings(dotted)
        and _strings(paths)
        and len(dotted) == len(paths)
    )


def _valid_files(files: object, scan: object) -> bool:
    if type(files) is not tuple or len(files) != 2:
        return False
    paths, signatures = files
    if type(signatures) is not array or signatures.typecode != "q":
        return False
    scanned = scan[3] if scan is not None else None  # type: ignore[index]
    return (paths is scanned or _strings(paths)) and len(signatures) == 3 * len(paths)


def _valid_names(names: object) -> bool:
    return type(names) is dict and all(
        type(holders) is set and all(type(path) is str for path in holders) for holders in names.values()
    )


def keyed(roots: Iterable[Path], installed: object) -> tuple | None:
    """What a scan depends on besides the tree: the search roots and the installed names (None: not storable)."""
    try:
        names = tuple(sorted(str(name) for name in installed))  # type: ignore[attr-defined]
    except TypeError:
        return None
    return (tuple(str(root) for root in roots), names)
