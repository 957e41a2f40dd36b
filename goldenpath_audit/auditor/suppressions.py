"""Inline suppressions: `# goldenpath: ignore[...]`, `# goldenpath: ignore-file[...]`, `# noqa`.

A line comment suppresses findings reported on that line or on the first line
of the statement that contains them, so a multi-line call can be silenced where
it starts. A bare `# goldenpath: ignore` or bare `# noqa` silences every code,
as flake8 and ruff do; listed codes may be prefixes (`GP1`).
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Iterable

from goldenpath_audit.auditor.findings import Finding

ALL = ("",)  # the empty prefix matches every code

_LINE = re.compile(r"#\s*goldenpath:\s*ignore(?![-\w])(?:\s*\[([^\]]*)\])?", re.IGNORECASE)
_FILE = re.compile(rb"#\s*goldenpath:\s*ignore-file(?![-\w])(?:\s*\[([^\]]*)\])?", re.IGNORECASE)
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
    """A file's suppression comments, read once so findings made later can be filtered too.

    Only real comments count: `"# noqa"` inside a string, or a docstring that
    shows how to write `# goldenpath: ignore-file[GP101]`, silences nothing.
    Comments are found with `tokenize`, lazily, on the first finding to
    filter, so files without findings never pay for it; if the file cannot be
    tokenized, each line's text after a `#` is used instead.
    """

    __slots__ = ("_raw", "_lines", "_whole_file", "_by_line")

    def __init__(self, raw: bytes, lines: list[str]) -> None:
        self._raw = raw
        self._lines = lines
        self._whole_file: tuple[str, ...] = ()
        self._by_line: dict[int, tuple[str, ...]] | None = None

    @classmethod
    def read(cls, raw: bytes, lines: list[str]) -> "Suppressions | None":
        """None for the common file with no suppression comment at all."""
        lowered = raw.lower()  # two substring tests beat one case-insensitive regex scan
        if b"goldenpath" not in lowered and b"noqa" not in lowered:
            return None
        return cls(raw, lines)

    @property
    def whole_file(self) -> tuple[str, ...]:
        self._load()
        return self._whole_file

    @property
    def by_line(self) -> dict[int, tuple[str, ...]]:
        self._load()
        assert self._by_line is not None
        return self._by_line

    def _load(self) -> None:
        if self._by_line is not None:
            return
        by_line: dict[int, tuple[str, ...]] = {}
        whole_file: list[str] = []
        comments = _comments(self._lines)
        if comments is None:  # not tokenizable: every `#` may start a comment
            comments = [(number, line[line.index("#") :]) for number, line in enumerate(self._lines, 1) if "#" in line]
        for number, comment in comments:
            codes = line_suppressions(comment)
            if codes:
                by_line[number] = by_line.get(number, ()) + codes
            if "ignore-file" in comment:
                whole_file.extend(file_suppressions(comment.encode("utf-8", "replace")))
        self._whole_file = tuple(whole_file)
        self._by_line = by_line

    def frozen(self) -> "Suppressions":
        """This object with the comments parsed and the file's text dropped, to keep in a run memo."""
        self._load()
        self._raw = b""
        self._lines = []
        return self

    def silences(self, finding: Finding) -> bool:
        if _silenced(finding.code, self.whole_file):
            return True
        for number in {finding.line, finding.statement_line or finding.line}:
            if _silenced(finding.code, self.by_line.get(number, ())):
                return True
        return False


def _comments(lines: list[str]) -> list[tuple[int, str]] | None:
    """(line number, comment text) of every comment token, or None if tokenizing fails."""
    text = "".join(line + "\n" for line in lines)
    try:
        return [
            (token.start[0], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None


def apply_suppressions(findings: list[Finding], raw: bytes, lines: list[str]) -> list[Finding]:
    """Drop the findings that the file's comments silence."""
    suppressions = Suppressions.read(raw, lines)
    if suppressions is None:
        return findings
    return [finding for finding in findings if not suppressions.silences(finding)]
