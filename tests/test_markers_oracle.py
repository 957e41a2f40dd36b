"""Marker rules (GP201/GP202/GP204/GP205) against real pytest as the oracle.

Every case builds a small project, runs `pytest --collect-only --strict-markers`
in a subprocess, and runs the `goldenpath-audit` CLI from the same directory:
the modules pytest fails on for an unknown marker must be exactly the modules
we report, and the first marker pytest names in each must be one we report.
Then `goldenpath-audit fix --unsafe-fixes` must make pytest collect cleanly,
and a second `fix` must change no byte.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "goldenpath_audit"]
NO_ASYNCIO = ("-p", "no:asyncio")

HEADER = re.compile(r"^_+ ERROR collecting (?P<path>\S+) _+$", re.M)
STRICT = re.compile(r"'(?P<name>[^']+)' not found in `markers` configuration option")
MISSPELLED = re.compile(r"Unknown '(?P<name>[^']+)' mark, did you mean 'parametrize'\?")


# -- helpers --------------------------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PY_COLORS"))}
    env.update(COLUMNS="400", PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1")
    env.pop("PYTHONPATH", None)
    return env


@dataclass
class Collected:
    returncode: int
    output: str
    errors: dict[str, str]  # module (relative to cwd, posix) -> whole error section

    def marker_errors(self) -> dict[str, str]:
        """Module -> the first unknown marker pytest names for it."""
        found: dict[str, str] = {}
        for path, section in self.errors.items():
            match = MISSPELLED.search(section) or STRICT.search(section)
            if match:
                found[path] = match.group("name")
        return found


def collect(cwd: Path, *extra: str) -> Collected:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "--strict-markers", "-p", "no:cacheprovider", *extra],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    output = result.stdout + result.stderr
    errors: dict[str, str] = {}
    headers = list(HEADER.finditer(output))
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(output)
        summary = output.find("\n===", header.end(), end)
        end = summary if summary >= 0 else end
        errors[Path(header.group("path")).as_posix()] = output[header.end() : end]
    return Collected(result.returncode, output, errors)


def audit(cwd: Path, select: str = "GP201,GP202") -> list[dict]:
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


def names_by_file(findings: list[dict], cwd: Path) -> dict[str, set[str]]:
    """File -> marker names we report: from the message, and from the source at the finding."""
    by_file: dict[str, set[str]] = {}
    for finding in findings:
        path = Path(finding["path"]).as_posix()
        names = by_file.setdefault(path, set())
        message_name = re.search(r"`([^`]+)`", finding["message"])
        assert message_name, finding
        names.add(message_name.group(1))
        line = (cwd / path).read_text(encoding="utf-8").splitlines()[finding["line"] - 1]
        token = line[finding["column"] - 1 : finding["end_column"] - 1].strip("'\"")
        assert token == message_name.group(1), (finding, line)
    return by_file


def fix(cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CLI, "fix", "--unsafe-fixes", "--quiet"], cwd=cwd, capture_output=True, text=True, env=_env(), timeout=120
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts and "__pycache__" not in p.parts and ".goldenpath_cache" not in p.parts
    }


def assert_agrees(cwd: Path, *pytest_args: str) -> dict[str, str]:
    """pytest's unknown-marker modules == our GP201/GP202 files; its first name is among ours."""
    collected = collect(cwd, *pytest_args)
    pytest_errors = collected.marker_errors()
    assert set(collected.errors) == set(pytest_errors), collected.output  # no other collection error
    ours = names_by_file(audit(cwd), cwd)
    assert set(pytest_errors) == set(ours), (pytest_errors, ours, collected.output)
    for path, name in pytest_errors.items():
        assert name in ours[path], (path, name, ours[path])
    return pytest_errors


def assert_fixed(root: Path, cwds: list[Path], *pytest_args: str) -> None:
    """fix (from each cwd) makes pytest collect cleanly, and a second fix changes nothing."""
    for cwd in cwds:
        fix(cwd)
    for cwd in cwds:
        collected = collect(cwd, *pytest_args)
        assert collected.returncode == 0, collected.output
        assert audit(cwd) == []
    before = snapshot(root)
    for cwd in cwds:
        fix(cwd)
    assert snapshot(root) == before


# -- projects -------------------------------------------------------------------------

PAYLOAD = {
    "tests/test_ok.py": """\
import pytest


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.env("ci")
@pytest.mark.parametrize("a", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_ok(a):
    pass
""",
    "tests/test_unknown.py": """\
import pytest


@pytest.mark.golden
def test_unknown():
    pass
""",
    "tests/test_typo.py": """\
import pytest


@pytest.mark.intergration
def test_typo():
    pass
""",
}

MARKERS_INI = "markers =\n    integration: integration tests\n    slow\n    env(name): needs an environment\n"
MARKERS_LIST = 'markers = ["integration: integration tests", "slow", "env(name): needs an environment"]\n'
MARKERS_STRING = 'markers = """\n    integration: integration tests\n    slow\n    env(name): needs an environment\n"""\n'

CONFIGS = {
    "pytest.ini": {"pytest.ini": "[pytest]\n" + MARKERS_INI},
    ".pytest.ini": {".pytest.ini": "[pytest]\n" + MARKERS_INI},
    "pytest.toml": {"pytest.toml": "[pytest]\n" + MARKERS_LIST},
    ".pytest.toml": {".pytest.toml": "[pytest]\n" + MARKERS_LIST},
    "pyproject-ini-options-list": {"pyproject.toml": '[project]\nname = "x"\n\n[tool.pytest.ini_options]\n' + MARKERS_LIST},
    "pyproject-ini-options-string": {
        "pyproject.toml": '[project]\nname = "x"\n\n[tool.pytest.ini_options]\n' + MARKERS_STRING
    },
    "pyproject-native": {"pyproject.toml": '[project]\nname = "x"\n\n[tool.pytest]\n' + MARKERS_LIST},
    "tox.ini": {"tox.ini": "[tox]\nenvlist = py311\n\n[pytest]\n" + MARKERS_INI + "\n[testenv]\ncommands = pytest\n"},
    "setup.cfg": {"setup.cfg": "[metadata]\nname = x\n\n[tool:pytest]\n" + MARKERS_INI + "\n[flake8]\nmax-line-length = 100\n"},
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_config_format(tmp_path: Path, config: str) -> None:
    write(tmp_path, {**CONFIGS[config], **PAYLOAD})
    errors = assert_agrees(tmp_path, *NO_ASYNCIO)
    assert errors == {"tests/test_unknown.py": "golden", "tests/test_typo.py": "intergration"}
    assert_fixed(tmp_path, [tmp_path], *NO_ASYNCIO)
    assert "golden" in (tmp_path / next(iter(CONFIGS[config]))).read_text()
    assert "@pytest.mark.integration\n" in (tmp_path / "tests/test_typo.py").read_text()


USAGE_FORMS = {
    "test_attr.py": "import pytest\n\n@pytest.mark.u_attr\ndef test_a():\n    pass\n",
    "test_call.py": "import pytest\n\n@pytest.mark.u_call(1, reason='x')\ndef test_a():\n    pass\n",
    "test_with_args.py": (
        "import pytest\n\ndef helper():\n    pass\n\n@pytest.mark.u_with_args.with_args(helper)\ndef test_a():\n    pass\n"
    ),
    "test_module_mark.py": "import pytest\n\npytestmark = pytest.mark.u_module\n\ndef test_a():\n    pass\n",
    "test_module_list.py": (
        "import pytest\n\npytestmark = [pytest.mark.slow, pytest.mark.u_module_list(1)]\n\ndef test_a():\n    pass\n"
    ),
    "test_class_pytestmark.py": (
        "import pytest\n\nclass TestA:\n    pytestmark = pytest.mark.u_class_pytestmark\n\n    def test_a(self):\n        pass\n"
    ),
    "test_class_pytestmark_list.py": (
        "import pytest\n\nclass TestA:\n    pytestmark = [pytest.mark.u_class_list]\n\n    def test_a(self):\n        pass\n"
    ),
    "test_param_single.py": (
        "import pytest\n\n@pytest.mark.parametrize('a', [pytest.param(1, marks=pytest.mark.u_param)])\n"
        "def test_a(a):\n    pass\n"
    ),
    "test_param_list.py": (
        "import pytest\n\n@pytest.mark.parametrize('a', [pytest.param(1, marks=[pytest.mark.slow, pytest.mark.u_param_list])])\n"
        "def test_a(a):\n    pass\n"
    ),
    "test_param_tuple.py": (
        "import pytest\n\n@pytest.mark.parametrize('a', [pytest.param(1, marks=(pytest.mark.u_param_tuple, pytest.mark.slow))])\n"
        "def test_a(a):\n    pass\n"
    ),
    "test_from_import.py": "from pytest import mark\n\n@mark.u_from\ndef test_a():\n    pass\n",
    "test_from_import_as.py": "from pytest import mark as m\n\n@m.u_from_as\ndef test_a():\n    pass\n",
    "test_import_as.py": "import pytest as pt\n\n@pt.mark.u_import_as\ndef test_a():\n    pass\n",
    "test_class_decorator.py": (
        "import pytest\n\n@pytest.mark.u_class_decorator\nclass TestA:\n    def test_a(self):\n        pass\n"
    ),
    "test_variable.py": "import pytest\n\nheavy = pytest.mark.u_variable\n\n@heavy\ndef test_a():\n    pass\n",
    "test_getattr.py": "import pytest\n\n@getattr(pytest.mark, 'u_getattr')\ndef test_a():\n    pass\n",
    "test_two_unknown.py": (
        "import pytest\n\n@pytest.mark.u_second\n@pytest.mark.u_first\ndef test_a():\n    pass\n\n"
        "@pytest.mark.u_third\ndef test_b():\n    pass\n"
    ),
    "test_nested_class.py": (
        "import pytest\n\nclass TestOuter:\n    class TestInner:\n        @pytest.mark.u_nested\n"
        "        def test_a(self):\n            pass\n"
    ),
    # Every form with registered names: no error anywhere.
    "test_all_known.py": """\
import pytest
import pytest as pt
from pytest import mark
from pytest import mark as m

pytestmark = [pytest.mark.slow, pt.mark.integration]
heavy = pytest.mark.slow


def helper():
    pass


@mark.integration
@m.slow
@heavy
@pytest.mark.integration.with_args(helper)
@pytest.mark.parametrize("a", [pytest.param(1, marks=(pytest.mark.slow,)), pytest.param(2, marks=[m.integration])])
def test_a(a):
    pass


@pytest.mark.slow
class TestA:
    pytestmark = pytest.mark.integration

    @pytest.mark.skipif(False, reason="x")
    @pytest.mark.xfail(strict=False)
    @pytest.mark.filterwarnings("ignore")
    @pytest.mark.usefixtures("tmp_path")
    def test_b(self):
        pass
""",
}


def test_every_usage_form(tmp_path: Path) -> None:
    write(tmp_path, {"pytest.ini": "[pytest]\nmarkers =\n    integration\n    slow\n", **USAGE_FORMS})
    errors = assert_agrees(tmp_path, *NO_ASYNCIO)
    expected = {path for path in USAGE_FORMS if path != "test_all_known.py"}
    assert set(errors) == expected
    assert_fixed(tmp_path, [tmp_path], *NO_ASYNCIO)


CONFTEST_PROJECT = {
    # No pytest table: pytest 8.1+ still makes this pyproject.toml the configfile.
    "pyproject.toml": '[project]\nname = "x"\nversion = "0"\n',
    "conftest.py": """\
import pytest

PREFIX = "db"
EXTRA = ["flaky_net", "gpu"]

# Not validated: the initial conftest is imported before pytest configures marks.
pytestmark = pytest.mark.conf_unvalidated


def pytest_configure(config):
    config.addinivalue_line("markers", "conf_literal: registered literally")
    config.addinivalue_line("markers", f"{PREFIX}_heavy: through an f-string")
    for name in EXTRA:
        config.addinivalue_line("markers", f"{name}: from a loop")
""",
    "test_root.py": """\
import pytest


@pytest.mark.conf_literal
@pytest.mark.db_heavy
@pytest.mark.flaky_net
@pytest.mark.gpu
def test_a():
    pass
""",
    # Collected before zsub/ (sorted by name), so `sub_only` is not registered yet.
    "test_root_bad.py": "import pytest\n\n@pytest.mark.sub_only\ndef test_a():\n    pass\n",
    "test_root_typo.py": "import pytest\n\n@pytest.mark.conf_literl\ndef test_a():\n    pass\n",
    # An initial conftest (a test* directory of the rootdir): loaded before any test module.
    "test_root_early.py": "import pytest\n\n@pytest.mark.early_sub\ndef test_a():\n    pass\n",
    "tests_early/conftest.py": (
        "import pytest\n\npytestmark = pytest.mark.early_unvalidated\n\n"
        "def pytest_configure(config):\n    config.addinivalue_line('markers', 'early_sub: initial conftest')\n"
    ),
    "zsub/conftest.py": (
        "def pytest_configure(config):\n    config.addinivalue_line('markers', 'sub_only: only below zsub')\n"
    ),
    "zsub/test_sub.py": "import pytest\n\n@pytest.mark.sub_only\n@pytest.mark.gpu\ndef test_a():\n    pass\n",
    "zsub/test_sub_bad.py": "import pytest\n\n@pytest.mark.sub_never\ndef test_a():\n    pass\n",
}


def test_conftest_registrations(tmp_path: Path) -> None:
    write(tmp_path, CONFTEST_PROJECT)
    errors = assert_agrees(tmp_path, *NO_ASYNCIO)
    assert errors == {
        "test_root_bad.py": "sub_only",
        "test_root_typo.py": "conf_literl",
        "zsub/test_sub_bad.py": "sub_never",
    }
    assert_fixed(tmp_path, [tmp_path], *NO_ASYNCIO)
    assert "@pytest.mark.conf_literal\n" in (tmp_path / "test_root_typo.py").read_text()


PLUGIN_CONFIGS = {
    "ini": {"pytest.ini": "[pytest]\naddopts = -p gp_plugin\nmarkers =\n    local\n"},
    "native": {"pyproject.toml": '[tool.pytest]\naddopts = ["-p", "gp_plugin"]\nmarkers = ["local"]\n'},
    "ini-options-joined": {"pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-pgp_plugin -ra"\nmarkers = ["local"]\n'},
}


@pytest.mark.parametrize("config", sorted(PLUGIN_CONFIGS))
def test_plugin_modules(tmp_path: Path, config: str) -> None:
    write(
        tmp_path,
        {
            **PLUGIN_CONFIGS[config],
            "gp_plugin.py": "def pytest_configure(config):\n    config.addinivalue_line('markers', 'plugged: from -p')\n",
            # pytest_plugins in the root conftest names a module that registers another marker.
            "conftest.py": "pytest_plugins = ['support.gp_markers']\n",
            "support/__init__.py": "",
            "support/gp_markers.py": (
                "def pytest_configure(config):\n    config.addinivalue_line('markers', 'from_plugins: pytest_plugins')\n"
            ),
            "tests/test_ok.py": (
                "import pytest\n\n@pytest.mark.plugged\n@pytest.mark.local\n@pytest.mark.from_plugins\n"
                "def test_a():\n    pass\n"
            ),
            "tests/test_bad.py": "import pytest\n\n@pytest.mark.unplugged_x\ndef test_a():\n    pass\n",
        },
    )
    errors = assert_agrees(tmp_path, *NO_ASYNCIO)
    assert errors == {"tests/test_bad.py": "unplugged_x"}
    assert_fixed(tmp_path, [tmp_path], *NO_ASYNCIO)


def test_testpaths_anchor_initial_conftests(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\ntestpaths = suite\n",
            # suite/ is the anchor and suite/testing_helpers/ a test* subdirectory: both initial.
            "suite/conftest.py": "def pytest_configure(config):\n    config.addinivalue_line('markers', 'anchor_mark')\n",
            "suite/testing_helpers/conftest.py": (
                "import pytest\n\npytestmark = pytest.mark.not_validated\n\n"
                "def pytest_configure(config):\n    config.addinivalue_line('markers', 'helper_mark')\n"
            ),
            "suite/test_a_ok.py": (
                "import pytest\n\n@pytest.mark.anchor_mark\n@pytest.mark.helper_mark\ndef test_a():\n    pass\n"
            ),
            "suite/test_b_bad.py": "import pytest\n\n@pytest.mark.late_mark\ndef test_a():\n    pass\n",
            # Not an initial conftest: loaded only when pytest reaches zz/.
            "suite/zz/conftest.py": "def pytest_configure(config):\n    config.addinivalue_line('markers', 'late_mark')\n",
            "suite/zz/test_late.py": "import pytest\n\n@pytest.mark.late_mark\ndef test_a():\n    pass\n",
        },
    )
    assert assert_agrees(tmp_path, *NO_ASYNCIO) == {"suite/test_b_bad.py": "late_mark"}
    assert_fixed(tmp_path, [tmp_path], *NO_ASYNCIO)


ASYNC_TEST = "import pytest\n\n@pytest.mark.asyncio\nasync def test_a():\n    pass\n"


def test_declared_plugin_marker_is_known(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "x"\nversion = "0"\ndependencies = ["pytest-asyncio>=1"]\n\n'
                '[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\nmarkers = ["slow"]\n'
            ),
            "tests/test_async.py": ASYNC_TEST,
        },
    )
    assert assert_agrees(tmp_path) == {}  # pytest-asyncio is installed: real pytest knows `asyncio`


