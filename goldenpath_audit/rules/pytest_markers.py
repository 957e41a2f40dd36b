"""pytest marker rules (GP2xx): unregistered, misspelled, unused, on fixtures, tuple pytestmark.

pytest validates a marker name only when it imports the test module, and with
`--strict-markers` (or pytest 9's `strict = true`) one unknown name stops the
whole collection. These rules compute what pytest would know for each test
file (`goldenpath_audit.auditor.marker_registry`) and compare it with every
use, without importing anything.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from goldenpath_audit.auditor import inputs
from goldenpath_audit.auditor.context import FileContext, RunContext
from goldenpath_audit.auditor.facts import ANY_MARKER, MarkUse, Span
from goldenpath_audit.auditor.findings import Applicability, Finding, Fix, FixOperation, Position, Severity, TextEdit
from goldenpath_audit.auditor.marker_registry import KnownMarkers
from goldenpath_audit.auditor.pytest_config import PytestConfig
from goldenpath_audit.rules.base import Rule, invalid, valid
from goldenpath_audit.rules.pytest_asyncio_rules import config_asyncio_mode

MARK_TOKENS = (b"mark",)
# pytest itself fails on these, even without --strict-markers (domain facts B.2).
PARAMETRIZE_MISSPELLINGS = frozenset({"parameterize", "parametrise", "parameterise"})
SIMILARITY = 0.8

PYPROJECT_STRICT = '[tool.pytest.ini_options]\naddopts = "--strict-markers"\nmarkers = ["integration: integration tests"]\n'


@dataclass(frozen=True)
class UnknownUse:
    path: Path
    use: MarkUse
    known: KnownMarkers
    suggestion: str | None


def close_match(name: str, candidates: Iterable[str]) -> str | None:
    """The registered name `name` is probably a typo of, if any.

    Names that differ only in digits are different markers (`issue_639` is not
    a misspelling of `issue_463`), so they never match.
    """
    if name in PARAMETRIZE_MISSPELLINGS:
        return "parametrize"
    skeleton = re.sub(r"\d", "", name)
    matches = [
        match
        for match in difflib.get_close_matches(name, sorted(candidates), n=5, cutoff=SIMILARITY)
        if re.sub(r"\d", "", match) != skeleton
    ]
    return matches[0] if matches else None


def unknown_uses(run: RunContext) -> list[UnknownUse]:
    """Every marker use pytest would reject, computed once per run for GP201 and GP202."""
    cached = run.cache.get("unknown_marker_uses")
    if cached is not None:
        return cached
    registry = run.project.marker_registry
    found: list[UnknownUse] = []
    imported = _imported_plugin_markers(run)
    # One difflib search per (registry, name): a misspelling is usually repeated across files.
    suggestions: dict[tuple[int, str], str | None] = {}
    loaded: dict[Path, set[Path]] = {}  # rootdir -> modules the initial conftests import

    def imports_of(conftest: Path) -> tuple[str, ...]:
        facts = run.files.get(conftest) or run.project.facts_for(conftest)
        return getattr(facts, "conftest_imports", ())

    for path, facts in sorted(run.files.items()):
        if not facts.marks:
            continue
        known = registry.for_file(path)
        if known.uncertain:
            continue  # a registration we could not evaluate may register anything
        rootdir = known.config.rootdir
        if rootdir not in loaded:
            loaded[rootdir] = registry.loaded_with_initial_conftests(known.config, imports_of)
        initial_conftest = (path.name == "conftest.py" and path in registry.initial_conftests(known.config)) or path in loaded[rootdir]
        for use in facts.marks:
            if use.name in known.names or use.name in imported:
                continue
            if initial_conftest and not use.in_function:
                continue  # pytest does not validate marks while loading the initial conftest
            key = (id(known.names), use.name)
            if key not in suggestions:
                suggestions[key] = close_match(use.name, known.names)
            found.append(UnknownUse(path, use, known, suggestions[key]))
    run.cache["unknown_marker_uses"] = found
    return found


def _imported_plugin_markers(run: RunContext) -> dict[str, str]:
    """Markers of the plugins some checked file imports (`import pytest_asyncio`): installed, so loaded."""
    from goldenpath_audit.rules.pytest_plugins import markers_for

    modules = {module for facts in run.files.values() for module in getattr(facts, "plugin_imports", ())}
    return markers_for(module.replace("_", "-") for module in modules) if modules else {}


def _governing(known: KnownMarkers, run: RunContext) -> str:
    if known.config.path is None:
        return "not registered (no pytest config file governs this file)"
    return f"not registered in {run.project.display_path(known.config.path)}"


class UnregisteredMarker(Rule):
    CODE = "GP201"
    NAME = "unregistered-marker"
    SUMMARY = "A pytest marker is used but not registered in the config pytest reads."
    SEVERITY = Severity.ERROR
    FIX = "safe"
    TOKENS = MARK_TOKENS
    NEEDS_MARKERS = True
    WHAT_IT_DOES = """
