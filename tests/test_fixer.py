"""Fixes keep every byte they do not mean to change: encoding, BOM, newlines, mode, symlinks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_engine
from goldenpath_audit.auditor.fixer import apply_fixes

BAD = "import websockets\nwebsockets.connect(u, extra_headers=h)  # keep\n"
GOOD = "import websockets\nwebsockets.connect(u, additional_headers=h)  # keep\n"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    return tmp_path


def fix(root: Path, **kwargs):
    return apply_fixes(run_engine(root), root, unsafe=False, write=True, **kwargs)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (BAD.encode(), GOOD.encode()),
        (BAD.replace("\n", "\r\n").encode(), GOOD.replace("\n", "\r\n").encode()),
        (b"\xef\xbb\xbf" + BAD.encode(), b"\xef\xbb\xbf" + GOOD.encode()),
        (
            "# -*- coding: latin-1 -*-\nimport websockets\nwebsockets.connect('é', extra_headers=h)\n".encode("latin-1"),
            "# -*- coding: latin-1 -*-\nimport websockets\nwebsockets.connect('é', additional_headers=h)\n".encode(
                "latin-1"
            ),
        ),
        (
            b"import websockets\r\nx = 1\nwebsockets.connect(u, extra_headers=h)\r\n",
            b"import websockets\r\nx = 1\nwebsockets.connect(u, additional_headers=h)\r\n",
        ),
    ],
    ids=["lf", "crlf", "bom", "latin-1-cookie", "mixed-newlines"],
)
def test_bytes_outside_the_fix_are_kept(root: Path, before: bytes, after: bytes) -> None:
    target = root / "test_a.py"
    target.write_bytes(before)
    report = fix(root)
    assert not report.errors
    assert target.read_bytes() == after
    assert fix(root).changes == []  # idempotent


@pytest.mark.parametrize("mode", [0o640, 0o755])
def test_mode_is_kept(root: Path, mode: int) -> None:
    target = root / "test_a.py"
    target.write_text(BAD)
    os.chmod(target, mode)
    fix(root)
    assert target.read_text() == GOOD
    assert (target.stat().st_mode & 0o777) == mode
    assert not [p for p in root.iterdir() if p.name.endswith(".gpa-tmp")]


def test_symlink_is_written_through(root: Path) -> None:
    real = root / "real_test.py"
    real.write_text(BAD)
    (root / "tests").mkdir()
    link = root / "tests" / "test_link.py"
    link.symlink_to(real)
    apply_fixes(Runner_check(root, [link]), root, unsafe=False, write=True)
    assert link.is_symlink()
    assert real.read_text() == GOOD


def Runner_check(root: Path, paths: list[Path]):
    from goldenpath_audit.auditor.config import load_settings
    from goldenpath_audit.auditor.runner import Runner

    return Runner(load_settings(root), root).check(paths)


def test_file_changed_after_check_is_skipped(root: Path) -> None:
    target = root / "test_a.py"
    target.write_text(BAD)
    result = run_engine(root)
    target.write_text(BAD + "# edited meanwhile\n")
    report = apply_fixes(result, root, unsafe=False, write=True)
    assert report.changes == []
    assert [error.message for error in report.errors] == ["changed since it was checked; not fixed (run again)"]
    assert target.read_text() == BAD + "# edited meanwhile\n"


def test_diff_mode_writes_nothing(root: Path) -> None:
    target = root / "test_a.py"
    target.write_text(BAD)
    report = apply_fixes(run_engine(root), root, unsafe=False, write=False)
    assert target.read_text() == BAD
    (change,) = report.changes
    assert "+websockets.connect(u, additional_headers=h)  # keep" in change.diff()


def test_unsafe_fix_needs_opt_in(root: Path) -> None:
    target = root / "test_a.py"
    target.write_text("import websockets\nwebsockets.connect(u, extra_headers={'User-Agent': 'x'})\n")
    assert fix(root).changes == []
    apply_fixes(run_engine(root), root, unsafe=True, write=True)
    assert "additional_headers={'User-Agent': 'x'}" in target.read_text()
