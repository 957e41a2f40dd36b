"""Tests for pytest config discovery and reading, on real temp trees.

The differential tests run the installed pytest in a subprocess on the same trees and
check that `find_pytest_config` picks the same configfile and rootdir.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from goldenpath_audit.auditor.pytest_config import (
    BOTH_TABLES,
    MarkerLine,
    PytestConfig,
    PytestConfigIndex,
    find_pytest_config,
    marker_name,
)

PYTEST_MAJOR = int(pytest.__version__.split(".")[0])


def tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (dedented text, or raw bytes) under root; names ending in "/" are directories."""
    for relative, content in files.items():
        path = root / relative
        if relative.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    # Resolved, so that paths compare equal to the ones pytest prints from its cwd.
    return tmp_path.resolve()


def markers(config: PytestConfig) -> list[tuple[str, int]]:
    return [(m.name, m.line) for m in config.markers]


INI_OPTIONS = """\
[tool.pytest.ini_options]
addopts = "-ra"
"""

# -- differential tests against the installed pytest --------------------------------------

# (id, files, invocations: each a list of args, run from the tree root)
LAYOUTS: list[tuple[str, dict[str, str], list[list[str]]]] = [
    ("pytest.ini", {"pytest.ini": "[pytest]\nmarkers = a\n", "sub/": ""}, [[], ["sub"]]),
    (".pytest.ini", {".pytest.ini": "[pytest]\n", "sub/": ""}, [[], ["sub"]]),
    ("empty pytest.ini", {"pytest.ini": "", "sub/": ""}, [[], ["sub"]]),
    ("pytest.ini without [pytest]", {"pytest.ini": "[other]\nx = 1\n"}, [[]]),
    ("pyproject ini_options", {"pyproject.toml": INI_OPTIONS, "sub/": ""}, [[], ["sub"]]),
    ("pyproject empty ini_options", {"pyproject.toml": "[tool.pytest.ini_options]\n", "sub/": ""}, [["sub"]]),
    ("pyproject native", {"pyproject.toml": '[tool.pytest]\naddopts = ["-ra"]\n', "sub/": ""}, [["sub"]]),
    (
        "pyproject empty native table falls back",
        {"pyproject.toml": "[tool.pytest]\n", "sub/setup.cfg": "[metadata]\nname = x\n"},
        [["sub"]],
    ),
    ("tox.ini", {"tox.ini": "[tox]\n[pytest]\naddopts = -ra\n", "sub/": ""}, [[], ["sub"]]),
    (
        "tox.ini without [pytest] does not match",
        {"setup.cfg": "[tool:pytest]\n", "sub/tox.ini": "[tox]\nenvlist = py311\n"},
        [["sub"]],
    ),
    ("setup.cfg", {"setup.cfg": "[metadata]\nname = x\n[tool:pytest]\naddopts = -ra\n", "sub/": ""}, [["sub"]]),
    (
        "setup.cfg without [tool:pytest] does not match",
        {"pytest.ini": "", "sub/setup.cfg": "[metadata]\nname = x\n"},
        [["sub"]],
    ),
    ("pytest.toml", {"pytest.toml": '[pytest]\nmarkers = ["a"]\n', "sub/": ""}, [[], ["sub"]]),
    ("empty .pytest.toml", {".pytest.toml": "", "sub/": ""}, [["sub"]]),
    (
        "precedence: pytest.ini over pyproject.toml",
        {"pytest.ini": "[pytest]\n", "pyproject.toml": INI_OPTIONS},
        [[]],
    ),
    (
        "precedence: pytest.toml over pytest.ini",
        {"pytest.toml": "[pytest]\n", "pytest.ini": "[pytest]\n", "tox.ini": "[pytest]\n"},
        [[]],
    ),
    (
        "precedence: pyproject.toml over tox.ini and setup.cfg",
        {"pyproject.toml": INI_OPTIONS, "tox.ini": "[pytest]\n", "setup.cfg": "[tool:pytest]\n"},
        [[]],
    ),
    (
        "precedence: table-less pyproject does not block tox.ini",
        {"pyproject.toml": "[project]\nname = 'x'\n", "tox.ini": "[pytest]\n"},
        [[]],
    ),
    (
        "nested configs",
        {"pyproject.toml": INI_OPTIONS, "sub/pytest.ini": "[pytest]\n", "sub/test_a.py": "def test(): pass\n"},
        [[], ["sub"], ["sub/test_a.py"], ["sub", "other"]],
    ),
    (
        "nested empty pytest.ini",
        {"setup.cfg": "[tool:pytest]\n", "sub/deeper/pytest.ini": "", "other/": ""},
        [[], ["sub"], ["sub/deeper"]],
    ),
    (
        "table-less pyproject fallback",
        {"pyproject.toml": "[project]\nname = 'x'\n", "sub/inner/": ""},
        [[], ["sub"], ["sub/inner"]],
    ),
    (
        "the first table-less pyproject seen wins the fallback",
        {"pyproject.toml": "[project]\nname = 'x'\n", "sub/pyproject.toml": "[project]\nname = 'y'\n"},
        [[], ["sub"]],
    ),
    (
        "a table-less pyproject below a real config does not win",
        {"tox.ini": "[pytest]\n", "sub/pyproject.toml": "[project]\nname = 'y'\n"},
        [["sub"]],
    ),
    ("setup.py fallback", {"setup.py": "", "sub/inner/": ""}, [[], ["sub"], ["sub/inner"]]),
    ("no config at all", {"sub/": ""}, [[], ["sub"]]),
    (
        "several args: their common ancestor",
        {"pytest.ini": "", "a/pytest.ini": "", "b/pytest.ini": "", "a/test_x.py": "def test(): pass\n"},
        [["a", "b"], ["a/test_x.py", "a"], ["a/test_x.py"]],
    ),
]


