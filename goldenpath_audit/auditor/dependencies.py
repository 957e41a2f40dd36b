"""Which requirement governs a package for a directory of the audited project.

Rules such as "this `websockets` call breaks on 14.0" depend on the version the
project actually installs, and a monorepo can hold several projects with
different requirements. So the question is always asked for a directory: the
nearest ancestor (stopping at the repository root, the directory holding
`.git`) that declares the package wins, and a lock file in that directory beats
the ranges written beside it.

Everything here reads and parses files; nothing of the audited project is
imported or executed. Bad input (malformed TOML, undecodable bytes, include
cycles, symlink loops, FIFOs named like requirement files) is skipped silently
and never raises, because reporting those is another component's job.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import sys
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from goldenpath_audit.auditor import inputs

if TYPE_CHECKING:  # both are imported where used: most projects have neither setup.cfg nor setup.py
    import configparser

    from goldenpath_audit.auditor.setup_py import SetupPy

_T = TypeVar("_T")

__all__ = ["Declaration", "DependencyIndex", "OwnDistribution", "PythonRequirement"]

# Larger files are not dependency declarations anyone writes by hand; refusing
# them keeps a stray multi-gigabyte file from stalling the audit.
_MAX_BYTES = 8_000_000
_LOCK_FILES = ("uv.lock", "poetry.lock")
# `requirements.txt`, `requirements-dev.txt`, `dev_requirements.txt`, `test-requirements.in` (pip-tools)...
_REQUIREMENTS_GLOBS = ("*requirements*.txt", "*requirements*.in", "requirements*.lock")  # .lock: rye (openai, anthropic)
# ...and every .txt / .in directly inside these folders (`requirements/test.txt`).
_REQUIREMENTS_DIRS = ("requirements", "requirements.d", "reqs")
_TOX_FACTOR = re.compile(r"^[\w.!,{}-]+:\s*(?=\S)")  # `py38,py3{11,12}: ` before a tox dependency
_NOX_VALUE_OPTIONS = frozenset({"-r", "-c", "-e", "--requirement", "--constraint", "--editable"})
_TOX_REFERENCE = re.compile(r"\{\[([^\]]+)\]([\w.-]+)\}")  # `{[section]key}`
# pip's rule: `#` starts a comment at line start or after whitespace only, so
# URLs with fragments (`...#egg=name`) survive.
_COMMENT = re.compile(r"(^|\s+)#.*$")
_INCLUDE = re.compile(r"^(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+)?(?P<target>\S+)")
_TRAILING_OPTIONS = re.compile(r"\s+--?[A-Za-z].*$")
_POETRY_TOKEN = re.compile(r"(?P<op>\^|~=|~|===|==|!=|>=|<=|>|<|=)?\s*(?P<version>[^\s<>=!~^,|]+)")


@dataclass(frozen=True)
class Declaration:
    """What one directory says about one package, combined over all its files."""

    package: str  # PEP 503-normalized name, e.g. "websockets", "pytest-asyncio"
    specifier: str  # PEP 440 specifier combined from the directory's declarations ("" = any version)
    pinned: tuple[str, ...]  # exact versions from uv.lock / poetry.lock in the same directory; beats the range
    source: Path  # the file that declared it (the lock file when pinned comes from it)
    requirement: str  # human text as written, e.g. "websockets>=13,<15" or "websockets==14.2 (uv.lock)"


@dataclass(frozen=True)
class OwnDistribution:
    """The distribution a directory's project builds, which is installed whenever its own tests run.

    A pytest plugin's repository tests the plugin installed: its `pytest11`
    entry points are active and register their markers.
    """

    name: str  # PEP 503-normalized
    directory: Path  # where the pyproject.toml, setup.cfg or setup.py naming it lives
    pytest_plugins: tuple[str, ...]  # modules named by its `pytest11` entry points


@dataclass(frozen=True)
class PythonRequirement:
    """The Python versions a project supports (`requires-python`, `python_requires`)."""

    text: str  # as written, e.g. ">=3.12"
    source: Path

    @property
    def running(self) -> str:
        return ".".join(str(part) for part in sys.version_info[:3])

    def admits_running(self) -> bool:
        """Whether the Python running this tool is one the project supports; an invalid text admits it."""
        try:
            return SpecifierSet(self.text).contains(self.running, prereleases=True)
        except InvalidSpecifier:
            return True


@dataclass(frozen=True)
class _Mention:
    """One place a package is named, before a directory's mentions are combined."""

    package: str
    specifier: str
    text: str
    source: Path
    conditional: bool = False  # an environment marker: one of several alternatives, not always applying


