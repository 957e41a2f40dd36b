"""Reading Python files the way the interpreter would, without running them.

Decoding follows PEP 263 and BOMs through `tokenize.detect_encoding`, so a
latin-1 file with a cookie is read as latin-1 and written back as latin-1.
The newline style is remembered so the fixer can keep it.
Files over MAX_SOURCE_BYTES are refused before decoding: their syntax tree
would take gigabytes and minutes (50 MB of generated data is not a test
suite), so they become one error line instead of an out-of-memory kill.
"""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from goldenpath_audit.auditor.findings import Finding


_NEWLINES = re.compile(r"\r\n|\r|\n")

# The same limit as module_index.py and dependencies.py apply to what they read.
MAX_SOURCE_BYTES = 8_000_000


class SourceDecodeError(Exception):
    """The bytes cannot be read as source: not text in the declared encoding, or too large."""


@dataclass(slots=True)
class SourceFile:
    path: str  # display path, relative to the current directory
    raw: bytes
    encoding: str  # as Python names it: "utf-8", "utf-8-sig", "latin-1", ...
    text: str  # decoded, without a BOM
    _lines: list[str] | None = field(default=None, repr=False)

    @classmethod
    def from_bytes(cls, path: str, raw: bytes) -> "SourceFile":
        if len(raw) > MAX_SOURCE_BYTES:
            raise SourceDecodeError(
                f"too large to analyse ({len(raw) / 1_000_000:.1f} MB; "
                f"files over {MAX_SOURCE_BYTES // 1_000_000} MB are not parsed)"
            )
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        except SyntaxError as exc:
            message = _first_line(str(exc))
            if message.startswith("invalid or missing encoding declaration"):
                try:
                    raw.decode("utf-8")
                    message = "cannot decode as utf-8, and there is no PEP 263 encoding declaration"
                except UnicodeDecodeError as error:
                    message = f"{_decode_problem('utf-8', raw, error)}, and there is no PEP 263 encoding declaration"
            elif raw.startswith(codecs.BOM_UTF8) and message.startswith("encoding problem"):
                message = "a UTF-8 byte order mark contradicts the file's PEP 263 encoding declaration"
            raise SourceDecodeError(message) from None
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise SourceDecodeError(_decode_problem(encoding, raw, exc)) from None
        except LookupError as exc:
            raise SourceDecodeError(f"cannot decode as {encoding}: {_first_line(str(exc))}") from None
        if text.startswith("\ufeff"):
            text = text[1:]
        return cls(path=path, raw=raw, encoding=encoding, text=text)

    @property
    def lines(self) -> list[str]:
        """Lines without their line endings; index 0 is line 1."""
        if self._lines is None:
            # Only the newlines Python's tokenizer knows: str.splitlines() would
            # also split on form feeds and U+2028 and misnumber every later line.
            self._lines = _NEWLINES.split(self.text)
            if self._lines and self._lines[-1] == "":
                self._lines.pop()
        return self._lines

    def line_text(self, line: int) -> str:
        lines = self.lines
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def char_column(self, line: int, byte_offset: int) -> int:
        """Convert an `ast` UTF-8 byte offset on `line` to a 1-based character column."""
        text = self.line_text(line)
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1

    @property
    def newline(self) -> str:
        return detect_newline(self.text)

    def encode(self, text: str) -> bytes:
        """Encode text back the way this file was stored (BOM included)."""
        return text.encode(self.encoding)


def detect_newline(text: str) -> str:
    """The first line ending in the text, or `\\n` when there is none."""
    index = text.find("\n")
    if index > 0 and text[index - 1] == "\r":
        return "\r\n"
    if index == -1 and "\r" in text:
        return "\r"
    return "\n"


def _decode_problem(encoding: str, raw: bytes, error: UnicodeDecodeError) -> str:
    """`cannot decode as utf-8: byte 0xff at line 3, offset 17 (invalid start byte)`; offsets are 1-based."""
    start = error.start
    line = raw.count(b"\n", 0, start) + 1
    offset = start - (raw.rfind(b"\n", 0, start) + 1) + 1
    return f"cannot decode as {encoding}: byte 0x{raw[start]:02x} at line {line}, offset {offset} ({error.reason})"


def _first_line(message: str) -> str:
    return message.splitlines()[0] if message else message


class FindingLines(Sequence[str]):
    """Only the lines of a file that its findings point at, standing in for all of them.

    A run keeps the source of every file with findings for the report (code
    frames) and baselines (statement text); both read just a finding's line
    and its statement's first line. Keeping those, not whole files, is what
    keeps a cold run over thousands of files with findings in bounded memory.
    Any other line reads as "".
    """

    __slots__ = ("_count", "_kept")

    def __init__(self, lines: Sequence[str], numbers: Iterable[int]) -> None:
        self._count = len(lines)
        self._kept: dict[int, str] = {}
        self.keep(lines, numbers)

    def keep(self, lines: Sequence[str], numbers: Iterable[int]) -> None:
        for number in numbers:
            if 0 < number <= len(lines):
                self._kept[number] = lines[number - 1]

    def has(self, number: int) -> bool:
        return number in self._kept or not 0 < number <= self._count

    def __len__(self) -> int:
        return self._count

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FindingLines):
            return NotImplemented
        return (self._count, self._kept) == (other._count, other._kept)

    def __repr__(self) -> str:
        return f"FindingLines({self._count} lines, kept {sorted(self._kept)})"

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self._kept.get(index + 1, "")


def finding_lines(finding: "Finding") -> tuple[int, ...]:
    """The line numbers a finding's report and fingerprint read."""
    return (finding.line, finding.statement_line or finding.line)
