"""Apply the fixes of a check result to files, safely.

For each file: refuse it if it resolves (through a symlink) outside the
project root, re-read it and skip it if it changed since it was analysed,
apply every selected fix in one libcst pass, check the output still parses,
re-encode it in the file's own encoding (BOM and PEP 263 cookie honoured; libcst
keeps the newline style), and write it atomically, comparing its bytes once
more right before the replacement (see `writer.py`). Nothing is written in
`--diff` mode. Only files the check reported are touched, plus the pytest
config file a marker registration (GP201) names.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from goldenpath_audit.auditor.findings import Applicability, CheckResult, FileError, Finding
from goldenpath_audit.auditor.source import SourceDecodeError, SourceFile
from goldenpath_audit.auditor.writer import CHANGED, WriteRefused, resolve_target, write_atomic


@dataclass
class FileChange:
    path: str
    fixed: list[Finding]
    before: bytes
    after: bytes
    encoding: str = "utf-8"  # the file's own, so a latin-1 file's diff shows its text
    created: bool = False  # a config file the fix creates: it must still not exist when written

    def diff(self) -> str:
        """A unified diff, as `git diff` shows it (a last line without newline is marked)."""
        old = _diff_lines(self.before, self.encoding)
        new = _diff_lines(self.after, self.encoding)
        out = []
        for line in difflib.unified_diff(old, new, f"a/{self.path}", f"b/{self.path}"):
            out.append(line)
            if not line.endswith(("\n", "\r")):
                out.append("\n\\ No newline at end of file\n")
        return "".join(out)


def _diff_lines(data: bytes, encoding: str) -> list[str]:
    """Lines with their endings, split only where Python's tokenizer splits them."""
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        text = data.decode("utf-8", "replace")
    return [line for line in _LINE_WITH_END.findall(text) if line]


_LINE_WITH_END = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass
class FixReport:
    changes: list[FileChange] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)

    @property
    def fixed_count(self) -> int:
        return sum(len(change.fixed) for change in self.changes)


def _one_job_per_file(by_path: dict[str, list[Finding]], cwd: Path, root: Path) -> list[tuple[str, list[Finding]]]:
    """(display, findings) per real file: a symlink and its target, both checked, are fixed once with
    the findings of both. They can differ: only the name `tests/test_x.py` makes a test module."""
    merged: dict[str, tuple[str, list[Finding]]] = {}
    for display, findings in sorted(by_path.items()):
        try:
            real = str(resolve_target(cwd / display, root))
        except WriteRefused:
            real = f"\0{display}"  # refused again, and reported, when fixed
        _, known = merged.setdefault(real, (display, []))
        seen = {(f.code, f.line, f.column) for f in known}
        known += [f for f in findings if (f.code, f.line, f.column) not in seen]
    return list(merged.values())


def fixable(finding: Finding, *, unsafe: bool) -> bool:
    if finding.fix is None:
        return False
    return finding.fix.applicability is Applicability.SAFE or unsafe