Flags a marker (`@pytest.mark.X`, `pytestmark = ...`, `pytest.param(..., marks=...)`,
`request.node.add_marker("X")`, through any alias of `pytest.mark`) whose name pytest
would not know for that test file: not in the `markers` option of the config file pytest
reads for it (found exactly as pytest 9 finds it), not registered by
`config.addinivalue_line("markers", ...)` in a `pytest_configure` hook of a conftest.py
between the rootdir and the test or of a plugin module named by `-p`, `pytest_plugins` or
the project's own `pytest11` entry points, not built in, and not registered by a plugin
the project declares as a dependency, pulls in through a declared package that requires
it (`httpx` -> `anyio`), or is itself.
The message names the config file that governs the test.
"""
    WHY = """
pytest only warns about an unknown marker (`PytestUnknownMarkWarning`), until someone
turns on `--strict-markers` or pytest 9's `strict = true`: then one unknown name is a
collection error that stops the whole run:

    'slowish' not found in `markers` configuration option
"""
    EXAMPLE = """
# pyproject.toml registers only `integration`
@pytest.mark.golden_path
def test_agent_flow(): ...
"""
    USE_INSTEAD = """
# pyproject.toml
# [tool.pytest.ini_options]
# markers = ["integration: ...", "golden_path: used by 12 tests in tests/integration"]
"""
    FIX_SAFETY = """
The fix registers the marker in the `markers` option of the file pytest reads (tomlkit
keeps TOML comments and layout; INI files get a line edit that keeps every other byte),
with a description saying where it is used. With no config file at all, it adds
`[tool.pytest.ini_options]` to the nearest `pyproject.toml` (`[tool.pytest]` when the
project requires pytest 9), or creates `pytest.ini`. Registering never changes what a test
does, so the fix is safe; many uses of one marker register it once.
"""
    VALID = (
        valid("import pytest\n\n@pytest.mark.integration\ndef test_a():\n    pass\n", files={"pyproject.toml": PYPROJECT_STRICT}),
        valid("import pytest\n\n@pytest.mark.skip\n@pytest.mark.parametrize('a', [1])\ndef test_a(a):\n    pass\n"),
        valid(
            "import pytest\n\n@pytest.mark.asyncio\nasync def test_a():\n    pass\n",
            files={"pyproject.toml": '[project]\nname = "x"\ndependencies = ["pytest-asyncio>=1"]\n'},
        ),
    )
    INVALID = (
        invalid(
            "import pytest\n\n@pytest.mark.golden_path\ndef test_a():\n    pass\n",
            files={"pyproject.toml": PYPROJECT_STRICT},
        ),
    )

    def finalize(self, run: RunContext) -> Iterable[Finding]:
        misspellings_reported = run.project.rule_enabled("GP202")
        unknown = [u for u in unknown_uses(run) if u.suggestion is None or not misspellings_reported]
        counts = _usage_by_name(unknown)
        # One registration fix per (config, marker): its description counts every use.
        fixes: dict[tuple[Path | None, Path, str], Fix | None] = {}
        for item in unknown:
            use = item.use
            message = f"marker `{use.name}` is {_governing(item.known, run)}"
            group = (item.known.config.path, item.known.config.rootdir, use.name)
            if group not in fixes:
                fixes[group] = _register_fix(run, item, counts[(item.known.config.path, use.name)])
            fix = fixes[group]
            yield run.finding_at(self, item.path, use.span, message, fix=fix, statement_line=use.statement_line)


class MisspelledMarker(Rule):
    CODE = "GP202"
    NAME = "misspelled-marker"
    SUMMARY = "An unregistered marker is a close match of a registered or built-in one."
    SEVERITY = Severity.ERROR
    FIX = "unsafe"
    TOKENS = MARK_TOKENS
    NEEDS_MARKERS = True
    WHAT_IT_DOES = """
