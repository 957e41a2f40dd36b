"""GP206-GP208's own examples against real pytest + pytest-asyncio 1.x as the oracle.

Every VALID and INVALID example embedded in the three rules is written to a
temp project (the example's files plus `test_example.py`) and:

1. `goldenpath-audit check --select CODE` reports exactly the example's number
   of findings;
2. `python -m pytest -p asyncio` (plugin autoloading off, so pytest-asyncio is
   the only plugin) gives the outcome per test the rule predicts: an INVALID
   example shows the failure or warning named in the rule's documentation, a
   VALID one passes;
3. for an INVALID example with a fix, `goldenpath-audit fix --unsafe-fixes`
   writes the example's `fixed` source and pytest then passes without the
   symptom.

Examples without a test to run (a fixture nobody requests, a `pytestmark` in
an empty module) get a small test appended, named in `EXTRA`, so the fixture or
mark is exercised. `asyncio_default_fixture_loop_scope` is set to
`fixture-scope` on the command line: that is the behaviour when it is unset,
without the deprecation warning that would otherwise show up in every run.

A request of `event_loop` where the project defines its own override is not
"fixture not found": pytest finds the override (see
`test_gp207_usefixtures_of_a_local_override`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import write_tree
from goldenpath_audit.rules import ALL_RULES

pytestmark = pytest.mark.slow  # about 40 subprocesses

CLI = [sys.executable, "-m", "goldenpath_audit"]
PYTEST = [
    sys.executable,
    "-m",
    "pytest",
    "-p",
    "asyncio",
    "-q",
    "-rA",
    "-p",
    "no:cacheprovider",
    "-o",
    "asyncio_default_fixture_loop_scope=fixture-scope",
]
WARNINGS_AS_ERRORS = ("-W", "error::pytest.PytestDeprecationWarning")
OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR) (\S+)", re.M)

NOT_SUPPORTED = "async def functions are not natively supported"
NOT_FOUND = "fixture 'event_loop' not found"
SCOPE_DEPRECATED = 'The "scope" keyword argument to the asyncio marker has been deprecated'
BOTH_SCOPES = 'An asyncio pytest marker defines both "scope" and "loop_scope"'
PINNED_OLD = "pins pytest-asyncio below 0.24; only 1.x is installed to run it"


@dataclass(frozen=True)
class Expect:
    """What real pytest does with one example."""

    outcomes: dict[str, str]  # node id -> "passed" | "failed" | "error" (a module id: collection error)
    symptom: str | None = None  # text pytest must print (the rule's predicted failure or warning)
    warnings_as_errors: bool = False  # -W error::pytest.PytestDeprecationWarning, as strict suites run
    returncode: int | None = None  # when it is not implied by the outcomes (5: no test collected)
    plugins: tuple[str, ...] = ()
    skip: str | None = None
    note: str = ""  # why an expectation looks surprising
    after_fix: dict[str, str] = field(default_factory=dict)  # outcomes once `fix --unsafe-fixes` ran


EXTRA = {
    # The fixture requesting `event_loop` is set up only when a test requests it.
    ("GP207", "invalid", 2): "\n    def test_uses(self, client):\n        pass\n",
    # The module's `pytestmark` applies only to tests in it.
    ("GP208", "invalid", 1): "\n\nasync def test_a():\n    pass\n",
    ("GP208", "valid", 1): "\n\nimport pytest\n\n\n@pytest.mark.asyncio\nasync def test_db(db):\n    assert db == 1\n",
}

A = "test_example.py::test_a"
EXPECTED: dict[tuple[str, str, int], Expect] = {
    # GP206: strict mode fails an async test without the marker.
    ("GP206", "valid", 0): Expect({A: "passed"}),
    ("GP206", "valid", 1): Expect({A: "passed"}),
    ("GP206", "valid", 2): Expect({"test_example.py::TestA::test_a": "passed"}),
    ("GP206", "valid", 3): Expect(
        {"test_example.py::test_a[asyncio]": "passed"},  # anyio's own anyio_backend fixture is parametrized
        plugins=("anyio.pytest_plugin",),
        skip=None if importlib.util.find_spec("anyio") else "needs the anyio pytest plugin, not a test dependency",
    ),
    ("GP206", "valid", 4): Expect({A: "passed"}),
    ("GP206", "valid", 5): Expect(
        {A: "failed"},
        symptom=NOT_SUPPORTED,
        note="outside GP206's scope: the project does not declare pytest-asyncio, so the audit cannot know "
        "its mode; with the plugin installed anyway (strict by default), or with no plugin at all, "
        "pytest 8.4+ fails the test",
    ),
    ("GP206", "valid", 6): Expect({}, returncode=5),
    ("GP206", "valid", 7): Expect({A: "passed"}),  # pytestmark.extend([...])
    ("GP206", "valid", 8): Expect({A: "passed"}),  # pytestmark.append(...)
    ("GP206", "valid", 9): Expect(  # the marks of a requested fixture's params
        {"test_example.py::test_a[asyncio]": "passed", "test_example.py::test_b[asyncio]": "passed"}
    ),
    ("GP206", "valid", 10): Expect({A: "passed"}),  # addopts -o asyncio_mode=auto
    ("GP206", "valid", 11): Expect({A: "passed"}),  # addopts --override-ini=asyncio_mode=auto
    ("GP206", "valid", 12): Expect({"test_example.py::test_a[1]": "passed"}),  # parametrize marks
    ("GP206", "valid", 13): Expect(  # anyio runs tests whose fixture closure holds anyio_backend
        {A: "passed", "test_example.py::test_b": "passed"},
        plugins=("anyio",),
        skip=None if importlib.util.find_spec("anyio") else "needs the anyio pytest plugin",
    ),
    ("GP206", "valid", 14): Expect(  # aiohttp.pytest_plugin; checked by hand with aiohttp 3.13 and pytest-asyncio 1.5
        {"test_example.py::test_a[pyloop]": "passed"},
        skip=None if importlib.util.find_spec("aiohttp") else "needs aiohttp, not a test dependency",
    ),
    ("GP206", "valid", 15): Expect({}, returncode=5),  # __test__ = False: nothing collected
    ("GP206", "valid", 16): Expect({}, returncode=5),  # python_functions = ["check_*"]
    ("GP206", "invalid", 0): Expect({A: "failed"}, symptom=NOT_SUPPORTED, after_fix={A: "passed"}),
    ("GP206", "invalid", 1): Expect(
        {"test_example.py::TestA::test_sync": "passed", "test_example.py::TestA::test_a": "failed"},
        symptom=NOT_SUPPORTED,
        after_fix={"test_example.py::TestA::test_sync": "passed", "test_example.py::TestA::test_a": "passed"},
    ),
    ("GP206", "invalid", 2): Expect(
        {"test_example.py::test_a[1]": "failed"}, symptom=NOT_SUPPORTED, after_fix={"test_example.py::test_a[1]": "passed"}
    ),
    # addopts' --asyncio-mode=strict wins over asyncio_mode = "auto".
    ("GP206", "invalid", 3): Expect({A: "failed"}, symptom=NOT_SUPPORTED, after_fix={A: "passed"}),
    # GP207: pytest-asyncio 1.0 removed the event_loop fixture.
    ("GP207", "valid", 0): Expect({A: "error"}, skip=PINNED_OLD),
    ("GP207", "valid", 1): Expect({A: "passed"}),
    ("GP207", "valid", 2): Expect({A: "passed"}),
    ("GP207", "invalid", 0): Expect({A: "error"}, symptom=NOT_FOUND),
    ("GP207", "invalid", 1): Expect(
        {A: "passed"},
        note="the module defines its own `event_loop` fixture, so `usefixtures('event_loop')` finds it; "
        "the override itself is inert (test_gp207_override_no_longer_sets_the_loop)",
    ),
    ("GP207", "invalid", 2): Expect({"test_example.py::TestA::test_uses": "error"}, symptom=NOT_FOUND),
    # GP208: `scope=` on the marker warns (an error under -W error); with `loop_scope=` too it fails.
    ("GP208", "valid", 0): Expect({A: "passed"}, warnings_as_errors=True),
    ("GP208", "valid", 1): Expect({"test_example.py::test_db": "passed"}, warnings_as_errors=True),
    ("GP208", "valid", 2): Expect({A: "passed"}, skip=PINNED_OLD),
    ("GP208", "invalid", 0): Expect(
        {"test_example.py": "error"}, symptom=SCOPE_DEPRECATED, warnings_as_errors=True, after_fix={A: "passed"}
    ),
    ("GP208", "invalid", 1): Expect({A: "passed"}, symptom=SCOPE_DEPRECATED, after_fix={A: "passed"}),
    ("GP208", "invalid", 2): Expect({"test_example.py": "error"}, symptom=BOTH_SCOPES, warnings_as_errors=True),
}

CASES = [
    pytest.param(code, kind, index, example, id=f"{code}-{kind}-{index}")
    for code in ("GP206", "GP207", "GP208")
    for kind, examples in (("valid", ALL_RULES[code].VALID), ("invalid", ALL_RULES[code].INVALID))
    for index, example in enumerate(examples)
]


# -- helpers ------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "PY_COLORS"))}
    env.update(COLUMNS="400", PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    env.pop("PYTHONPATH", None)
    return env


@dataclass
class Run:
    returncode: int
    output: str
    outcomes: dict[str, str]


def run_pytest(cwd: Path, expect: Expect) -> Run:
    args = [*PYTEST, *(arg for plugin in expect.plugins for arg in ("-p", plugin))]
    if expect.warnings_as_errors:
        args += WARNINGS_AS_ERRORS
    completed = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=_env(), timeout=120)
    output = completed.stdout + completed.stderr
    outcomes = {node: outcome.lower() for outcome, node in OUTCOME.findall(completed.stdout)}
    return Run(completed.returncode, output, outcomes)


def _tool(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    completed = subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, env=_env(), timeout=120)
    assert completed.returncode in (0, 1), completed.stdout + completed.stderr
    return completed


def audit(cwd: Path, code: str) -> list[dict]:
    document = json.loads(_tool(cwd, "check", "--no-cache", "--select", code, "--output-format", "json").stdout)
    assert document["errors"] == []
    return document["findings"]


def fix(cwd: Path, code: str) -> None:
    _tool(cwd, "fix", "--no-cache", "--unsafe-fixes", "--quiet", "--select", code)


def expected_returncode(expect: Expect) -> int:
    if expect.returncode is not None:
        return expect.returncode
    if any(node.endswith(".py") for node in expect.outcomes):
        return 2  # a collection error interrupts the run
    return 1 if any(outcome != "passed" for outcome in expect.outcomes.values()) else 0


# -- every example -------------------------------------------------------------------------


def test_every_example_has_an_expectation() -> None:
    assert {(code, kind, index) for code, kind, index, _ in (case.values for case in CASES)} == set(EXPECTED)


@pytest.mark.parametrize(("code", "kind", "index", "example"), CASES)
def test_example_against_pytest(code: str, kind: str, index: int, example, tmp_path: Path) -> None:
    expect = EXPECTED[(code, kind, index)]
    if expect.skip:
        pytest.skip(expect.skip)
    extra = EXTRA.get((code, kind, index), "")
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {**example.files, "test_example.py": example.source + extra})

    findings = audit(tmp_path, code)
    assert [finding["code"] for finding in findings] == [code] * example.findings

    before = run_pytest(tmp_path, expect)
    assert before.outcomes == expect.outcomes, before.output
    assert before.returncode == expected_returncode(expect), before.output
    if expect.symptom is not None:
        assert expect.symptom in before.output, before.output
    if code == "GP206" and kind == "invalid":
        # The tests pytest fails are exactly the ones the findings name.
        failing = {node.split("::")[-1].split("[")[0] for node, outcome in before.outcomes.items() if outcome == "failed"}
        named = {re.search(r"`([^`]+)`", finding["message"]).group(1) for finding in findings}
        assert failing == named

    if kind == "invalid" and example.fixed is not None:
        fix(tmp_path, code)
        assert (tmp_path / "test_example.py").read_text(encoding="utf-8") == example.fixed + extra
        after = run_pytest(tmp_path, expect)
        assert after.outcomes == expect.after_fix, after.output
        assert after.returncode == 0, after.output
        assert expect.symptom not in after.output, after.output
        assert audit(tmp_path, code) == []
    else:
        assert not expect.after_fix


# -- GP207: what an `event_loop` override does in 1.x ----------------------------------------

PYPROJECT = '[project]\nname = "x"\ndependencies = ["pytest-asyncio>=1.0"]\n'

OVERRIDE = """\
import asyncio

