"""Baselines as users run them: `check --write-baseline FILE`, then `check --baseline FILE`.

Most tests drive the CLI in-process through typer's CliRunner; the ones about
the process itself (one error line and no traceback, running from another
directory) run the real `python -m goldenpath_audit`. Fingerprints are
recomputed here from the documented rule (sha256 of the normalized text, a
newline and the occurrence index, first 16 hex digits) so the file format is
pinned byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from goldenpath_audit.auditor.baseline import statement_text
from goldenpath_audit.auditor.findings import Finding, Severity

from conftest import BAD, gp101, invoke

CALL = "websockets.connect(u, extra_headers=h)"
GOOD = "import websockets\nwebsockets.connect(u, additional_headers=h)\n"



def fp(text: str, index: int = 0) -> str:
    """The documented fingerprint: sha256 of normalized text, newline, occurrence index; 16 hex digits."""
    return hashlib.sha256(f"{text}\n{index}".encode()).hexdigest()[:16]


def row(code: str, path: str, fingerprint: str) -> str:
    return f'{{"code": "{code}", "path": "{path}", "fingerprint": "{fingerprint}"}}'


def baseline_bytes(*rows: str) -> bytes:
    return ('{"version": 1, "entries": [\n' + ",\n".join(rows) + "\n]}\n").encode()




def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def write_baseline(path: str = "baseline.json", *args: str) -> None:
    result = invoke("check", "--write-baseline", path, *args)
    assert result.exit_code == 0, result.output


def quiet_lines(output: str) -> list[str]:
    """`path:line:col: CODE` of each finding line of `--quiet` output."""
    return [" ".join(line.split(" ")[:2]) for line in output.splitlines()]


# -- write, then check --------------------------------------------------------------


def test_write_then_check_reports_nothing(tree: Path) -> None:
    written = invoke("check", "--write-baseline", "baseline.json")
    assert (written.exit_code, written.stdout, written.stderr) == (0, "", "Wrote 1 finding to baseline.json\n")
    assert (tree / "baseline.json").read_bytes() == baseline_bytes(row("GP101", "tests/test_a.py", fp(CALL)))
    checked = invoke("check", "--baseline", "baseline.json")
    assert (checked.exit_code, checked.stdout, checked.stderr) == (0, "All checks passed.\n", "")


def test_only_new_findings_are_reported(tree: Path) -> None:
    write_baseline()
    (tree / "tests" / "test_a.py").write_text(BAD + "websockets.connect(v, extra_headers=h)\n")
    (tree / "tests" / "test_b.py").write_text(BAD)
    result = invoke("check", "-q", "--baseline", "baseline.json")
    assert result.exit_code == 1
    assert result.stdout == (
        f"tests/test_a.py:3:23: GP101 {gp101()}\n"
        f"tests/test_b.py:2:23: GP101 {gp101()}\n"
    )
    assert result.stderr == ""


def test_unrelated_edits_keep_findings_baselined(tree: Path) -> None:
    write_baseline()
    # Lines inserted above, the call reindented inside a function, its spacing changed.
    (tree / "tests" / "test_a.py").write_text(
        "import websockets\n\n\n# a comment\n\ndef test_x():\n    websockets.connect(u,   extra_headers=h)  \n"
    )
    # A declared requirement changes GP101's message, which is not fingerprinted.
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["websockets>=14"]\n')
    assert quiet_lines(invoke("check", "-q").stdout) == ["tests/test_a.py:7:29: GP101"]
    result = invoke("check", "--baseline", "baseline.json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "All checks passed.\n", "")


def test_occurrence_index_tells_identical_lines_apart(tree: Path) -> None:
    (tree / "tests" / "test_a.py").write_text(BAD + CALL + "\n")
    write_baseline()
    assert (tree / "baseline.json").read_bytes() == baseline_bytes(
        *sorted([row("GP101", "tests/test_a.py", fp(CALL, 0)), row("GP101", "tests/test_a.py", fp(CALL, 1))])
    )
    # A third identical line is new: the last one is reported.
    (tree / "tests" / "test_a.py").write_text(BAD + CALL + "\n" + CALL + "\n")
    result = invoke("check", "-q", "--baseline", "baseline.json")
    assert (result.exit_code, quiet_lines(result.stdout)) == (1, ["tests/test_a.py:4:23: GP101"])
    # Remove one of the two: the other stays baselined, one entry is stale.
    (tree / "tests" / "test_a.py").write_text(BAD)
    result = invoke("check", "--baseline", "baseline.json")
    assert (result.exit_code, result.stdout) == (0, "All checks passed.\n")
    assert result.stderr == (
        "1 baseline entry no longer occurs:\n"
        f"  tests/test_a.py: GP101 ({fp(CALL, 1)})\n"
        "Run `goldenpath-audit check --write-baseline baseline.json` to drop them.\n"
    )


def test_fixed_findings_are_listed_as_stale(tree: Path) -> None:
    (tree / "tests" / "test_b.py").write_text(BAD)
    write_baseline()
    (tree / "tests" / "test_a.py").write_text(GOOD)
    (tree / "tests" / "test_b.py").write_text(GOOD)
    result = invoke("check", "--baseline", "baseline.json")
    assert (result.exit_code, result.stdout) == (0, "All checks passed.\n")
    assert result.stderr == (
        "2 baseline entries no longer occur:\n"
        f"  tests/test_a.py: GP101 ({fp(CALL)})\n"
        f"  tests/test_b.py: GP101 ({fp(CALL)})\n"
        "Run `goldenpath-audit check --write-baseline baseline.json` to drop them.\n"
    )
    # --quiet prints findings only; rewriting the baseline drops the stale entries.
    assert invoke("check", "-q", "--baseline", "baseline.json").stderr == ""
    write_baseline()
    assert (tree / "baseline.json").read_bytes() == b'{"version": 1, "entries": []}\n'
    assert invoke("check", "--baseline", "baseline.json").stderr == ""


def test_stale_list_is_short(tree: Path) -> None:
    for number in range(25):
        (tree / "tests" / f"test_{number:02}.py").write_text(BAD)
    write_baseline()
    for number in range(25):
        (tree / "tests" / f"test_{number:02}.py").write_text(GOOD)
    lines = invoke("check", "--baseline", "baseline.json").stderr.splitlines()
    assert lines[0] == "25 baseline entries no longer occur:"
    assert lines[1] == f"  tests/test_00.py: GP101 ({fp(CALL)})"
    assert lines[20:] == [
        f"  tests/test_19.py: GP101 ({fp(CALL)})",
        "  ... and 5 more",
        "Run `goldenpath-audit check --write-baseline baseline.json` to drop them.",
    ]


# -- the file ----------------------------------------------------------------------


def test_file_format_exact_bytes(tree: Path) -> None:
    (tree / "tests" / "test_a.py").write_text(
        "import pytest\nimport websockets\n\n\n"
        "@pytest.mark.slwo\ndef test_x():\n    websockets.connect(u,\textra_headers=h)\n"
    )
    (tree / "tests" / "sub").mkdir()
    (tree / "tests" / "sub" / "test_b.py").write_text("extra_headers = (\n")
    (tree / "conftest.py").write_text(BAD)
    assert quiet_lines(invoke("check", "-q").stdout) == [
        "conftest.py:2:23: GP101",
        "tests/sub/test_b.py:1:17: GP001",
        "tests/test_a.py:5:14: GP201",
        "tests/test_a.py:7:27: GP101",
    ]
    write_baseline("baseline.json")
    # Sorted by path, then code; GP201's decorator is fingerprinted with its `def` line.
    assert (tree / "baseline.json").read_bytes() == baseline_bytes(
        row("GP101", "conftest.py", fp(CALL)),
        row("GP001", "tests/sub/test_b.py", fp("extra_headers = (")),
        row("GP101", "tests/test_a.py", fp(CALL)),
        row("GP201", "tests/test_a.py", fp("@pytest.mark.slwo def test_x():")),
    )


def test_writing_twice_gives_the_same_bytes_and_leaves_the_file_alone(tree: Path) -> None:
    write_baseline()
    before = (tree / "baseline.json").read_bytes()
    os.utime(tree / "baseline.json", ns=(1_000_000_000, 1_000_000_000))
    result = invoke("check", "--write-baseline", "baseline.json")
    assert (result.exit_code, result.stderr) == (0, "baseline.json is up to date (1 finding)\n")
    assert (tree / "baseline.json").read_bytes() == before
    assert (tree / "baseline.json").stat().st_mtime_ns == 1_000_000_000


def test_paths_are_relative_to_the_baseline_file(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "audit").mkdir()
    write_baseline("audit/baseline.json")
    expected = baseline_bytes(row("GP101", "../tests/test_a.py", fp(CALL)))
    assert (tree / "audit" / "baseline.json").read_bytes() == expected
    # Written again from another directory: the same bytes.
    monkeypatch.chdir(tree / "tests")
    assert invoke("check", "--write-baseline", "../audit/baseline.json").stderr == (
        "../audit/baseline.json is up to date (1 finding)\n"
    )
    assert (tree / "audit" / "baseline.json").read_bytes() == expected


def test_running_from_a_subdirectory(tree: Path) -> None:
    (tree / "tests" / "test_b.py").write_text(BAD)
    write_baseline()
    (tree / "tests" / "test_b.py").write_text(GOOD)
    completed = run_cli(tree / "tests", "check", "--baseline", "../baseline.json")
    assert (completed.returncode, completed.stdout) == (0, "All checks passed.\n")
    assert completed.stderr == (
        "1 baseline entry no longer occurs:\n"
        f"  test_b.py: GP101 ({fp(CALL)})\n"
        "Run `goldenpath-audit check --write-baseline ../baseline.json` to drop them.\n"
    )
    (tree / "tests" / "test_c.py").write_text(BAD)
    completed = run_cli(tree / "tests", "check", "-q", "--baseline", str(tree / "baseline.json"))
    assert (completed.returncode, completed.stdout) == (1, f"test_c.py:2:23: GP101 {gp101()}\n")


def test_partial_runs_neither_call_other_entries_stale_nor_drop_them(tree: Path) -> None:
    (tree / "other").mkdir()
    (tree / "other" / "test_b.py").write_text(BAD)
    write_baseline()
    full = (tree / "baseline.json").read_bytes()
    # Checking one file, or one rule family, says nothing about the other entries.
    for args in (["tests/test_a.py"], ["tests"], ["--select", "GP2"]):
        result = invoke("check", *args, "--baseline", "baseline.json")
        assert (result.exit_code, result.stderr) == (0, ""), args
    # Rewriting the baseline for one directory keeps the entries of the others.
    (tree / "tests" / "test_a.py").write_text(GOOD)
    result = invoke("check", "tests", "--write-baseline", "baseline.json")
    assert (result.exit_code, result.stderr) == (0, "Wrote 1 finding to baseline.json\n")
    assert (tree / "baseline.json").read_bytes() == baseline_bytes(row("GP101", "other/test_b.py", fp(CALL)))
    assert full != (tree / "baseline.json").read_bytes()


def test_message_fingerprints_findings_on_lines_without_text() -> None:
    def finding(line: int, message: str = "no `[tool.pytest.ini_options]` table") -> Finding:
        return Finding("GP203", "x", "pyproject.toml", line, 1, line, 1, message, Severity.WARNING)

    lines = ["[project]\n", "   \n"]
    assert statement_text(finding(1), lines) == "[project]"
    assert statement_text(finding(2), lines) == "message: no `[tool.pytest.ini_options]` table"
    assert statement_text(finding(9, "a  b\n c"), lines) == "message: a b c"
    assert statement_text(finding(1), None) == "message: no `[tool.pytest.ini_options]` table"


# -- every output format ---------------------------------------------------------------


def test_every_output_format_reports_the_filtered_result(tree: Path) -> None:
    write_baseline()
    (tree / "tests" / "test_b.py").write_text(BAD)
    document = json.loads(invoke("check", "--output-format", "json", "--baseline", "baseline.json").stdout)
    assert [(f["path"], f["line"]) for f in document["findings"]] == [("tests/test_b.py", 2)]
    assert set(document) == {"version", "findings", "errors"}  # the JSON schema is unchanged
    sarif = json.loads(invoke("check", "--output-format", "sarif", "--baseline", "baseline.json").stdout)
    (run,) = sarif["runs"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]] == [
        "tests/test_b.py"
    ]
    github = invoke("check", "--output-format", "github", "--baseline", "baseline.json")
    assert github.exit_code == 1
    assert [line.split(",")[0] for line in github.stdout.splitlines()] == ["::error file=tests/test_b.py"]
    statistics = invoke("check", "--statistics", "--baseline", "baseline.json")
    assert (statistics.exit_code, statistics.stdout) == (
        1,
        "    1  GP101  websockets-extra-headers  [*]\n\nFound 1 finding (1 fixable with `goldenpath-audit fix`).\n",
    )
    invoke("check", "--output-format", "json", "--output-file", "out.json", "--baseline", "baseline.json")
    assert len(json.loads((tree / "out.json").read_text())["findings"]) == 1


def test_files_that_cannot_be_checked_still_fail_the_run(tree: Path) -> None:
    (tree / "tests" / "test_latin1.py").write_bytes(b"import websockets\nx = '\xe9'\n")
    result = invoke("check", "--write-baseline", "baseline.json")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.splitlines()[1] == "Wrote 1 finding to baseline.json"
    assert result.stderr.startswith("error: tests/test_latin1.py: ")
    assert result.stderr.splitlines()[0].endswith(" (not recorded in the baseline)")
    checked = invoke("check", "-q", "--baseline", "baseline.json")
    assert checked.exit_code == 1
    assert checked.stdout.startswith("error: tests/test_latin1.py: ")


# -- configuration -------------------------------------------------------------------


def test_baseline_setting_is_relative_to_the_config_file(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "audit").mkdir()
    (tree / "pyproject.toml").write_text('[tool.goldenpath-audit]\nbaseline = "audit/baseline.json"\n')
    write_baseline("audit/baseline.json")
    assert invoke("check").exit_code == 0
    monkeypatch.chdir(tree / "tests")
    assert (invoke("check").exit_code, invoke("check").stdout) == (0, "All checks passed.\n")
    (tree / "tests" / "test_a.py").write_text(GOOD)
    assert invoke("check").stderr == (
        "1 baseline entry no longer occurs:\n"
        f"  test_a.py: GP101 ({fp(CALL)})\n"
        "Run `goldenpath-audit check --write-baseline ../audit/baseline.json` to drop them.\n"
    )


def test_command_line_baseline_overrides_the_setting(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.goldenpath-audit]\nbaseline = "missing.json"\n')
    (tree / "empty.json").write_text('{"version": 1, "entries": []}\n')
    write_baseline("full.json")  # --write-baseline ignores the setting
    assert invoke("check", "--baseline", "full.json").exit_code == 0
    assert quiet_lines(invoke("check", "-q", "--baseline", "empty.json").stdout) == ["tests/test_a.py:2:23: GP101"]
    result = invoke("check")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "goldenpath-audit: error: missing.json: baseline file not found "
        f"(set by 'baseline' in {tree / 'pyproject.toml'}:2)\n"
    )


def test_fix_ignores_the_baseline_setting(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.goldenpath-audit]\nbaseline = "missing.json"\n')
    result = invoke("fix")
    assert result.exit_code == 0
    assert (tree / "tests" / "test_a.py").read_text() == GOOD


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("3", "'baseline' must be a path to a baseline file (a string), got integer 3"),
        ('["a.json"]', "'baseline' must be a path to a baseline file (a string), got list"),
        ('"  "', "'baseline' must name a file, got an empty string"),
    ],
)
def test_baseline_setting_type_errors(tree: Path, value: str, error: str) -> None:
    (tree / "pyproject.toml").write_text(f"[tool.goldenpath-audit]\nselect = []\nbaseline = {value}\n")
    result = invoke("check")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"goldenpath-audit: error: {tree / 'pyproject.toml'}:3: {error}\n"


# -- bad baseline files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, "baseline.json: baseline file not found"),
        ("", "baseline.json:1:1: invalid baseline JSON: Expecting value"),
        (
            '{"version": 1, "entries": [\n{"code": "GP101",}\n]}\n',
            "baseline.json:2:18: invalid baseline JSON: Expecting property name enclosed in double quotes",
        ),
        ("[]", 'baseline.json: not a goldenpath-audit baseline (expected {"version": 1, "entries": [...]})'),
        ('{"version": 2, "entries": []}', "baseline.json: unsupported baseline version 2 (expected 1)"),
        ('{"version": true, "entries": []}', "baseline.json: unsupported baseline version true (expected 1)"),
        (
            '{"version": 1, "entries": {}}',
            """baseline.json: 'entries' must be a list (expected {"version": 1, "entries": [...]})""",
        ),
        (
            '{"version": 1, "entries": [{"code": "GP101", "path": "a.py", "fingerprint": "ab"}, {"code": "GP101"}]}',
            "baseline.json: baseline entry 2 must have string 'code', 'path' and 'fingerprint'",
        ),
        (
            '{"version": 1, "entries": ["GP101"]}',
            "baseline.json: baseline entry 1 must have string 'code', 'path' and 'fingerprint'",
        ),
        (b"\xff\xfe", "baseline.json: cannot read baseline: not UTF-8"),
    ],
)
def test_bad_baseline_file_is_one_line_exit_2(tree: Path, content: str | bytes | None, error: str) -> None:
    if isinstance(content, bytes):
        (tree / "baseline.json").write_bytes(content)
    elif content is not None:
        (tree / "baseline.json").write_text(content)
    result = invoke("check", "--baseline", "baseline.json")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"goldenpath-audit: error: {error}\n")


def test_bad_baseline_in_a_real_process_has_no_traceback(tree: Path) -> None:
    (tree / "baseline.json").mkdir()
    completed = run_cli(tree, "check", "--baseline", "baseline.json")
    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr == "goldenpath-audit: error: baseline.json: baseline is a directory, not a file\n"
    completed = run_cli(tree, "check", "--write-baseline", "missing-dir/baseline.json")
    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr == (
        "goldenpath-audit: error: cannot write missing-dir/baseline.json: No such file or directory\n"
    )


def test_baseline_and_write_baseline_together_is_a_usage_error(tree: Path) -> None:
    result = invoke("check", "--baseline", "a.json", "--write-baseline", "b.json")
    assert (result.exit_code, result.stderr) == (
        2,
        "goldenpath-audit: error: --baseline and --write-baseline cannot be used together\n",
    )
    assert not (tree / "b.json").exists()
