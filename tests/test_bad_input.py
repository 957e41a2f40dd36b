"""Bad input: one finding or one error line per file, the run goes on, never a traceback.

A file is only parsed when it contains a token an enabled rule needs (GP101's
is `extra_headers`), so every file here that must be parsed contains it.
Cases that once crashed the interpreter itself run in a subprocess, so a
regression fails one test instead of killing the test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import assert_clean_exit, cli, locations
from goldenpath_audit.auditor.config import load_settings
from goldenpath_audit.auditor.findings import CheckResult
from goldenpath_audit.auditor.runner import Runner

WS = "import websockets\nwebsockets.connect(u, extra_headers=h)\n"
OK = ("test_ok.py", 2, 23, "GP101")
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
OLD_PYTHON = pytest.mark.skipif(sys.version_info >= (3, 12), reason="the syntax is valid on Python 3.12+")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "test_ok.py").write_text(WS)
    return tmp_path


def check(root: Path, files: dict[str, bytes | str], *paths: str) -> CheckResult:
    """Write `files` beside test_ok.py and check the tree (or `paths`) with GP0 and GP1 rules."""
    for name, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    targets = [root / path for path in paths] or [root]
    return Runner(load_settings(root), root, select=["GP0", "GP1"]).check(targets)


def errors(result: CheckResult) -> list[tuple[str, str]]:
    return [(error.path, error.message) for error in result.errors]


# -- syntax errors: GP001 at the exact position ---------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        ("extra_headers = 1\ndef f(:\n    pass\n", 2, 7, "syntax error: invalid syntax"),
        (
            "extra_headers = 1\nif x:\npass\n",
            3,
            1,
            "syntax error: expected an indented block after 'if' statement on line 2",
        ),
        ("extra_headers = (1,\n", 1, 17, "syntax error: '(' was never closed"),
        ("extra_headers = 'abc\n", 1, 17, "syntax error: unterminated string literal (detected at line 1)"),
        ("extra_headers = 'é€'; def\n", 1, 23, "syntax error: invalid syntax"),  # characters, not bytes
        ("x = 1\n\n\n    extra_headers = 2\n", 4, 4, "syntax error: unexpected indent"),  # as CPython says
    ],
    ids=["invalid", "indent", "unclosed", "unterminated", "non-ascii-column", "unexpected-indent"],
)
def test_syntax_error_is_gp001_at_its_position(root: Path, source: str, line: int, column: int, message: str) -> None:
    result = check(root, {"test_bad.py": source})
    assert locations(result) == [("test_bad.py", line, column, "GP001"), OK]
    assert result.findings[0].message == message
    assert result.errors == []


def test_a_syntax_error_in_a_file_nothing_imports_is_not_reported(root: Path) -> None:
    """black keeps formatter inputs with deliberate syntax errors in tests/data/: pytest never imports them."""
    bad = "extra_headers = 1\ndef f(:\n    pass\n"
    result = check(root, {"tests/data/cases/bad.py": bad, "tests/pkg/__init__.py": "", "tests/pkg/bad.py": bad})
    assert locations(result) == [OK, ("tests/pkg/bad.py", 2, 7, "GP001")]


def test_files_under_the_configs_norecursedirs_are_not_judged(root: Path) -> None:
    """jedi: `norecursedirs = test/completion` keeps broken inputs out of the run (pytest agrees: collects 0 errors)."""
    bad = "extra_headers = 1\ndef f(:\n    pass\n"
    files = {
        "pytest.ini": "[pytest]\nnorecursedirs = .* test/completion data\n",
        "test/__init__.py": "",
        "test/completion/__init__.py": "",
        "test/completion/arrays.py": bad,
        "test/unit/data/__init__.py": "",
        "test/unit/data/bad.py": bad,
        "test/pkg/__init__.py": "",
        "test/pkg/bad.py": bad,
    }
    assert locations(check(root, files)) == [("test/pkg/bad.py", 2, 7, "GP001"), OK]


def test_syntax_errors_through_the_cli(root: Path) -> None:
    (root / "test_bad.py").write_text("extra_headers = 1\ndef f(:\n    pass\n")
    completed = cli(root, "check", "-q", "--select", "GP0,GP1")
    assert_clean_exit(completed)
    assert completed.returncode == 1
    assert completed.stdout.splitlines()[0] == "test_bad.py:2:7: GP001 syntax error: invalid syntax"
    assert completed.stdout.splitlines()[1].startswith("test_ok.py:2:23: GP101 ")


def test_gp001_can_be_deselected(root: Path) -> None:
    (root / "test_bad.py").write_text("extra_headers = 1\ndef f(:\n")
    result = Runner(load_settings(root), root, select=["GP101"]).check([root])
    assert locations(result) == [OK]


@OLD_PYTHON
@pytest.mark.parametrize(
    ("source", "line", "column", "error"),
    [
        ("extra_headers = f'{'nested'}'\n", 1, 21, "f-string: expecting '}'"),
        ("extra_headers = 1\ntype Headers = dict[str, str]\n", 2, 6, "invalid syntax"),
        ("def first[T](items: list[T]) -> T:\n    return items[0]\nextra_headers = 1\n", 1, 10, "expected '('"),
    ],
    ids=["pep701-fstring", "pep695-type-alias", "pep695-type-params"],
)
def test_newer_grammar_is_named(root: Path, source: str, line: int, column: int, error: str) -> None:
    result = check(root, {"test_new.py": source})
    assert locations(result) == [("test_new.py", line, column, "GP001"), OK]
    assert result.findings[0].message == (
        f"Python {RUNNING} cannot parse this file ({error}), but a newer Python grammar accepts it: "
        "run goldenpath-audit with a newer Python to check it"
    )


@OLD_PYTHON
@pytest.mark.parametrize(
    ("metadata", "where"),
    [
        ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.12"\n'}, "pyproject.toml"),
        ({"setup.cfg": "[options]\npython_requires = >=3.12\n"}, "setup.cfg"),
        ({"setup.py": "setup(name='x', python_requires='>=3.12')\n"}, "setup.py"),
    ],
    ids=["pyproject", "setup.cfg", "setup.py"],
)
def test_newer_grammar_in_a_project_that_requires_that_python_is_not_a_finding(
    root: Path, metadata: dict[str, str], where: str
) -> None:
    """numpy requires 3.12 and uses PEP 695 syntax: under 3.11 that is our limit, not its syntax error."""
    result = check(root, {**metadata, "test_new.py": "extra_headers = 1\ntype Headers = dict[str, str]\n"})
    assert locations(result) == [OK]
    assert [(e.path, e.message) for e in result.errors] == [
        (
            "test_new.py",
            f"written for a newer Python than {'.'.join(map(str, sys.version_info[:3]))}, as the project allows "
            f"(>=3.12 in {where}): run goldenpath-audit with Python >=3.12 to check it",
        )
    ]


@OLD_PYTHON
def test_newer_grammar_in_a_project_that_supports_the_running_python_is_gp001(root: Path) -> None:
    files = {"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.9"\n'}
    result = check(root, {**files, "test_new.py": "extra_headers = 1\ntype Headers = dict[str, str]\n"})
    assert locations(result) == [("test_new.py", 2, 6, "GP001"), OK]
    assert result.errors == []


def test_a_real_error_in_new_syntax_is_a_plain_syntax_error(root: Path) -> None:
    result = check(root, {"test_new.py": "extra_headers = f'{'nested'}'\ndef f(:\n"})
    (finding,) = [f for f in result.findings if f.code == "GP001"]
    assert finding.message.startswith("syntax error: ")


# -- bytes that are not Python source ---------------------------------------------------


def test_null_bytes_are_gp001_at_the_null_byte(root: Path) -> None:
    result = check(root, {"test_null.py": "extra_headers = 1\nx = 'a\x00b'\n"})
    assert locations(result) == [("test_null.py", 2, 7, "GP001"), OK]
    assert result.findings[0].message == (
        "syntax error: source code string cannot contain null bytes (a null byte at 2:7)"
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            b"extra_headers = '\xff'\n",
            "cannot decode as utf-8: byte 0xff at line 1, offset 18 (invalid start byte), "
            "and there is no PEP 263 encoding declaration",
        ),
        (
            b"extra_headers = 1\n# caf\xc3\xa9\n\nx = '\xe9'\n",
            "cannot decode as utf-8: byte 0xe9 at line 4, offset 6 (invalid continuation byte)",
        ),
        (b"# coding: no-such-codec\nextra_headers = 1\n", "unknown encoding: no-such-codec"),
        (
            b"# coding: ascii\nextra_headers = '\xe9'\n",
            "cannot decode as ascii: byte 0xe9 at line 2, offset 18 (ordinal not in range(128))",
        ),
        (
            b"\xef\xbb\xbf# coding: latin-1\nextra_headers = 1\n",
            "a UTF-8 byte order mark contradicts the file's PEP 263 encoding declaration",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00extra_headers\xff\xfe",
            "cannot decode as utf-8: byte 0x89 at line 1, offset 1 (invalid start byte), "
            "and there is no PEP 263 encoding declaration",
        ),
    ],
    ids=["invalid-utf8", "invalid-utf8-late", "unknown-cookie", "wrong-cookie", "bom-and-cookie", "binary"],
)
def test_undecodable_files_are_one_line_errors(root: Path, raw: bytes, reason: str) -> None:
    result = check(root, {"test_enc.py": raw})
    assert errors(result) == [("test_enc.py", reason)]
    assert locations(result) == [OK]


def test_latin1_with_cookie_is_read_as_latin1(root: Path) -> None:
    raw = "# -*- coding: latin-1 -*-\nimport websockets\nwebsockets.connect('é', extra_headers=h)\n".encode("latin-1")
    result = check(root, {"test_latin.py": raw})
    assert locations(result) == [("test_latin.py", 3, 25, "GP101"), OK]
    assert result.errors == []


def test_undecodable_files_through_the_cli(root: Path) -> None:
    (root / "test_enc.py").write_bytes(b"extra_headers = '\xff'\n")
    (root / "test_cookie.py").write_bytes(b"# coding: no-such-codec\nextra_headers = 1\n")
    completed = cli(root, "check", "-q")
    assert_clean_exit(completed)
    assert completed.stdout.splitlines()[1:] == [
        "error: test_cookie.py: unknown encoding: no-such-codec",
        "error: test_enc.py: cannot decode as utf-8: byte 0xff at line 1, offset 18 (invalid start byte), "
        "and there is no PEP 263 encoding declaration",
    ]


# -- files that cannot be read ----------------------------------------------------------


def test_unreadable_file_is_an_error_and_the_run_continues(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, permissions do not apply: simulate EACCES on one file."""
    (root / "test_secret.py").write_text(WS)
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "test_secret.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = check(root, {})
    assert errors(result) == [("test_secret.py", "Permission denied")]
    assert locations(result) == [OK]


