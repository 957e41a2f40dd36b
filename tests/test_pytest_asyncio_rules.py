"""pytest-asyncio rules GP206-GP208: exact findings and fixes, and real pytest as the oracle.

Unit tests run the engine in-process on temp projects. Oracle tests build a
project that declares `pytest-asyncio>=1.0`, run real pytest 9 + pytest-asyncio
1.x in a subprocess (the plugin loaded there, whatever the outer run does), run
`goldenpath-audit` from the same directory, and check that what pytest fails on
is what we report, and that `fix --unsafe-fixes` makes pytest pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import locations, run_engine, write_tree
from goldenpath_audit.auditor.fixer import apply_fixes

CLI = [sys.executable, "-m", "goldenpath_audit"]
SELECT = ["GP206", "GP207", "GP208"]
PYPROJECT = (
    '[project]\nname = "demo"\nversion = "0"\ndependencies = ["pytest-asyncio>=1.0"]\n\n'
    '[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n'
)


def _check(tmp_path: Path, files: dict[str, str], select: list[str] = SELECT):
    (tmp_path / ".git").mkdir(exist_ok=True)
    write_tree(tmp_path, files)
    return run_engine(tmp_path, select=select)


def _fixed(tmp_path: Path, result, name: str, *, unsafe: bool = True) -> str:
    report = apply_fixes(result, tmp_path, unsafe=unsafe, write=True)
    assert not report.errors
    return (tmp_path / name).read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# -- GP206 -------------------------------------------------------------------------------

GP206_SOURCE = '''\
"""Doc."""
from __future__ import annotations

import os

import pytest as pt

pytestmark = [pt.mark.slow]


async def test_plain():
    pass


@pt.mark.asyncio
async def test_marked():
    pass


@pt.mark.parametrize("x", [1])
async def test_param(x):
    pass


class TestA:
    pytestmark = pt.mark.asyncio

    async def test_class_marked(self):
        pass


class TestB:
    async def test_method(self):
        pass

    class TestNested:
        async def test_nested(self):
            pass


class Helper:
    async def test_not_collected(self):
        pass


@some.decorator
async def test_opaque():
    pass


async def helper():
    pass
'''

GP206_FIXED = GP206_SOURCE.replace(
    "\n\nasync def test_plain", "\n\n@pt.mark.asyncio\nasync def test_plain"
).replace(
    '@pt.mark.parametrize("x", [1])\n', '@pt.mark.parametrize("x", [1])\n@pt.mark.asyncio\n'
).replace(
    "    async def test_method", "    @pt.mark.asyncio\n    async def test_method"
).replace(
    "        async def test_nested", "        @pt.mark.asyncio\n        async def test_nested"
)


def test_gp206_exact_findings_and_fix(tmp_path: Path) -> None:
    result = _check(tmp_path, {"pyproject.toml": PYPROJECT, "tests/test_a.py": GP206_SOURCE})
    assert locations(result) == [
        ("tests/test_a.py", 11, 11, "GP206"),
        ("tests/test_a.py", 21, 11, "GP206"),
        ("tests/test_a.py", 33, 15, "GP206"),
        ("tests/test_a.py", 37, 19, "GP206"),
    ]
    assert "strict is the default mode (pytest-asyncio>=1.0 in pyproject.toml)" in result.findings[0].message
    assert all(f.fix is not None and f.fix.applicability.value == "unsafe" for f in result.findings)
    assert _fixed(tmp_path, result, "tests/test_a.py") == GP206_FIXED
    # Safe fixes only: nothing changes.
    assert _check(tmp_path, {}).findings == []


def test_gp206_safe_fix_run_does_not_add_marker(tmp_path: Path) -> None:
    source = "async def test_a():\n    pass\n"
    result = _check(tmp_path, {"pyproject.toml": PYPROJECT, "test_a.py": source})
    assert len(result.findings) == 1
    assert _fixed(tmp_path, result, "test_a.py", unsafe=False) == source


def test_gp206_adds_import_after_docstring_and_future(tmp_path: Path) -> None:
    source = '"""Doc."""\nfrom __future__ import annotations\n\n# helpers\nimport os\n\n\nasync def test_a():\n    pass\n\n\nasync def test_b():\n    pass\n'
    result = _check(tmp_path, {"pyproject.toml": PYPROJECT, "test_a.py": source})
    assert locations(result) == [("test_a.py", 8, 11, "GP206"), ("test_a.py", 12, 11, "GP206")]
    assert _fixed(tmp_path, result, "test_a.py") == (
        '"""Doc."""\nfrom __future__ import annotations\n\n# helpers\nimport pytest\nimport os\n\n\n'
        "@pytest.mark.asyncio\nasync def test_a():\n    pass\n\n\n@pytest.mark.asyncio\nasync def test_b():\n    pass\n"
    )


def test_gp206_no_fix_when_pytest_name_is_taken(tmp_path: Path) -> None:
    result = _check(tmp_path, {"pyproject.toml": PYPROJECT, "test_a.py": "pytest = object()\n\nasync def test_a():\n    pass\n"})
    assert [(f.code, f.fix) for f in result.findings] == [("GP206", None)]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('[tool.pytest.ini_options]\nasyncio_mode = "auto"\n', 0),
        ('[tool.pytest.ini_options]\nasyncio_mode = "strict"\n', 1),
        ('[tool.pytest.ini_options]\nasyncio_mode = "strict"\naddopts = "--asyncio-mode=auto"\n', 0),
        ('[tool.pytest.ini_options]\nasyncio_mode = "auto"\naddopts = "-q --asyncio-mode strict"\n', 1),
        ('[tool.pytest.ini_options]\ntrio_mode = true\n', 0),
        ('[tool.pytest.ini_options]\npython_files = ["check_*.py"]\n', 0),
    ],
)
def test_gp206_mode(tmp_path: Path, config: str, expected: int) -> None:
    pyproject = '[project]\nname = "demo"\ndependencies = ["pytest-asyncio>=1.0"]\n\n' + config
    result = _check(tmp_path, {"pyproject.toml": pyproject, "test_a.py": "async def test_a():\n    pass\n"})
    assert len(result.findings) == expected


def test_gp206_old_default_mode_and_undeclared(tmp_path: Path) -> None:
    old = '[project]\nname = "demo"\ndependencies = ["pytest-asyncio<0.19"]\n'
    assert _check(tmp_path, {"pyproject.toml": old, "test_a.py": "async def test_a():\n    pass\n"}).findings == []
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\ndependencies = ["pytest"]\n')
    assert _check(tmp_path, {}).findings == []


def test_gp206_inherited_class_is_not_flagged(tmp_path: Path) -> None:
    source = "import pytest\n\nclass TestA(Base):\n    async def test_a(self):\n        pass\n"
    assert _check(tmp_path, {"pyproject.toml": PYPROJECT, "test_a.py": source}).findings == []


# -- GP207 -------------------------------------------------------------------------------

GP207_SOURCE = '''\
import asyncio

import pytest
import pytest_asyncio


@pytest.fixture(scope="module")
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest_asyncio.fixture(name="event_loop")
async def custom_loop():
    yield None


@pytest.mark.asyncio
async def test_a(event_loop):
    pass


@pytest.mark.usefixtures("db", "event_loop")
class TestA:
    def test_b(self, *, event_loop):
        pass

    def test_c(self, event_loop=None):
        pass


def helper(event_loop):
    pass
'''


def test_gp207_exact_findings(tmp_path: Path) -> None:
    result = _check(tmp_path, {"pyproject.toml": PYPROJECT, "test_a.py": GP207_SOURCE})
    assert locations(result) == [
        ("test_a.py", 8, 5, "GP207"),
        ("test_a.py", 15, 11, "GP207"),
        ("test_a.py", 20, 18, "GP207"),
        ("test_a.py", 24, 32, "GP207"),
        # test_b (line 26) is a plain function: it gets the module's own loop and runs on it.
    ]
    assert all(f.fix is None for f in result.findings)
    assert all("loop_scope" in f.message for f in result.findings)


def test_gp207_not_before_1_0(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "demo"\ndependencies = ["pytest-asyncio==0.23.8"]\n'
    assert _check(tmp_path, {"pyproject.toml": pyproject, "test_a.py": GP207_SOURCE}).findings == []


# -- GP208 -------------------------------------------------------------------------------


def test_gp208_exact_findings_and_fix(tmp_path: Path) -> None:
    source = (
        "import pytest\nfrom pytest import mark as m\nimport pytest_asyncio\n\n"
        "pytestmark = pytest.mark.asyncio(scope='module')\n\n"
        "@pytest_asyncio.fixture(scope='module')\nasync def db():\n    yield 1\n\n"
        "@pytest.mark.parametrize('x', [pytest.param(1, marks=m.asyncio(scope = 'class'))])\n"
        "async def test_a(x):\n    pass\n"
    )
    result = _check(tmp_path, {"pyproject.toml": PYPROJECT, "test_a.py": source}, select=["GP208"])
    assert locations(result) == [("test_a.py", 5, 34, "GP208"), ("test_a.py", 11, 64, "GP208")]
    assert all(f.fix is not None and f.fix.applicability.value == "safe" for f in result.findings)
    assert _fixed(tmp_path, result, "test_a.py", unsafe=False) == source.replace(
        "asyncio(scope='module')", "asyncio(loop_scope='module')"
    ).replace("scope = 'class'", "loop_scope = 'class'")


def test_gp208_unsafe_when_older_versions_allowed(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "demo"\ndependencies = ["pytest-asyncio>=0.23"]\n'
    source = "import pytest\n\n@pytest.mark.asyncio(scope='module')\nasync def test_a():\n    pass\n"
    result = _check(tmp_path, {"pyproject.toml": pyproject, "test_a.py": source}, select=["GP208"])
    assert [f.fix.applicability.value for f in result.findings] == ["unsafe"]
    assert _fixed(tmp_path, result, "test_a.py", unsafe=False) == source


# -- real pytest as the oracle -------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PY_COLORS"))}
    env.update(COLUMNS="400", PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1")
    env.pop("PYTHONPATH", None)
    return env


def _pytest(cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )


def _audit(cwd: Path, select: str) -> list[dict]:
    result = subprocess.run(
        [*CLI, "check", "--select", select, "--output-format", "json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    return report["findings"]


def _fix(cwd: Path) -> None:
    result = subprocess.run(
        [*CLI, "fix", "--unsafe-fixes", "--quiet"], cwd=cwd, capture_output=True, text=True, env=_env(), timeout=120
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr


def _project(root: Path, files: dict[str, str]) -> None:
    (root / ".git").mkdir(exist_ok=True)
    write_tree(root, {"pyproject.toml": PYPROJECT, **files})


def test_oracle_gp206_strict_mode(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            "tests/test_a.py": "import asyncio\n\n\nasync def test_plain():\n    await asyncio.sleep(0)\n\n\n"
            "class TestA:\n    async def test_method(self):\n        await asyncio.sleep(0)\n",
            "tests/test_b.py": "async def test_no_import():\n    pass\n",
            "tests/test_ok.py": "import pytest\n\npytestmark = [pytest.mark.asyncio]\n\n\nasync def test_ok():\n    pass\n",
        },
    )
    before = _pytest(tmp_path)
    assert before.returncode == 1, before.stdout
    failing = {line.split(" ")[1] for line in before.stdout.splitlines() if line.startswith("FAILED ")}
    assert failing == {"tests/test_a.py::test_plain", "tests/test_a.py::TestA::test_method", "tests/test_b.py::test_no_import"}
    assert "async def functions are not natively supported" in before.stdout
    findings = _audit(tmp_path, "GP206")
    reported = {(f["path"], f["line"]) for f in findings}
    assert reported == {("tests/test_a.py", 4), ("tests/test_a.py", 9), ("tests/test_b.py", 1)}
    _fix(tmp_path)
    after = _pytest(tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "4 passed" in after.stdout
    assert _audit(tmp_path, "GP206") == []


def test_oracle_gp206_auto_mode_is_quiet(tmp_path: Path) -> None:
    _project(tmp_path, {"tests/test_a.py": "async def test_plain():\n    pass\n"})
    (tmp_path / "pyproject.toml").write_text(PYPROJECT + 'asyncio_mode = "auto"\n', encoding="utf-8")
    assert _pytest(tmp_path).returncode == 0
    assert _audit(tmp_path, "GP206") == []


def test_oracle_gp207_event_loop_not_found(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            "tests/test_a.py": "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_loop(event_loop):\n    pass\n\n\n"
            "@pytest.mark.usefixtures('event_loop')\ndef test_sync():\n    pass\n",
        },
    )
    before = _pytest(tmp_path)
    assert before.returncode == 1
    assert before.stdout.count("fixture 'event_loop' not found") == 2, before.stdout
    errors = {line.split(" ")[1] for line in before.stdout.splitlines() if line.startswith("ERROR ")}
    assert errors == {"tests/test_a.py::test_loop", "tests/test_a.py::test_sync"}
    findings = _audit(tmp_path, "GP207")
    assert [(f["path"], f["line"], f["column"]) for f in findings] == [
        ("tests/test_a.py", 5, 21),
        ("tests/test_a.py", 9, 26),
    ]


def test_oracle_gp208_deprecation_warning_gone_after_fix(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            "tests/test_a.py": "import pytest\n\n\n@pytest.mark.asyncio(scope='function')\nasync def test_a():\n    pass\n",
        },
    )
    strict_warnings = ("-W", "error::pytest.PytestDeprecationWarning")
    before = _pytest(tmp_path, *strict_warnings)
    assert before.returncode != 0
    assert 'The "scope" keyword argument to the asyncio marker has been deprecated' in before.stdout + before.stderr
    findings = _audit(tmp_path, "GP208")
    assert [(f["path"], f["line"], f["column"]) for f in findings] == [("tests/test_a.py", 4, 22)]
    _fix(tmp_path)
    assert "loop_scope='function'" in (tmp_path / "tests/test_a.py").read_text(encoding="utf-8")
    after = _pytest(tmp_path, *strict_warnings)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "deprecated" not in after.stdout + after.stderr


def test_gp207_names_parametrize_supplies_are_not_fixtures(tmp_path: Path) -> None:
    source = "import pytest\n\n@pytest.mark.parametrize('event_loop', [None])\ndef test_x(event_loop):\n    pass\n"
    assert _check(tmp_path, {"pyproject.toml": PYPROJECT, "test_a.py": source}).findings == []
