"""The check pipeline: discover, pre-filter, parse once, extract facts, run rules.

A file is read as bytes first; only if it contains a token that one of the
enabled rules declares is it decoded and parsed. Each parsed file yields one
`FileFacts` shared by all rules. Bad input never stops the run: unreadable and
undecodable files become errors, unparsable files become GP001 findings.

Two phases: `Rule.check` runs per file; `Rule.finalize` runs once at the end
with every file's facts, for findings that need the whole run (a marker
registered but used nowhere, a registration description counting all uses).
Suppression comments and per-file ignores apply to both phases alike.
"""

from __future__ import annotations

import gc
import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from goldenpath_audit.auditor.cache import CachedSyntaxProblem, CacheEntry, FactsCache, plan_signature
from goldenpath_audit.auditor.config import Settings
from goldenpath_audit.auditor.context import FileContext, RunContext
from goldenpath_audit.auditor.discovery import discover
from goldenpath_audit.auditor.facts import FileFacts, Span, extract_facts
from goldenpath_audit.auditor.findings import CheckResult, FileError, Finding
from goldenpath_audit.auditor.parsing import SyntaxProblem, parse
from goldenpath_audit.auditor.project import Project
from goldenpath_audit.auditor.selection import enabled_codes, matches
from goldenpath_audit.auditor.source import FindingLines, SourceDecodeError, SourceFile, finding_lines
from goldenpath_audit.auditor.suppressions import Suppressions
from goldenpath_audit.rules import ALL_RULES
from goldenpath_audit.rules.base import Rule
from goldenpath_audit.rules.syntax import SyntaxErrorRule

if TYPE_CHECKING:
    from goldenpath_audit.auditor.progress import DelayedProgress


@dataclass
class RunPlan:
    """The enabled rules and what they need from each file."""

    rules: list[Rule]
    tokens: tuple[bytes, ...]
    modules: frozenset[str]
    markers: bool = False
    imports: bool = False
    collectors: tuple = ()
    # A family's collector runs only on files holding one of its rules' tokens
    # (an empty tuple: every parsed file).
    collector_tokens: dict = field(default_factory=dict)
    # With only token-less rules enabled (`--select GP001`), every file is parsed.
    parse_all: bool = False

    @classmethod
    def build(cls, settings: Settings, select: list[str] | None, ignore: list[str]) -> "RunPlan":
        codes = enabled_codes(ALL_RULES, select, ignore)
        rules = [ALL_RULES[code]() for code in codes]
        tokens = tuple(sorted({token for rule in rules for token in rule.TOKENS}))
        modules = frozenset(module for rule in rules for module in rule.MODULES)
        return cls(
            rules=rules,
            tokens=tokens,
            modules=modules,
            markers=any(rule.NEEDS_MARKERS for rule in rules),
            imports=any(rule.NEEDS_IMPORTS for rule in rules),
            collectors=tuple({rule.FACTS_KEY: type(rule).collect for rule in rules if rule.FACTS_KEY}.items()),
            collector_tokens=_family_tokens(rules),
            parse_all=not tokens and bool(rules),
        )

    def enabled(self, code: str) -> bool:
        return any(rule.CODE == code for rule in self.rules)


# FileOutcome.suppressions of a file checked from the cache without reading it.
UNREAD: Suppressions = object()  # type: ignore[assignment]


@dataclass
class FileOutcome:
    findings: list[Finding]
    error: FileError | None = None
    lines: list[str] | None = None
    digest: str | None = None
    facts: FileFacts | None = None
    suppressions: Suppressions | None = None