def test_special_paths_named_explicitly(root: Path) -> None:
    (root / "test_dir.py").mkdir()  # a directory with a .py name: walked, not read
    (root / "test_dir.py" / "test_inner.py").write_text(WS)
    os.mkfifo(root / "test_fifo.py")  # reading it would block forever
    (root / "test_dangling.py").symlink_to(root / "missing.py")
    (root / "test_loop.py").symlink_to("test_loop.py")
    completed = cli(
        root, "check", "-q", "test_fifo.py", "test_dir.py", "test_dangling.py", "test_loop.py", "nope.py", ".",
        timeout=60,
    )
    assert_clean_exit(completed)
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert [line.split(" GP101 ")[0] for line in lines if " GP101 " in line] == [
        "test_dir.py/test_inner.py:2:23:",
        "test_ok.py:2:23:",
    ]
    assert [line for line in lines if line.startswith("error: ")] == [
        "error: nope.py: No such file or directory",
        "error: test_dangling.py: No such file or directory",
        "error: test_fifo.py: Not a regular file",
        "error: test_loop.py: Too many levels of symbolic links",
    ]


# -- pathological input -------------------------------------------------------------------


def test_deep_nesting_in_process(root: Path) -> None:
    result = check(
        root,
        {
            "test_parens.py": "extra_headers = " + "(" * 20000 + "1" + ")" * 20000 + "\n",
            "test_unary.py": "extra_headers = " + "-" * 20000 + "1\n",
            "test_binop.py": "extra_headers = " + "1 + " * 20000 + "1\n",
        },
    )
    assert locations(result) == [OK, ("test_parens.py", 1, 217, "GP001")]
    assert result.findings[1].message == "syntax error: too many nested parentheses"
    assert errors(result) == [
        ("test_binop.py", "too deeply nested to analyse"),
        ("test_unary.py", "too deeply nested to analyse"),
    ]


