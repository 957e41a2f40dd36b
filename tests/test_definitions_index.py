"""The module index's stored whole-tree scan: a warm run answers "which module defines N" exactly as `--no-cache`.

GP302/GP303 name the modules that define an imported name ("`helper` is
defined in `app.utils`"), which takes a scan of every module of the tree. The
scan is kept in the cache directory (definitions_index.py) and trusted per
directory and per file by stat. Each scenario edits the tree the way a
developer would, then compares `check --output-format json` of a warm run with
a `--no-cache` run byte for byte.

Files and directories changed less than two seconds ago are never trusted from
stat alone, so most scenarios give the tree an old mtime first (`aged`), as a
real checkout has: only then do warm runs take the stored path.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import age, assert_clean_exit, cli, forget_run_memos
from goldenpath_audit.auditor.cache import CACHE_DIR_NAME, FORMAT
from goldenpath_audit.auditor.definitions_index import FILE_NAME
from goldenpath_audit.auditor.module_index import ModuleIndex
from goldenpath_audit.cli import app

TEST_A = """\
from app.core import helper
from app.gone import Widget


def test_a():
    assert helper() and Widget
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    files = {
        "pyproject.toml": '[project]\nname = "x"\n',
        "app/__init__.py": "",
        "app/core.py": "VALUE = 1\n",
        "app/utils.py": "def helper():\n    return 1\n",
        "app/widgets/__init__.py": "",
        "app/widgets/base.py": "class Widget:\n    pass\n",
        "tests/test_a.py": TEST_A,
    }
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def check_json(*options: str) -> str:
    result = CliRunner().invoke(app, ["check", "--output-format", "json", *options], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def messages(output: str) -> list[str]:
    return [f"{finding['code']} {finding['message']}" for finding in json.loads(output)["findings"]]


def assert_warm_matches_cold() -> list[str]:
    """Fill the store if needed; then a warm run == a `--no-cache` run, byte for byte."""
    check_json()
    warm = check_json()
    assert warm == check_json("--no-cache")
    return messages(warm)


def store_file(root: Path) -> Path:
    return root / CACHE_DIR_NAME / FORMAT / FILE_NAME


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every module file the scan reads to answer a name (the per-file decision), in order."""
    seen: list[str] = []
    original = ModuleIndex._names_defined

    def counting(self: ModuleIndex, path: str, names):
        seen.append(os.path.relpath(path))
        return original(self, path, names)

    monkeypatch.setattr(ModuleIndex, "_names_defined", counting)
    return seen


HELPER = "GP303 `helper` is not defined in `app.core`; it is defined in `app.utils`"
WIDGET = "GP302 module `app.gone` does not exist in the project; `Widget` is defined in `app.widgets.base`"


def test_unchanged_tree_is_answered_from_the_store(tree: Path, reads: list[str]) -> None:
    age(tree)
    assert assert_warm_matches_cold() == [HELPER, WIDGET]
    assert store_file(tree).is_file()
    reads.clear()
    assert messages(check_json()) == [HELPER, WIDGET]
    assert reads == []  # no module file read: the scan and both answers came from the store


def test_module_starts_defining_the_name(tree: Path, reads: list[str]) -> None:
    age(tree)
    assert_warm_matches_cold()
    (tree / "app" / "widgets" / "extra.py").write_text("def helper():\n    pass\n")
    both = "GP303 `helper` is not defined in `app.core`; it is defined in `app.utils`, `app.widgets.extra`"
    # Fresh (racy) files and directories first, then the same tree aged.
    assert assert_warm_matches_cold() == [both, WIDGET]
    age(tree)
    check_json()
    reads.clear()
    assert messages(check_json()) == [both, WIDGET]
    assert reads == []
    (tree / "app" / "core.py").write_text("VALUE = 1\n\n\nclass Widget:\n    pass\n")
    age(tree)
    reads.clear()
    warm = check_json()
    # The edited file is read again; so is extra.py, which the store kept untrusted (it was
    # racy) because the runs since were replayed from the run memo without asking the store.
    # The unchanged, trusted files are not.
    assert sorted(reads) == ["app/core.py", "app/widgets/extra.py"]
    assert warm == check_json("--no-cache")
    # Two modules define `Widget` now: GP302 names neither.
    assert messages(warm) == [both, "GP302 module `app.gone` does not exist in the project"]


def test_module_stops_defining_the_name(tree: Path) -> None:
    age(tree)
    assert_warm_matches_cold()
    (tree / "app" / "utils.py").write_text("def helper_renamed():\n    return 1\n")
    age(tree)
    assert assert_warm_matches_cold() == ["GP303 `helper` is not defined in `app.core`", WIDGET]


def test_module_added_and_removed(tree: Path) -> None:
    age(tree)
    assert_warm_matches_cold()
    (tree / "app" / "more.py").write_text("helper = None\n")
    two = "GP303 `helper` is not defined in `app.core`; it is defined in `app.more`, `app.utils`"
    assert assert_warm_matches_cold() == [two, WIDGET]
    age(tree)
    assert assert_warm_matches_cold() == [two, WIDGET]
    (tree / "app" / "more.py").unlink()
    assert assert_warm_matches_cold() == [HELPER, WIDGET]
    age(tree)
    assert assert_warm_matches_cold() == [HELPER, WIDGET]


def test_package_becomes_a_namespace_and_back(tree: Path) -> None:
    # Without `__init__.py` nothing changes the dotted names here, but the scan must notice either way.
    age(tree)
    assert_warm_matches_cold()
    (tree / "app" / "widgets" / "__init__.py").unlink()
    age(tree)
    assert assert_warm_matches_cold() == [HELPER, WIDGET]
    (tree / "app" / "widgets" / "__init__.py").write_text("")
    (tree / "lib" / "app" / "widgets").mkdir(parents=True)
    age(tree)
    assert assert_warm_matches_cold() == [HELPER, WIDGET]


def test_module_moved_keeps_its_old_mtime(tree: Path) -> None:
    # `mv` keeps mtime, size and inode: only the directories' mtimes show the move.
    age(tree)
    assert_warm_matches_cold()
    (tree / "app" / "widgets" / "base.py").rename(tree / "app" / "base.py")
    age(tree)
    assert assert_warm_matches_cold() == [
        HELPER,
        "GP302 module `app.gone` does not exist in the project; `Widget` is defined in `app.base`",
    ]


def test_symlinked_package_retargeted(tree: Path) -> None:
    (tree / "vendor" / "one").mkdir(parents=True)
    (tree / "vendor" / "two").mkdir(parents=True)
    (tree / "vendor" / "one" / "__init__.py").write_text("")
    (tree / "vendor" / "two" / "__init__.py").write_text("def helper():\n    pass\n")
    (tree / "app" / "linked").symlink_to(tree / "vendor" / "one", target_is_directory=True)
    age(tree)
    assert_warm_matches_cold()
    (tree / "app" / "linked").unlink()
    (tree / "app" / "linked").symlink_to(tree / "vendor" / "two", target_is_directory=True)
    age(tree)
    output = assert_warm_matches_cold()
    assert "GP303 `helper` is not defined in `app.core`; it is defined in `app.linked`, `app.utils`" in output[0]


def test_recently_modified_file_is_not_trusted(tree: Path, reads: list[str]) -> None:
    # A same-size edit within the same mtime tick is invisible to stat: a file
    # modified within the last two seconds is read again on every run.
    age(tree)
    (tree / "app" / "utils.py").write_text("def helper():\n    return 3\n")
    check_json()
    forget_run_memos(tree)  # or the run memo answers without asking the store
    reads.clear()
    warm = check_json()
    assert reads == ["app/utils.py"]
    assert warm == check_json("--no-cache")


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\xffnot a pickle at all",
        b"",
        b"\x80\x05\x95",  # a truncated pickle
        pickle.dumps({"format": "definitions-1"}),  # the right tag, nothing else
        pickle.dumps({"format": "definitions-1", "code": "?", "dirs": {}, "scan": None, "files": ([7], None)}),
        None,  # the right shape, wrong types deep inside (written by the test below)
    ],
)
def test_corrupt_store_is_ignored_and_rebuilt(tree: Path, garbage: bytes | None, reads: list[str]) -> None:
    age(tree)
    cold = check_json("--no-cache")
    check_json()
    file = store_file(tree)
    if garbage is None:
        # Listings that match each directory's signature but hold numbers, not names: raises when used.
        data = pickle.loads(file.read_bytes())
        data["dirs"] = {directory: (entry[0], frozenset({1, 2}), frozenset()) for directory, entry in data["dirs"].items()}
        data["scan"] = None
        garbage = pickle.dumps(data)
    file.write_bytes(garbage)
    forget_run_memos(tree)  # or the run memo answers without asking the store
    result = CliRunner().invoke(app, ["check", "--output-format", "json"])
    assert result.stdout == cold
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert file.read_bytes() != garbage  # rebuilt by that same run
    reads.clear()
    assert check_json() == cold
    assert reads == []  # the rebuilt store answers again


def test_no_cache_writes_no_store_and_clean_removes_it(tree: Path) -> None:
    check_json("--no-cache")
    assert not (tree / CACHE_DIR_NAME).exists()
    check_json("--cache-dir", "elsewhere")
    assert (tree / "elsewhere" / FORMAT / FILE_NAME).is_file()
    assert (tree / "elsewhere" / ".gitignore").is_file()
    assert CliRunner().invoke(app, ["clean", "--cache-dir", "elsewhere"]).exit_code == 0
    assert not (tree / "elsewhere").exists()


def test_real_cli_warm_run_matches_no_cache(tree: Path) -> None:
    age(tree)
    runs = [cli(tree, "check", "--output-format", "json", *options) for options in ((), (), ("--no-cache",))]
    for run in runs:
        assert_clean_exit(run, (1,))
    assert runs[1].stdout == runs[2].stdout
    assert [f["message"] for f in json.loads(runs[1].stdout)["findings"]] == [m.split(" ", 1)[1] for m in (HELPER, WIDGET)]
    assert store_file(tree).is_file()
