"""The command line as users run it: exact output, exit codes, configuration errors, discovery.

Most tests go through typer's CliRunner (in-process, fast); the ones about the
process itself (`python -m`, the console script, colour on a terminal, one
line on stderr and no traceback) run a real subprocess.
"""

from __future__ import annotations

import json
import os
import pty
import select as select_module
import subprocess
import sys
from pathlib import Path

import pytest

from goldenpath_audit import __version__
from goldenpath_audit.auditor.config import OPTIONS
from goldenpath_audit.cli import app
from goldenpath_audit.rules import ALL_RULES

from conftest import BAD, gp101, invoke

GOOD = "import websockets\nwebsockets.connect(u, additional_headers=h)\n"
UNSAFE = "import websockets\nwebsockets.connect(u, extra_headers={'User-Agent': 'x'})\n"
BOTH = "import websockets\nwebsockets.connect(u, extra_headers=h, additional_headers=g)\n"





def run_cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m goldenpath_audit ARGS` in `cwd`, output captured (so not a terminal)."""
    environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    return subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**environment, **env},
    )


def codes_and_places(output: str) -> list[str]:
    """The `path:line:col: CODE` part of each finding line of `--quiet` output."""
    return [" ".join(line.split(" ")[:2]) for line in output.splitlines() if line and not line.startswith("error")]


# -- check: output and exit codes --------------------------------------------------


def test_check_prints_finding_code_frame_fix_and_summary(tree: Path) -> None:
    result = invoke("check")
    assert result.exit_code == 1
    assert result.stdout == (
        f"tests/test_a.py:2:23: GP101 {gp101()}\n"
        "  |\n"
        "2 | websockets.connect(u, extra_headers=h)\n"
        "  |                       ^^^^^^^^^^^^^\n"
        "  = fix (safe): rename `extra_headers` to `additional_headers`\n"
        "\n"
        "Found 1 finding (1 fixable with `goldenpath-audit fix`).\n"
    )
    assert result.stderr == ""


def test_clean_tree_exits_zero(tree: Path) -> None:
    (tree / "tests" / "test_a.py").write_text(GOOD)
    result = invoke("check")
    assert (result.exit_code, result.stdout) == (0, "All checks passed.\n")


def test_paths_argument_limits_the_check(tree: Path) -> None:
    (tree / "other").mkdir()
    (tree / "other" / "test_b.py").write_text(BAD)
    assert codes_and_places(invoke("check", "-q").stdout) == [
        "other/test_b.py:2:23: GP101",
        "tests/test_a.py:2:23: GP101",
    ]
    assert codes_and_places(invoke("check", "-q", "other").stdout) == ["other/test_b.py:2:23: GP101"]
    assert codes_and_places(invoke("check", "-q", "tests/test_a.py").stdout) == ["tests/test_a.py:2:23: GP101"]


def test_quiet_prints_only_the_finding_line(tree: Path) -> None:
    result = invoke("check", "--quiet")
    assert (result.exit_code, result.stdout) == (1, f"tests/test_a.py:2:23: GP101 {gp101()}\n")
    assert (invoke("check", "-q", "--websockets-version", "13.1").stdout) == ""


def test_statistics(tree: Path) -> None:
    (tree / "tests" / "test_b.py").write_text(BAD + "websockets.connect(v, extra_headers=h)\n")
    result = invoke("check", "--statistics")
    assert result.exit_code == 1
    assert result.stdout == (
        "    3  GP101  websockets-extra-headers  [*]\n\nFound 3 findings (3 fixable with `goldenpath-audit fix`).\n"
    )
    assert invoke("check", "--statistics", "-q").stdout == "    3  GP101  websockets-extra-headers  [*]\n"


def test_json_output_to_a_file(tree: Path) -> None:
    result = invoke("check", "--output-format", "json", "--output-file", "out.json")
    assert (result.exit_code, result.stdout) == (1, "")
    document = json.loads((tree / "out.json").read_text())
    assert document["errors"] == []
    assert document["findings"] == [
        {
            "code": "GP101",
            "name": "websockets-extra-headers",
            "path": "tests/test_a.py",
            "line": 2,
            "column": 23,
            "end_line": 2,
            "end_column": 36,
            "message": gp101(),
            "severity": "error",
            "fix": {"applicability": "safe", "message": "rename `extra_headers` to `additional_headers`"},
        }
    ]


def test_sarif_and_github_formats(tree: Path) -> None:
    sarif = invoke("check", "--output-format", "sarif")
    assert sarif.exit_code == 1
    (run,) = json.loads(sarif.stdout)["runs"]
    (finding,) = run["results"]
    assert finding["ruleId"] == "GP101"
    region = finding["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 23)
    github = invoke("check", "--output-format", "github")
    assert github.exit_code == 1
    assert github.stdout == (
        "::error file=tests/test_a.py,line=2,col=23,endLine=2,endColumn=36,"
        f"title=GP101 websockets-extra-headers::{gp101()}\n"
    )


def test_unknown_output_format_is_a_usage_error(tree: Path) -> None:
    assert invoke("check", "--output-format", "xml").exit_code == 2


def test_output_file_that_cannot_be_written_is_one_line(tree: Path) -> None:
    result = invoke("check", "--output-file", "missing-dir/out.txt")
    assert result.exit_code == 2
    assert result.stderr == "goldenpath-audit: error: cannot write missing-dir/out.txt: No such file or directory\n"


def test_missing_path_is_an_error_and_the_rest_is_checked(tree: Path) -> None:
    result = invoke("check", "-q", "nope.py", "tests")
    assert result.exit_code == 1
    assert result.stdout == f"tests/test_a.py:2:23: GP101 {gp101()}\nerror: nope.py: No such file or directory\n"


# -- rule selection ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (("--select", "GP101"), 1),
        (("--select", "GP1"), 1),
        (("--select", "gp1"), 1),
        (("--select", "GP0, GP1"), 1),
        (("--select", "ALL"), 1),
        (("--select", "GP0"), 0),
        (("--ignore", "GP101"), 0),
        (("--ignore", "GP1"), 0),
        (("--ignore", "GP0,GP1"), 0),
        (("--select", "GP1", "--ignore", "GP101"), 0),
    ],
)
def test_select_and_ignore_codes_and_prefixes(tree: Path, args: tuple[str, ...], exit_code: int) -> None:
    assert invoke("check", "-q", *args).exit_code == exit_code


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--select", "GP999"), "--select: unknown rule code or prefix 'GP999'"),
        (("--select", "GP1,XX"), "--select: unknown rule code or prefix 'XX'"),
        (("--ignore", "E501"), "--ignore: unknown rule code or prefix 'E501'"),
    ],
)
def test_unknown_codes_exit_2_with_one_line(tree: Path, args: tuple[str, ...], message: str) -> None:
    for command in ("check", "fix"):
        result = invoke(command, *args)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"goldenpath-audit: error: {message}\n")
    assert (tree / "tests" / "test_a.py").read_text() == BAD


def test_websockets_version_option(tree: Path) -> None:
    assert invoke("check", "--websockets-version", "13.1").exit_code == 0
    assert invoke("check", "--websockets-version", "<14").exit_code == 0
    result = invoke("check", "-q", "--websockets-version", "14.2")
    assert result.stdout == f"tests/test_a.py:2:23: GP101 {gp101('--websockets-version 14.2')}\n"
    bad = invoke("check", "--websockets-version", "banana")
    assert bad.exit_code == 2
    assert bad.stderr.count("\n") == 1 and "banana" in bad.stderr


# -- configuration -------------------------------------------------------------------


def test_pyproject_keys_apply(tree: Path) -> None:
    (tree / "legacy").mkdir()
    (tree / "legacy" / "test_b.py").write_text(BAD)
    (tree / "tests" / "test_c.py").write_text(BAD)
    (tree / "pyproject.toml").write_text(
        "[tool.goldenpath-audit]\n"
        'exclude = ["legacy/"]\n'
        "\n"
        "[tool.goldenpath-audit.per-file-ignores]\n"
        '"tests/test_c.py" = ["GP1"]\n'
    )
    assert codes_and_places(invoke("check", "-q").stdout) == ["tests/test_a.py:2:23: GP101"]
    # A directory or file named on the command line is checked even when excluded.
    assert codes_and_places(invoke("check", "-q", "legacy").stdout) == ["legacy/test_b.py:2:23: GP101"]
    assert codes_and_places(invoke("check", "-q", "legacy/test_b.py").stdout) == ["legacy/test_b.py:2:23: GP101"]


@pytest.mark.parametrize(
    ("table", "exit_code"),
    [
        ('select = ["GP0"]', 0),
        ('ignore = ["GP101"]', 0),
        ('websockets-version = "13.1"', 0),
        ('websockets-version = ">=12,<14"', 0),
        ('websockets-version = "14.0"', 1),
        ('select = ["GP1"]', 1),
    ],
)
def test_pyproject_select_ignore_and_websockets_version(tree: Path, table: str, exit_code: int) -> None:
    (tree / "pyproject.toml").write_text(f"[tool.goldenpath-audit]\n{table}\n")
    assert invoke("check").exit_code == exit_code


def test_command_line_overrides_the_config(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.goldenpath-audit]\nwebsockets-version = "13.1"\nselect = ["GP0"]\n')
    assert invoke("check").exit_code == 0
    assert invoke("check", "--select", "GP1", "--websockets-version", "14.0").exit_code == 1


def test_nearest_pyproject_at_or_above_cwd(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "pyproject.toml").write_text('[tool.goldenpath-audit]\nignore = ["GP101"]\n')
    monkeypatch.chdir(tree / "tests")
    assert invoke("check").exit_code == 0
    # A nearer pyproject.toml with its own table wins.
    (tree / "tests" / "pyproject.toml").write_text('[tool.goldenpath-audit]\nselect = ["GP101"]\n')
    result = invoke("check", "-q")
    assert result.stdout == f"test_a.py:2:23: GP101 {gp101()}\n"


def test_config_option_reads_top_level_keys_or_the_table(tree: Path) -> None:
    (tree / "gpa.toml").write_text('ignore = ["GP101"]\n')
    assert invoke("check", "--config", "gpa.toml").exit_code == 0
    (tree / "gpa.toml").write_text('[tool.goldenpath-audit]\nignore = ["GP101"]\n')
    assert invoke("check", "--config", "gpa.toml").exit_code == 0
    # --config replaces pyproject.toml discovery.
    (tree / "pyproject.toml").write_text('[tool.goldenpath-audit]\nignore = ["GP101"]\n')
    (tree / "strict.toml").write_text('select = ["GP1"]\n')
    assert invoke("check", "--config", "strict.toml").exit_code == 1


@pytest.mark.parametrize(
    ("config", "error"),
    [
        (
            '[tool.goldenpath-audit]\nselect = ["GP1"]\nselekt = ["GP1"]\n',
            "pyproject.toml:3: unknown key 'selekt' (expected one of: ",
        ),
        (
            '[project]\nname = "x"\n\n[tool.goldenpath-audit]\n# comment\nselect = "GP1"\n',
            "pyproject.toml:6: 'select' must be a list of rule codes or prefixes, got string 'GP1'",
        ),
        (
            '[tool.goldenpath-audit]\nignore = ["GP101", 7]\n',
            "pyproject.toml:2: 'ignore' must be a list of rule codes or prefixes, got a list containing integer 7",
        ),
        (
            "[tool.goldenpath-audit]\nexclude = 'legacy'\n",
            "pyproject.toml:2: 'exclude' must be a list of gitignore-style patterns, got string 'legacy'",
        ),
        (
            '[tool.goldenpath-audit]\nexclude = ["!"]\n',
            "pyproject.toml:2: 'exclude' pattern '!' is not a valid gitignore-style pattern",
        ),
        (
            '[tool.goldenpath-audit]\nwebsockets-version = 14\n',
            "pyproject.toml:2: 'websockets-version' must be a version such as \"14.2\" or a specifier such as "
            '">=14", got integer 14',
        ),
        (
            '[tool.goldenpath-audit]\nwebsockets-version = "banana"\n',
            "pyproject.toml:2: 'websockets-version' must be a version such as \"14.2\" or a specifier such as "
            "\">=14\", got 'banana'",
        ),
        (
            '[tool.goldenpath-audit]\nper-file-ignores = ["GP101"]\n',
            "pyproject.toml:2: 'per-file-ignores' must be a table of pattern = [codes], got list",
        ),
        (
            '[tool.goldenpath-audit]\n\n[tool.goldenpath-audit.per-file-ignores]\n"a.py" = ["GP1"]\n"b.py" = "GP101"\n',
            "pyproject.toml:5: 'per-file-ignores' entry 'b.py' must be a list of rule codes or prefixes, "
            "got string 'GP101'",
        ),
        (
            '[tool.goldenpath-audit]\nselect = ["GP1"]\nignore = ["XX1"]\n',
            "pyproject.toml:3: 'ignore': unknown rule code or prefix 'XX1'",
        ),
        (
            '[tool.goldenpath-audit.per-file-ignores]\n"a.py" = ["GP1"]\n"b.py" = ["GP9"]\n',
            "pyproject.toml:3: 'per-file-ignores' entry 'b.py': unknown rule code or prefix 'GP9'",
        ),
        (
            '[tool.goldenpath-audit]\r\nselect = ["GP1"]\r\nselekt = ["GP1"]\r\n',
            "pyproject.toml:3: unknown key 'selekt' (expected one of: ",
        ),
        (
            '[project]\nname = "x"\n[tool]\ngoldenpath-audit = 3\n',
            "pyproject.toml:4: 'tool.goldenpath-audit' must be a table, got integer 3",
        ),
        ("[tool.goldenpath-audit\n", "pyproject.toml:1:23: invalid TOML: "),
        ('[tool.goldenpath-audit]\nselect = ["GP1"\nignore = []\n', "pyproject.toml:3:1: invalid TOML: "),
        ('[tool.goldenpath-audit]\nselect = ["GP1"]\nselect = ["GP0"]\n', "pyproject.toml:3:17: invalid TOML: "),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "wrong-item-type",
        "exclude-string",
        "exclude-pattern",
        "version-type",
        "version-value",
        "per-file-ignores-type",
        "per-file-ignores-entry",
        "unknown-code",
        "per-file-ignores-code",
        "crlf",
        "not-a-table",
        "toml-header",
        "toml-array",
        "toml-duplicate",
    ],
)
def test_config_errors_are_one_line_naming_file_line_and_key(tree: Path, config: str, error: str) -> None:
    (tree / "pyproject.toml").write_text(config)
    for command in ("check", "fix"):
        result = invoke(command)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.startswith(f"goldenpath-audit: error: {tree / error}")
        assert result.stderr.count("\n") == 1
    assert (tree / "tests" / "test_a.py").read_text() == BAD


def test_config_error_in_a_config_option_file(tree: Path) -> None:
    (tree / "gpa.toml").write_text('select = ["GP1"]\n\nbogus = 1\n')
    result = invoke("check", "--config", "gpa.toml")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"goldenpath-audit: error: {tree / 'gpa.toml'}:3: unknown key 'bogus'")
    missing = invoke("check", "--config", "missing.toml")
    assert (missing.exit_code, missing.stderr) == (2, "goldenpath-audit: error: missing.toml: config file not found\n")


def test_config_error_in_a_subprocess_has_no_traceback(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.goldenpath-audit]\nselect = ["GP1"]\nselekt = 1\n')
    completed = run_cli(tree, "check")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [
        f"goldenpath-audit: error: {tree / 'pyproject.toml'}:3: unknown key 'selekt' (expected one of: "
        + ", ".join(OPTIONS)
        + ")"
    ]


# -- discovery -----------------------------------------------------------------------


def test_discovery_skips_tool_directories_and_gitignored_files(tree: Path) -> None:
    for directory in (".git", "venv/lib", ".venv", "node_modules/pkg", "build", ".tox/py311", "__pycache__", "gen"):
        (tree / directory).mkdir(parents=True, exist_ok=True)
        (tree / directory / "test_x.py").write_text(BAD)
    (tree / ".gitignore").write_text("gen/\n*_generated.py\n")
    (tree / "tests" / "test_generated.py").write_text(BAD)
    assert codes_and_places(invoke("check", "-q").stdout) == ["tests/test_a.py:2:23: GP101"]
    # Files named explicitly are always checked: pre-commit passes file names.
    result = invoke("check", "-q", "gen/test_x.py", "tests/test_generated.py", "node_modules/pkg/test_x.py")
    assert codes_and_places(result.stdout) == [
        "gen/test_x.py:2:23: GP101",
        "node_modules/pkg/test_x.py:2:23: GP101",
        "tests/test_generated.py:2:23: GP101",
    ]


# -- fix -----------------------------------------------------------------------------


def test_fix_round_trip(tree: Path) -> None:
    target = tree / "tests" / "test_a.py"
    (tree / "tests" / "test_b.py").write_text(BAD + "websockets.connect(v, extra_headers=h)\n")
    assert invoke("check", "--statistics", "-q").stdout.split() == ["3", "GP101", "websockets-extra-headers", "[*]"]

    diff = invoke("fix", "--diff")
    assert diff.exit_code == 1
    assert diff.stdout == (
        "--- a/tests/test_a.py\n"
        "+++ b/tests/test_a.py\n"
        "@@ -1,2 +1,2 @@\n"
        " import websockets\n"
        "-websockets.connect(u, extra_headers=h)\n"
        "+websockets.connect(u, additional_headers=h)\n"
        "--- a/tests/test_b.py\n"
        "+++ b/tests/test_b.py\n"
        "@@ -1,3 +1,3 @@\n"
        " import websockets\n"
        "-websockets.connect(u, extra_headers=h)\n"
        "-websockets.connect(v, extra_headers=h)\n"
        "+websockets.connect(u, additional_headers=h)\n"
        "+websockets.connect(v, additional_headers=h)\n"
    )
    assert diff.stderr == "Would fix 3 findings in 2 files.\n"
    assert target.read_text() == BAD  # --diff writes nothing

    fixed = invoke("fix")
    assert fixed.exit_code == 0
    assert fixed.stdout == (
        "Fixed 1 finding in tests/test_a.py (GP101)\n"
        "Fixed 2 findings in tests/test_b.py (GP101)\n"
        "Fixed 3 findings in 2 files.\n"
        "All checks passed.\n"
    )
    assert target.read_text() == GOOD
    assert invoke("check").exit_code == 0

    before = {path: path.read_bytes() for path in (tree / "tests").iterdir()}
    mtimes = {path: path.stat().st_mtime_ns for path in before}
    again = invoke("fix")
    assert (again.exit_code, again.stdout) == (0, "All checks passed.\n")
    assert {path: path.read_bytes() for path in before} == before
    assert {path: path.stat().st_mtime_ns for path in before} == mtimes
    empty = invoke("fix", "--diff")
    assert (empty.exit_code, empty.stdout) == (0, "")


def test_fix_reports_what_remains_and_exits_1(tree: Path) -> None:
    (tree / "tests" / "test_both.py").write_text(BOTH)
    result = invoke("fix")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:3] == ["Fixed 1 finding in tests/test_a.py (GP101)", "Fixed 1 finding in 1 file.", "Remaining:"]
    assert lines[3].startswith("tests/test_both.py:2:23: GP101 ")
    assert lines[-1] == "Found 1 finding."
    assert (tree / "tests" / "test_both.py").read_text() == BOTH
    quiet = invoke("fix", "-q")
    assert quiet.exit_code == 1
    assert codes_and_places(quiet.stdout) == ["tests/test_both.py:2:23: GP101"]


def test_unsafe_fixes_need_the_flag(tree: Path) -> None:
    target = tree / "tests" / "test_a.py"
    target.write_text(UNSAFE)
    result = invoke("fix")
    assert result.exit_code == 1
    assert target.read_text() == UNSAFE
    assert "= fix (unsafe): " in result.stdout
    assert result.stdout.endswith("Found 1 finding (1 fixable with `goldenpath-audit fix --unsafe-fixes`).\n")
    assert invoke("fix", "--diff").exit_code == 0
    assert invoke("fix", "--diff", "--unsafe-fixes").exit_code == 1
    assert target.read_text() == UNSAFE
    unsafe = invoke("fix", "--unsafe-fixes")
    assert unsafe.exit_code == 0
    assert target.read_text() == UNSAFE.replace("extra_headers", "additional_headers")


def test_fix_respects_select_and_paths(tree: Path) -> None:
    (tree / "other").mkdir()
    (tree / "other" / "test_b.py").write_text(BAD)
    assert invoke("fix", "--select", "GP0").exit_code == 0
    assert invoke("fix", "other").exit_code == 0
    assert (tree / "other" / "test_b.py").read_text() == GOOD
    assert (tree / "tests" / "test_a.py").read_text() == BAD


# -- rules, explain, version, help ---------------------------------------------------


def test_rules_lists_every_rule(tree: Path) -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("│ GP")]
    assert [row.split("│")[1].strip() for row in rows] == list(ALL_RULES)
    for rule in ALL_RULES.values():
        row = next(row for row in rows if row.startswith(f"│ {rule.CODE} "))
        assert [cell.strip() for cell in row.split("│")[1:3]] == [rule.CODE, rule.NAME]


def test_explain_prints_the_documentation(tree: Path) -> None:
    result = invoke("explain", "GP101")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("# GP101 websockets-extra-headers\n")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:5] == ["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"]
    assert "create_connection() got an unexpected keyword argument 'extra_headers'" in text
    assert invoke("explain", "websockets-extra-headers").stdout == text
    assert invoke("explain", "gp101").stdout == text
    for code in ALL_RULES:
        assert invoke("explain", code).exit_code == 0


def test_explain_unknown_rule_exits_2(tree: Path) -> None:
    result = invoke("explain", "GP999")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "goldenpath-audit: error: unknown rule 'GP999' (run `goldenpath-audit rules` to list them)\n"


def test_version_and_help_on_every_command(tree: Path) -> None:
    assert invoke("--version").stdout == f"goldenpath-audit {__version__}\n"
    commands = [command.name or command.callback.__name__ for command in app.registered_commands]
    assert {"check", "fix", "explain"} <= set(commands)
    for command in ["rules" if name == "list_rules" else name for name in commands]:
        result = invoke(command, "--help")
        assert result.exit_code == 0, command
        assert "Usage:" in result.stdout and "\x1b[" not in result.stdout
    assert invoke("--help").exit_code == 0


# -- the process: python -m, console script, colour, stderr --------------------------


def test_python_dash_m_and_console_script(tree: Path) -> None:
    completed = run_cli(tree, "check", "-q")
    assert (completed.returncode, completed.stdout, completed.stderr) == (
        1,
        f"tests/test_a.py:2:23: GP101 {gp101()}\n",
        "",
    )
    script = Path(sys.executable).with_name("goldenpath-audit")
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    via_script = subprocess.run([str(script), "check", "-q"], cwd=tree, capture_output=True, text=True, timeout=120)
    assert (via_script.returncode, via_script.stdout) == (completed.returncode, completed.stdout)
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=120)
    assert version.stdout == f"goldenpath-audit {__version__}\n"


def test_no_ansi_escapes_when_piped(tree: Path) -> None:
    for args in (("check",), ("fix", "--diff"), ("rules",), ("explain", "GP101")):
        completed = run_cli(tree, *args)
        assert completed.returncode in (0, 1)
        assert "\x1b" not in completed.stdout + completed.stderr, args


def _run_in_terminal(cwd: Path, *args: str, **env: str) -> tuple[int, bytes]:
    """Run the CLI with stdout and stderr on a pseudo-terminal; return its exit code and output."""
    controller, terminal = pty.openpty()
    environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    process = subprocess.Popen(
        [sys.executable, "-m", "goldenpath_audit", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env={**environment, "TERM": "xterm-256color", **env},
    )
    os.close(terminal)
    output = b""
    try:
        while True:
            ready, _, _ = select_module.select([controller], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(controller)
        code = process.wait(timeout=60)
    return code, output


def test_colour_only_on_a_terminal_and_never_with_no_color(tree: Path) -> None:
    code, coloured = _run_in_terminal(tree, "check")
    assert code == 1
    assert b"\x1b[" in coloured
    assert b"GP101" in coloured
    code, plain = _run_in_terminal(tree, "check", NO_COLOR="1")
    assert code == 1
    assert b"\x1b" not in plain
    assert plain.replace(b"\r\n", b"\n").decode() == invoke("check").stdout


def test_paths_the_terminal_cannot_show_are_escaped_not_a_crash(tree: Path) -> None:
    (tree / "tests" / "test_a.py").write_text("import websockets\nx = 'é'; websockets.connect(u, extra_headers=h)\n")
    completed = run_cli(tree, "check", PYTHONIOENCODING="ascii")
    assert completed.returncode == 1
    assert "2 | x = '\\xe9'; websockets.connect(u, extra_headers=h)\n" in completed.stdout
    assert completed.stderr == ""


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_file_names_that_are_not_utf8(tree: Path) -> None:
    name = os.fsdecode(b"test_\xff.py")
    (tree / "tests" / "test_a.py").unlink()
    (tree / name).write_text(BAD)
    completed = run_cli(tree, "check", "-q")
    assert (completed.returncode, completed.stderr) == (1, "")
    assert completed.stdout.startswith("test_\\udcff.py:2:23: GP101 ")
    to_file = run_cli(tree, "check", "-q", "--output-file", "report.txt")
    assert (to_file.returncode, to_file.stderr) == (1, "")
    assert (tree / "report.txt").read_text().startswith("test_\\udcff.py:2:23: GP101 ")
    fixed = run_cli(tree, "fix")
    assert (fixed.returncode, fixed.stderr) == (0, "")
    assert (tree / name).read_text() == GOOD


def test_config_is_found_from_the_checked_directory(tree: Path) -> None:
    """`check sub` reads sub's own settings, as running inside `sub` would."""
    sub = tree / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.goldenpath-audit]\nignore = ["GP101"]\n')
    (sub / "test_b.py").write_text(BAD)
    assert invoke("check", "sub").exit_code == 0
    assert invoke("check").exit_code == 1
