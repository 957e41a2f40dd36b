"""The table of markers registered by pytest plugins, and `markers_for`."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from goldenpath_audit.rules.pytest_plugins import (
    BY_DISTRIBUTION,
    PLUGIN_MARKERS,
    PluginMarkers,
    all_distributions,
    configured_plugins,
    markers_for,
)

# Read from each plugin's registration call (see the domain facts, B.7, and the brief).
REQUIRED: dict[str, tuple[str, ...]] = {
    "pytest-asyncio": ("asyncio",),
    "anyio": ("anyio",),
    "pytest-trio": ("trio",),
    "pytest-timeout": ("timeout",),
    "pytest-django": ("django_db", "urls", "ignore_template_errors", "django_isolate_apps"),
    "pytest-benchmark": ("benchmark",),
    "pytest-order": ("order",),
    "pytest-ordering": ("run",),
    "pytest-xdist": ("xdist_group",),
    "pytest-dependency": ("dependency",),
    "pytest-repeat": ("repeat",),
    "hypothesis": ("hypothesis",),
    "flaky": ("flaky",),
    "pytest-rerunfailures": ("flaky",),
    "pytest-httpx": ("httpx_mock",),
    "respx": ("respx",),
    "pytest-cov": ("no_cover",),
    "pytest-console-scripts": ("script_launch_mode",),
    "pytest-playwright": ("skip_browser", "only_browser", "browser_context_args"),
    "pytest-freezegun": ("freeze_time",),
    "pytest-freezer": ("freeze_time",),
    "pytest-recording": ("vcr", "block_network", "default_cassette", "allowed_hosts"),
    "pytest-memray": ("limit_memory", "limit_leaks", "limit_leaked_objects"),
    "pytest-forked": ("forked",),
    "pytest-socket": ("disable_socket", "enable_socket", "allow_hosts"),
}

# Verified to register no marker at all.
NO_MARKERS = ("pytest-mock", "pytest-randomly", "pytest-env", "pytest-aiohttp", "pytest-tornasync")


def entry(distribution: str) -> PluginMarkers:
    return BY_DISTRIBUTION[distribution]


def test_table_has_at_least_thirty_distributions() -> None:
    assert len({e.distribution for e in PLUGIN_MARKERS}) >= 30


def test_distribution_names_are_normalized_and_unique() -> None:
    names = [name for e in PLUGIN_MARKERS for name in (e.distribution, *e.also_provided_by)]
    assert all(name == canonicalize_name(name) for name in names), names
    assert len(names) == len(set(names))


def test_every_entry_has_valid_unique_markers_and_a_source() -> None:
    for e in PLUGIN_MARKERS:
        assert e.markers, e.distribution
        assert len(e.markers) == len(set(e.markers)), e.distribution
        for marker in e.markers:
            assert marker.isidentifier(), (e.distribution, marker)
        # `source` names a file and the version that was read.
        assert ".py" in e.source and e.distribution in e.source, e.source
        assert "addinivalue_line" in e.source or "getini('markers').append" in e.source or "import *" in e.source


@pytest.mark.parametrize("distribution", sorted(REQUIRED))
def test_required_entries_have_exactly_the_documented_markers(distribution: str) -> None:
    assert distribution in BY_DISTRIBUTION
    assert entry(distribution).distribution == distribution
    assert sorted(entry(distribution).markers) == sorted(REQUIRED[distribution])


def test_plugins_without_markers_are_absent() -> None:
    for distribution in NO_MARKERS:
        assert distribution not in BY_DISTRIBUTION


def test_markers_for_only_declared_distributions() -> None:
    assert markers_for([]) == {}
    assert markers_for(["requests", "pytest"]) == {}
    assert markers_for(["pytest-asyncio"]) == {"asyncio": "pytest-asyncio"}
    found = markers_for(["pytest-django", "pytest-timeout"])
    assert found == {
        "django_db": "pytest-django",
        "urls": "pytest-django",
        "ignore_template_errors": "pytest-django",
        "django_isolate_apps": "pytest-django",
        "timeout": "pytest-timeout",
    }
    assert "asyncio" not in found


def test_markers_for_normalizes_input() -> None:
    assert markers_for(["Pytest_Asyncio"]) == {"asyncio": "pytest-asyncio"}
    assert markers_for(["PYTEST.xdist"]) == {"xdist_group": "pytest-xdist"}
    assert markers_for(iter(["Hypothesis"])) == {"hypothesis": "hypothesis"}


def test_markers_for_also_provided_by_returns_the_declared_name() -> None:
    found = markers_for(["pytest_playwright_asyncio"])
    assert found == dict.fromkeys(("skip_browser", "only_browser", "browser_context_args"), "pytest-playwright-asyncio")


def test_markers_for_shared_name_goes_to_the_first_listed_plugin() -> None:
    assert markers_for(["pytest-rerunfailures"]) == {"flaky": "pytest-rerunfailures"}
    assert markers_for(["pytest-rerunfailures", "flaky"]) == {"flaky": "flaky"}


# --- the real plugins, where installed ----------------------------------------------


def installed(distribution: str, module: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return importlib.util.find_spec(module) is not None


@pytest.mark.parametrize(
    ("distribution", "module"),
    [("pytest-asyncio", "pytest_asyncio"), ("hypothesis", "_hypothesis_pytestplugin")],
)
def test_real_plugin_registers_the_tables_markers(tmp_path: Path, distribution: str, module: str) -> None:
    if not installed(distribution, module):
        pytest.skip(f"{distribution} is not installed")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    ignored = ("PYTEST_ADDOPTS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_PLUGINS")
    env = {k: v for k, v in os.environ.items() if k not in ignored}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--markers"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for marker in entry(distribution).markers:
        assert f"@pytest.mark.{marker}" in completed.stdout, (marker, completed.stdout)


def test_markers_for_a_package_that_requires_the_plugin() -> None:
    assert markers_for(["httpx"]) == {"anyio": "anyio (required by httpx)"}
    assert markers_for(["pytest-aiohttp"]) == {"asyncio": "pytest-asyncio (required by pytest-aiohttp)"}
    # Declaring the plugin itself names the plugin.
    assert markers_for(["httpx", "anyio"]) == {"anyio": "anyio"}


def test_all_distributions_covers_providers_and_requirers() -> None:
    names = all_distributions()
    assert {"pytest-asyncio", "pytest-playwright-asyncio", "pytest-aiohttp", "httpx", "starlette"} <= set(names)
    assert len(names) == len(set(names))


def test_configured_plugins_from_their_own_options() -> None:
    assert configured_plugins(["asyncio_default_fixture_loop_scope", "markers"]) == ["pytest-asyncio"]
    assert configured_plugins(["timeout", "DJANGO_SETTINGS_MODULE"]) == ["pytest-timeout", "pytest-django"]
    assert configured_plugins(["addopts", "testpaths", "xfail_strict"]) == []


@pytest.mark.parametrize(
    ("distribution", "module"),
    [("pytest-asyncio", "pytest_asyncio")],
)
def test_ini_options_are_the_real_plugins_own(distribution: str, module: str) -> None:
    """Each option listed for an installed plugin is one pytest reports as coming from it (`--help`)."""
    if not installed(distribution, module):
        pytest.skip(f"{distribution} is not installed")
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"], capture_output=True, text=True, timeout=120, env=_plain_env()
    )
    without = subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", f"no:{module.split('_')[-1]}"],
        capture_output=True, text=True, timeout=120, env=_plain_env(),
    )
    for option in entry(distribution).ini_options:
        assert f"  {option} " in completed.stdout, option
        assert f"  {option} " not in without.stdout, option


def _plain_env() -> dict[str, str]:
    ignored = ("PYTEST_ADDOPTS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_PLUGINS")
    return {k: v for k, v in os.environ.items() if k not in ignored}