def test_plugin_declared_in_setup_py_is_known(tmp_path: Path) -> None:
    """gql and sanic declare their test plugins only in setup.py."""
    write(
        tmp_path,
        {
            "setup.py": (
                "from setuptools import setup\n\ntests_require = ['pytest', 'pytest-asyncio>=1']\n\n"
                "setup(name='x', extras_require={'test': tests_require})\n"
            ),
            "pyproject.toml": (
                '[project]\nname = "x"\ndynamic = ["version", "optional-dependencies"]\n\n'
                '[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n'
            ),
            "tests/test_async.py": ASYNC_TEST,
        },
    )
    assert assert_agrees(tmp_path) == {}


def test_plugin_whose_own_option_the_config_sets_is_known(tmp_path: Path) -> None:
    """python-binance declares no pytest-asyncio but sets its `asyncio_default_fixture_loop_scope`: it is installed."""
    write(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "x"\nversion = "0"\n\n'
                '[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n'
            ),
            "tests/test_async.py": ASYNC_TEST,
        },
    )
    assert assert_agrees(tmp_path, "-W", "error::pytest.PytestConfigWarning") == {}


@pytest.mark.parametrize(
    "files",
    [
        {"pytest.ini": "[pytest]\naddopts = -p pytester\n"},
        {"pytest.ini": "[pytest]\n", "conftest.py": "pytest_plugins = ['pytester']\n"},
    ],
    ids=["-p", "pytest_plugins"],
)
def test_pytesters_own_marker_is_known_where_pytester_is_enabled(tmp_path: Path, files: dict[str, str]) -> None:
    """pytest's own suite: `-p pytester` registers `pytester_example_path`."""
    write(
        tmp_path,
        {
            **files,
            "testing/test_a.py": "import pytest\n\n@pytest.mark.pytester_example_path('x')\ndef test_a():\n    pass\n",
        },
    )
    assert assert_agrees(tmp_path, *NO_ASYNCIO) == {}


