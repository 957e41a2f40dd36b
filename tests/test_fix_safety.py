"""`fix` never leaves a file half-written, never writes where it should not, and runs one at a time.

Everything here runs the real `goldenpath-audit fix` in subprocesses (signals,
locks and umasks belong to a process) except the writer's own refusals, which
call `write_atomic` directly. The kill test builds a corpus of a few hundred
fixable files, records each file's bytes before and after a complete `fix`
(run on a copy), then kills `fix` runs with SIGINT, SIGTERM and SIGKILL at
seeded random moments and checks that every file is in one of its two legal
states.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from goldenpath_audit.auditor.fix_lock import fix_lock
from goldenpath_audit.auditor.writer import TEMP_SUFFIX, WriteRefused, write_atomic

CLI = [sys.executable, "-m", "goldenpath_audit"]
# `.NAME.XXXXXXXX.gpa-tmp`, next to the file it would have replaced.
TEMP_NAME = re.compile(r"(.*/)?\.[^/]+\.[a-z0-9_]{8}\.gpa-tmp")
INTERRUPTED = "each file was either fixed completely or left as it was"

BAD = "import websockets\nwebsockets.connect(u, extra_headers=h)\n"
GOOD = "import websockets\nwebsockets.connect(u, additional_headers=h)\n"

PYPROJECT = """\
[project]
name = "corpus"
dependencies = ["websockets>=14.0", "pytest-asyncio>=0.24"]

[tool.pytest.ini_options]
markers = ["integration: integration tests"]

[tool.goldenpath-audit.ssot]
"app.old.Manager" = { use = "app.core.manager.Manager", reason = "moved" }
"""

# One test module with a fix for each of GP101, GP205, GP208 and GP301, and an
# unregistered marker (GP201, whose fix writes pyproject.toml).
MODULE = """\
import pytest
import websockets
from app.old import Manager

pytestmark = (pytest.mark.integration, pytest.mark.slow{marker})


@pytest.mark.asyncio(scope="module")
async def test_{n}(uri, h):
    # module {n}
    async with websockets.connect(uri, extra_headers=h) as ws:
        assert Manager