def run_pytest(cwd: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """The real pytest, collection only, isolated from plugins and PYTEST_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_many(jobs: list[tuple[Path, list[str]]]) -> list[subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda job: run_pytest(*job), jobs))


def parse_header(proc: subprocess.CompletedProcess[str]) -> tuple[Path, Path | None, str]:
    """rootdir, configfile and the 'ignoring' warning from pytest's header."""
    rootdir = configfile = None
    warning = ""
    for line in proc.stdout.splitlines():
        if line.startswith("rootdir: "):
            rootdir = Path(line.removeprefix("rootdir: ").strip())
        match = re.match(r"configfile: (\S+)( \(WARNING: (.*)\))?$", line)
        if match:
            configfile = match.group(1)
            warning = match.group(3) or ""
    assert rootdir is not None, f"no header from pytest:\n{proc.stdout}\n{proc.stderr}"
    return rootdir, (rootdir / configfile if configfile else None), warning


@pytest.mark.parametrize(("files", "invocations"), [(f, i) for _, f, i in LAYOUTS], ids=[n for n, _, _ in LAYOUTS])
def test_agrees_with_real_pytest(root: Path, files: dict[str, str], invocations: list[list[str]]) -> None:
    tree(root, files)
    for arg in (arg for args in invocations for arg in args):
        (root / arg).parent.mkdir(parents=True, exist_ok=True)
        if not (root / arg).exists():
            (root / arg).mkdir()
    procs = run_many([(root, args) for args in invocations])
    for args, proc in zip(invocations, procs):
        expected_rootdir, expected_path, warning = parse_header(proc)
        start = Path(os.path.commonpath([str(root / a) for a in args])) if args else root
        ours = find_pytest_config(start, pytest_major=PYTEST_MAJOR)
        rootdir = ours.rootdir
        if ours.path is None and rootdir == start and not (start / "setup.py").is_file():
            # No config and no setup.py: pytest takes the common ancestor of the cwd and
            # the args, which a static call cannot know; find_pytest_config says `start`.
            rootdir = Path(os.path.commonpath([root, start]))
        assert (ours.path, rootdir) == (expected_path, expected_rootdir), f"pytest {args}"
        if warning:
            assert any("ignoring pytest config in" in p for p in ours.problems), ours.problems
        else:
            assert not any("ignoring pytest config in" in p for p in ours.problems), ours.problems


def test_pytest_reports_errors_we_record_as_problems(root: Path) -> None:
    """The exact texts we record are the ones pytest prints."""
    cases = {
        "native": {"pyproject.toml": "[tool.pytest]\nmarkers = 'slowish: x'\n"},
        "both": {"pyproject.toml": "[tool.pytest]\naddopts = ['-ra']\n[tool.pytest.ini_options]\naddopts = '-q'\n"},
        "cfg": {"setup.cfg": "[pytest]\naddopts = -ra\n"},
        "dup": {"tox.ini": "[testenv]\n[testenv]\n[pytest]\n"},
    }
    if PYTEST_MAJOR < 9:
        cases = {"cfg": cases["cfg"], "dup": cases["dup"]}
    projects = [tree(root / name, files) for name, files in cases.items()]
    for project, proc in zip(projects, run_many([(project, []) for project in projects])):
        output = proc.stdout + proc.stderr
        assert proc.returncode not in (0, 5), output
        config = find_pytest_config(project, pytest_major=PYTEST_MAJOR)
        assert config.problems, project.name
        for problem in config.problems:
            # Our text is "<file>: <reason>" (or iniconfig's "<file>:<line>: <reason>"),
            # and pytest prints the reason verbatim.
            reason = problem if re.match(r".+:\d+: ", problem) else problem.split(": ", 1)[1]
            assert reason in output, (problem, output)


# -- discovery rules --------------------------------------------------------------------


def test_walks_upward_and_first_match_wins(root: Path) -> None:
    tree(root, {"tox.ini": "[pytest]\n", "a/b/c/": "", "a/pyproject.toml": INI_OPTIONS})
    config = find_pytest_config(root / "a" / "b" / "c")
    assert config.path == root / "a" / "pyproject.toml"
    assert config.rootdir == root / "a"
    assert config.format == "pyproject-ini-options"
    assert config.section == "tool.pytest.ini_options"


def test_start_may_be_a_file(root: Path) -> None:
    tree(root, {"pytest.ini": "", "tests/test_a.py": ""})
    assert find_pytest_config(root / "tests" / "test_a.py").path == root / "pytest.ini"


def test_formats_and_sections(root: Path) -> None:
    expectations = {
        "pytest.toml": ("[pytest]\n", "pytest.toml", "pytest"),
        ".pytest.toml": ("[pytest]\n", "pytest.toml", "pytest"),
        "pytest.ini": ("[pytest]\n", "ini", "pytest"),
        ".pytest.ini": ("", "ini", None),
        "tox.ini": ("[pytest]\n", "tox.ini", "pytest"),
        "setup.cfg": ("[tool:pytest]\n", "setup.cfg", "tool:pytest"),
    }
    for name, (content, fmt, section) in expectations.items():
        directory = tree(root / name.replace(".", "_"), {name: content})
        config = find_pytest_config(directory)
        assert (config.path, config.format, config.section) == (directory / name, fmt, section), name
    native = tree(root / "native", {"pyproject.toml": "[tool.pytest]\nminversion = '9.0'\n"})
    config = find_pytest_config(native)
    assert (config.format, config.section, config.options) == ("pyproject-native", "tool.pytest", {"minversion": "9.0"})


def test_empty_pytest_toml_matches_but_empty_tool_pytest_does_not(root: Path) -> None:
    tree(root, {"pytest.toml": "", "sub/pyproject.toml": "[tool.pytest]\n", "sub/tox.ini": "[pytest]\n"})
    assert find_pytest_config(root / "sub").path == root / "sub" / "tox.ini"
    config = find_pytest_config(root)
    assert (config.path, config.section, config.options) == (root / "pytest.toml", None, {})


def test_pyproject_fallback_has_empty_options(root: Path) -> None:
    tree(root, {"pyproject.toml": "[project]\nname = 'x'\n[tool.ruff]\nline-length = 100\n", "sub/": ""})
    config = find_pytest_config(root / "sub")
    assert config.path == root / "pyproject.toml"
    assert config.rootdir == root
    assert (config.format, config.section) == ("pyproject-ini-options", None)
    assert (config.markers, config.addopts, config.options, config.problems) == ((), (), {}, ())


def test_setup_py_fallback_and_no_config(root: Path) -> None:
    tree(root, {"proj/setup.py": "", "proj/src/pkg/": "", "bare/tests/": ""})
    config = find_pytest_config(root / "proj" / "src" / "pkg")
    assert (config.path, config.rootdir, config.format, config.section) == (None, root / "proj", "none", None)
    # No config and no setup.py: the start itself. (pytest would take the common
    # ancestor of the cwd and the args here, which a static call cannot know.)
    assert find_pytest_config(root / "bare" / "tests").rootdir == root / "bare" / "tests"


def test_pytest_8_ignores_pytest_toml_and_native_tables(root: Path) -> None:
    tree(
        root,
        {
            "pytest.toml": "[pytest]\n",
            "pyproject.toml": '[project]\nname = "x"\n',
            "sub/pyproject.toml": '[tool.pytest]\nmarkers = ["slow"]\n',
            "sub/tox.ini": "[pytest]\n",
        },
    )
    assert find_pytest_config(root, pytest_major=9).path == root / "pytest.toml"
    assert find_pytest_config(root, pytest_major=8).path == root / "pyproject.toml"
    config = find_pytest_config(root / "sub", pytest_major=8)
    assert config.path == root / "sub" / "tox.ini"
    assert any("pytest 8 ignores [tool.pytest]" in p for p in config.problems)


def test_pytest_8_native_only_pyproject_is_a_fallback_without_markers(root: Path) -> None:
    tree(root, {"pyproject.toml": '[tool.pytest]\nmarkers = ["slow"]\n'})
    config = find_pytest_config(root, pytest_major=8)
    assert (config.path, config.section, config.markers) == (root / "pyproject.toml", None, ())
    assert any("ignores [tool.pytest]" in p for p in config.problems)
    assert markers(find_pytest_config(root, pytest_major=9)) == [("slow", 2)]


def test_pytest_8_reads_ini_options_beside_a_native_table(root: Path) -> None:
    tree(root, {"pyproject.toml": '[tool.pytest]\nminversion = "9"\n[tool.pytest.ini_options]\nmarkers = ["slow"]\n'})
    config = find_pytest_config(root, pytest_major=8)
    assert markers(config) == [("slow", 4)]
    assert not any("Cannot use both" in p for p in config.problems)


def test_ignored_config_in_the_same_directory_is_reported_on_9_only(root: Path) -> None:
    tree(root, {"pytest.ini": "[pytest]\n", "pyproject.toml": INI_OPTIONS, "setup.cfg": "[metadata]\n"})
    nine = find_pytest_config(root)
    assert nine.path == root / "pytest.ini"
    assert nine.problems == (
        (
            f"{root / 'pytest.ini'}: pytest reads only this file and ignores the pytest config in pyproject.toml "
            "(header: 'WARNING: ignoring pytest config in pyproject.toml!')"
        ),
    )
    assert find_pytest_config(root, pytest_major=8).problems == ()


# -- markers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("slow", "slow"),
        ("slow: marks tests as slow", "slow"),
        ("env(name): set an env var", "env"),
        ("timeout(timeout, method=None): x: y", "timeout"),
        ("  spaced  : desc", "spaced"),
        ("weird(: x", "weird"),
        ("a(b:c)", "a"),
    ],
)
def test_marker_name_is_pytests_reduction(line: str, name: str) -> None:
    assert marker_name(line) == name == line.split(":")[0].split("(")[0].strip()


