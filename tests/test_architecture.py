"""Architecture promises that keep `check` fast: no libcst on the normal path, pre-filtered parsing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import locations

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
