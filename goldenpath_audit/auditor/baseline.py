"""Baselines: adopt goldenpath-audit on a legacy suite without fixing it all first.

`check --write-baseline FILE` records today's findings; `check --baseline FILE`
(or `baseline = "FILE"` in the config) then reports only findings that are not
recorded, and lists recorded entries that no longer occur, so the file shrinks
as the suite is cleaned up.

An entry is `(path, code, fingerprint)`. The path is relative to the baseline
file's directory, so the baseline works from any current directory. The
fingerprint is not the line number, which every edit above a finding would
change: it hashes the finding's source text (the reported line, and the first
line of its statement when that is another line) with whitespace normalized,
plus an occurrence index that tells apart identical (code, path, text) triples
in order of position. Inserting lines, reindenting, or fixing the first of two
identical lines therefore keeps the remaining findings baselined. A finding on
a line without text (file-level or config findings) hashes its message instead.

The file is JSON with one entry per line, sorted, so diffs review well, and
writing the same findings twice gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from goldenpath_audit.auditor.findings import CheckResult, Finding

FORMAT_VERSION = 1
FINGERPRINT_LENGTH = 16  # hex digits of sha256: 64 bits, plenty within one (code, path)


class BaselineError(Exception):
    """A baseline file that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True, order=True, slots=True)
class Entry:
    """One recorded finding. Field order is the file's sort order: by path, then code."""

    path: str  # relative to the baseline file's directory, `/` separators
    code: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Scope:
    """Which entries a run could have reproduced: under a checked path, with an enabled code.

    Only those can be stale: checking one file must not call every other file's
    entries stale, nor may `--select GP1` for the GP2 entries.
    """

    targets: tuple[str, ...]  # absolute, normalized
    codes: frozenset[str]

    @classmethod
    def of(cls, targets: Iterable[Path], codes: Iterable[str]) -> "Scope":
        return cls(tuple(os.path.normpath(os.path.abspath(target)) for target in targets), frozenset(codes))

    def covers(self, entry: Entry, base_dir: Path) -> bool:
        if entry.code not in self.codes:
            return False
        absolute = os.path.normpath(os.path.join(base_dir, entry.path))
        return any(absolute == target or absolute.startswith(target.rstrip(os.sep) + os.sep) for target in self.targets)


@dataclass(slots=True)
class Applied:
    """A check result with the baselined findings removed, and the entries that no longer occur."""

    result: CheckResult
    stale: list[Entry]


def base_directory(baseline: Path) -> Path:
    """The directory entry paths are relative to (symlinks resolved, so any cwd agrees)."""
    return Path(os.path.realpath(os.path.abspath(baseline))).parent


def normalize(text: str) -> str:
    """Strip the text and collapse every whitespace run to one space."""
    return " ".join(text.split())


def statement_text(finding: Finding, lines: Sequence[str] | None) -> str:
    """The normalized text a finding is fingerprinted by; its message when its lines have none."""
    text = ""
    if lines is not None:
        numbers = sorted({finding.line, finding.statement_line or finding.line})
        text = normalize(" ".join(lines[number - 1] for number in numbers if 0 < number <= len(lines)))
    return text or f"message: {normalize(finding.message)}"


def fingerprint(text: str, index: int) -> str:
    digest = hashlib.sha256(f"{text}\n{index}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


def rebase(path: str, start: Path, target: Path) -> str:
    """`path`, relative to `start`, made relative to `target` with `/` separators.

    Finding paths (from the cwd) become entry paths (from the baseline's
    directory), and stale entries are shown from the cwd again.
    """
    absolute = os.path.normpath(os.path.join(start, path))
    try:
        relative = os.path.relpath(absolute, target)
    except ValueError:  # another drive on Windows
        relative = absolute
    return relative.replace(os.sep, "/")


def entries_for(result: CheckResult, cwd: Path, base_dir: Path) -> list[Entry]:
    """One entry per finding, in the order of `result.findings`.

    Occurrence indexes count identical (code, path, text) triples in order of
    position, whatever order the findings come in.
    """
    findings = result.findings
    entries: list[Entry | None] = [None] * len(findings)
    seen: Counter[tuple[str, str, str]] = Counter()
    for number in sorted(range(len(findings)), key=lambda i: findings[i].sort_key()):
        finding = findings[number]
        text = statement_text(finding, result.sources.get(finding.path))
        path = rebase(finding.path, cwd, base_dir)
        key = (finding.code, path, text)
        entries[number] = Entry(path, finding.code, fingerprint(text, seen[key]))
        seen[key] += 1
    return [entry for entry in entries if entry is not None]


def apply(result: CheckResult, recorded: Iterable[Entry], cwd: Path, base_dir: Path, scope: Scope) -> Applied:
    """Drop the findings the baseline records; list in-scope entries that matched nothing."""
    recorded = set(recorded)
    current = entries_for(result, cwd, base_dir)
    kept = [finding for finding, entry in zip(result.findings, current) if entry not in recorded]
    matched = recorded.intersection(current)
    stale = sorted(entry for entry in recorded - matched if scope.covers(entry, base_dir))
    filtered = dataclasses.replace(result, findings=kept)
    return Applied(filtered, stale)


def render(entries: Iterable[Entry]) -> str:
    """The file's text: sorted, one entry per line, a trailing newline."""
    rows = [
        json.dumps({"code": entry.code, "path": entry.path, "fingerprint": entry.fingerprint})
        for entry in sorted(set(entries))
    ]
    if not rows:
        return f'{{"version": {FORMAT_VERSION}, "entries": []}}\n'
    return f'{{"version": {FORMAT_VERSION}, "entries": [\n' + ",\n".join(rows) + "\n]}\n"


def write(path: Path, entries: Iterable[Entry]) -> bool:
    """Write the baseline unless the file already holds these exact bytes; True if written.

    Raises OSError when the file cannot be written.
    """
    from goldenpath_audit.auditor.writer import write_atomic

    data = render(entries).encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(path, data)
    return True


def load(path: Path, name: str | None = None) -> list[Entry]:
    """The entries of a baseline file; BaselineError (one line naming the file) if it is unusable.

    `name` is how errors call the file (the path as the user wrote it), `path` by default.
    """
    shown = name if name is not None else str(path)
    return _entries(_read(path, shown), shown)


def _read(path: Path, name: str) -> object:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{name}: baseline file not found") from None
    except IsADirectoryError:
        raise BaselineError(f"{name}: baseline is a directory, not a file") from None
    except OSError as exc:
        raise BaselineError(f"{name}: cannot read baseline: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{name}: cannot read baseline: not UTF-8") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{name}:{exc.lineno}:{exc.colno}: invalid baseline JSON: {exc.msg}") from None
    except RecursionError:
        raise BaselineError(f"{name}: invalid baseline JSON: nested too deeply") from None
    return document


def _entries(document: object, name: str) -> list[Entry]:
    expected = f'expected {{"version": {FORMAT_VERSION}, "entries": [...]}}'
    if not isinstance(document, dict) or "entries" not in document or "version" not in document:
        raise BaselineError(f"{name}: not a goldenpath-audit baseline ({expected})")
    version = document["version"]
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise BaselineError(f"{name}: unsupported baseline version {json.dumps(version)} (expected {FORMAT_VERSION})")
    items = document["entries"]
    if not isinstance(items, list):
        raise BaselineError(f"{name}: 'entries' must be a list ({expected})")
    entries = []
    for number, item in enumerate(items, start=1):
        fields = [item.get(key) for key in ("path", "code", "fingerprint")] if isinstance(item, dict) else [None]
        if not all(isinstance(value, str) and value for value in fields):
            raise BaselineError(f"{name}: baseline entry {number} must have string 'code', 'path' and 'fingerprint'")
        entries.append(Entry(*fields))
    return entries