import pytest

CREATED = []


@pytest.fixture(scope="session")
def event_loop():
    loop = asyncio.new_event_loop()
    CREATED.append(loop)
    yield loop
    loop.close()


@pytest.mark.asyncio
async def test_runs_without_the_override():
    assert CREATED == []


@pytest.mark.asyncio
async def test_requesting_it_gives_another_loop(event_loop):
    assert asyncio.get_running_loop() is not event_loop
"""


def test_gp207_override_no_longer_sets_the_loop(tmp_path: Path) -> None:
    """GP207's claim for an override: pytest-asyncio never uses it; a test that asks for it runs elsewhere."""
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "test_example.py": OVERRIDE})
    findings = audit(tmp_path, "GP207")
    assert [(f["line"], f["message"].split(",")[0]) for f in findings] == [
        (9, "fixture `event_loop` overrides `event_loop`"),
        (22, "`test_requesting_it_gives_another_loop` requests `event_loop`"),
    ]
    assert "not found" not in findings[1]["message"] and "override in this module" in findings[1]["message"]
    run = run_pytest(tmp_path, Expect({}))
    assert run.outcomes == {
        "test_example.py::test_runs_without_the_override": "passed",
        "test_example.py::test_requesting_it_gives_another_loop": "passed",
    }, run.output