def test_ini_markers_with_continuation_lines(root: Path) -> None:
    tree(
        root,
        {
            "pytest.ini": """\
                [pytest]
                addopts = -ra
                markers = first: on the key line
                    slow: marks tests as slow (deselect with '-m "not slow"')
                    # a comment inside the value

                    env(name): sets an env var
                    ; another comment
                    serial
                minversion = 7.0
                """
        },
    )
    config = find_pytest_config(root)
    assert config.markers == (
        MarkerLine("first", "first: on the key line", 3),
        MarkerLine("slow", "slow: marks tests as slow (deselect with '-m \"not slow\"')", 4),
        MarkerLine("env", "env(name): sets an env var", 7),
        MarkerLine("serial", "serial", 9),
    )
    assert config.options == {"minversion": "7.0"}


def test_ini_markers_in_tox_and_setup_cfg(root: Path) -> None:
    tree(
        root,
        {
            "a/tox.ini": (
                "[tox]\nenvlist = py311\n\n[testenv]\ncommands = pytest\n    markers\n[pytest]\nmarkers =\n  db: x\n"
            ),
            "b/setup.cfg": "[metadata]\nname = x\n[tool:pytest]\nmarkers:\n\tdb: x\n\tnet\n[flake8]\nmarkers = nope\n",
        },
    )
    assert markers(find_pytest_config(root / "a")) == [("db", 9)]
    assert markers(find_pytest_config(root / "b")) == [("db", 5), ("net", 6)]