"""


def _reset_sigint() -> None:
    """A child started from a background job would inherit an ignored SIGINT; give it the default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_fix(cwd: Path, *args: str, umask: int | None = None) -> subprocess.Popen:
    def prepare() -> None:
        _reset_sigint()
        if umask is not None:
            os.umask(umask)

    return subprocess.Popen(
        [*CLI, "fix", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=prepare,
        env={**os.environ, "NO_COLOR": "1"},
    )


def run_fix(cwd: Path, *args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    process = start_fix(cwd, *args, umask=umask)
    stdout, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def snapshot(root: Path) -> dict[str, tuple[str, bytes | str, int]]:
    """Every entry under `root` (not .git, not the cache): kind, bytes or link target, mode bits."""
    state: dict[str, tuple[str, bytes | str, int]] = {}
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in (".git", ".goldenpath_cache"))
        for name in [*files, *(d for d in subdirectories if os.path.islink(os.path.join(directory, d)))]:
            path = Path(directory, name)
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                state[relative] = ("link", os.readlink(path), 0)
            else:
                state[relative] = ("file", path.read_bytes(), stat.S_IMODE(path.lstat().st_mode))
    return state


# -- the kill test ---------------------------------------------------------------------


def build_corpus(root: Path, files: int, seed: int) -> None:
    rng = random.Random(seed)
    (root / ".git").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    for package in ("app", "app/core"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "app/core/manager.py").write_text("class Manager: ...\n")
    (root / "app/old.py").write_text("from app.core.manager import Manager\n")
    for n in range(files):
        directory = root / "tests" / f"group{n % 8}"
        directory.mkdir(parents=True, exist_ok=True)
        text = MODULE.format(n=n, marker=n % 3)
        if rng.random() < 0.3:
            text = text.replace("\n", "\r\n")
        data = text.encode()
        if rng.random() < 0.1:
            data = b"\xef\xbb\xbf" + data
        path = directory / f"test_m{n}.py"
        path.write_bytes(data)
        path.chmod(rng.choice([0o644, 0o755, 0o600]))
    # Files the fix reads but must not change, and a symlink it writes through.
    (root / "tests" / "test_clean.py").write_text(GOOD)
    (root / "shared").mkdir()
    (root / "shared" / "linked_module.py").write_text(MODULE.format(n="linked", marker=0))
    (root / "tests" / "test_linked.py").symlink_to(os.path.join("..", "shared", "linked_module.py"))


def check_legal(tree: Path, old: dict, new: dict, *, killed: bool) -> str:
    """Each entry is wholly old or wholly new; returns "old", "new" or "mixed" for the whole tree."""
    now = snapshot(tree)
    leftovers = sorted(set(now) - set(old))
    if killed:  # SIGKILL cannot clean up; what it leaves must be an inert, recognisable temp file
        for name in leftovers:
            assert TEMP_NAME.fullmatch(name) and not name.endswith(".py"), name
            del now[name]
    else:
        assert leftovers == []
    assert set(now) == set(old)
    states = set()
    for name, entry in now.items():
        assert entry in (old[name], new[name]), f"{name} is neither its old nor its new self"
        if old[name] != new[name]:
            states.add("old" if entry == old[name] else "new")
    return states.pop() if len(states) == 1 else "mixed"


@pytest.mark.slow
def test_killed_fix_leaves_every_file_wholly_old_or_wholly_new(tmp_path: Path) -> None:
    pristine = tmp_path / "pristine"
    build_corpus(pristine, files=300, seed=7)
    old = snapshot(pristine)

    full = tmp_path / "full"
    shutil.copytree(pristine, full, symlinks=True)
    began = time.monotonic()
    complete = run_fix(full, "--no-cache", "-q")
    duration = time.monotonic() - began
    assert complete.returncode == 0, complete.stdout + complete.stderr
    new = snapshot(full)
    changed = {name for name in old if old[name] != new[name]}
    assert {"pyproject.toml", "shared/linked_module.py", "tests/group0/test_m0.py"} <= changed
    assert len(changed) == 302
    assert new["tests/test_linked.py"] == old["tests/test_linked.py"]  # still the same link

    rng = random.Random(20261201)
    # Files are written from about a quarter of the run on. Kill moments adapt: a kill
    # that left every file old moves the window later, one that found the run done
    # moves it earlier, so most land mid-write.
    low, high = 0.2 * duration, 0.9 * duration
    outcomes: list[tuple] = []
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
    # Twelve rounds, then more (up to 36 in all) until one kill has landed mid-write:
    # on a loaded machine the adaptive window can need a few more tries to find it.
    number = -1
    while True:
        number += 1
        mixed = any(state == "mixed" for *_, state in outcomes)
        if number >= 36 or (number >= 12 and mixed):
            break
        signum = signals[number % 3]
        tree = tmp_path / f"round{number}"
        shutil.copytree(pristine, tree, symlinks=True)
        delay = rng.uniform(low, high)
        process = start_fix(tree, "--no-cache", "-q")
        time.sleep(delay)
        finished_before = process.poll() is not None
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
        state = check_legal(tree, old, new, killed=signum == signal.SIGKILL)
        if signum == signal.SIGKILL:
            assert process.returncode in (0, -signal.SIGKILL)
        elif process.returncode == -signum:
            # Killed while Python was starting or shutting down, outside the `fix` command
            # and its handlers (Python's own KeyboardInterrupt, or SIGTERM's default):
            # before the first write or after the last one.
            assert state in ("old", "new"), stderr
        else:
            assert process.returncode in (0, 128 + signum), stderr
            if process.returncode:
                name = signal.Signals(signum).name
                assert stderr == f"goldenpath-audit: interrupted by {name}; {INTERRUPTED}\n"
        outcomes.append((signal.Signals(signum).name, round(delay, 2), finished_before, state))
        if state == "old":
            low = min(delay, high * 0.9)
        elif state == "new":
            high = max(delay, low * 1.1)
        shutil.rmtree(tree)
    # The test means something only if some kill landed while files were being written.
    assert any(state == "mixed" for *_, state in outcomes), outcomes

    # An interrupted run is finished by running `fix` again: the tree ends as one full run.
    tree = tmp_path / "interrupted"
    shutil.copytree(pristine, tree, symlinks=True)
    process = start_fix(tree, "--no-cache", "-q")
    time.sleep((low + high) / 2)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    resumed = run_fix(tree, "--no-cache", "-q")
    assert resumed.returncode == 0
    assert {name: entry for name, entry in snapshot(tree).items() if not TEMP_NAME.fullmatch(name)} == new
    again = run_fix(tree, "--no-cache")
    assert "Fixed" not in again.stdout and again.returncode == 0


# -- two runs at once ------------------------------------------------------------------


def small_tree(root: Path, files: int = 40) -> None:
    build_corpus(root, files=files, seed=3)


def test_two_concurrent_fixes_end_as_one_fix(tmp_path: Path) -> None:
    single = tmp_path / "single"
    small_tree(single)
    alone = run_fix(single, "--no-cache")
    assert alone.returncode == 0
    (summary,) = [line for line in alone.stdout.splitlines() if re.fullmatch(r"Fixed \d+ findings in 42 files\.", line)]
    expected = snapshot(single)

    tree = tmp_path / "tree"
    small_tree(tree)
    first = start_fix(tree, "--no-cache")
    second = start_fix(tree, "--no-cache")
    outputs = [process.communicate(timeout=120) for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0]
    assert snapshot(tree) == expected
    for stdout, stderr in outputs:
        assert "changed since it was checked" not in stderr and "Traceback" not in stderr
    # One run fixed everything; the other (which waited, or came later) found nothing left.
    assert [summary in stdout.splitlines() for stdout, _ in outputs].count(True) == 1
    assert sum("Fixed" in stdout for stdout, _ in outputs) == 1


def _read_line(process: subprocess.Popen) -> str:
    assert process.stderr is not None
    return process.stderr.readline()


def test_a_second_fix_waits_for_the_lock_then_reads_the_files_afresh(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    target = tmp_path / "test_a.py"
    target.write_text(BAD)
    with fix_lock(tmp_path):  # another `fix` is running
        process = start_fix(tmp_path)
        assert _read_line(process) == f"goldenpath-audit: waiting for another `fix` running in {tmp_path} to finish\n"
        assert target.read_text() == BAD
        # The other run's work: the file changes while this one waits.
        target.write_text(BAD + "websockets.connect(v, extra_headers=g)\n")
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (0, "")
    assert target.read_text() == GOOD + "websockets.connect(v, additional_headers=g)\n"
    assert "Fixed 2 findings in test_a.py (GP101)\n" in stdout


def test_sigint_while_waiting_for_the_lock_exits_130(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "test_a.py").write_text(BAD)
    with fix_lock(tmp_path):
        process = start_fix(tmp_path)
        assert "waiting for another `fix`" in _read_line(process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout) == (130, "")
    assert stderr == f"goldenpath-audit: interrupted by SIGINT; {INTERRUPTED}\n"
    assert (tmp_path / "test_a.py").read_text() == BAD


def test_diff_mode_takes_no_lock(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "test_a.py").write_text(BAD)
    with fix_lock(tmp_path):
        result = run_fix(tmp_path, "--diff", "-q")
    assert result.returncode == 1 and "+websockets.connect(u, additional_headers=h)\n" in result.stdout
    assert (tmp_path / "test_a.py").read_text() == BAD


# -- where fixes may write -------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "tests").mkdir()
    return root


def test_symlink_to_a_file_outside_the_root_is_skipped_with_a_message(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "test_shared.py"
    outside.parent.mkdir()
    outside.write_text(BAD)
    (project / "tests" / "test_link.py").symlink_to(outside)
    (project / "tests" / "test_own.py").write_text(BAD)
    result = run_fix(project, "-q")
    assert result.returncode == 1
    assert result.stderr == (
        f"error: tests/test_link.py: resolves to {os.path.realpath(outside)}, "
        f"outside the project root {os.path.realpath(project)}; not fixed\n"
    )
    assert outside.read_text() == BAD
    assert os.readlink(project / "tests" / "test_link.py") == str(outside)
    assert (project / "tests" / "test_own.py").read_text() == GOOD
    assert sorted(p.name for p in outside.parent.iterdir()) == ["test_shared.py"]


def test_symlinked_directory_outside_the_root_is_not_written(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "vendored"
    outside.mkdir()
    (outside / "test_vendored.py").write_text(BAD)
    (project / "tests" / "vendored").symlink_to(outside, target_is_directory=True)
    before = snapshot(tmp_path)
    result = run_fix(project, "-q")
    assert result.returncode == 1
    assert result.stderr == (
        f"error: tests/vendored/test_vendored.py: resolves to {os.path.realpath(outside / 'test_vendored.py')}, "
        f"outside the project root {os.path.realpath(project)}; not fixed\n"
    )
    assert snapshot(tmp_path) == before


def test_symlink_inside_the_root_is_written_through_keeping_modes(project: Path) -> None:
    real = project / "shared" / "module.py"
    real.parent.mkdir()
    real.write_text(BAD)
    real.chmod(0o750)
    link = project / "tests" / "test_link.py"
    link.symlink_to(os.path.join("..", "shared", "module.py"))
    result = run_fix(project, "-q", "tests")
    assert (result.returncode, result.stderr) == (0, "")
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "shared", "module.py")
    assert real.read_text() == GOOD
    assert stat.S_IMODE(real.stat().st_mode) == 0o750


def test_symlink_loops_are_not_followed(project: Path) -> None:
    tests = project / "tests"
    (tests / "test_self.py").symlink_to("test_self.py")
    (tests / "test_ping.py").symlink_to("test_pong.py")
    (tests / "test_pong.py").symlink_to("test_ping.py")
    (tests / "sub").mkdir()
    (tests / "sub" / "up").symlink_to("..", target_is_directory=True)
    (tests / "sub" / "test_real.py").write_text(BAD)
    before = snapshot(project)
    result = run_fix(project, "-q")
    assert (result.returncode, result.stderr) == (0, "")
    after = snapshot(project)
    assert after.pop("tests/sub/test_real.py")[1] == GOOD.encode()
    before.pop("tests/sub/test_real.py")
    assert after == before  # every link as it was


def test_fix_on_a_subdirectory_changes_nothing_else(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = ["websockets>=14"]\n')
    for name in ("tests/unit/test_a.py", "tests/unit/deep/test_b.py", "tests/other/test_c.py", "test_top.py"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(BAD)
    before = snapshot(project)
    result = run_fix(project, "-q", "tests/unit")
    assert (result.returncode, result.stderr) == (0, "")
    after = snapshot(project)
    assert sorted(name for name in after if after[name] != before[name]) == [
        "tests/unit/deep/test_b.py",
        "tests/unit/test_a.py",
    ]
    result = run_fix(project, "-q", "tests/other/test_c.py")
    assert sorted(name for name, entry in snapshot(project).items() if entry != after[name]) == [
        "tests/other/test_c.py"
    ]


def test_marker_registration_is_the_one_write_outside_the_given_paths(project: Path) -> None:
    """Registering a marker (GP201) writes the config pytest reads for those tests, by design."""
    (project / "pyproject.toml").write_text("[tool.pytest.ini_options]\nmarkers = []\n")
    (project / "tests" / "unit").mkdir()
    (project / "tests" / "unit" / "test_a.py").write_text("import pytest\n\n@pytest.mark.db\ndef test_a(): ...\n")
    (project / "tests" / "test_b.py").write_text(BAD)
    before = snapshot(project)
    result = run_fix(project, "-q", "tests/unit")
    assert (result.returncode, result.stderr) == (0, "")
    after = snapshot(project)
    assert sorted(name for name in after if after[name] != before[name]) == ["pyproject.toml"]
    assert after["pyproject.toml"][1] == (
        b'[tool.pytest.ini_options]\nmarkers = ["db: used by 1 test in tests/unit"]\n'
    )


def test_permissions_are_kept(project: Path) -> None:
    modes = {"test_exec.py": 0o755, "test_private.py": 0o700, "test_plain.py": 0o644, "test_group.py": 0o640}
    modes["test_readonly.py"] = 0o444  # replaced, not opened for writing: still read-only after
    for name, mode in modes.items():
        (project / "tests" / name).write_text(BAD)
        (project / "tests" / name).chmod(mode)
    result = run_fix(project, "-q")
    assert (result.returncode, result.stderr) == (0, "")
    for name, mode in modes.items():
        assert (project / "tests" / name).read_text() == GOOD
        assert stat.S_IMODE((project / "tests" / name).stat().st_mode) == mode, name
    assert sorted(p.name for p in (project / "tests").iterdir()) == sorted(modes)  # no temporary file left


def test_a_created_config_file_follows_the_umask(project: Path) -> None:
    (project / "tests" / "test_a.py").write_text("import pytest\n\n@pytest.mark.db\ndef test_a(): ...\n")
    result = run_fix(project, "-q", umask=0o027)
    assert (result.returncode, result.stderr) == (0, "")
    created = project / "tests" / "pytest.ini"  # pytest's rootdir without a config file: the tests' directory
    assert created.read_text() == "[pytest]\nmarkers =\n    db: used by 1 test in tests\n"
    assert stat.S_IMODE(created.stat().st_mode) == 0o640


# -- the writer's own refusals ---------------------------------------------------------


def test_writer_refuses_a_file_that_changed_since_the_fix_was_computed(tmp_path: Path) -> None:
    target = tmp_path / "test_a.py"
    target.write_text(BAD + "# edited\n")
    with pytest.raises(WriteRefused, match=r"^changed since it was checked; not fixed \(run again\)$"):
        write_atomic(target, GOOD.encode(), expected=BAD.encode())
    with pytest.raises(WriteRefused):
        write_atomic(target, GOOD.encode(), expected=None)  # it was meant to be created
    assert target.read_text() == BAD + "# edited\n"
    assert [p.name for p in tmp_path.iterdir()] == ["test_a.py"]


def test_writer_refuses_dangling_links_loops_and_the_outside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "dangling.py").symlink_to("missing.py")
    (root / "loop.py").symlink_to("loop.py")
    (tmp_path / "outside.py").write_text(BAD)
    (root / "out.py").symlink_to(tmp_path / "outside.py")
    with pytest.raises(WriteRefused, match=r"^is a dangling symlink \(to missing\.py\); not fixed$"):
        write_atomic(root / "dangling.py", b"x = 1\n", root=root)
    with pytest.raises(WriteRefused, match=r"^cannot resolve: .*; not fixed$"):
        write_atomic(root / "loop.py", b"x = 1\n", root=root)
    with pytest.raises(WriteRefused, match=r"outside the project root"):
        write_atomic(root / "out.py", b"x = 1\n", root=root)
    assert (tmp_path / "outside.py").read_text() == BAD
    assert not (root / "missing.py").exists()
    assert sorted(p.name for p in root.iterdir()) == ["dangling.py", "loop.py", "out.py"]
    assert not list(tmp_path.rglob(f"*{TEMP_SUFFIX}"))
