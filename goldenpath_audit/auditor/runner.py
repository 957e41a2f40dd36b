"""The check pipeline: discover, pre-filter, parse once, extract facts, run rules.

A file is read as bytes first; only if it contains a token that one of the
enabled rules declares is it decoded and parsed. Each parsed file yields one
`FileFacts` shared by all rules. Bad input never stops the run: unreadable and
undecodable files become errors, unparsable files become GP001 findings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from goldenpath_audit.auditor.config import Settings
from goldenpath_audit.auditor.context import FileContext
from goldenpath_audit.auditor.discovery import discover
from goldenpath_audit.auditor.facts import Span, extract_facts
from goldenpath_audit.auditor.findings import CheckResult, FileError, Finding
from goldenpath_audit.auditor.parsing import SyntaxProblem, parse
from goldenpath_audit.auditor.project import Project
from goldenpath_audit.auditor.selection import enabled_codes, matches
from goldenpath_audit.auditor.source import SourceDecodeError, SourceFile
from goldenpath_audit.auditor.suppressions import apply_suppressions
from goldenpath_audit.rules import ALL_RULES
from goldenpath_audit.rules.base import Rule
from goldenpath_audit.rules.syntax import SyntaxErrorRule


@dataclass
class RunPlan:
    """The enabled rules and what they need from each file."""

    rules: list[Rule]
    tokens: tuple[bytes, ...]
    modules: frozenset[str]
    per_file_ignores: list[tuple[object, list[str]]] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings, select: list[str] | None, ignore: list[str]) -> "RunPlan":
        codes = enabled_codes(ALL_RULES, select, ignore)
        rules = [ALL_RULES[code]() for code in codes]
        tokens = tuple(sorted({token for rule in rules for token in rule.TOKENS}))
        modules = frozenset(module for rule in rules for module in rule.MODULES)
        return cls(rules=rules, tokens=tokens, modules=modules)

    def enabled(self, code: str) -> bool:
        return any(rule.CODE == code for rule in self.rules)


@dataclass
class FileOutcome:
    findings: list[Finding]
    error: FileError | None = None
    lines: list[str] | None = None
    digest: str | None = None


class Runner:
    def __init__(self, settings: Settings, cwd: Path, *, select: list[str] | None = None, ignore: list[str] | None = None):
        self.settings = settings
        self.project = Project(settings, cwd)
        self.plan = RunPlan.build(
            settings,
            select if select is not None else settings.select,
            [*settings.ignore, *(ignore or [])],
        )
        self._per_file = _compile_per_file_ignores(settings.per_file_ignores)

    def check(self, paths: Sequence[Path]) -> CheckResult:
        result = CheckResult()
        discovery = discover(paths, project_root=self.settings.project_root, exclude=self.settings.exclude)
        for path, reason in discovery.errors:
            result.errors.append(FileError(self.project.display_path(path), reason))
        for path in discovery.files:
            outcome = self.check_file(path)
            result.files_checked += 1
            result.findings.extend(outcome.findings)
            if outcome.error is not None:
                result.errors.append(outcome.error)
            if outcome.findings and outcome.lines is not None:
                result.sources[self.project.display_path(path)] = outcome.lines
            if outcome.digest is not None:
                result.digests[self.project.display_path(path)] = outcome.digest
        result.sort()
        return result

    def check_file(self, path: Path) -> FileOutcome:
        display = self.project.display_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return FileOutcome([], FileError(display, exc.strerror or str(exc)))
        return self.check_bytes(path, display, raw)

    def check_bytes(self, path: Path, display: str, raw: bytes) -> FileOutcome:
        if not any(token in raw for token in self.plan.tokens):
            return FileOutcome([])
        try:
            source = SourceFile.from_bytes(display, raw)
        except SourceDecodeError as exc:
            return FileOutcome([], FileError(display, str(exc)))
        ignored = self._ignored_codes(path)
        try:
            findings = self._run_rules(path, source)
        except SyntaxProblem as problem:
            findings = self._syntax_finding(display, problem)
        except (RecursionError, MemoryError):
            return FileOutcome([], FileError(display, "too deeply nested to analyse"))
        findings = [finding for finding in findings if not matches(finding.code, ignored)]
        findings = apply_suppressions(findings, raw, source.lines) if findings else findings
        digest = hashlib.sha256(raw).hexdigest() if any(f.fix for f in findings) else None
        return FileOutcome(findings, lines=source.lines, digest=digest)

    def _run_rules(self, path: Path, source: SourceFile) -> list[Finding]:
        tree = parse(source)
        facts = extract_facts(tree, source, self.plan.modules)
        ctx = FileContext(path=path, display_path=source.path, facts=facts, project=self.project)
        return [finding for rule in self.plan.rules for finding in rule.check(ctx)]

    def _syntax_finding(self, display: str, problem: SyntaxProblem) -> list[Finding]:
        if not self.plan.enabled(SyntaxErrorRule.CODE):
            return []
        span = Span(problem.line, problem.column, problem.line, problem.column + 1)
        return [
            Finding(
                code=SyntaxErrorRule.CODE,
                name=SyntaxErrorRule.NAME,
                path=display,
                line=span.line,
                column=span.column,
                end_line=span.end_line,
                end_column=span.end_column,
                message=problem.message,
                severity=SyntaxErrorRule.SEVERITY,
            )
        ]

    def _ignored_codes(self, path: Path) -> list[str]:
        if not self._per_file:
            return []
        relative = _relative_posix(path, self.settings.project_root)
        if relative is None:
            return []
        return [code for spec, codes in self._per_file if spec.match_file(relative) for code in codes]


def _compile_per_file_ignores(table: dict[str, list[str]]) -> list[tuple[object, list[str]]]:
    if not table:
        return []
    import pathspec

    return [
        (pathspec.PathSpec.from_lines("gitwildmatch", [pattern]), [code.upper() for code in codes])
        for pattern, codes in table.items()
    ]


def _relative_posix(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