def test_ini_keeps_key_case_and_has_no_default_section(root: Path) -> None:
    tree(root, {"pytest.ini": "[DEFAULT]\nleak = 1\n[pytest]\nFooBar = 1\nvalue = %(x)s\n"})
    assert find_pytest_config(root).options == {"FooBar": "1", "value": "%(x)s"}


def test_ini_with_utf8_bom(root: Path) -> None:
    tree(root, {"pytest.ini": "\N{BYTE ORDER MARK}[pytest]\nmarkers = a\n"})
    config = find_pytest_config(root)
    assert (markers(config), config.problems) == ([("a", 2)], ())


def test_toml_multiline_array_line_numbers(root: Path) -> None:
    tree(
        root,
        {
            "pyproject.toml": '''\
                [project]
                name = "x"
                dependencies = ["a[b]", 'c#d']

                [ tool . pytest . ini_options ]  # spaced header
                addopts = """
                -ra
                """
                "markers" = [  # quoted key
                    "slow: has ] and # inside",
                    'env(name): literal',   # trailing comment

                    """multi
                line""", "serial",
                    'tricky: "quoted" \\ back',
                ]
                xfail_strict = true
                '''
        },
    )
    config = find_pytest_config(root)
    # A list item is one line to pytest, even with a newline inside: no splitting.
    assert markers(config) == [("slow", 10), ("env", 11), ("multi\nline", 13), ("serial", 14), ("tricky", 15)]
    assert config.addopts == ("-ra",)
    assert config.options == {"xfail_strict": "True"}


