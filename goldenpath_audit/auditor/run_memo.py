"""Replay the last run's findings for files whose inputs did not change.

The facts cache (cache.py) saves parsing; this saves the rest. A warm `check`
over 10,000 unchanged files would otherwise still unpickle every file's facts
and run every rule on them, several seconds for the same answer.

A memo is what one `check` concluded, per file, plus what it read to conclude
it (inputs.py): the run-wide inputs (configs, pins, conftests, directory
listings, existence probes), and per file its own digest, the first-party
module files its rules looked into and the names it asked "which module
defines N?" about. A later run with the same key (tool code, Python, enabled
rules, settings, working directory, checked paths) replays a file's record
only when:

* every run-wide input reads exactly as recorded (else nothing is replayed);
* the file's bytes are unchanged (size and mtime, else its digest);
* every module file it looked into has the recorded digest;
* no changed file mentions a name it asked about, or used to define it.

Every other file is checked as usual, and the new memo is the merge of both.
The cross-file phase (GP201-GP203) is replayed only when no file's marker
facts changed; otherwise it runs again, on marker facts the memo keeps per file.
Suppression comments and per-file ignores are applied afresh either way.

A memo that cannot be read, or is not what this version wrote, is ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from goldenpath_audit.auditor.cache import FORMAT as CACHE_FORMAT
from goldenpath_audit.auditor.cache import write_pickle
from goldenpath_audit.auditor.findings import FileError, Finding, compact_pickle
from goldenpath_audit.auditor.inputs import FileDeps, InputLog, file_digest, signature

if TYPE_CHECKING:
    from goldenpath_audit.auditor.facts import FileFacts

FORMAT = "memo-1"
DIRECTORY = "runs"
# Memos kept per cache directory: `check .`, a pre-commit run, a CI selection...
MAX_MEMOS = 4
# A run that changed at most this many records (with earlier deltas) writes only those.
MAX_DELTA = 500
UNREAD = "unread"  # a file checked from the facts cache without reading it: suppressions unknown


@dataclass(slots=True)
class MarkerFacts:
    """The part of a file's facts the cross-file phase reads (see RunContext.files)."""

    marks: list
    marker_reads: set[str]
    plugin_imports: tuple[str, ...] = ()
    conftest_imports: tuple[str, ...] = ()


@compact_pickle
@dataclass(slots=True)
class FileRecord:
    """What one file's check concluded, and what it depended on."""

    signature: tuple[int, ...] | None  # inputs.signature before the bytes were read; None: re-read
    digest: str
    display: str
    findings: tuple[Finding, ...]
    error: FileError | None
    lines: object  # FindingLines | None: the source lines findings point at
    fixable: bool
    # Digest of the pickled MarkerFacts (kept apart: see MarkerFactsStore); None when the file has no facts.
    marks_digest: str | None
    suppressions: object  # Suppressions | None | UNREAD
    modules: dict[str, str | None] = field(default_factory=dict)
    names: frozenset[str] = frozenset()


@dataclass
class RunMemo:
    key: str
    inputs: InputLog
    records: dict[str, FileRecord]
    config_errors: list[FileError]
    finalized: list[Finding] | None  # the cross-file phase's findings, before suppressions
    marks_key: str | None  # digest of every file's marker facts the cross-file phase saw
    # Identifies the full memo file a delta file applies to (see save_delta).
    generation: str = ""
    # Records the delta file on top of the full memo holds (empty: none).
    in_delta: frozenset[str] = frozenset()
    # The cross-file phase's key in the full memo file, before any delta.
    base_marks_key: str | None = None


def memo_key(parts: Iterable[object]) -> str | None:
    """A digest of everything a run's conclusions depend on besides files; None if unpicklable."""
    try:
        blob = pickle.dumps(tuple(parts), protocol=4)
    except Exception:  # noqa: BLE001 - settings holding something odd: no memo
        return None
    return hashlib.sha256(blob).hexdigest()


def _marker_blob(facts: MarkerFacts) -> tuple[bytes, str]:
    blob = pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)
    return blob, hashlib.sha256(blob).hexdigest()


