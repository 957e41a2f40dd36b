"""Project facts, computed once per run and shared by every file's rules.

Per-file facts describe one file; project facts describe the environment a
file runs in: the settings, and which dependency versions govern each
directory. They are recomputed on every run (never cached across runs), so a
changed `pyproject.toml` can never leave stale findings behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from goldenpath_audit.auditor.config import Settings
from goldenpath_audit.auditor.dependencies import DependencyIndex
from goldenpath_audit.auditor.versions import VersionPolicy, policy_for, policy_from_override


class Project:
    def __init__(self, settings: Settings, cwd: Path) -> None:
        self.settings = settings
        self.cwd = cwd
        self.dependencies = DependencyIndex()
        self._overrides: dict[str, VersionPolicy] = {}
        self._policies: dict[tuple[str, Path], VersionPolicy] = {}
        if settings.websockets_version is not None:
            self._overrides["websockets"] = policy_from_override(
                "websockets",
                settings.websockets_version,
                settings.websockets_version_origin or f"--websockets-version {settings.websockets_version}",
            )

    def display_path(self, path: Path) -> str:
        """A path as users see it: relative to the current directory, `/` separators."""
        try:
            relative = os.path.relpath(path, self.cwd)
        except ValueError:  # another drive on Windows
            relative = str(path)
        return relative.replace(os.sep, "/")

    def version_policy(self, package: str, path: Path) -> VersionPolicy:
        """The versions of `package` that the file at `path` may run against."""
        override = self._overrides.get(package)
        if override is not None:
            return override
        directory = path.parent
        key = (package, directory)
        policy = self._policies.get(key)
        if policy is None:
            declaration = self.dependencies.declaration(package, directory)
            policy = policy_for(package, declaration, display_path=self.display_path)
            self._policies[key] = policy
        return policy
