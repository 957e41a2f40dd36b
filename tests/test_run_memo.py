"""The run memo (run_memo.py): a replayed `check` prints exactly what a `--no-cache` run prints.

A warm `check` replays each unchanged file's findings from the last run's memo
and checks only what changed (inputs.py lists what a file's findings depend
on). Each scenario builds a small but realistic project (pytest markers in
pyproject.toml and a conftest, an app package, tests importing it right and
wrong, websockets calls, `# noqa` comments), fills the memo, makes ONE change
a developer makes, and compares the next warm run's JSON with a `--no-cache`
run's, byte for byte. Where replaying is the point, the test also counts which
files `Runner.check_file` really checked: an unchanged file must be replayed,
or the memo would be correct only by never being used.

Files modified less than two seconds ago are never trusted by stat, so most
scenarios age the tree (`age`) after each change, as a real checkout is.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goldenpath_audit.auditor.cache import CACHE_DIR_NAME, FORMAT
from goldenpath_audit.auditor.runner import Runner
from goldenpath_audit.cli import app

from conftest import age

PYPROJECT = """\
[project]
name = "shop"
dependencies = ["websockets>=14"]

[tool.pytest.ini_options]
markers = [
    "slow: takes a while",
    "network: needs the network",
    "nightly: runs at night",
]

[tool.goldenpath-audit]
exclude = ["build/"]
"""

CONFTEST = """\
def pytest_configure(config):
    config.addinivalue_line("markers", "db: uses the database")
"""

TEST_CORE = """\
import pytest

from app.core import VALUE, helper


@pytest.mark.slow
def test_helper():
    assert helper() == VALUE
"""

TEST_NET = """\
import pytest
import websockets


@pytest.mark.network
@pytest.mark.flaky
async def test_feed():
    async with websockets.connect("ws://x", extra_headers={}) as ws:  # noqa: GP101
        assert ws


@pytest.mark.netwrk
def test_typo():
    websockets.connect("ws://y", extra_headers={})
"""

TEST_BROKEN = """\
from app.gone import helper
from app.core import missing


def test_broken():
    assert helper and missing
"""

TEST_DB = """\
import pytest


@pytest.mark.db
def test_db():
    pass
"""

PROJECT = {
    "pyproject.toml": PYPROJECT,
    "app/__init__.py": "",
    "app/core.py": "VALUE = 1\n\n\ndef helper():\n    return VALUE\n",
    "app/client.py": (
        "import websockets\n\n\nasync def open_feed(url, headers):\n"
        "    return await websockets.connect(url, extra_headers=headers)\n"
    ),
    "app/widgets/__init__.py": "",
    "app/widgets/base.py": "class Widget:\n    pass\n",
    "tests/conftest.py": CONFTEST,
    "tests/test_core.py": TEST_CORE,
    "tests/test_net.py": TEST_NET,
    "tests/test_broken.py": TEST_BROKEN,
    "tests/test_db.py": TEST_DB,
}


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project, aged, as the current directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # config and dependency lookups stop here
    write(tmp_path, PROJECT)
    age(tmp_path)
    return tmp_path


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files `Runner.check_file` checked (not replayed) since the last `clear()`, as relative paths."""
    seen: list[str] = []
    original = Runner.check_file

    def counting(self: Runner, path: Path, *args, **kwargs):
        seen.append(os.path.relpath(path).replace(os.sep, "/"))
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(Runner, "check_file", counting)
    return seen


