"""Markers that well-known pytest plugins register, one table.

A marker name is "known" to pytest only when something registers it: the
project's `markers` ini value, or a plugin that is installed and active. Under
`--strict-markers` every other name is an error, and without it a
`PytestUnknownMarkWarning`. An auditor therefore counts a plugin's markers as
registered only when the project declares that plugin's distribution.

Every entry was read from the plugin's own code in the wheel or sdist that PyPI
served at the version named in `source`: the `config.addinivalue_line("markers",
...)` call (or, for a few astropy-family plugins, `config.getini("markers").append(...)`).
Markers that a plugin registers only from user data (scenario names, feature-file
tags, driver names found at run time) are not listed, nor are names that are not
identifiers. Plugins that register no marker (pytest-mock, pytest-randomly,
pytest-env, pytest-aiohttp, pytest-tornasync, ...) are absent on purpose.

Several distributions register the same name with different meanings: `flaky`
(flaky, pytest-rerunfailures, pytest-retry), `freeze_time` (pytest-freezegun,
pytest-freezer), `vcr` (pytest-recording, pytest-vcr), `benchmark`
(pytest-benchmark, pytest-codspeed). Each has its own entry.

To add a plugin: download it (`pip download --no-deps NAME`), find the
registration call, and add an entry whose `source` names the file, the version
and the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from goldenpath_audit.auditor.dependencies import canonical_name


@dataclass(frozen=True)
class PluginMarkers:
    distribution: str  # PyPI name, PEP 503-normalized
    markers: tuple[str, ...]  # names exactly as registered
    source: str  # file in the plugin's distribution, version, and the registration call
    also_provided_by: tuple[str, ...] = ()  # other distributions that ship the same plugin code
    # Distributions that require this one unconditionally, so declaring them installs the plugin too.
    required_by: tuple[str, ...] = ()
    required_source: str = ""  # where each `required_by` entry's Requires-Dist line was read
    # pytest config options only this plugin defines (`parser.addini`): a config that sets one is
    # written for an environment where the plugin is installed, wherever that is declared.
    ini_options: tuple[str, ...] = ()


PLUGIN_MARKERS: tuple[PluginMarkers, ...] = (
    # --- async runners ---------------------------------------------------------------
    PluginMarkers(
        "pytest-asyncio",
        ("asyncio",),
        "pytest_asyncio/plugin.py:310 (pytest-asyncio 1.5.0): config.addinivalue_line('markers', "
        "'asyncio: mark the test as a coroutine, it will be run using an asyncio event loop')",
        required_by=("pytest-aiohttp",),
        required_source="METADATA Requires-Dist: pytest-asyncio>=0.17.2 in pytest-aiohttp 1.1.1",
        ini_options=("asyncio_mode", "asyncio_default_fixture_loop_scope", "asyncio_default_test_loop_scope"),
    ),
    PluginMarkers(
        "anyio",
        ("anyio",),
        "anyio/pytest_plugin.py:113 (anyio 4.16.0): config.addinivalue_line('markers', "
        "'anyio: mark the (coroutine function) test to be run asynchronously via anyio.')",
        required_by=(
            "httpx", "httpx2", "starlette", "fastapi", "sse-starlette", "watchfiles", "jupyter-server", "openai",
            "anthropic", "mcp", "asyncer",
        ),
        required_source="METADATA Requires-Dist: anyio in httpx 0.28.1, httpx2 2.16.2 (not on emscripten), "
        "starlette 1.10.0, fastapi 0.165.0, sse-starlette 3.7.0, watchfiles 1.3.0, jupyter-server 2.21.1, "
        "openai 3.57.0, anthropic 2.15.0, mcp 2.3.0, asyncer 0.0.18",
    ),
    PluginMarkers(
        "pytest-trio",
        ("trio",),
        "pytest_trio/plugin.py:53 (pytest-trio 0.8.0): config.addinivalue_line('markers', "
        "'trio: mark the test as an async trio test; it will be run using trio.run')",
        ini_options=("trio_mode", "trio_run"),  # pytest_trio/plugin.py parser.addini
    ),
    PluginMarkers(
        "pytest-tornado",
        ("gen_test",),
        "pytest_tornado/plugin.py:41 (pytest-tornado 0.8.1): config.addinivalue_line('markers', "
        "'gen_test(timeout=None): mark the test as asynchronous, ...')",
    ),
    PluginMarkers(
        "pytest-asyncio-cooperative",
        ("asyncio_cooperative", "flakey"),
        "pytest_asyncio_cooperative/plugin.py:44,48 (pytest-asyncio-cooperative 0.40.0): "
        "config.addinivalue_line('markers', 'asyncio_cooperative: ...'), "
        "config.addinivalue_line('markers', 'flakey: if this test fails then run it one more time.')",
    ),
    # --- timeouts and resource limits -----------------------------------------------
    PluginMarkers(
        "pytest-timeout",
        ("timeout",),
        "pytest_timeout.py:143 (pytest-timeout 2.4.0): config.addinivalue_line('markers', "
        "'timeout(timeout, method=None, func_only=False, disable_debugger_detection=False): ...')",
        ini_options=("timeout", "timeout_method", "timeout_func_only", "timeout_disable_debugger_detection", "session_timeout"),
    ),
    PluginMarkers(
        "pytest-timeouts",
        ("execution_timeout", "setup_timeout", "teardown_timeout"),
        "pytest_timeouts.py:64,69,74 (pytest-timeouts 1.2.1, sdist): TimeoutsPlugin.__init__: "
        "config.addinivalue_line('markers', 'execution_timeout(seconds): ...'), "
        "'setup_timeout(seconds): ...', 'teardown_timeout(seconds):...'",
    ),
    PluginMarkers(
        "pytest-fail-slow",
        ("fail_slow", "fail_slow_setup"),
        "pytest_fail_slow/__init__.py:73,77 (pytest-fail-slow 0.6.0): config.addinivalue_line('markers', "
        "'fail_slow(duration): ...'), config.addinivalue_line('markers', 'fail_slow_setup(duration): ...')",
    ),
    PluginMarkers(
        "pytest-memray",
        ("limit_memory", "limit_leaks", "limit_leaked_objects"),
        "pytest_memray/plugin.py:562-565 (pytest-memray 1.11.0): for marker in MARKERS "
        "(plugin.py:68: 'limit_memory', 'limit_leaks', 'limit_leaked_objects'): "
        "config.addinivalue_line('markers', f'{marker}(...): ...')",
    ),
    # --- Django, Flask, databases ----------------------------------------------------
    PluginMarkers(
        "pytest-django",
        ("django_db", "urls", "ignore_template_errors", "django_isolate_apps"),
        "pytest_django/plugin.py:281,295,302,306 (pytest-django 4.14.0): pytest_load_initial_conftests: "
        "early_config.addinivalue_line('markers', 'django_db(transaction=False, ...): ...'), "
        "'urls(modstr): ...', 'django_isolate_apps(*app_labels): ...', 'ignore_template_errors(): ...'",
        ini_options=("DJANGO_SETTINGS_MODULE", "DJANGO_CONFIGURATION", "django_find_project", "django_debug_mode"),
    ),
    PluginMarkers(
        "pytest-flask",
        ("app", "options"),
        "pytest_flask/plugin.py:190,193 (pytest-flask 1.3.0): config.addinivalue_line('markers', "
        "'app(options): pass options to your application factory'), "
        "config.addinivalue_line('markers', 'options: app config manipulation')",
    ),
    PluginMarkers(
        "pytest-alembic",
        ("alembic",),
        "pytest_alembic/plugin/hooks.py:92 (pytest-alembic 0.13.1): config.addinivalue_line('markers', "
        "'alembic: Tests which use pytest-alembic.')",
    ),
    PluginMarkers(
        "pytest-mock-resources",
        ("postgres", "redshift", "mongo", "redis", "mysql", "moto"),
        "pytest_mock_resources/hooks.py:124-125 (pytest-mock-resources 2.15.0): for resource_kind in "
        "_resource_kinds (hooks.py:4, a fixed list): config.addinivalue_line('markers', "
        "f'{resource_kind}: Tests which make use of {resource_kind} fixtures')",
    ),
    PluginMarkers(
        "pytest-celery",
        ("celery",),
        "pytest_celery/plugin.py:4 (pytest-celery 1.3.0): 'from celery.contrib.pytest import *', whose "
        "pytest_configure (celery/contrib/pytest.py:27, celery 5.7.0) calls config.addinivalue_line('markers', "
        "'celery(**overrides): override celery configuration for a test case')",
    ),
    # --- benchmarks -----------------------------------------------------------------
    PluginMarkers(
        "pytest-benchmark",
        ("benchmark",),
        "pytest_benchmark/plugin.py:551 (pytest-benchmark 5.3.1): config.addinivalue_line('markers', "
        "'benchmark: mark a test with custom benchmark settings.')",
    ),
    PluginMarkers(
        "pytest-codspeed",
        ("codspeed_benchmark", "benchmark"),
        "pytest_codspeed/plugin.py:133,136 (pytest-codspeed 5.0.4): config.addinivalue_line('markers', "
        "'codspeed_benchmark: mark an entire test for codspeed benchmarking'), "
        "config.addinivalue_line('markers', 'benchmark: mark an entire test for codspeed benchmarking')",
    ),
    # --- ordering, distribution, repetition -------------------------------------------
    PluginMarkers(
        "pytest-order",
        ("order",),
        "pytest_order/plugin.py:23-27 (pytest-order 1.5.0): config.addinivalue_line('markers', "
        "'order: specify ordering information for when tests should run in relation to one another. ...')",
    ),
    PluginMarkers(
        "pytest-ordering",
        ("run",),
        "pytest_ordering/__init__.py:31-36 (pytest-ordering 0.6): config.addinivalue_line('markers', "
        "'run: specify ordering information ...'); the ordinal marks (first, last, ...) it reads are "
        "not registered",
    ),
    PluginMarkers(
        "pytest-random-order",
        ("random_order",),
        "random_order/plugin.py:41 (pytest-random-order 1.2.0): config.addinivalue_line('markers', "
        "'random_order(disabled=True): disable reordering of tests within a module or class')",
    ),
    PluginMarkers(
        "pytest-xdist",
        ("xdist_group",),
        "xdist/plugin.py:262-266 (pytest-xdist 3.8.0): config.addinivalue_line('markers', "
        "'xdist_group: specify group for tests should run in same session.in relation to one another. ...')",
        ini_options=("rsyncdirs", "rsyncignore", "looponfailroots"),
    ),
    PluginMarkers(
        "pytest-forked",
        ("forked",),
        "pytest_forked/__init__.py:40 (pytest-forked 1.7.5): early_config.addinivalue_line('markers', "
        "'forked: Always fork for this test.')",
    ),
    PluginMarkers(
        "pytest-dependency",
        ("dependency",),
        "src/pytest_dependency.py:146 (pytest-dependency 0.6.1, sdist): config.addinivalue_line('markers', "
        "'dependency(name=None, depends=[]): mark a test to be used as a dependency for other tests ...')",
    ),
    PluginMarkers(
        "pytest-repeat",
        ("repeat",),
        "pytest_repeat.py:28 (pytest-repeat 0.9.4): config.addinivalue_line('markers', "
        "'repeat(n): run the given test function `n` times.')",
    ),
    PluginMarkers(
        "pytest-run-parallel",
        ("parallel_threads", "parallel_threads_limit", "force_parallel_threads", "iterations", "thread_unsafe"),
        "pytest_run_parallel/plugin.py:447-470 (pytest-run-parallel 0.10.0): config.addinivalue_line('markers', "
        "'parallel_threads(n): ...'), 'parallel_threads_limit(n): ...', 'force_parallel_threads(n): ...', "
        "'iterations(n): ...', 'thread_unsafe: mark the test function as single-threaded'",
    ),
    # --- retries ---------------------------------------------------------------------
    PluginMarkers(
        "flaky",
        ("flaky",),
        "flaky/flaky_pytest_plugin.py:243 (flaky 3.8.1): config.addinivalue_line('markers', "
        "'flaky: marks tests to be automatically retried upon failure')",
    ),
    PluginMarkers(
        "pytest-rerunfailures",
        ("flaky",),
        "pytest_rerunfailures.py:711 (pytest-rerunfailures 16.7): config.addinivalue_line('markers', "
        "'flaky(reruns=1, reruns_delay=0, reruns_delay_backoff_factor=1.0): ...')",
        ini_options=("reruns", "reruns_delay", "only_rerun", "rerun_except"),
    ),
    PluginMarkers(
        "pytest-retry",
        ("flaky",),
        "pytest_retry/retry_plugin.py:293 (pytest-retry 1.7.0): config.addinivalue_line('markers', "
        "'flaky(retries=1, delay=0, only_on=..., exclude=..., condition=...): ...')",
    ),
    # --- property-based and snapshot testing -----------------------------------------
    PluginMarkers(
        "hypothesis",
        ("hypothesis",),
        "_hypothesis_pytestplugin.py:156 (hypothesis 6.170.15): config.addinivalue_line('markers', "
        "'hypothesis: Tests which use hypothesis.')",
    ),
    PluginMarkers(
        "syrupy",
        ("syrupy_snapshot",),
        "syrupy/__init__.py:306 (syrupy 7.0.2): config.addinivalue_line('markers', "
        "'syrupy_snapshot: test directly or indirectly uses the snapshot fixture')",
    ),
    PluginMarkers(
        "pytest-mpl",
        ("mpl_image_compare",),
        "pytest_mpl/plugin.py:228 (pytest-mpl 0.19.0): config.addinivalue_line('markers', "
        "'mpl_image_compare: Compares matplotlib figures against a baseline image')",
    ),
    PluginMarkers(
        "pytest-arraydiff",
        ("array_compare",),
        "pytest_arraydiff/plugin.py:199 (pytest-arraydiff 0.7.0): config.getini('markers').append("
        "'array_compare: for functions using array comparison')",
    ),
    PluginMarkers(
        "pytest-datafiles",
        ("datafiles",),
        "pytest_datafiles.py:15 (pytest-datafiles 3.0.1): config.addinivalue_line('markers', "
        "\"datafiles(path, ..., *, keep_top_dir=False, on_duplicate='exception'): ...\")",
    ),
    # --- HTTP and network mocking ----------------------------------------------------
    PluginMarkers(
        "pytest-httpx",
        ("httpx_mock",),
        "pytest_httpx/__init__.py:73 (pytest-httpx 0.36.2): config.addinivalue_line('markers', "
        "'httpx_mock(*, assert_all_responses_were_requested=True, ...): Configure httpx_mock fixture.')",
    ),
    PluginMarkers(
        "respx",
        ("respx",),
        "respx/plugin.py:11 (respx 0.23.1): config.addinivalue_line('markers', "
        "'respx(assert_all_called=False, assert_all_mocked=False, base_url=...): ...')",
    ),
    PluginMarkers(
        "pytest-recording",
        ("vcr", "block_network", "default_cassette", "allowed_hosts"),
        "pytest_recording/plugin.py:26-29 (pytest-recording 0.14.1): config.addinivalue_line('markers', "
        "'vcr: Mark the test as using VCR.py.'), 'block_network: ...', 'default_cassette: ...', "
        "'allowed_hosts: ...'",
    ),
    PluginMarkers(
        "pytest-vcr",
        ("vcr",),
        "pytest_vcr.py:37 (pytest-vcr 1.0.2): early_config.addinivalue_line('markers', "
        "'vcr: Mark the test as using VCR.py.')",
    ),
    PluginMarkers(
        "pytest-socket",
        ("disable_socket", "enable_socket", "allow_hosts"),
        "pytest_socket/__init__.py:155,158,161 (pytest-socket 0.8.1): config.addinivalue_line('markers', "
        "'disable_socket(): ...'), 'enable_socket(): ...', 'allow_hosts([hosts]): ...'",
    ),
    PluginMarkers(
        "pytest-remotedata",
        ("remote_data", "internet_off"),
        "pytest_remotedata/plugin.py:29,31 (pytest-remotedata 0.4.2): config.getini('markers').append("
        "'remote_data: Apply to tests that require data from remote servers'), 'internet_off: ...'",
    ),
    # --- time ------------------------------------------------------------------------
    PluginMarkers(
        "pytest-freezegun",
        ("freeze_time",),
        "pytest_freezegun.py:63 (pytest-freezegun 0.4.2): config.addinivalue_line('markers', "
        "'{}(...): use freezegun to freeze time'.format(MARKER_NAME)), MARKER_NAME = 'freeze_time' (line 9)",
    ),
    PluginMarkers(
        "pytest-freezer",
        ("freeze_time",),
        "pytest_freezer.py:25 (pytest-freezer 0.4.9): config.addinivalue_line('markers', "
        "'freeze_time(...): use freezegun to freeze time')",
    ),
    # --- coverage, linters run as tests ----------------------------------------------
    PluginMarkers(
        "pytest-cov",
        ("no_cover",),
        "pytest_cov/plugin.py:471 (pytest-cov 7.1.0): config.addinivalue_line('markers', "
        "'no_cover: disable coverage for this test.')",
    ),
    PluginMarkers(
        "pytest-mypy",
        ("mypy",),
        "pytest_mypy/__init__.py:158 (pytest-mypy 1.1.0): config.addinivalue_line('markers', "
        "f'{item_marker}: mark tests to be checked by mypy.'), item_marker = 'mypy' (line 42)",
    ),
    PluginMarkers(
        "pytest-pylint",
        ("pylint",),
        "pytest_pylint/plugin.py:81 (pytest-pylint 0.21.0): config.addinivalue_line('markers', "
        "f'{MARKER}: Tests which run pylint.'), MARKER = 'pylint' (line 30)",
    ),
    PluginMarkers(
        "pytest-openfiles",
        ("openfiles_ignore",),
        "pytest_openfiles/plugin.py:38 (pytest-openfiles 0.6.0): config.getini('markers').append("
        "'openfiles_ignore: Indicate that open files should be ignored for this test')",
    ),
    # --- command line, GUI and browsers ----------------------------------------------
    PluginMarkers(
        "pytest-console-scripts",
        ("script_launch_mode",),
        "pytest_console_scripts/__init__.py:58 (pytest-console-scripts 1.4.1): config.addinivalue_line("
        "'markers', 'script_launch_mode: how to run python scripts under test (inprocess|subprocess|both)')",
    ),
    PluginMarkers(
        "pytest-qt",
        ("qt_no_exception_capture", "qt_log_level_fail", "qt_log_ignore", "no_qt_log"),
        "pytestqt/plugin.py:224,230,233,236 (pytest-qt 4.5.0): config.addinivalue_line('markers', "
        "'qt_no_exception_capture: ...'), 'qt_log_level_fail: ...', 'qt_log_ignore: ...', "
        "'no_qt_log: Turn off Qt logging capture.'",
    ),
    PluginMarkers(
        "pytest-xvfb",
        ("no_xvfb",),
        "pytest_xvfb.py:137 (pytest-xvfb 3.1.1): config.addinivalue_line('markers', "
        "'no_xvfb: Skip test when using Xvfb')",
    ),
    PluginMarkers(
        "pytest-playwright",
        ("skip_browser", "only_browser", "browser_context_args"),
        "pytest_playwright/pytest_playwright.py:160,163,166 (pytest-playwright 0.10.0): "
        "config.addinivalue_line('markers', 'skip_browser(name): ...'), 'only_browser(name): ...', "
        "'browser_context_args(**kwargs): ...'; the same calls are in "
        "pytest_playwright_asyncio/pytest_playwright.py:163-169 (pytest-playwright-asyncio 0.10.0)",
        also_provided_by=("pytest-playwright-asyncio",),
    ),
    PluginMarkers(
        "pytest-selenium",
        ("capabilities", "nondestructive", "firefox_arguments", "firefox_preferences"),
        "pytest_selenium/pytest_selenium.py:213, safety.py:30, drivers/firefox.py:15,21 (pytest-selenium 4.1.0), "
        "all pytest11 entry points: config.addinivalue_line('markers', 'capabilities(kwargs): ...'), "
        "'nondestructive: ...', 'firefox_arguments(args): ...', 'firefox_preferences(dict): ...'",
    ),
    # --- infrastructure --------------------------------------------------------------
    PluginMarkers(
        "pytest-ansible",
        ("ansible", "molecule", "no_driver"),
        "pytest_ansible/plugin.py:317,342,343 (pytest-ansible 26.10.0): config.addinivalue_line('markers', "
        "'ansible(**kwargs): Ansible integration'), 'no_driver: ...', 'molecule: molecule test'; "
        "scenario and driver names registered from the user's molecule files are not listed",
    ),
    PluginMarkers(
        "pytest-skip-slow",
        ("slow", "hugemem"),
        "pytest_skip_slow.py:13,14 (pytest-skip-slow 1.1.0): config.addinivalue_line('markers', "
        "'slow: mark test as slow to run'), config.addinivalue_line('markers', 'hugemem: ...')",
    ),
)


def _index() -> dict[str, PluginMarkers]:
    by_name: dict[str, PluginMarkers] = {}
    for entry in PLUGIN_MARKERS:
        for name in (entry.distribution, *entry.also_provided_by):
            by_name.setdefault(canonical_name(name), entry)
    return by_name


BY_DISTRIBUTION: dict[str, PluginMarkers] = _index()


def markers_for(distributions: Iterable[str]) -> dict[str, str]:
    """Marker name -> the declared distribution that registers it.

    Only plugins among `distributions` (any spelling; names are normalized)
    contribute. The value is the normalized name as declared, so a project that
    declares `pytest-playwright-asyncio` gets that name back. A plugin that is
    only pulled in by a declared distribution requiring it reads as
    `anyio (required by httpx)`. When two declared plugins register the same
    marker (flaky and pytest-rerunfailures), the one listed first in
    `PLUGIN_MARKERS` wins.
    """
    declared = {canonical_name(name) for name in distributions}
    result: dict[str, str] = {}
    for entry in PLUGIN_MARKERS:
        provider = _provider(entry, declared)
        if provider is None:
            continue
        for marker in entry.markers:
            result.setdefault(marker, provider)
    return result


def configured_plugins(options: Iterable[str]) -> list[str]:
    """Plugins whose own config options the pytest config sets (`asyncio_mode` -> pytest-asyncio)."""
    present = set(options)
    return [entry.distribution for entry in PLUGIN_MARKERS if present.intersection(entry.ini_options)]



def all_distributions() -> list[str]:
    """Every distribution whose declaration makes some plugin's markers known."""
    names = (
        name
        for entry in PLUGIN_MARKERS
        for name in (entry.distribution, *entry.also_provided_by, *entry.required_by)
    )
    return list(dict.fromkeys(canonical_name(name) for name in names))


def _provider(entry: PluginMarkers, declared: set[str]) -> str | None:
    for name in (entry.distribution, *entry.also_provided_by):
        if canonical_name(name) in declared:
            return canonical_name(name)
    for name in entry.required_by:
        if canonical_name(name) in declared:
            return f"{canonical_name(entry.distribution)} (required by {canonical_name(name)})"
    return None