def marks_key(items: Iterable[tuple[str, str | None]]) -> str:
    digest = hashlib.sha256()
    for path, marks in sorted(items):
        digest.update(f"{path}\0{marks}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


# -- storage --------------------------------------------------------------------------------


def _file(cache_dir: Path, key: str) -> Path:
    return cache_dir / CACHE_FORMAT / DIRECTORY / f"{key[:40]}.pickle"


def load(cache_dir: Path, key: str) -> RunMemo | None:
    try:
        with open(_file(cache_dir, key), "rb") as stream:
            data = pickle.load(stream)
    except Exception:  # noqa: BLE001 - missing, corrupt, foreign: run without it
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    memo = data.get("memo")
    if not isinstance(memo, RunMemo) or memo.key != key or not isinstance(memo.inputs, InputLog):
        return None
    if not isinstance(memo.records, dict):
        return None
    memo.base_marks_key = memo.marks_key
    _apply_delta(cache_dir, memo)
    return memo


def _apply_delta(cache_dir: Path, memo: RunMemo) -> None:
    """Records and run-wide facts that later runs changed without rewriting the full memo."""
    try:
        with open(_file(cache_dir, memo.key).with_suffix(".delta"), "rb") as stream:
            delta = pickle.load(stream)
    except Exception:  # noqa: BLE001 - none, or unreadable: the full memo alone is consistent
        return
    if not isinstance(delta, dict) or delta.get("format") != FORMAT or delta.get("generation") != memo.generation:
        return
    records, removed = delta.get("records"), delta.get("removed")
    if not isinstance(records, dict) or not isinstance(removed, (set, frozenset)):
        return
    memo.records.update(records)
    for key in removed:
        memo.records.pop(key, None)
    memo.config_errors = delta.get("config_errors", memo.config_errors)
    if "marks_key" in delta:
        memo.finalized, memo.marks_key = delta.get("finalized"), delta["marks_key"]
    memo.in_delta = frozenset(records) | frozenset(removed)


def save_delta(cache_dir: Path, memo: RunMemo, changed: set[str], base: RunMemo) -> bool:
    """Write only the records changed since the full memo `base` was written; False when a full save is due.

    The run-wide inputs are never in a delta: a run that consulted anything new saves in full.
    """
    keys = set(base.in_delta) | changed
    if len(keys) > MAX_DELTA or not base.generation:
        return False
    payload = {
        "format": FORMAT,
        "generation": base.generation,
        "records": {key: memo.records[key] for key in keys if key in memo.records},
        "removed": frozenset(key for key in keys if key not in memo.records),
        "config_errors": memo.config_errors,
    }
    if memo.marks_key != base.base_marks_key:
        payload.update(finalized=memo.finalized, marks_key=memo.marks_key)
    return _write(cache_dir, _file(cache_dir, memo.key).with_suffix(".delta"), payload)


def save(cache_dir: Path, memo: RunMemo) -> None:
    """Write atomically; keep the few most recently written memos. Never fails the run."""
    target = _file(cache_dir, memo.key)
    memo.generation, memo.in_delta = os.urandom(8).hex(), frozenset()
    if _write(cache_dir, target, {"format": FORMAT, "memo": memo}):
        try:
            target.with_suffix(".delta").unlink()
        except OSError:
            pass
        try:
            _prune(target.parent)
        except OSError:
            pass


def _write(cache_dir: Path, target: Path, payload: dict) -> bool:
    """Pickle `payload` to `target` atomically; False (and nothing written) if the disk says no."""
    try:
        write_pickle(cache_dir, target, payload)
    except Exception:  # noqa: BLE001 - a read-only or full disk: no memo next time
        return False
    return True


def _prune(directory: Path) -> None:
    memos = sorted(directory.glob("*.pickle"), key=lambda path: path.stat().st_mtime_ns, reverse=True)
    for old in memos[MAX_MEMOS:]:
        for stale in (old, old.with_suffix(".marks"), old.with_suffix(".delta")):
            try:
                stale.unlink()
            except OSError:
                pass


class MarkerFactsStore:
    """Every file's marker facts, for when the cross-file phase must run again.

    They live in a file of their own next to the memo (`<key>.marks`): most runs
    neither read nor rewrite them. Entries are (digest, pickled MarkerFacts),
    trusted only when the digest is the one a record names.
    """

    def __init__(self, cache_dir: Path, key: str) -> None:
        self._file = _file(cache_dir, key).with_suffix(".marks")
        self._cache_dir = cache_dir
        self._new: dict[str, tuple[str, bytes]] = {}  # this run's
        self._stored: dict[str, tuple[str, bytes]] | None = None  # the file's, read on first need

    def remember(self, key: str, facts: "FileFacts") -> str:
        """Keep the part of a file's facts the cross-file phase reads; returns its digest."""
        part = MarkerFacts(
            list(facts.marks), set(sorted(facts.marker_reads)), tuple(facts.plugin_imports), tuple(facts.conftest_imports)
        )
        blob, digest = _marker_blob(part)
        self._new[key] = (digest, blob)
        return digest

    def get(self, key: str, digest: str) -> MarkerFacts | None:
        """The marker facts stored for `key` with this digest; None when missing, stale or unreadable."""
        entry = self._entry(key, digest)
        if entry is None:
            return None
        try:
            facts = pickle.loads(entry[1])
        except Exception:  # noqa: BLE001 - corrupt: the caller reads the file's facts instead
            return None
        return facts if isinstance(facts, MarkerFacts) else None

    def save(self, records: dict[str, FileRecord]) -> None:
        """Write the marker facts of every record that has them (those that can be found)."""
        entries = {}
        for key, record in records.items():
            if record.marks_digest is not None:
                entry = self._entry(key, record.marks_digest)
                if entry is not None:
                    entries[key] = entry
        _write(self._cache_dir, self._file, {"format": FORMAT, "marks": entries})

    def _entry(self, key: str, digest: str) -> tuple[str, bytes] | None:
        entry = self._new.get(key)
        if entry is None or entry[0] != digest:
            entry = self._load().get(key)
        return entry if entry is not None and entry[0] == digest else None

    def _load(self) -> dict[str, tuple[str, bytes]]:
        if self._stored is None:
            self._stored = {}
            try:
                with open(self._file, "rb") as stream:
                    data = pickle.load(stream)
            except Exception:  # noqa: BLE001 - missing or corrupt: the facts cache stands in
                return self._stored
            if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("marks"), dict):
                self._stored = data["marks"]
        return self._stored