DEEP = {
    "parens": "extra_headers = " + "(" * 20000 + "1" + ")" * 20000 + "\n",
    "brackets": "extra_headers = " + "[" * 20000 + "]" * 20000 + "\n",
    "unary": "extra_headers = " + "-" * 20000 + "1\n",
    "lambda": "extra_headers = " + "lambda: " * 20000 + "1\n",
    "conditional": "extra_headers = " + "1 if x else " * 20000 + "1\n",
    "subscripts": "extra_headers = a" + "[0]" * 20000 + "\n",
    "calls": "extra_headers = a" + ".b()" * 20000 + "\n",
    "attributes": "extra_headers = a" + ".b" * 20000 + "\n",
    "binary-ops": "extra_headers = " + "1 + " * 20000 + "1\n",
    "right-assoc-power": "extra_headers = " + "2 ** " * 20000 + "2\n",
    "dicts": "extra_headers = " + "{1: " * 20000 + "1" + "}" * 20000 + "\n",
    "not": "extra_headers = " + "not " * 20000 + "x\n",
    "multiline-binops": "extra_headers = (\n" + "1 +\n" * 20000 + "1)\n",
    "elif-chain": "extra_headers = 1\nif a:\n    pass\n" + "elif a:\n    pass\n" * 20000,
    "indentation": "extra_headers = 1\n" + "".join(" " * level + "if x:\n" for level in range(200)) + " " * 200 + "pass\n",
    # A newer-grammar file makes the checker ask libcst, whose native parser
    # used to overflow its stack (SIGSEGV) or eat gigabytes on these.
    "new-grammar-unary": "extra_headers = f'{'nested'}'\nx = " + "-" * 20000 + "1\n",
    "new-grammar-multiline": "extra_headers = f'{'nested'}'\nx = (\n" + "-\n" * 20000 + "1)\n",
    "new-grammar-conditional": "extra_headers = f'{'nested'}'\nx = " + "1 if y else " * 3000 + "1\n",
    "new-grammar-subscripts": "extra_headers = f'{'nested'}'\nx = a" + "[0]" * 5000 + "\n",
    "new-grammar-trailers": "extra_headers = f'{'nested'}'\nx = a" + ".b()[0]" * 2000 + "\n",
    "syntax-error-then-unary": "def f(:\nextra_headers = " + "-" * 20000 + "1\n",
    # Python's tokenize gives up on this one (EOF in a string) before the deep
    # line, so the cruder character measure has to catch it.
    "new-grammar-untokenizable": "extra_headers = f'{'nested'}'\ns = '''\nx = " + "-" * 20000 + "1\n",
}


