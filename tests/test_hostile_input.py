"""Hostile and broken input through the real command line.

Every case runs `python -m goldenpath_audit` in a subprocess, on a tree where
the bad input sits beside test_ok.py and its known GP101 finding. The contract:
each bad input costs one line (a GP001 finding, or an `error:` line naming the
file), the good file's finding is still reported, the exit code is the
documented one (0 clean, 1 findings or errors, 2 configuration errors), and
there is never a traceback nor the CLI's last-resort "internal error" line.
A hang fails at the subprocess timeout instead of hanging the suite.

The corpus is generated into tmp_path rather than kept as files under tests/:
tabs, CRLF, null bytes and invalid UTF-8 then survive every editor and git
setting, and no broken file can trip the project's own `goldenpath-audit
check` or pytest's collection. test_bad_input.py checks many of the same
inputs in process.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import assert_clean_exit, cli

WS = "import websockets\nwebsockets.connect(u, extra_headers=h)\n"
FIXED_WS = WS.replace("extra_headers", "additional_headers")
OK_LINE = "test_ok.py:2:23: GP101 "
# A file is parsed only when it holds a token of an enabled rule; this is GP101's.
TOKEN = "extra_headers = None\n"
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"


def make_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """`files` beside test_ok.py, under a `.git` marker that stops config lookup at `root`."""
    (root / ".git").mkdir(exist_ok=True)
    (root / "test_ok.py").write_text(WS)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def cli_each(cwd: Path, commands: list[list[str]], **options) -> list[subprocess.CompletedProcess]:
    """`cli` once per command, side by side: for commands that write nothing."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda command: cli(cwd, *command, **options), commands))


def about(output: str, name: str) -> list[str]:
    """The output lines about file `name`: its findings and its error lines."""
    return [line for line in output.splitlines() if line.startswith((f"{name}:", f"error: {name}:"))]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*.py")) if path.is_file()}


# -- syntax errors: one GP001 line each, at CPython's position --------------------------------

NEW_FSTRINGS = sys.version_info >= (3, 12)  # PEP 701 reworded the f-string errors

SYNTAX: dict[str, tuple[str, int, int, str]] = {
    "unclosed_bracket": ("x = [1,\n", 2, 5, "'[' was never closed"),
    "mismatched_bracket": ("x = (1]\n", 2, 7, "closing parenthesis ']' does not match opening parenthesis '('"),
    "unmatched_bracket": ("x = 1)\n", 2, 6, "unmatched ')'"),
    "unexpected_indent": ("    x = 1\n", 2, 4, "unexpected indent"),
    "missing_indent": ("if x:\npass\n", 3, 1, "expected an indented block after 'if' statement on line 2"),
    "bad_dedent": ("if x:\n        a = 1\n    b = 2\n", 4, 10, "unindent does not match any outer indentation level"),
    "tabs_and_spaces": ("if x:\n        a = 1\n\tb = 2\n", 4, 1, "inconsistent use of tabs and spaces in indentation"),
    "invalid_token": ("x = 1 $ 2\n", 2, 7, "invalid syntax"),
    "backslash": ("x = 1 \\ 2\n", 2, 8, "unexpected character after line continuation character"),
    "unterminated_string": ("x = 'abc\n", 2, 5, "unterminated string literal (detected at line 2)"),
    "unterminated_triple_quoted": (
        "x = '''abc\n\n",
        2,
        5,
        "unterminated triple-quoted string literal (detected at line 3)",
    ),
    "print_statement": ('print "x"\n', 2, 1, "Missing parentheses in call to 'print'. Did you mean print(...)?"),
    "walrus_statement": ("x := 1\n", 2, 3, "invalid syntax"),
    "walrus_default": ("def f(a := 1):\n    pass\n", 2, 9, "invalid syntax"),
    "async_assignment": ("async x = 1\n", 2, 7, "invalid syntax"),
    "async_as_a_name": ("async = 1\n", 2, 7, "invalid syntax"),
    "keyword_as_a_name": ("class = 1\n", 2, 7, "invalid syntax"),
    "missing_colon": ("def f()\n", 2, 8, "expected ':'"),
    "non_ascii_column": ("x = 'é€'; def\n", 2, 11, "invalid syntax"),  # characters, not bytes
    "fstring_empty": (
        ("x = f'{}'\n", 2, 8, "f-string: valid expression required before '}'")
        if NEW_FSTRINGS
        else ("x = f'{}'\n", 2, 10, "f-string: empty expression not allowed")
    ),
    "fstring_conversion": (
        ("x = f'{a!z}'\n", 2, 10, "f-string: invalid conversion character 'z': expected 's', 'r', or 'a'")
        if NEW_FSTRINGS
        else ("x = f'{a!z}'\n", 2, 13, "f-string: invalid conversion character: expected 's', 'r', or 'a'")
    ),
    "too_many_parentheses": ("x = " + "(" * 300 + ")" * 300 + "\n", 2, 205, "too many nested parentheses"),
    "too_many_indentation_levels": (
        "".join("    " * depth + "if x:\n" for depth in range(101)) + "    " * 101 + "pass\n",
        102,
        1,
        "too many levels of indentation",
    ),
}

