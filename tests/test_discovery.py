"""Tests for file discovery, on real directory trees built in tmp_path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from goldenpath_audit.auditor.discovery import (
    DEFAULT_SKIP_DIRS,
    Discovery,
    discover,
    is_excluded,
)


def make(root: Path, *rel_paths: str) -> None:
    """Create files (or directories, for names ending in "/") under root."""
    for rel in rel_paths:
        path = root / rel
        if rel.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x = 1\n")


def rels(result: Discovery, root: Path) -> list[str]:
    """Discovered files relative to root, "/"-separated, in discovery order."""
    return [p.relative_to(root).as_posix() for p in result.files]


def run(root: Path, *paths: str, **kwargs) -> Discovery:
    given = [root / p for p in paths] if paths else [root]
    return discover(given, project_root=root, **kwargs)


# -- basic collection -----------------------------------------------------------


def test_collects_py_and_pyi_only(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "b.pyi", "c.txt", "d.pyc", "pkg/e.py", "pkg/data.json")
    result = run(tmp_path)
    assert rels(result, tmp_path) == ["a.py", "b.pyi", "pkg/e.py"]
    assert result.errors == []


def test_paths_are_absolute_and_unresolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(tmp_path, "real/t.py")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path)
    result = discover([Path("link")], project_root=Path("."))
    assert result.files == [tmp_path / "link" / "t.py"]
    assert all(p.is_absolute() for p in result.files)


def test_sorted_and_deduplicated(tmp_path: Path) -> None:
    make(tmp_path, "z.py", "a/b.py", "a/c/d.py", "m.py")
    result = discover(
        [
            tmp_path / "a",
            tmp_path,
            tmp_path / "a" / "c",
            tmp_path / "m.py",
            tmp_path / "a" / "b.py",
        ],
        project_root=tmp_path,
    )
    strings = [str(p) for p in result.files]
    assert strings == sorted(strings)
    assert len(strings) == len(set(strings))
    assert rels(result, tmp_path) == ["a/b.py", "a/c/d.py", "m.py", "z.py"]


# -- default skips ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DEFAULT_SKIP_DIRS))
def test_default_skip_dirs(tmp_path: Path, name: str) -> None:
    make(tmp_path, "keep.py", f"{name}/skipped.py", f"sub/{name}/skipped.py")
    assert rels(run(tmp_path), tmp_path) == ["keep.py"]


def test_default_skips_include_expected_names() -> None:
    expected = {
        ".git",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        ".tox",
    }
    assert expected <= DEFAULT_SKIP_DIRS
    assert ".env" not in DEFAULT_SKIP_DIRS  # only real virtualenvs, found by pyvenv.cfg


def test_virtualenv_detected_by_pyvenv_cfg(tmp_path: Path) -> None:
    make(
        tmp_path,
        "keep.py",
        "my-odd-env/pyvenv.cfg",
        "my-odd-env/lib/site.py",
        "other/lib/real.py",
    )
    assert rels(run(tmp_path), tmp_path) == ["keep.py", "other/lib/real.py"]


def test_egg_info_skipped(tmp_path: Path) -> None:
    make(tmp_path, "keep.py", "src/mypkg.egg-info/x.py", "src/mypkg/y.py")
    assert rels(run(tmp_path), tmp_path) == ["keep.py", "src/mypkg/y.py"]


def test_explicit_start_dir_not_subject_to_default_skips(tmp_path: Path) -> None:
    make(tmp_path, "build/gen.py", "build/__pycache__/c.py")
    assert rels(run(tmp_path, "build"), tmp_path) == ["build/gen.py"]


# -- .gitignore -----------------------------------------------------------------------


def test_nested_gitignore_with_negation(tmp_path: Path) -> None:
    make(
        tmp_path,
        "a.py",
        "gen_root.py",
        "pkg/gen_x.py",
        "pkg/gen_keep.py",
        "pkg/sub/local.py",
        "pkg/sub/other.py",
        "other/gen_y.py",
    )
    (tmp_path / ".gitignore").write_text("# generated\ngen_*.py\n")
    (tmp_path / "pkg" / ".gitignore").write_text("!gen_keep.py\n")
    (tmp_path / "pkg" / "sub" / ".gitignore").write_text("/local.py\n")
    result = run(tmp_path)
    assert rels(result, tmp_path) == ["a.py", "pkg/gen_keep.py", "pkg/sub/other.py"]


def test_nested_gitignore_patterns_are_relative_to_their_directory(
    tmp_path: Path,
) -> None:
    make(tmp_path, "skip.py", "pkg/skip.py", "pkg/inner/skip.py")
    (tmp_path / "pkg" / ".gitignore").write_text("/skip.py\n")
    assert rels(run(tmp_path), tmp_path) == ["pkg/inner/skip.py", "skip.py"]


def test_root_gitignore_honoured_when_walking_subdirectory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    make(tmp_path, "tests/test_a.py", "tests/fixtures/data.py", "tests/snapshots/s.py")
    (tmp_path / ".gitignore").write_text("tests/fixtures/\nsnapshots\n")
    assert rels(run(tmp_path, "tests"), tmp_path) == ["tests/test_a.py"]


def test_repo_root_found_above_project_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("secret_*.py\n")
    project = tmp_path / "services" / "api"
    make(project, "ok.py", "secret_x.py")
    result = discover([project], project_root=project)
    assert rels(result, project) == ["ok.py"]


def test_ignored_start_directory_yields_nothing(tmp_path: Path) -> None:
    make(tmp_path, "out/x.py")
    (tmp_path / ".gitignore").write_text("out/\n")
    assert run(tmp_path, "out").files == []


def test_git_info_exclude(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "scratch.py", ".git/info/")
    (tmp_path / ".git" / "info" / "exclude").write_text("scratch.py\n")
    assert rels(run(tmp_path), tmp_path) == ["a.py"]


def test_gitignore_overrides_info_exclude(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "scratch.py", ".git/info/")
    (tmp_path / ".git" / "info" / "exclude").write_text("scratch.py\n")
    (tmp_path / ".gitignore").write_text("!scratch.py\n")
    assert rels(run(tmp_path), tmp_path) == ["a.py", "scratch.py"]


def test_respect_gitignore_false(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "ignored.py")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    assert rels(run(tmp_path, respect_gitignore=False), tmp_path) == [
        "a.py",
        "ignored.py",
    ]


def test_invalid_gitignore_lines_are_dropped(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "b.py")
    (tmp_path / ".gitignore").write_text("!\nb.py\n")
    result = run(tmp_path)
    assert rels(result, tmp_path) == ["a.py"]
    assert result.errors == []


# -- exclude ---------------------------------------------------------------------------


def test_exclude_directory_and_glob_patterns(tmp_path: Path) -> None:
    make(
        tmp_path,
        "a.py",
        "examples/e.py",
        "generated_top.py",
        "pkg/generated_api.py",
        "pkg/api.py",
        "pkg/examples/nested.py",
    )
    result = run(tmp_path, exclude=["examples/", "**/generated_*.py"])
    assert rels(result, tmp_path) == ["a.py", "pkg/api.py"]


def test_exclude_anchored_pattern(tmp_path: Path) -> None:
    make(tmp_path, "examples/e.py", "pkg/examples/nested.py")
    result = run(tmp_path, exclude=["/examples"])
    assert rels(result, tmp_path) == ["pkg/examples/nested.py"]


def test_exclude_does_not_match_outside_project_root(tmp_path: Path) -> None:
    project = tmp_path / "project"
    make(project, "a.py")
    make(tmp_path, "outside/examples/x.py")
    result = discover(
        [project, tmp_path / "outside"],
        project_root=project,
        exclude=["examples/", "outside"],
    )
    assert rels(result, tmp_path) == ["outside/examples/x.py", "project/a.py"]


def test_invalid_exclude_pattern_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exclude pattern"):
        run(tmp_path, exclude=["!"])


def test_is_excluded(tmp_path: Path) -> None:
    make(tmp_path, "examples/e.py", "pkg/generated_x.py", "pkg/api.py", "examples2")
    patterns = ["examples/", "**/generated_*.py"]

    def check(rel: str) -> bool:
        return is_excluded(tmp_path / rel, project_root=tmp_path, exclude=patterns)

    assert check("examples/e.py")
    assert check("examples")  # a directory matches a dir/ pattern
    assert check("pkg/generated_x.py")
    assert not check("pkg/api.py")
    assert not check("examples2")
    assert not is_excluded(
        tmp_path / "examples" / "e.py", project_root=tmp_path, exclude=[]
    )
    assert not is_excluded(
        tmp_path.parent / "examples" / "e.py", project_root=tmp_path, exclude=["*"]
    )


def test_discovered_files_are_never_is_excluded(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "examples/e.py", "pkg/b.py", "pkg/tmp_c.py")
    patterns = ["examples/", "tmp_*.py"]
    result = run(tmp_path, "pkg", "a.py", exclude=patterns)
    assert rels(result, tmp_path) == ["a.py", "pkg/b.py"]
    assert not any(
        is_excluded(p, project_root=tmp_path, exclude=patterns) for p in result.files
    )


# -- explicit files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["examples/x.py", "ignored.py", "notes.txt", "build/gen.py", "script"]
)
def test_explicit_file_always_included(tmp_path: Path, name: str) -> None:
    make(tmp_path, name)
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    result = run(tmp_path, name, exclude=["examples/", "*.txt", "build"])
    assert rels(result, tmp_path) == [name]
    assert result.errors == []


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    result = run(tmp_path, "a.py", "nope.py", "missing_dir")
    assert rels(result, tmp_path) == ["a.py"]
    assert result.errors == [
        (tmp_path / "missing_dir", "No such file or directory"),
        (tmp_path / "nope.py", "No such file or directory"),
    ]


# -- awkward filesystem entries ------------------------------------------------------------


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    make(tmp_path, "a/b/t.py")
    (tmp_path / "a" / "b" / "up").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "self").symlink_to(".")
    (tmp_path / "a" / "b" / "up2").symlink_to("../..")
    result = run(tmp_path)
    assert rels(result, tmp_path) == ["a/b/t.py"]
    assert result.errors == []


def test_self_referencing_symlink_skipped(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    result = run(tmp_path)
    assert rels(result, tmp_path) == ["a.py"]
    assert result.errors == []


def test_broken_symlink_skipped_silently(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "does-not-exist.py")
    (tmp_path / "dangling_dir").symlink_to(tmp_path / "no-such-dir")
    result = run(tmp_path)
    assert rels(result, tmp_path) == ["a.py"]
    assert result.errors == []


def test_file_symlink_included_under_link_name(tmp_path: Path) -> None:
    make(tmp_path, "real.txt")
    (tmp_path / "alias.py").symlink_to(tmp_path / "real.txt")
    assert rels(run(tmp_path), tmp_path) == ["alias.py"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_skipped(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    os.mkfifo(tmp_path / "x.py")
    os.mkfifo(tmp_path / ".gitignore")  # must not be opened either
    result = run(tmp_path)
    assert rels(result, tmp_path) == ["a.py"]
    assert result.errors == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_explicit_fifo_is_an_error_not_a_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.py")
    result = run(tmp_path, "x.py")
    assert result.files == []
    assert result.errors == [(tmp_path / "x.py", "Not a regular file")]


def test_unreadable_directory_is_an_error(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "locked/secret.py", "z/b.py")
    locked = tmp_path / "locked"
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("permissions are not enforced (running as root?)")
        result = run(tmp_path)
        assert rels(result, tmp_path) == ["a.py", "z/b.py"]
        assert result.errors == [(locked, "Permission denied")]
    finally:
        locked.chmod(0o755)


def test_deep_tree(tmp_path: Path) -> None:
    depth = 1000
    parts = [str(tmp_path)]
    for _ in range(depth):
        parts.append("d")
        os.mkdir(os.sep.join(parts))
    deepest = os.sep.join(parts)
    with open(os.path.join(deepest, "t.py"), "w") as fh:
        fh.write("x = 1\n")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(min(limit, 900))  # the walk must not depend on recursion
    try:
        result = run(tmp_path)
    finally:
        sys.setrecursionlimit(limit)
    assert [str(p) for p in result.files] == [os.path.join(deepest, "t.py")]
    assert result.errors == []
    _remove_deep_tree(tmp_path / "d", depth)


def _remove_deep_tree(top: Path, depth: int) -> None:
    """pytest's temp cleanup (shutil.rmtree) recurses per level; remove bottom-up here."""
    directory = os.path.join(str(top), *(["d"] * (depth - 1)))
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))
    for _ in range(depth):
        os.rmdir(directory)
        directory = os.path.dirname(directory)


def test_named_excluded_directory_is_checked_like_ruff(tmp_path: Path) -> None:
    """`check examples/demo` checks the demo even when the project excludes `examples/`."""
    make(tmp_path, "examples/demo/test_a.py", "examples/demo/generated_b.py", "examples/other/test_c.py")
    exclude = ["examples/", "**/generated_*.py"]
    named = run(tmp_path, "examples/demo", exclude=exclude)
    assert rels(named, tmp_path) == ["examples/demo/test_a.py"]
    assert rels(run(tmp_path, ".", exclude=exclude), tmp_path) == []