Flags an unregistered marker whose name is a close match (difflib) of a marker pytest
knows for that file, e.g. `parametrise` or `parameterize` for `parametrize`, or
`intergration` for `integration`. It is reported as GP202 only, not also as GP201. Names
that differ only in digits are different markers (`issue_639` is not a misspelling of
`issue_463`, nor `phase_3` of `phase_2`).
"""
    WHY = """
A misspelled marker silently does nothing: `@pytest.mark.skipif` spelled `skipiff` never
skips, and a test marked `intergration` is missing from `-m integration` runs. pytest 9
stops collection outright for the `parametrize` misspellings:

    Unknown 'parametrise' mark, did you mean 'parametrize'?
"""
    EXAMPLE = "import pytest\n\n@pytest.mark.parametrise('a', [1, 2])\ndef test_a(a): ...\n"
    USE_INSTEAD = "import pytest\n\n@pytest.mark.parametrize('a', [1, 2])\ndef test_a(a): ...\n"
    FIX_SAFETY = """
The fix renames the marker in the code to the suggested name. It is unsafe because it
changes which tests are selected, skipped or parametrized.
"""
    VALID = (valid("import pytest\n\n@pytest.mark.phase_3\ndef test_a():\n    pass\n", files={"pytest.ini": "[pytest]\nmarkers =\n    phase_2\n    phase_3\n"}),)
    INVALID = (
        invalid(
            "import pytest\n\n@pytest.mark.parametrise('a', [1])\ndef test_a(a):\n    pass\n",
            fixed="import pytest\n\n@pytest.mark.parametrize('a', [1])\ndef test_a(a):\n    pass\n",
            unsafe_fixes=True,
        ),
        invalid(
            "import pytest\n\n@pytest.mark.intergration\ndef test_a():\n    pass\n",
            fixed="import pytest\n\n@pytest.mark.integration\ndef test_a():\n    pass\n",
            files={"pyproject.toml": PYPROJECT_STRICT},
            unsafe_fixes=True,
        ),
    )

    def finalize(self, run: RunContext) -> Iterable[Finding]:
        for item in unknown_uses(run):
            if item.suggestion is None:
                continue
            use = item.use
            registration = item.known.names[item.suggestion]
            message = (
                f"marker `{use.name}` is {_governing(item.known, run)}; "
                f"did you mean `{item.suggestion}` ({registration.where})?"
            )
            fix = Fix(
                applicability=Applicability.UNSAFE,
                message=f"rename `{use.name}` to `{item.suggestion}`",
                operations=(
                    FixOperation(
                        "rename_marker", use.span.line, use.span.column, (("old", use.name), ("new", item.suggestion))
                    ),
                ),
                edits=_rename_edits(use, item.suggestion),
            )
            yield run.finding_at(self, item.path, use.span, message, fix=fix, statement_line=use.statement_line)


class UnusedMarker(Rule):
    CODE = "GP203"
    NAME = "unused-marker"
    SUMMARY = "A marker registered in the pytest config is used nowhere under its root."
    SEVERITY = Severity.WARNING
    FIX = "none"
    # Django `@tag("x")` is a marker under pytest-django; `"x" in item.keywords` reads one.
    TOKENS = (*MARK_TOKENS, b"tag(", b".keywords")
    NEEDS_MARKERS = True
    WHAT_IT_DOES = """
