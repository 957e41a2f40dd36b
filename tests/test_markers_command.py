"""`goldenpath-audit markers`: the static twin of `pytest --markers`, with usage counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_tree
from typer.testing import CliRunner

from goldenpath_audit.auditor.config import load_settings
from goldenpath_audit.auditor.marker_report import build_marker_report, marker_report
from goldenpath_audit.auditor.runner import Runner
from goldenpath_audit.cli import app

PYPROJECT = """\
[project]
name = "shop"
dependencies = ["pytest-timeout>=2"]

[tool.pytest.ini_options]
addopts = "--strict-markers"
markers = [
    "integration: needs the backend",
    "slow: takes a while",
    "legacy_db: old schema",
]
"""
CONFTEST = """\
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "nightly: nightly only")
"""
TEST_A = """\
import pytest

pytestmark = pytest.mark.integration


@pytest.mark.slow
@pytest.mark.parametrize("x", [1, 2])
def test_a(x):
    pass


@pytest.mark.golden_path
def test_b():
    pass
"""
TEST_C = """\
import pytest


@pytest.mark.intergration
@pytest.mark.golden_path
@pytest.mark.timeout(5)
def test_c(request):
    assert request.node.get_closest_marker("nightly") is None
"""
FILES = {
    "pyproject.toml": PYPROJECT,
    "tests/conftest.py": CONFTEST,
    "tests/test_a.py": TEST_A,
    "tests/sub/test_c.py": TEST_C,
}


def row(name, where, description, uses, files, status, suggestion=None) -> dict:
    return {
        "name": name,
        "registered_where": where,
        "description": description,
        "uses": uses,
        "files": files,
        "status": status,
        "suggestion": suggestion,
    }


BUILTIN = {
    "filterwarnings": "filterwarnings(warning)",
    "parametrize": "parametrize(argnames, argvalues)",
    "skip": "skip(reason=None)",
    "skipif": "skipif(condition, ..., *, reason=...)",
    "tryfirst": "DEPRECATED, use @pytest.hookimpl(tryfirst=True) instead.",
    "trylast": "DEPRECATED, use @pytest.hookimpl(trylast=True) instead.",
    "usefixtures": "usefixtures(fixturename1, fixturename2, ...)",
    "xfail": "xfail(condition, ..., *, reason=..., run=True, raises=None, strict=...)",
}


def builtin(name: str, uses: int = 0, files: int = 0) -> dict:
    return row(name, "built-in", BUILTIN[name], uses, files, "ok")


EXPECTED = {
    "version": 1,
    "roots": [
        {
            "config": "pyproject.toml",
            "rootdir": ".",
            "markers": [
                row("golden_path", None, "", 2, 2, "unregistered"),
                row("intergration", None, "", 1, 1, "misspelled", "integration"),
                row("legacy_db", "pyproject.toml:10", "old schema", 0, 0, "unused"),
                builtin("filterwarnings"),
                row("integration", "pyproject.toml:8", "needs the backend", 1, 1, "ok"),
                # read by name (get_closest_marker) counts as a use
                row("nightly", "tests/conftest.py:5", "nightly only", 1, 1, "ok"),
                builtin("parametrize", 1, 1),
                builtin("skip"),
                builtin("skipif"),
                row("slow", "pyproject.toml:9", "takes a while", 1, 1, "ok"),
                row("timeout", "plugin pytest-timeout", "registered by pytest-timeout", 1, 1, "ok"),
                builtin("tryfirst"),
                builtin("trylast"),
                builtin("usefixtures"),
                builtin("xfail"),
            ],
        }
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


def table_rows(output: str) -> list[list[str]]:
    """The body rows of rich tables, as lists of stripped cells."""
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines() if line.startswith("│")]


def test_json_output_is_exact(tree: Path) -> None:
    result = invoke("markers", "--output-format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == EXPECTED


def test_json_for_an_explicit_path_is_the_same(tree: Path) -> None:
    result = invoke("markers", ".", "--output-format", "json")
    assert (result.exit_code, json.loads(result.output)) == (0, EXPECTED)


def test_text_output_has_one_table_with_the_right_rows(tree: Path) -> None:
    result = invoke("markers")
    assert result.exit_code == 0
    assert "\x1b[" not in result.output
    assert result.output.splitlines()[0].strip() == "pyproject.toml"
    header = next(line for line in result.output.splitlines() if line.startswith("┃"))
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == [
        "Marker",
        "Registered where",
        "Description",
        "Uses",
        "Files",
        "Status",
    ]
    rows = table_rows(result.output)
    assert rows[:3] == [
        ["golden_path", "-", "", "2", "2", "unregistered"],
        ["intergration", "-", "", "1", "1", "misspelled -> integration"],
        ["legacy_db", "pyproject.toml:10", "old schema", "0", "0", "unused"],
    ]
    assert ["nightly", "tests/conftest.py:5", "nightly only", "1", "1", "ok"] in rows
    assert ["timeout", "plugin pytest-timeout", "registered by pytest-timeout", "1", "1", "ok"] in rows
    assert ["parametrize", "built-in", "parametrize(argnames, argvalues)", "1", "1", "ok"] in rows
    assert [r[0] for r in rows] == [m["name"] for m in EXPECTED["roots"][0]["markers"]]


def test_no_color_without_a_terminal_even_when_forced(tree: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", "markers"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout
    assert "misspelled -> integration" in proc.stdout


def test_exit_code_is_zero_even_with_problems_and_settings_do_not_hide_marker_rules(tree: Path) -> None:
    # A project that ignores the GP2 rules in `check` still gets the full report.
    (tree / "pyproject.toml").write_text(PYPROJECT + '\n[tool.goldenpath-audit]\nignore = ["GP2"]\n', encoding="utf-8")
    result = invoke("markers", "--output-format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == EXPECTED


def test_config_error_exits_two(tree: Path) -> None:
    result = invoke("markers", "--config", "missing.toml")
    assert result.exit_code == 2
    (tree / "pyproject.toml").write_text(PYPROJECT + "\n[tool.goldenpath-audit]\nselekt = []\n", encoding="utf-8")
    result = invoke("markers")
    assert result.exit_code == 2
    assert "unknown key 'selekt'" in result.output


def test_one_table_per_config_root_and_no_config_title(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    marked = "import pytest\n\n\n@pytest.mark.slow\ndef test_x():\n    pass\n"
    write_tree(
        tmp_path,
        {
            "a/test_x.py": marked,
            "b/pytest.ini": "[pytest]\nmarkers =\n    slow: slow tests\n",
            "b/test_y.py": marked,
        },
    )
    result = invoke("markers", "--output-format", "json")
    assert result.exit_code == 0
    roots = json.loads(result.output)["roots"]
    assert [(root["config"], root["rootdir"]) for root in roots] == [(None, "a"), ("b/pytest.ini", "b")]
    assert roots[0]["markers"][0] == row("slow", None, "", 1, 1, "unregistered")
    assert row("slow", "b/pytest.ini:3", "slow tests", 1, 1, "ok") in roots[1]["markers"]
    # Built-ins are listed under every root.
    assert all(builtin("xfail") in root["markers"] for root in roots)

    text = invoke("markers").output
    titles = [line.strip() for line in text.splitlines() if line.strip() in ("no pytest config (rootdir a)", "b/pytest.ini")]
    assert titles == ["no pytest config (rootdir a)", "b/pytest.ini"]


def test_report_api_from_a_runner_after_check(tree: Path) -> None:
    settings = load_settings(tree)
    runner = Runner(settings, tree, select=["GP2"])
    runner.check([tree])
    report = marker_report(runner, [tree])
    assert report.to_json() == EXPECTED
    assert build_marker_report(settings, tree, [tree]).to_json() == EXPECTED
    [root] = report.roots
    assert root.title == "pyproject.toml"
    assert root.markers[1].status_text == "misspelled -> integration"


def test_a_registration_that_cannot_be_evaluated_makes_unknown_names_uncertain(tree: Path) -> None:
    (tree / "tests" / "conftest.py").write_text(
        CONFTEST + '    config.addinivalue_line("markers", compute_marker_line())\n', encoding="utf-8"
    )
    result = invoke("markers", "--output-format", "json")
    assert result.exit_code == 0
    rows = {m["name"]: m for m in json.loads(result.output)["roots"][0]["markers"]}
    # GP201/GP202 stay silent for these files, so the report does not call the names unregistered.
    assert rows["golden_path"]["status"] == "uncertain"
    assert rows["intergration"]["status"] == "uncertain"
    assert rows["legacy_db"]["status"] == "unused"
    text = invoke("markers").output
    assert "Registrations that could not be evaluated: tests/conftest.py:6" in text


def test_markers_applied_by_computed_names_make_no_marker_unused(tree: Path) -> None:
    """sqlalchemy's plugin marks classes by attributes (`item.add_marker(name)`): "unused" cannot be known."""
    (tree / "tests" / "conftest.py").write_text(
        CONFTEST + "\n\ndef pytest_collection_modifyitems(items):\n    for item in items:\n"
        "        item.add_marker(getattr(item.cls, '__backend__', 'x'))\n",
        encoding="utf-8",
    )
    result = invoke("markers", "--output-format", "json")
    rows = {m["name"]: m for m in json.loads(result.output)["roots"][0]["markers"]}
    assert rows["legacy_db"]["status"] == "ok"
    assert "GP203" not in invoke("check", "--select", "GP203").output


def test_unused_markers_are_not_reported_when_the_testpaths_are_missing(tree: Path) -> None:
    pyproject = tree / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace("[tool.pytest.ini_options]\n", '[tool.pytest.ini_options]\ntestpaths = ["not_shipped"]\n'), encoding="utf-8")
    assert "GP203" not in invoke("check", "--select", "GP203").output
    (tree / "not_shipped").mkdir()
    assert "GP203" in invoke("check", "--select", "GP203").output
