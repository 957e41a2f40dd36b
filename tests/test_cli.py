"""The command line as users run it: exact output lines, exit codes, config errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goldenpath_audit import __version__
from goldenpath_audit.cli import app

BAD = "import websockets\nwebsockets.connect(u, extra_headers=h)\n"
GOOD = "import websockets\nwebsockets.connect(u, additional_headers=h)\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / ".git").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text(BAD)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_check_text_output_and_exit_code(tree: Path) -> None:
    result = invoke("check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("tests/test_a.py:2:23: GP101 `websockets.connect` is the new asyncio client (")
    assert "2 | websockets.connect(u, extra_headers=h)" in result.output
    assert "= fix (safe): rename `extra_headers` to `additional_headers`" in result.output
    assert lines[-1] == "Found 1 finding (1 fixable with `goldenpath-audit fix`)."
    assert "\x1b[" not in result.output


def test_clean_tree_exits_zero(tree: Path) -> None:
    (tree / "tests" / "test_a.py").write_text(GOOD)
    result = invoke("check")
    assert (result.exit_code, result.output) == (0, "All checks passed.\n")


def test_quiet_prints_only_finding_lines(tree: Path) -> None:
    result = invoke("check", "--quiet")
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1


def test_json_output_file_and_statistics(tree: Path) -> None:
    result = invoke("check", "--output-format", "json", "--output-file", "out.json")
    assert result.exit_code == 1 and result.output == ""
    document = json.loads((tree / "out.json").read_text())
    (finding,) = document["findings"]
    assert (finding["path"], finding["line"], finding["column"], finding["code"]) == ("tests/test_a.py", 2, 23, "GP101")
    assert finding["fix"] == {"applicability": "safe", "message": "rename `extra_headers` to `additional_headers`"}
    stats = invoke("check", "--statistics")
    assert stats.output.splitlines()[0].split() == ["1", "GP101", "websockets-extra-headers", "[*]"]


def test_select_and_ignore_prefixes(tree: Path) -> None:
    assert invoke("check", "--select", "GP1").exit_code == 1
    assert invoke("check", "--ignore", "GP1").exit_code == 0
    assert invoke("check", "--select", "GP2").exit_code == 0
    result = invoke("check", "--select", "GP9")
    assert result.exit_code == 2


def test_websockets_version_option(tree: Path) -> None:
    assert invoke("check", "--websockets-version", "13.1").exit_code == 0
    result = invoke("check", "--websockets-version", "14.2", "-q")
    assert "(--websockets-version 14.2)" in result.output
    assert invoke("check", "--websockets-version", "banana").exit_code == 2


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('[tool.goldenpath-audit]\nselect = ["GP1"]\nselekt = 1\n', "pyproject.toml:3: unknown key 'selekt'"),
        ('[tool.goldenpath-audit]\nselect = "GP1"\n', "pyproject.toml:2: 'select' must be a list of rule codes"),
        ("[tool.goldenpath-audit\n", "pyproject.toml:1:23: invalid TOML"),
        ('[tool.goldenpath-audit]\nignore = ["XX1"]\n', "unknown rule code or prefix 'XX1'"),
    ],
)
def test_config_errors_exit_2_with_one_line(tree: Path, config: str, expected: str) -> None:
    (tree / "pyproject.toml").write_text(config)
    completed = _run_cli(tree, "check")
    assert completed.returncode == 2
    assert len(completed.stderr.strip().splitlines()) == 1
    assert expected in completed.stderr
    assert "Traceback" not in completed.stderr


def test_config_keys_apply(tree: Path) -> None:
    (tree / "legacy").mkdir()
    (tree / "legacy" / "test_b.py").write_text(BAD)
    (tree / "pyproject.toml").write_text(
        '[tool.goldenpath-audit]\nexclude = ["legacy/"]\n\n[tool.goldenpath-audit.per-file-ignores]\n"tests/**" = ["GP101"]\n'
    )
    assert invoke("check").exit_code == 0
    assert invoke("check", "legacy").exit_code == 1  # a named directory is checked anyway


def test_explicit_config_file(tree: Path) -> None:
    (tree / "gpa.toml").write_text('ignore = ["GP101"]\n')
    assert invoke("check", "--config", "gpa.toml").exit_code == 0
    assert invoke("check", "--config", "missing.toml").exit_code == 2


def test_fix_then_check_is_clean_and_second_fix_is_a_noop(tree: Path) -> None:
    diff = invoke("fix", "--diff")
    assert diff.exit_code == 1
    assert "-websockets.connect(u, extra_headers=h)\n+websockets.connect(u, additional_headers=h)" in diff.output
    assert (tree / "tests" / "test_a.py").read_text() == BAD  # --diff writes nothing
    fixed = invoke("fix")
    assert fixed.exit_code == 0
    assert "Fixed 1 finding in tests/test_a.py (GP101)" in fixed.output
    assert (tree / "tests" / "test_a.py").read_text() == GOOD
    assert invoke("check").exit_code == 0
    again = invoke("fix")
    assert again.exit_code == 0 and (tree / "tests" / "test_a.py").read_text() == GOOD
    assert invoke("fix", "--diff").exit_code == 0


def test_fix_reports_what_remains(tree: Path) -> None:
    (tree / "tests" / "test_both.py").write_text(
        "import websockets\nwebsockets.connect(u, extra_headers=h, additional_headers=g)\n"
    )
    result = invoke("fix")
    assert result.exit_code == 1
    assert "tests/test_both.py:2:23: GP101" in result.output


def test_rules_and_explain(tree: Path) -> None:
    rules = invoke("rules")
    assert rules.exit_code == 0 and "GP101" in rules.output and "websockets-extra-headers" in rules.output
    explain = invoke("explain", "GP101")
    assert explain.exit_code == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert heading in explain.output
    assert "create_connection() got an unexpected keyword argument 'extra_headers'" in explain.output
    assert invoke("explain", "websockets-extra-headers").output == explain.output
    assert invoke("explain", "GP999").exit_code == 2


def test_version_and_help(tree: Path) -> None:
    assert invoke("--version").output == f"goldenpath-audit {__version__}\n"
    for command in ("check", "fix", "rules", "explain"):
        assert invoke(command, "--help").exit_code == 0


def _run_cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def test_python_dash_m_and_no_color(tree: Path) -> None:
    completed = _run_cli(tree, "check", NO_COLOR="1")
    assert completed.returncode == 1
    assert completed.stdout.startswith("tests/test_a.py:2:23: GP101")
    assert "\x1b[" not in completed.stdout


def test_missing_path_is_an_error_not_a_traceback(tree: Path) -> None:
    completed = _run_cli(tree, "check", "nope.py")
    assert completed.returncode == 1
    assert "error: nope.py: No such file or directory" in completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr
