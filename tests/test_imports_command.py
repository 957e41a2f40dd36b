"""`goldenpath-audit imports NAME`: where a name is defined and every import path used for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_tree
from typer.testing import CliRunner

from goldenpath_audit.cli import app

FILES = {
    "pyproject.toml": (
        "[tool.goldenpath-audit.ssot]\n"
        '"app.ws.Manager" = { use = "app.ws.manager.Manager", reason = "the package re-export is a shim" }\n'
    ),
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/ws/__init__.py": "from app.ws.manager import Manager\n",
    "app/ws/manager.py": '"""The connection manager."""\n\n\nclass Manager:\n    pass\n',
    "app/api.py": "from app.ws.manager import Manager\n\n__all__ = ['Manager']\n",
    "app/legacy/__init__.py": "",
    "app/legacy/pool.py": "import os\n\n\ndef helper():\n    pass\n\n\nclass Manager:  # a second copy\n    pass\n",
    "tests/__init__.py": "",
    "tests/test_a.py": "from app.ws import Manager\nfrom app.ws.manager import Manager as M2\n",
    "tests/test_b.py": "from app.ws.manager import Manager\nfrom app.api import Manager as Api\nimport app.ws.manager\n",
    "tests/test_c.py": (
        "from app.core import Manager\n"
        "\n"
        "\n"
        "def test_x():\n"
        "    from app.ws import Manager\n"
        "    from app.ws import Manager as Again\n"
    ),
    "tests/unit/__init__.py": "",
    "tests/unit/test_d.py": (
        "from app.gone import Manager\n"
        "from unittest.mock import Manager as Other  # another thing with the same name: not counted\n"
        "from ...app import Manager as Outside  # climbs out of the top-level package: not counted\n"
        "from ..test_b import Manager as FromTest\n"
        "from app.legacy.pool import Manager as Old\n"
    ),
}


def path(name: str, status: str, uses: int, files: int) -> dict:
    return {"path": name, "status": status, "uses": uses, "files": files}


EXPECTED = {
    "version": 1,
    "name": "Manager",
    "definitions": [
        {"module": "app.legacy.pool", "path": "app/legacy/pool.py", "line": 8},
        {"module": "app.ws.manager", "path": "app/ws/manager.py", "line": 4},
    ],
    "import_paths": [
        path("app.core.Manager", "broken", 1, 1),
        path("app.gone.Manager", "broken", 1, 1),
        path("app.ws.Manager", "deprecated", 3, 2),  # two in test_c.py, one in test_a.py
        path("app.api.Manager", "re-export", 1, 1),
        path("app.legacy.pool.Manager", "re-export", 1, 1),
        path("tests.test_b.Manager", "re-export", 1, 1),
        # app/ws/__init__.py, app/api.py, tests/test_a.py, tests/test_b.py
        path("app.ws.manager.Manager", "canonical", 4, 4),
    ],
}


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, FILES)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_json_output_is_exact(tree: Path) -> None:
    result = invoke("imports", "Manager", "--output-format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == EXPECTED


def test_paths_limit_the_counted_files_not_the_definitions(tree: Path) -> None:
    result = invoke("imports", "Manager", "tests/test_a.py", "tests/test_c.py", "--output-format", "json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["definitions"] == EXPECTED["definitions"]
    assert report["import_paths"] == [
        path("app.core.Manager", "broken", 1, 1),
        path("app.ws.Manager", "deprecated", 3, 2),
        path("app.ws.manager.Manager", "canonical", 1, 1),
    ]


def test_without_a_registry_every_defining_module_is_canonical(tree: Path) -> None:
    (tree / "pyproject.toml").write_text("", encoding="utf-8")
    report = json.loads(invoke("imports", "Manager", "--output-format", "json").output)
    statuses = {item["path"]: item["status"] for item in report["import_paths"]}
    assert statuses == {
        "app.core.Manager": "broken",
        "app.gone.Manager": "broken",
        "app.ws.Manager": "re-export",
        "app.api.Manager": "re-export",
        "tests.test_b.Manager": "re-export",
        "app.legacy.pool.Manager": "canonical",
        "app.ws.manager.Manager": "canonical",
    }


def test_an_unknown_name_has_no_definitions_and_no_paths(tree: Path) -> None:
    result = invoke("imports", "Nothing", "--output-format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"version": 1, "name": "Nothing", "definitions": [], "import_paths": []}


def test_a_dotted_name_is_a_usage_error(tree: Path) -> None:
    proc = run_cli(tree, "imports", "app.ws.Manager")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "'app.ws.Manager' is not a class or function name" in proc.stderr


def test_text_output_rows_without_ansi_when_piped(tree: Path) -> None:
    proc = run_cli(tree, "imports", "Manager")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout
    lines = [line.rstrip() for line in proc.stdout.splitlines()]
    assert lines[:3] == [
        "Manager is defined in app.legacy.pool (app/legacy/pool.py:8)",
        "Manager is defined in app.ws.manager (app/ws/manager.py:4)",
        "Import paths used for Manager",
    ]
    header = next(line for line in lines if line.startswith("┃"))
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == ["Import path", "Status", "Uses", "Files"]
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    assert rows == [
        [item["path"], item["status"], str(item["uses"]), str(item["files"])] for item in EXPECTED["import_paths"]
    ]


def test_text_output_for_an_unknown_name(tree: Path) -> None:
    proc = run_cli(tree, "imports", "Nothing")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0] == "Nothing is not defined in any first-party module."
    assert not [line for line in proc.stdout.splitlines() if line.startswith("│")]