def test_toml_markers_as_one_string(root: Path) -> None:
    tree(
        root,
        {
            "pyproject.toml": '''\
                [tool.pytest.ini_options]
                markers = """
                    slow: slow tests

                    serial
                """
                '''
        },
    )
    assert markers(find_pytest_config(root)) == [("slow", 3), ("serial", 5)]
    tree(root / "one", {"pyproject.toml": '[tool.pytest.ini_options]\nmarkers = "a: x\\nb"\n'})
    assert markers(find_pytest_config(root / "one")) == [("a", 2), ("b", 2)]
    tree(root / "same", {"pyproject.toml": '[tool.pytest.ini_options]\nmarkers = """a\nb"""\n'})
    assert markers(find_pytest_config(root / "same")) == [("a", 2), ("b", 3)]


def test_toml_dotted_and_inline_keys(root: Path) -> None:
    tree(
        root,
        {
            "a/pyproject.toml": '[tool]\nblack.line-length = 99\npytest.ini_options.markers = [\n  "x",\n  "y",\n]\n',
            "b/pyproject.toml": '[tool.pytest]\nini_options = { addopts = "-q", markers = [\n"x", "y"] }\n',
            "c/pyproject.toml": 'tool.pytest.markers = ["x"]\n[[tool.other]]\nmarkers = ["no"]\n',
            "d/pytest.toml": '[other]\nmarkers = ["no"]\n[pytest]\nminversion = "9.0"\nmarkers = [\n  "x",\n]\n',
        },
    )
    assert markers(find_pytest_config(root / "a")) == [("x", 4), ("y", 5)]
    config = find_pytest_config(root / "b")
    assert (markers(config), config.addopts) == ([("x", 3), ("y", 3)], ("-q",))
    assert markers(find_pytest_config(root / "c")) == [("x", 1)]
    config = find_pytest_config(root / "d")
    assert (markers(config), config.options) == ([("x", 6)], {"minversion": "9.0"})


