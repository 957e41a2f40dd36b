"""The run memo under a random walk of edits: every warm run prints what a `--no-cache` run prints.

test_run_memo.py checks one change at a time. Here a seeded sequence of the
changes developers make (markers added, removed and misspelt, imports of names
that exist or not, definitions appearing and vanishing in other files, modules
and test files created, deleted and renamed, markers registered in
pyproject.toml, a conftest or a new pytest.ini, noqa comments, the websockets
pin, per-file ignores), some aged and some made within the
last two seconds, is followed after every step by a warm `check .` and a warm
pre-commit-shaped `check` of a few named files, each compared byte for byte
(JSON and text) with `--no-cache`. A stale replay anywhere fails the step and
names the seed and the step.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from conftest import age
from test_run_memo import PROJECT, check_json, check_output, write

MARKERS = ["slow", "network", "nightly", "db", "flaky", "slwo", "netwrk", "gpu"]
NAMES = ["helper", "VALUE", "missing", "Widget", "Gadget", "Invoice"]
MODULES = ["app.core", "app.widgets.base", "app.gone", "app.extra_1", "app.extra_2", "app.client"]


class Walk:
    """One project and the random edits made to it."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.counter = 0

    def files(self, pattern: str) -> list[Path]:
        return sorted(path for path in self.root.glob(pattern) if ".goldenpath_cache" not in path.parts)

    def tests(self) -> list[Path]:
        return self.files("tests/test_*.py")

    def pick(self, items: list[Path]) -> Path | None:
        return self.rng.choice(items) if items else None

    def step(self) -> str:
        moves = [
            self.add_marker,
            self.remove_line_with,
            self.add_import,
            self.define_name,
            self.undefine_name,
            self.add_module,
            self.remove_module,
            self.add_test_file,
            self.remove_test_file,
            self.rename_test_file,
            self.register_in_pyproject,
            self.register_in_conftest,
            self.add_websockets_call,
            self.add_noqa,
            self.toggle_websockets_pin,
            self.toggle_pytest_ini,
            self.toggle_per_file_ignore,
        ]
        return self.rng.choice(moves)()

    # -- the edits ------------------------------------------------------------------------

    def append(self, path: Path, text: str) -> None:
        with path.open("a", encoding="utf-8") as stream:
            stream.write(text)

    def add_marker(self) -> str:
        path = self.pick(self.tests())
        if path is None:
            return "no test file"
        marker = self.rng.choice(MARKERS)
        self.counter += 1
        self.append(path, f"\n\n@pytest.mark.{marker}\ndef test_walk_{self.counter}():\n    pass\n")
        if "import pytest" not in path.read_text(encoding="utf-8"):
            path.write_text("import pytest\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
        return f"marker {marker} in {path.name}"

    def remove_line_with(self) -> str:
        path = self.pick(self.tests())
        if path is None:
            return "no test file"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        candidates = [i for i, line in enumerate(lines) if "@pytest.mark." in line or line.startswith("from app")]
        if not candidates:
            return f"nothing to remove in {path.name}"
        index = self.rng.choice(candidates)
        removed = lines.pop(index)
        path.write_text("".join(lines), encoding="utf-8")
        return f"removed {removed.strip()!r} from {path.name}"

    def add_import(self) -> str:
        path = self.pick(self.tests())
        if path is None:
            return "no test file"
        line = f"from {self.rng.choice(MODULES)} import {self.rng.choice(NAMES)}\n"
        path.write_text(line + path.read_text(encoding="utf-8"), encoding="utf-8")
        return f"{line.strip()} in {path.name}"

    def define_name(self) -> str:
        path = self.pick(self.files("app/**/*.py") + self.tests())
        if path is None:
            return "no file"
        name = self.rng.choice(NAMES)
        self.append(path, f"\n\nclass {name}:  # walk-defined\n    pass\n")
        return f"defined {name} in {path.relative_to(self.root)}"

    def undefine_name(self) -> str:
        for path in self.rng.sample(self.files("**/*.py"), k=len(self.files("**/*.py"))):
            text = path.read_text(encoding="utf-8")
            if "# walk-defined" in text:
                lines = text.splitlines(keepends=True)
                index = next(i for i, line in enumerate(lines) if "# walk-defined" in line)
                del lines[index : index + 2]
                path.write_text("".join(lines), encoding="utf-8")
                return f"undefined a name in {path.relative_to(self.root)}"
        return "nothing defined"

    def add_module(self) -> str:
        name = self.rng.choice(["extra_1", "extra_2", "gone"])
        path = self.root / "app" / f"{name}.py"
        path.write_text(f"{self.rng.choice(NAMES)} = 1\n", encoding="utf-8")
        return f"module app/{name}.py"

    def remove_module(self) -> str:
        path = self.pick([p for p in self.files("app/*.py") if p.name not in ("__init__.py", "core.py")])
        if path is None:
            return "no module to remove"
        path.unlink()
        return f"removed {path.relative_to(self.root)}"

    def add_test_file(self) -> str:
        self.counter += 1
        path = self.root / "tests" / f"test_walk_{self.counter}.py"
        marker = self.rng.choice(MARKERS)
        name = self.rng.choice(NAMES)
        module = self.rng.choice(MODULES)
        path.write_text(
            f"import pytest\n\nfrom {module} import {name}\n\n\n@pytest.mark.{marker}\ndef test_it():\n    assert {name}\n",
            encoding="utf-8",
        )
        return f"new {path.name}"

    def remove_test_file(self) -> str:
        path = self.pick(self.tests())
        if path is None:
            return "no test file"
        path.unlink()
        return f"removed {path.name}"

    def rename_test_file(self) -> str:
        path = self.pick(self.tests())
        if path is None:
            return "no test file"
        self.counter += 1
        target = path.with_name(f"test_renamed_{self.counter}.py")
        path.rename(target)
        return f"renamed {path.name} -> {target.name}"

    def register_in_pyproject(self) -> str:
        marker = self.rng.choice(MARKERS)
        return self.toggle(self.root / "pyproject.toml", f'    "{marker}: walk",\n', after="markers = [\n")

    def register_in_conftest(self) -> str:
        marker = self.rng.choice(MARKERS)
        line = f'    config.addinivalue_line("markers", "{marker}: walk")\n'
        return self.toggle(self.root / "tests" / "conftest.py", line, after="def pytest_configure(config):\n")

    def toggle(self, path: Path, line: str, *, after: str) -> str:
        """Remove `line` from the file if it is there, else insert it after `after`."""
        text = path.read_text(encoding="utf-8")
        if line in text:
            path.write_text(text.replace(line, "", 1), encoding="utf-8")
            return f"removed {line.strip()} from {path.name}"
        path.write_text(text.replace(after, after + line, 1), encoding="utf-8")
        return f"added {line.strip()} to {path.name}"

    def add_websockets_call(self) -> str:
        path = self.pick(self.tests())
        if path is None:
            return "no test file"
        self.counter += 1
        self.append(
            path,
            f"\n\nasync def test_ws_{self.counter}():\n"
            "    import websockets\n"
            "    await websockets.connect('ws://h', extra_headers={})\n",
        )
        return f"websockets call in {path.name}"

    def add_noqa(self) -> str:
        path = self.pick(self.tests())
        if path is None:
            return "no test file"
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        candidates = [i for i, line in enumerate(lines) if line.startswith("@pytest.mark.") and "noqa" not in line]
        if not candidates:
            return f"no marker line in {path.name}"
        index = self.rng.choice(candidates)
        lines[index] = lines[index].rstrip("\n") + "  # noqa: GP201\n"
        path.write_text("".join(lines), encoding="utf-8")
        return f"noqa in {path.name}"


    def toggle_websockets_pin(self) -> str:
        path = self.root / "pyproject.toml"
        text = path.read_text(encoding="utf-8")
        old, new = ('"websockets>=14"', '"websockets<14"') if '"websockets>=14"' in text else ('"websockets<14"', '"websockets>=14"')
        path.write_text(text.replace(old, new), encoding="utf-8")
        return f"pin {new}"

    def toggle_pytest_ini(self) -> str:
        # A pytest.ini beside pyproject.toml takes over pytest's configuration (and its markers).
        path = self.root / "pytest.ini"
        if path.exists():
            path.unlink()
            return "removed pytest.ini"
        marker = self.rng.choice(MARKERS)
        path.write_text(f"[pytest]\nmarkers =\n    {marker}: from pytest.ini\n", encoding="utf-8")
        return f"pytest.ini registering {marker}"

    def toggle_per_file_ignore(self) -> str:
        path = self.root / "pyproject.toml"
        text = path.read_text(encoding="utf-8")
        table = '[tool.goldenpath-audit.per-file-ignores]\n"tests/test_net.py" = ["GP201"]\n'
        if table in text:
            path.write_text(text.replace(table, ""), encoding="utf-8")
            return "removed per-file-ignores"
        path.write_text(text + table, encoding="utf-8")
        return "per-file-ignores for tests/test_net.py"


def same_warm_and_cold(*options: str) -> None:
    warm_json = check_json(*options)
    warm_text = check_output(*options)
    assert warm_json == check_json("--no-cache", *options)
    assert warm_text == check_output("--no-cache", *options)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_walk_of_edits_never_replays_a_stale_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    write(tmp_path, PROJECT)
    age(tmp_path)
    walk = Walk(tmp_path, seed)
    check_json()  # fill the memo
    history: list[str] = []
    # The pre-commit shape keeps its files while others change around them (a new pick
    # only when one of them is gone): its memo sees the same sequence of edits.
    named: list[str] = ["tests/test_broken.py", "tests/test_core.py"]
    for number in range(30):
        history.append(walk.step())
        if walk.rng.random() < 0.8:
            age(tmp_path)  # most edits are older than two seconds by the next run
        if not all((tmp_path / name).exists() for name in named):
            tests = [str(path.relative_to(tmp_path)) for path in walk.tests()]
            named = walk.rng.sample(tests, k=min(2, len(tests)))
        for options in ((), tuple(named)):
            try:
                same_warm_and_cold(*options)
            except AssertionError:
                pytest.fail(f"seed {seed}, step {number}, check {' '.join(options) or '.'} after: {history}")