def test_deep_nesting_never_crashes_the_process(root: Path) -> None:
    """One subprocess checks every file; if it dies, each file is run alone to name the culprit."""
    names = {f"test_deep_{index}.py": name for index, name in enumerate(DEEP)}
    for file_name, name in names.items():
        (root / file_name).write_text(DEEP[name])
    completed = cli(root, "check", "-q", "--select", "GP0,GP1", timeout=120)
    if completed.returncode not in (0, 1):
        crashing = [
            name
            for file_name, name in names.items()
            if cli(root, "check", "-q", file_name, timeout=60).returncode not in (0, 1)
        ]
        pytest.fail(f"exit {completed.returncode} (a crash); the process dies on: {crashing}")
    assert_clean_exit(completed)
    lines = completed.stdout.splitlines()
    assert "test_ok.py:2:23: GP101" in completed.stdout
    for file_name, name in names.items():
        about = [line for line in lines if line.startswith((f"{file_name}:", f"error: {file_name}:"))]
        assert len(about) == 1, (name, about)


def test_fix_leaves_deeply_nested_files_alone(root: Path) -> None:
    for index, source in enumerate(DEEP.values()):
        (root / f"test_deep_{index}.py").write_text(source)
    completed = cli(root, "fix", "--select", "GP0,GP1", timeout=120)
    assert_clean_exit(completed)
    assert [(root / f"test_deep_{index}.py").read_text() for index in range(len(DEEP))] == list(DEEP.values())
    assert (root / "test_ok.py").read_text() == WS.replace("extra_headers", "additional_headers")