Flags a line of the `markers` option whose marker no file under the config's rootdir
uses (as a marker, or by name through `get_closest_marker("X")` / `iter_markers("X")`)
and no `-m` expression in the config's own `addopts` names (Django's `@tag("X")` counts as a
use, as pytest-django makes it one). It is not reported where a file applies markers by
computed names (`item.add_marker(name)`, `getattr(pytest.mark, name)`), nor when the
`testpaths` folders are all missing. It is reported only when the whole root was checked, at the line of the config file.
"""
    WHY = "Dead registrations make `pytest --markers` lie about what the suite can select."
    EXAMPLE = '[tool.pytest.ini_options]\nmarkers = ["legacy_db: tests of the old database"]  # no test uses it\n'
    FIX_SAFETY = "There is no automatic fix: remove the line once you are sure no CI job selects it with `-m`."
    VALID = (
        valid("import pytest\n\n@pytest.mark.integration\ndef test_a():\n    pass\n", files={"pyproject.toml": PYPROJECT_STRICT}),
        # The config deselects by it: `-m` in addopts uses the name.
        valid(
            "import pytest\n\ndef test_a():\n    pytest.mark\n",
            files={"pyproject.toml": PYPROJECT_STRICT.replace('"--strict-markers"', "\"--strict-markers -m 'not integration'\"")},
        ),
        # A conftest applies markers by computed names (sqlalchemy's `__backend__` classes): any may be used.
        valid(
            "import pytest\n\ndef test_a():\n    pytest.mark\n",
            files={
                "pyproject.toml": PYPROJECT_STRICT,
                "conftest.py": "def pytest_collection_modifyitems(items):\n    for item in items:\n        item.add_marker(item.name)\n",
            },
        ),
        # pytest-django turns Django's `@tag("integration")` into the marker `integration`.
        valid(
            "from django.test import SimpleTestCase, tag\n\n@tag('integration')\nclass TestA(SimpleTestCase):\n"
            "    def test_a(self):\n        pass\n",
            files={"pyproject.toml": PYPROJECT_STRICT},
        ),
        # Auto mode marks every async test `asyncio`: `-m asyncio` selects them.
        valid(
            "async def test_a():\n    pass\n",
            files={"pyproject.toml": '[tool.pytest.ini_options]\nasyncio_mode = "auto"\nmarkers = ["asyncio: async tests"]\n'},
        ),
        # pytest's documented idiom reads a marker by name (distributed's conftest).
        valid(
            "import pytest\n\ndef test_a():\n    pytest.mark\n",
            files={
                "pyproject.toml": PYPROJECT_STRICT,
                "conftest.py": "import pytest\n\ndef pytest_runtest_setup(item):\n"
                "    if 'integration' in item.keywords:\n        pytest.skip('no integration')\n",
            },
        ),
        valid(
            "import pytest\n\ndef test_a():\n    pytest.mark\n",
            files={
                "pyproject.toml": PYPROJECT_STRICT,
                "conftest.py": "def pytest_runtest_setup(item):\n"
                "    if any(mark.name == 'integration' for mark in item.iter_markers()):\n        pass\n",
            },
        ),
    )
    INVALID = (invalid("import pytest\n\ndef test_a():\n    pytest.mark\n", files={"pyproject.toml": PYPROJECT_STRICT}),)

    def finalize(self, run: RunContext) -> Iterable[Finding]:
        configs = run.project.pytest_configs
        used: dict[Path | None, set[str]] = {}
        for path, facts in run.files.items():
            config = configs.for_file(path)
            names = used.setdefault(config.path, set())
            names.update(use.name for use in facts.marks)
            names.update(facts.marker_reads)
        for config in configs.roots():
            if config.path is None or not run.project.fully_checked(config.rootdir):
                continue
            if ANY_MARKER in used.get(config.path, ()) or _tests_missing(config):
                continue  # markers applied by computed names, or a tree shipped without its tests
            lines = _config_lines(config.path)
            selected = _selected_in_addopts(config.addopts)
            for marker in config.markers:
                if marker.name in used.get(config.path, set()) or marker.name in selected:
                    continue
                if marker.name == "asyncio" and config_asyncio_mode(config)[0] == "auto":
                    continue  # auto mode marks every async test: `-m asyncio` selects them
                text = lines[marker.line - 1] if 0 < marker.line <= len(lines) else ""
                column = text.find(marker.name) + 1 if marker.name in text else 1
                span = Span(marker.line, column, marker.line, column + len(marker.name))
                message = f"marker `{marker.name}` is registered here but no test under {_dir(run, config.rootdir)} uses it"
                yield run.finding_at(self, config.path, span, message)


def _tests_missing(config: PytestConfig) -> bool:
    """`testpaths` names folders none of which exist (an sdist without its tests): uses cannot be seen."""
    return bool(config.testpaths()) and not config.testpath_dirs()


def _selected_in_addopts(addopts: tuple[str, ...]) -> set[str]:
    """Marker names in the `-m EXPR` expressions of `addopts`: the config itself selects by them."""
    names: set[str] = set()
    for index, arg in enumerate(addopts):
        if arg == "-m" and index + 1 < len(addopts):
            expression = addopts[index + 1]
        elif arg.startswith("-m") and not arg.startswith("--"):
            expression = arg[2:].lstrip("=")
        else:
            continue
        names.update(re.findall(r"[A-Za-z_][\w.:+-]*", expression))
    return names - {"and", "or", "not"}


class MarkOnFixture(Rule):
    CODE = "GP204"
    NAME = "mark-on-fixture"
    SUMMARY = "A pytest marker is applied to a fixture, where it has no effect (an error in pytest 9)."
    SEVERITY = Severity.ERROR
    FIX = "none"
    TOKENS = MARK_TOKENS
    NEEDS_MARKERS = True
    WHAT_IT_DOES = "Flags `@pytest.mark.X` stacked on a `@pytest.fixture` (or `@pytest_asyncio.fixture`) function."
    WHY = """
