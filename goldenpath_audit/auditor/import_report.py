"""`goldenpath-audit imports NAME`: the import registry a team writes by hand, computed.

For one class or function name: the first-party modules that define it, and every
import path the checked files use for it, with counts and a status: canonical
(the registry's home, or the defining module), deprecated (the registry replaces
it), re-export (works through another module), or broken (pytest would fail).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from goldenpath_audit.auditor.config import Settings
from goldenpath_audit.auditor.findings import FileError

IMPORT_RULES = ["GP301", "GP302", "GP303"]


@dataclass
class ImportPath:
    path: str  # "module.Name"
    status: str  # canonical | deprecated | re-export | broken
    uses: int = 0
    files: set[str] = field(default_factory=set)

    def to_json(self) -> dict:
        return {"path": self.path, "status": self.status, "uses": self.uses, "files": len(self.files)}


@dataclass
class ImportReport:
    name: str
    definitions: list[tuple[str, str, int]] = field(default_factory=list)  # (module, file, line)
    paths: list[ImportPath] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)  # paths that could not be walked, read or parsed

    def to_json(self) -> dict:
        return {
            "version": 1,
            "name": self.name,
            "definitions": [{"module": m, "path": p, "line": line} for m, p, line in self.definitions],
            "import_paths": [item.to_json() for item in self.paths],
        }


STATUS_ORDER = {"broken": 0, "deprecated": 1, "re-export": 2, "canonical": 3}


def build_import_report(settings: Settings, cwd: Path, paths: Sequence[Path], name: str) -> ImportReport:
    from goldenpath_audit.auditor.context import FileContext
    from goldenpath_audit.auditor.marker_report import unreadable
    from goldenpath_audit.auditor.runner import Runner
    from goldenpath_audit.rules.imports import resolved_imports

    if not name.isidentifier():
        raise ValueError(f"'{name}' is not a class or function name (give the bare name, e.g. WebSocketManager)")
    runner = Runner(dataclasses.replace(settings, select=None, ignore=[]), cwd, select=[*IMPORT_RULES, "GP001"])
    result = runner.check(paths)
    project = runner.project
    index = project.module_index
    registry = settings.ssot
    report = ImportReport(name=name, errors=unreadable(result))
    defining = index.defining_modules(name)
    for module in defining:
        info = index.find(module)
        if info is not None and info.path is not None:
            report.definitions.append((module, project.display_path(info.path), info.location.get(name, 0)))
    canonical = registry.canonical_names.get(name) or set(defining)
    by_path: dict[str, ImportPath] = {}
    for path, facts in sorted(runner.checked_facts.items()):
        ctx = FileContext(path=path, display_path=project.display_path(path), facts=facts, project=project)
        for item in resolved_imports(ctx):
            if not item.fact.is_from or item.imported.name != name:
                continue
            if not index.is_first_party(item.module, importer=path):
                continue  # `unittest.mock.Manager` is another thing with the same name
            dotted = f"{item.module}.{name}"
            entry = by_path.get(dotted)
            if entry is None:
                entry = by_path[dotted] = ImportPath(dotted, _status(index, registry, item.module, name, canonical, path))
            entry.uses += 1
            entry.files.add(ctx.display_path)
    report.paths = sorted(by_path.values(), key=lambda item: (STATUS_ORDER[item.status], -item.uses, item.path))
    return report


def _status(index, registry, module: str, name: str, canonical: set[str], importer: Path) -> str:
    from goldenpath_audit.rules.imports import match_from

    if match_from(registry, module, name) is not None:
        return "deprecated"
    if module in canonical:
        return "canonical"
    if index.is_first_party(module, importer=importer):
        info = index.find(module, importer=importer)
        if info is None:
            return "broken"
        if not info.open_namespace and name not in info.defined and name not in info.exports:
            if not index.has_submodule(module, name, importer=importer):
                return "broken"
    return "re-export"