class Runner:
    def __init__(
        self,
        settings: Settings,
        cwd: Path,
        *,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        cache: FactsCache | None = None,
        pool_min_files: int | None = None,
    ):
        self.settings = settings
        # Facts by content hash (see cache.py); None parses every file every run.
        self.cache = cache
        # Cold runs over at least this many uncached files use worker processes (parallel.py).
        from goldenpath_audit.auditor.parallel import MIN_FILES

        self.pool_min_files = MIN_FILES if pool_min_files is None else pool_min_files
        self.project = Project(settings, cwd)
        self.plan = RunPlan.build(
            settings,
            select if select is not None else settings.select,
            [*settings.ignore, *(ignore or [])],
        )
        self._per_file = _compile_per_file_ignores(settings.per_file_ignores)
        self._facts: dict[Path, FileFacts | None] = {}
        # What the stat index answered for each file when the run planned its workers.
        self._known_before: dict[Path, tuple[str, CacheEntry] | None] = {}
        # Facts of the files the last `check` parsed, for reports built on a run.
        self.checked_facts: dict[Path, FileFacts] = {}
        self.project.read_facts = self.facts_for
        self.project.enabled_codes = frozenset(rule.CODE for rule in self.plan.rules)
        plan = self.plan
        self._signature = plan_signature(
            plan.modules, markers=plan.markers, imports=plan.imports, collectors=plan.collectors, tokens=plan.tokens
        )
        self._full_signature = plan_signature(plan.modules, markers=True, imports=True, collectors=plan.collectors)

    def check(self, paths: Sequence[Path], progress: "DelayedProgress | None" = None) -> CheckResult:
        with _rare_garbage_collection():
            return self._check(paths, progress)

    def _check(self, paths: Sequence[Path], progress: "DelayedProgress | None") -> CheckResult:
        result = CheckResult()
        self._facts.clear()
        self.project.set_checked_paths(paths)
        discovery = discover(paths, project_root=self.settings.project_root, exclude=self.settings.exclude)
        for path, reason in discovery.errors:
            result.errors.append(FileError(self.project.display_path(path), reason))
        checked: dict[Path, FileFacts] = {}
        suppressions: dict[Path, Suppressions | None] = {}
        prefetched = self._prefetch(discovery.files)
        if progress is not None:
            progress.start(len(discovery.files))
        try:
            for path in discovery.files:
                outcome = self.check_file(path, prefetched)
                if progress is not None:
                    progress.advance()
                result.files_checked += 1
                self._collect(result, path, outcome)
                if outcome.facts is not None:
                    checked[path] = outcome.facts
                    if outcome.suppressions is not UNREAD:
                        suppressions[path] = outcome.suppressions
        finally:
            if prefetched is not None:
                prefetched.close()  # stops the workers now, not whenever the iterator is collected
        self._finalize(result, checked, suppressions)
        result.errors.extend(self.project.pytest_config_errors())
        self.checked_facts = checked
        if self.cache is not None:
            self.cache.save()
        result.sort()
        return result

    def _collect(self, result: CheckResult, path: Path, outcome: FileOutcome) -> None:
        display = self.project.display_path(path)
        result.findings.extend(outcome.findings)
        if outcome.error is not None:
            result.errors.append(outcome.error)
        if outcome.findings and outcome.lines is not None:
            numbers = [number for finding in outcome.findings for number in finding_lines(finding)]
            result.sources[display] = FindingLines(outcome.lines, numbers)
        if outcome.digest is not None:
            result.digests[display] = outcome.digest

    def _finalize(
        self, result: CheckResult, checked: dict[Path, FileFacts], suppressions: dict[Path, Suppressions | None]
    ) -> None:
        """Run the cross-file phase; its findings get the same filtering as per-file ones."""
        run = RunContext(project=self.project, files=checked)
        for rule in self.plan.rules:
            for finding in rule.finalize(run):
                path = self.project.cwd / finding.path
                if matches(finding.code, self._ignored_codes(path)):
                    continue
                silencer = suppressions.get(path) if path in suppressions else self._suppressions_of(path)
                if silencer is not None and silencer.silences(finding):
                    continue
                result.findings.append(finding)
                kept = result.sources.get(finding.path)
                numbers = finding_lines(finding)
                if not isinstance(kept, FindingLines) or not all(kept.has(number) for number in numbers):
                    lines = _read_lines(path)
                    if lines is not None:
                        if isinstance(kept, FindingLines):
                            kept.keep(lines, numbers)
                        else:
                            result.sources[finding.path] = FindingLines(lines, numbers)
                if finding.fix is not None and finding.path not in result.digests:
                    digest = _digest(path)
                    if digest is not None:
                        result.digests[finding.path] = digest

    def _suppressions_of(self, path: Path) -> Suppressions | None:
        try:
            raw = path.read_bytes()
            return Suppressions.read(raw, SourceFile.from_bytes(str(path), raw).lines)
        except (OSError, SourceDecodeError):
            return None

    def facts_for(self, path: Path) -> FileFacts | None:
        """Facts of any file (parsed at most once per run); None if it cannot be read or parsed."""
        path = Path(path)
        if path in self._facts:
            return self._facts[path]
        facts: FileFacts | None = None
        try:
            raw = path.read_bytes()
            source = SourceFile.from_bytes(self.project.display_path(path), raw)
            facts = self._extract(source, raw, self._full_signature, markers=True, imports=True)
        except (OSError, SourceDecodeError, SyntaxProblem, RecursionError, MemoryError):
            facts = None
        self._facts[path] = facts
        return facts

    def _prefetch(self, files: list[Path]) -> "_Prefetched | None":
        """Facts of the files the cache cannot answer, extracted by worker processes on big cold runs."""
        from goldenpath_audit.auditor import parallel

        self._known_before = {path: self._known(path) for path in files} if self.cache is not None else {}
        unknown = [path for path in files if self._known_before.get(path) is None]
        workers = parallel.worker_count(len(unknown), minimum=self.pool_min_files)
        if not workers:
            return None
        jobs = [(path, self.project.display_path(path)) for path in unknown]
        return _Prefetched(parallel.extract_in_workers(jobs, self._extract_job, workers)).expect(unknown)

    def _extract_job(self, path: Path, display: str) -> "tuple[str, CacheEntry] | None":
        """In a worker: read, pre-filter, parse and extract one file; None when the main process must."""
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        digest = _sha256(raw)
        if not self.plan.parse_all and not any(token in raw for token in self.plan.tokens):
            return None
        try:
            source = SourceFile.from_bytes(display, raw)
            return digest, CacheEntry(self._extract_uncached(source, raw, markers=self.plan.markers, imports=self.plan.imports))
        except SourceDecodeError:
            return None
        except SyntaxProblem as problem:
            return digest, CacheEntry(None, CachedSyntaxProblem(problem.line, problem.column, problem.message))

    def _known(self, path: Path) -> "tuple[str, CacheEntry] | None":
        """The cached digest and entry of a file whose size and mtime have not changed, if any."""
        if self.cache is None:
            return None
        digest = self.cache.digest_for(path)
        if digest is None:
            return None
        entry = self.cache.get(self._signature, digest)
        return (digest, entry) if entry is not None else None

    def check_file(self, path: Path, prefetched: "_Prefetched | None" = None) -> FileOutcome:
        display = self.project.display_path(path)
        known = self._known_before.pop(path) if path in self._known_before else self._known(path)
        if known is not None:
            outcome = self._check_known(path, display, *known)
            if outcome is not None:
                return outcome
        stat = self.cache.stat(path) if self.cache is not None else None
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return FileOutcome([], FileError(display, exc.strerror or str(exc)))
        entry = prefetched.entry_for(path, raw) if prefetched is not None else None
        outcome = self.check_bytes(path, display, raw, prefetched=entry)
        if self.cache is not None and stat is not None and outcome.error is None:
            self.cache.remember(path, stat, _sha256(raw))
        return outcome

    def _check_known(self, path: Path, display: str, digest: str, entry: CacheEntry) -> FileOutcome | None:
        """Check an unchanged file from its cached entry, reading it only when there are findings."""
        if entry.skipped:
            return FileOutcome([])
        if entry.facts is None:
            return None  # a syntax problem: the message needs the file's text anyway
        self._facts[path] = entry.facts
        ignored = self._ignored_codes(path)
        findings = [f for f in self._run_rules(path, display, entry.facts) if not matches(f.code, ignored)]
        if not findings:
            return FileOutcome([], facts=entry.facts, suppressions=UNREAD)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        if _sha256(raw) != digest:
            return None  # changed since the stat: check it from scratch
        try:
            source = SourceFile.from_bytes(display, raw)
        except SourceDecodeError:
            return None
        return self._finish(raw, source, findings, entry.facts)

    def check_bytes(self, path: Path, display: str, raw: bytes, prefetched: CacheEntry | None = None) -> FileOutcome:
        if not self.plan.parse_all and not any(token in raw for token in self.plan.tokens):
            if self.cache is not None:
                self.cache.put(self._signature, _sha256(raw), CacheEntry(None, skipped=True))
            return FileOutcome([])
        try:
            source = SourceFile.from_bytes(display, raw)
        except SourceDecodeError as exc:
            return FileOutcome([], FileError(display, str(exc)))
        ignored = self._ignored_codes(path)
        facts: FileFacts | None = None
        try:
            facts = self._extract(source, raw, self._signature, markers=self.plan.markers, imports=self.plan.imports, prefetched=prefetched)
            self._facts[path] = facts
            findings = self._run_rules(path, source.path, facts)
        except SyntaxProblem as problem:
            findings = self._syntax_finding(display, problem)
        except (RecursionError, MemoryError):
            return FileOutcome([], FileError(display, "too deeply nested to analyse"))
        findings = [finding for finding in findings if not matches(finding.code, ignored)]
        return self._finish(raw, source, findings, facts)

    def _finish(self, raw: bytes, source: SourceFile, findings: list[Finding], facts: FileFacts | None) -> FileOutcome:
        """Apply suppression comments and attach what reports and fixes need."""
        suppressions = Suppressions.read(raw, source.lines)
        if suppressions is not None:
            findings = [finding for finding in findings if not suppressions.silences(finding)]
        digest = _sha256(raw) if any(f.fix for f in findings) else None
        lines = source.lines if findings else None
        return FileOutcome(findings, lines=lines, digest=digest, facts=facts, suppressions=suppressions)

    def _extract(
        self,
        source: SourceFile,
        raw: bytes,
        signature: str,
        *,
        markers: bool,
        imports: bool,
        prefetched: CacheEntry | None = None,
    ) -> FileFacts:
        """Parse and extract, or reuse what the cache or a worker holds for these bytes; raises SyntaxProblem."""
        digest = _sha256(raw) if self.cache is not None else None
        entry = prefetched
        if entry is None and self.cache is not None and digest is not None:
            entry = self.cache.get(signature, digest)
        if prefetched is not None and self.cache is not None and digest is not None:
            self.cache.put(signature, digest, prefetched)  # a worker's result, new to the cache
        if entry is not None and entry.problem is not None:
            problem = entry.problem
            raise SyntaxProblem(problem.line, problem.column, problem.message)
        if entry is not None and entry.facts is not None:
            return entry.facts
        try:
            facts = self._extract_uncached(source, raw, markers=markers, imports=imports)
        except SyntaxProblem as problem:
            if self.cache is not None and digest is not None:
                cached = CachedSyntaxProblem(problem.line, problem.column, problem.message)
                self.cache.put(signature, digest, CacheEntry(None, cached))
            raise
        if self.cache is not None and digest is not None:
            self.cache.put(signature, digest, CacheEntry(facts))
        return facts

    def _extract_uncached(self, source: SourceFile, raw: bytes, *, markers: bool, imports: bool) -> FileFacts:
        tree = parse(source)
        collectors = tuple(
            (key, collect)
            for key, collect in self.plan.collectors
            if _has_token(raw, self.plan.collector_tokens.get(key, ()))
        )
        return extract_facts(tree, source, self.plan.modules, markers=markers, imports=imports, collectors=collectors)

    def _run_rules(self, path: Path, display: str, facts: FileFacts) -> list[Finding]:
        ctx = FileContext(path=path, display_path=display, facts=facts, project=self.project)
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
    from pathspec import GitIgnoreSpec

    return [
        (GitIgnoreSpec.from_lines([pattern]), [code.upper() for code in codes])
        for pattern, codes in table.items()
    ]