def test_native_markers_keep_toml_types_and_raw_text(root: Path) -> None:
    tree(
        root,
        {
            "pyproject.toml": """\
                [tool.pytest]
                strict = true
                timeout = 30
                testpaths = ["tests"]
                addopts = ["-ra", "--strict-markers"]
                markers = [" spaced: kept as written", "db"]
                """
        },
    )
    config = find_pytest_config(root)
    assert config.options == {"strict": True, "timeout": 30, "testpaths": ["tests"]}
    assert config.addopts == ("-ra", "--strict-markers")
    assert config.markers == (MarkerLine("spaced", " spaced: kept as written", 6), MarkerLine("db", "db", 6))
    assert config.problems == ()


# -- addopts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pytest.ini": "[pytest]\naddopts = -ra -m 'not slow' --tb=short\n"}, ("-ra", "-m", "not slow", "--tb=short")),
        ({"pytest.ini": "[pytest]\naddopts =\n    -ra\n    -p no:cacheprovider\n"}, ("-ra", "-p", "no:cacheprovider")),
        ({"pytest.ini": "[pytest]\naddopts = -k 'unbalanced\n"}, ("-k", "'unbalanced")),
        ({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = \"-ra -k 'a or b'\"\n"}, ("-ra", "-k", "a or b")),
        ({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = ['-ra', '-k a or b']\n"}, ("-ra", "-k a or b")),
        ({"pytest.toml": "[pytest]\naddopts = ['-ra', '-m', 'not slow']\n"}, ("-ra", "-m", "not slow")),
    ],
)
def test_addopts(root: Path, files: dict[str, str], expected: tuple[str, ...]) -> None:
    tree(root, files)
    config = find_pytest_config(root)
    assert config.addopts == expected
    assert "addopts" not in config.options and "markers" not in config.options


# -- problems -----------------------------------------------------------------------------


def test_native_markers_as_a_string_is_a_problem(root: Path) -> None:
    tree(root, {"pyproject.toml": "[tool.pytest]\nmarkers = 'slowish: x'\naddopts = '-ra'\n"})
    config = find_pytest_config(root)
    path = root / "pyproject.toml"
    assert config.markers == () and config.addopts == ()
    assert config.problems == (
        f"{path}: config option 'markers' expects a list for type 'linelist', got str: 'slowish: x'",
        f"{path}: config option 'addopts' expects a list for type 'args', got str: '-ra'",
    )


def test_native_markers_with_a_non_string_item(root: Path) -> None:
    tree(root, {"pytest.toml": '[pytest]\nmarkers = ["a", 1]\n'})
    config = find_pytest_config(root)
    assert config.markers == ()
    assert config.problems == (
        f"{root / 'pytest.toml'}: config option 'markers' expects a list of strings, but item at index 1 is int: 1",
    )


def test_both_tables_is_a_problem_and_ini_options_is_used(root: Path) -> None:
    tree(
        root,
        {
            "pyproject.toml": """\
                [tool.pytest]
                markers = ["native"]
                [tool.pytest.ini_options]
                markers = ["ini"]
                """
        },
    )
    config = find_pytest_config(root)
    assert config.problems == (f"{root / 'pyproject.toml'}: {BOTH_TABLES}",)
    assert (config.format, config.section) == ("pyproject-ini-options", "tool.pytest.ini_options")
    assert markers(config) == [("ini", 4)]


def test_setup_cfg_with_plain_pytest_section(root: Path) -> None:
    tree(root, {"setup.cfg": "[pytest]\nmarkers = a\n", "sub/": ""})
    config = find_pytest_config(root / "sub")
    assert config.path == root / "setup.cfg"
    assert (config.format, config.section, markers(config)) == ("setup.cfg", "pytest", [("a", 2)])
    assert config.problems == (
        (
            f"{root / 'setup.cfg'}: [pytest] section in setup.cfg files is no longer supported, "
            "change to [tool:pytest] instead."
        ),
    )
    # With [tool:pytest] present as well, pytest uses it and does not complain.
    tree(root / "both", {"setup.cfg": "[pytest]\nmarkers = a\n[tool:pytest]\nmarkers = b\n"})
    config = find_pytest_config(root / "both")
    assert (markers(config), config.problems) == ([("b", 4)], ())