def apply_fixes(result: CheckResult, cwd: Path, *, unsafe: bool, write: bool, root: Path | None = None) -> FixReport:
    """Fix Python files with libcst codemods and config files with config writers.

    Nothing is written outside `root` (default: the git repository around
    `cwd`, else `cwd`; see `fix_lock.fix_root`).
    """
    from goldenpath_audit.auditor.fix_lock import fix_root
    from goldenpath_audit.codemods import CONFIG_KINDS

    root = Path(root) if root is not None else fix_root(cwd)
    by_path: dict[str, list[Finding]] = {}
    by_config: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if not fixable(finding, unsafe=unsafe):
            continue
        if any(op.kind in CONFIG_KINDS for op in finding.fix.operations):  # type: ignore[union-attr]
            for op in finding.fix.operations:  # type: ignore[union-attr]
                by_config.setdefault(op.param("path"), []).append(finding)
        else:
            by_path.setdefault(finding.path, []).append(finding)
    report = FixReport()
    jobs = [(display, findings, False) for display, findings in _one_job_per_file(by_path, cwd, root)]
    jobs += [(display, findings, True) for display, findings in sorted(by_config.items())]
    fixed_files: set[str] = set()
    for display, findings, is_config in jobs:
        try:
            # One file reached twice (a symlink and its target, both named) is fixed once.
            real = str(resolve_target(cwd / display, root))
            if not is_config and real in fixed_files:
                continue
            if is_config:
                change = _fix_config(cwd / display, display, findings)
            else:
                change = _fix_file(cwd / display, display, findings, result.digests.get(display))
        except (_Skip, WriteRefused) as skip:
            report.errors.append(FileError(display, str(skip)))
            continue
        if change is None:
            continue
        if write:
            expected = None if change.created else change.before
            try:
                write_atomic(cwd / display, change.after, root=root, expected=expected)
            except WriteRefused as refused:
                report.errors.append(FileError(display, str(refused)))
                continue
            except OSError as exc:
                report.errors.append(FileError(display, f"cannot write: {exc.strerror or exc}"))
                continue
        report.changes.append(change)
        fixed_files.add(real)
    return report


class _Skip(Exception):
    """This file is left as it is; the message says why."""


def _fix_config(path: Path, display: str, findings: list[Finding]) -> FileChange | None:
    """Register markers (and later other settings) in a config file, creating it if needed."""
    from goldenpath_audit.codemods.marker_config import MarkerConfigError, register_markers

    entries: dict[str, str] = {}
    kind = ""
    for finding in findings:
        for op in finding.fix.operations:  # type: ignore[union-attr]
            kind = op.param("config_kind")
            entries.setdefault(op.param("name"), op.param("description"))
    if os.path.lexists(path) and not path.is_file():
        # A FIFO would block the read forever; a dangling or looping link has no file to edit.
        raise _Skip("cannot register markers: not a regular file")
    try:
        created = not path.exists()
        before = b"" if created else path.read_bytes()
        after = register_markers(path, kind, sorted(entries.items()))
    except OSError as exc:
        raise _Skip(f"cannot register markers: {exc.strerror or exc}") from None
    except (MarkerConfigError, ValueError) as exc:
        raise _Skip(f"cannot register markers: {exc}") from None
    if after is None:
        return None
    return FileChange(path=display, fixed=findings, before=before, after=after, created=created)


def _fix_file(path: Path, display: str, findings: list[Finding], digest: str | None) -> FileChange | None:
    from goldenpath_audit.codemods import CODEMODS, CodemodError, apply_operations

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _Skip(f"cannot read: {exc.strerror or exc}") from None
    if digest is not None and hashlib.sha256(raw).hexdigest() != digest:
        raise _Skip(CHANGED)
    try:
        source = SourceFile.from_bytes(display, raw)
    except SourceDecodeError as exc:
        raise _Skip(str(exc)) from None
    operations = [op for finding in findings for op in finding.fix.operations]  # type: ignore[union-attr]
    try:
        new_text, applied, missed = apply_operations(source.text, operations, CODEMODS)
    except CodemodError as exc:
        raise _Skip(str(exc)) from None
    if new_text == source.text:
        return None
    try:
        ast.parse(new_text)
    except (SyntaxError, ValueError) as exc:
        raise _Skip(f"the fixed source would not parse ({exc}); not fixed") from None
    fixed = [f for f in findings if all(op in applied for op in f.fix.operations)]  # type: ignore[union-attr]
    try:
        after = source.encode(new_text)  # "utf-8-sig" writes the BOM back
    except UnicodeEncodeError as exc:
        raise _Skip(f"the fixed source cannot be encoded as {source.encoding} ({exc.reason}); not fixed") from None
    return FileChange(path=display, fixed=fixed, before=raw, after=after, encoding=source.encoding)