def test_gp207_usefixtures_of_a_local_override(tmp_path: Path) -> None:
    (example,) = [e for i, e in enumerate(ALL_RULES["GP207"].INVALID) if i == 1]
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {**example.files, "test_example.py": example.source})
    run = run_pytest(tmp_path, Expect({}))
    assert run.outcomes == {A: "passed"} and NOT_FOUND not in run.output
    usefixtures = [f for f in audit(tmp_path, "GP207") if "usefixtures" in f["message"]]
    assert len(usefixtures) == 1
    assert "not found" not in usefixtures[0]["message"]
    assert "override in this module" in usefixtures[0]["message"]


def test_gp207_request_of_a_conftest_override(tmp_path: Path) -> None:
    (example,) = [e for i, e in enumerate(ALL_RULES["GP207"].INVALID) if i == 1]
    conftest, test = example.source.split("@pytest.mark.usefixtures")
    (tmp_path / ".git").mkdir()
    write_tree(
        tmp_path,
        {**example.files, "tests/conftest.py": conftest, "tests/test_example.py": "import pytest\n\n@pytest.mark.usefixtures" + test},
    )
    run = run_pytest(tmp_path, Expect({}))
    assert NOT_FOUND not in run.output and "passed" in run.output
    usefixtures = [f for f in audit(tmp_path, "GP207") if "usefixtures" in f["message"]]
    assert len(usefixtures) == 1
    assert "override in tests/conftest.py" in usefixtures[0]["message"]