# Syntax a newer Python accepts (3.14: PEP 758, PEP 750): named as such, not as a mistake.
NEWER_GRAMMAR: dict[str, tuple[str, int, int, str]] = {
    "except_without_parentheses": (
        "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
        4,
        8,
        "multiple exception types must be parenthesized",
    ),
    "template_string": ("x = t'{a}'\n", 2, 6, "invalid syntax"),
}
if sys.version_info < (3, 12):
    NEWER_GRAMMAR["pep701_nested_quotes"] = ("x = f'{'nested'}'\n", 2, 9, "f-string: expecting '}'")
if sys.version_info >= (3, 14):
    NEWER_GRAMMAR = {}


def syntax_files() -> dict[str, str]:
    cases = {**SYNTAX, **NEWER_GRAMMAR}
    return {f"test_{name}.py": TOKEN + source for name, (source, *_) in cases.items()}


@pytest.fixture(scope="module")
def syntax_check(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    """One `check` over the whole syntax corpus: the bad files must not disturb each other either."""
    root = make_tree(tmp_path_factory.mktemp("syntax"), syntax_files())
    return cli(root, "check", "-q", "--no-cache")


@pytest.mark.parametrize("name", SYNTAX)
def test_syntax_error_is_one_gp001_line(syntax_check: subprocess.CompletedProcess, name: str) -> None:
    _, line, column, message = SYNTAX[name]
    file = f"test_{name}.py"
    assert about(syntax_check.stdout, file) == [f"{file}:{line}:{column}: GP001 syntax error: {message}"]


@pytest.mark.skipif(not NEWER_GRAMMAR, reason="this Python parses every grammar libcst knows")
@pytest.mark.parametrize("name", NEWER_GRAMMAR or ["none"])
def test_newer_grammar_is_named_as_such(syntax_check: subprocess.CompletedProcess, name: str) -> None:
    _, line, column, error = NEWER_GRAMMAR[name]
    file = f"test_{name}.py"
    assert about(syntax_check.stdout, file) == [
        f"{file}:{line}:{column}: GP001 Python {RUNNING} cannot parse this file ({error}), but a newer Python "
        "grammar accepts it: run goldenpath-audit with a newer Python to check it"
    ]


def test_syntax_errors_leave_the_rest_of_the_run_alone(syntax_check: subprocess.CompletedProcess) -> None:
    assert_clean_exit(syntax_check)
    assert syntax_check.returncode == 1
    assert syntax_check.stderr == ""
    lines = syntax_check.stdout.splitlines()
    assert len(lines) == len(SYNTAX) + len(NEWER_GRAMMAR) + 1
    assert [line for line in lines if " GP001 " not in line] == [line for line in lines if line.startswith(OK_LINE)]
    assert len([line for line in lines if line.startswith(OK_LINE)]) == 1


def test_fix_leaves_unparsable_files_byte_for_byte(tmp_path: Path) -> None:
    root = make_tree(tmp_path, syntax_files())
    before = snapshot(root)
    completed = cli(root, "fix", "-q", "--no-cache")
    assert_clean_exit(completed)
    assert completed.returncode == 1  # the GP001 findings remain
    assert len(completed.stdout.splitlines()) == len(SYNTAX) + len(NEWER_GRAMMAR)
    assert all(" GP001 " in line for line in completed.stdout.splitlines())
    assert snapshot(root) == {**before, "test_ok.py": FIXED_WS.encode()}


def test_compile_time_errors_are_not_syntax_errors(tmp_path: Path) -> None:
    """`await` in a plain function parses (CPython rejects it when compiling): the file is analysed as it is."""
    source = "import websockets\ndef f():\n    await websockets.connect(u, extra_headers=h)\n    return\nreturn 1\n"
    root = make_tree(tmp_path, {"test_await.py": source})
    completed = cli(root, "check", "-q", "--no-cache")
    assert_clean_exit(completed)
    assert [line.split(" GP101 ")[0] for line in completed.stdout.splitlines()] == [
        "test_await.py:3:33:",
        "test_ok.py:2:23:",
    ]


def test_unparsable_files_are_named_by_markers_and_imports(tmp_path: Path) -> None:
    """The reports count what the files use: a file they could not read is one stderr line, not a silent gap."""
    root = make_tree(
        tmp_path,
        {
            "test_good.py": "import pytest\nfrom app.models import User\n@pytest.mark.slow\ndef test_a():\n    pass\n",
            "test_bad.py": "import pytest\nfrom app.models import User\n@pytest.mark.fast\ndef test_b(:\n    pass\n",
            "app/__init__.py": "",
            "app/models.py": "class User:\n    pass\n",
        },
    )
    markers = cli(root, "markers", "--output-format", "json")
    assert_clean_exit(markers)
    assert markers.returncode == 0
    assert markers.stderr == "error: test_bad.py:4:12: syntax error: invalid syntax\n"
    assert '"name": "slow"' in markers.stdout and '"name": "fast"' not in markers.stdout
    imports = cli(root, "imports", "User", "--output-format", "json")
    assert_clean_exit(imports)
    assert imports.returncode == 0
    assert imports.stderr == "error: test_bad.py:4:12: syntax error: invalid syntax\n"
    assert '"path": "app.models.User"' in imports.stdout and '"uses": 1' in imports.stdout


# -- bytes: encodings, BOMs and newlines ------------------------------------------------------

WS_BYTES = b"import websockets\nwebsockets.connect(u, extra_headers=h)\n"

# name -> (bytes, the one output line about the file)
UNREADABLE_BYTES: dict[str, tuple[bytes, str]] = {
    "null_byte": (
        TOKEN.encode() + b"x = 'a\x00b'\n",
        "test_null_byte.py:2:7: GP001 syntax error: source code string cannot contain null bytes (a null byte at 2:7)",
    ),
    "invalid_utf8": (
        b"extra_headers = '\xff'\n",
        "error: test_invalid_utf8.py: cannot decode as utf-8: byte 0xff at line 1, offset 18 (invalid start byte), "
        "and there is no PEP 263 encoding declaration",
    ),
    "invalid_utf8_late": (
        TOKEN.encode() + b"# caf\xc3\xa9\n\nx = '\xe9'\n",
        "error: test_invalid_utf8_late.py: cannot decode as utf-8: byte 0xe9 at line 4, offset 6 "
        "(invalid continuation byte)",
    ),
    "unknown_codec": (
        b"# coding: no-such-codec\n" + TOKEN.encode(),
        "error: test_unknown_codec.py: unknown encoding: no-such-codec",
    ),
    "cookie_mismatch_ascii": (
        b"# coding: ascii\nextra_headers = '\xe9'\n",
        "error: test_cookie_mismatch_ascii.py: cannot decode as ascii: byte 0xe9 at line 2, offset 18 "
        "(ordinal not in range(128))",
    ),
    "cookie_mismatch_utf8": (
        b"# -*- coding: utf-8 -*-\nextra_headers = 'caf\xe9'\n",
        "error: test_cookie_mismatch_utf8.py: cannot decode as utf-8: byte 0xe9 at line 2, offset 21 "
        "(invalid continuation byte)",
    ),
    "cookie_on_line_3": (  # PEP 263 reads lines 1 and 2 only, as CPython does
        b"#!/usr/bin/env python\n\n# coding: latin-1\nextra_headers = '\xe9'\n",
        "error: test_cookie_on_line_3.py: cannot decode as utf-8: byte 0xe9 at line 4, offset 18 "
        "(invalid continuation byte)",
    ),
    "bom_with_conflicting_cookie": (
        b"\xef\xbb\xbf# coding: latin-1\n" + TOKEN.encode(),
        "error: test_bom_with_conflicting_cookie.py: a UTF-8 byte order mark contradicts the file's "
        "PEP 263 encoding declaration",
    ),
    "binary": (
        b"\x89PNG\r\n\x1a\n\x00\x00extra_headers\xff\xfe",
        "error: test_binary.py: cannot decode as utf-8: byte 0x89 at line 1, offset 1 (invalid start byte), "
        "and there is no PEP 263 encoding declaration",
    ),
    "syntax_error_with_crlf": (
        b"extra_headers = None\r\ndef f(:\r\n",
        "test_syntax_error_with_crlf.py:2:7: GP001 syntax error: invalid syntax",
    ),
}

# name -> (bytes, position of the GP101 finding); `fix` must keep every other byte.
READABLE_BYTES: dict[str, tuple[bytes, str]] = {
    "bom": (b"\xef\xbb\xbf" + WS_BYTES, "2:23"),
    "bom_and_utf8_cookie": (b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n" + WS_BYTES, "3:23"),
    "latin1_cookie": (
        "# -*- coding: latin-1 -*-\nimport websockets\nwebsockets.connect('é', extra_headers=h)\n".encode("latin-1"),
        "3:25",
    ),
    "vim_cookie_on_line_2": (
        b"#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\nimport websockets\n"
        b"websockets.connect('\xe9', extra_headers=h)\n",
        "4:25",
    ),
    "euc_jp_cookie": (
        "# coding: euc-jp\nimport websockets\nwebsockets.connect('日本', extra_headers=h)\n".encode("euc-jp"),
        "3:26",
    ),
    "crlf": (WS_BYTES.replace(b"\n", b"\r\n"), "2:23"),
    "cr_only": (WS_BYTES.replace(b"\n", b"\r"), "2:23"),
    "mixed_newlines": (b"import websockets\r\nx = 1\rwebsockets.connect(u, extra_headers=h)\n", "3:23"),
    "crlf_without_final_newline": (WS_BYTES.replace(b"\n", b"\r\n").rstrip(b"\r\n"), "2:23"),
}


def bytes_files() -> dict[str, bytes]:
    cases = {**UNREADABLE_BYTES, **READABLE_BYTES}
    return {f"test_{name}.py": raw for name, (raw, _) in cases.items()}


@pytest.fixture(scope="module")
def bytes_check(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    root = make_tree(tmp_path_factory.mktemp("bytes"), bytes_files())
    return cli(root, "check", "-q", "--no-cache")


@pytest.mark.parametrize("name", UNREADABLE_BYTES)
def test_bytes_that_are_not_source_are_one_line(bytes_check: subprocess.CompletedProcess, name: str) -> None:
    assert about(bytes_check.stdout, f"test_{name}.py") == [UNREADABLE_BYTES[name][1]]


@pytest.mark.parametrize("name", READABLE_BYTES)
def test_encodings_and_newlines_are_read_as_python_reads_them(
    bytes_check: subprocess.CompletedProcess, name: str
) -> None:
    (line,) = about(bytes_check.stdout, f"test_{name}.py")
    assert line.startswith(f"test_{name}.py:{READABLE_BYTES[name][1]}: GP101 ")


def test_bytes_leave_the_rest_of_the_run_alone(bytes_check: subprocess.CompletedProcess) -> None:
    assert_clean_exit(bytes_check)
    assert bytes_check.returncode == 1
    assert bytes_check.stderr == ""
    assert len(bytes_check.stdout.splitlines()) == len(UNREADABLE_BYTES) + len(READABLE_BYTES) + 1
    assert len(about(bytes_check.stdout, "test_ok.py")) == 1


def test_fix_keeps_encoding_bom_and_newlines_and_leaves_bad_bytes_alone(tmp_path: Path) -> None:
    form_feed = b"import websockets\n\x0cwebsockets.connect(u, extra_headers=h)\n"
    root = make_tree(tmp_path, {**bytes_files(), "test_form_feed.py": form_feed})
    before = snapshot(root)
    completed = cli(root, "fix", "-q", "--no-cache")
    assert_clean_exit(completed)
    assert completed.returncode == 1
    # libcst does not round-trip a form feed in indentation: refused, not corrupted.
    assert completed.stderr == (
        "error: test_form_feed.py: libcst does not reproduce this file byte for byte; not fixed\n"
    )
    expected = dict(before)
    for name in ["ok", *READABLE_BYTES]:
        expected[f"test_{name}.py"] = before[f"test_{name}.py"].replace(b"extra_headers", b"additional_headers")
    assert snapshot(root) == expected


# -- size and depth ------------------------------------------------------------------------------


def test_a_50_mb_file_is_one_error_line(tmp_path: Path) -> None:
    """Generated data with a rule's token in it: not parsed (gigabytes of tree), named, the run goes on."""
    huge = tmp_path / "test_huge.py"
    with huge.open("wb") as stream:
        stream.write(b"import websockets\n")
        stream.write(b"DATA = [1, 2, 3]  # generated\n" * 1_666_667)
        stream.write(b"websockets.connect(u, extra_headers=h)\n")
    make_tree(tmp_path, {})
    size = huge.stat().st_size
    assert size > 50_000_000
    error = f"error: test_huge.py: too large to analyse ({size / 1e6:.1f} MB; files over 8 MB are not parsed)"
    completed = cli(tmp_path, "check", "-q", "--no-cache")
    assert_clean_exit(completed)
    assert completed.stdout.splitlines()[0].startswith(OK_LINE)
    assert completed.stdout.splitlines()[1:] == [error]
    fixed = cli(tmp_path, "fix", "-q", "--no-cache")
    assert_clean_exit(fixed)
    assert fixed.stdout.splitlines() == [error]
    assert huge.stat().st_size == size
    assert (tmp_path / "test_ok.py").read_text() == FIXED_WS


def test_deeply_nested_directories(tmp_path: Path) -> None:
    deep = Path(*["d"] * 200)
    root = make_tree(tmp_path, {str(deep / "test_deep.py"): WS})
    completed = cli(root, "check", "-q", "--no-cache")
    assert_clean_exit(completed)
    assert [line.split(" GP101 ")[0] for line in completed.stdout.splitlines()] == [
        f"{deep.as_posix()}/test_deep.py:2:23:",
        "test_ok.py:2:23:",
    ]
    fixed = cli(root, "fix", "-q", "--no-cache")
    assert_clean_exit(fixed)
    assert fixed.returncode == 0
    assert (root / deep / "test_deep.py").read_text() == FIXED_WS


def test_directories_deeper_than_path_max_are_an_error(tmp_path: Path) -> None:
    """Past PATH_MAX nothing can be opened by its path: the walk says where it had to stop."""
    root = make_tree(tmp_path, {})
    limit = os.pathconf(root, "PC_PATH_MAX")
    name = "x" * 200
    levels = (limit - len(str(root))) // (len(name) + 1) + 3
    descriptor = os.open(root, os.O_RDONLY)
    try:
        for _ in range(levels):  # relative to an open directory: no path gets too long for mkdir
            os.mkdir(name, dir_fd=descriptor)
            child = os.open(name, os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = child
        with open(os.open("test_lost.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor), "w") as stream:
            stream.write(WS)
    finally:
        os.close(descriptor)
    completed = cli(root, "check", "-q", "--no-cache")
    assert_clean_exit(completed)
    lines = completed.stdout.splitlines()
    assert lines[0].startswith(OK_LINE)
    (error,) = lines[1:]
    shown, _, reason = error.removeprefix("error: ").rpartition(": ")
    assert (reason, shown.startswith(f"{name}/{name}/")) == ("File name too long", True)
    absolute = len(str(root)) + 1 + len(shown)
    assert absolute >= limit > absolute - len(name) - 1  # the first directory past the limit


# -- the file system: special files, permissions, links ----------------------------------------

# Every name the tool might open: Python files, configs, dependency declarations, ignore files.
OPENED_NAMES = (
    "test_fifo.py",
    "conftest.py",
    "__init__.py",
    "setup.py",
    "pyproject.toml",
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "tox.ini",
    "setup.cfg",
    "requirements.txt",
    "requirements-dev.txt",
    "uv.lock",
    "poetry.lock",
    ".gitignore",
)
MARKED = WS + "import pytest\n@pytest.mark.slow\ndef test_a():\n    pass\n"
SLOW_NO_CONFIG = "sub/test_m.py:4:14: GP201 marker `slow` is not registered (no pytest config file governs this file)"


def test_fifos_are_never_opened(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes: every command must walk past them all."""
    root = make_tree(tmp_path, {"sub/test_m.py": MARKED})
    for name in OPENED_NAMES:
        os.mkfifo(root / "sub" / name)
    (root / ".git" / "info").mkdir()
    os.mkfifo(root / ".git" / "info" / "exclude")
    completed = cli(root, "check", "-q", "--no-cache", timeout=60)
    assert_clean_exit(completed)
    lines = completed.stdout.splitlines()
    assert [line.split(" GP")[0] for line in lines] == [
        "sub/test_m.py:2:23:",
        "sub/test_m.py:4:14:",
        "test_ok.py:2:23:",
    ]
    assert lines[1] == SLOW_NO_CONFIG
    fixed = cli(root, "fix", "-q", "--no-cache", timeout=60)
    assert_clean_exit(fixed)
    assert fixed.stdout.splitlines() == [SLOW_NO_CONFIG]
    # The fix would create sub/pytest.ini; a FIFO of that name is left alone.
    assert fixed.stderr == "error: sub/pytest.ini: cannot register markers: not a regular file\n"
    assert (root / "sub/test_m.py").read_text() == MARKED.replace("extra_headers", "additional_headers")
    for completed in cli_each(root, [["markers"], ["imports", "User"]], timeout=60):
        assert_clean_exit(completed, codes=(0,))
    named = cli(root, "check", "-q", "--no-cache", "sub/test_fifo.py", "sub/conftest.py", "test_ok.py", timeout=60)
    assert_clean_exit(named)
    assert named.stdout.splitlines() == [  # test_ok.py is fixed by now
        "error: sub/conftest.py: Not a regular file",
        "error: sub/test_fifo.py: Not a regular file",
    ]


def test_broken_symlinks_and_symlink_loops(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"dangling/test_d.py": WS, "loops/test_l.py": WS, "dirs/test_x.py": WS})
    for name in OPENED_NAMES:
        (root / "dangling" / name).symlink_to(f"missing-{name}")
        (root / "loops" / name).symlink_to(name)
    (root / "dirs" / "self").symlink_to(".")
    (root / "dirs" / "parent").symlink_to("..")
    (root / "dirs" / "ping").symlink_to("pong")
    (root / "dirs" / "pong").symlink_to("ping")
    (root / "dirs" / "gone").symlink_to("missing-directory")
    completed = cli(root, "check", "-q", "--no-cache", timeout=60)
    assert_clean_exit(completed)
    assert [line.split(" GP101 ")[0] for line in completed.stdout.splitlines()] == [
        "dangling/test_d.py:2:23:",
        "dirs/test_x.py:2:23:",
        "loops/test_l.py:2:23:",
        "test_ok.py:2:23:",
        # git warns about an ignore file it cannot read, and so do we.
        "error: loops/.gitignore: Too many levels of symbolic links",
    ]
    fixed = cli(root, "fix", "-q", "--no-cache", timeout=60)
    assert_clean_exit(fixed)
    assert (root / "loops/test_l.py").read_text() == FIXED_WS
    for completed in cli_each(root, [["markers"], ["imports", "User"]], timeout=60):
        assert_clean_exit(completed, codes=(0,))


PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def _drop_read_override() -> None:
    """Run in the child before exec: without these capabilities, root is refused by file modes like anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def unreadable(tmp_path: Path):
    """`(chmod, options)`: make paths mode 000, and subprocess options under which that denies reading.

    As root, chmod 000 denies nothing; the CLI then runs with CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH dropped (uid 0 still owns every file it must read). Skips
    when that is impossible, after checking that a read is really refused.
    """
    options = {"preexec_fn": _drop_read_override} if os.geteuid() == 0 else {}
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        completed = subprocess.run(
            [sys.executable, "-c", f"open({str(probe)!r}).read()"], capture_output=True, timeout=60, **options
        )
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"running as root and cannot drop CAP_DAC_OVERRIDE, so chmod 000 denies nothing: {exc}")
    finally:
        probe.unlink()
    if completed.returncode == 0:
        pytest.skip("chmod 000 does not deny reads here (root whose capabilities cannot be dropped)")
    changed: list[Path] = []

    def chmod(*paths: Path) -> None:
        for path in paths:
            path.chmod(0)
            changed.append(path)

    yield chmod, options
    for path in reversed(changed):  # so the temp dir can be removed without root
        path.chmod(0o755)


def test_unreadable_files_and_directories(tmp_path: Path, unreadable) -> None:
    chmod, options = unreadable
    root = make_tree(
        tmp_path,
        {
            "test_secret.py": WS,
            "locked/test_in.py": WS,
            "sub/test_m.py": "import pytest\n@pytest.mark.slow\ndef test_a():\n    pass\n",
            "sub/pytest.ini": "[pytest]\nmarkers = slow\n",
            "sub/conftest.py": "def pytest_configure(config):\n    pass\n",
            ".gitignore": "*.log\n",
        },
    )
    chmod(*(root / name for name in ("test_secret.py", "locked", "sub/pytest.ini", "sub/conftest.py", ".gitignore")))
    errors = [
        "error: .gitignore: Permission denied",
        "error: locked: Permission denied",
        "error: sub/conftest.py: Permission denied",
        "error: sub/pytest.ini: cannot be read (Permission denied)",
        "error: test_secret.py: Permission denied",
    ]
    completed = cli(root, "check", "-q", "--no-cache", **options)
    assert_clean_exit(completed)
    assert completed.returncode == 1
    assert completed.stdout.splitlines() == [
        "sub/test_m.py:2:14: GP201 marker `slow` is not registered in sub/pytest.ini",
        completed.stdout.splitlines()[1],
        *errors,
    ]
    assert completed.stdout.splitlines()[1].startswith(OK_LINE)
    fixed = cli(root, "fix", "-q", "--no-cache", **options)
    assert_clean_exit(fixed)
    assert fixed.stderr == "error: sub/pytest.ini: cannot register markers: Permission denied\n"
    assert fixed.stdout.splitlines() == [completed.stdout.splitlines()[0], *errors]
    assert (root / "test_ok.py").read_text() == FIXED_WS
    markers, imports = cli_each(root, [["markers", "--output-format", "json"], ["imports", "User"]], **options)
    assert_clean_exit(markers, codes=(0,))
    assert markers.stderr.splitlines() == errors
    assert_clean_exit(imports, codes=(0,))
    # `imports` reads the pytest configs too: their `norecursedirs` says which files a run imports.
    assert imports.stderr.splitlines() == errors


def test_unreadable_pyproject_is_a_config_error(tmp_path: Path, unreadable) -> None:
    chmod, options = unreadable
    root = make_tree(tmp_path, {"pyproject.toml": '[tool.goldenpath-audit]\nselect = ["GP1"]\n'})
    chmod(root / "pyproject.toml")
    for completed in cli_each(root, [["check"], ["fix"], ["markers"], ["imports", "User"]], **options):
        assert_clean_exit(completed, codes=(2,))
        assert completed.stderr == (
            f"goldenpath-audit: error: {root / 'pyproject.toml'}: cannot read: Permission denied\n"
        )
    assert (root / "test_ok.py").read_text() == WS


# -- configuration ----------------------------------------------------------------------------

# test_cli.py checks the whole range of config errors in process for `check` and `fix`;
# these are the ones it does not show, through every command that reads the config.
COMMANDS = [["check"], ["markers"], ["imports", "User"]]


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ("this is not toml\n", "pyproject.toml:1:6: invalid TOML: Expected '=' after a key in a key/value pair"),
        ("<?xml version='1.0'?>\n<project/>\n", "pyproject.toml:1:1: invalid TOML: Invalid statement"),
        (
            "[tool]\n".encode("utf-16"),
            "pyproject.toml: cannot read: not UTF-8 (invalid start byte at byte 0)",
        ),
        (
            '[tool.goldenpath-audit]\nselect = "GP1"\n',
            "pyproject.toml:2: 'select' must be a list of rule codes or prefixes, got string 'GP1'",
        ),
        (
            "[tool.goldenpath-audit]\nextra-markers = 'slow'\n",
            "pyproject.toml:2: 'extra-markers' must be a list of marker names, got string 'slow'",
        ),
        (
            '[tool.goldenpath-audit.ssot]\n"app.old.Thing" = "app.new.Thing"\n"not a dotted name" = "app.x"\n',
            "pyproject.toml:3: ssot: 'not a dotted name' is not a dotted import path",
        ),
        (
            '[tool.goldenpath-audit.ssot]\n"app.old" = "app..new"\n',
            "pyproject.toml:2: ssot: 'app.old' points to 'app..new', which is not a dotted import path",
        ),
    ],
    ids=["not-toml", "xml", "utf16", "select-type", "extra-markers-type", "ssot-key", "ssot-value"],
)
def test_config_errors_exit_2_with_one_line_in_every_command(tmp_path: Path, config: str | bytes, error: str) -> None:
    root = make_tree(tmp_path, {"pyproject.toml": config})
    for command, completed in zip(COMMANDS, cli_each(root, COMMANDS)):
        assert_clean_exit(completed, codes=(2,))
        assert (completed.stdout, completed.stderr) == ("", f"goldenpath-audit: error: {root / error}\n"), command


def test_config_option_naming_a_fifo_or_a_directory(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {})
    os.mkfifo(root / "fifo.toml")
    (root / "dir.toml").mkdir()
    cases = [("fifo.toml", ["fix"]), ("fifo.toml", ["markers"]), ("dir.toml", ["check"])]
    runs = cli_each(root, [[*command, "--config", name] for name, command in cases], timeout=60)
    for (name, _), completed in zip(cases, runs):
        assert_clean_exit(completed, codes=(2,))
        assert completed.stderr == f"goldenpath-audit: error: {name}: config file not found\n"


@pytest.mark.parametrize(
    ("files", "error"),
    [
        (
            {"pyproject.toml": "[tool.pytest]\nmarkers = 'slow: slow tests'\n"},
            "error: pyproject.toml: config option 'markers' expects a list for type 'linelist', "
            "got str: 'slow: slow tests'",
        ),
        (
            {"pytest.toml": "[pytest]\nmarkers = 'slow'\n"},
            "error: pytest.toml: config option 'markers' expects a list for type 'linelist', got str: 'slow'",
        ),
        (
            {"pyproject.toml": "[tool.pytest.ini_options]\nmarkers = ['fast', 3]\n"},
            "error: pyproject.toml: config option 'markers' expects a list of strings, got 3",
        ),
        ({"tox.ini": "[pytest]\nmarkers = fast\n[pytest]\n"}, "error: tox.ini: line 3: duplicate section 'pytest'"),
        (
            {"pytest.ini": b"[pytest]\nmarkers = caf\xe9\n"},
            "error: pytest.ini: not valid UTF-8 (invalid continuation byte at byte 22)",
        ),
    ],
    ids=["native-string", "pytest-toml-string", "ini-options-item", "duplicate-section", "not-utf8"],
)
def test_pytest_config_pytest_would_reject_is_named(tmp_path: Path, files: dict[str, str | bytes], error: str) -> None:
    """The audited project's pytest config is input, not our config: an error line, exit 1, the run goes on."""
    root = make_tree(tmp_path, {**files, "test_m.py": "import pytest\n@pytest.mark.slow\ndef test_a():\n    pass\n"})
    completed, markers = cli_each(root, [["check", "-q", "--no-cache"], ["markers"]])
    assert_clean_exit(completed)
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert lines[-1] == error  # the only error line
    assert len(about(completed.stdout, "test_ok.py")) == 1
    (slow,) = about(completed.stdout, "test_m.py")
    assert slow.startswith("test_m.py:2:14: GP201 marker `slow` is not registered in ")
    assert_clean_exit(markers, codes=(0,))
    assert markers.stderr == error + "\n"