def test_pytesters_own_marker_is_unknown_without_pytester(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\n",
            "testing/test_a.py": "import pytest\n\n@pytest.mark.pytester_example_path('x')\ndef test_a():\n    pass\n",
        },
    )
    assert assert_agrees(tmp_path, *NO_ASYNCIO) == {"testing/test_a.py": "pytester_example_path"}


def test_plugin_required_by_a_declared_package_is_known(tmp_path: Path) -> None:
    """pytest-aiohttp requires pytest-asyncio: declaring it installs the plugin that registers `asyncio`."""
    write(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "x"\nversion = "0"\n\n[dependency-groups]\ntest = ["pytest-aiohttp>=1"]\n\n'
                '[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n'
            ),
            "tests/test_async.py": ASYNC_TEST,
        },
    )
    assert assert_agrees(tmp_path) == {}
    findings = audit(tmp_path, select="GP2")
    assert findings == []


def test_the_project_that_is_the_plugin_knows_its_markers(tmp_path: Path) -> None:
    """pytest-asyncio's own repository tests pytest-asyncio installed: `asyncio` is registered there."""
    write(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "pytest_asyncio"\nversion = "0"\n\n'
                '[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n'
            ),
            "docs/example_test.py": ASYNC_TEST,
            "tests/test_async.py": ASYNC_TEST,
        },
    )
    assert assert_agrees(tmp_path) == {}


