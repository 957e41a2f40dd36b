"""Bad input: a one-line finding or error per file, the run goes on, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import locations

WS = "import websockets\nwebsockets.connect(u, extra_headers=h)\n"


def test_syntax_error_is_gp001_and_other_files_are_checked(project) -> None:
    result = project({"test_bad.py": "extra_headers = 1\ndef f(:\n    pass\n", "test_ok.py": WS})
    assert locations(result) == [("test_bad.py", 2, 7, "GP001"), ("test_ok.py", 2, 23, "GP101")]
    assert result.findings[0].message == "syntax error: invalid syntax"


@pytest.mark.parametrize(
    "source",
    ["extra_headers = f'{'nested'}'\n", "extra_headers = 1\ntype Headers = dict[str, str]\n"],
    ids=["pep701", "pep695"],
)
def test_newer_grammar_is_said(project, source: str) -> None:
    (finding,) = project({"test_new.py": source}).findings
    assert finding.code == "GP001"
    assert "a newer Python grammar accepts it" in finding.message


def test_null_bytes_are_a_syntax_finding(project) -> None:
    (finding,) = project({"test_null.py": "extra_headers = 1\nx = 'a\x00b'\n"}).findings
    assert (finding.code, finding.line) == ("GP001", 2)
    assert "null bytes" in finding.message


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"extra_headers = '\xff'\n", "cannot decode as utf-8"),
        (b"# coding: no-such-codec\nextra_headers = 1\n", "unknown encoding: no-such-codec"),
    ],
)
def test_undecodable_files_are_errors(project, tmp_path: Path, raw: bytes, reason: str) -> None:
    (tmp_path / "test_enc.py").write_bytes(raw)
    result = project({"test_ok.py": WS})
    assert [(e.path, reason in e.message) for e in result.errors] == [("test_enc.py", True)]
    assert locations(result) == [("test_ok.py", 2, 23, "GP101")]


def test_deep_nesting_does_not_crash(project) -> None:
    deep = "extra_headers = " + "(" * 20000 + "1" + ")" * 20000 + "\n"
    result = project({"test_deep.py": deep, "test_ok.py": WS})
    assert ("test_ok.py", 2, 23, "GP101") in locations(result)
    assert [f.path for f in result.findings if f.code == "GP001"] + [e.path for e in result.errors] == ["test_deep.py"]


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_unreadable_and_special_paths_never_traceback(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "test_ok.py").write_text(WS)
    (tmp_path / "test_dir.py").mkdir()  # a directory with a .py name, given explicitly
    os.mkfifo(tmp_path / "test_fifo.py")
    (tmp_path / "test_broken.py").symlink_to(tmp_path / "missing.py")
    completed = _cli(tmp_path, "check", "test_ok.py", "test_fifo.py", "test_broken.py", ".")
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr + completed.stdout
    assert "test_ok.py:2:23: GP101" in completed.stdout
    assert "error: test_fifo.py: Not a regular file" in completed.stdout
    assert "error: test_broken.py: No such file or directory" in completed.stdout


def test_the_audited_code_is_never_executed(tmp_path: Path) -> None:
    sentinel = tmp_path / "EXECUTED"
    payload = f"open({str(sentinel)!r}, 'w').write('x')\nimport sys\nsys.exit(3)\n"
    (tmp_path / ".git").mkdir()
    (tmp_path / "conftest.py").write_text(payload + "def pytest_configure(config):\n    config.addinivalue_line('markers', 'x')\n")
    (tmp_path / "__init__.py").write_text(payload)
    (tmp_path / "test_a.py").write_text(payload + WS + "import pytest\n@pytest.mark.unknown\ndef test_a():\n    pass\n")
    for args in (("check",), ("fix", "--unsafe-fixes")):
        completed = _cli(tmp_path, *args)
        assert completed.returncode in (0, 1), completed.stderr
    assert not sentinel.exists()
