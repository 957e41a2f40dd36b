"""Registering markers in pytest config files: exact bytes for every layout, and pytest itself as the oracle."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from goldenpath_audit.codemods.marker_config import (
    MarkerConfigError,
    marker_line,
    marker_name,
    register_markers,
    register_markers_text,
)

FAST = [("fast", "quick tests")]
TWO = [("fast", "quick tests"), ("net", "needs the network")]


def edit(kind: str, before: str | bytes | None, entries=FAST) -> str:
    """register + check idempotence; the new text (decoded)."""
    data = before.encode("utf-8") if isinstance(before, str) else before
    out = register_markers_text(data, kind, entries)
    assert out is not None, "expected a change"
    assert register_markers_text(out, kind, entries) is None, "second call must be a no-op"
    return out.decode("utf-8")


# --- entries -------------------------------------------------------------------


def test_marker_name_is_pytests_split() -> None:
    assert marker_name("slow: marks tests") == "slow"
    assert marker_name(" env(name): needs env ") == "env"
    assert marker_name("serial") == "serial"


def test_marker_line_flattens_descriptions_to_one_line() -> None:
    assert marker_line("slow", "line one\nline two\r\n  three\u2028four") == "slow: line one line two three four"
    assert marker_line("slow", "") == "slow"
    assert marker_line("slow", "  \n ") == "slow"
    assert marker_line("env(name)", "needs env") == "env(name): needs env"


@pytest.mark.parametrize("name", ["", "a b", "a:b", "1abc", "a\nb", "x(y:z)"])
def test_invalid_marker_names_are_refused(name: str) -> None:
    with pytest.raises(MarkerConfigError):
        register_markers_text(b"", "ini", [(name, "d")])


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        register_markers_text(b"", "pytest.cfg", FAST)


def test_duplicate_entries_are_written_once() -> None:
    out = edit("ini", None, [("fast", "first"), ("fast", "second"), ("fast(x)", "third")])
    assert out == "[pytest]\nmarkers =\n    fast: first\n"


def test_already_registered_names_are_skipped() -> None:
    before = "[pytest]\nmarkers =\n    fast(x): already\n    serial\n"
    assert register_markers_text(before.encode(), "ini", [("fast", "x"), ("serial", "y")]) is None
    out = edit("ini", before, [("fast", "x"), ("net", "n")])
    assert out == "[pytest]\nmarkers =\n    fast(x): already\n    serial\n    net: n\n"


def test_register_markers_reads_the_path(tmp_path: Path) -> None:
    path = tmp_path / "pytest.ini"
    assert register_markers(path, "ini", FAST) == b"[pytest]\nmarkers =\n    fast: quick tests\n"
    assert not path.exists()  # the caller writes
    path.write_bytes(b"[pytest]\nmarkers =\n    fast: quick tests\n")
    assert register_markers(path, "ini", FAST) is None


# --- TOML arrays ------------------------------------------------------------------


def test_multiline_array_with_trailing_comma() -> None:
    before = '[tool.pytest.ini_options]\nmarkers = [\n    "slow: slow tests",\n]\naddopts = "-q"\n'
    assert edit("pyproject-ini-options", before, TWO) == (
        "[tool.pytest.ini_options]\n"
        "markers = [\n"
        '    "slow: slow tests",\n'
        '    "fast: quick tests",\n'
        '    "net: needs the network",\n'
        "]\n"
        'addopts = "-q"\n'
    )


def test_multiline_array_without_trailing_comma() -> None:
    before = '[pytest]\nmarkers = [\n  "slow: slow tests",\n  "serial"\n]\n'
    assert edit("pytest.toml", before, TWO) == (
        "[pytest]\nmarkers = [\n"
        '  "slow: slow tests",\n'
        '  "serial",\n'
        '  "fast: quick tests",\n'
        '  "net: needs the network"\n'
        "]\n"
    )


def test_multiline_array_with_comments_between_items() -> None:
    before = (
        "[pytest]\n"
        "markers = [  # registered markers\n"
        '    "slow: slow tests",  # nightly only\n'
        '    # "old: retired",\n'
        '    "serial"  # one worker\n'
        "    # trailing note\n"
        "]\n"
    )
    assert edit("pytest.toml", before) == (
        "[pytest]\n"
        "markers = [  # registered markers\n"
        '    "slow: slow tests",  # nightly only\n'
        '    # "old: retired",\n'
        '    "serial",  # one worker\n'
        '    "fast: quick tests"\n'
        "    # trailing note\n"
        "]\n"
    )


def test_multiline_array_comment_after_trailing_comma_and_tabs() -> None:
    before = '[pytest]\nmarkers = [\n\t"a", "b",\n\t"slow",  # c\n]'
    assert edit("pytest.toml", before) == '[pytest]\nmarkers = [\n\t"a", "b",\n\t"slow",  # c\n\t"fast: quick tests",\n]'


def test_hanging_array_keeps_its_alignment() -> None:
    before = '[pytest]\nmarkers = ["slow",\n           "serial"]  # end\n'
    assert edit("pytest.toml", before) == (
        '[pytest]\nmarkers = ["slow",\n           "serial",\n           "fast: quick tests"]  # end\n'
    )


def test_single_line_array_stays_single_line() -> None:
    before = '[tool.pytest]\nmarkers = ["slow: slow tests", "serial"]  # keep me\nstrict = true\n'
    assert edit("pyproject-native", before, TWO) == (
        '[tool.pytest]\nmarkers = ["slow: slow tests", "serial", "fast: quick tests", "net: needs the network"]'
        "  # keep me\nstrict = true\n"
    )


def test_single_line_literal_array_gets_literal_strings() -> None:
    before = "[pytest]\nmarkers = ['slow', 'serial']\n"
    assert edit("pytest.toml", before) == "[pytest]\nmarkers = ['slow', 'serial', 'fast: quick tests']\n"


def test_empty_arrays() -> None:
    assert edit("pytest.toml", "[pytest]\nmarkers = []\n", TWO) == (
        '[pytest]\nmarkers = ["fast: quick tests", "net: needs the network"]\n'
    )
    assert edit("pytest.toml", "[pytest]\nmarkers = [\n    # none yet\n]\n") == (
        '[pytest]\nmarkers = [\n    # none yet\n    "fast: quick tests",\n]\n'
    )


def test_descriptions_are_escaped_by_toml_rules() -> None:
    out = edit("pytest.toml", "[pytest]\nmarkers = [\n    'slow',\n]\n", [("odd", 'has "quotes" \\ and \'apostrophe\'')])
    assert out == "[pytest]\nmarkers = [\n    'slow',\n    \"odd: has \\\"quotes\\\" \\\\ and 'apostrophe'\",\n]\n"


def test_crlf_toml_stays_crlf() -> None:
    before = '[pytest]\r\nmarkers = [\r\n    "slow"\r\n]\r\nx = 1\r\n'
    assert edit("pytest.toml", before) == '[pytest]\r\nmarkers = [\r\n    "slow",\r\n    "fast: quick tests"\r\n]\r\nx = 1\r\n'


def test_bom_toml_keeps_its_bom() -> None:
    before = '\ufeff[pytest]\nmarkers = ["slow"]\n'.encode()
    out = register_markers_text(before, "pytest.toml", FAST)
    assert out == '\ufeff[pytest]\nmarkers = ["slow", "fast: quick tests"]\n'.encode()


# --- TOML strings (ini_options only) --------------------------------------------------


def test_ini_options_multiline_string_closing_on_its_own_line() -> None:
    before = '[tool.pytest.ini_options]\nmarkers = """\n    slow: slow tests\n    serial\n    """\n'
    assert edit("pyproject-ini-options", before, [("odd", 'say "hi" \\o/')]) == (
        "[tool.pytest.ini_options]\n"
        'markers = """\n    slow: slow tests\n    serial\n    odd: say \\"hi\\" \\\\o/\n    """\n'
    )


def test_ini_options_multiline_string_closing_after_text() -> None:
    before = "[tool.pytest.ini_options]\nmarkers = '''slow: slow tests\nserial'''\n"
    assert edit("pyproject-ini-options", before) == (
        "[tool.pytest.ini_options]\nmarkers = '''slow: slow tests\nserial\nfast: quick tests'''\n"
    )


def test_ini_options_one_line_strings() -> None:
    assert edit("pyproject-ini-options", '[tool.pytest.ini_options]\nmarkers = "slow"\n') == (
        '[tool.pytest.ini_options]\nmarkers = "slow\\nfast: quick tests"\n'
    )
    assert edit("pyproject-ini-options", "[tool.pytest.ini_options]\nmarkers = 'slow'\n") == (
        "[tool.pytest.ini_options]\nmarkers = '''slow\nfast: quick tests'''\n"
    )


def test_native_markers_must_be_a_list() -> None:
    with pytest.raises(MarkerConfigError, match="list of strings"):
        register_markers_text(b'[pytest]\nmarkers = "slow"\n', "pytest.toml", FAST)


# --- TOML: missing key, missing table --------------------------------------------------


def test_table_without_markers_gets_the_key_after_its_last_key() -> None:
    before = (
        "[project]\n"
        'name = "demo"\n'
        "\n"
        "[tool.pytest.ini_options]  # pytest\n"
        "testpaths = ['tests']\n"
        'addopts = "-ra"  # verbose\n'
        "\n"
        "# formatting\n"
        "[tool.black]\n"
        "line-length = 100\n"
    )
    assert edit("pyproject-ini-options", before, TWO) == (
        "[project]\n"
        'name = "demo"\n'
        "\n"
        "[tool.pytest.ini_options]  # pytest\n"
        "testpaths = ['tests']\n"
        'addopts = "-ra"  # verbose\n'
        "markers = [\n"
        '    "fast: quick tests",\n'
        '    "net: needs the network",\n'
        "]\n"
        "\n"
        "# formatting\n"
        "[tool.black]\n"
        "line-length = 100\n"
    )


def test_empty_table_and_indented_keys() -> None:
    assert edit("pyproject-native", '[tool.pytest]\n\n[tool.ruff]\n') == (
        '[tool.pytest]\nmarkers = [\n    "fast: quick tests",\n]\n\n[tool.ruff]\n'
    )
    assert edit("pytest.toml", '[pytest]\n  addopts = ["-q"]\n') == (
        '[pytest]\n  addopts = ["-q"]\n  markers = [\n      "fast: quick tests",\n  ]\n'
    )


def test_key_before_sub_tables_and_without_final_newline() -> None:
    assert edit("pytest.toml", '[pytest]\naddopts = ["-q"]\n[pytest.sub]\nq = 1\n') == (
        '[pytest]\naddopts = ["-q"]\nmarkers = [\n    "fast: quick tests",\n]\n[pytest.sub]\nq = 1\n'
    )
    assert edit("pytest.toml", '[pytest]\naddopts = ["-q"]') == (
        '[pytest]\naddopts = ["-q"]\nmarkers = [\n    "fast: quick tests",\n]'
    )


def test_inline_table_stays_inline() -> None:
    before = '[tool.pytest]\nini_options = {addopts = "-q"}\n'
    assert edit("pyproject-ini-options", before) == (
        '[tool.pytest]\nini_options = {addopts = "-q", markers = ["fast: quick tests"]}\n'
    )


def test_dotted_and_out_of_order_tables() -> None:
    assert edit("pyproject-ini-options", '[tool]\npytest.ini_options.addopts = "-q"\n\n[a]\n') == (
        '[tool]\npytest.ini_options.addopts = "-q"\npytest.ini_options.markers = [\n    "fast: quick tests",\n]\n\n[a]\n'
    )
    before = '[tool.pytest.ini_options]\naddopts = "-q"\n\n[project]\nname = "x"\n\n[tool.pytest.ini_options.sub]\ny = 2\n'
    assert edit("pyproject-ini-options", before) == before.replace(
        'addopts = "-q"\n', 'addopts = "-q"\nmarkers = [\n    "fast: quick tests",\n]\n'
    )


def test_literal_strings_take_apostrophes_where_toml_allows() -> None:
    entries = [("fast", "it's quick")]
    before = "[tool.pytest.ini_options]\nmarkers = '''\n  slow\n'''\n"
    assert edit("pyproject-ini-options", before, entries) == (
        "[tool.pytest.ini_options]\nmarkers = '''\n  slow\n  fast: it's quick\n'''\n"
    )
    # a one-line literal string cannot hold an apostrophe: that new item is a basic string
    assert edit("pytest.toml", "[pytest]\nmarkers = ['slow']\n", entries) == (
        "[pytest]\nmarkers = ['slow', \"fast: it's quick\"]\n"
    )


def test_pyproject_without_pytest_table_gets_one_appended() -> None:
    before = '[project]\nname = "demo"\n\n[tool.ruff]\nline-length = 100\n'
    expected_tail = '\n[tool.pytest.ini_options]\nmarkers = [\n    "fast: quick tests",\n]\n'
    assert edit("pyproject-ini-options", before) == before + expected_tail
    assert edit("pyproject-native", before) == before + expected_tail.replace(".ini_options", "")
    # no final newline / already a blank line at the end
    assert edit("pyproject-native", '[project]\nname = "x"') == (
        '[project]\nname = "x"\n\n[tool.pytest]\nmarkers = [\n    "fast: quick tests",\n]\n'
    )
    assert edit("pyproject-native", '[project]\nname = "x"\n\n') == (
        '[project]\nname = "x"\n\n[tool.pytest]\nmarkers = [\n    "fast: quick tests",\n]\n'
    )


def test_toml_creation() -> None:
    assert edit("pytest.toml", None) == '[pytest]\nmarkers = [\n    "fast: quick tests",\n]\n'
    assert edit("pyproject-ini-options", None) == '[tool.pytest.ini_options]\nmarkers = [\n    "fast: quick tests",\n]\n'


def test_native_and_ini_options_never_mix() -> None:
    with pytest.raises(MarkerConfigError, match="ini_options"):
        register_markers_text(b'[tool.pytest.ini_options]\naddopts = "-q"\n', "pyproject-native", FAST)
    with pytest.raises(MarkerConfigError, match="native"):
        register_markers_text(b'[tool.pytest]\naddopts = ["-q"]\n', "pyproject-ini-options", FAST)


def test_invalid_toml_is_refused() -> None:
    with pytest.raises(MarkerConfigError, match="invalid TOML"):
        register_markers_text(b"[pytest\n", "pytest.toml", FAST)


# --- INI -------------------------------------------------------------------------------


def test_ini_creation() -> None:
    assert edit("ini", None, TWO) == "[pytest]\nmarkers =\n    fast: quick tests\n    net: needs the network\n"
    assert edit("ini", "") == "[pytest]\nmarkers =\n    fast: quick tests\n"


def test_ini_section_without_markers() -> None:
    before = "[pytest]\naddopts = -ra\n    --strict-markers\n\n# docs\n"
    assert edit("ini", before) == (
        "[pytest]\naddopts = -ra\n    --strict-markers\nmarkers =\n    fast: quick tests\n\n# docs\n"
    )


def test_ini_continuation_blank_lines_and_comments() -> None:
    before = (
        "; pytest configuration\n"
        "[pytest]\n"
        "markers =\n"
        "  slow: slow tests\n"
        "\n"
        "# a column-0 comment inside the value\n"
        "  serial: one worker  ; not a comment for pytest\n"
        "  # serial2: retired\n"
        "\n"
        "# addopts next\n"
        "addopts = -q\n"
    )
    assert edit("ini", before, TWO) == (
        "; pytest configuration\n"
        "[pytest]\n"
        "markers =\n"
        "  slow: slow tests\n"
        "\n"
        "# a column-0 comment inside the value\n"
        "  serial: one worker  ; not a comment for pytest\n"
        "  fast: quick tests\n"
        "  net: needs the network\n"
        "  # serial2: retired\n"
        "\n"
        "# addopts next\n"
        "addopts = -q\n"
    )


def test_ini_first_value_on_the_key_line() -> None:
    assert edit("ini", "[pytest]\nmarkers = slow: slow tests\naddopts = -q\n") == (
        "[pytest]\nmarkers = slow: slow tests\n    fast: quick tests\naddopts = -q\n"
    )
    assert edit("ini", "[pytest]\nmarkers: slow\n\tserial") == "[pytest]\nmarkers: slow\n\tserial\n\tfast: quick tests"


def test_ini_description_with_ini_special_characters() -> None:
    out = edit("ini", "[pytest]\nmarkers =\n    slow\n", [("odd", "100% sure; use -m 'odd or x' # really = yes")])
    assert out == "[pytest]\nmarkers =\n    slow\n    odd: 100% sure; use -m 'odd or x' # really = yes\n"


def test_ini_key_names_are_case_sensitive_like_pytest() -> None:
    # pytest's iniconfig does not fold case: `Markers` is not the markers option.
    assert edit("ini", "[pytest]\nMarkers =\n    slow\n") == (
        "[pytest]\nMarkers =\n    slow\nmarkers =\n    fast: quick tests\n"
    )


def test_tox_ini_with_sections_after() -> None:
    before = (
        "[tox]\n"
        "envlist = py311\n"
        "\n"
        "[pytest]\n"
        "addopts = -q\n"
        "\n"
        "[testenv]\n"
        "commands = pytest {posargs}\n"
        "deps =\n"
        "    pytest\n"
    )
    assert edit("tox.ini", before) == (
        "[tox]\n"
        "envlist = py311\n"
        "\n"
        "[pytest]\n"
        "addopts = -q\n"
        "markers =\n"
        "    fast: quick tests\n"
        "\n"
        "[testenv]\n"
        "commands = pytest {posargs}\n"
        "deps =\n"
        "    pytest\n"
    )


def test_setup_cfg_with_sections_after() -> None:
    before = (
        "[metadata]\n"
        "name = demo\n"
        "\n"
        "[tool:pytest]\n"
        "markers =\n"
        "    slow: slow tests\n"
        "\n"
        "[flake8]\n"
        "max-line-length = 100\n"
    )
    assert edit("setup.cfg", before) == (
        "[metadata]\n"
        "name = demo\n"
        "\n"
        "[tool:pytest]\n"
        "markers =\n"
        "    slow: slow tests\n"
        "    fast: quick tests\n"
        "\n"
        "[flake8]\n"
        "max-line-length = 100\n"
    )


def test_setup_cfg_without_section_gets_one_appended() -> None:
    assert edit("setup.cfg", "[metadata]\nname = demo") == (
        "[metadata]\nname = demo\n\n[tool:pytest]\nmarkers =\n    fast: quick tests\n"
    )


def test_ini_crlf_stays_crlf() -> None:
    before = "[pytest]\r\nmarkers =\r\n    slow\r\n\r\naddopts = -q\r\n"
    assert edit("ini", before) == "[pytest]\r\nmarkers =\r\n    slow\r\n    fast: quick tests\r\n\r\naddopts = -q\r\n"
    assert edit("ini", "[pytest]\r\naddopts = -q\r\n") == "[pytest]\r\naddopts = -q\r\nmarkers =\r\n    fast: quick tests\r\n"


def test_ini_bom_is_kept() -> None:
    before = "\ufeff[pytest]\nmarkers =\n    slow\n".encode()
    out = register_markers_text(before, "ini", FAST)
    assert out == "\ufeff[pytest]\nmarkers =\n    slow\n    fast: quick tests\n".encode()


def test_ini_missing_final_newline_stays_missing() -> None:
    assert edit("ini", "[pytest]\nmarkers =\n    slow") == "[pytest]\nmarkers =\n    slow\n    fast: quick tests"
    assert edit("ini", "[pytest]\naddopts = -q") == "[pytest]\naddopts = -q\nmarkers =\n    fast: quick tests"


def test_unparseable_ini_is_refused() -> None:
    with pytest.raises(MarkerConfigError, match="cannot parse"):
        register_markers_text(b"[pytest]\nmarkers\n", "ini", FAST)
    with pytest.raises(MarkerConfigError, match="cannot parse"):
        register_markers_text(b"[pytest]\na = 1\n[pytest]\nb = 2\n", "ini", FAST)


# --- oracle: pytest itself -------------------------------------------------------------

ORACLE_CASES = {
    "pytest.toml": ("pytest.toml", '[pytest]\naddopts = ["-q"]\nmarkers = [\n    "slow: slow tests",\n]\n'),
    "pytest.toml-created": ("pytest.toml", None),
    "pyproject-native": ("pyproject.toml", '[project]\nname = "demo"\n\n[tool.pytest]\nstrict_markers = true\n'),
    "pyproject-native-appended": ("pyproject.toml", '[project]\nname = "demo"\n'),
    "pyproject-ini-options": ("pyproject.toml", '[tool.pytest.ini_options]\nmarkers = ["slow"]\n'),
    "pyproject-ini-options-string": (
        "pyproject.toml",
        '[tool.pytest.ini_options]\nmarkers = """\n    slow: slow tests\n"""\n',
    ),
    "ini": ("pytest.ini", "[pytest]\n# comment\nmarkers =\n    slow: slow tests\n\naddopts = -q\n"),
    "ini-created": ("pytest.ini", None),
    "tox.ini": ("tox.ini", "[tox]\nenvlist = py3\n\n[pytest]\naddopts = -q\n\n[testenv]\ncommands = pytest\n"),
    "setup.cfg": ("setup.cfg", "[metadata]\nname = demo\n\n[tool:pytest]\nmarkers =\n    slow\n\n[flake8]\nx = 1\n"),
    "setup.cfg-created": ("setup.cfg", "[metadata]\nname = demo\n"),
}
ORACLE_ENTRIES = [("fast", "quick tests; 100% (really)"), ("env", "needs: an 'env' # yes")]


def _collect(root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "--strict-markers", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("case", sorted(ORACLE_CASES))
def test_pytest_accepts_the_registered_markers(tmp_path: Path, case: str) -> None:
    kind = case.removesuffix("-created").removesuffix("-appended").removesuffix("-string")
    if kind in ("pytest.toml", "pyproject-native") and pytest.version_tuple < (9,):
        pytest.skip("native TOML configuration needs pytest 9")
    filename, content = ORACLE_CASES[case]
    config = tmp_path / filename
    if content is not None:
        config.write_text(content, encoding="utf-8")
    (tmp_path / "test_marked.py").write_text(
        "import pytest\n\n\n@pytest.mark.fast\n@pytest.mark.env\n@pytest.mark.slow\ndef test_x():\n    pass\n",
        encoding="utf-8",
    )
    base = [("slow", "slow tests")] if content is None or "slow" not in content else []
    if base:  # files created from nothing, or without `slow`, start with `slow` registered
        config.write_bytes(register_markers(config, kind, base) or b"")

    before = _collect(tmp_path)
    assert before.returncode != 0, before.stdout + before.stderr
    assert "'fast' not found in `markers` configuration option" in before.stdout + before.stderr

    new = register_markers(config, kind, ORACLE_ENTRIES)
    assert new is not None
    config.write_bytes(new)
    after = _collect(tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "test_marked.py" in after.stdout  # collected (addopts may add -q)
    assert register_markers(config, kind, ORACLE_ENTRIES) is None