OWN_PLUGIN = "def pytest_configure(config):\n    config.addinivalue_line('markers', 'own_mark: from the entry point')\n"


@pytest.mark.parametrize(
    "metadata",
    [
        {"pyproject.toml": '[project]\nname = "gp-own"\nversion = "0"\n\n[project.entry-points.pytest11]\nown = "gp_own.plugin"\n'},
        {"pyproject.toml": '[tool.poetry]\nname = "gp-own"\n\n[tool.poetry.plugins.pytest11]\nown = "gp_own.plugin:Plugin"\n'},
        {"setup.cfg": "[metadata]\nname = gp-own\n\n[options.entry_points]\npytest11 =\n    own = gp_own.plugin\n"},
    ],
    ids=["pep621", "poetry", "setup.cfg"],
)
def test_the_projects_own_pytest11_entry_points_register_markers(tmp_path: Path, metadata: dict[str, str]) -> None:
    write(
        tmp_path,
        {
            **metadata,
            "pytest.ini": "[pytest]\n",
            "gp_own/__init__.py": "",
            "gp_own/plugin.py": OWN_PLUGIN,
            "tests/test_ok.py": "import pytest\n\n@pytest.mark.own_mark\ndef test_a():\n    pass\n",
            "tests/test_bad.py": "import pytest\n\n@pytest.mark.not_own\ndef test_a():\n    pass\n",
        },
    )
    # Installed, the entry point loads gp_own.plugin; `-p` loads the same module the same way.
    errors = assert_agrees(tmp_path, *NO_ASYNCIO, "-p", "gp_own.plugin")
    assert errors == {"tests/test_bad.py": "not_own"}