Marks never applied to fixtures: pytest 8 warns `Marks applied to fixtures have no effect`,
and pytest 9 fails collection with `Marks cannot be applied to fixtures.`
"""
    EXAMPLE = "@pytest.fixture\n@pytest.mark.usefixtures('db')\ndef client(): ...\n"
    USE_INSTEAD = "@pytest.fixture\ndef client(db): ...\n"
    FIX_SAFETY = "There is no automatic fix: move the marker to the tests, or request the fixture as an argument."
    VALID = (
        valid("import pytest\n\n@pytest.fixture\ndef client():\n    pass\n\n@pytest.mark.skip\ndef test_a(client):\n    pass\n"),
        # Defined inside a test, it is no fixture pytest collects: pytest's own suite asserts the error this way.
        valid(
            "import pytest\n\ndef test_a():\n    with pytest.raises(pytest.fail.Exception):\n\n"
            "        @pytest.fixture\n        @pytest.mark.usefixtures('tmp_path')\n        def foo():\n            pass\n"
        ),
    )
    INVALID = (invalid("import pytest\n\n@pytest.fixture\n@pytest.mark.usefixtures('db')\ndef client():\n    pass\n"),)

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        for mark in ctx.facts.fixture_marks:
            message = f"marker `{mark.name}` on fixture `{mark.fixture}` has no effect; pytest 9 fails collection on it"
            yield ctx.finding(self, mark.span, message)


class PytestmarkTuple(Rule):
    CODE = "GP205"
    NAME = "pytestmark-tuple"
    SUMMARY = "`pytestmark` is assigned a tuple, which crashes collection; it must be a list."
    SEVERITY = Severity.ERROR
    FIX = "safe"
    TOKENS = (b"pytestmark",)
    NEEDS_MARKERS = True
    WHAT_IT_DOES = "Flags `pytestmark = (a, b)` (or `pytestmark = a, b`) at module or class level."
    WHY = """
