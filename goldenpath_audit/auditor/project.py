"""Project facts, computed once per run and shared by every file's rules.

Per-file facts describe one file; project facts describe the environment a
file runs in: the settings, and which dependency versions govern each
directory. They are recomputed on every run (never cached across runs), so a
changed `pyproject.toml` can never leave stale findings behind.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from goldenpath_audit.auditor.config import Settings

if TYPE_CHECKING:
    from goldenpath_audit.auditor.dependencies import DependencyIndex
    from goldenpath_audit.auditor.facts import FileFacts
    from goldenpath_audit.auditor.findings import FileError
    from goldenpath_audit.auditor.marker_registry import MarkerRegistry
    from goldenpath_audit.auditor.module_index import ModuleIndex
    from goldenpath_audit.auditor.pytest_config import PytestConfigIndex
    from goldenpath_audit.auditor.versions import VersionPolicy


class Project:
    def __init__(self, settings: Settings, cwd: Path) -> None:
        self.settings = settings
        self.cwd = cwd
        self._dependencies: "DependencyIndex | None" = None
        self._overrides: dict[str, VersionPolicy] = {}
        self._policies: dict[tuple[str, Path], VersionPolicy] = {}
        self.checked_paths: list[Path] = [cwd]
        self._displayed: dict[Path, str] = {}  # display_path is asked for every finding
        # Set by the runner: facts of any file (a conftest.py outside the checked
        # paths, a plugin module), parsed once and memoised there.
        self.read_facts: Callable[[Path], "FileFacts | None"] = lambda path: None
        self._pytest_configs: "PytestConfigIndex | None" = None
        self._marker_registry: "MarkerRegistry | None" = None
        self.enabled_codes: frozenset[str] = frozenset()
        self._module_index: "ModuleIndex | None" = None
        # Where the module index may keep its whole-tree scan between runs (the
        # facts cache directory); None, as with `--no-cache`, scans afresh.
        self.cache_directory: Path | None = None
        if settings.websockets_version is not None:
            from goldenpath_audit.auditor.versions import policy_from_override

            self._overrides["websockets"] = policy_from_override(
                "websockets",
                settings.websockets_version,
                settings.websockets_version_origin or f"--websockets-version {settings.websockets_version}",
            )

    def display_path(self, path: Path) -> str:
        """A path as users see it: relative to the current directory, `/` separators."""
        shown = self._displayed.get(path)
        if shown is None:
            shown = self._displayed[path] = self._display(path)
        return shown

    def _display(self, path: Path) -> str:
        try:
            relative = os.path.relpath(path, self.cwd)
        except ValueError:  # another drive on Windows
            relative = str(path)
        return relative.replace(os.sep, "/")

    @property
    def dependencies(self) -> "DependencyIndex":
        """Dependency declarations by directory, built on first use.

        Its modules import `packaging` (~30 ms): a run that replays its memo
        (a pre-commit run) never asks for a pin, so it does not pay for them.
        """
        if self._dependencies is None:
            from goldenpath_audit.auditor.dependencies import DependencyIndex

            self._dependencies = DependencyIndex()
        return self._dependencies

    def version_policy(self, package: str, path: Path) -> "VersionPolicy":
        """The versions of `package` that the file at `path` may run against."""
        override = self._overrides.get(package)
        if override is not None:
            return override
        directory = path.parent
        key = (package, directory)
        policy = self._policies.get(key)
        if policy is None:
            from goldenpath_audit.auditor.versions import policy_for

            declaration = self.dependencies.declaration(package, directory)
            policy = policy_for(package, declaration, display_path=self.display_path)
            self._policies[key] = policy
        return policy

    def set_checked_paths(self, paths: Sequence[Path]) -> None:
        self.checked_paths = [Path(os.path.abspath(path)) for path in paths]
        self._pytest_configs = None
        self._marker_registry = None

    def facts_for(self, path: Path) -> "FileFacts | None":
        return self.read_facts(path)

    @property
    def pytest_configs(self) -> "PytestConfigIndex":
        """The pytest config governing each file, for this run's checked paths."""
        if self._pytest_configs is None:
            from goldenpath_audit.auditor.pytest_config import PytestConfigIndex

            self._pytest_configs = PytestConfigIndex(self.checked_paths)
        return self._pytest_configs

    def pytest_config_errors(self) -> list["FileError"]:
        """What pytest would reject or warn about in the configs this run consulted, one error each.

        A `markers` string where pytest 9 wants a list, an unreadable pytest.ini, a
        duplicate section: without this line the user would only see the marker
        findings that follow from it ("not registered") and not their cause.
        Configs no enabled rule asked about are not read for this.
        """
        if self._pytest_configs is None:
            return []
        from goldenpath_audit.auditor.findings import FileError
        from goldenpath_audit.auditor.pytest_config import split_problem

        errors: dict[tuple[str, str], None] = {}
        for config in self._pytest_configs.roots():
            for problem in config.problems:
                path, line, reason = split_problem(problem)
                display = self.display_path(path) if path is not None else "pytest config"
                errors[(display, f"line {line}: {reason}" if line is not None else reason)] = None
        return [FileError(path, message) for path, message in errors]

    @property
    def marker_registry(self) -> "MarkerRegistry":
        if self._marker_registry is None:
            from goldenpath_audit.auditor.marker_registry import MarkerRegistry

            self._marker_registry = MarkerRegistry(self, self.pytest_configs)
        return self._marker_registry

    def fully_checked(self, directory: Path) -> bool:
        """True when a checked path is `directory` or one of its ancestors."""
        directory = Path(os.path.abspath(directory))
        return any(path == directory or path in directory.parents for path in self.checked_paths)

    def rule_enabled(self, code: str) -> bool:
        return code in self.enabled_codes

    def importable(self, path: Path) -> bool:
        """Whether a test run can import the file (see `ModuleIndex.importable`); the config is read only if needed."""
        from goldenpath_audit.auditor.pytest_config import may_be_test_file

        if self.pytest_configs.for_file(path).never_collected(path):
            return False  # jedi's `norecursedirs = test/completion`: broken files on purpose
        return self.module_index.importable(path, lambda name: may_be_test_file(name, lambda: self.pytest_configs.for_file(path)))

    @property
    def module_index(self) -> "ModuleIndex":
        """First-party modules of the project, built lazily (only what something imports)."""
        if self._module_index is None:
            from goldenpath_audit.auditor.module_index import ModuleIndex, pytest_roots
            from goldenpath_audit.auditor.pytest_config import find_pytest_config

            root = self.settings.project_root
            # Declared dependencies are installed packages, whatever a same-named bare folder says.
            declared = list(self.dependencies.declarations_in(root))
            installed = {name.replace("-", "_") for name in declared}
            own = self.dependencies.own_distribution(root)
            self._module_index = ModuleIndex.for_project(
                root,
                extra_roots=pytest_roots(find_pytest_config(root)),
                installed=installed,
                distributions=[*declared, *([own.name] if own is not None else [])],
                cache_directory=self.cache_directory,
            )
        return self._module_index