def test_undeclared_plugin_marker_is_unknown(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\nversion = "0"\n\n[tool.pytest.ini_options]\nmarkers = ["slow"]\n',
            "tests/test_async.py": ASYNC_TEST,
        },
    )
    # -p no:asyncio: pytest as it would be where the undeclared plugin is not installed.
    assert assert_agrees(tmp_path, *NO_ASYNCIO) == {"tests/test_async.py": "asyncio"}
    assert_fixed(tmp_path, [tmp_path], *NO_ASYNCIO)


def test_misspellings(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nmarkers =\n    integration: integration tests\n    phase_2\n",
            "test_parametrise.py": "import pytest\n\n@pytest.mark.parametrise('a', [1])\ndef test_a(a):\n    pass\n",
            "test_parameterize.py": "import pytest\n\n@pytest.mark.parameterize('a', [1])\ndef test_a(a):\n    pass\n",
            "test_intergration.py": "import pytest\n\n@pytest.mark.intergration\ndef test_a():\n    pass\n",
            "test_phase.py": "import pytest\n\n@pytest.mark.phase_3\n@pytest.mark.phase_2\ndef test_a():\n    pass\n",
            "test_skipiff.py": "import pytest\n\n@pytest.mark.skipiff(False, reason='x')\ndef test_a():\n    pass\n",
            "test_typo_forms.py": """\
import pytest
import pytest as pt
from pytest import mark as m

pytestmark = [pt.mark.intergration]


@pytest.fixture(params=[pytest.param(1, marks=m.intergration)])
def value(request):
    return request.param


@getattr(pytest.mark, "intergration")
@pytest.mark.parametrize("a", [pytest.param(1, marks=(pytest.mark.intergration,))])
def test_a(a, value):
    pass


class TestA:
    pytestmark = pt.mark.intergration
""",
        },
    )
    errors = assert_agrees(tmp_path, *NO_ASYNCIO)
    assert errors == {
        "test_parametrise.py": "parametrise",
        "test_parameterize.py": "parameterize",
        "test_intergration.py": "intergration",
        "test_phase.py": "phase_3",
        "test_skipiff.py": "skipiff",
        "test_typo_forms.py": "intergration",
    }
    codes = {(f["path"], f["code"]) for f in audit(tmp_path)}
    assert codes == {
        ("test_parametrise.py", "GP202"),
        ("test_parameterize.py", "GP202"),
        ("test_intergration.py", "GP202"),
        ("test_phase.py", "GP201"),
        ("test_skipiff.py", "GP202"),
        ("test_typo_forms.py", "GP202"),
    }
    assert_fixed(tmp_path, [tmp_path], *NO_ASYNCIO)
    assert "@pytest.mark.parametrize('a', [1])" in (tmp_path / "test_parametrise.py").read_text()
    assert "phase_3" in (tmp_path / "pytest.ini").read_text()
    assert "intergration" not in (tmp_path / "test_typo_forms.py").read_text()
    assert '@getattr(pytest.mark, "integration")' in (tmp_path / "test_typo_forms.py").read_text()


