"""What a rule sees when it checks one file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from goldenpath_audit.auditor.facts import FileFacts, Span
from goldenpath_audit.auditor.findings import Finding, Fix

if TYPE_CHECKING:
    from goldenpath_audit.auditor.project import Project
    from goldenpath_audit.rules.base import Rule


@dataclass(slots=True)
class FileContext:
    path: Path  # absolute
    display_path: str  # relative to the current directory, `/` separators
    facts: FileFacts
    project: "Project"

    def is_test_module(self) -> bool:
        """Whether pytest collects tests from this file (`python_files` of its config)."""
        return self.project.pytest_configs.for_file(self.path).is_test_file(self.path.name)

    def finding(
        self,
        rule: "type[Rule] | Rule",
        span: Span,
        message: str,
        *,
        fix: Fix | None = None,
        statement_line: int | None = None,
    ) -> Finding:
        return Finding(
            code=rule.CODE,
            name=rule.NAME,
            path=self.display_path,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            message=message,
            severity=rule.SEVERITY,
            fix=fix,
            statement_line=statement_line,
        )


@dataclass(slots=True)
class RunContext:
    """What a rule sees after every file was checked: all facts, for cross-file rules."""

    project: "Project"
    # Absolute path -> facts, for every file that was parsed in this run.
    files: dict[Path, FileFacts]
    # Results shared between rules of one family (GP201 and GP202 share one analysis).
    cache: dict[str, object] = field(default_factory=dict)

    def finding_at(
        self,
        rule: "type[Rule] | Rule",
        path: Path,
        span: Span,
        message: str,
        *,
        fix: Fix | None = None,
        statement_line: int | None = None,
    ) -> Finding:
        ctx = FileContext(path=path, display_path=self.project.display_path(path), facts=FileFacts(), project=self.project)
        return ctx.finding(rule, span, message, fix=fix, statement_line=statement_line)