class DependencyIndex:
    """Answers "which requirement governs package P for directory D", caching per directory.

    Each directory's files are read at most once per index, so a run that asks
    about thousands of test files in the same project reads its
    `pyproject.toml` once.
    """

    def __init__(self) -> None:
        self._by_directory: dict[Path, dict[str, Declaration]] = {}
        self._nearest: dict[tuple[str, Path], Declaration | None] = {}
        # Ancestors per directory: the marker registry asks about ~50 plugins per directory.
        self._ancestors: dict[Path, list[Path]] = {}
        self._own: dict[Path, OwnDistribution | None] = {}
        self._python: dict[Path, PythonRequirement | None] = {}

    def declaration(self, package: str, directory: Path) -> Declaration | None:
        """The declaration from the nearest ancestor of `directory` (itself included) that declares `package`.

        The walk goes up to the filesystem root but stops after a directory
        containing `.git`: a checkout's requirements never come from outside it.
        """
        key = (package, directory)
        if key in self._nearest:  # every file of a directory asks the same question
            return self._nearest[key]
        name = canonical_name(package)
        found = None
        chain = self._ancestors.get(directory)
        if chain is None:
            chain = self._ancestors[directory] = list(_ancestors(directory))
        for current in chain:
            declared = self._by_directory.get(current)  # `current` is absolute already
            if declared is None:
                declared = self.declarations_in(current)
            found = declared.get(name)
            if found is not None:
                break
        self._nearest[key] = found
        return found

    def own_distribution(self, directory: Path) -> OwnDistribution | None:
        """The project named by the nearest ancestor's pyproject.toml, setup.cfg or setup.py."""
        return self._nearest_answer(self._own, directory, _own_distribution)

    def requires_python(self, directory: Path) -> PythonRequirement | None:
        """The nearest ancestor's `requires-python` (pyproject.toml) or `python_requires` (setup.cfg, setup.py)."""
        return self._nearest_answer(self._python, directory, _requires_python)

    def _nearest_answer(self, cache: dict[Path, _T | None], directory: Path, read: Callable[[Path], _T | None]) -> _T | None:
        """The first answer `read` gives walking up from `directory` (same walk as `declaration`), cached."""
        key = Path(os.path.abspath(directory))
        if key not in cache:
            chain = self._ancestors.get(key)
            if chain is None:
                chain = self._ancestors[key] = list(_ancestors(key))
            cache[key] = next(filter(None, map(read, chain)), None)
        return cache[key]

    def declarations_in(self, directory: Path) -> dict[str, Declaration]:
        """Every package declared by the files directly in `directory`, keyed by normalized name."""
        key = Path(os.path.abspath(directory))
        if key not in self._by_directory:
            self._by_directory[key] = _scan_directory(key)
        return self._by_directory[key]


def _ancestors(directory: Path) -> Iterator[Path]:
    """`directory` and its lexical (not resolved) parents, up to and including a `.git` holder.

    A symlinked test tree belongs to the project it appears in, and lexical
    parents always end at the root, even with symlink loops around.
    """
    current = Path(os.path.abspath(directory))
    while True:
        yield current
        if inputs.lexists(current / ".git") or current.parent == current:
            return
        current = current.parent


# --- combining ---------------------------------------------------------------


def _scan_directory(directory: Path) -> dict[str, Declaration]:
    """Read every declaring file of one directory and fold the mentions per package."""
    mentions: list[_Mention] = []
    mentions += _pyproject_mentions(directory / "pyproject.toml")
    mentions += _setup_cfg_mentions(directory / "setup.cfg")
    mentions += _setup_py_mentions(directory / "setup.py")
    mentions += _tox_mentions(directory / "tox.ini")
    mentions += _pipfile_mentions(directory / "Pipfile")
    mentions += _nox_mentions(directory / "noxfile.py")
    mentions += _requirements_mentions(directory)
    pins = _lock_pins(directory)
    grouped: dict[str, list[_Mention]] = {}
    for mention in mentions:
        grouped.setdefault(mention.package, []).append(mention)
    names = list(grouped) + [name for name in pins if name not in grouped]
    return {name: _combine(name, grouped.get(name, []), pins.get(name)) for name in names}