MONOREPO = {
    "README.md": "two services\n",
    "svc_a/pytest.ini": "[pytest]\nmarkers =\n    alpha: service a\n",
    "svc_a/test_a_ok.py": "import pytest\n\n@pytest.mark.alpha\ndef test_a():\n    pass\n",
    "svc_a/test_a_bad.py": "import pytest\n\n@pytest.mark.beta\ndef test_a():\n    pass\n",
    "svc_b/pyproject.toml": '[project]\nname = "b"\nversion = "0"\n\n[tool.pytest.ini_options]\nmarkers = ["beta: service b"]\n',
    "svc_b/tests/test_b_ok.py": "import pytest\n\n@pytest.mark.beta\ndef test_b():\n    pass\n",
    "svc_b/tests/test_b_bad.py": "import pytest\n\n@pytest.mark.alpha\ndef test_b():\n    pass\n",
}


def test_monorepo_with_two_roots(tmp_path: Path) -> None:
    write(tmp_path, MONOREPO)
    a, b = tmp_path / "svc_a", tmp_path / "svc_b"
    assert assert_agrees(a, *NO_ASYNCIO) == {"test_a_bad.py": "beta"}
    assert assert_agrees(b, *NO_ASYNCIO) == {"tests/test_b_bad.py": "alpha"}
    # From the repository root, each file is judged by its own root's config.
    ours = names_by_file(audit(tmp_path), tmp_path)
    assert ours == {"svc_a/test_a_bad.py": {"beta"}, "svc_b/tests/test_b_bad.py": {"alpha"}}
    assert_fixed(tmp_path, [a, b], *NO_ASYNCIO)
    assert "beta" in (a / "pytest.ini").read_text()
    assert "alpha" in (b / "pyproject.toml").read_text()


def test_monorepo_fixed_from_the_top(tmp_path: Path) -> None:
    write(tmp_path, MONOREPO)
    fix(tmp_path)
    for root in (tmp_path / "svc_a", tmp_path / "svc_b"):
        collected = collect(root, *NO_ASYNCIO)
        assert collected.returncode == 0, collected.output
    assert not (tmp_path / "pytest.ini").exists()


# -- GP204 / GP205 ----------------------------------------------------------------------


def _files_with(findings: list[dict], code: str) -> set[str]:
    return {Path(f["path"]).as_posix() for f in findings if f["code"] == code}