def _family_tokens(rules: list[Rule]) -> dict[str, tuple[bytes, ...]]:
    """The union of TOKENS of each fact family's rules; empty when one of them has none."""
    tokens: dict[str, set[bytes] | None] = {}
    for rule in rules:
        if not rule.FACTS_KEY:
            continue
        current = tokens.setdefault(rule.FACTS_KEY, set())
        if current is not None:
            tokens[rule.FACTS_KEY] = current | set(rule.TOKENS) if rule.TOKENS else None
    return {key: tuple(sorted(value)) if value else () for key, value in tokens.items()}


@contextmanager
def _rare_garbage_collection() -> Iterator[None]:
    """Collect cycles rarely during a run.

    A run allocates millions of small objects (trees, facts) that live until
    the end and hold no reference cycles worth collecting; with the default
    thresholds, full collections rescan that growing heap again and again,
    which made a 4x bigger suite take 4.6x as long.
    """
    old = gc.get_threshold()
    gc.set_threshold(200_000, 50, 1_000)
    try:
        yield
    finally:
        gc.set_threshold(*old)


_last_digest: tuple[bytes, str] | None = None


def _sha256(raw: bytes) -> str:
    """The hex sha256 of `raw`; one file's bytes are hashed once however many steps ask."""
    global _last_digest
    if _last_digest is not None and _last_digest[0] is raw:
        return _last_digest[1]
    digest = hashlib.sha256(raw).hexdigest()
    _last_digest = (raw, digest)
    return digest