def check_output(*options: str) -> str:
    result = CliRunner().invoke(app, ["check", *options], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    return result.stdout


def check_json(*options: str) -> str:
    return check_output("--output-format", "json", *options)


def findings(output: str) -> list[str]:
    return [f"{f['path']}:{f['line']} {f['code']} {f['message']}" for f in json.loads(output)["findings"]]


def codes(output: str) -> list[str]:
    return [f"{f['path']}:{f['line']} {f['code']}" for f in json.loads(output)["findings"]]


def warm_is_cold(*options: str, checked: list[str] | None = None, expect: list[str] | None = None) -> str:
    """The next warm run's output, asserted equal to a `--no-cache` run's, byte for byte.

    With `checked` and `expect`: the warm run checked exactly the files `expect`
    (sorted), and replayed the rest.
    """
    if checked is not None:
        checked.clear()
    warm = check_json(*options)
    if checked is not None and expect is not None:
        assert sorted(checked) == sorted(expect)
    assert warm == check_json("--no-cache", *options)
    # The text report also prints the lines findings point at (kept in the memo too);
    # this run replays what the one above concluded.
    assert check_output(*options) == check_output("--no-cache", *options)
    return warm


def settle(checked: list[str], *options: str) -> str:
    """Fill the memo; assert that the very next run replays every file; return that run's output.

    One filling run is enough even on a fresh tree: the cache directory the first
    run creates in the project root is not part of the root's recorded listing.
    """
    check_json(*options)
    return warm_is_cold(*options, checked=checked, expect=[])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def runs_dir(root: Path) -> Path:
    return root / CACHE_DIR_NAME / FORMAT / "runs"


BASELINE = [
    "app/client.py:5 GP101",
    "pyproject.toml:9 GP203",
    "tests/test_broken.py:1 GP302",
    "tests/test_broken.py:2 GP303",
    "tests/test_net.py:6 GP201",
    "tests/test_net.py:12 GP202",
    "tests/test_net.py:14 GP101",
]


def test_unchanged_project_is_replayed(shop: Path, checked: list[str]) -> None:
    assert codes(settle(checked)) == BASELINE


def test_replaying_everything_writes_nothing(shop: Path, checked: list[str]) -> None:
    settle(checked)
    edit(shop / "tests" / "test_db.py", "@pytest.mark.db\n", "@pytest.mark.nightly\n")
    age(shop)
    warm_is_cold()  # leaves a delta file beside the memo
    before = {path.name: path.stat().st_mtime_ns for path in runs_dir(shop).iterdir()}
    assert any(name.endswith(".delta") for name in before)
    settle(checked)
    assert {path.name: path.stat().st_mtime_ns for path in runs_dir(shop).iterdir()} == before


# -- 1. a test file edited -------------------------------------------------------------------


def test_finding_added_to_a_test_file(shop: Path, checked: list[str]) -> None:
    settle(checked)
    edit(shop / "tests" / "test_db.py", "@pytest.mark.db\n", "@pytest.mark.db\n@pytest.mark.unknown\n")
    age(shop)
    out = warm_is_cold(checked=checked, expect=["tests/test_db.py"])
    assert "tests/test_db.py:5 GP201" in codes(out)
    edit(shop / "tests" / "test_db.py", "@pytest.mark.unknown\n", "")
    age(shop)
    assert codes(warm_is_cold(checked=checked, expect=["tests/test_db.py"])) == BASELINE


def test_finding_removed_from_a_test_file(shop: Path, checked: list[str]) -> None:
    settle(checked)
    edit(shop / "tests" / "test_net.py", "@pytest.mark.flaky\n", "")
    age(shop)
    out = warm_is_cold(checked=checked, expect=["tests/test_net.py"])
    assert codes(out) == [*BASELINE[:4], "tests/test_net.py:11 GP202", "tests/test_net.py:13 GP101"]


def test_noqa_silences_a_cross_file_finding(shop: Path, checked: list[str]) -> None:
    settle(checked)
    # The marker facts do not change, so the cross-file phase is replayed: its finding
    # must still meet the file's new comment.
    edit(shop / "tests" / "test_net.py", "@pytest.mark.flaky\n", "@pytest.mark.flaky  # noqa: GP201\n")
    age(shop)
    out = warm_is_cold(checked=checked, expect=["tests/test_net.py"])
    assert "tests/test_net.py:6 GP201" not in codes(out)
    edit(shop / "tests" / "test_net.py", "  # noqa: GP201\n", "\n")
    age(shop)
    assert codes(warm_is_cold(checked=checked, expect=["tests/test_net.py"])) == BASELINE


def test_ignore_file_comment(shop: Path, checked: list[str]) -> None:
    settle(checked)
    edit(shop / "tests" / "test_net.py", "import pytest\n", "# goldenpath: ignore-file\nimport pytest\n")
    age(shop)
    out = warm_is_cold(checked=checked, expect=["tests/test_net.py"])
    assert [c for c in codes(out) if "test_net" in c] == []
    edit(shop / "tests" / "test_net.py", "# goldenpath: ignore-file\n", "")
    age(shop)
    assert codes(warm_is_cold(checked=checked, expect=["tests/test_net.py"])) == BASELINE


def test_unaged_edits_are_seen(shop: Path, checked: list[str]) -> None:
    # Without aging: every edit is within the racy window.
    settle(checked)
    for marker in ("unknown", "other", "db"):
        (shop / "tests" / "test_db.py").write_text(TEST_DB.replace("db\n", f"{marker}\n", 1))
        warm_is_cold()


# -- 2. an app module a test imports -------------------------------------------------------


def test_name_removed_from_an_imported_module_and_back(shop: Path, checked: list[str]) -> None:
    settle(checked)
    core = shop / "app" / "core.py"
    core.write_text("VALUE = 2\n")
    age(shop)
    # Those importing app.core, and the one asking which module defines `helper`.
    out = warm_is_cold(checked=checked, expect=["app/core.py", "tests/test_broken.py", "tests/test_core.py"])
    assert "tests/test_core.py:3 GP303 `helper` is not defined in `app.core`" in findings(out)
    assert "tests/test_broken.py:1 GP302 module `app.gone` does not exist in the project" in findings(out)
    core.write_text(PROJECT["app/core.py"])
    age(shop)
    out = warm_is_cold(checked=checked, expect=["app/core.py", "tests/test_broken.py", "tests/test_core.py"])
    assert codes(out) == BASELINE


# -- 3. a name starts (and stops) being defined in an unrelated file --------------------------


def test_unrelated_test_file_defines_the_missing_name(shop: Path, checked: list[str]) -> None:
    settle(checked)
    db = shop / "tests" / "test_db.py"
    db.write_text(TEST_DB + "\n\ndef helper():\n    pass\n")
    age(shop)
    out = warm_is_cold(checked=checked, expect=["tests/test_broken.py", "tests/test_db.py"])
    # Two modules define `helper` now: the message names neither.
    assert "tests/test_broken.py:1 GP302 module `app.gone` does not exist in the project" in findings(out)
    db.write_text(TEST_DB)
    age(shop)
    out = warm_is_cold(checked=checked, expect=["tests/test_broken.py", "tests/test_db.py"])
    assert "tests/test_broken.py:1 GP302 module `app.gone` does not exist in the project; `helper` is defined in `app.core`" in findings(out)


def test_named_files_see_a_name_defined_in_a_file_they_do_not_name(shop: Path, checked: list[str]) -> None:
    # The pre-commit shape: only some files are named. A file outside them that
    # starts defining a missing name still changes a named file's message.
    named = ("tests/test_broken.py", "tests/test_core.py")
    settle(checked, *named)
    db = shop / "tests" / "test_db.py"
    db.write_text(TEST_DB + "\n\ndef helper():\n    pass\n")
    age(shop)
    out = warm_is_cold(*named, checked=checked, expect=["tests/test_broken.py"])
    assert "tests/test_broken.py:1 GP302 module `app.gone` does not exist in the project" in findings(out)
    db.write_text(TEST_DB)
    age(shop)
    out = warm_is_cold(*named, checked=checked, expect=["tests/test_broken.py"])
    assert "tests/test_broken.py:1 GP302 module `app.gone` does not exist in the project; `helper` is defined in `app.core`" in findings(out)


def test_only_a_replay_resting_on_a_name_stats_the_whole_tree(
    shop: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Comparing every file the definitions scan saw costs one stat per file of the
    # tree: a pre-commit run whose files' findings do not rest on "which module
    # defines N?" must not pay it.
    from goldenpath_audit.auditor import run_memo

    scans: list[int] = []
    original = run_memo.Replay._compare_scanned

    def counting(self: run_memo.Replay) -> None:
        scans.append(len(self.memo.inputs.scanned))
        original(self)

    monkeypatch.setattr(run_memo.Replay, "_compare_scanned", counting)
    settle(checked, "tests/test_core.py", "tests/test_db.py")
    scans.clear()
    warm_is_cold("tests/test_core.py", "tests/test_db.py", checked=checked, expect=[])
    assert scans == []
    settle(checked, "tests/test_broken.py")  # its GP302 names where `helper` is defined
    scans.clear()
    warm_is_cold("tests/test_broken.py", checked=checked, expect=[])
    assert scans and all(count > 0 for count in scans)


# -- 4. only tests/ checked: app/ is read, never checked -----------------------------------


def test_checked_subdirectory_sees_app_edits(shop: Path, checked: list[str]) -> None:
    settle(checked, "tests")
    (shop / "app" / "core.py").write_text("VALUE = 2\n")
    age(shop)
    out = warm_is_cold("tests", checked=checked, expect=["tests/test_broken.py", "tests/test_core.py"])
    assert "tests/test_core.py:3 GP303 `helper` is not defined in `app.core`" in findings(out)


def test_checked_subdirectory_sees_a_definition_move(shop: Path, checked: list[str]) -> None:
    settle(checked, "tests")
    (shop / "app" / "core.py").write_text("VALUE = 1\n")
    (shop / "app" / "widgets" / "base.py").write_text("class Widget:\n    pass\n\n\ndef helper():\n    return 1\n")
    age(shop)
    out = warm_is_cold("tests", checked=checked, expect=["tests/test_broken.py", "tests/test_core.py"])
    assert findings(out)[:2] == [
        "tests/test_broken.py:1 GP302 module `app.gone` does not exist in the project; "
        "`helper` is defined in `app.widgets.base`",
        "tests/test_broken.py:2 GP303 `missing` is not defined in `app.core`",
    ]
    assert "tests/test_core.py:3 GP303 `helper` is not defined in `app.core`; it is defined in `app.widgets.base`" in findings(out)


def test_new_module_after_a_memo_rebuilt_from_the_stored_scan(shop: Path, checked: list[str]) -> None:
    # The memo is rebuilt (pyproject.toml changed) by a run whose "which module defines
    # `helper`?" scan came from the definitions store, without listing app/widgets/.
    settle(checked, "tests")
    for comment in ("# one\n", "# two\n"):
        edit(shop / "pyproject.toml", "[tool.goldenpath-audit]\n", f"{comment}[tool.goldenpath-audit]\n")
        age(shop)
        warm_is_cold("tests")
    (shop / "app" / "widgets" / "extra.py").write_text("def helper():\n    pass\n")
    age(shop)
    out = warm_is_cold("tests")
    assert "tests/test_broken.py:1 GP302 module `app.gone` does not exist in the project" in findings(out)


# -- 5. modules added, removed, renamed --------------------------------------------------------


def test_module_added_then_removed(shop: Path, checked: list[str]) -> None:
    settle(checked)
    extra = shop / "app" / "extra.py"
    extra.write_text("missing = None\n")
    age(shop)
    out = warm_is_cold()
    assert "tests/test_broken.py:2 GP303 `missing` is not defined in `app.core`; it is defined in `app.extra`" in findings(out)
    extra.unlink()
    age(shop)
    assert codes(warm_is_cold()) == BASELINE
    settle(checked)


def test_nested_module_added_then_removed(shop: Path, checked: list[str]) -> None:
    settle(checked)
    extra = shop / "app" / "widgets" / "extra.py"
    extra.write_text("missing = None\n")
    age(shop)
    assert "`missing` is not defined in `app.core`; it is defined in `app.widgets.extra`" in warm_is_cold()
    extra.unlink()
    age(shop)
    assert codes(warm_is_cold()) == BASELINE


def test_module_removed(shop: Path, checked: list[str]) -> None:
    (shop / "tests" / "test_widgets.py").write_text("from app.widgets.base import Widget\n")
    age(shop)
    settle(checked)
    (shop / "app" / "widgets" / "base.py").unlink()
    age(shop)
    out = warm_is_cold()
    assert "tests/test_widgets.py:1 GP302 module `app.widgets.base` does not exist in the project" in findings(out)


def test_directory_renamed(shop: Path, checked: list[str]) -> None:
    (shop / "tests" / "test_widgets.py").write_text("from app.widgets.base import Widget\n")
    (shop / "app" / "widgets" / "more.py").write_text("missing = 1\n")
    age(shop)
    settle(checked)
    (shop / "app" / "widgets").rename(shop / "app" / "gadgets")
    age(shop)
    out = warm_is_cold()
    assert "tests/test_broken.py:2 GP303 `missing` is not defined in `app.core`; it is defined in `app.gadgets.more`" in findings(out)
    assert "tests/test_widgets.py:1 GP302 module `app.widgets.base` does not exist in the project" in " ".join(findings(out))
    (shop / "app" / "gadgets").rename(shop / "app" / "widgets")
    age(shop)
    warm_is_cold()


# -- 6. pytest configuration ---------------------------------------------------------------------


def test_marker_registered_in_pyproject(shop: Path, checked: list[str]) -> None:
    settle(checked)
    edit(shop / "pyproject.toml", '    "nightly: runs at night",\n', '    "nightly: runs at night",\n    "flaky: retried",\n')
    age(shop)
    out = warm_is_cold()
    assert "tests/test_net.py:6 GP201" not in codes(out)
    edit(shop / "pyproject.toml", '    "flaky: retried",\n', "")
    age(shop)
    assert codes(warm_is_cold()) == BASELINE


@pytest.mark.parametrize("target", [".", "tests"])
def test_pytest_ini_appears(shop: Path, checked: list[str], target: str) -> None:
    # pytest.ini beats pyproject.toml where pytest looks for its config; which one that
    # is depends on what is checked (`check tests` starts the search in tests/).
    settle(checked, target)
    ini = shop / target / "pytest.ini"
    ini.write_text("[pytest]\nmarkers =\n    flaky: retried\n    network: the network\n")
    age(shop)
    out = warm_is_cold(target)
    ini.unlink()
    age(shop)
    assert warm_is_cold(target) != out


def test_conftest_registers_a_marker(shop: Path, checked: list[str]) -> None:
    settle(checked)
    conftest = shop / "tests" / "conftest.py"
    edit(conftest, '"db: uses the database")\n', '"db: uses the database")\n    config.addinivalue_line("markers", "flaky: retried")\n')
    age(shop)
    out = warm_is_cold()
    assert "tests/test_net.py:6 GP201" not in codes(out)
    edit(conftest, '"db: uses the database")', '"database: uses the database")')
    age(shop)
    out = warm_is_cold()
    assert "tests/test_db.py:4 GP201" in codes(out)


def test_conftest_added_in_a_subdirectory(shop: Path, checked: list[str]) -> None:
    write(shop, {"tests/api/test_api.py": "import pytest\n\n\n@pytest.mark.api\ndef test_api():\n    pass\n"})
    age(shop)
    settle(checked)
    (shop / "tests" / "api" / "conftest.py").write_text(
        'def pytest_configure(config):\n    config.addinivalue_line("markers", "api: the API")\n'
    )
    age(shop)
    out = warm_is_cold()
    assert "tests/api/test_api.py:4 GP201" not in codes(out)


# -- 7. websockets version -------------------------------------------------------------------


def test_websockets_pin_changed(shop: Path, checked: list[str]) -> None:
    settle(checked)
    edit(shop / "pyproject.toml", '"websockets>=14"', '"websockets>=15"')
    age(shop)
    out = warm_is_cold()
    assert "websockets>=15 in pyproject.toml" in out
    edit(shop / "pyproject.toml", '"websockets>=15"', '"websockets<14"')
    age(shop)
    warm_is_cold()


def test_requirements_file_appears(shop: Path, checked: list[str]) -> None:
    settle(checked)
    (shop / "tests" / "requirements.txt").write_text("websockets==13.1\n")
    age(shop)
    # Legacy websockets below tests/: its `extra_headers` call is right there.
    assert "tests/test_net.py:14 GP101" not in codes(warm_is_cold())
    (shop / "requirements.txt").write_text("websockets==13.1\n")
    age(shop)
    assert "websockets>=14 and websockets==13.1 (requirements.txt) in pyproject.toml" in warm_is_cold()
    (shop / "tests" / "requirements.txt").unlink()
    (shop / "requirements.txt").unlink()
    age(shop)
    assert codes(warm_is_cold()) == BASELINE


def test_websockets_version_on_the_command_line(shop: Path, checked: list[str]) -> None:
    settle(checked)
    assert "GP101" not in warm_is_cold("--websockets-version", "13.1")
    assert "--websockets-version 15.0" in warm_is_cold("--websockets-version", "15.0")
    assert codes(warm_is_cold(checked=checked, expect=[])) == BASELINE


# -- 8. settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting",
    ['select = ["GP2"]', 'ignore = ["GP101"]', 'per-file-ignores = { "tests/test_net.py" = ["GP201"] }'],
)
def test_settings_changed(shop: Path, checked: list[str], setting: str) -> None:
    settle(checked)
    edit(shop / "pyproject.toml", 'exclude = ["build/"]\n', f'exclude = ["build/"]\n{setting}\n')
    age(shop)
    assert codes(warm_is_cold()) != BASELINE
    edit(shop / "pyproject.toml", f"{setting}\n", "")
    age(shop)
    assert codes(warm_is_cold()) == BASELINE


def test_select_on_the_command_line(shop: Path, checked: list[str]) -> None:
    settle(checked)
    assert codes(warm_is_cold("--select", "GP3")) == BASELINE[2:4]
    assert codes(warm_is_cold("--ignore", "GP2")) == [BASELINE[0], *BASELINE[2:4], BASELINE[6]]
    assert codes(warm_is_cold()) == BASELINE


# -- 9. saved unchanged ---------------------------------------------------------------------------


def safe_write(path: Path, text: str) -> None:
    """What editors do: write a temporary file beside it, then rename it over (new inode, new mtime)."""
    temp = path.with_name(f".{path.name}.swp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


@pytest.mark.parametrize("aged", [True, False])
def test_unchanged_file_saved_again(shop: Path, checked: list[str], aged: bool) -> None:
    settle(checked)
    for relative in ("tests/test_net.py", "app/core.py", "tests/conftest.py", "pyproject.toml"):
        safe_write(shop / relative, PROJECT[relative])
    if aged:
        age(shop)
    assert codes(warm_is_cold(checked=checked, expect=[])) == BASELINE


def test_touched_files_are_replayed(shop: Path, checked: list[str]) -> None:
    settle(checked)
    for path in shop.rglob("*.py"):
        path.touch()
    age(shop)
    assert codes(warm_is_cold(checked=checked, expect=[])) == BASELINE


# -- 10. the memo files themselves -------------------------------------------------------------


def test_many_files_changed_then_one(shop: Path, checked: list[str]) -> None:
    many = {f"tests/bulk/test_{n:03}.py": f"import pytest\n\n\n@pytest.mark.slow\ndef test_{n}():\n    pass\n" for n in range(510)}
    write(shop, many)
    age(shop)
    settle(checked)
    # More than MAX_DELTA records changed: a full memo; then one: a delta on top of it.
    write(shop, {path: text.replace("slow", "nightly") for path, text in many.items()})
    age(shop)
    out = warm_is_cold(checked=checked, expect=list(many))
    assert "pyproject.toml:9 GP203" not in codes(out)
    assert not any(runs_dir(shop).glob("*.delta"))
    for n, marker in ((7, "unknown"), (8, "other"), (7, "slow")):
        path = f"tests/bulk/test_{n:03}.py"
        write(shop, {path: many[path].replace("slow", marker)})
        age(shop)
        warm_is_cold(checked=checked, expect=[path])
        assert any(runs_dir(shop).glob("*.delta"))
    assert codes(settle(checked)) == [BASELINE[0], "tests/bulk/test_008.py:4 GP201", *BASELINE[2:]]


def test_delta_accumulates_and_removal(shop: Path, checked: list[str]) -> None:
    settle(checked)
    edit(shop / "tests" / "test_db.py", "@pytest.mark.db\n", "@pytest.mark.nightly\n")
    age(shop)
    warm_is_cold(checked=checked, expect=["tests/test_db.py"])
    assert any(runs_dir(shop).glob("*.delta"))
    (shop / "tests" / "test_core.py").unlink()
    age(shop)
    warm_is_cold()
    (shop / "tests" / "test_core.py").write_text(TEST_CORE)
    age(shop)
    warm_is_cold()
    settle(checked)


MEMO_GARBAGE = [
    b"",
    b"\x00\xffnot a pickle",
    b"\x80\x05\x95",  # truncated
    pickle.dumps({"format": "memo-1"}),
    pickle.dumps({"format": "memo-1", "memo": "no"}),
    pickle.dumps({"format": "memo-1", "records": {"x": 1}, "removed": {"y"}, "generation": "?"}),
    pickle.dumps({"format": "memo-1", "marks": {"x": ("d", b"\x00")}}),
    pickle.dumps([1, 2, 3]),
]


@pytest.mark.parametrize("suffix", [".pickle", ".delta", ".marks"])
@pytest.mark.parametrize("garbage", MEMO_GARBAGE, ids=range(len(MEMO_GARBAGE)))
def test_corrupt_memo_files_are_ignored(shop: Path, checked: list[str], suffix: str, garbage: bytes) -> None:
    settle(checked)
    # A delta and marks exist after a small change that re-runs the cross-file phase.
    edit(shop / "tests" / "test_db.py", "@pytest.mark.db\n", "@pytest.mark.nightly\n")
    age(shop)
    expected = warm_is_cold()
    [memo] = runs_dir(shop).glob("*.pickle")
    memo.with_suffix(suffix).write_bytes(garbage)
    assert warm_is_cold() == expected
    edit(shop / "tests" / "test_db.py", "@pytest.mark.nightly\n", "@pytest.mark.flaky\n")
    age(shop)
    warm_is_cold()


def test_foreign_memo_with_matching_names(shop: Path, checked: list[str]) -> None:
    # Another project's memo copied under this one's name (a shared cache directory).
    settle(checked)
    [memo] = runs_dir(shop).glob("*.pickle")
    data = pickle.loads(memo.read_bytes())
    data["memo"].key = "0" * 64
    memo.write_bytes(pickle.dumps(data))
    assert codes(warm_is_cold()) == BASELINE


def test_unwritable_memo_directory(shop: Path, checked: list[str]) -> None:
    settle(checked)
    shutil.rmtree(runs_dir(shop))
    runs_dir(shop).write_text("not a directory\n")  # even root cannot create memos in it
    assert codes(warm_is_cold()) == BASELINE
    edit(shop / "tests" / "test_db.py", "@pytest.mark.db\n", "@pytest.mark.nightly\n")
    age(shop)
    warm_is_cold()


def test_read_only_cache_directory(shop: Path, checked: list[str]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    settle(checked)
    cache = shop / CACHE_DIR_NAME
    modes = {path: path.stat().st_mode for path in [cache, *cache.rglob("*")] if path.is_dir()}
    for path in modes:
        path.chmod(stat.S_IREAD | stat.S_IEXEC)
    try:
        edit(shop / "tests" / "test_db.py", "@pytest.mark.db\n", "@pytest.mark.nightly\n")
        age(shop)
        warm_is_cold()
        warm_is_cold()
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


# -- 11. symlinks and the racy window ---------------------------------------------------------


def test_symlinked_module_target_edited_and_retargeted(shop: Path, checked: list[str]) -> None:
    write(shop, {"vendor/one.py": "def feature():\n    pass\n", "vendor/two.py": "def other():\n    pass\n"})
    (shop / "app" / "linked.py").symlink_to(shop / "vendor" / "one.py")
    (shop / "tests" / "test_linked.py").write_text("from app.linked import feature\n")
    age(shop)
    settle(checked)
    (shop / "vendor" / "one.py").write_text("def renamed():\n    pass\n")
    age(shop)
    assert "tests/test_linked.py:1 GP303" in codes(warm_is_cold())
    (shop / "vendor" / "one.py").write_text("def feature():\n    pass\n")
    age(shop)
    assert "tests/test_linked.py:1 GP303" not in codes(warm_is_cold())
    (shop / "app" / "linked.py").unlink()
    (shop / "app" / "linked.py").symlink_to(shop / "vendor" / "two.py")
    age(shop)
    assert "tests/test_linked.py:1 GP303" in codes(warm_is_cold())


def test_racy_edit_with_same_size_and_mtime(shop: Path, checked: list[str]) -> None:
    settle(checked)
    for relative, old, new in (
        ("tests/test_db.py", "mark.db", "mark.zz"),  # a checked file
        ("app/core.py", "VALUE = 1", "VALUX = 1"),  # a module a checked file looks into
        ("tests/conftest.py", '"db: ', '"dd: '),  # a run-wide input
    ):
        path = shop / relative
        edit(path, old, new)
        warm_is_cold()  # recorded while racy: not trusted by stat next time
        info = path.stat()
        edit(path, new, old)  # same size...
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # ...same mtime
        assert codes(warm_is_cold()) == BASELINE


# -- 12. where it runs from, what it checks -----------------------------------------------------


def test_run_from_a_subdirectory(shop: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    settle(checked)
    monkeypatch.chdir(shop / "tests")
    out = settle(checked)
    assert "test_net.py:6 GP201" in codes(out)
    edit(shop / "tests" / "test_net.py", "@pytest.mark.flaky\n", "")
    age(shop)
    warm_is_cold(checked=checked, expect=["test_net.py"])
    warm_is_cold("..")
    monkeypatch.chdir(shop)
    warm_is_cold(checked=checked, expect=["tests/test_net.py"])


def test_alternating_checked_paths(shop: Path, checked: list[str]) -> None:
    commit = ("tests/test_net.py", "tests/test_db.py")
    settle(checked, *commit)
    settle(checked)
    for marker in ("unknown", "nightly", "db"):
        edit(shop / "tests" / "test_db.py", "@pytest.mark.", f"@pytest.mark.{marker}  # was ")
        age(shop)
        warm_is_cold(*commit, checked=checked, expect=["tests/test_db.py"])
        warm_is_cold(checked=checked, expect=["tests/test_db.py"])
        warm_is_cold("tests/test_db.py")
        warm_is_cold("tests")


def test_non_ascii_name_defined_in_a_latin1_module(shop: Path, checked: list[str]) -> None:
    # `café` in a latin-1 file is not the UTF-8 bytes of the name: the scan parses every
    # file for a non-ASCII name, and whether an edit may define it must not rest on those bytes.
    legacy = shop / "app" / "legacy.py"
    legacy.write_bytes("# -*- coding: latin-1 -*-\nVALUE = 1\n".encode("latin-1"))
    (shop / "tests" / "test_cafe.py").write_text("from app.gone import café\n", encoding="utf-8")
    age(shop)
    assert "tests/test_cafe.py:1 GP302 module `app.gone` does not exist in the project" in findings(settle(checked))
    legacy.write_bytes("# -*- coding: latin-1 -*-\nVALUE = 1\ncafé = 2\n".encode("latin-1"))
    age(shop)
    out = warm_is_cold(checked=checked, expect=["app/legacy.py", "tests/test_cafe.py"])
    assert "tests/test_cafe.py:1 GP302 module `app.gone` does not exist in the project; `café` is defined in `app.legacy`" in findings(out)


def same_size(text: str, size: int) -> str:
    assert len(text) <= size - 2
    return text + "#" * (size - len(text) - 1) + "\n"


def test_racy_edit_of_a_module_only_the_scan_reads(shop: Path, checked: list[str]) -> None:
    # `check tests`: app/widgets/base.py is never checked, only scanned for "which module defines `helper`?".
    settle(checked, "tests")
    base = shop / "app" / "widgets" / "base.py"
    size = base.stat().st_size
    base.write_text(same_size("X = 1\n", size))
    warm_is_cold("tests")  # recorded while racy
    info = base.stat()
    base.write_text(same_size("helper = 1\n", size))
    os.utime(base, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert base.stat().st_size == info.st_size
    out = warm_is_cold("tests")
    assert "tests/test_broken.py:1 GP302 module `app.gone` does not exist in the project" in findings(out)


def test_syntax_error_and_undecodable_file(shop: Path, checked: list[str]) -> None:
    settle(checked)
    db = shop / "tests" / "test_db.py"
    db.write_text(TEST_DB.replace("def test_db():", "def test_db(:"))
    age(shop)
    assert "tests/test_db.py:5 GP001" in codes(warm_is_cold(checked=checked, expect=["tests/test_db.py"]))
    db.write_bytes(b"import pytest\n\n\n@pytest.mark.db\ndef test_\xff():\n    pass\n")
    age(shop)
    assert json.loads(warm_is_cold())["errors"]
    db.write_text(TEST_DB)
    age(shop)
    assert codes(warm_is_cold(checked=checked, expect=["tests/test_db.py"])) == BASELINE


def test_plugin_module_registers_a_marker(shop: Path, checked: list[str]) -> None:
    # The marker registry reads app/plugin.py (named by `pytest_plugins`), never checked for that.
    plugin = 'def pytest_configure(config):\n    config.addinivalue_line("markers", "flaky: retried")\n'
    write(shop, {"app/plugin.py": plugin, "tests/conftest.py": 'pytest_plugins = ["app.plugin"]\n\n\n' + CONFTEST})
    age(shop)
    assert "tests/test_net.py:6 GP201" not in codes(settle(checked, "tests"))
    (shop / "app" / "plugin.py").write_text(plugin.replace("flaky", "flakey"))
    age(shop)
    out = warm_is_cold("tests")
    assert "tests/test_net.py:6 GP202" in codes(out)


def test_input_log_within_means_merging_changes_nothing() -> None:
    # `within` decides whether a replay saves its inputs; it must agree with what a merge gives.
    import copy

    from goldenpath_audit.auditor.inputs import InputLog

    older = InputLog(
        files={"a.toml": "d1"}, listings={"tests": "l1"}, probes={"pytest.ini": 0},
        answers={"helper": ("app/core.py",)}, scanned={"app/core.py": (1, 2, 3, 4), "app/x.py": None},
    )
    candidates = [
        InputLog(),
        InputLog(files={"a.toml": "d1"}),
        InputLog(files={"a.toml": "d2"}),
        InputLog(answers={"helper": ("app/core.py",)}, scanned={"app/core.py": (1, 2, 3, 4)}),
        InputLog(answers={"helper": ("app/core.py", "tests/test_db.py")}),
        InputLog(scanned={"app/core.py": (1, 2, 3, 5)}),
        InputLog(scanned={"app/x.py": None}),
        InputLog(probes={"tox.ini": 0}),
        InputLog(listings={"tests": "l1", "app": "l2"}),
    ]
    for log in candidates:
        merged = copy.deepcopy(log)
        merged.merge(older)
        unchanged = (merged.files, merged.listings, merged.probes, merged.answers, merged.scanned) == (
            older.files, older.listings, older.probes, older.answers, older.scanned,
        )
        assert log.within(older) is unchanged, log


def test_importing_a_plugin_in_another_file_registers_its_markers(shop: Path, checked: list[str]) -> None:
    """`import pytest_rerunfailures` anywhere says the plugin is installed: its `flaky` marker is known.
    The importing file's marker facts change, so the cross-file phase runs again."""
    settle(checked)
    edit(shop / "tests" / "test_db.py", "import pytest\n", "import pytest\nimport pytest_rerunfailures\n")
    age(shop)
    out = warm_is_cold(checked=checked, expect=["tests/test_db.py"])
    assert "tests/test_net.py:6 GP201" not in codes(out)
    edit(shop / "tests" / "test_db.py", "import pytest_rerunfailures\n", "")
    age(shop)
    assert codes(warm_is_cold(checked=checked, expect=["tests/test_db.py"])) == BASELINE
