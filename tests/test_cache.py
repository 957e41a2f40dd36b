"""The per-file facts cache: a warm run reports exactly what a `--no-cache` run reports.

Every scenario runs `check --output-format json` twice or more in a real temp
project (with a `.git` marker) and compares the warm run's output byte for byte
with a cold `--no-cache` run of the same tree: only parsing is cached, never
findings, so project-level changes (pyproject markers, websockets pins, new
modules) show up at once.
"""

from __future__ import annotations

import io
import json
import subprocess
import os
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goldenpath_audit.auditor import parsing
from goldenpath_audit.auditor import runner as runner_module
from goldenpath_audit.auditor.cache import CACHE_DIR_NAME, FILE_NAME, FORMAT, FactsCache
from goldenpath_audit.auditor.config import load_settings
from goldenpath_audit.auditor.runner import Runner
from goldenpath_audit.cli import app

from conftest import forget_run_memos

PYPROJECT = """\
[project]
name = "x"
dependencies = ["websockets>=14"]

[tool.pytest.ini_options]
markers = ["slow: slow tests"]
"""

TEST_A = """\
import pytest
import websockets
from app.missing import thing


@pytest.mark.fast
@pytest.mark.slow
def test_a():
    websockets.connect(u, extra_headers=h)
"""

TEST_B = "import websockets\n\n\ndef test_b():\n    websockets.connect(u, additional_headers=h)\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text(TEST_A)
    (tmp_path / "tests" / "test_b.py").write_text(TEST_B)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def check_json(*options: str) -> str:
    result = invoke("check", "--output-format", "json", *options)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def codes(output: str) -> list[str]:
    return [finding["code"] for finding in json.loads(output)["findings"]]


def assert_warm_matches_cold() -> str:
    """Fill the cache if needed, then a warm run == a `--no-cache` run, byte for byte."""
    check_json()
    warm = check_json()
    cold = check_json("--no-cache")
    assert warm == cold
    return warm


def cache_file(root: Path) -> Path:
    return root / CACHE_DIR_NAME / FORMAT / FILE_NAME


def test_nothing_changed(tree: Path) -> None:
    output = assert_warm_matches_cold()
    assert sorted(codes(output)) == ["GP101", "GP201", "GP302"]
    assert cache_file(tree).is_file()


def test_cache_dir_has_a_gitignore(tree: Path) -> None:
    check_json()
    assert (tree / CACHE_DIR_NAME / ".gitignore").read_text().splitlines()[-1] == "*"


def test_no_cache_writes_nothing(tree: Path) -> None:
    check_json("--no-cache")
    assert not (tree / CACHE_DIR_NAME).exists()


def test_edited_file(tree: Path) -> None:
    before = assert_warm_matches_cold()
    (tree / "tests" / "test_b.py").write_text(TEST_B.replace("additional_headers", "extra_headers"))
    after = assert_warm_matches_cold()
    assert codes(after).count("GP101") == codes(before).count("GP101") + 1


def test_registered_marker_added_in_pyproject(tree: Path) -> None:
    assert "GP201" in codes(assert_warm_matches_cold())
    (tree / "pyproject.toml").write_text(PYPROJECT.replace('"slow: slow tests"', '"slow: slow tests", "fast: quick"'))
    assert "GP201" not in codes(assert_warm_matches_cold())


def test_websockets_pin_changed(tree: Path) -> None:
    assert "GP101" in codes(assert_warm_matches_cold())
    (tree / "pyproject.toml").write_text(PYPROJECT.replace("websockets>=14", "websockets<14"))
    assert "GP101" not in codes(assert_warm_matches_cold())
    (tree / "pyproject.toml").write_text(PYPROJECT)
    assert "GP101" in codes(assert_warm_matches_cold())


def test_missing_module_added(tree: Path) -> None:
    assert "GP302" in codes(assert_warm_matches_cold())
    (tree / "app" / "missing.py").write_text("thing = 1\n")
    assert "GP302" not in codes(assert_warm_matches_cold())


