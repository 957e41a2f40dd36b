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


def apply_suppressions(findings: list[Finding], raw: bytes, lines: list[str]) -> list[Finding]:
    """Drop the findings that the file's comments silence."""
    whole_file = file_suppressions(raw)
    kept = []
    for finding in findings:
        if _silenced(finding.code, whole_file):
            continue
        candidates = {finding.line, finding.statement_line or finding.line}
        prefixes = [
            code for number in candidates if 0 < number <= len(lines) for code in line_suppressions(lines[number - 1])
        ]
        if not _silenced(finding.code, prefixes):
            kept.append(finding)
    return kept