# -- deciding what to replay ------------------------------------------------------------


class Replay:
    """Which records of a memo still hold for the files of this run."""

    def __init__(self, memo: RunMemo, files: Sequence[Path]) -> None:
        self.memo = memo
        self._digests: dict[str, str | None] = {}
        # Files whose bytes changed since the memo: path -> new bytes (None: unreadable now).
        self._changed: dict[str, bytes | None] = {}
        self._affected: dict[str, bool] = {}
        self._decided: dict[str, FileRecord | None] = {}
        self._compared: set[str] = set()
        self._scanned_compared = False
        records, scanned = memo.records, memo.inputs.scanned
        for path in files:
            key = os.fspath(path)
            record = records.get(key)
            if record is not None:
                self._compare(key, record.signature, record.digest)
            elif key in scanned:
                self._compare(key, scanned[key], None)

    def _compare_scanned(self) -> None:
        """Compare every file the definitions scan looked at, once, when a record first needs it.

        That is one stat per file of the tree (10,000 in a big suite, ~30 ms),
        needed only to replay a file whose findings rest on "which module
        defines N?": a pre-commit run on files without such findings skips it.
        """
        if self._scanned_compared:
            return
        self._scanned_compared = True
        records, compared, stat, now = self.memo.records, self._compared, os.stat, time.time_ns()
        for key, sig in self.memo.inputs.scanned.items():
            if key in compared or key in records:
                continue
            try:
                unchanged = sig is not None and signature(stat(key), now) == sig
            except OSError:
                unchanged = False
            if not unchanged:
                self._compare(key, sig, None)  # changed, gone or racy: as for any other file

    def _compare(self, key: str, recorded: tuple[int, ...] | None, digest: str | None) -> None:
        self._compared.add(key)
        try:
            info = os.stat(key)
        except OSError:
            self._digests[key] = None
            self._changed[key] = None
            return
        if recorded is not None and signature(info) == recorded:
            if digest is not None:  # a scanned-only file has no digest: unchanged is all we know
                self._digests[key] = digest
            return
        try:
            with open(key, "rb") as stream:
                raw = stream.read()
        except OSError:
            self._digests[key] = None
            self._changed[key] = None
            return
        now = hashlib.sha256(raw).hexdigest()
        self._digests[key] = now
        if digest is None or now != digest:
            self._changed[key] = raw

    def changed(self, path: Path) -> bool:
        """Whether the file's bytes differ from the memo's (a cache lookup for them would find nothing)."""
        return os.fspath(path) in self._changed

    def record_for(self, path: Path) -> FileRecord | None:
        key = os.fspath(path)
        if key in self._decided:
            return self._decided[key]
        record = self._decided[key] = self._valid(key)
        return record

    def _valid(self, key: str) -> FileRecord | None:
        record = self.memo.records.get(key)
        if record is None or key in self._changed or self._digests.get(key) != record.digest:
            return None
        for module, digest in record.modules.items():
            if self._digest(module) != digest:
                return None
        if record.names:
            self._compare_scanned()
            if self._changed and any(self._name_affected(name) for name in record.names):
                return None
        return record

    def _digest(self, key: str) -> str | None:
        if key not in self._digests:
            self._digests[key] = file_digest(key)
        return self._digests[key]

    def _name_affected(self, name: str) -> bool:
        """Whether a changed file may now define `name`, or defined it before.

        A file holding no UTF-8 bytes of an ASCII name cannot define it. A non-ASCII
        name may be spelt otherwise (a latin-1 file, an NFKC-equivalent spelling), so
        any changed file may define it, as ModuleIndex._names_defined assumes too.
        """
        affected = self._affected.get(name)
        if affected is None:
            needle = name.encode("utf-8", "surrogateescape")
            defining = self.memo.inputs.answers.get(name)
            affected = (
                defining is None
                or any(path in self._changed for path in defining)
                or any(raw is None or not name.isascii() or needle in raw for raw in self._changed.values())
            )
            self._affected[name] = affected
        return affected


def record_deps(deps: FileDeps | None) -> tuple[dict[str, str | None], frozenset[str]]:
    if deps is None:
        return {}, frozenset()
    return dict(deps.modules), frozenset(deps.names)


def merge_errors(*groups: Iterable[FileError]) -> list[FileError]:
    return list(dict.fromkeys(error for group in groups for error in group))
