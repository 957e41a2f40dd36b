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

import dataclasses
import functools
import gc
import hashlib
import os
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from goldenpath_audit.auditor import inputs, run_memo
from goldenpath_audit.auditor.cache import CachedSyntaxProblem, CacheEntry, FactsCache, environment, plan_signature
from goldenpath_audit.auditor.config import Settings
from goldenpath_audit.auditor.discovery import discover
from goldenpath_audit.auditor.findings import CheckResult, FileError, Finding
from goldenpath_audit.auditor.parsing import SyntaxProblem, parse
from goldenpath_audit.auditor.project import Project
from goldenpath_audit.auditor.selection import enabled_codes, matches
from goldenpath_audit.auditor.source import FindingLines, SourceDecodeError, SourceFile, finding_lines
from goldenpath_audit.auditor.suppressions import Suppressions
from goldenpath_audit.rules import ALL_RULES

# The rules, their fact extraction and contexts are imported where a file is
# really checked: a run that replays every file from its memo (a pre-commit
# run, run_memo.py) never needs them, and they are most of the import time.
if TYPE_CHECKING:
    from goldenpath_audit.auditor.facts import FileFacts
    from goldenpath_audit.auditor.progress import DelayedProgress
    from goldenpath_audit.rules.base import Rule


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
    def build(cls, codes: Sequence[str]) -> "RunPlan":
        """The plan for these enabled codes (importing their rules' modules)."""
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


