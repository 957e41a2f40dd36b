"""Output formats for a finished check: text for people, JSON, SARIF and GitHub for tools.

Every reporter writes one `CheckResult` to a text stream and keeps the order of
its findings (the caller sorts them). The rule registry is passed in rather
than imported so that reporters stay independent of which rules exist: SARIF
needs it to describe every rule, the other formats only need the findings.

`color`, `quiet` and `statistics` shape the human-readable text format only;
the machine formats ignore them, because tools need the complete document.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from goldenpath_audit.auditor.findings import CheckResult

if TYPE_CHECKING:
    from goldenpath_audit.rules.base import Rule

FORMATS = ("text", "json", "sarif", "github")

__all__ = ["FORMATS", "report"]


def report(
    result: CheckResult,
    fmt: str,
    stream: TextIO,
    *,
    rules: Mapping[str, type[Rule]],
    color: bool = False,
    quiet: bool = False,
    statistics: bool = False,
    cwd: Path | None = None,
) -> None:
    """Write `result` to `stream` in format `fmt` (one of `FORMATS`).

    The caller decides `color` (TTY and NO_COLOR), since only it knows where the
    stream goes. `cwd` is the directory the finding paths are relative to; SARIF
    records it as `%SRCROOT%` and it defaults to the current directory.
    Only the chosen format's module is imported (a pre-commit run prints text).
    """
    if fmt == "text":
        from goldenpath_audit.auditor.reporters.text import write_text

        write_text(result, stream, color=color, quiet=quiet, statistics=statistics)
    elif fmt == "json":
        from goldenpath_audit.auditor.reporters.json_format import write_json

        write_json(result, stream)
    elif fmt == "sarif":
        from goldenpath_audit.auditor.reporters.sarif import write_sarif

        write_sarif(result, stream, rules=rules, cwd=cwd)
    elif fmt == "github":
        from goldenpath_audit.auditor.reporters.github import write_github

        write_github(result, stream)
    else:
        raise ValueError(f"unknown output format {fmt!r}; expected one of: {', '.join(FORMATS)}")