def test_mark_on_fixture(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\n",
            "test_below.py": (
                "import pytest\n\n@pytest.fixture\n@pytest.mark.usefixtures('tmp_path')\ndef client():\n    return 1\n\n"
                "def test_a(client):\n    pass\n"
            ),
            "test_above.py": (
                "import pytest\n\n@pytest.mark.usefixtures('tmp_path')\n@pytest.fixture\ndef client():\n    return 1\n\n"
                "def test_a(client):\n    pass\n"
            ),
            "test_fine.py": (
                "import pytest\n\n@pytest.fixture\ndef client():\n    return 1\n\n"
                "@pytest.mark.usefixtures('tmp_path')\ndef test_a(client):\n    pass\n"
            ),
        },
    )
    collected = collect(tmp_path, *NO_ASYNCIO)
    failing = {path for path, section in collected.errors.items() if "Marks cannot be applied to fixtures" in section}
    assert failing == set(collected.errors), collected.output
    assert failing == _files_with(audit(tmp_path, "GP204"), "GP204")
    assert failing == {"test_below.py", "test_above.py"}


def test_pytestmark_tuple(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nmarkers =\n    slow\n",
            "test_module.py": (
                "import pytest\n\npytestmark = (pytest.mark.slow, pytest.mark.skipif(False, reason='x'))  # both\n\n"
                "def test_a():\n    pass\n"
            ),
            "test_bare.py": "import pytest\n\npytestmark = pytest.mark.slow,\n\ndef test_a():\n    pass\n",
            "test_class.py": (
                "import pytest\n\nclass TestA:\n    pytestmark = (\n        pytest.mark.slow,\n    )\n\n"
                "    def test_a(self):\n        pass\n"
            ),
            "test_list.py": "import pytest\n\npytestmark = [pytest.mark.slow]\n\ndef test_a():\n    pass\n",
        },
    )
    collected = collect(tmp_path, *NO_ASYNCIO)
    failing = {path for path, section in collected.errors.items() if "TypeError" in section}
    assert failing == set(collected.errors) == {"test_module.py", "test_bare.py", "test_class.py"}, collected.output
    assert failing == _files_with(audit(tmp_path, "GP205"), "GP205")
    before = snapshot(tmp_path)
    fix(tmp_path)
    collected = collect(tmp_path, *NO_ASYNCIO)
    assert collected.returncode == 0, collected.output
    assert audit(tmp_path, "GP205") == []
    after = snapshot(tmp_path)
    assert after["test_list.py"] == before["test_list.py"]
    fix(tmp_path)
    assert snapshot(tmp_path) == after


def test_an_undeclared_plugin_the_tests_import_is_installed(tmp_path: Path) -> None:
    """pyee 9, deepgram 2, pyatv: test modules `import pytest_asyncio`, which is declared nowhere.
    The import only works where the plugin is installed, and pytest then loads it."""
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\nversion = "0"\n\n[tool.pytest.ini_options]\nmarkers = ["slow"]\n',
            "tests/test_async.py": "import pytest_asyncio\n" + ASYNC_TEST,
            "tests/test_other.py": "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_b():\n    pass\n",
        },
    )
    assert assert_agrees(tmp_path) == {}


def test_marks_made_while_the_initial_conftest_loads_are_not_checked(tmp_path: Path) -> None:
    """paramiko: `tests/_util.py` says `slow = pytest.mark.slow`; the conftest imports it first."""
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\ntestpaths = tests\nmarkers =\n    integration\n",
            "tests/__init__.py": "",
            "tests/_util.py": "import pytest\n\nslow = pytest.mark.slow\n",
            "tests/conftest.py": "from ._util import slow\n",
            "tests/test_a.py": "from ._util import slow\n\n\n@slow\ndef test_a():\n    pass\n",
            "tests/test_b.py": "import pytest\n\n\n@pytest.mark.slow\ndef test_b():\n    pass\n",
        },
    )
    # `tests/test_b.py` uses the mark itself, after configuration: pytest rejects it there.
    assert assert_agrees(tmp_path) == {"tests/test_b.py": "slow"}