# A run that replayed a memo saves the facts cache only when it parsed more files than this.
FEW_NEW_FACTS = 100
#: Files smaller than this are parsed rather than looked up while the facts cache is not loaded yet.
PARSE_RATHER_THAN_LOAD = 64_000

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
    content: str | None = None  # sha256 of the bytes checked (runs that keep a memo)


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
        replay: bool = False,
    ):
        self.settings = settings
        # Facts by content hash (see cache.py); None parses every file every run.
        self.cache = cache
        # Replay unchanged files' findings from the last run's memo (run_memo.py); needs the cache.
        self.replay = replay and cache is not None
        # Cold runs over at least this many uncached files use worker processes (parallel.py).
        from goldenpath_audit.auditor.parallel import MIN_FILES

        self.pool_min_files = MIN_FILES if pool_min_files is None else pool_min_files
        self.project = Project(settings, cwd)
        # Where the module index may keep its whole-tree definitions scan (definitions_index.py).
        self.project.cache_directory = cache.directory if cache is not None else None
        self.codes: tuple[str, ...] = tuple(
            enabled_codes(ALL_RULES, select if select is not None else settings.select, [*settings.ignore, *(ignore or [])])
        )
        self._per_file = _compile_per_file_ignores(settings.per_file_ignores)
        self._facts: dict[Path, FileFacts | None] = {}
        # What the stat index answered for each file when the run planned its workers.
        self._known_before: dict[Path, tuple[str, CacheEntry] | None] = {}
        # Facts of the files the last `check` parsed, for reports built on a run.
        self.checked_facts: dict[Path, FileFacts] = {}
        self.project.read_facts = self.facts_for
        self.project.enabled_codes = frozenset(self.codes)
        self._digests: dict[Path, str] = {}
        self._marks: run_memo.MarkerFactsStore | None = None  # runs that keep a memo
        # Files a replay found edited since the memo: the stat index cannot know them.
        self._edited: set[Path] = set()
        # Report paths whose lines the cross-file phase had to read from disk.
        self._lines_read: set[str] = set()

    @functools.cached_property
    def plan(self) -> RunPlan:
        """The enabled rules and what they need: built when the first file must really be checked."""
        return RunPlan.build(self.codes)

    @functools.cached_property
    def _signature(self) -> str:
        """What a cached entry's facts were extracted for: this plan's families, modules and tokens."""
        plan = self.plan
        return plan_signature(
            plan.modules, markers=plan.markers, imports=plan.imports, collectors=plan.collectors, tokens=plan.tokens
        )

    @functools.cached_property
    def _full_signature(self) -> str:
        """The signature of full facts (every family), as the cross-file phase reads them."""
        plan = self.plan
        return plan_signature(plan.modules, markers=True, imports=True, collectors=plan.collectors)

    def check(self, paths: Sequence[Path], progress: "DelayedProgress | None" = None) -> CheckResult:
        with _rare_garbage_collection():
            return self._check(paths, progress)

    def _check(self, paths: Sequence[Path], progress: "DelayedProgress | None") -> CheckResult:
        result = CheckResult()
        self._reset()
        self.project.set_checked_paths(paths)
        discovery = discover(paths, project_root=self.settings.project_root, exclude=self.settings.exclude)
        for path, reason in discovery.errors:
            result.errors.append(FileError(self.project.display_path(path), reason))
        key = self._memo_key(paths) if self.replay else None
        memo = None
        if key is not None and self.cache is not None:
            memo = run_memo.load(self.cache.directory, key)
            self._marks = run_memo.MarkerFactsStore(self.cache.directory, key)
        log = inputs.InputLog(ignored=self._tool_paths()) if key is not None else None
        state = _RunState()
        with inputs.recording(log) if log is not None else nullcontext():
            replay = self._replay_of(memo, discovery.files)
            if replay is not None:
                self._edited = {path for path in discovery.files if replay.changed(path)}
            self._check_files(result, discovery.files, state, replay, log, progress)
            finalized, marks = self._finalize(
                result, state.checked, state.suppressions, state.replayed, state.records if log is not None else None,
                replay.memo if replay is not None else None,
            )
            config_errors = self.project.pytest_config_errors()
            if replay is not None:
                config_errors = run_memo.merge_errors(config_errors, replay.memo.config_errors)
            result.errors.extend(config_errors)
        self.checked_facts = state.checked
        if self.cache is not None and not (replay is not None and self.cache.new_entries() <= FEW_NEW_FACTS):
            # After a replay, the few files checked again are parsed again next time rather than
            # rewriting the whole facts cache for them; the memo answers for them meanwhile.
            with inputs.paused():
                self.cache.save()
        if log is not None and key is not None and not log.opaque and self.cache is not None:
            self._keep_memo(key, log, replay, state.records, config_errors, finalized, marks, result, state.suppressions)
        result.sort()
        return result

    def _reset(self) -> None:
        self._facts.clear()
        self._digests.clear()
        self._marks = None
        self._edited = set()
        self._lines_read = set()

    def _check_files(
        self,
        result: CheckResult,
        files: list[Path],
        state: "_RunState",
        replay: "run_memo.Replay | None",
        log: inputs.InputLog | None,
        progress: "DelayedProgress | None",
    ) -> None:
        """The per-file phase: replay what the memo still answers, check the rest (in workers when many)."""
        prefetched = self._prefetch([path for path in files if replay is None or replay.record_for(path) is None])
        if progress is not None:
            progress.start(len(files))
        try:
            for path in files:
                record = replay.record_for(path) if replay is not None else None
                if record is not None:
                    self._collect_record(result, path, record, state.suppressions)
                    state.replayed[path] = record
                    state.records[record_key(path)] = record
                else:
                    self._check_and_record(result, path, state, prefetched, remember=log is not None)
                if progress is not None:
                    progress.advance()
                result.files_checked += 1
        finally:
            if prefetched is not None:
                prefetched.close()  # stops the workers now, not whenever the iterator is collected

    def _check_and_record(
        self, result: CheckResult, path: Path, state: "_RunState", prefetched: "_Prefetched | None", *, remember: bool
    ) -> None:
        before = _stat(path) if remember else None
        with inputs.file_frame() as deps:
            outcome = self.check_file(path, prefetched)
        self._collect(result, path, outcome)
        if outcome.facts is not None:
            state.checked[path] = outcome.facts
            if outcome.suppressions is not UNREAD:
                state.suppressions[path] = outcome.suppressions
        if before is not None:
            record = self._record(path, before, outcome, deps)
            if record is not None:
                state.records[record_key(path)] = record

    def _memo_key(self, paths: Sequence[Path]) -> str | None:
        checked = sorted(os.path.abspath(path) for path in paths)
        return run_memo.memo_key(
            # The enabled codes decide the plan (with this code, which environment() stamps).
            (run_memo.FORMAT, environment(), self.codes, self.settings, os.fspath(self.project.cwd), checked)
        )

    def _tool_paths(self) -> tuple[str, ...]:
        """Where the tool reads for itself: its cache and the Python installation (unless the project is there)."""
        import sys

        project = os.path.abspath(self.settings.project_root) + os.sep
        roots = {os.path.abspath(self.cache.directory) + os.sep} if self.cache is not None else set()
        for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, "/proc", "/dev", "/sys"}:
            prefix = os.path.abspath(prefix) + os.sep
            if not project.startswith(prefix):
                roots.add(prefix)
        return tuple(sorted(roots))

    def _replay_of(self, memo: "run_memo.RunMemo | None", files: list[Path]) -> "run_memo.Replay | None":
        if memo is None:
            return None
        with inputs.paused():
            if memo.inputs.changed() is not None:
                return None
            return run_memo.Replay(memo, files)

    def _collect_record(
        self, result: CheckResult, path: Path, record: "run_memo.FileRecord", suppressions: dict[Path, Suppressions | None]
    ) -> None:
        """A replayed file's findings, as its last check reported them."""
        result.findings.extend(record.findings)
        if record.error is not None:
            result.errors.append(record.error)
        if record.lines is not None:
            result.sources[record.display] = record.lines  # type: ignore[assignment]
        if record.fixable:
            result.digests[record.display] = record.digest
        if record.suppressions != run_memo.UNREAD:
            suppressions[path] = record.suppressions  # type: ignore[assignment]
        self._digests[path] = record.digest

    def _record(self, path: Path, before: os.stat_result, outcome: FileOutcome, deps: inputs.FileDeps) -> "run_memo.FileRecord | None":
        if outcome.content is None:
            return None
        marks_digest = None
        if outcome.facts is not None and self._marks is not None:
            marks_digest = self._marks.remember(record_key(path), outcome.facts)
        modules, names = run_memo.record_deps(deps)
        return run_memo.FileRecord(
            signature=inputs.signature(before),
            digest=outcome.content,
            display=self.project.display_path(path),
            findings=tuple(outcome.findings),
            error=outcome.error,
            lines=None,  # set from the report's sources once the cross-file phase added its lines
            fixable=outcome.digest is not None,
            marks_digest=marks_digest,
            suppressions=run_memo.UNREAD,
            modules=modules,
            names=names,
        )

    def _keep_memo(
        self,
        key: str,
        log: inputs.InputLog,
        replay: "run_memo.Replay | None",
        records: dict[str, "run_memo.FileRecord"],
        config_errors: list[FileError],
        finalized: list[Finding] | None,
        marks: str | None,
        result: CheckResult,
        suppressions: dict[Path, Suppressions | None],
    ) -> None:
        """Save what this run concluded: nothing if it replayed everything, a delta if it changed little."""
        states = {record_key(path): state for path, state in suppressions.items()}
        before = replay.memo.records if replay is not None else {}
        changed: set[str] = set()
        for path_key, record in records.items():
            lines = result.sources.get(record.display)
            state = states.get(path_key, run_memo.UNREAD)
            state = state.frozen() if isinstance(state, Suppressions) else state
            if record is before.get(path_key):
                # UNREAD by equality: a record loaded from the memo holds its own copy of the
                # string, and "changed" here would rewrite the delta on every replayed run.
                same = state is record.suppressions or state == run_memo.UNREAD == record.suppressions
                if lines is record.lines and same and record.display not in self._lines_read:
                    continue
                # A replayed file the cross-file phase learnt more about (its lines, its comments).
                record = records[path_key] = dataclasses.replace(record, lines=lines, suppressions=state)
            else:
                record.lines, record.suppressions = lines, state
            changed.add(path_key)
        changed |= before.keys() - records.keys()
        inputs_changed = True
        if replay is not None:
            # Did this run consult something the memo did not know, or find it different (a
            # "which module defines N?" answer, a stat of a scanned file)? A delta holds records
            # only, so then the memo is saved whole; otherwise the next run would validate the
            # records just written against the old inputs.
            inputs_changed = not log.within(replay.memo.inputs)
            old = replay.memo
            if not changed and not inputs_changed and marks == old.marks_key and config_errors == old.config_errors:
                return
            if inputs_changed:
                log.merge(old.inputs)
            else:
                log = old.inputs  # what the merge would give
        memo = run_memo.RunMemo(key, log, records, config_errors, finalized, marks)
        with inputs.paused():
            directory = self.cache.directory  # type: ignore[union-attr]
            if self._marks is not None and (replay is None or marks != replay.memo.marks_key):
                self._marks.save(records)
            if replay is None or inputs_changed or not run_memo.save_delta(directory, memo, changed, replay.memo):
                run_memo.save(directory, memo)

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
        self,
        result: CheckResult,
        checked: dict[Path, FileFacts],
        suppressions: dict[Path, Suppressions | None],
        replayed: dict[Path, "run_memo.FileRecord"] | None = None,
        records: dict[str, "run_memo.FileRecord"] | None = None,
        memo: "run_memo.RunMemo | None" = None,
    ) -> tuple[list[Finding] | None, str | None]:
        """Run the cross-file phase (or replay it); its findings get the same filtering as per-file ones."""
        marks = None
        if records is not None:
            marks = run_memo.marks_key(
                (key, record.marks_digest) for key, record in records.items() if record.marks_digest is not None
            )
        complete = records is not None and all(record_key(path) in records for path in checked)
        if memo is not None and memo.finalized is not None and complete and marks == memo.marks_key:
            raw = list(memo.finalized)
        else:
            files: dict[Path, object] = {}
            for path, record in (replayed or {}).items():
                if record.marks_digest is not None:
                    facts = self._replayed_marks(path, record)
                    if facts is not None:
                        files[path] = facts
            files.update(checked)
            from goldenpath_audit.auditor.context import RunContext

            run = RunContext(project=self.project, files=files)  # type: ignore[arg-type]
            raw = [finding for rule in self.plan.rules for finding in rule.finalize(run)]
        self._admit(result, raw, suppressions)
        return raw, marks

    def _replayed_marks(self, path: Path, record: "run_memo.FileRecord") -> object | None:
        """A replayed file's marker facts: from the memo's store, else its cached or fresh facts."""
        assert self._marks is not None and record.marks_digest is not None
        facts = self._marks.get(record_key(path), record.marks_digest)
        if facts is not None:
            return facts
        full = self.facts_for(path)
        if full is not None:
            self._marks.remember(record_key(path), full)
        return full

    def _admit(self, result: CheckResult, raw: list[Finding], suppressions: dict[Path, Suppressions | None]) -> None:
        paths: dict[str, tuple[Path, list[str]]] = {}
        for finding in raw:
            known = paths.get(finding.path)
            if known is None:
                path = self.project.cwd / finding.path
                known = paths[finding.path] = (path, self._ignored_codes(path))
            path, ignored = known
            if ignored and matches(finding.code, ignored):
                continue
            if path not in suppressions:
                suppressions[path] = self._suppressions_of(path)
            silencer = suppressions[path]
            if silencer is not None and silencer.silences(finding):
                continue
            result.findings.append(finding)
            kept = result.sources.get(finding.path)
            numbers = finding_lines(finding)
            if not isinstance(kept, FindingLines) or not all(kept.has(number) for number in numbers):
                self._lines_read.add(finding.path)
                lines = _read_lines(path)
                if lines is not None:
                    if isinstance(kept, FindingLines):
                        kept.keep(lines, numbers)
                    else:
                        result.sources[finding.path] = FindingLines(lines, numbers)
            if finding.fix is not None and finding.path not in result.digests:
                digest = self._digests.get(path) or _digest(path)
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
        try:
            return self._facts_for(path)
        finally:
            # A run-wide analysis (the marker registry, a conftest lookup) read this file.
            inputs.note_python_read(path, self._digests.get(path))

    def _facts_for(self, path: Path) -> FileFacts | None:
        if path in self._facts:
            return self._facts[path]
        facts: FileFacts | None = None
        try:
            raw = path.read_bytes()
            self._digests[path] = _sha256(raw)
            source = SourceFile.from_bytes(self.project.display_path(path), raw)
            # A conftest is parsed in a millisecond; the facts cache of a big tree takes ~50 ms to
            # load, which a run that re-checks one edited file would pay for nothing else.
            lookup = self.cache is None or self.cache.loaded or len(raw) > PARSE_RATHER_THAN_LOAD
            facts = self._extract(source, raw, self._full_signature, markers=True, imports=True, lookup=lookup)
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
            return digest, CacheEntry(None, CachedSyntaxProblem(problem.line, problem.column, problem.message, problem.newer_grammar))

    def _known(self, path: Path) -> "tuple[str, CacheEntry] | None":
        """The cached digest and entry of a file whose size and mtime have not changed, if any."""
        if self.cache is None or path in self._edited:
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
                if self.replay:
                    outcome.content = known[0]
                return outcome
        stat = self.cache.stat(path) if self.cache is not None else None
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return FileOutcome([], FileError(display, exc.strerror or str(exc)))
        entry = prefetched.entry_for(path, raw) if prefetched is not None else None
        outcome = self.check_bytes(path, display, raw, prefetched=entry)
        if self.replay:
            outcome.content = _sha256(raw)
        if self.cache is not None and stat is not None and outcome.error is None:
            self.cache.remember(path, stat, _sha256(raw))
        return outcome

    def _check_known(self, path: Path, display: str, digest: str, entry: CacheEntry) -> FileOutcome | None:
        """Check an unchanged file from its cached entry, reading it only when there are findings."""
        if entry.skipped:
            return FileOutcome([])
        if entry.facts is None:
            return None  # a syntax problem: the message needs the file's text anyway
        if self.replay:
            self._digests[path] = digest
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
        if self.replay:
            self._digests[path] = _sha256(raw)
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
            facts = self._extract(
                source,
                raw,
                self._signature,
                markers=self.plan.markers,
                imports=self.plan.imports,
                prefetched=prefetched,
                lookup=path not in self._edited,
            )
            self._facts[path] = facts
            findings = self._run_rules(path, source.path, facts)
        except SyntaxProblem as problem:
            unsupported = self._needs_newer_python(path, display, problem)
            if unsupported is not None:
                return FileOutcome([], unsupported)
            # Formatter fixtures with deliberate syntax errors (black's tests/data/) are imported by nothing.
            findings = self._syntax_finding(display, problem) if self.project.importable(path) else []
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
        lookup: bool = True,
    ) -> FileFacts:
        """Parse and extract, or reuse what the cache or a worker holds for these bytes; raises SyntaxProblem."""
        digest = _sha256(raw) if self.cache is not None else None
        entry = prefetched
        if entry is None and lookup and self.cache is not None and digest is not None:
            entry = self.cache.get(signature, digest)
        if prefetched is not None and self.cache is not None and digest is not None:
            self.cache.put(signature, digest, prefetched)  # a worker's result, new to the cache
        if entry is not None and entry.problem is not None:
            problem = entry.problem
            raise SyntaxProblem(problem.line, problem.column, problem.message, newer_grammar=problem.newer_grammar)
        if entry is not None and entry.facts is not None:
            return entry.facts
        try:
            facts = self._extract_uncached(source, raw, markers=markers, imports=imports)
        except SyntaxProblem as problem:
            if self.cache is not None and digest is not None:
                cached = CachedSyntaxProblem(problem.line, problem.column, problem.message, problem.newer_grammar)
                self.cache.put(signature, digest, CacheEntry(None, cached))
            raise
        if self.cache is not None and digest is not None:
            self.cache.put(signature, digest, CacheEntry(facts))
        return facts

    def _extract_uncached(self, source: SourceFile, raw: bytes, *, markers: bool, imports: bool) -> FileFacts:
        from goldenpath_audit.auditor.facts import extract_facts

        tree = parse(source)
        collectors = tuple(
            (key, collect)
            for key, collect in self.plan.collectors
            if _has_token(raw, self.plan.collector_tokens.get(key, ()))
        )
        return extract_facts(tree, source, self.plan.modules, markers=markers, imports=imports, collectors=collectors)

    def _run_rules(self, path: Path, display: str, facts: FileFacts) -> list[Finding]:
        from goldenpath_audit.auditor.context import FileContext

        ctx = FileContext(path=path, display_path=display, facts=facts, project=self.project)
        return [finding for rule in self.plan.rules for finding in rule.check(ctx)]

    def _needs_newer_python(self, path: Path, display: str, problem: SyntaxProblem) -> FileError | None:
        """Code a newer grammar accepts, in a project that requires a newer Python: our limit, not its error."""
        if not problem.newer_grammar:
            return None
        declared = self.project.dependencies.requires_python(path.parent)
        if declared is None or declared.admits_running():
            return None  # the project supports this Python, where the file really does not parse: GP001
        return FileError(
            display,
            f"written for a newer Python than {declared.running}, as the project allows ({declared.text} in "
            f"{self.project.display_path(declared.source)}): run goldenpath-audit with Python {declared.text} to check it",
        )

    def _syntax_finding(self, display: str, problem: SyntaxProblem) -> list[Finding]:
        from goldenpath_audit.auditor.facts import Span
        from goldenpath_audit.rules.syntax import SyntaxErrorRule

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


def record_key(path: Path) -> str:
    return os.fspath(path)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


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


@dataclass
class _RunState:
    """What the per-file phase hands to the cross-file phase and the memo."""

    checked: dict[Path, FileFacts] = field(default_factory=dict)  # facts of the files checked this run
    suppressions: dict[Path, Suppressions | None] = field(default_factory=dict)
    replayed: dict[Path, "run_memo.FileRecord"] = field(default_factory=dict)
    records: dict[str, "run_memo.FileRecord"] = field(default_factory=dict)  # the next memo's


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