def test_nested_but_valid_code_is_still_fixed(root: Path) -> None:
    source = "import websockets\nwebsockets.connect(u, extra_headers=" + "(" * 150 + "h" + ")" * 150 + ")\n"
    (root / "test_a.py").write_text(source)
    completed = cli(root, "fix", "test_a.py", timeout=60)
    assert_clean_exit(completed)
    assert completed.returncode == 0
    assert (root / "test_a.py").read_text() == source.replace("extra_headers", "additional_headers")


def test_empty_and_token_only_files(root: Path) -> None:
    result = check(
        root,
        {
            "test_empty.py": b"",
            "test_blank.py": b"\n\n   \n",
            "test_comment.py": b"# extra_headers is mentioned here only\n",
            "test_bom_only.py": b"\xef\xbb\xbf",
        },
    )
    assert locations(result) == [OK]
    assert result.errors == []


def payload(executed: Path, name: str) -> str:
    """Code that leaves `executed/name` behind and kills the process, wherever it runs."""
    return f"import os\nopen({str(executed / name)!r}, 'w').close()\nos._exit(3)\n"


def test_the_audited_code_is_never_executed(tmp_path: Path) -> None:
    """Every file Python or pytest would run, and every module `python -m` could pick up from the cwd."""
    executed = tmp_path / "executed"
    executed.mkdir()
    root = tmp_path / "project"
    files = {
        ".git/HEAD": "",
        "conftest.py": payload(executed, "conftest")
        + "pytest_plugins = ['plugin']\ndef pytest_configure(config):\n    config.addinivalue_line('markers', 'x')\n",
        "tests/conftest.py": payload(executed, "tests-conftest"),
        "__init__.py": payload(executed, "init"),
        "tests/__init__.py": payload(executed, "tests-init"),
        "setup.py": payload(executed, "setup"),
        "plugin.py": payload(executed, "plugin"),
        "backend.py": payload(executed, "backend"),
        "app/__init__.py": payload(executed, "app"),
        "app/models.py": payload(executed, "models") + "class User:\n    pass\n",
        "tests/test_a.py": payload(executed, "test-module")
        + WS
        + "import pytest\nfrom app.models import User\n@pytest.mark.unknown\ndef test_a():\n    pass\n",
        "pyproject.toml": (
            '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n\n'
            '[tool.pytest.ini_options]\naddopts = "-p plugin"\nmarkers = ["known: a marker"]\n'
        ),
        "sitecustomize.py": payload(executed, "sitecustomize"),
        "usercustomize.py": payload(executed, "usercustomize"),
        "evil.pth": f"import os; open({str(executed / 'pth')!r}, 'w').close(); os._exit(3)\n",
    }
    # `python -m` puts the cwd first on sys.path: a project module named like one the tool imports.
    for module in ("typing", "typer", "rich", "libcst", "tomlkit", "pathspec", "packaging", "click", "ast", "json"):
        files[f"{module}.py"] = payload(executed, f"shadow-{module}")
    for relative, content in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(content)
    console_script = Path(sys.executable).with_name("goldenpath-audit")
    commands = [
        ["check"],
        ["check", "tests/test_a.py"],
        ["fix", "--diff"],
        ["fix", "--unsafe-fixes"],
        ["markers"],
        ["imports", "User"],
        ["clean"],
    ]
    for command in commands:
        assert_clean_exit(cli(root, *command))
        assert sorted(path.name for path in executed.iterdir()) == [], command
        if console_script.exists() and command[0] in ("check", "markers"):  # no cwd on its sys.path
            completed = subprocess.run([console_script, *command], cwd=root, capture_output=True, text=True, timeout=120)
            assert_clean_exit(completed)
            assert sorted(path.name for path in executed.iterdir()) == [], ("console script", command)
    # And the payloads do work when run: the test would see them.
    subprocess.run([sys.executable, str(root / "setup.py")], timeout=60)
    assert [path.name for path in executed.iterdir()] == ["setup"]
