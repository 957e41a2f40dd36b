"""Architecture promises that keep `check` fast: no libcst on the normal path, pre-filtered parsing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import age, locations, write_tree

PROBE = """
import sys
from goldenpath_audit.cli import main
sys.argv = ["goldenpath-audit", "check", "--output-format", "json", "."]
try:
    main()
except SystemExit:
    pass
print("LIBCST_LOADED" if "libcst" in sys.modules else "LIBCST_ABSENT", file=sys.stderr)
"""


def _probe(tmp_path: Path) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    return completed.stderr


def test_check_does_not_import_libcst(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "test_ws.py").write_text("import websockets\nwebsockets.connect(u, extra_headers=h)\n")
    assert "LIBCST_ABSENT" in _probe(tmp_path)


def test_libcst_is_imported_only_to_explain_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "test_ws.py").write_text("extra_headers = (\n")
    assert "LIBCST_LOADED" in _probe(tmp_path)


def test_files_without_any_rule_token_are_not_parsed(project) -> None:
    result = project(
        {
            "test_unrelated.py": "x = (\n",  # no rule's token: never parsed
            "test_ws.py": "x = (\nextra_headers = 1\n",
        }
    )
    assert locations(result) == [("test_ws.py", 1, 5, "GP001")]
    assert result.files_checked == 2


def test_disabled_rules_tokens_do_not_trigger_parsing(project) -> None:
    # GP001 piggybacks on the enabled rules' tokens: GP101's token alone does not trigger a parse.
    result = project({"test_ws.py": "x = (\nextra_headers = 1\n"}, select=["GP001", "GP2"])
    assert result.findings == []


def test_selecting_only_gp001_parses_every_file(project) -> None:
    result = project({"test_unrelated.py": "def test_broken(:\n    pass\n"}, select=["GP001"])
    assert locations(result) == [("test_unrelated.py", 1, 17, "GP001")]


IMPORTS_PROBE = """
import sys
from goldenpath_audit.cli import main
label, wanted = sys.argv[1].split(":", 1)
sys.argv = ["goldenpath-audit", "check", *sys.argv[2:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
prefixes, names = wanted.split("|")
found = sorted(
    name for name in sys.modules
    if any(name.startswith(prefix) for prefix in prefixes.split(",") if prefix) or name in names.split(",")
)
print("EXIT", code, label, found, file=sys.stderr)
"""


def probe_imports(cwd: Path, label: str, prefixes: tuple[str, ...], names: tuple[str, ...], *args: str) -> str:
    """Run `check ARGS` in a fresh interpreter; stderr ends `EXIT <code> <label> [<loaded modules among those asked>]`."""
    wanted = f"{label}:{','.join(prefixes)}|{','.join(names)}"
    return subprocess.run(
        [sys.executable, "-c", IMPORTS_PROBE, wanted, *args], cwd=cwd, capture_output=True, text=True, timeout=60
    ).stderr


HEAVY = (
    ("goldenpath_audit.rules.", "packaging", "pathspec", "libcst", "multiprocessing"),
    ("goldenpath_audit.auditor.facts", "goldenpath_audit.auditor.context",
     "goldenpath_audit.auditor.module_index", "goldenpath_audit.auditor.marker_registry"),
)


def test_a_replayed_pre_commit_run_imports_no_rule_and_no_engine_heavyweight(tmp_path: Path) -> None:
    # A pre-commit run on unchanged files replays the memo: its start-up is most
    # of its time, so it must not import the rules, fact extraction, packaging or pathspec.
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "pyproject.toml": '[project]\nname = "p"\ndependencies = ["websockets>=14"]\n'
            '[tool.pytest.ini_options]\nmarkers = ["slow: slow"]\n',
            "tests/test_ws.py": "import pytest\nimport websockets\n\n\n@pytest.mark.slwo\n"
            "async def test_x():\n    await websockets.connect('ws://h', extra_headers={})\n",
            "tests/test_ok.py": "import pytest\n\n\n@pytest.mark.slow\ndef test_y():\n    pass\n",
        },
    )
    age(tmp_path)
    files = ["tests/test_ws.py", "tests/test_ok.py"]

    def run() -> subprocess.CompletedProcess[str]:
        wanted = f"HEAVY:{','.join(HEAVY[0])}|{','.join(HEAVY[1])}"
        return subprocess.run(
            [sys.executable, "-c", IMPORTS_PROBE, wanted, *files], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )

    first = run()
    assert "EXIT 1" in first.stderr
    assert "goldenpath_audit.rules.pytest_markers" in first.stderr  # the first run really checked
    second = run()
    assert second.stdout == first.stdout
    assert "GP201 marker `slwo` is not registered" in second.stdout
    assert "Found 2 findings" in second.stdout
    assert "EXIT 1 HEAVY []" in second.stderr


OPTIONAL = ("packaging.requirements", "packaging.utils", "packaging.tags", "configparser", "tempfile",
            "goldenpath_audit.auditor.static_eval", "goldenpath_audit.auditor.setup_py")


def test_re_checking_an_edited_file_imports_only_what_the_project_needs(tmp_path: Path) -> None:
    # A one-file edit is re-checked with the rules imported; its time over a
    # replayed run is mostly imports. A project configured in pyproject.toml,
    # with plain requirement lines and no conftest hooks, needs no INI parser,
    # no setup.py reader, no PEP 508 marker grammar and no tempfile.
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "pyproject.toml": '[project]\nname = "p"\ndependencies = ["websockets>=14", "pytest >= 8, <10"]\n'
            '[tool.pytest.ini_options]\nmarkers = ["slow: slow"]\naddopts = "-ra"\n',
            "tests/test_ws.py": "import pytest\nimport websockets\n\n\n@pytest.mark.slwo\n"
            "async def test_x():\n    await websockets.connect('ws://h', extra_headers={})\n",
        },
    )
    age(tmp_path)

    probe_imports(tmp_path, "OPTIONAL", (), OPTIONAL, ".")
    test = tmp_path / "tests/test_ws.py"
    test.write_text(test.read_text() + "\n\ndef test_new():\n    pass\n")
    assert "EXIT 1 OPTIONAL []" in probe_imports(tmp_path, "OPTIONAL", (), OPTIONAL, ".")