def test_syntax_error_file(tree: Path) -> None:
    (tree / "tests" / "test_broken.py").write_text("import websockets\n\ndef test(:\n    pass\n")
    output = assert_warm_matches_cold()
    assert "GP001" in codes(output)
    (tree / "tests" / "test_broken.py").write_text("import websockets\n\ndef test():\n    pass\n")
    assert "GP001" not in codes(assert_warm_matches_cold())


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\xffnot a pickle at all",
        b"",
        b"\x80\x05\x95",  # a truncated pickle
        # A pickle of a class from a module that does not exist (ModuleNotFoundError on load).
        b"\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x0bnot_a_thing\x94\x8c\x05Gone\x94\x93\x94.",
    ],
)
def test_corrupt_cache_file_is_rebuilt(tree: Path, garbage: bytes) -> None:
    cold = check_json("--no-cache")
    check_json()
    cache_file(tree).write_bytes(garbage)
    forget_run_memos(tree)  # or the run memo answers without reading the facts cache
    result = invoke("check", "--output-format", "json")
    assert result.stdout == cold
    assert "Traceback" not in result.output
    assert cache_file(tree).read_bytes() != garbage
    assert check_json() == cold


def test_foreign_version_cache_is_ignored(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from goldenpath_audit.auditor import cache

    cold = check_json("--no-cache")
    monkeypatch.setattr(cache, "__version__", "0.0.0-other")
    check_json()
    monkeypatch.undo()
    os.chdir(tree)
    assert check_json() == cold


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_cache_dir(tree: Path) -> None:
    cold = check_json("--no-cache")
    check_json()
    directory = tree / CACHE_DIR_NAME / FORMAT
    cache_file(tree).unlink()
    directory.chmod(0o500)
    try:
        result = invoke("check", "--output-format", "json")
        assert result.stdout == cold
        assert "Traceback" not in result.output
    finally:
        directory.chmod(0o700)


def test_unwritable_cache_dir_is_not_fatal(tree: Path) -> None:
    # A file where the cache directory should be: nothing can be written there.
    blocker = tree / "blocker"
    blocker.write_text("")
    cold = check_json("--no-cache")
    result = invoke("check", "--output-format", "json", "--cache-dir", "blocker/cache")
    assert result.stdout == cold
    assert blocker.read_text() == ""


def test_cache_dir_option(tree: Path) -> None:
    output = check_json("--cache-dir", "elsewhere")
    assert (tree / "elsewhere" / FORMAT / FILE_NAME).is_file()
    assert (tree / "elsewhere" / ".gitignore").is_file()
    assert not (tree / CACHE_DIR_NAME).exists()
    assert check_json("--cache-dir", "elsewhere") == output == check_json("--no-cache")


def test_clean_removes_the_cache(tree: Path) -> None:
    check_json()
    assert (tree / CACHE_DIR_NAME).is_dir()
    result = invoke("clean")
    assert result.exit_code == 0
    assert "Removed" in result.stdout and CACHE_DIR_NAME in result.stdout
    assert not (tree / CACHE_DIR_NAME).exists()
    result = invoke("clean")
    assert result.exit_code == 0
    assert "No cache" in result.stdout


def test_clean_with_cache_dir(tree: Path) -> None:
    check_json("--cache-dir", "elsewhere")
    assert invoke("clean", "--cache-dir", "elsewhere").exit_code == 0
    assert not (tree / "elsewhere").exists()


def test_clean_refuses_a_directory_it_did_not_make(tree: Path) -> None:
    result = CliRunner().invoke(app, ["clean", "--cache-dir", "tests"])
    assert result.exit_code == 2
    assert (tree / "tests" / "test_a.py").is_file()


def test_fix_with_cache(tree: Path) -> None:
    (tree / "tests" / "test_c.py").write_text(
        "import websockets\n\n\ndef test_c():\n    websockets.connect(u, extra_headers=h)\n"
    )
    check_json()
    result = invoke("fix")
    assert result.exit_code in (0, 1), result.output
    assert "additional_headers" in (tree / "tests" / "test_c.py").read_text()
    assert check_json() == check_json("--no-cache")
    assert "GP101" not in [f["code"] for f in json.loads(check_json())["findings"] if "test_c" in f["path"]]


def test_warm_run_does_not_parse_unchanged_files(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Counts the per-file parse the cache replaces (the module index, a project-level
    # fact, still reads first-party modules each run, by design).
    calls: list[str] = []

    def counting_parse(source):
        calls.append(source.path)
        return parsing.parse(source)

    monkeypatch.setattr(runner_module, "parse", counting_parse)

    def run() -> tuple[list, dict]:
        cache = FactsCache(tree / CACHE_DIR_NAME)
        result = Runner(load_settings(tree), tree, cache=cache).check([tree])
        return [(f.path, f.line, f.column, f.code, f.message) for f in result.findings], dict(result.digests)

    cold = run()
    assert "tests/test_a.py" in calls
    calls.clear()
    warm = run()
    assert calls == []
    assert warm == cold
    assert warm[1], "a fixable finding keeps its digest on a warm run"

    (tree / "tests" / "test_b.py").write_text(TEST_B + "\n# edited\n")
    calls.clear()
    run()
    assert calls == ["tests/test_b.py"]


def test_write_permission_denied_is_not_fatal(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from goldenpath_audit.auditor import cache

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    cold = check_json("--no-cache")
    monkeypatch.setattr(cache, "_exclusive_temp", denied)  # root ignores real permissions
    result = invoke("check", "--output-format", "json")
    assert result.stdout == cold
    assert "Traceback" not in result.output
    assert not cache_file(tree).exists()


# -- the stat index: unchanged files are not read -----------------------------------------
#
# Files written less than two seconds ago never enter the stat index (they could
# change again within the same mtime tick), so every test above, whose files are
# fresh, exercises the read-and-hash path. These give files an old mtime, as a
# real checkout has, so warm runs take the index path.


def age(root: Path, seen: dict[Path, bytes]) -> None:
    """Give every file changed since the last call an mtime a minute in the past (and a new one)."""
    stamp = time.time_ns() - 60_000_000_000 - len(seen) * 1_000_000
    for path in root.rglob("*"):
        if CACHE_DIR_NAME in path.parts or not path.is_file():
            continue
        data = path.read_bytes()
        if seen.get(path) != data:
            seen[path] = data
            stamp += 1_000_000
            os.utime(path, ns=(stamp, stamp))


@pytest.fixture
def aged(tree: Path):
    seen: dict[Path, bytes] = {}
    return lambda: age(tree, seen)


def test_aged_tree_warm_runs_match_cold_runs(tree: Path, aged) -> None:
    aged()
    check_json()
    assert check_json() == check_json("--no-cache")
    (tree / "tests" / "test_b.py").write_text(TEST_B.replace("additional_headers", "extra_headers"))
    aged()
    assert codes(check_json()).count("GP101") == 2
    assert check_json() == check_json("--no-cache")
    (tree / "pyproject.toml").write_text(PYPROJECT.replace("websockets>=14", "websockets<14"))
    aged()
    assert "GP101" not in codes(check_json())
    (tree / "app" / "missing.py").write_text("thing = 1\n")
    aged()
    assert "GP302" not in codes(check_json())
    assert check_json() == check_json("--no-cache")


def test_aged_suppression_comment_still_applies_to_cross_file_findings(tree: Path, aged) -> None:
    # GP201 findings come from the cross-file phase; the file holding them is
    # checked from the index without being read, and its comments must still count.
    (tree / "tests" / "test_a.py").write_text(TEST_A.replace("@pytest.mark.fast", "@pytest.mark.fast  # noqa: GP201"))
    aged()
    check_json()
    warm = check_json()
    assert "GP201" not in codes(warm)
    assert warm == check_json("--no-cache")


def test_stat_index_trusts_size_and_mtime(tree: Path, aged) -> None:
    # Like ruff and git, an unchanged (size, mtime) means an unchanged file: a
    # same-size edit that restores the old mtime is not seen until `--no-cache`.
    aged()
    check_json()
    path = tree / "tests" / "test_b.py"
    info = path.stat()
    path.write_text(TEST_B.replace("additional_headers", "extra_headers".ljust(18)))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    assert codes(check_json()).count("GP101") == 1  # the index answered
    assert codes(check_json("--no-cache")).count("GP101") == 2


def test_recently_modified_files_are_not_indexed(tree: Path) -> None:
    # A file modified within the last two seconds is re-read on every run.
    check_json()
    path = tree / "tests" / "test_b.py"
    info = path.stat()
    path.write_text(TEST_B.replace("additional_headers", "extra_headers".ljust(18)))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert codes(check_json()).count("GP101") == 2


# -- worker processes ------------------------------------------------------------------------


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else True, reason="one CPU")
def test_worker_processes_give_the_same_result_as_one_process(tree: Path) -> None:
    for index in range(40):
        body = TEST_A if index % 3 else TEST_B
        (tree / "tests" / f"test_gen_{index:02}.py").write_text(body.replace("def test_", f"def test_{index}_"))
    (tree / "tests" / "test_broken.py").write_text("import websockets\n\ndef test(:\n    pass\n")
    (tree / "tests" / "test_latin.py").write_bytes(b"import websockets\nx = '\xff'\n")

    def run(pool_min_files: int):
        result = Runner(load_settings(tree), tree, pool_min_files=pool_min_files).check([tree])
        return (
            [(f.path, f.line, f.column, f.code, f.message, f.fix) for f in result.findings],
            [(e.path, e.message) for e in result.errors],
            result.sources,
            result.digests,
        )

    serial = run(10**9)
    assert run(1) == serial
    assert {f[3] for f in serial[0]} >= {"GP001", "GP101", "GP201", "GP302"}
    assert serial[1] and "test_latin.py" in serial[1][0][0]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else True, reason="one CPU")
def test_a_signal_pending_while_the_pool_starts_still_stops_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    # Signals are blocked while the pool starts; one sent then arrives as soon as they are
    # unblocked. The pool must already be one the generator stops, or at exit its finaliser
    # prints "Exception ignored in: <function Pool.__del__>" and a traceback.
    import multiprocessing
    import signal

    from goldenpath_audit.auditor import parallel

    started = []
    real = multiprocessing.get_context

    class Context:
        def __init__(self, method: str) -> None:
            self._context = real(method)

        def Pool(self, *args, **kwargs):  # noqa: N802 - multiprocessing's name
            pool = self._context.Pool(*args, **kwargs)
            started.append(pool)
            os.kill(os.getpid(), signal.SIGINT)  # pending until the pool's start unblocks signals
            return pool

    monkeypatch.setattr(multiprocessing, "get_context", Context)
    jobs = [(Path(f"/nonexistent/{index}.py"), f"{index}.py") for index in range(4)]
    with pytest.raises(KeyboardInterrupt):
        next(parallel.extract_in_workers(jobs, lambda path, display: None, 2))
    assert started and not multiprocessing.active_children()  # terminated and joined, not left running


# -- the progress bar ------------------------------------------------------------------------


def test_progress_bar_appears_only_after_the_delay(tmp_path: Path) -> None:
    from goldenpath_audit.auditor.progress import DelayedProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    quick = Terminal()
    progress = DelayedProgress(enabled=True, stream=quick, delay=60)
    progress.start(3)
    for _ in range(3):
        progress.advance()
    progress.close()
    assert quick.getvalue() == ""

    slow = Terminal()
    progress = DelayedProgress(enabled=True, stream=slow, delay=0)
    progress.start(3)
    progress.advance()
    progress.close()
    assert "Checking" in slow.getvalue() and "1/3" in slow.getvalue()


def test_no_progress_bar_when_stderr_is_not_a_terminal(tree: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", "check", "--no-cache"],
        capture_output=True,
        text=True,
        env={**os.environ, "GOLDENPATH_AUDIT_JOBS": "1"},
    )
    assert result.returncode == 1
    assert result.stderr == ""