def _combine(package: str, mentions: list[_Mention], pins: tuple[list[str], list[Path]] | None) -> Declaration:
    """Intersect the ranges of one directory; a lock pin, when present, names the source.

    Lines with environment markers are alternatives (gql: `websockets>=9,<10;
    python_version<='3.6'` and `websockets>=10,<11; python_version>'3.6'`), so
    their union joins the intersection. Ranges that exclude each other cannot
    all apply: they are alternatives too (slack_sdk's setup.py picks one with
    `... if sys.version_info.minor > 6 else ...`).
    """
    alternatives = [m.specifier for m in mentions if m.conditional]
    always = [m.specifier for m in mentions if not m.conditional]
    specifier = _intersect(always + ([union_specifier(alternatives)] if alternatives else []))
    if _admits_nothing(specifier):
        specifier = union_specifier([m.specifier for m in mentions])
    if pins:
        versions, locks = pins
        written = " or ==".join(versions)
        where = ", ".join(lock.name for lock in locks)
        return Declaration(package, specifier, tuple(versions), locks[0], f"{package}=={written} ({where})")
    source = mentions[0].source
    texts = _unique(m.text if m.source == source else f"{m.text} ({m.source.name})" for m in mentions)
    return Declaration(package, specifier, (), source, " and ".join(texts))


def _admits_nothing(specifier: str) -> bool:
    """Whether a range's bounds exclude every version (`>=10,<10`, `>=10,<11,>=9,<10`)."""
    try:
        lower, upper = _bounds(SpecifierSet(specifier))
    except (InvalidSpecifier, InvalidVersion):
        return False
    if lower is None or upper is None:
        return False
    return lower[0] > upper[0] or (lower[0] == upper[0] and not (lower[1] and upper[1]))


def _intersect(specifiers: list[str]) -> str:
    """Several declarations in one directory all apply at once, so their ranges intersect."""
    parts = [spec for spec in _unique(specifiers) if spec]
    try:
        return str(SpecifierSet(",".join(parts)))
    except InvalidSpecifier:  # each part was validated; this is only a safety net
        return ",".join(parts)


def _unique(items: Iterable[str]) -> list[str]:
    """Keep the first occurrence of each item, in order, so messages do not repeat themselves."""
    return list(dict.fromkeys(items))


# --- reading files safely ----------------------------------------------------


