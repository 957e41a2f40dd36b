"""Find and read the pytest configuration file that governs a test suite, statically.

This mirrors pytest's own discovery (`_pytest/config/findpaths.py`, pytest 8.1+ and
9.x) without importing or running pytest or the audited project:

* `find_pytest_config(start)` walks from `start` upward and, in each directory, tests
  the candidate files in pytest's order. The first file that *matches* wins, and its
  directory is the rootdir. Nothing is ever merged.
* `PytestConfigIndex` answers "which config governs this file?" for a whole run: the
  config pytest would use when invoked on the checked paths, or, when no config file
  governs their common ancestor (a monorepo without a root config), the config of each
  file's own sub-project.

Reading never raises. Whatever pytest would reject (or warn about) is recorded as a
problem string `"<file>: <reason>"`, using pytest's own wording where it has one.
"""

from __future__ import annotations

import bisect
import fnmatch
import os
import re
import shlex
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goldenpath_audit.auditor import inputs

__all__ = [
    "MarkerLine",
    "PytestConfig",
    "PytestConfigIndex",
    "find_pytest_config",
    "marker_name",
    "split_problem",
]

#: Candidate file names, in the order pytest tests them within one directory.
CANDIDATES_9 = ("pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
CANDIDATES_8 = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
#: Files that are the config whenever they exist, even empty or unreadable.
_ALWAYS_MATCH = frozenset({"pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini"})
_FORMATS = {
    "pytest.toml": "pytest.toml",
    ".pytest.toml": "pytest.toml",
    "pytest.ini": "ini",
    ".pytest.ini": "ini",
    "tox.ini": "tox.ini",
    "setup.cfg": "setup.cfg",
}

BOTH_TABLES = (
    "Cannot use both [tool.pytest] (native TOML types) and "
    "[tool.pytest.ini_options] (string-based INI format) simultaneously. "
    "Please use [tool.pytest] with native TOML types (recommended) "
    "or [tool.pytest.ini_options] for backwards compatibility."
)
SETUP_CFG_PYTEST_SECTION = (
    "[pytest] section in setup.cfg files is no longer supported, change to [tool:pytest] instead."
)


DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")


def may_be_test_file(name: str, config: "Callable[[], PytestConfig]") -> bool:
    """A test file by pytest's default patterns, or else by the config's (read only then): an over-approximation."""
    return any(fnmatch.fnmatch(name, pattern) for pattern in DEFAULT_PYTHON_FILES) or config().is_test_file(name)


@dataclass(frozen=True)
class MarkerLine:
    """One line of the `markers` option."""

    name: str  # line.split(":")[0].split("(")[0].strip() -- exactly pytest's reduction
    text: str  # the full registration line
    line: int  # 1-based line in the config file (exact for INI, best effort for TOML)


@dataclass(frozen=True)
class PytestConfig:
    """The configuration pytest reads for one invocation."""

    path: Path | None  # the config file pytest reads (None: no config file found)
    rootdir: Path  # its directory (or the fallback rootdir)
    # "pytest.toml" | "ini" | "pyproject-ini-options" | "pyproject-native" | "tox.ini" | "setup.cfg" | "none"
    format: str
    section: str | None  # the table/section options are read from; None if the file has none
    markers: tuple[MarkerLine, ...] = ()
    addopts: tuple[str, ...] = ()
    options: dict[str, object] = field(default_factory=dict, hash=False)
    problems: tuple[str, ...] = ()

    def is_test_file(self, name: str) -> bool:
        """Whether pytest collects tests from a file of this name (`python_files`, default `test_*.py` `*_test.py`)."""
        patterns = self.options.get("python_files")
        if isinstance(patterns, str):
            patterns = patterns.split()
        if not isinstance(patterns, list) or not patterns:
            patterns = DEFAULT_PYTHON_FILES
        return any(fnmatch.fnmatch(name, str(pattern)) for pattern in patterns)

    def is_test_function(self, name: str) -> bool:
        """Whether pytest collects a function of this name (`python_functions`, default `test`): prefix or glob."""
        patterns = self.options.get("python_functions")
        if isinstance(patterns, str):
            patterns = patterns.split()
        if not isinstance(patterns, list) or not patterns:
            patterns = ["test"]
        return any(
            name.startswith(str(pattern)) or (any(c in str(pattern) for c in "*?[") and fnmatch.fnmatch(name, str(pattern)))
            for pattern in patterns
        )

    def never_collected(self, path: Path) -> bool:
        """Whether a directory between the rootdir and `path` matches the config's own `norecursedirs`.

        pytest's `fnmatch_ex`: a pattern without a separator matches a directory's
        name, one with a separator its path's end (`test/completion`). Only
        patterns the config sets count; pytest's defaults name folders
        (`build`, `dist`, `.*`) that discovery passes over anyway.
        """
        patterns = self.options.get("norecursedirs")
        if isinstance(patterns, str):
            patterns = patterns.split()
        if not isinstance(patterns, list) or not patterns:
            return False
        try:
            parts = path.parent.relative_to(self.rootdir).parts
        except ValueError:
            return False
        for end in range(1, len(parts) + 1):
            directory = self.rootdir.joinpath(*parts[:end])
            for pattern in map(str, patterns):
                if "/" in pattern or os.sep in pattern:
                    if fnmatch.fnmatch(directory.as_posix(), "*/" + pattern.replace(os.sep, "/").strip("/")):
                        return True
                elif fnmatch.fnmatch(directory.name, pattern):
                    return True
        return False

    def testpaths(self) -> list[str]:
        """The `testpaths` entries (glob patterns relative to the rootdir), as written."""
        value = self.options.get("testpaths")
        if isinstance(value, str):
            value = value.split()
        return [str(entry) for entry in value] if isinstance(value, list) else []

    def testpath_dirs(self) -> list[Path]:
        """Existing directories the `testpaths` entries name; every probe is a recorded input of the run."""
        found: list[Path] = []
        for entry in self.testpaths():
            if any(char in entry for char in "*?["):
                found += [path for path in sorted(self.rootdir.glob(entry)) if inputs.is_dir(path)]  # glob lists: recorded
            elif inputs.is_dir(self.rootdir / entry):
                found.append(self.rootdir / entry)
        return found


def marker_name(line: str) -> str:
    """The marker name pytest derives from one `markers` line."""
    return line.split(":")[0].split("(")[0].strip()


def find_pytest_config(start: Path, *, pytest_major: int = 9) -> PytestConfig:
    """The config pytest would read when invoked with args whose common ancestor is `start` (a directory)."""
    return _Finder(pytest_major).find(_absolute(start))


class PytestConfigIndex:
    """Per-file governing config, computed once per run, cached per directory."""

    def __init__(self, checked_paths: Sequence[Path], *, pytest_major: int = 9) -> None:
        self._finder = _Finder(pytest_major)
        dirs = [_as_dir(_absolute(Path(p))) for p in checked_paths]
        if dirs:
            self._ancestor = Path(os.path.commonpath([str(d) for d in dirs]))
        else:
            self._ancestor = _absolute(Path.cwd())
        root = self._finder.find(self._ancestor)
        self._root: PytestConfig | None = root if root.path is not None else None
        self._by_dir: dict[Path, PytestConfig] = {}
        self._seen: dict[tuple[Path | None, Path], PytestConfig] = {}
        self._by_path: dict[Path, PytestConfig] = {}
        self._by_directory: dict[str, PytestConfig] = {}

    def for_file(self, path: Path) -> PytestConfig:
        config = self._by_path.get(path)
        if config is None:
            # Memoised by file, then by directory: a run asks for every file, in ~100x fewer directories.
            absolute = os.path.abspath(path)
            directory = absolute if _is_dir(absolute) else os.path.dirname(absolute)
            config = self._by_directory.get(directory)
            if config is None:
                config = self._by_directory[directory] = self._for_directory(Path(directory))
            self._by_path[path] = config
        return config

    def _for_directory(self, directory: Path) -> PytestConfig:
        if self._root is not None and (directory == self._ancestor or self._ancestor in directory.parents):
            config = self._root
        else:
            config = self._by_dir.get(directory)
            if config is None:
                config = self._by_dir[directory] = self._finder.find(directory)
        self._seen.setdefault((config.path, config.rootdir), config)
        return config

    def roots(self) -> list[PytestConfig]:
        """Every distinct config that governs some file asked so far, in first-asked order."""
        return list(self._seen.values())


# -- discovery ------------------------------------------------------------------------


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _as_dir(path: Path) -> Path:
    """Directories as they are, anything else (a file, or a path that does not exist) -> its parent."""
    try:
        return path if path.is_dir() else path.parent  # a checked path: discovery and the memo key follow it
    except OSError:
        return path.parent


def _is_dir(path: str) -> bool:
    """`_as_dir`'s test, on a string path (a checked path or a discovered file)."""
    try:
        return os.path.isdir(path)
    except (OSError, ValueError):
        return False


def _is_file(path: Path) -> bool:
    try:
        return inputs.is_file(path)
    except OSError:  # an unreadable directory on the way up
        return False


@dataclass
class _Loaded:
    """What reading one candidate file gave."""

    matched: bool
    format: str = "none"
    section: str | None = None
    markers: tuple[MarkerLine, ...] = ()
    addopts: tuple[str, ...] = ()
    options: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class _Finder:
    """pytest's `locate_config` and `determine_setup` (no -c, no --rootdir), with every file read once."""

    def __init__(self, pytest_major: int) -> None:
        self.major = pytest_major
        self.candidates = CANDIDATES_9 if pytest_major >= 9 else CANDIDATES_8
        self._loaded: dict[Path, _Loaded] = {}
        self._found: dict[Path, PytestConfig] = {}

    def find(self, start: Path) -> PytestConfig:
        if _is_file(start):
            start = start.parent
        cached = self._found.get(start)
        if cached is None:
            cached = self._found[start] = self._find(start)
        return cached

    def _find(self, start: Path) -> PytestConfig:
        problems: list[str] = []
        first_pyproject: Path | None = None
        for base in (start, *start.parents):
            for index, name in enumerate(self.candidates):
                candidate = base / name
                if not _is_file(candidate):
                    continue
                if name == "pyproject.toml" and first_pyproject is None:
                    first_pyproject = candidate
                loaded = self.load(candidate)
                problems.extend(loaded.problems)
                if not loaded.matched:
                    continue
                if self.major >= 9:
                    ignored = []
                    for other in self.candidates[index + 1 :]:
                        other_path = base / other
                        if _is_file(other_path):
                            other_loaded = self.load(other_path)
                            problems.extend(other_loaded.problems)
                            if other_loaded.matched:
                                ignored.append(other)
                    if ignored:
                        names = ", ".join(ignored)
                        problems.append(
                            f"{candidate}: pytest reads only this file and ignores the pytest config in {names} "
                            f"(header: 'WARNING: ignoring pytest config in {names}!')"
                        )
                return PytestConfig(
                    path=candidate,
                    rootdir=base,
                    format=loaded.format,
                    section=loaded.section,
                    markers=loaded.markers,
                    addopts=loaded.addopts,
                    options=dict(loaded.options),
                    problems=tuple(_unique(problems)),
                )
        if first_pyproject is not None and self.major >= 8:
            # pytest 8.1+: a pyproject.toml seen on the way up is the configfile, with empty config.
            return PytestConfig(
                path=first_pyproject,
                rootdir=first_pyproject.parent,
                format="pyproject-ini-options",
                section=None,
                problems=tuple(_unique(problems)),
            )
        rootdir = start
        for base in (start, *start.parents):
            if _is_file(base / "setup.py"):
                rootdir = base
                break
        return PytestConfig(path=None, rootdir=rootdir, format="none", section=None, problems=tuple(_unique(problems)))

    def load(self, path: Path) -> _Loaded:
        loaded = self._loaded.get(path)
        if loaded is None:
            loaded = self._loaded[path] = self._load(path)
        return loaded

    def _load(self, path: Path) -> _Loaded:
        name = path.name
        try:
            text = path.read_bytes().decode("utf-8")
        except (UnicodeDecodeError, OSError) as exc:
            if isinstance(exc, UnicodeDecodeError):
                reason = f"not valid UTF-8 ({exc.reason} at byte {exc.start})"
            else:
                reason = f"cannot be read ({exc.strerror or exc})"
            # pytest.ini/pytest.toml are chosen whatever they hold (and pytest then fails).
            fmt = _FORMATS.get(name, "none")
            return _Loaded(matched=name in _ALWAYS_MATCH, format=fmt, problems=[f"{path}: {reason}"])
        if name == "pyproject.toml":
            return _load_pyproject(path, text, self.major)
        if name.endswith(".toml"):
            return _load_pytest_toml(path, text)
        return _load_ini(path, text)


_PROBLEM = re.compile(
    r"(?P<path>.*?(?:pytest\.toml|pytest\.ini|pyproject\.toml|tox\.ini|setup\.cfg))(?::(?P<line>\d+))?: (?P<reason>.*)",
    re.DOTALL,
)


def split_problem(problem: str) -> tuple[Path | None, int | None, str]:
    """A problem string as (file, line or None, reason); (None, None, problem) if it names no config file."""
    match = _PROBLEM.fullmatch(problem)
    if match is None:
        return None, None, problem
    line = match.group("line")
    return Path(match.group("path")), int(line) if line else None, " ".join(match.group("reason").split())


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# -- INI files ---------------------------------------------------------------------------


def _load_ini(path: Path, text: str) -> _Loaded:
    name = path.name
    fmt = _FORMATS.get(name, "ini")
    always = name in _ALWAYS_MATCH
    text = text.removeprefix("\N{BYTE ORDER MARK}")  # iniconfig drops a BOM, so pytest accepts it
    import configparser  # here: a project configured in pyproject.toml never needs it

    parser = configparser.ConfigParser(interpolation=None, strict=False, default_section="\x00no-default-section")
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep key case, as pytest's iniconfig does
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        reason = " ".join(str(exc).split())
        return _Loaded(matched=always, format=fmt, problems=[f"{path}: {reason}"])

    problems = _ini_duplicates(path, text)
    section: str | None = None
    if name == "setup.cfg":
        if parser.has_section("tool:pytest"):
            section = "tool:pytest"
        elif parser.has_section("pytest"):
            # pytest fails hard here; use the section anyway (best effort).
            problems.append(f"{path}: {SETUP_CFG_PYTEST_SECTION}")
            section = "pytest"
    elif parser.has_section("pytest"):
        section = "pytest"
    if section is None:
        return _Loaded(matched=always, format=fmt, problems=problems)

    # configparser keeps blank lines (and a leading one) in multi-line values; pytest's
    # iniconfig does not: normalise to what pytest sees.
    raw = {key: "\n".join(filter(None, value.split("\n"))) for key, value in parser.items(section)}
    markers: tuple[MarkerLine, ...] = ()
    if "markers" in raw:
        value = raw.pop("markers")
        texts = [stripped for line in value.split("\n") if (stripped := line.strip())]
        located = _ini_value_lines(text.splitlines(), section, "markers")
        if [t for _, t in located] != texts:  # a layout the scanner did not follow: search instead
            located = _search_lines(text.splitlines(), texts)
        markers = tuple(MarkerLine(marker_name(t), t, n) for n, t in located)
    addopts: tuple[str, ...] = ()
    if "addopts" in raw:
        addopts = tuple(_split_args(raw.pop("addopts")))
    return _Loaded(
        matched=True,
        format=fmt,
        section=section,
        markers=markers,
        addopts=addopts,
        options=dict(raw),
        problems=problems,
    )


_INI_HEADER = re.compile(r"\[(?P<header>.+)\]")
_INI_OPTION = re.compile(r"(?P<option>.*?)\s*[=:]\s*(?P<value>.*)$")


def _ini_lines(lines: list[str]):
    """Yield (lineno, kind, section, key, value) like configparser reads them.

    kind is "section", "key" or "continuation"; comment and blank lines are skipped.
    """
    section: str | None = None
    key: str | None = None
    key_indent = 0
    for lineno, line in enumerate(lines, start=1):
        value = line.strip()
        if not value or value[0] in "#;":
            continue
        indent = len(line) - len(line.lstrip())
        if key is not None and indent > key_indent:
            yield lineno, "continuation", section, key, value
            continue
        key_indent = indent
        header = _INI_HEADER.match(value)
        if header:
            section, key = header.group("header"), None
            yield lineno, "section", section, None, None
            continue
        option = _INI_OPTION.match(value)
        if option and section is not None:
            key = option.group("option").rstrip()
            yield lineno, "key", section, key, option.group("value").strip()
        else:
            key = None


def _ini_value_lines(lines: list[str], section: str, key: str) -> list[tuple[int, str]]:
    """The non-empty lines of one option's value, with their 1-based line numbers.

    With repeated sections or keys the last assignment wins, as in configparser.
    """
    found: list[tuple[int, str]] = []
    for lineno, kind, sect, name, value in _ini_lines(lines):
        if sect != section or name != key:
            continue
        if kind == "key":
            found = [(lineno, value)] if value else []
        elif kind == "continuation":
            found.append((lineno, value))
    return found


def _ini_duplicates(path: Path, text: str) -> list[str]:
    """Duplicate sections or keys: configparser(strict=False) merges them, pytest's iniconfig rejects them."""
    problems = []
    sections: set[str] = set()
    keys: set[tuple[str, str]] = set()
    for lineno, kind, section, key, _ in _ini_lines(text.splitlines()):
        if kind == "section" and section is not None:
            if section in sections:
                problems.append(f"{path}:{lineno}: duplicate section {section!r}")
            sections.add(section)
        elif kind == "key" and section is not None and key is not None:
            if (section, key) in keys:
                problems.append(f"{path}:{lineno}: duplicate name {key!r}")
            keys.add((section, key))
    return problems


def _search_lines(lines: list[str], texts: list[str], start: int = 0, default: int = 1) -> list[tuple[int, str]]:
    """Best effort: the first line (in order, from `start`) containing each text."""
    result = []
    position = start
    for text in texts:
        for index in range(position, len(lines)):
            if text in lines[index]:
                result.append((index + 1, text))
                position = index + 1
                break
        else:
            result.append((default, text))
    return result


def _split_args(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


# -- TOML files --------------------------------------------------------------------------


def _parse_toml(path: Path, text: str) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{path}: {exc}"]


def _load_pytest_toml(path: Path, text: str) -> _Loaded:
    document, problems = _parse_toml(path, text)
    if document is None:
        return _Loaded(matched=True, format="pytest.toml", problems=problems)
    table = document.get("pytest")
    if isinstance(table, dict):
        return _native(path, text, ("pytest",), table, "pytest.toml", "pytest")
    top_level = [key for key, value in document.items() if not isinstance(value, dict)]
    if top_level:
        problems.append(
            f"{path}: pytest configuration must be under a [pytest] table "
            f"(found top-level options: {', '.join(top_level)})"
        )
    return _Loaded(matched=True, format="pytest.toml", problems=problems)


def _load_pyproject(path: Path, text: str, major: int) -> _Loaded:
    document, problems = _parse_toml(path, text)
    if document is None:
        return _Loaded(matched=False, problems=problems)
    tool = document.get("tool")
    tool_pytest = tool.get("pytest") if isinstance(tool, dict) else None
    if not isinstance(tool_pytest, dict):
        return _Loaded(matched=False)
    native = {key: value for key, value in tool_pytest.items() if key != "ini_options"}
    ini_options = tool_pytest.get("ini_options")
    if ini_options is not None and not isinstance(ini_options, dict):
        problems.append(f"{path}: [tool.pytest] ini_options must be a table, got {type(ini_options).__name__}")
        ini_options = None
    if major < 9:
        if native:
            problems.append(
                f"{path}: pytest {major} ignores [tool.pytest] (native TOML configuration needs pytest 9.0+); "
                "its options, markers included, are not applied"
            )
        if ini_options is None:
            return _Loaded(matched=False, problems=problems)
        return _ini_options(path, text, ini_options, problems)
    if native and ini_options:
        problems.append(f"{path}: {BOTH_TABLES}")
        return _ini_options(path, text, ini_options, problems)
    if native:
        loaded = _native(path, text, ("tool", "pytest"), native, "pyproject-native", "tool.pytest")
        loaded.problems[:0] = problems
        return loaded
    if ini_options is not None:
        return _ini_options(path, text, ini_options, problems)
    return _Loaded(matched=False, problems=problems)


def _ini_options(path: Path, text: str, table: dict[str, Any], problems: list[str]) -> _Loaded:
    """`[tool.pytest.ini_options]`: INI mode, lists kept, other scalars made strings (as pytest does)."""
    options: dict[str, object] = {key: value if isinstance(value, list) else str(value) for key, value in table.items()}
    key_path = ("tool", "pytest", "ini_options")
    markers: tuple[MarkerLine, ...] = ()
    if "markers" in options:
        value = options.pop("markers")
        if isinstance(value, list):
            bad = [item for item in value if not isinstance(item, str)]
            if bad:
                problems.append(f"{path}: config option 'markers' expects a list of strings, got {bad[0]!r}")
            markers = _toml_list_markers(text, key_path, value)
        else:
            markers = _toml_string_markers(text, key_path, str(value))
    addopts: tuple[str, ...] = ()
    if "addopts" in options:
        value = options.pop("addopts")
        if isinstance(value, list):
            addopts = tuple(str(item) for item in value)
        else:
            addopts = tuple(_split_args(str(value)))
    return _Loaded(
        matched=True,
        format="pyproject-ini-options",
        section="tool.pytest.ini_options",
        markers=markers,
        addopts=addopts,
        options=options,
        problems=problems,
    )


def _native(
    path: Path, text: str, table_path: tuple[str, ...], table: dict[str, Any], fmt: str, section: str
) -> _Loaded:
    """Native TOML mode (`[tool.pytest]`, `pytest.toml`): values keep their types and are type-checked."""
    options = dict(table)
    problems: list[str] = []
    lists: dict[str, list[str]] = {}
    for key, type_name in (("markers", "linelist"), ("addopts", "args")):
        if key not in options:
            continue
        value = options.pop(key)
        if not isinstance(value, list):
            problems.append(
                f"{path}: config option '{key}' expects a list for type '{type_name}', "
                f"got {type(value).__name__}: {value!r}"
            )
            continue
        for index, item in enumerate(value):
            if not isinstance(item, str):
                problems.append(
                    f"{path}: config option '{key}' expects a list of strings, "
                    f"but item at index {index} is {type(item).__name__}: {item!r}"
                )
                break
        else:
            lists[key] = value
    markers = _toml_list_markers(text, table_path, lists["markers"]) if "markers" in lists else ()
    return _Loaded(
        matched=True,
        format=fmt,
        section=section,
        markers=markers,
        addopts=tuple(lists.get("addopts", ())),
        options=options,
        problems=problems,
    )


def _toml_list_markers(text: str, table_path: tuple[str, ...], values: list[Any]) -> tuple[MarkerLine, ...]:
    located = _TomlLocator(text).locate((*table_path, "markers"))
    strings = [value for value in values if isinstance(value, str)]
    if located is not None and len(located.items) == len(values):
        lines = [line for (line, _), value in zip(located.items, values) if isinstance(value, str)]
    else:
        fallback = located.key_line if located is not None else 1
        lines = [fallback] * len(strings)
    return tuple(MarkerLine(marker_name(value), value, line) for value, line in zip(strings, lines))


def _toml_string_markers(text: str, table_path: tuple[str, ...], value: str) -> tuple[MarkerLine, ...]:
    """A single string split on newlines (INI mode), each piece at its physical line if the string spans lines."""
    located = _TomlLocator(text).locate((*table_path, "markers"))
    start, literal = (located.items[0] if located is not None and located.items else (1, ""))
    multiline = "\n" in literal
    if multiline and literal[:3] in ('"""', "'''") and literal[3:4] in ("\n", "\r"):
        start += 1  # a newline right after the opening delimiter is trimmed
    markers = []
    for offset, piece in enumerate(value.split("\n")):
        stripped = piece.strip()
        if stripped:
            markers.append(MarkerLine(marker_name(stripped), stripped, start + offset if multiline else start))
    return tuple(markers)


@dataclass
class _Located:
    key_line: int
    items: list[tuple[int, str]]  # (1-based line, raw literal) of each element (or of the value itself)


class _ScanError(Exception):
    pass


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# Numbers, booleans and dates (a space may separate a datetime's date and time).
_SCALAR = re.compile(r"[^\s,\]\}#]+(?:[ T][0-9][^\s,\]\}#]*)?")


class _TomlLocator:
    """A small TOML lexer that finds where a key's value sits, for line numbers only.

    The document has already been validated by tomllib, so this only has to follow
    valid TOML; anything unexpected ends the search (callers fall back).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.newlines = [index for index, char in enumerate(text) if char == "\n"]
        self.target: tuple[str, ...] = ()
        self.found: _Located | None = None

    def line_of(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def locate(self, target: tuple[str, ...]) -> _Located | None:
        self.target = target
        try:
            self._document()
        except (_ScanError, IndexError, tomllib.TOMLDecodeError):
            pass
        return self.found

    # lexing helpers
    def _peek(self, length: int = 1) -> str:
        return self.text[self.pos : self.pos + length]

    def _skip_space(self, newlines: bool) -> None:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t\r" or (newlines and char == "\n"):
                self.pos += 1
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def _document(self) -> None:
        current: tuple[str, ...] | None = ()
        while True:
            self._skip_space(newlines=True)
            if self.pos >= len(self.text) or self.found is not None:
                return
            if self._peek(2) == "[[":
                self.pos += 2
                self._key()
                self._expect("]]")
                current = None  # array of tables: never the target
            elif self._peek() == "[":
                self.pos += 1
                current = self._key()
                self._expect("]")
            else:
                key_line = self.line_of(self.pos)
                key = self._key()
                self._expect("=")
                full = None if current is None else (*current, *key)
                self._value(full, key_line, depth=0)

    def _expect(self, token: str) -> None:
        self._skip_space(newlines=False)
        if not self.text.startswith(token, self.pos):
            raise _ScanError(token)
        self.pos += len(token)

    def _key(self) -> tuple[str, ...]:
        parts = []
        while True:
            self._skip_space(newlines=False)
            if self._peek() in ('"', "'"):
                start = self.pos
                self._string()
                parts.append(tomllib.loads("k = " + self.text[start : self.pos])["k"])
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if not match:
                    raise _ScanError("key")
                parts.append(match.group())
                self.pos = match.end()
            self._skip_space(newlines=False)
            if self._peek() != ".":
                return tuple(parts)
            self.pos += 1

    def _string(self) -> None:
        quote = self.text[self.pos]
        if self._peek(3) == quote * 3:
            self.pos += 3
            while True:
                if quote == '"' and self.text[self.pos] == "\\":
                    self.pos += 2
                    continue
                if self._peek(3) == quote * 3:
                    self.pos += 3
                    extra = 0
                    while extra < 2 and self._peek() == quote:  # up to two quotes may end the content
                        self.pos += 1
                        extra += 1
                    return
                self.pos += 1
        self.pos += 1
        while True:
            char = self.text[self.pos]
            if quote == '"' and char == "\\":
                self.pos += 2
                continue
            self.pos += 1
            if char == quote:
                return
            if char == "\n":
                raise _ScanError("newline in string")

    def _value(self, key_path: tuple[str, ...] | None, key_line: int, depth: int) -> None:
        """Consume one value; record where the target's elements start."""
        self._skip_space(newlines=depth > 0)
        is_target = key_path is not None and key_path == self.target
        char = self._peek()
        if char in ('"', "'"):
            start = self.pos
            self._string()
            if is_target:
                self.found = _Located(key_line, [(self.line_of(start), self.text[start : self.pos])])
        elif char == "[":
            self.pos += 1
            items: list[tuple[int, str]] = []
            while True:
                self._skip_space(newlines=True)
                if self._peek() == "]":
                    self.pos += 1
                    break
                start = self.pos
                self._value(None, key_line, depth + 1)
                items.append((self.line_of(start), self.text[start : self.pos]))
                self._skip_space(newlines=True)
                if self._peek() == ",":
                    self.pos += 1
            if is_target:
                self.found = _Located(key_line, items)
        elif char == "{":
            self.pos += 1
            while True:
                self._skip_space(newlines=True)
                if self._peek() == "}":
                    self.pos += 1
                    break
                inner_line = self.line_of(self.pos)
                key = self._key()
                self._expect("=")
                self._value(None if key_path is None else (*key_path, *key), inner_line, depth + 1)
                self._skip_space(newlines=True)
                if self._peek() == ",":
                    self.pos += 1
        else:
            match = _SCALAR.match(self.text, self.pos)
            if not match:
                raise _ScanError("value")
            self.pos = match.end()
