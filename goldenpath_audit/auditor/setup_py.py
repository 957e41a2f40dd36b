"""What a `setup.py` declares (requirements, its own name, pytest11 entry points), read from its AST.

Many projects still declare their test dependencies only in `setup.py`
(`tests_require`, `extras_require={"test": [...]}`), so a project whose
pytest-asyncio comes from there would otherwise look as if it did not declare
the plugin. The file is parsed, never run: only string literals are read,
following names to their module-level assignments (`TESTS = [...]`,
`TESTS.append(...)`, `TESTS += [...]`), `a + b`, dict values and `**kwargs`
built from a dict literal. Whatever cannot be followed (a file read, a
function call) contributes nothing. Collecting the strings of an expression
may take a few too many (every extra, not just `test`); a requirement
declared in some extra is still one the project installs somewhere, which is
the question the dependency index answers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["SetupPy", "read_setup_py"]

REQUIREMENT_KEYWORDS = ("install_requires", "tests_require", "extras_require")
MAX_DEPTH = 30  # names followed through names, and nesting
MAX_STRINGS = 10_000  # strings one expression may yield: `a = b + b; b = c + c; ...` stays bounded
_CONTAINERS = ("list", "tuple", "sorted", "set", "dict")  # builtins whose arguments' strings are the result's


@dataclass(frozen=True)
class SetupPy:
    requirements: tuple[str, ...]  # requirement lines, in source order
    name: str | None  # the `name=` literal
    pytest11: tuple[str, ...]  # `name = module:attr` entry-point lines of the pytest11 group
    python_requires: str | None = None  # the `python_requires=` literal


def read_setup_py(text: str) -> SetupPy | None:
    """None when the text does not parse or holds no `setup(...)` call."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _is_setup(node.func)]
    if not calls:
        return None
    reader = _Reader(tree)
    requirements: list[str] = []
    name: str | None = None
    pytest11: list[str] = []
    python_requires: str | None = None
    for call in calls:
        for keyword, value in reader.keywords(call):
            if keyword in REQUIREMENT_KEYWORDS:
                requirements += reader.strings(value, dict_keys=False)
            elif keyword in ("name", "python_requires"):
                found = reader.strings(value, dict_keys=False)
                if len(found) == 1 and keyword == "name":
                    name = name or found[0]
                elif len(found) == 1:
                    python_requires = python_requires or found[0].strip()
            elif keyword == "entry_points":
                pytest11 += reader.entry_points(value, "pytest11")
    return SetupPy(tuple(_lines(requirements)), name, tuple(pytest11), python_requires)


def _is_setup(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup"
    )


def _lines(values: list[str]) -> Iterator[str]:
    """Each non-comment line: a multi-line string (`'''a\\nb'''.splitlines()`) holds one requirement per line."""
    for value in values:
        for line in value.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith(("#", "-")):
                yield line