def _has_token(raw: bytes, tokens: tuple[bytes, ...]) -> bool:
    return not tokens or any(token in raw for token in tokens)


def _read_lines(path: Path) -> list[str] | None:
    try:
        return SourceFile.from_bytes(str(path), path.read_bytes()).lines
    except (OSError, SourceDecodeError):
        return None


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _relative_posix(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


class _Prefetched:
    """Worker results by path, pulled in job order as the main loop asks for them.

    A result is used only if the worker read the same bytes as the main
    process; a file the main loop never asks about (it vanished) just leaves
    its result in the buffer.
    """

    def __init__(self, results: "Iterator[tuple[Path, tuple[str, CacheEntry] | None]]") -> None:
        self._results = results
        self._buffer: dict[Path, "tuple[str, CacheEntry] | None"] = {}
        self._pending: set[Path] = set()

    def close(self) -> None:
        close = getattr(self._results, "close", None)
        if close is not None:
            close()

    def expect(self, paths: list[Path]) -> "_Prefetched":
        self._pending.update(paths)
        return self

    def entry_for(self, path: Path, raw: bytes) -> CacheEntry | None:
        if path not in self._pending:
            return None
        while path not in self._buffer:
            item = next(self._results, None)
            if item is None:
                return None
            self._buffer[item[0]] = item[1]
        self._pending.discard(path)
        result = self._buffer.pop(path)
        if result is None:
            return None
        digest, entry = result
        return entry if digest == _sha256(raw) else None
