"""The pre-commit hooks in `.pre-commit-hooks.yaml`, run for real with `pre-commit try-repo`.

pre-commit builds a virtualenv and pip-installs this project from a git
repository, so these tests need network access to PyPI and take a while.

The hook repository is a snapshot of this checkout's working tree: every file
git would track here (tracked or untracked, minus `.gitignore`d ones), committed
to a fresh repository. Pointing try-repo at the checkout itself would test the
last commit plus tracked modifications only: its shadow commit leaves out
untracked files, and it fails outright before the first commit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

BAD_TEST = """\
import websockets


async def test_agent_stream(uri, h):
    async with websockets.connect(uri, extra_headers=h) as ws:
        await ws.send("ping")
"""
FIXED_TEST = BAD_TEST.replace("extra_headers=h", "additional_headers=h")
PYPROJECT = """\
[project]
name = "consumer"
version = "0.1.0"
dependencies = ["websockets>=14"]
"""
GIT_IDENTITY = ("-c", "user.name=goldenpath tests", "-c", "user.email=tests@example.invalid", "-c", "commit.gpgsign=false")


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without GIT_* (set when pytest itself runs inside a git hook)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(NO_COLOR="1", **extra)
    return env


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, f"git {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


def checkout_files() -> list[str]:
    """The checkout's files as git sees them, committed or not, minus ignored ones."""
    if (ROOT / ".git").exists():
        out = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        return sorted({name for name in out.split("\0") if name and (ROOT / name).is_file()})
    skip = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".venv", "build", "dist"}
    return sorted(
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*")
        if path.is_file()
        and not skip.intersection(path.relative_to(ROOT).parts)
        and not any(part.endswith(".egg-info") for part in path.parts)
    )


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed snapshot of this checkout, for pre-commit to clone and install."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in checkout_files():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    assert (repo / ".pre-commit-hooks.yaml").is_file()
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "snapshot of the working tree")
    return repo


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def consumer(tmp_path: Path) -> Path:
    """A project with one GP101 finding, staged in a fresh git repository."""
    repo = tmp_path / "consumer"
    (repo / "tests").mkdir(parents=True)
    (repo / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (repo / "tests" / "test_agent_ws.py").write_text(BAD_TEST, encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "pyproject.toml", "tests/test_agent_ws.py")
    return repo


def try_repo(consumer: Path, hook_repo: Path, pre_commit_home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--all-files", "--color", "never"],
        cwd=consumer,
        env=clean_env(PRE_COMMIT_HOME=str(pre_commit_home)),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


FINDING = "tests/test_agent_ws.py:5:40: GP101 `websockets.connect` is the new asyncio client (websockets>=14"


def test_check_hook_reports_gp101(consumer: Path, hook_repo: Path, pre_commit_home: Path) -> None:
    proc = try_repo(consumer, hook_repo, pre_commit_home, "goldenpath-audit")
    output = proc.stdout + proc.stderr

    assert proc.returncode == 1, output
    assert "goldenpath-audit" in output and "Failed" in output, output
    assert "- exit code: 1" in output, output
    assert FINDING in output, output
    assert "files were modified by this hook" not in output, output
    assert (consumer / "tests" / "test_agent_ws.py").read_text(encoding="utf-8") == BAD_TEST


def test_fix_hook_rewrites_the_call(consumer: Path, hook_repo: Path, pre_commit_home: Path) -> None:
    proc = try_repo(consumer, hook_repo, pre_commit_home, "goldenpath-audit-fix")
    output = proc.stdout + proc.stderr

    # pre-commit fails a hook that modifies files, even when it exits 0.
    assert proc.returncode == 1, output
    assert "goldenpath-audit (fix)" in output and "Failed" in output, output
    assert "- files were modified by this hook" in output, output
    assert "Fixed 1 finding in tests/test_agent_ws.py (GP101)" in output, output
    assert (consumer / "tests" / "test_agent_ws.py").read_text(encoding="utf-8") == FIXED_TEST
    assert (consumer / "pyproject.toml").read_text(encoding="utf-8") == PYPROJECT
