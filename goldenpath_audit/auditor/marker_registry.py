"""Which pytest markers are registered for a test file, computed the way pytest does.

pytest knows a marker when it is listed in the `markers` option of the one
config file it reads, registered by `config.addinivalue_line("markers", ...)`
in a `pytest_configure` hook (conftest.py files from the rootdir down to the
test, plugin modules named by `-p` in `addopts` or by `pytest_plugins`, and the
`pytest11` entry points of the project itself), built in, or registered by an
installed plugin. We read all of that statically: conftests and plugin modules
are parsed, never imported, and a plugin's markers count only when the project
declares the plugin, declares a package that requires it, or is the plugin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from goldenpath_audit.auditor import inputs
from goldenpath_audit.auditor.pytest_config import PytestConfig, PytestConfigIndex

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from goldenpath_audit.auditor.project import Project

# Registered by pytest's own optional plugins when enabled (`-p pytester`, `pytest_plugins = ["pytester"]`).
OPTIONAL_BUILTIN_MARKERS: dict[str, dict[str, str]] = {
    "pytester": {"pytester_example_path": "pytester_example_path(*path_segments): ... (_pytest/pytester.py)"},
    "_pytest.pytester": {"pytester_example_path": "pytester_example_path(*path_segments): ... (_pytest/pytester.py)"},
}

# Registered by pytest itself (domain facts B.1); `pytester_example_path` only with -p pytester.
BUILTIN_MARKERS: dict[str, str] = {
    "skip": "skip(reason=None)",
    "skipif": "skipif(condition, ..., *, reason=...)",
    "xfail": "xfail(condition, ..., *, reason=..., run=True, raises=None, strict=...)",
    "parametrize": "parametrize(argnames, argvalues)",
    "usefixtures": "usefixtures(fixturename1, fixturename2, ...)",
    "filterwarnings": "filterwarnings(warning)",
    "tryfirst": "DEPRECATED, use @pytest.hookimpl(tryfirst=True) instead.",
    "trylast": "DEPRECATED, use @pytest.hookimpl(trylast=True) instead.",
}


@dataclass(frozen=True)
class Registration:
    name: str
    where: str  # "pytest.ini", "tests/conftest.py:12", "built-in", "plugin pytest-asyncio", "extra-markers"
    description: str
    path: Path | None = None  # the file that registers it, when there is one
    line: int | None = None


@dataclass
class KnownMarkers:
    """The markers pytest knows for the test files of one directory."""

    config: PytestConfig
    names: dict[str, Registration] = field(default_factory=dict)
    # Registrations we could not evaluate ("tests/conftest.py:8"): names may be missing.
    uncertain: list[str] = field(default_factory=list)

    def add(self, registration: Registration) -> None:
        self.names.setdefault(registration.name, registration)


class MarkerRegistry:
    def __init__(self, project: "Project", configs: PytestConfigIndex) -> None:
        self.project = project
        self.configs = configs
        self._by_dir: dict[Path, KnownMarkers] = {}
        self._initial: dict[Path, list[Path]] = {}

    def for_file(self, path: Path) -> KnownMarkers:
        directory = path.parent
        known = self._by_dir.get(directory)
        if known is None:
            known = self._by_dir[directory] = self._compute(directory, self.configs.for_file(path))
        return known

    def _compute(self, directory: Path, config: PytestConfig) -> KnownMarkers:
        known = KnownMarkers(config=config)
        where = self.project.display_path(config.path) if config.path else "built-in"
        for line in config.markers:
            known.add(Registration(line.name, where, _description(line.text), config.path, line.line))
        for name, text in BUILTIN_MARKERS.items():
            known.add(Registration(name, "built-in", text))
        for name in self.project.settings.extra_markers:
            known.add(Registration(name, "extra-markers", "listed in extra-markers"))
        for name, distribution in self._plugin_markers(directory, config).items():
            known.add(Registration(name, f"plugin {distribution}", f"registered by {distribution}"))
        modules, plugins = self._hook_modules(directory, config)
        for module in modules:
            self._add_hook_registrations(known, module)
        for plugin in plugins:
            for name, text in OPTIONAL_BUILTIN_MARKERS.get(plugin, {}).items():
                known.add(Registration(name, f"plugin {plugin}", text))
        return known

    def _plugin_markers(self, directory: Path, config: PytestConfig) -> dict[str, str]:
        """Markers of the plugins the project declares, requires through a declared package, configures, or is."""
        from goldenpath_audit.rules.pytest_plugins import all_distributions, configured_plugins, markers_for

        dependencies = self.project.dependencies
        declared = [name for name in all_distributions() if dependencies.declaration(name, directory) is not None]
        own = dependencies.own_distribution(directory)
        if own is not None:
            declared.append(own.name)
        return markers_for(declared + configured_plugins(config.options))

    def _hook_modules(self, directory: Path, config: PytestConfig) -> tuple[list[Path], list[str]]:
        """conftest.py files from the rootdir down to `directory`, the plugin modules they name, and those names."""
        rootdir = config.rootdir
        chain = [directory, *directory.parents]
        if rootdir in chain:
            chain = chain[: chain.index(rootdir) + 1]
        else:
            chain = [directory]
        names = _dash_p_plugins(config.addopts)
        modules = [module for plugin in names for module in self._resolve_module(plugin, config)]
        own = self.project.dependencies.own_distribution(directory)
        for plugin in own.pytest_plugins if own is not None else ():
            modules += self._resolve_module(plugin, config, own.directory)
        # Initial conftests are loaded before any test module, so they count everywhere.
        conftests = list(self.initial_conftests(config))
        conftests += [c for folder in reversed(chain) if (c := folder / "conftest.py") not in conftests and inputs.is_file(c)]
        for conftest in conftests:
            modules.append(conftest)
            facts = self.project.facts_for(conftest)
            for plugin in facts.pytest_plugins if facts else ():
                names.append(plugin)
                modules += self._resolve_module(plugin, config)
        return modules, names

    def initial_conftests(self, config: PytestConfig) -> list[Path]:
        """conftest.py files pytest loads before collecting, when run from the rootdir without args.

        The anchors are the `testpaths` (else the rootdir) and their `test*`
        subdirectories; each anchor loads the conftests from the rootdir down to
        it (`_set_initial_conftests` in `_pytest/config/__init__.py`). Marks used
        while these are imported are not validated, and what their
        `pytest_configure` registers is known to every test module.
        """
        cached = self._initial.get(config.rootdir)
        if cached is not None:
            return cached
        rootdir = config.rootdir
        anchors = config.testpath_dirs()
        if not anchors:
            anchors = [rootdir]
        anchors += [sub for anchor in list(anchors) for sub in sorted(anchor.glob("test*")) if inputs.is_dir(sub)]
        found: list[Path] = []
        for anchor in anchors:
            chain = [anchor, *anchor.parents]
            chain = chain[: chain.index(rootdir) + 1] if rootdir in chain else [anchor]
            for folder in reversed(chain):
                conftest = folder / "conftest.py"
                if inputs.is_file(conftest) and conftest not in found:
                    found.append(conftest)
        self._initial[config.rootdir] = found
        return found

    def loaded_with_initial_conftests(self, config: PytestConfig, imports_of: Callable[[Path], Iterable[str]]) -> set[Path]:
        """Files the initial conftests import at module level: loaded with them, before marks are checked.

        `imports_of(conftest)` gives a conftest's module-level imports (`._util`,
        `tests.markers`). paramiko's `tests/_util.py` (`slow = pytest.mark.slow`),
        imported by its conftest, is never validated.
        """
        loaded: set[Path] = set()
        for conftest in self.initial_conftests(config):
            for dotted in imports_of(conftest):
                stripped = dotted.lstrip(".")
                level = len(dotted) - len(stripped)
                if level:
                    base = conftest.parent
                    for _ in range(level - 1):
                        base = base.parent
                    relative = Path(*stripped.split(".")) if stripped else None
                    candidates = [] if relative is None else [base / relative.with_suffix(".py"), base / relative / "__init__.py"]
                    loaded.update(path for path in candidates if inputs.is_file(path))
                else:
                    loaded.update(self._resolve_module(dotted, config))
        return loaded

    def _resolve_module(self, dotted: str, config: PytestConfig, base: Path | None = None) -> list[Path]:
        """The file of module `dotted` under the rootdir (or `base`), its `src/`, or a `pythonpath` entry."""
        base = base or config.rootdir
        roots = [base, base / "src"]
        pythonpath = config.options.get("pythonpath")
        if isinstance(pythonpath, str):
            pythonpath = pythonpath.split()
        if isinstance(pythonpath, list):
            roots += [config.rootdir / str(entry) for entry in pythonpath]
        relative = Path(*dotted.split("."))
        for root in roots:
            for candidate in (root / relative.with_suffix(".py"), root / relative / "__init__.py"):
                if inputs.is_file(candidate):
                    return [candidate]
        return []

    def _add_hook_registrations(self, known: KnownMarkers, module: Path) -> None:
        facts = self.project.facts_for(module)
        if facts is None:
            return
        where = self.project.display_path(module)
        for name, text, line in facts.registrations:
            known.add(Registration(name, f"{where}:{line}", _description(text), module, line))
        for line, _column in facts.unevaluated_registrations:
            known.uncertain.append(f"{where}:{line}")


def _dash_p_plugins(addopts: tuple[str, ...]) -> list[str]:
    """Module names given with `-p NAME` / `-pNAME` in addopts (not `-p no:NAME`)."""
    names: list[str] = []
    args = list(addopts)
    for index, arg in enumerate(args):
        if arg == "-p" and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("-p") and len(arg) > 2 and not arg.startswith("--"):
            value = arg[2:]
        else:
            continue
        if not value.startswith("no:"):
            names.append(value)
    return names


def _description(text: str) -> str:
    _, colon, rest = text.partition(":")
    return rest.strip() if colon else ""
