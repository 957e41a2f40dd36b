"""The data behind `goldenpath-audit markers`: a static `pytest --markers`, with usage counts.

For every pytest config root governing the checked files, one row per marker:
each marker pytest would know there (the config's `markers` lines, built-ins,
markers of declared plugins, `extra-markers`, `pytest_configure` registrations
of conftest.py files and `-p` / `pytest_plugins` modules) and each name used
there that pytest would not know. Statuses agree with the marker rules:
`unregistered` and `misspelled` are exactly the uses GP201 and GP202 report.

A marker counts as used where it is applied (`@pytest.mark.X`, `pytestmark`,
`pytest.param(marks=...)`, `add_marker("X")`) and where it is read by name
(`get_closest_marker("X")`, `iter_markers("X")`: one use per file).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from goldenpath_audit.auditor.config import Settings
from goldenpath_audit.auditor.context import RunContext
from goldenpath_audit.auditor.discovery import discover
from goldenpath_audit.auditor.facts import ANY_MARKER, FileFacts
from goldenpath_audit.auditor.findings import CheckResult, FileError
from goldenpath_audit.auditor.marker_registry import Registration
from goldenpath_audit.auditor.pytest_config import PytestConfig

if TYPE_CHECKING:
    from goldenpath_audit.auditor.marker_registry import MarkerRegistry
    from goldenpath_audit.auditor.project import Project
    from goldenpath_audit.auditor.runner import Runner
    from goldenpath_audit.rules.pytest_markers import UnknownUse

__all__ = ["MarkerReport", "MarkerRoot", "MarkerRow", "build_marker_report", "marker_report"]

#: The rules whose facts the report needs (selected when `build_marker_report` runs a check).
MARKER_RULES = ["GP2"]

OK, UNREGISTERED, MISSPELLED, UNUSED, UNCERTAIN = "ok", "unregistered", "misspelled", "unused", "uncertain"
# Problems first.
STATUS_ORDER = {UNREGISTERED: 0, MISSPELLED: 1, UNCERTAIN: 2, UNUSED: 3, OK: 4}


@dataclass(frozen=True)
class MarkerRow:
    name: str
    # "pyproject.toml:21", "tests/conftest.py:12", "built-in", "plugin pytest-asyncio",
    # "extra-markers"; None when nothing registers the name.
    registered_where: str | None
    description: str
    uses: int  # use sites under the root
    files: int  # files with at least one use
    status: str  # "ok" | "unregistered" | "misspelled" | "unused" | "uncertain"
    suggestion: str | None = None  # the registered name a misspelled one is close to

    @property
    def status_text(self) -> str:
        return f"{self.status} -> {self.suggestion}" if self.status == MISSPELLED else self.status

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "registered_where": self.registered_where,
            "description": self.description,
            "uses": self.uses,
            "files": self.files,
            "status": self.status,
            "suggestion": self.suggestion,
        }


@dataclass
class MarkerRoot:
    """One pytest config (or its absence) and the markers of the files it governs."""

    config: str | None  # display path of the config file; None when no config file governs
    rootdir: str  # display path
    markers: list[MarkerRow] = field(default_factory=list)
    # Registrations that could not be evaluated ("tests/conftest.py:8"): names may be missing.
    uncertain: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.config if self.config is not None else f"no pytest config (rootdir {self.rootdir})"

    def to_json(self) -> dict[str, object]:
        return {"config": self.config, "rootdir": self.rootdir, "markers": [row.to_json() for row in self.markers]}


@dataclass
class MarkerReport:
    roots: list[MarkerRoot] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)  # paths that could not be walked, read or parsed

    def to_json(self) -> dict[str, object]:
        return {"version": 1, "roots": [root.to_json() for root in self.roots]}


def build_marker_report(settings: Settings, cwd: Path, paths: Sequence[Path]) -> MarkerReport:
    """Check `paths` with the marker rules only (whatever `select`/`ignore` say) and report."""
    from goldenpath_audit.auditor.runner import Runner

    settings = dataclasses.replace(settings, select=None, ignore=[])
    runner = Runner(settings, cwd, select=[*MARKER_RULES, "GP001"])
    result = runner.check(paths)
    report = marker_report(runner, paths)
    report.errors = unreadable(result)
    return report


def unreadable(result: CheckResult) -> list[FileError]:
    """The files a report could not count: errors, and files that do not parse (GP001) at their position."""
    syntax = [FileError(f"{f.path}:{f.line}:{f.column}", f.message) for f in result.findings if f.code == "GP001"]
    return sorted([*result.errors, *syntax], key=lambda error: (error.path, error.message))


def marker_report(runner: Runner, paths: Sequence[Path]) -> MarkerReport:
    """The report for a runner that has just checked `paths` with the marker rules enabled."""
    from goldenpath_audit.rules.pytest_markers import unknown_uses

    project = runner.project
    settings = runner.settings
    discovered = discover(paths, project_root=settings.project_root, exclude=settings.exclude).files
    checked: dict[Path, FileFacts] = dict(runner.checked_facts)

    configs = project.pytest_configs
    registry = project.marker_registry
    groups: dict[tuple[Path | None, Path], tuple[PytestConfig, list[Path]]] = {}
    for path in discovered:
        config = configs.for_file(path)
        groups.setdefault((config.path, config.rootdir), (config, []))[1].append(path)

    unknown = unknown_uses(RunContext(project=project, files=checked))
    report = MarkerReport()
    for config, files in sorted(groups.values(), key=lambda item: project.display_path(item[0].rootdir)):
        report.roots.append(_root(project, config, files, checked, unknown, registry))
    return report


def _root(
    project: Project,
    config: PytestConfig,
    files: list[Path],
    checked: dict[Path, FileFacts],
    unknown: list[UnknownUse],
    registry: MarkerRegistry,
) -> MarkerRoot:
    root = MarkerRoot(
        config=project.display_path(config.path) if config.path is not None else None,
        rootdir=project.display_path(config.rootdir),
    )
    registered: dict[str, Registration] = {}
    uncertain_dirs: set[Path] = set()
    for path in files:
        known = registry.for_file(path)
        for name, registration in known.names.items():
            registered.setdefault(name, registration)
        if known.uncertain:
            uncertain_dirs.add(path.parent)
            for where in known.uncertain:
                if where not in root.uncertain:
                    root.uncertain.append(where)

    file_set = set(files)
    uses: dict[str, int] = {}
    using_files: dict[str, set[Path]] = {}
    unverified: set[str] = set()  # used in a directory whose registrations are uncertain
    dynamic = False  # some file applies markers by computed names: "unused" cannot be known
    for path in files:
        facts = checked.get(path)
        if facts is None:
            continue
        for use in facts.marks:
            uses[use.name] = uses.get(use.name, 0) + 1
            using_files.setdefault(use.name, set()).add(path)
            if path.parent in uncertain_dirs and use.name not in registry.for_file(path).names:
                unverified.add(use.name)
        for name in facts.marker_reads - {ANY_MARKER}:
            uses[name] = uses.get(name, 0) + 1
            using_files.setdefault(name, set()).add(path)
        dynamic = dynamic or ANY_MARKER in facts.marker_reads

    problems: dict[str, str | None] = {}  # unknown name -> suggestion
    for item in unknown:
        if item.path in file_set and problems.get(item.use.name) is None:
            problems[item.use.name] = item.suggestion

    rows: list[MarkerRow] = []
    for name in sorted(set(registered) | set(problems) | unverified):
        registration = registered.get(name)
        count, file_count = uses.get(name, 0), len(using_files.get(name, ()))
        suggestion = None
        if name in problems:
            suggestion = problems[name]
            status = MISSPELLED if suggestion is not None else UNREGISTERED
        elif registration is None:
            status = UNCERTAIN
        elif count == 0 and registration.path is not None and not dynamic:
            status = UNUSED  # registered by the project itself (config or a conftest), used nowhere
        else:
            status = OK
        rows.append(
            MarkerRow(
                name=name,
                registered_where=_where(project, registration),
                description=registration.description if registration is not None else "",
                uses=count,
                files=file_count,
                status=status,
                suggestion=suggestion,
            )
        )
    rows.sort(key=lambda row: (STATUS_ORDER[row.status], row.name))
    root.markers = rows
    return root


def _where(project: Project, registration: Registration | None) -> str | None:
    """`file:line` for config-file registrations (the registry names just the file), else as the registry says."""
    if registration is None:
        return None
    path, line = registration.path, registration.line
    if path is not None and line is not None and registration.where == project.display_path(path):
        return f"{registration.where}:{line}"
    return registration.where