def test_malformed_files_are_skipped_with_a_problem(root: Path) -> None:
    tree(
        root,
        {
            "pytest.ini": "[pytest]\nmarkers = outer\n",
            "a/pyproject.toml": "[tool.pytest.ini_options\n",
            "a/tox.ini": "no section header\n[pytest]\n",
            "a/setup.cfg": b"[tool:pytest]\nmarkers = \xff\n",
        },
    )
    config = find_pytest_config(root / "a")
    assert config.path == root / "pytest.ini"
    assert markers(config) == [("outer", 2)]
    assert len(config.problems) == 3
    first, second, third = config.problems
    assert first.startswith(f"{root / 'a' / 'pyproject.toml'}: ") and "line 1" in first
    assert second.startswith(f"{root / 'a' / 'tox.ini'}: ") and "no section headers" in second
    assert third.startswith(f"{root / 'a' / 'setup.cfg'}: not valid UTF-8")


def test_malformed_pytest_ini_and_pytest_toml_still_match(root: Path) -> None:
    tree(root, {"pytest.ini": "[pytest]\nthis line has no delimiter\n", "sub/pytest.toml": "[pytest\n"})
    config = find_pytest_config(root)
    assert (config.path, config.format, config.markers) == (root / "pytest.ini", "ini", ())
    assert len(config.problems) == 1 and config.problems[0].startswith(f"{root / 'pytest.ini'}: ")
    config = find_pytest_config(root / "sub")
    assert (config.path, config.format) == (root / "sub" / "pytest.toml", "pytest.toml")
    assert len(config.problems) == 1 and config.problems[0].startswith(f"{root / 'sub' / 'pytest.toml'}: ")


def test_pytest_toml_options_outside_the_table(root: Path) -> None:
    tree(root, {"pytest.toml": 'markers = ["a"]\naddopts = ["-q"]\n[tool.other]\nx = 1\n'})
    config = find_pytest_config(root)
    assert (config.path, config.markers, config.options) == (root / "pytest.toml", (), {})
    assert config.problems == (
        (
            f"{root / 'pytest.toml'}: pytest configuration must be under a [pytest] table "
            "(found top-level options: markers, addopts)"
        ),
    )


def test_duplicate_ini_sections_and_keys(root: Path) -> None:
    tree(root, {"tox.ini": "[testenv]\n[pytest]\nmarkers = a\n[testenv]\n[pytest]\nmarkers = b\n  c\n"})
    config = find_pytest_config(root)
    # configparser(strict=False) merges and keeps the last value; pytest rejects the file.
    assert markers(config) == [("b", 6), ("c", 7)]
    path = root / "tox.ini"
    assert config.problems == (
        f"{path}:4: duplicate section 'testenv'",
        f"{path}:5: duplicate section 'pytest'",
        f"{path}:6: duplicate name 'markers'",
    )


def test_a_malformed_sibling_of_the_winner_is_a_problem(root: Path) -> None:
    # pytest 9 reads the other candidates of the winning directory (to warn about them),
    # so a broken pyproject.toml next to pytest.ini still stops it.
    tree(root, {"pytest.ini": "[pytest]\n", "pyproject.toml": "[tool.pytest\n"})
    config = find_pytest_config(root)
    assert config.path == root / "pytest.ini"
    assert len(config.problems) == 1 and config.problems[0].startswith(f"{root / 'pyproject.toml'}: ")
    assert find_pytest_config(root, pytest_major=8).problems == ()


def test_ini_options_non_string_markers(root: Path) -> None:
    tree(root, {"pyproject.toml": '[tool.pytest.ini_options]\nmarkers = ["a", 2, "b"]\n'})
    config = find_pytest_config(root)
    assert markers(config) == [("a", 2), ("b", 2)]
    assert len(config.problems) == 1 and "expects a list of strings" in config.problems[0]