def _read_text(path: Path) -> str | None:
    """Text of a regular file, or None: FIFOs, devices, loops, huge or undecodable files are not declarations."""
    if not inputs.is_file(path):  # recorded: a pin file that appears later changes the answer
        return None
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
            return None
        with open(path, "rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
        return data.decode("utf-8-sig") if len(data) <= _MAX_BYTES else None
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def _read_toml(path: Path) -> dict[str, Any] | None:
    """Parsed TOML, or None when missing or malformed (reported elsewhere, never fatal here)."""
    text = _read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return None


def _table(value: Any, *keys: str) -> dict[str, Any]:
    """Walk nested TOML tables, treating anything of the wrong type as empty."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    """The string items of a TOML array; other shapes contribute nothing."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


_NAME_SEPARATORS = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """A distribution name normalised as PEP 503 says (`Pytest_Asyncio` -> `pytest-asyncio`).

    What `packaging.utils.canonicalize_name` returns (tests/test_dependencies.py
    compares them). Not that function itself: `packaging.utils` imports
    `packaging.tags`, logging and sysconfig, ~5 ms that a one-file re-check
    would pay for one regular expression.
    """
    return _NAME_SEPARATORS.sub("-", name).lower()


# A bare name, or a name and comma-separated `<op><version>` clauses: most
# requirement lines anyone writes. Anything else (extras, markers, URLs,
# parentheses) goes to packaging's full PEP 508 parser.
_OPERATOR_VERSION = r"(?:===|~=|==|!=|<=|>=|<|>)\s*[0-9][0-9A-Za-z.*+!-]*"
_SIMPLE_REQUIREMENT = re.compile(
    rf"\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    rf"(?P<specifier>{_OPERATOR_VERSION}(?:\s*,\s*{_OPERATOR_VERSION})*)?\s*"
)


def _mention(line: str, source: Path) -> _Mention | None:
    """A PEP 508 requirement line as a mention; invalid lines are skipped, never fatal."""
    simple = _SIMPLE_REQUIREMENT.fullmatch(line)
    if simple is not None:
        try:
            specifier = SpecifierSet(simple["specifier"] or "")
        except InvalidSpecifier:
            return None  # as packaging's parser would reject it: the clauses are the same Specifiers
        return _Mention(canonical_name(simple["name"]), str(specifier), line.strip(), source)
    # packaging.requirements costs ~6 ms to import (its marker grammar); only
    # lines with extras, markers or URLs need it.
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return None
    # Markers are ignored on purpose: the requirement is assumed to apply.
    text = line.split(";", 1)[0].strip() if requirement.marker is not None else line.strip()
    return _Mention(canonical_name(requirement.name), str(requirement.specifier), text, source, requirement.marker is not None)


def _mentions(lines: Iterable[str], source: Path) -> list[_Mention]:
    """Mentions for every valid requirement among `lines`."""
    found = (_mention(line, source) for line in lines)
    return [mention for mention in found if mention is not None]


# --- pyproject.toml ----------------------------------------------------------


def _pyproject_mentions(path: Path) -> list[_Mention]:
    """PEP 621 dependencies and extras, PEP 735 groups, the dev tables of pdm, uv and
    hatch environments, and Poetry's dependency tables."""
    data = _read_toml(path)
    if data is None:
        return []
    project = _table(data, "project")
    lines = _strings(project.get("dependencies"))
    for extra in _table(project, "optional-dependencies").values():
        lines += _strings(extra)
    for group in _table(data, "dependency-groups").values():
        lines += _strings(group)  # `{include-group = ...}` tables are not strings
    for group in _table(data, "tool", "pdm", "dev-dependencies").values():
        lines += _strings(group)  # aiofiles: `test = ["pytest-asyncio>=0.19.0"]`
    lines += _strings(_table(data, "tool", "uv").get("dev-dependencies"))
    for environment in _table(data, "tool", "hatch", "envs").values():
        if isinstance(environment, dict):
            lines += _strings(environment.get("dependencies")) + _strings(environment.get("extra-dependencies"))
    return _mentions(lines, path) + (_poetry_mentions(data, path) if _poetry_builds(data) else [])


def _pipfile_mentions(path: Path) -> list[_Mention]:
    """Pipfile's `[packages]` and `[dev-packages]`: `name = "*"`, `"==1.0"` or `{version = ">=1"}`."""
    data = _read_toml(path)
    if data is None:
        return []
    mentions: list[_Mention] = []
    for section in ("packages", "dev-packages"):
        for name, value in _table(data, section).items():
            version = value.get("version", "*") if isinstance(value, dict) else value
            version = version.strip() if isinstance(version, str) else "*"
            mention = _mention(name if version in ("", "*") else f"{name}{version}", path)
            if mention is not None:
                mentions.append(mention)
    return mentions


def _nox_mentions(path: Path) -> list[_Mention]:
    """Packages a noxfile installs by literal name (`session.install("pytest-asyncio")`), as presence only.

    The noxfile is parsed, never run; only string literals passed to an
    `install` call count, and options and `-r`/`-e` arguments are skipped.
    """
    text = _read_text(path)
    if text is None or "install" not in text:
        return []
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    mentions: list[_Mention] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "install":
            previous = ""
            for argument in node.args:
                value = argument.value.strip() if isinstance(argument, ast.Constant) and isinstance(argument.value, str) else ""
                takes_value = previous in _NOX_VALUE_OPTIONS
                previous = value
                if not value or takes_value or value.startswith(("-", ".")) or "/" in value or value.endswith(".txt"):
                    continue
                mention = _mention(value, path)
                if mention is not None:
                    mentions.append(_Mention(mention.package, "", mention.package, path))
    return mentions


def _poetry_builds(data: dict[str, Any]) -> bool:
    """Poetry's tables count unless another build backend is named: then they are leftovers nobody installs.

    deepgram-sdk builds with setuptools from setup.py (`websockets>=12.0`) and kept
    a stale `[tool.poetry.dependencies] websockets = "^12.0"` (<13).
    """
    backend = _table(data, "build-system").get("build-backend")
    return not isinstance(backend, str) or backend.startswith("poetry")


def _poetry_mentions(data: dict[str, Any], path: Path) -> list[_Mention]:
    """Poetry's main, legacy dev and per-group dependency tables."""
    poetry = _table(data, "tool", "poetry")
    tables = [_table(poetry, "dependencies"), _table(poetry, "dev-dependencies")]
    tables += [_table(group, "dependencies") for group in _table(poetry, "group").values()]
    mentions = []
    for table in tables:
        for name, value in table.items():
            mention = _poetry_mention(name, value, path)
            if mention is not None:
                mentions.append(mention)
    return mentions


def _poetry_mention(name: str, value: Any, path: Path) -> _Mention | None:
    """One Poetry entry; `python` is the interpreter constraint, not a package."""
    if name.strip().lower() == "python":
        return None
    constraints = _poetry_constraints(value)
    if not constraints:
        return None
    try:
        specifier = union_specifier([alt for constraint in constraints for alt in poetry_to_pep440(constraint)])
    except ValueError:
        return None
    text = f"{name} {' || '.join(constraints)}"
    return _Mention(canonical_name(name), specifier, text, path)


def _poetry_constraints(value: Any) -> list[str]:
    """Raw Poetry constraint strings: a string, a table's `version`, or each table of a list.

    A table without `version` (git, path, url sources) allows any version.
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        version = value.get("version", "*")
        return [version] if isinstance(version, str) else ["*"]
    if isinstance(value, list):
        return [constraint for item in value for constraint in _poetry_constraints(item)]
    return []


def poetry_to_pep440(constraint: str) -> list[str]:
    """Poetry constraint -> PEP 440 specifiers, one per `||` alternative ("" = any version).

    Raises ValueError on text that is not a constraint, so the caller can skip it.
    """
    alternatives = []
    for alternative in re.split(r"\|\|?", constraint):
        alternative = alternative.replace(",", " ").strip()
        if _POETRY_TOKEN.sub("", alternative).strip():
            raise ValueError(f"not a Poetry constraint: {constraint!r}")
        parts = [_poetry_token(m["op"] or "", m["version"]) for m in _POETRY_TOKEN.finditer(alternative)]
        specifier = ",".join(part for part in parts if part)
        try:
            SpecifierSet(specifier)
        except InvalidSpecifier as exc:
            raise ValueError(str(exc)) from None
        alternatives.append(specifier)
    return alternatives


def _poetry_token(operator: str, version: str) -> str:
    """One Poetry comparison as PEP 440; caret and tilde become explicit ranges."""
    if version == "*":
        return ""
    if operator == "^":
        return f">={version},<{_bump(version, _caret_index(version))}"
    if operator == "~":
        return f">={version},<{_bump(version, 0 if len(_release(version)) == 1 else 1)}"
    if operator in ("", "=", "=="):
        return f"=={version}"
    return f"{operator}{version}"


def _release(version: str) -> tuple[int, ...]:
    """Release numbers exactly as written (`14.0` keeps two parts); ValueError when not a version."""
    try:
        return Version(version).release
    except InvalidVersion as exc:
        raise ValueError(str(exc)) from None


def _caret_index(version: str) -> int:
    """Caret may change everything after the first non-zero part (`^0.2.3` stays below 0.3.0)."""
    release = _release(version)
    return next((index for index, number in enumerate(release) if number), len(release) - 1)


def _bump(version: str, index: int) -> str:
    """The exclusive upper bound: part `index` plus one, later parts zero, same number of parts."""
    release = _release(version)
    bumped = release[:index] + (release[index] + 1,) + (0,) * (len(release) - index - 1)
    return ".".join(str(number) for number in bumped)


# --- unions (Poetry lists of tables and `||`) -------------------------------

_Bound = tuple[Version, bool]  # (version, inclusive)


def union_specifier(alternatives: list[str]) -> str:
    """A single PEP 440 range admitting every alternative.

    PEP 440 cannot express "A or B", so distinct alternatives become the
    smallest range covering them all (lowest lower bound, highest upper bound).
    That over-approximates, which is the safe direction: "could this project
    install 14.x?" must not be answered "no" when one alternative says yes.
    """
    unique = _unique(alternatives)
    if len(unique) == 1 or not unique:
        return unique[0] if unique else ""
    if "" in unique:
        return ""
    bounds = [_bounds(SpecifierSet(spec)) for spec in unique]
    lower = None if any(b[0] is None for b in bounds) else min((b[0] for b in bounds), key=_lower_key)
    upper = None if any(b[1] is None for b in bounds) else max((b[1] for b in bounds), key=_upper_key)
    parts = []
    if lower is not None:
        parts.append(f"{'>=' if lower[1] else '>'}{lower[0]}")
    if upper is not None:
        parts.append(f"{'<=' if upper[1] else '<'}{upper[0]}")
    return ",".join(parts)


def _lower_key(bound: _Bound) -> tuple[Version, bool]:
    """Order lower bounds from most to least permissive (inclusive first on ties)."""
    return bound[0], not bound[1]


def _upper_key(bound: _Bound) -> tuple[Version, bool]:
    """Order upper bounds from least to most permissive (inclusive last on ties)."""
    return bound[0], bound[1]


def _bounds(specifiers: SpecifierSet) -> tuple[_Bound | None, _Bound | None]:
    """The (lower, upper) bounds one intersection of specifiers implies; None = unbounded."""
    lower: _Bound | None = None
    upper: _Bound | None = None
    for spec in specifiers:
        low, high = _spec_bounds(spec.operator, spec.version)
        if low is not None and (lower is None or _lower_key(low) > _lower_key(lower)):
            lower = low
        if high is not None and (upper is None or _upper_key(high) < _upper_key(upper)):
            upper = high
    return lower, upper


def _spec_bounds(operator: str, version: str) -> tuple[_Bound | None, _Bound | None]:
    """Bounds of one PEP 440 clause; `!=` and unparseable `===` leave the range open."""
    if operator == "==" and version.endswith(".*"):
        base = version[:-2]
        return (Version(base), True), (Version(_bump(base, len(_release(base)) - 1)), False)
    if operator == "~=":
        length = len(_release(version))
        upper = _bump(version, length - 2).rsplit(".", 1)[0]
        return (Version(version), True), (Version(upper), False)
    try:
        parsed = Version(version)
    except InvalidVersion:
        return None, None
    return {
        "==": ((parsed, True), (parsed, True)),
        "===": ((parsed, True), (parsed, True)),
        ">=": ((parsed, True), None),
        ">": ((parsed, False), None),
        "<=": (None, (parsed, True)),
        "<": (None, (parsed, False)),
    }.get(operator, (None, None))


# --- setup.cfg ---------------------------------------------------------------


def _setup_cfg_mentions(path: Path) -> list[_Mention]:
    """`[options] install_requires` and every `[options.extras_require]` entry; malformed files count as absent."""
    values = _setup_cfg_values(path, _requirement_values)
    lines = [_COMMENT.sub("", line).strip() for value in values or () for line in value.splitlines()]
    return _mentions([line for line in lines if line], path)


def _requirement_values(parser: configparser.ConfigParser) -> list[str]:
    values = [parser.get("options", "install_requires", fallback="")]
    if parser.has_section("options.extras_require"):
        values += [value for _, value in parser.items("options.extras_require")]
    return values


def _setup_cfg_values(path: Path, read: Callable[[configparser.ConfigParser], list[_T]]) -> list[_T] | None:
    """What `read` takes from a parsed setup.cfg (or tox.ini); None when it is missing or malformed."""
    text = _read_text(path)
    if text is None:
        return None
    import configparser

    # No interpolation: `%` is legal in URLs. A default section nobody names,
    # so a literal `[DEFAULT]` is not smeared into every other section.
    parser = configparser.ConfigParser(interpolation=None, strict=False, default_section="\0none")
    try:
        parser.read_string(text, source=str(path))
        return read(parser)
    except (configparser.Error, ValueError):
        return None


# --- setup.py ------------------------------------------------------------------


def _setup_py(path: Path) -> SetupPy | None:
    text = _read_text(path)
    if text is None:
        return None
    from goldenpath_audit.auditor.setup_py import read_setup_py

    return read_setup_py(text)


def _setup_py_mentions(path: Path) -> list[_Mention]:
    """`install_requires`, `tests_require` and `extras_require` of a setup.py, read from its AST."""
    declared = _setup_py(path)
    return _mentions(declared.requirements, path) if declared is not None else []


# --- the project's own distribution ---------------------------------------------


def _own_distribution(directory: Path) -> OwnDistribution | None:
    """PEP 621 or Poetry name and pytest11 entry points, else setup.cfg's; None when neither names a project."""
    data = _read_toml(directory / "pyproject.toml") or {}
    project = _table(data, "project")
    poetry = _table(data, "tool", "poetry")
    name = project.get("name") or poetry.get("name")
    if isinstance(name, str) and name.strip():
        tables = [_table(project, "entry-points", "pytest11"), _table(poetry, "plugins", "pytest11")]
        values = [value for table in tables for value in table.values() if isinstance(value, str)]
        return OwnDistribution(canonical_name(name.strip()), directory, _entry_modules(values))
    return _setup_cfg_distribution(directory) or _setup_py_distribution(directory)


def _setup_cfg_distribution(directory: Path) -> OwnDistribution | None:
    values = _setup_cfg_values(
        directory / "setup.cfg",
        lambda parser: [
            parser.get("metadata", "name", fallback="").strip(),
            parser.get("options.entry_points", "pytest11", fallback=""),
        ],
    )
    if not values or not values[0]:
        return None
    name, entries = values
    plugins = [line.partition("=")[2] for line in entries.splitlines() if "=" in line]
    return OwnDistribution(canonical_name(name), directory, _entry_modules(plugins))


def _setup_py_distribution(directory: Path) -> OwnDistribution | None:
    declared = _setup_py(directory / "setup.py")
    if declared is None or not declared.name or not declared.name.strip():
        return None
    plugins = [line.partition("=")[2] for line in declared.pytest11 if "=" in line]
    return OwnDistribution(canonical_name(declared.name.strip()), directory, _entry_modules(plugins))


def _entry_modules(values: Iterable[str]) -> tuple[str, ...]:
    """`module.path` of each `module.path:attr [extras]` entry-point value."""
    modules = (value.split(":", 1)[0].split("[", 1)[0].strip() for value in values)
    return tuple(dict.fromkeys(module for module in modules if module))


def _requires_python(directory: Path) -> PythonRequirement | None:
    pyproject = directory / "pyproject.toml"
    text = _table(_read_toml(pyproject) or {}, "project").get("requires-python")
    if isinstance(text, str) and text.strip():
        return PythonRequirement(text.strip(), pyproject)
    values = _setup_cfg_values(directory / "setup.cfg", lambda parser: [parser.get("options", "python_requires", fallback="")])
    if values and values[0].strip():
        return PythonRequirement(values[0].strip(), directory / "setup.cfg")
    declared = _setup_py(directory / "setup.py")
    if declared is not None and declared.python_requires:
        return PythonRequirement(declared.python_requires, directory / "setup.py")
    return None


# --- requirements*.txt -------------------------------------------------------


def _requirements_mentions(directory: Path) -> list[_Mention]:
    """Every requirements file of the directory, each file read once even when also included."""
    visited: set[str] = set()
    mentions: list[_Mention] = []
    for path in _requirements_files(directory):
        mentions += _read_requirements(path, visited)
    return mentions


def _requirements_files(directory: Path) -> list[Path]:
    """Files named like requirements in `directory`, then the .txt/.in files of its requirements folders."""
    found = [directory / name for name in _names(directory, _REQUIREMENTS_GLOBS)]
    for folder in _REQUIREMENTS_DIRS:
        if inputs.is_dir(directory / folder):
            found += [directory / folder / name for name in _names(directory / folder, ("*.txt", "*.in"))]
    return found


def _names(directory: Path, patterns: tuple[str, ...]) -> list[str]:
    """Sorted names in `directory` matching any pattern; an unreadable directory has none."""
    try:
        with os.scandir(directory) as entries:
            return sorted(e.name for e in entries if any(fnmatch.fnmatchcase(e.name, p) for p in patterns))
    except OSError:
        return []


def _tox_mentions(path: Path) -> list[_Mention]:
    """`deps` of every `[testenv]` / `[testenv:NAME]` section of tox.ini.

    A tox matrix pins the same package differently per factor (`ws13: websockets<14`)
    or per named environment, so those ranges say nothing about one environment:
    such mentions carry no specifier. The base `[testenv]`'s unconditional lines
    apply to every environment and keep theirs. `-r` includes are followed like pip's.
    """
    sections = _setup_cfg_values(
        path,
        lambda parser: [
            (s == "testenv", _tox_substituted(parser, parser.get(s, "deps", fallback="")))
            for s in parser.sections()
            if s.startswith("testenv")
        ],
    )
    mentions: list[_Mention] = []
    visited: set[str] = set()
    for everywhere, value in sections or ():
        for raw in value.splitlines():
            line = _COMMENT.sub("", raw).strip()
            unconditional = everywhere and _TOX_FACTOR.match(line) is None
            line = _TOX_FACTOR.sub("", line)
            include = _include_target(line)
            if include is not None:
                found = _read_requirements(path.parent / include, visited)
            elif line and not line.startswith(("-", "{")):
                found = [m for m in [_mention(line, path)] if m is not None]
            else:
                continue
            mentions += [m if unconditional else _Mention(m.package, "", m.package, m.source) for m in found]
    return mentions


def _tox_substituted(parser: configparser.ConfigParser, value: str, depth: int = 0) -> str:
    """`{[test-requirements]deps}` replaced by that section's value, as tox does (scrapy)."""

    def replace(match: re.Match[str]) -> str:
        section, key = match.group(1), match.group(2)
        if depth > 8 or not parser.has_option(section, key):
            return ""
        return _tox_substituted(parser, parser.get(section, key), depth + 1)

    return _TOX_REFERENCE.sub(replace, value)


def _read_requirements(start: Path, visited: set[str]) -> list[_Mention]:
    """One requirements file and everything it includes, iteratively so deep chains cannot overflow the stack.

    `visited` holds real paths, which breaks include cycles (also through symlinks).
    """
    pending = [start]
    mentions: list[_Mention] = []
    while pending:
        path = pending.pop(0)
        key = os.path.realpath(path)
        if key in visited:
            continue
        visited.add(key)
        text = _read_text(path)
        if text is None:
            continue  # a missing or unreadable include is ignored
        for line in _logical_lines(text):
            include = _include_target(line)
            if include is not None:
                pending.append(path.parent / include)
            elif not line.startswith("-"):  # -e, -i, --index-url, ... are not requirements
                mention = _mention(_TRAILING_OPTIONS.sub("", line), path)
                if mention is not None:
                    mentions.append(mention)
    return mentions


def _logical_lines(text: str) -> Iterator[str]:
    """Lines as pip sees them: `\\` continuations joined first, then comments stripped."""
    joined = ""
    for raw in text.splitlines():
        if raw.endswith("\\") and not _COMMENT.match(raw):
            joined += raw[:-1]
            continue
        line = _COMMENT.sub("", joined + raw).strip()
        joined = ""
        if line:
            yield line
    tail = _COMMENT.sub("", joined).strip()
    if tail:
        yield tail


def _include_target(line: str) -> str | None:
    """The file named by `-r`/`--requirement`/`-c`/`--constraint`, or None; URLs are not followed."""
    match = _INCLUDE.match(line)
    if match is None:
        return None
    target = match["target"].strip("'\"")
    return None if "://" in target else target


# --- lock files --------------------------------------------------------------


def _lock_pins(directory: Path) -> dict[str, tuple[list[str], list[Path]]]:
    """Versions locked in `uv.lock` / `poetry.lock`: package -> (versions, lock files that pin them)."""
    pins: dict[str, tuple[list[str], list[Path]]] = {}
    for name in _LOCK_FILES:
        path = directory / name
        data = _read_toml(path)
        packages = data.get("package") if data is not None else None
        for entry in packages if isinstance(packages, list) else []:
            _add_pin(pins, entry, path)
    return pins


def _add_pin(pins: dict[str, tuple[list[str], list[Path]]], entry: Any, path: Path) -> None:
    """Record one `[[package]]` entry; entries without a string name and version are skipped."""
    if not isinstance(entry, dict):
        return
    name, version = entry.get("name"), entry.get("version")
    if not isinstance(name, str) or not isinstance(version, str):
        return
    versions, locks = pins.setdefault(canonical_name(name), ([], []))
    if version not in versions:
        versions.append(version)
    if path not in locks:
        locks.append(path)
