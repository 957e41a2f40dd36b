"""Shared test helpers: build a project tree in a temp dir and run the real engine on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from goldenpath_audit.auditor.config import load_settings
from goldenpath_audit.auditor.findings import CheckResult
from goldenpath_audit.auditor.runner import Runner


def age(root: Path) -> None:
    """Give what changed in the last half minute (not the cache) an mtime a minute ago.

    Files changed in the last two seconds are never trusted by stat (the facts
    cache, the run memo and the definitions store re-read them), so a test that
    wants a warm run to take the trusted path ages its tree first, as a real
    checkout is. Each path gets its own stamp, later than any earlier call's,
    so an aged edit is still an edit to stat; what did not change keeps its mtime.
    """
    now = time.time_ns()
    stamp = now - 60_000_000_000
    for path in sorted([root, *root.rglob("*")], reverse=True):  # children before their directory
        if ".goldenpath_cache" in path.parts or ".git" in path.parts:
            continue
        if path.lstat().st_mtime_ns > now - 30_000_000_000:
            stamp += 1_000_000
            os.utime(path, ns=(stamp, stamp), follow_symlinks=False)


def forget_run_memos(root: Path, cache_dir: str = ".goldenpath_cache") -> None:
    """Drop `check`'s run memos, so the next run checks every file and uses the facts cache and the definitions store."""
    shutil.rmtree(root / cache_dir / "v2" / "runs", ignore_errors=True)


def write_tree(root: Path, files: dict[str, str]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def run_engine(root: Path, *, websockets_version: str | None = None, select: list[str] | None = None) -> CheckResult:
    """Run `check` on `root` as if from inside it, without the CLI."""
    settings = load_settings(root)
    if websockets_version is not None:
        settings.websockets_version = websockets_version
        settings.websockets_version_origin = f"--websockets-version {websockets_version}"
    return Runner(settings, root, select=select).check([root])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., CheckResult]:
    """`project({"tests/test_x.py": "..."}, websockets_version=...)` -> CheckResult."""
    monkeypatch.chdir(tmp_path)
    # A .git marker stops dependency discovery from wandering above the temp dir.
    (tmp_path / ".git").mkdir(exist_ok=True)

    def build(files: dict[str, str], **options) -> CheckResult:
        write_tree(tmp_path, files)
        return run_engine(tmp_path, **options)

    return build


def locations(result: CheckResult) -> list[tuple[str, int, int, str]]:
    return [(f.path, f.line, f.column, f.code) for f in result.findings]


def cli(cwd: Path, *args: str, timeout: float = 120, **options) -> subprocess.CompletedProcess:
    """`python -m goldenpath_audit ARGS` in `cwd`, output captured; a hang fails the test at `timeout`."""
    return subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        **options,
    )


def assert_clean_exit(completed: subprocess.CompletedProcess, codes: tuple[int, ...] = (0, 1)) -> None:
    """An expected exit code (not a crash, not a signal), no traceback, no last-resort "internal error" line."""
    output = completed.stdout + completed.stderr
    assert completed.returncode in codes, (completed.returncode, completed.stderr[-2000:])
    assert "Traceback" not in output
    assert "internal error" not in completed.stderr, completed.stderr[-2000:]


NO_REQUIREMENT = "no websockets requirement found; assuming the newest release"


def gp101(origin: str = NO_REQUIREMENT) -> str:
    """GP101's message for `websockets.connect`, with the origin of the websockets version."""
    return (
        f"`websockets.connect` is the new asyncio client ({origin}), which has no `extra_headers`: "
        "the call fails when the connection opens; use `additional_headers`"
    )


BAD = "import websockets\nwebsockets.connect(u, extra_headers=h)\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with one GP101 finding at tests/test_a.py:2:23; the current directory.

    Modules with a project of their own define their own `tree`, which wins.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / ".git").mkdir()  # stops config and dependency lookup at the project
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text(BAD)
    return tmp_path


def invoke(*args: str):
    """The CLI in-process, as a user would run it (exceptions are not swallowed)."""
    from typer.testing import CliRunner

    from goldenpath_audit.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)