# -- PytestConfigIndex ----------------------------------------------------------------------


MONOREPO = {
    "services/api/pyproject.toml": '[tool.pytest.ini_options]\nmarkers = ["api"]\n',
    "services/api/tests/test_a.py": "",
    "services/web/pytest.ini": "[pytest]\nmarkers = web\n",
    "services/web/tests/unit/test_b.py": "",
    "services/web/tests/unit/test_c.py": "",
}


def test_index_monorepo_without_root_config(root: Path) -> None:
    tree(root, MONOREPO)
    index = PytestConfigIndex([root / "services"])
    api = index.for_file(root / "services/api/tests/test_a.py")
    web = index.for_file(root / "services/web/tests/unit/test_b.py")
    assert api.path == root / "services/api/pyproject.toml"
    assert web.path == root / "services/web/pytest.ini"
    assert [m.name for m in api.markers] == ["api"] and [m.name for m in web.markers] == ["web"]
    assert index.for_file(root / "services/web/tests/unit/test_c.py") is web
    assert index.for_file(root / "services/web/tests/unit") is web  # a directory is its own directory
    assert index.for_file(root / "services/api/tests/test_a.py") is api
    assert index.roots() == [api, web]


def test_index_root_config_governs_everything(root: Path) -> None:
    tree(root, {**MONOREPO, "pytest.ini": "[pytest]\nmarkers = everything\n"})
    index = PytestConfigIndex([root / "services/api", root / "services/web/tests/unit/test_b.py"])
    api = index.for_file(root / "services/api/tests/test_a.py")
    web = index.for_file(root / "services/web/tests/unit/test_b.py")
    assert api is web
    assert api.path == root / "pytest.ini"
    assert index.roots() == [api]


def test_index_checked_path_inside_a_subproject(root: Path) -> None:
    tree(root, {**MONOREPO, "pytest.ini": "[pytest]\n"})
    # Checking only services/web: pytest run on it picks services/web/pytest.ini.
    index = PytestConfigIndex([root / "services/web/tests/unit/test_b.py", root / "services/web/tests/unit/test_c.py"])
    web = index.for_file(root / "services/web/tests/unit/test_c.py")
    assert web.path == root / "services/web/pytest.ini"
    # A file outside the checked paths gets its own config.
    assert index.for_file(root / "services/api/tests/test_a.py").path == root / "services/api/pyproject.toml"
    assert len(index.roots()) == 2


def test_index_table_less_root_pyproject_governs_everything(root: Path) -> None:
    # What pytest does when run from the root: the 8.1+ fallback makes the root
    # pyproject.toml the configfile, and the sub-projects' configs are ignored.
    tree(root, {**MONOREPO, "pyproject.toml": "[tool.ruff]\nline-length = 100\n"})
    index = PytestConfigIndex([root])
    config = index.for_file(root / "services/web/tests/unit/test_b.py")
    assert (config.path, config.section, config.markers) == (root / "pyproject.toml", None, ())


def test_index_setup_py_only_root_falls_back_per_file(root: Path) -> None:
    tree(root, {**MONOREPO, "setup.py": ""})
    index = PytestConfigIndex([root])
    assert index.for_file(root / "services/web/tests/unit/test_b.py").path == root / "services/web/pytest.ini"
    assert index.for_file(root / "setup.py").rootdir == root


def test_index_without_paths_uses_the_cwd(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(root, {"pytest.ini": "", "tests/test_a.py": ""})
    monkeypatch.chdir(root)
    index = PytestConfigIndex([])
    assert index.for_file(root / "tests/test_a.py").path == root / "pytest.ini"


def test_configs_are_hashable(root: Path) -> None:
    tree(root, {"pytest.toml": "[pytest]\nminversion = '9.0'\n"})
    config = find_pytest_config(root)
    assert {config: 1}[config] == 1


def test_ini_multiline_values_read_as_pytest_reads_them(root: Path) -> None:
    tree(root, {"pytest.ini": "[pytest]\ntestpaths =\n    tests\n\n    integration\nfilterwarnings = error\n"})
    assert find_pytest_config(root).options == {"testpaths": "tests\nintegration", "filterwarnings": "error"}
