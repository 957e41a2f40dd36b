"""Fixes change the renamed keyword and nothing else: encoding, BOM, newlines, mode, symlinks.

Each test writes exact bytes, fixes, and compares exact bytes. A second fix is
always a no-op.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import run_engine
from goldenpath_audit.auditor.config import load_settings
from goldenpath_audit.auditor.findings import CheckResult
from goldenpath_audit.auditor.fixer import FixReport, apply_fixes
from goldenpath_audit.auditor.runner import Runner
from goldenpath_audit.cli import app

BAD = "import websockets\nwebsockets.connect(u, extra_headers=h)  # keep\n"
GOOD = "import websockets\nwebsockets.connect(u, additional_headers=h)  # keep\n"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    return tmp_path


def check(root: Path, paths: list[Path] | None = None) -> CheckResult:
    return Runner(load_settings(root), root).check(paths or [root])


def fix(root: Path, *, unsafe: bool = False, write: bool = True, paths: list[Path] | None = None) -> FixReport:
    return apply_fixes(check(root, paths), root, unsafe=unsafe, write=write)


def fix_and_compare(root: Path, before: bytes, after: bytes, name: str = "test_a.py") -> None:
    target = root / name
    target.write_bytes(before)
    report = fix(root)
    assert report.errors == []
    assert [change.path for change in report.changes] == [name]
    assert target.read_bytes() == after
    assert check(root).findings == []
    second = fix(root)
    assert (second.changes, second.errors) == ([], [])
    assert target.read_bytes() == after


# -- bytes outside the renamed keyword -------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (BAD.encode(), GOOD.encode()),
        (BAD.replace("\n", "\r\n").encode(), GOOD.replace("\n", "\r\n").encode()),
        (BAD.replace("\n", "\r").encode(), GOOD.replace("\n", "\r").encode()),
        (b"\xef\xbb\xbf" + BAD.encode(), b"\xef\xbb\xbf" + GOOD.encode()),
        (
            b"\xef\xbb\xbf" + BAD.replace("\n", "\r\n").encode(),
            b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode(),
        ),
        (BAD.rstrip("\n").encode(), GOOD.rstrip("\n").encode()),
        (
            b"import websockets\r\nx = 1\nwebsockets.connect(u, extra_headers=h)\r\ny = 2\n",
            b"import websockets\r\nx = 1\nwebsockets.connect(u, additional_headers=h)\r\ny = 2\n",
        ),
        (
            b"import websockets\n\x0c\nwebsockets.connect(u, extra_headers=h)\n",
            b"import websockets\n\x0c\nwebsockets.connect(u, additional_headers=h)\n",
        ),
    ],
    ids=["lf", "crlf", "cr", "bom", "bom-crlf", "no-final-newline", "mixed-newlines", "form-feed"],
)
def test_newlines_and_bom_are_kept(root: Path, before: bytes, after: bytes) -> None:
    fix_and_compare(root, before, after)


def test_latin1_file_with_a_coding_cookie_stays_latin1(root: Path) -> None:
    source = (
        "# -*- coding: latin-1 -*-\n"
        '"""Cafés, naïve tests: ½ of them."""\n'
        "import websockets\n"
        "websockets.connect('é', extra_headers={'X-Café': 'ü'})  # señor\n"
    )
    before = source.encode("latin-1")
    after = source.replace("extra_headers", "additional_headers").encode("latin-1")
    assert b"\xe9" in before  # really latin-1, not UTF-8
    fix_and_compare(root, before, after)


def test_utf8_non_ascii_before_the_keyword_keeps_columns_right(root: Path) -> None:
    before = "import websockets\nx = 'é€😀'; websockets.connect(u, extra_headers=h)\n"
    (root / "test_a.py").write_text(before, encoding="utf-8")
    (finding,) = check(root).findings
    assert (finding.line, finding.column) == (2, 34)  # characters, not UTF-8 bytes
    fix_and_compare(root, before.encode(), before.replace("extra_headers", "additional_headers").encode())


def test_formatting_and_comments_are_kept_byte_for_byte(root: Path) -> None:
    before = (
        "import websockets\n"
        "\n"
        "\n"
        "async def test_stream(uri):  # a test\n"
        "\tasync with websockets.connect(\n"
        "\t\turi,   # the server\n"
        "\t\textra_headers  =  {  # auth\n"
        '\t\t\t"Authorization": "x",\n'
        "\t\t},\n"
        "\t\tping_interval=None ,\n"
        "\t) as ws:   \n"
        "\t\tawait ws.send( 'hi' )  # extra_headers stays in this comment\n"
        "    \n"
        "s = 'extra_headers'\n"
    )
    after = before.replace("\t\textra_headers  =", "\t\tadditional_headers  =")
    assert after.count("extra_headers") == 2
    fix_and_compare(root, before.encode(), after.encode())


def test_every_finding_in_a_file_is_fixed_in_one_pass(root: Path) -> None:
    before = (
        "import websockets\n"
        "from websockets.asyncio.client import connect as c\n"
        "websockets.connect(u, extra_headers=h)\n"
        "c(u, extra_headers=h); c(v, extra_headers=h)\n"
        "websockets.connect(u, extra_headers=h, additional_headers=g)\n"  # no fix: merge by hand
    )
    after = (
        "import websockets\n"
        "from websockets.asyncio.client import connect as c\n"
        "websockets.connect(u, additional_headers=h)\n"
        "c(u, additional_headers=h); c(v, additional_headers=h)\n"
        "websockets.connect(u, extra_headers=h, additional_headers=g)\n"
    )
    target = root / "test_a.py"
    target.write_text(before)
    report = fix(root)
    assert report.fixed_count == 3
    assert target.read_text() == after
    assert [(f.line, f.column) for f in check(root).findings] == [(5, 23)]


# -- the file itself: mode, symlinks, atomic replacement -------------------------------


@pytest.mark.parametrize("mode", [0o640, 0o755, 0o600, 0o444])
def test_mode_is_kept(root: Path, mode: int) -> None:
    target = root / "test_a.py"
    target.write_text(BAD)
    os.chmod(target, mode)
    report = fix(root)
    assert report.errors == []
    assert target.read_text() == GOOD
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert sorted(p.name for p in root.iterdir()) == [".git", "test_a.py"]  # no temporary file left


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give files away")
def test_owner_and_group_are_kept(root: Path) -> None:
    target = root / "test_a.py"
    target.write_text(BAD)
    os.chown(target, 65534, 65534)
    os.chmod(target, 0o2755)  # set-group-ID survives: chown happens before chmod
    fix(root)
    info = target.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o2755)
    assert target.read_text() == GOOD


def test_symlink_is_written_through_and_stays_a_link(root: Path) -> None:
    real = root / "shared" / "real_test.py"
    real.parent.mkdir()
    real.write_text(BAD)
    os.chmod(real, 0o640)
    (root / "tests").mkdir()
    link = root / "tests" / "test_link.py"
    link.symlink_to(os.path.join("..", "shared", "real_test.py"))
    report = fix(root, paths=[link])
    assert [change.path for change in report.changes] == ["tests/test_link.py"]
    assert link.is_symlink()
    assert os.readlink(link) == os.path.join("..", "shared", "real_test.py")
    assert real.read_text() == GOOD
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in (root / "tests").iterdir()) == ["test_link.py"]


def test_symlink_and_target_named_together_are_fixed_once(root: Path) -> None:
    real = root / "test_real.py"
    real.write_text(BAD)
    link = root / "test_link.py"
    link.symlink_to("test_real.py")
    report = fix(root, paths=[link, real])
    assert (len(report.changes), report.errors) == (1, [])
    assert link.is_symlink() and real.read_text() == GOOD


def test_file_changed_after_the_check_is_skipped(root: Path) -> None:
    target = root / "test_a.py"
    target.write_text(BAD)
    result = run_engine(root)
    assert result.digests  # the check recorded what it analysed
    target.write_text(BAD + "# edited meanwhile\n")
    report = apply_fixes(result, root, unsafe=False, write=True)
    assert report.changes == []
    assert [(e.path, e.message) for e in report.errors] == [
        ("test_a.py", "changed since it was checked; not fixed (run again)")
    ]
    assert target.read_text() == BAD + "# edited meanwhile\n"


def test_stale_digest_is_refused(root: Path) -> None:
    target = root / "test_a.py"
    target.write_text(BAD)
    result = run_engine(root)
    result.digests["test_a.py"] = "0" * 64
    report = apply_fixes(result, root, unsafe=False, write=True)
    assert [e.message for e in report.errors] == ["changed since it was checked; not fixed (run again)"]
    assert target.read_text() == BAD


def test_file_changed_between_check_and_write_via_the_cli(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`fix` analyses, then someone edits the file, then `fix` would write: it must not."""
    target = root / "test_a.py"
    target.write_text(BAD)
    import goldenpath_audit.auditor.fixer as fixer

    real_apply = fixer.apply_fixes

    def edit_then_apply(result, cwd, **kwargs):
        target.write_text(BAD + "# edited meanwhile\n")
        return real_apply(result, cwd, **kwargs)

    monkeypatch.setattr(fixer, "apply_fixes", edit_then_apply)
    result = CliRunner().invoke(app, ["fix"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "error: test_a.py: changed since it was checked; not fixed (run again)\n" in result.stderr
    assert target.read_text() == BAD + "# edited meanwhile\n"


def test_output_is_parsed_again_before_writing(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A codemod that produced broken code must not reach the disk."""
    target = root / "test_a.py"
    target.write_text(BAD)
    import goldenpath_audit.codemods as codemods

    real = codemods.apply_operations

    def broken(text, operations, registry):
        new, applied, missed = real(text, operations, registry)
        return new.replace("additional_headers=h", "additional_headers=h,,"), applied, missed

    monkeypatch.setattr(codemods, "apply_operations", broken)
    report = fix(root)
    assert report.changes == []
    (error,) = report.errors
    assert error.path == "test_a.py"
    assert error.message.startswith("the fixed source would not parse (")
    assert error.message.endswith("); not fixed")
    assert target.read_text() == BAD


# -- what is written, and when ---------------------------------------------------------


def test_diff_mode_writes_nothing_and_shows_a_unified_diff(root: Path) -> None:
    target = root / "test_a.py"
    target.write_text(BAD)
    mtime = target.stat().st_mtime_ns
    report = fix(root, write=False)
    assert target.read_text() == BAD and target.stat().st_mtime_ns == mtime
    (change,) = report.changes
    assert change.diff() == (
        "--- a/test_a.py\n"
        "+++ b/test_a.py\n"
        "@@ -1,2 +1,2 @@\n"
        " import websockets\n"
        "-websockets.connect(u, extra_headers=h)  # keep\n"
        "+websockets.connect(u, additional_headers=h)  # keep\n"
    )


def test_diff_marks_a_missing_final_newline_and_decodes_latin1(root: Path) -> None:
    (root / "test_a.py").write_bytes(b"# coding: latin-1\nimport websockets\nwebsockets.connect('\xe9', extra_headers=h)")
    (change,) = fix(root, write=False).changes
    assert change.diff() == (
        "--- a/test_a.py\n"
        "+++ b/test_a.py\n"
        "@@ -1,3 +1,3 @@\n"
        " # coding: latin-1\n"
        " import websockets\n"
        "-websockets.connect('é', extra_headers=h)\n"
        "\\ No newline at end of file\n"
        "+websockets.connect('é', additional_headers=h)\n"
        "\\ No newline at end of file\n"
    )


def test_unsafe_fix_needs_opt_in(root: Path) -> None:
    before = "import websockets\nwebsockets.connect(u, extra_headers={'User-Agent': 'x'})\n"
    target = root / "test_a.py"
    target.write_text(before)
    assert fix(root).changes == []
    assert target.read_text() == before
    report = fix(root, unsafe=True)
    assert report.fixed_count == 1
    assert target.read_text() == before.replace("extra_headers", "additional_headers")


def test_findings_without_a_fix_leave_the_file_alone(root: Path) -> None:
    before = "import websockets\nwebsockets.connect(u, extra_headers=h, additional_headers=g)\n"
    target = root / "test_a.py"
    target.write_text(before)
    mtime = target.stat().st_mtime_ns
    report = fix(root, unsafe=True)
    assert (report.changes, report.errors) == ([], [])
    assert target.read_bytes() == before.encode() and target.stat().st_mtime_ns == mtime


def test_a_link_and_its_target_are_fixed_with_the_findings_of_both(root: Path) -> None:
    """Only the name `tests/test_linked.py` makes a test module: its GP205 must not be lost
    when the target, also checked, is fixed first for its other findings."""
    shared = root / "shared" / "linked_module.py"
    shared.parent.mkdir()
    shared.write_text(BAD + "\npytestmark = (pytest.mark.slow, pytest.mark.skip)\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_linked.py").symlink_to(os.path.join("..", "shared", "linked_module.py"))
    report = fix(root)
    assert (len(report.changes), report.errors) == (1, [])
    assert shared.read_text() == GOOD + "\npytestmark = [pytest.mark.slow, pytest.mark.skip]\n"