pytest unpacks only a single mark or a list: a tuple fails the module's collection with
`TypeError: got (MarkDecorator(...), ...) instead of Mark`.
"""
    EXAMPLE = "pytestmark = (pytest.mark.integration, pytest.mark.slow)\n"
    USE_INSTEAD = "pytestmark = [pytest.mark.integration, pytest.mark.slow]\n"
    FIX_SAFETY = "The fix turns the tuple into a list with the same elements, comments and layout: safe."
    VALID = (
        valid("import pytest\npytestmark = [pytest.mark.skip, pytest.mark.xfail]\n"),
        # pytest reads `pytestmark` from test modules only; a conftest's tuple is inert.
        valid("import pytest\n", files={"conftest.py": "import pytest\npytestmark = (pytest.mark.slow, pytest.mark.skip)\n"}),
    )
    INVALID = (
        invalid(
            "import pytest\npytestmark = (pytest.mark.skip, pytest.mark.xfail)  # both\n",
            fixed="import pytest\npytestmark = [pytest.mark.skip, pytest.mark.xfail]  # both\n",
        ),
        invalid(
            "import pytest\nclass TestA:\n    pytestmark = pytest.mark.skip,\n",
            fixed="import pytest\nclass TestA:\n    pytestmark = [pytest.mark.skip,]\n",
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        if not ctx.facts.pytestmark_tuples or not ctx.is_test_module():
            return  # pytest reads `pytestmark` from test modules only: a conftest's is inert
        for span in ctx.facts.pytestmark_tuples:
            fix = Fix(
                Applicability.SAFE,
                "make `pytestmark` a list",
                (FixOperation("tuple_to_list", span.line, span.column),),
            )
            yield ctx.finding(self, span, "`pytestmark` is a tuple; pytest only accepts a mark or a list of marks", fix=fix)


# -- helpers ---------------------------------------------------------------------------


def _usage_by_name(unknown: list[UnknownUse]) -> dict[tuple[Path | None, str], list[UnknownUse]]:
    grouped: dict[tuple[Path | None, str], list[UnknownUse]] = {}
    for item in unknown:
        grouped.setdefault((item.known.config.path, item.use.name), []).append(item)
    return grouped


def _register_fix(run: RunContext, item: UnknownUse, uses: list[UnknownUse]) -> Fix | None:
    target = _registration_target(run, item.known)
    if target is None:
        return None
    path, kind = target
    description = _description(run, uses)
    display = run.project.display_path(path)
    return Fix(
        applicability=Applicability.SAFE,
        message=f"register `{item.use.name}` in {display}",
        operations=(
            FixOperation(
                "register_marker",
                0,
                0,
                (("path", display), ("config_kind", kind), ("name", item.use.name), ("description", description)),
            ),
        ),
    )


def _registration_target(run: RunContext, known: KnownMarkers) -> tuple[Path, str] | None:
    """The file and format to register in: the config pytest reads, or a new one."""
    config = known.config
    if config.path is not None:
        return config.path, config.format
    for directory in (config.rootdir, *config.rootdir.parents):
        candidate = directory / "pyproject.toml"
        if inputs.is_file(candidate):
            policy = run.project.version_policy("pytest", candidate)
            native = not policy.allows_below("9.0") and policy.origin.find("no pytest requirement") < 0
            return candidate, "pyproject-native" if native else "pyproject-ini-options"
        if inputs.exists(directory / ".git"):
            break
    return config.rootdir / "pytest.ini", "ini"


def _description(run: RunContext, uses: list[UnknownUse]) -> str:
    tests = sum(item.use.tests for item in uses)
    directories = {os.path.dirname(run.project.display_path(item.path)) or "." for item in uses}
    where = os.path.commonpath(sorted(directories)) if len(directories) > 1 else next(iter(directories))
    where = where or "."
    if tests:
        return f"used by {tests} test{'s' if tests != 1 else ''} in {where}"
    files = len({item.path for item in uses})
    return f"used in {files} file{'s' if files != 1 else ''} in {where}"


def _rename_edits(use: MarkUse, new: str) -> tuple[TextEdit, ...]:
    span = use.span
    if use.kind != "attribute":
        return ()
    return (TextEdit(Position(span.line, span.column), Position(span.end_line, span.end_column), new),)


def _config_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return []


def _dir(run: RunContext, directory: Path) -> str:
    return run.project.display_path(directory) + "/"
