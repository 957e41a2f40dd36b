"""Inline suppressions: `# goldenpath: ignore[...]`, `# goldenpath: ignore-file[...]`, `# noqa`.

A line comment suppresses findings reported on that line or on the first line
of the statement that contains them, so a multi-line call can be silenced where
it starts. A bare `# goldenpath: ignore` or bare `# noqa` silences every code,
as flake8 and ruff do; listed codes may be prefixes (`GP1`).
"""

from __future__ import annotations

import re
from typing import Iterable

from goldenpath_audit.auditor.findings import Finding

ALL = ("",)  # the empty prefix matches every code

_LINE = re.compile(r"#\s*goldenpath:\s*ignore(?![-\w])(?:\[([^\]]*)\])?", re.IGNORECASE)
_FILE = re.compile(rb"#\s*goldenpath:\s*ignore-file(?:\[([^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa(?::\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+|\s+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


def _codes(group: str | None) -> tuple[str, ...]:
    if group is None or not group.strip():
        return ALL
    return tuple(code.strip().upper() for code in re.split(r"[,\s]+", group) if code.strip())


def file_suppressions(raw: bytes) -> tuple[str, ...]:
    """Codes (prefixes) silenced for the whole file; empty when none."""
    if b"ignore-file" not in raw:
        return ()
    codes: list[str] = []
    for match in _FILE.finditer(raw):
        group = match.group(1)
        codes.extend(_codes(group.decode("utf-8", "replace") if group is not None else None))
    return tuple(codes)


def line_suppressions(line: str) -> tuple[str, ...]:
    """Codes (prefixes) silenced by comments on one source line."""
    if "#" not in line:
        return ()
    codes: list[str] = []
    for match in _LINE.finditer(line):
        codes.extend(_codes(match.group(1)))
    for match in _NOQA.finditer(line):
        codes.extend(_codes(match.group(1)))
    return tuple(codes)


def _silenced(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


class Suppressions:
    """A file's suppression comments, read once so findings made later can be filtered too."""

    __slots__ = ("whole_file", "by_line")

    def __init__(self, whole_file: tuple[str, ...], by_line: dict[int, tuple[str, ...]]) -> None:
        self.whole_file = whole_file
        self.by_line = by_line

    @classmethod
    def read(cls, raw: bytes, lines: list[str]) -> "Suppressions | None":
        """None for the common file with no suppression comment at all."""
        if b"goldenpath" not in raw and b"noqa" not in raw and b"NOQA" not in raw:
            return None
        by_line = {}
        for number, line in enumerate(lines, start=1):
            codes = line_suppressions(line)
            if codes:
                by_line[number] = codes
        return cls(file_suppressions(raw), by_line)

    def silences(self, finding: Finding) -> bool:
        if _silenced(finding.code, self.whole_file):
            return True
        for number in {finding.line, finding.statement_line or finding.line}:
            if _silenced(finding.code, self.by_line.get(number, ())):
                return True
        return False


def apply_suppressions(findings: list[Finding], raw: bytes, lines: list[str]) -> list[Finding]:
    """Drop the findings that the file's comments silence."""
    suppressions = Suppressions.read(raw, lines)
    if suppressions is None:
        return findings
    return [finding for finding in findings if not suppressions.silences(finding)]