class _Reader:
    """String literals reachable from an expression through module-level names."""

    def __init__(self, tree: ast.Module) -> None:
        self.values: dict[str, list[ast.expr]] = {}
        self.items: dict[str, list[tuple[str, ast.expr]]] = {}  # `N["key"] = value`
        self._names: dict[tuple[str, bool], list[str]] = {}  # each name's strings, computed once
        for statement in _module_statements(tree.body):
            for target, value in _assignments(statement):
                self.values.setdefault(target, []).append(value)
            for target, key, value in _item_assignments(statement):
                self.items.setdefault(target, []).append((key, value))

    def keywords(self, call: ast.Call) -> Iterator[tuple[str, ast.expr]]:
        for keyword in call.keywords:
            if keyword.arg is not None:
                yield keyword.arg, keyword.value
            else:  # setup(**kwargs): the keys of the dict literals `kwargs` is built from, and `kwargs["k"] = v`
                for mapping in self._dicts(keyword.value, 0):
                    for key, value in zip(mapping.keys, mapping.values):
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            yield key.value, value
                if isinstance(keyword.value, ast.Name):
                    yield from self.items.get(keyword.value.id, ())

    def strings(self, node: ast.expr, *, dict_keys: bool, depth: int = 0, seen: frozenset[str] = frozenset()) -> list[str]:
        """Distinct strings in source order, at most MAX_STRINGS."""
        if depth > MAX_DEPTH:
            return []
        return list(dict.fromkeys(self._strings(node, dict_keys, depth, seen)))[:MAX_STRINGS]

    def _strings(self, node: ast.expr, dict_keys: bool, depth: int, seen: frozenset[str]) -> list[str]:
        follow = lambda child: self.strings(child, dict_keys=dict_keys, depth=depth + 1, seen=seen)  # noqa: E731
        if isinstance(node, ast.Constant):
            return [node.value] if isinstance(node.value, str) else []
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [s for element in node.elts for s in follow(element.value if isinstance(element, ast.Starred) else element)]
        if isinstance(node, ast.Dict):
            keys = [k for k in node.keys if k is not None] if dict_keys else []
            return [s for child in [*keys, *node.values] for s in follow(child)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return follow(node.left) + follow(node.right)
        if isinstance(node, ast.IfExp):
            # `"websockets>=10,<11" if sys.version_info.minor > 6 else "websockets>=9.1,<10"`: either may apply.
            return follow(node.body) + follow(node.orelse)
        if isinstance(node, ast.Subscript):
            return follow(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # "a\nb".splitlines(), [...].copy(), {...}.values(), list(X) is below
            return follow(node.func.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CONTAINERS:
            return [s for argument in [*node.args, *(k.value for k in node.keywords)] for s in follow(argument)]
        if isinstance(node, ast.Name) and node.id not in seen:
            key = (node.id, dict_keys)
            if key not in self._names:
                inner = seen | {node.id}
                found = [
                    s
                    for value in self.values.get(node.id, ())
                    for s in self.strings(value, dict_keys=dict_keys, depth=depth + 1, seen=inner)
                ]
                self._names[key] = list(dict.fromkeys(found))[:MAX_STRINGS]
            return self._names[key]
        return []

    def entry_points(self, node: ast.expr, group: str) -> list[str]:
        """The `group` lines of `entry_points={...}` or of an INI-style entry_points string."""
        found: list[str] = []
        for mapping in self._dicts(node, 0):
            for key, value in zip(mapping.keys, mapping.values):
                if isinstance(key, ast.Constant) and key.value == group:
                    found += self.strings(value, dict_keys=False)
        for text in self.strings(node, dict_keys=False) if not found else ():
            found += _ini_group(text, group)
        return found

    def _dicts(self, node: ast.expr, depth: int) -> list[ast.Dict]:
        if depth > MAX_DEPTH:
            return []
        if isinstance(node, ast.Dict):
            nested = [d for key, value in zip(node.keys, node.values) if key is None for d in self._dicts(value, depth + 1)]
            return [node, *nested]
        if isinstance(node, ast.Name):
            return [d for value in self.values.get(node.id, ()) for d in self._dicts(value, depth + 1)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
            synthetic = ast.Dict(keys=[ast.Constant(k.arg) if k.arg else None for k in node.keywords], values=[k.value for k in node.keywords])
            return [d for argument in node.args for d in self._dicts(argument, depth + 1)] + [synthetic]
        return []


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Top-level statements, including those in module-level `if` / `try` / `with` blocks."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.If, ast.Try, ast.With)):
            blocks = [statement.body, getattr(statement, "orelse", []), getattr(statement, "finalbody", [])]
            blocks += [handler.body for handler in getattr(statement, "handlers", [])]
            for block in blocks:
                yield from _module_statements(block)


def _assignments(statement: ast.stmt) -> Iterator[tuple[str, ast.expr]]:
    """(name, value) for `N = v`, `N: T = v`, `N += v`, `N.append(v)` / `N.extend(v)` / `N.update(v)`, `N[k] = v`."""
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                yield target.id, statement.value
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                yield target.value.id, statement.value
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)) and statement.value is not None:
        if isinstance(statement.target, ast.Name):
            yield statement.target.id, statement.value
    elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        func = statement.value.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in ("append", "extend", "update"):
            for argument in statement.value.args:
                yield func.value.id, argument


def _item_assignments(statement: ast.stmt) -> Iterator[tuple[str, str, ast.expr]]:
    """(name, key, value) for `N["key"] = value`."""
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and isinstance(target.slice, ast.Constant)
                and isinstance(target.slice.value, str)
            ):
                yield target.value.id, target.slice.value, statement.value


def _ini_group(text: str, group: str) -> list[str]:
    import configparser  # here: only a setup.py that reads setup.cfg needs it

    parser = configparser.ConfigParser(interpolation=None, strict=False, default_section="\0none")
    try:
        parser.read_string(text)
        return [f"{key} = {value}" for key, value in parser.items(group)] if parser.has_section(group) else []
    except (configparser.Error, ValueError):
        return []
