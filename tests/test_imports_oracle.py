"""pytest itself is the oracle for the import audit: what GP301-GP303 report is what breaks collection.

A realistic monorepo slice (a `backend/` package, a `shared/` package, a `tests/`
tree, an SSOT registry in pyproject.toml) in which a refactor has just landed: the
compatibility shim `backend/websocket_core/__init__.py` no longer re-exports
`WebSocketManager`, `backend/core/isolated_environment.py` was moved to `shared/`,
and `ClickHouseClient` lives in `backend.db.clickhouse`, not `backend.db`.

`python -m pytest --collect-only` fails on every test module that uses an old path
before `goldenpath-audit fix --unsafe-fixes`, and collects cleanly after it. What
remains is exactly what has no fix and does not break collection: an ambiguous
name imported inside a test function (GP303 with two candidates) and a duplicate
class (GP304, a warning). A second fix changes no byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_tree

PYPROJECT = """\
[project]
name = "agent-platform"
version = "1.0"
dependencies = ["pytest>=8"]

[tool.pytest.ini_options]
pythonpath = ["."]
testpaths = ["tests"]

[tool.goldenpath-audit.ssot]
"backend.websocket_core.WebSocketManager" = "backend.websocket_core.manager.WebSocketManager"
"backend.core.isolated_environment" = { use = "shared.isolated_environment", reason = "moved to shared in 2.0" }
"""

FILES = {
    "pyproject.toml": PYPROJECT,
    "backend/__init__.py": "",
    # The shim used to say `from backend.websocket_core.manager import WebSocketManager`.
    "backend/websocket_core/__init__.py": '"""WebSocket core."""\n',
    "backend/websocket_core/manager.py": (
        "class WebSocketManager:\n"
        "    def __init__(self):\n"
        "        self.connections = []\n"
    ),
    "backend/core/__init__.py": "",
    "backend/core/settings.py": "class Settings:\n    debug = False\n",
    "backend/db/__init__.py": '"""Database clients."""\n',
    "backend/db/clickhouse.py": "class ClickHouseClient:\n    def query(self, sql):\n        return []\n",
    "backend/legacy/__init__.py": "",
    # A second copy of the canonical class: GP304, no fix.
    "backend/legacy/ws.py": "class WebSocketManager:\n    pass\n",
    "shared/__init__.py": "",
    "shared/isolated_environment.py": (
        "class IsolatedEnvironment:\n"
        "    def get(self, key, default=None):\n"
        "        return default\n"
        "\n"
        "\n"
        "def get_env():\n"
        "    return IsolatedEnvironment()\n"
    ),
    "shared/settings.py": "class Settings:\n    debug = True\n",
    "tests/helpers.py": (
        "from backend.core.isolated_environment import IsolatedEnvironment\n"
        "\n"
        "\n"
        "def fake_env():\n"
        "    return IsolatedEnvironment()\n"
    ),
    "tests/test_websocket_manager.py": (
        "import pytest\n"
        "\n"
        "from backend.websocket_core import WebSocketManager\n"
        "\n"
        "\n"
        "def test_starts_empty():\n"
        "    assert WebSocketManager().connections == []\n"
    ),
    "tests/test_environment.py": (
        "import backend.core.isolated_environment as isolated\n"
        "from backend.core.isolated_environment import (\n"
        "    get_env,  # the accessor every test uses\n"
        ")\n"
        "from helpers import fake_env\n"
        "\n"
        "\n"
        "def test_default():\n"
        "    assert get_env().get('X', 1) == 1\n"
        "    assert isinstance(fake_env(), isolated.IsolatedEnvironment)\n"
    ),
    "tests/db/test_clickhouse.py": (
        "from backend.db import ClickHouseClient\n"
        "\n"
        "\n"
        "def test_query():\n"
        "    assert ClickHouseClient().query('select 1') == []\n"
    ),
    "tests/test_settings.py": (
        "def test_settings():\n"
        "    from backend import Settings  # which one? two modules define it\n"
        "\n"
        "    assert Settings\n"
        "\n"
        "\n"
        "def test_collects():\n"
        "    pass\n"
    ),
}

BROKEN_MODULES = {
    "tests/test_websocket_manager.py": "ImportError: cannot import name 'WebSocketManager' from 'backend.websocket_core'",
    "tests/test_environment.py": "ModuleNotFoundError: No module named 'backend.core.isolated_environment'",
    "tests/db/test_clickhouse.py": "ImportError: cannot import name 'ClickHouseClient' from 'backend.db'",
}

BEFORE = {
    ("backend/legacy/ws.py", 1, 1, "GP304"),
    ("tests/db/test_clickhouse.py", 1, 24, "GP303"),
    ("tests/helpers.py", 1, 47, "GP301"),
    ("tests/test_environment.py", 1, 8, "GP301"),
    ("tests/test_environment.py", 3, 5, "GP301"),
    ("tests/test_settings.py", 2, 25, "GP303"),
    ("tests/test_websocket_manager.py", 3, 36, "GP301"),
}
UNFIXABLE = {
    ("backend/legacy/ws.py", 1, 1, "GP304"),
    ("tests/test_settings.py", 2, 25, "GP303"),
}

FIXED = {
    "tests/helpers.py": FILES["tests/helpers.py"].replace(
        "from backend.core.isolated_environment import", "from shared.isolated_environment import"
    ),
    "tests/test_websocket_manager.py": FILES["tests/test_websocket_manager.py"].replace(
        "from backend.websocket_core import", "from backend.websocket_core.manager import"
    ),
    "tests/test_environment.py": (
        "import shared.isolated_environment as isolated\n"
        "from shared.isolated_environment import (\n"
        "    get_env,  # the accessor every test uses\n"
        ")\n"
        "from helpers import fake_env\n"
        "\n"
        "\n"
        "def test_default():\n"
        "    assert get_env().get('X', 1) == 1\n"
        "    assert isinstance(fake_env(), isolated.IsolatedEnvironment)\n"
    ),
    "tests/db/test_clickhouse.py": FILES["tests/db/test_clickhouse.py"].replace(
        "from backend.db import", "from backend.db.clickhouse import"
    ),
}


def env() -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    return {**environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env(), capture_output=True, text=True, timeout=180, check=False
    )


def collect(cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(cwd, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio")


def audit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(cwd, "-m", "goldenpath_audit", *args)


def findings(cwd: Path) -> set[tuple[str, int, int, str]]:
    proc = audit(cwd, "check", "--select", "GP3", "--output-format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == []
    return {(f["path"], f["line"], f["column"], f["code"]) for f in report["findings"]}


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".git" not in p.parts and ".goldenpath_cache" not in p.parts
    }


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, FILES)
    return tmp_path


def test_pytest_fails_to_collect_exactly_the_modules_the_audit_flags(tree: Path) -> None:
    proc = collect(tree)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    for module, error in BROKEN_MODULES.items():
        assert f"ERROR {module}" in output, output
        assert error in output, output
    assert "3 errors" in output
    # The module with an unfixable, function-scope import still collects.
    assert "ERROR tests/test_settings.py" not in output

    flagged = {path for path, _, _, code in findings(tree) if code in ("GP301", "GP302", "GP303")}
    # helpers.py breaks test_environment.py's collection through its own import.
    assert flagged == {*BROKEN_MODULES, "tests/helpers.py", "tests/test_settings.py"}


def test_fix_makes_pytest_collect_and_a_second_fix_is_a_no_op(tree: Path) -> None:
    before = snapshot(tree)
    assert findings(tree) == BEFORE

    safe_only = audit(tree, "check", "--select", "GP3", "--statistics")
    assert "Found 7 findings (4 fixable with `goldenpath-audit fix`, 1 more with `--unsafe-fixes`)." in safe_only.stdout

    fixed = audit(tree, "fix", "--unsafe-fixes")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr  # the unfixable findings remain
    assert "Fixed 5 findings in 4 files." in fixed.stdout
    assert findings(tree) == UNFIXABLE

    after = snapshot(tree)
    changed = {path for path in before if before[path] != after[path]}
    assert changed == set(FIXED)
    for path, text in FIXED.items():
        assert after[path].decode("utf-8") == text, path

    proc = collect(tree)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 tests collected" in proc.stdout
    ran = run(tree, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio", "--deselect", "tests/test_settings.py::test_settings")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "4 passed, 1 deselected" in ran.stdout

    again = audit(tree, "fix", "--unsafe-fixes")
    assert again.returncode == 1
    assert "Fixed" not in again.stdout
    assert snapshot(tree) == after


def test_the_ambiguous_name_lists_both_homes(tree: Path) -> None:
    proc = audit(tree, "check", "--select", "GP303", "--output-format", "json")
    report = json.loads(proc.stdout)
    settings = next(f for f in report["findings"] if f["path"] == "tests/test_settings.py")
    assert settings["message"] == (
        "`Settings` is not defined in `backend`; it is defined in `backend.core.settings`, `shared.settings`"
    )
    assert settings["fix"] is None
