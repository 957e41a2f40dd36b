"""Plain data that flows from rules to reporters and the fixer.

Findings are immutable and carry 1-based line numbers and 1-based *character*
columns, because that is what editors, SARIF (with `unicodeCodePoints`) and
GitHub annotations show to people. Rules that start from `ast` byte offsets
convert through `SourceFile.char_column` before building a finding.
"""

from __future__ import annotations

import enum
import operator
from dataclasses import dataclass, field, fields
from collections.abc import Sequence
from typing import Any, TypeVar

_T = TypeVar("_T")


def compact_pickle(cls: type[_T]) -> type[_T]:
    """Pickle instances as (class, field values).

    The default for slots dataclasses calls `dataclasses.fields()` for every
    object on load and dump; the facts cache holds hundreds of thousands of
    small objects, and this makes loading it several times faster.
    """
    names = [item.name for item in fields(cls)]  # type: ignore[arg-type]
    values = operator.attrgetter(*names)
    if len(names) == 1:
        cls.__reduce__ = lambda self: (cls, (values(self),))  # type: ignore[method-assign,assignment]
    else:
        cls.__reduce__ = lambda self: (cls, values(self))  # type: ignore[method-assign,assignment]
    return cls


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Applicability(str, enum.Enum):
    """How much a fix can be trusted, in ruff's terms."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@compact_pickle
@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


@compact_pickle
@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace the text between two positions (end exclusive) with `content`."""

    start: Position
    end: Position
    content: str


@compact_pickle
@dataclass(frozen=True, slots=True)
class FixOperation:
    """One codemod call: which transformer, where, and with what arguments.

    `kind` names a transformer in `goldenpath_audit.codemods`; `params` holds
    only JSON-compatible values so fixes can be cached and serialised.
    """

    kind: str
    line: int
    column: int
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str) -> Any:
        return dict(self.params)[name]


@compact_pickle
@dataclass(frozen=True, slots=True)
class Fix:
    applicability: Applicability
    message: str
    operations: tuple[FixOperation, ...]
    # Textual form of the same change, for SARIF `fixes` and `--diff` previews.
    edits: tuple[TextEdit, ...] = ()


@compact_pickle
@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    path: str  # relative to the current directory, `/` separators
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    severity: Severity
    fix: Fix | None = None
    # First line of the enclosing statement, for `# goldenpath: ignore` there.
    statement_line: int | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)


@compact_pickle
@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be checked at all (unreadable, undecodable)."""

    path: str
    message: str


@dataclass(slots=True)
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    files_checked: int = 0
    # Source lines of files that have findings, keyed by display path, so the
    # text reporter can draw code frames without reading the files again (only
    # the lines findings point at are kept: see source.FindingLines).
    sources: dict[str, Sequence[str]] = field(default_factory=dict)
    # sha256 of the bytes analysed, for files with fixes: the fixer refuses to
    # write a file that changed since.
    digests: dict[str, str] = field(default_factory=dict)

    def sort(self) -> None:
        self.findings.sort(key=Finding.sort_key)
        self.errors.sort(key=lambda error: (error.path, error.message))
