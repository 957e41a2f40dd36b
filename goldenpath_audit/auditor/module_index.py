"""Which first-party modules exist, and which names do they define? Statically.

An import audit asks three questions about `from app.db import connect`:
is `app` first-party, does `app.db` exist in the tree, and does it define
`connect`? This module answers them by reading directories and parsing files
with `ast`; nothing of the audited project is ever imported or executed.

Lookup mirrors CPython's `PathFinder`/`FileFinder` over a list of search roots
(a `sys.path` of the project's own directories):

* in each root, `name/__init__.py` (a regular package) wins, then a module file
  `name.py` (or a compiled extension `name*.so` / `name*.pyd`, or a sourceless
  `name.pyc`), and a bare directory `name/` is remembered as a namespace
  portion (PEP 420). The first regular package or module in root order wins;
  only when there is none do the namespace portions of every root merge;
* a submodule is looked up the same way in its parent package's directories;
* inside a package, a Cython `name.pyx`, or a `name.pyi` stub with no
  `name.py`, is a module the build compiles (an unbuilt checkout has no `.so`
  yet): it exists, and any name may exist in it. A top-level stub alone is
  not a module (a stubs folder on the path must not shadow the real package);
* a test file is imported by pytest's default "prepend" mode with its *basedir*
  (the first ancestor directory without an `__init__.py`) on `sys.path`, so
  lookups on behalf of an `importer` search that basedir too, after the roots.

Everything is lazy and cached: a directory is listed when a lookup first needs
it, a file is parsed when someone first asks what it defines. Only
`defining_modules` scans the whole tree, and it parses only files whose bytes
contain the wanted name.

A file that cannot be read, decoded or parsed, a compiled extension (built or
declared by a build file), and a module whose namespace is dynamic (a star
import, a module-level `__getattr__`, writes through `globals()`, `setattr` or
into `sys.modules`, a patcher handed `__name__`) is `open_namespace`: any name
may exist there, so callers must never report a name as missing from it. A
top-level folder with no module under it is data, not a namespace package.
"""

from __future__ import annotations

import re

import ast
import fnmatch
import functools
import hashlib
import os
import stat
import sys
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.machinery import FrozenImporter
from pathlib import Path
from typing import TYPE_CHECKING

from . import inputs
from .cache import is_racy
from .definitions_index import directory_signature, keyed
from .names import catches_import_error, type_checking_branch
from .pytest_config import DEFAULT_PYTHON_FILES
from .source import SourceDecodeError, SourceFile

if TYPE_CHECKING:
    from .definitions_index import DefinitionsStore
    from .pytest_config import PytestConfig

__all__ = ["ModuleIndex", "ModuleInfo", "pytest_roots"]

#: Larger files are not hand-written modules; treating them as unknown keeps a
#: stray huge file from stalling the audit.
_MAX_BYTES = 8_000_000
#: Raw bytes `defining_modules` keeps between calls, so repeated questions do not re-read the tree.
_RAW_CACHE_BUDGET = 64_000_000
#: Directories the full scan never enters (lookups follow Python and ignore this list).
_SKIP_DIRS = frozenset(
    {"__pycache__", "node_modules", "build", "dist", "site-packages", "venv"}
)
#: Attributes every module object has, whatever its source says.
_MODULE_ATTRIBUTES = frozenset(
    {"__name__", "__doc__", "__file__", "__loader__", "__package__", "__spec__", "__builtins__", "__cached__", "__dict__"}
)
_EXTENSION_SUFFIXES = (".so", ".pyd")
#: Directories searched for a module before a top-level namespace package counts as data only.
_CODE_SEARCH_DIRECTORIES = 200
#: A module the build compiles (Cython's `x.pyx`), or a stub whose module is compiled from C
#: (`x.pyi` beside no `x.py`): an unbuilt checkout has no `.so` yet, but the module will exist.
_BUILT_FROM = ("pyx", "pyi")
_BUILT_SUFFIXES = tuple(f".{suffix}" for suffix in _BUILT_FROM)


@dataclass(frozen=True)
class ModuleInfo:
    name: str  # dotted, e.g. "app.db.clickhouse"
    path: Path | None  # the .py / __init__.py file; None for a namespace package directory
    is_package: bool
    defined: frozenset[str]  # names bound at module top level, plus submodule names for packages
    definitions: frozenset[str]  # the subset *defined* here (def/class/assignment), not merely imported
    exports: tuple[str, ...]  # __all__ entries when __all__ is a literal list/tuple of strings
    open_namespace: bool  # any name may exist here: callers must not report missing names
    location: dict[str, int] = field(default_factory=dict, hash=False, compare=False)  # definition -> 1-based line
    search_locations: tuple[Path, ...] = field(default=(), hash=False, compare=False)  # a package's __path__

    @property
    def is_namespace(self) -> bool:
        return self.is_package and self.path is None

    def has_name(self, name: str) -> bool:
        """False only when `name` is certainly not an attribute of this module."""
        return self.open_namespace or name in self.defined


# --------------------------------------------------------------------------------------------
# Parsing one file


@dataclass(frozen=True)
class _Parsed:
    defined: frozenset[str]
    definitions: frozenset[str]
    exports: tuple[str, ...]
    open_namespace: bool
    dynamic_path: bool  # assigns `__path__` or writes into `sys.modules`: submodules may live anywhere
    location: dict[str, int]


_UNKNOWN = _Parsed(frozenset(), frozenset(), (), True, True, {})


def _parse(raw: bytes, path: Path) -> tuple[ast.Module, str] | None:
    """Decode (PEP 263) and parse one file; None when it is not valid Python. Never executes anything."""
    try:
        source = SourceFile.from_bytes(str(path), raw)
        return ast.parse(source.text, filename=str(path)), source.text
    except (SourceDecodeError, SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def _analyse_file(path: Path) -> tuple[_Parsed, str | None]:
    """What the file binds, and the digest of the bytes that says so (None: unreadable)."""
    raw = _read(path)
    if raw is None:
        return _UNKNOWN, None
    digest = hashlib.sha256(raw).hexdigest()
    parsed = _parse(raw, path)
    if parsed is None:
        return _UNKNOWN, digest
    try:
        own = path.parent.name if path.stem == "__init__" else path.stem
        return _Binder(own).run(*parsed), digest
    except (RecursionError, MemoryError):
        return _UNKNOWN, digest


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _read(path: Path | str) -> bytes | None:
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
            return None
        with open(path, "rb") as handle:
            return handle.read(_MAX_BYTES + 1)
    except (OSError, ValueError):
        return None


class _Binder:
    """Names a module binds at top level, following every compound statement but no nested scope."""

    def __init__(self, own_name: str = "") -> None:
        self.own_name = own_name  # the module's last name part: `from pkg import dtypes` inside dtypes.py
        self.defined: set[str] = set()
        self.location: dict[str, int] = {}  # definitions (non-import bindings) -> first line
        self.open_namespace = False
        self.dynamic_path = False
        self.exports: list[str] = []
        self.exports_known = True
        self.exports_seen = False
        self._fallback_names: list[frozenset[str]] = []  # names the enclosing `try` bodies import

    def run(self, tree: ast.Module, text: str | None = None) -> _Parsed:
        """`text`, when given, lets whole-tree passes be skipped for files without their keywords."""
        self._statements(tree.body)
        if text is None or "global" in text:
            self._global_declarations(tree)
        if text is None or any(word in text for word in _DYNAMIC_WORDS):
            self._dynamic_writes(tree, text)
        exports = tuple(self.exports) if self.exports_seen and self.exports_known else ()
        self.defined.update(self.exports)
        return _Parsed(
            defined=frozenset(self.defined),
            definitions=frozenset(self.location),
            exports=exports,
            open_namespace=self.open_namespace,
            dynamic_path=self.dynamic_path,
            location=dict(self.location),
        )

    # -- bindings ------------------------------------------------------------------------

    def bind(self, name: str, line: int, *, imported: bool) -> None:
        self.defined.add(name)
        if name == "__getattr__":
            self.open_namespace = True  # defined here or imported (`from ._lazy import __getattr__`)
        if imported:
            return
        if name == "__path__":
            self.dynamic_path = True
        if self._fallback_names and name in self._fallback_names[-1]:
            return  # `except ImportError: name = None` stands in for an import: not where `name` lives
        self.location.setdefault(name, line)

    def _statements(self, body: Iterable[ast.stmt]) -> None:
        for statement in body:
            self._statement(statement)

    def _statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.bind(node.name, node.lineno, imported=False)
            # kw_defaults holds None for a keyword-only argument without a default.
            defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
            for expr in [*node.decorator_list, *defaults]:
                self._expression(expr)
        elif isinstance(node, ast.ClassDef):
            self.bind(node.name, node.lineno, imported=False)
            for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
                self._expression(expr)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                self.bind(alias.asname or alias.name.split(".")[0], node.lineno, imported=True)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    self.open_namespace = True
                else:
                    self.bind(alias.asname or alias.name, node.lineno, imported=True)
        elif isinstance(node, ast.If) and (branch := type_checking_branch(node.test)) is not None:
            # Names bound only for type checkers do not exist at run time: `from m import T` fails.
            self._expression(node.test)
            self._statements(node.orelse if branch else node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self._try(node)  # type: ignore[arg-type]
        elif isinstance(node, ast.Match):
            self._expression(node.subject)
            for case in node.cases:
                self._pattern(case.pattern)
                if case.guard is not None:
                    self._expression(case.guard)
                self._statements(case.body)
        elif type(node).__name__ == "TypeAlias":  # Python 3.12 `type X = ...`
            self.bind(node.name.id, node.lineno, imported=False)  # type: ignore[attr-defined]
        else:
            self._exports(node)
            for name, value in ast.iter_fields(node):
                if name in ("body", "orelse", "finalbody") and isinstance(value, list):
                    self._statements(value)
                elif isinstance(value, ast.expr):
                    self._expression(value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.expr):
                            self._expression(item)
                        elif isinstance(item, ast.withitem):
                            self._expression(item.context_expr)
                            if item.optional_vars is not None:
                                self._expression(item.optional_vars)

    def _try(self, node: ast.Try) -> None:
        self._statements(node.body)
        imported = frozenset(_imported_names(node.body))
        for handler in node.handlers:
            if handler.type is not None:
                self._expression(handler.type)
            # `except E as e` unbinds `e` at the end of the handler: not a module attribute.
            fallback = catches_import_error(handler)
            if fallback:
                self._fallback_names.append(imported)
            try:
                self._statements(handler.body)
            finally:
                if fallback:
                    self._fallback_names.pop()
        self._statements(node.orelse)
        self._statements(node.finalbody)

    def _pattern(self, pattern: ast.pattern) -> None:
        for node in ast.walk(pattern):
            if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                self.bind(node.name, node.lineno, imported=False)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                self.bind(node.rest, node.lineno, imported=False)

    def _expression(self, node: ast.expr) -> None:
        """Store targets and walrus targets evaluated in module scope (not in lambdas or comprehension targets)."""
        stack: list[ast.AST] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, ast.Name):
                if isinstance(current.ctx, ast.Store):
                    self.bind(current.id, current.lineno, imported=False)
            elif isinstance(current, ast.NamedExpr):
                self.bind(current.target.id, current.lineno, imported=False)  # type: ignore[union-attr]
                stack.append(current.value)
            elif isinstance(current, ast.Lambda):
                stack.extend([*current.args.defaults, *(d for d in current.args.kw_defaults if d is not None)])
            elif isinstance(current, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                # Comprehension targets are local to the comprehension; a walrus inside binds here.
                elements = [current.key, current.value] if isinstance(current, ast.DictComp) else [current.elt]
                stack.extend(elements)
                for generator in current.generators:
                    stack.append(generator.iter)
                    stack.extend(generator.ifs)
            else:
                stack.extend(ast.iter_child_nodes(current))

    # -- __all__ -------------------------------------------------------------------------

    def _exports(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            if any(_is_name(target, "__all__") for target in node.targets):
                self._set_exports(node.value, replace=True)
            elif any(_mentions_all(target) for target in node.targets):
                self.exports_seen, self.exports_known = True, False
        elif isinstance(node, ast.AnnAssign) and _is_name(node.target, "__all__"):
            if node.value is not None:
                self._set_exports(node.value, replace=True)
        elif isinstance(node, ast.AugAssign) and _is_name(node.target, "__all__"):
            self._set_exports(node.value, replace=False)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and _is_name(func.value, "__all__"):
                args = node.value.args
                if func.attr == "extend" and len(args) == 1:
                    self._set_exports(args[0], replace=False)
                elif func.attr == "append" and len(args) == 1:
                    self._set_exports(ast.List(elts=[args[0]], ctx=ast.Load()), replace=False)
                else:
                    self.exports_seen, self.exports_known = True, False

    def _set_exports(self, value: ast.expr, *, replace: bool) -> None:
        self.exports_seen = True
        strings = _literal_strings(value)
        if strings is None:
            self.exports_known = False
            return
        if replace:
            self.exports = []
        for item in strings:
            if item not in self.exports:
                self.exports.append(item)

    # -- whole-module checks -----------------------------------------------------------------

    def _global_declarations(self, tree: ast.Module) -> None:
        """`global X` in a function or class body makes X a module name; binding it there defines it."""
        for scope in ast.walk(tree):
            if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            declared: set[str] = set()
            bound: dict[str, tuple[int, bool]] = {}
            for node in _own_scope(scope):
                if isinstance(node, ast.Global):
                    declared.update(node.names)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    bound.setdefault(node.id, (node.lineno, False))
                elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                    bound.setdefault(node.target.id, (node.lineno, False))
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not scope:
                    bound.setdefault(node.name, (node.lineno, False))
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    for alias in node.names:
                        if alias.name != "*":
                            name = alias.asname or (alias.name.split(".")[0] if isinstance(node, ast.Import) else alias.name)
                            bound.setdefault(name, (node.lineno, True))
            for name in declared:
                self.defined.add(name)
                if name in bound:
                    line, imported = bound[name]
                    self.bind(name, line, imported=imported)

    def _dynamic_writes(self, tree: ast.Module, text: str | None = None) -> None:
        """Writes that make the namespace open, anywhere in the module.

        `globals()[k] = v`, `globals().update(...)`, `sys.modules[...] = ...`,
        `sys.modules[__name__].__getattr__ = f`, `setattr(sys.modules[...], k, v)`,
        `setattr(<this module, imported>, k, v)` (numpy.dtypes), and a top-level
        call handing `__name__` to a module patcher (celery's
        `recreate_module(__name__, ...)`, trio's `deprecate_attributes(__name__, ...)`),
        and a module-level `exec(...)`. `pkgutil.extend_path` and
        `pkg_resources.declare_namespace` make the package path dynamic.
        """
        own_aliases: set[str] | None = None  # a second walk, only for a file that calls setattr
        for statement in tree.body:
            if isinstance(statement, (ast.Expr, ast.Assign)) and _patches_own_module(statement.value):
                self.open_namespace = True
        if "exec" in (text or "exec") and any(_is_call_of(node, "exec") for node in _own_scope(tree)):
            self.open_namespace = True  # twisted's `exec(r'''class Parser: ...''')`: names we cannot see
        # `_globals = globals()` (protobuf 4+ `_pb2` modules), then `_builder.Build...(..., _globals)`.
        namespace_names = {
            target.id
            for statement in tree.body
            if isinstance(statement, ast.Assign) and (_is_call_of(statement.value, "globals") or _is_call_of(statement.value, "vars"))
            for target in statement.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _is_sys_modules_item(node.value):
                self.open_namespace = True  # `sys.modules[name].__getattr__ = ...` / `.__class__ = ...`
            elif isinstance(node, ast.Call) and any(
                _is_call_of(argument, "globals")
                or _is_call_of(argument, "vars")
                or _is_name_in(argument, namespace_names)
                for argument in node.args
            ):
                self.open_namespace = True  # protobuf's `_builder.BuildTopDescriptorsAndMessages(..., globals())`
            elif _is_call_of(node, "setattr") and node.args:  # type: ignore[attr-defined]
                target = node.args[0]  # type: ignore[attr-defined]
                if isinstance(target, ast.Name) and own_aliases is None:
                    own_aliases = set(_own_aliases(tree, self.own_name))
                if _is_sys_modules_item(target) or (isinstance(target, ast.Name) and target.id in (own_aliases or ())):
                    self.open_namespace = True
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                if _is_call_of(node.value, "globals") or _is_name_in(node.value, namespace_names):
                    self.open_namespace = True
                elif _is_sys_modules(node.value):
                    self.open_namespace = self.dynamic_path = True
            elif isinstance(node, ast.Attribute) and node.attr in ("update", "setdefault", "__setitem__"):
                if _is_call_of(node.value, "globals") or _is_call_of(node.value, "vars") or _is_name_in(node.value, namespace_names):
                    self.open_namespace = True
                elif _is_sys_modules(node.value):
                    self.open_namespace = self.dynamic_path = True
            elif isinstance(node, ast.Call) and (
                _is_attribute(node.func, "extend_path") or _is_attribute(node.func, "declare_namespace")
            ):
                self.dynamic_path = True  # pkgutil's and pkg_resources' namespace packages
            if isinstance(node, ast.Attribute) and _is_name(node.value, "__path__"):
                self.dynamic_path = True  # `__path__.append(...)`


def _own_aliases(tree: ast.Module, own_name: str) -> Iterator[str]:
    """Names this module binds to itself: `from numpy import dtypes` (as X) inside dtypes.py."""
    if not own_name:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == own_name:
                    yield alias.asname or alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name.rpartition(".")[2] == own_name:
                    yield alias.asname


def _patches_own_module(value: ast.expr) -> bool:
    """`recreate_module(__name__, ...)`, `lazy.attach(__name__, ...)`: a patcher named for what it does."""
    if not isinstance(value, ast.Call) or not any(_is_name(argument, "__name__") for argument in value.args):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return any(word in name.lower() for word in _PATCHER_WORDS)


#: A file that has none of these cannot write its namespace dynamically (see `_dynamic_writes`).
_DYNAMIC_WORDS = ("globals", "vars", "modules", "setattr", "__name__", "extend_path", "__path__", "exec", "namespace")
#: Words in the name of a function that rewrites the module it is given (`__name__`).
_PATCHER_WORDS = ("module", "deprecat", "lazy", "attach", "getattr")


def _is_sys_modules_item(node: ast.AST) -> bool:
    return isinstance(node, ast.Subscript) and _is_sys_modules(node.value)


def _own_scope(scope: ast.AST) -> Iterator[ast.AST]:
    """Nodes of one function/class body, including nested def/class nodes but not their bodies."""
    stack: list[ast.AST] = list(getattr(scope, "body", []))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _imported_names(body: list[ast.stmt]) -> Iterator[str]:
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield alias.asname or alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    yield alias.asname or alias.name


def _is_name_in(node: ast.AST, names: set[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _mentions_all(node: ast.AST) -> bool:
    return any(_is_name(item, "__all__") for item in ast.walk(node))


def _is_attribute(node: ast.AST, attr: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == attr


def _is_call_of(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and _is_name(node.func, name)


def _is_sys_modules(node: ast.AST) -> bool:
    return _is_attribute(node, "modules") and _is_name(node.value, "sys")  # type: ignore[attr-defined]


def _literal_strings(node: ast.expr) -> list[str] | None:
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [elt.value for elt in node.elts if isinstance(elt, ast.Constant) and isinstance(elt.value, str)]
        return items if len(items) == len(node.elts) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_strings(node.left), _literal_strings(node.right)
        return None if left is None or right is None else left + right
    return None


# --------------------------------------------------------------------------------------------
# The file system, listed once per directory


class _Listing:
    """One directory's entries: files and directories (symlinks followed), and its extension modules."""

    __slots__ = ("files", "dirs", "extensions")

    def __init__(self, files: frozenset[str], dirs: frozenset[str]) -> None:
        self.files = files
        self.dirs = dirs
        # Sorted once here: every module lookup in the directory consults them in this order.
        self.extensions = tuple(sorted(name for name in files if name.endswith(_EXTENSION_SUFFIXES)))


_EMPTY = _Listing(frozenset(), frozenset())
_UNTRUSTED = object()  # a listing whose directory signature cannot vouch for it


@dataclass(frozen=True)
class _Spec:
    """Where a module lives: a file (module or package __init__), or namespace portions."""

    name: str
    origin: Path | None  # the file; None for a namespace package
    locations: tuple[Path, ...]  # submodule search locations; () for a plain module
    kind: str  # "source" | "extension" | "unknown"

    @property
    def is_package(self) -> bool:
        return bool(self.locations)


def _norm(path: Path | str) -> Path:
    return Path(os.path.abspath(os.fspath(path)))


def _module_stem(filename: str) -> tuple[str, str] | None:
    """`x.py` -> ("x", "source"); `x.cpython-311-x86_64-linux-gnu.so` / `x.pyd` -> ("x", "extension")."""
    if filename.endswith(".py"):
        return filename[:-3], "source"
    if filename.endswith(_EXTENSION_SUFFIXES):
        return filename.split(".", 1)[0], "extension"
    if filename.endswith(".pyc"):
        return filename[:-4], "unknown"
    stem, dot, suffix = filename.rpartition(".")
    if dot and suffix in _BUILT_FROM:
        return stem, "unknown"
    return None


class ModuleIndex:
    """Statically answers "does this first-party module exist, and what does it define?"."""

    def __init__(
        self,
        roots: Sequence[Path],
        *,
        installed: Container[str] = (),
        distributions: Iterable[str] = (),
        cache_directory: Path | None = None,
    ) -> None:
        """`roots`: search roots in order, like `sys.path`.

        `installed`: top-level import names known to be installed (declared
        dependencies, say). A regular package anywhere on `sys.path` beats a
        namespace package, so a bare directory named like one (an `alembic/`
        migrations folder) is not that module, and not first-party.

        `distributions`: the project's own distribution name and those it
        declares. `opentelemetry-sdk` beside `opentelemetry-api` says that the
        `opentelemetry` namespace package is shared (see `_is_shared`).

        `cache_directory`: where `defining_modules` may keep its whole-tree
        scan between runs (definitions_index.py); None scans afresh each run.
        """
        self.roots: tuple[Path, ...] = tuple(_unique(_norm(root) for root in roots))
        self._installed = installed
        # `llama-index-llms-openai` -> "llama", "llama-index", "llama-index-llms": leading parts of
        # multi-part distribution names, which a namespace package's name (`llama_index`) may be.
        self._namespace_prefixes = frozenset(
            "-".join(parts[:end])
            for parts in (re.split(r"[-_.]+", name.lower()) for name in distributions)
            for end in range(1, len(parts))
        )
        self._listings: dict[Path, _Listing] = {}
        self._specs: dict[tuple[tuple[Path, ...], str], _Spec | None] = {}
        self._parsed: dict[Path, _Parsed] = {}
        self._infos: dict[tuple[str, Path | None, tuple[Path, ...]], ModuleInfo] = {}
        self._basedirs: dict[Path, Path] = {}
        self._importer_roots: dict[Path, tuple[Path, ...]] = {}
        self._build_texts: dict[Path, str] = {}  # meson.build / setup.py / pyproject.toml declaring built modules
        self._scan: tuple[list[str], list[str]] | None = None
        self._raw: dict[str, bytes] = {}
        self._raw_size = 0
        # name -> (defining modules, their files): the files are what a run memo checks.
        self._defining: dict[str, tuple[list[str], tuple[str, ...]]] = {}
        self._digests: dict[Path, str | None] = {}
        self._scan_noted = False
        # Each listed directory's signature taken before listing it (None: missing), or
        # _UNTRUSTED when the listing may change without the signature changing.
        self._states: dict[Path, object] = {}
        self._cache_directory = cache_directory
        self._store: DefinitionsStore | None = None

    @classmethod
    def for_project(
        cls,
        project_root: Path,
        *,
        extra_roots: Sequence[Path] = (),
        installed: Container[str] = (),
        distributions: Iterable[str] = (),
        cache_directory: Path | None = None,
    ) -> ModuleIndex:
        """Roots: the project root, its `src/` if any, then `extra_roots` (see `pytest_roots`)."""
        project_root = _norm(project_root)
        roots = [project_root]
        if inputs.is_dir(project_root / "src"):
            roots.append(project_root / "src")
        roots += [_norm(root) for root in extra_roots]
        return cls(roots, installed=installed, distributions=distributions, cache_directory=cache_directory)

    # -- public questions ----------------------------------------------------------------

    def importable(self, path: Path, is_test_file: Callable[[str], bool]) -> bool:
        """Whether a test run can import this file at all.

        Test modules and conftests are imported by pytest; a module inside a
        package, in a search root, or beside a test module (whose basedir pytest
        puts on `sys.path`) can be imported by them. What is left is data that
        happens to end in `.py`: black's `tests/data/cases/*.py`, formatter
        inputs with deliberate syntax errors, imports of modules that never
        existed.
        """
        name, directory = path.name, _norm(path).parent
        if name == "__main__.py":
            return False  # what `python -m pkg` runs; importing `pkg` never runs it
        if name == "conftest.py" or is_test_file(name) or directory in self.roots:
            return True
        files = self._listing(directory).files
        return "__init__.py" in files or any(is_test_file(other) for other in files if other.endswith(".py"))

    def is_first_party(self, module: str, *, importer: Path | None = None) -> bool:
        top = module.lstrip(".").split(".")[0]
        return bool(top) and self._spec(top, self._roots_for(importer)) is not None

    def find(self, module: str, *, importer: Path | None = None) -> ModuleInfo | None:
        """The module as the tree defines it; None when it does not exist in the tree."""
        if not module or module.startswith("."):
            return None
        roots = self._roots_for(importer)
        spec = self._spec(module, roots)
        if spec is None:
            return self._unknown_child(module, roots)
        return self._info(spec)

    def has_submodule(self, module: str, name: str, *, importer: Path | None = None) -> bool:
        """Whether `module.name` is a module; True when `module`'s package path is dynamic (unknowable)."""
        roots = self._roots_for(importer)
        parent = self._spec(module, roots)
        if parent is None or not parent.is_package:
            return False
        if self._spec(f"{module}.{name}", roots) is not None:
            return True
        return self._is_dynamic(parent)

    def defining_modules(self, name: str, candidates: Iterable[str] | None = None) -> list[str]:
        """First-party modules that define `name` (def/class/assignment, not import), sorted."""
        if candidates is not None:
            found = set()
            for candidate in candidates:
                info = self.find(candidate)
                if info is not None and name in info.definitions:
                    found.add(info.name)
            return sorted(found)
        cached = self._defining.get(name)
        if cached is not None:
            inputs.note_name(name, cached[1])
            return list(cached[0])
        found = self._defining_from_store(name)
        if found is None:
            self._note_scan()
            found = set()
            for dotted, path in zip(*self._all_modules()):
                defined = self._names_defined(path, (name,))
                if defined is not None and name in defined:
                    found.add(dotted)
        result = sorted(found)
        homes = tuple(sorted(path for dotted, path in zip(*self._all_modules()) if dotted in found))
        self._defining[name] = (result, homes)
        inputs.note_name(name, homes)
        return list(result)

    def _note_scan(self) -> None:
        """Tell a recording run which files a "which modules define N?" answer rests on (stat before reading)."""
        if self._scan_noted or not inputs.active():
            return
        self._scan_noted = True
        for path in self._all_modules()[1]:
            inputs.note_scanned(path, _stat(path))

    def _names_defined(self, path: str, names: Sequence[str]) -> frozenset[str] | None:
        """Which of `names` the file at `path` defines (def/class/assignment); None when it cannot be read.

        Files that only import or use a name (most test files) are never parsed:
        a cheap byte search rules them out first.
        """
        raw = self._raw.get(path)
        if raw is None:
            raw = _read(path)
            if raw is None:
                return None
            if self._raw_size + len(raw) <= _RAW_CACHE_BUDGET:
                self._raw[path] = raw
                self._raw_size += len(raw)
        found: set[str] = set()
        parsed: _Parsed | None = None
        for name in names:
            if name.isascii() and not _may_define(raw, name.encode("utf-8"), _definition_pattern(name)):
                continue
            if parsed is None:
                parsed = self._parsed_file(Path(path))
            if name in parsed.definitions:
                found.add(name)
        return frozenset(found)

    def _defining_from_store(self, name: str) -> set[str] | None:
        """`defining_modules` answered through the store kept in the cache directory; None without one.

        A store that turns out malformed is replaced by an empty one, once;
        should that fail too, this run goes without a store.
        """
        store = self._definitions_store()
        for attempt in range(2):
            if store is None:
                return None
            try:
                names, paths = self._all_modules()
                self._note_scan()
                holders = store.defining(name, paths, self._names_defined)
            except Exception:  # noqa: BLE001 - a store this version did not write
                self._scan = None
                for memo in (self._listings, self._states, self._specs, self._infos, self._basedirs, self._importer_roots):
                    memo.clear()  # some may rest on what the store said
                if attempt == 0:
                    store.reset()
                else:
                    self._cache_directory = self._store = store = None
                continue
            store.save()
            return {dotted for dotted, path in zip(names, paths) if path in holders} if holders else set()
        return None

    def _definitions_store(self) -> DefinitionsStore | None:
        if self._store is None and self._cache_directory is not None:
            from .definitions_index import DefinitionsStore

            self._store = DefinitionsStore(self._cache_directory)
        return self._store

    def resolve_relative(self, importer: Path, module: str | None, level: int) -> str | None:
        """`from ..x import y` in `importer` -> "pkg.x"; None when it climbs out of the top-level package."""
        if level <= 0:
            return module or None
        importer = _norm(importer)
        name = self._importer_name(importer)
        if name is None:
            return None
        package = name if importer.name == "__init__.py" else name.rpartition(".")[0]
        parts = package.split(".") if package else []
        if level - 1 >= len(parts):
            return None
        base = parts[: len(parts) - (level - 1)]
        if module:
            base += module.split(".")
        return ".".join(base)

    def module_name_of(self, path: Path) -> str | None:
        """The dotted name of a file under one of the roots (the innermost root whose name finds this file)."""
        path = _norm(path)
        candidates: list[tuple[int, str]] = []
        for root in self.roots:
            name = _dotted(path, root)
            if name is not None:
                candidates.append((len(root.parts), name))
        candidates.sort(key=lambda item: -item[0])
        for _depth, name in candidates:
            if self._finds(name, self.roots, path):
                return name
        return candidates[0][1] if candidates else None

    def _importer_name(self, importer: Path) -> str | None:
        """The name `importer` is imported under: from a root when that name finds it, else from its basedir.

        `benchmarks/benchmarks/bench.py` (the outer folder without `__init__.py`)
        is `benchmarks.bench`, as pytest imports it from its basedir, not
        `benchmarks.benchmarks.bench`, which names nothing.
        """
        name = self.module_name_of(importer)
        roots = self._roots_for(importer)
        if name is not None and self._finds(name, roots, importer):
            return name
        from_basedir = self._basedir_name(importer)
        if from_basedir is not None and self._finds(from_basedir, roots, importer):
            return from_basedir
        return name or from_basedir

    def _finds(self, name: str, roots: tuple[Path, ...], path: Path) -> bool:
        spec = self._spec(name, roots)
        return spec is not None and spec.origin is not None and _same_file(spec.origin, path)

    def basedir(self, path: Path) -> Path:
        """pytest's "prepend" basedir of a file: the first ancestor directory without an `__init__.py`."""
        directory = _norm(path).parent
        cached = self._basedirs.get(directory)
        if cached is None:
            current = directory
            while "__init__.py" in self._listing(current).files and current.parent != current:
                current = current.parent
            cached = self._basedirs[directory] = current
        return cached

    # -- lookup ----------------------------------------------------------------------------

    def _roots_for(self, importer: Path | None) -> tuple[Path, ...]:
        if importer is None:
            return self.roots
        # Memoised per importer: every import of every file asks, with the same answer.
        roots = self._importer_roots.get(importer)
        if roots is None:
            basedir = self.basedir(importer)
            # pytest puts a basedir on sys.path for the test modules and conftests it imports;
            # a module beside them is imported as a top-level one the same way. A package's
            # own module is imported through its package, never through that basedir.
            via_basedir = _looks_collected(importer.name) or basedir == _norm(importer).parent
            roots = self.roots if basedir in self.roots or not via_basedir else (*self.roots, basedir)
            self._importer_roots[importer] = roots
        return roots

    def _listing(self, directory: Path) -> _Listing:
        listing = self._listings.get(directory)
        if listing is None:
            inputs.note_listing(directory)  # also when the definitions store answers for it
            listing = self._listings[directory] = self._list(directory)
        return listing

    def _list(self, directory: Path) -> _Listing:
        """List a directory, noting its signature first (so a later change shows) and whether to trust it."""
        try:
            info: os.stat_result | None = os.stat(directory)
        except (OSError, ValueError):
            info = None
        state = None if info is None else directory_signature(info)
        if self._store is not None and state is not None:
            stored = self._store.listing(str(directory), state)
            if stored is not None:
                self._states[directory] = state
                return _Listing(*stored) if stored[0] or stored[1] else _EMPTY
        files: set[str] = set()
        dirs: set[str] = set()
        trusted = info is None or not is_racy(info)
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        if entry.is_symlink():
                            trusted = False  # its target can change without this directory changing
                        if entry.is_dir():
                            dirs.add(entry.name)
                        elif entry.is_file():
                            files.add(entry.name)
                    except OSError:
                        trusted = False
                        continue
        except (OSError, ValueError):
            trusted = info is None  # missing before and now: stays missing until created
        else:
            if info is None:
                trusted = False  # created while we looked
        self._states[directory] = state if trusted else _UNTRUSTED
        return _Listing(frozenset(files), frozenset(dirs)) if files or dirs else _EMPTY

    def _spec(self, module: str, roots: tuple[Path, ...]) -> _Spec | None:
        key = (roots, module)
        if key in self._specs:
            return self._specs[key]
        parent_name, _, tail = module.rpartition(".")
        spec: _Spec | None = None
        if all(part.isidentifier() for part in module.split(".")):
            if parent_name:
                parent = self._spec(parent_name, roots)
                if parent is not None and parent.is_package:
                    spec = self._find_in(module, tail, parent.locations) or self._built(module, parent.locations)
            else:
                spec = self._find_in(module, tail, roots)
                if spec is not None and spec.origin is None and (self._shadowed(module) or not self._holds_code(spec)):
                    spec = None
                elif spec is not None and not self._in_roots(spec) and (module in self._installed or spec.origin is None):
                    # Found only beside the importer (`examples/realtime/twilio/`): a declared
                    # dependency of that name is what the code means. A namespace portion there
                    # (`tests/requests/` with no `__init__.py`) loses to any installed package.
                    spec = None
        self._specs[key] = spec
        return spec

    def _in_roots(self, spec: _Spec) -> bool:
        """Whether a top-level module was found in one of the project's own search roots."""
        found_in = spec.locations[0].parent if spec.locations else spec.origin.parent if spec.origin else None
        return found_in in self.roots

    def _shadowed(self, top: str) -> bool:
        """A regular module outside the tree (builtin, frozen, stdlib, installed) beats a namespace package."""
        if top in sys.builtin_module_names or top in sys.stdlib_module_names or top in self._installed:
            return True
        return FrozenImporter.find_spec(top) is not None  # looks the name up, imports nothing

    def _built(self, module: str, locations: tuple[Path, ...]) -> _Spec | None:
        """A submodule a build file declares, which an unbuilt checkout lacks: an open, unknown module.

        Meson names it in the package directory's `meson.build`
        (`py.extension_module('_multiarray_umath', ...)`, `'pandas_parser': {...}`)
        or installs a generated `'_version_meson.py'` from an ancestor's;
        setuptools names `Extension("pkg.mod", ...)` in `setup.py` (or
        `ext-modules` in `pyproject.toml`) at an ancestor, and cffi
        `ffi.set_source("pkg._lib", ...)` in a builder its `cffi_modules` lists;
        CMake (scikit-build-core, pybind11, nanobind) adds a library target named
        for it; setuptools-scm, hatch-vcs and pdm write a version file whose path
        an ancestor's `pyproject.toml` or `setup.py` quotes (`"src/pkg/_version.py"`).
        """
        tail = module.rpartition(".")[2]
        for location in locations:
            quoted_tail = (f"'{tail}'", f'"{tail}"')
            quoted_file = (f"'{tail}.py'", f'"{tail}.py"')
            dotted = (f"'{module}'", f'"{module}"')
            for depth, directory in enumerate((location, *location.parents)):
                if not any(directory == root or root in directory.parents for root in self.roots):
                    break
                files = self._listing(directory).files
                # setuptools-scm / hatch-vcs quote the path from the project root, pdm's
                # `write_to` from the package directory (`src/`).
                written = _quoted_paths(location / f"{tail}.py", directory) + _quoted_paths(
                    location / f"{tail}.py", directory / "src"
                )
                for name, wanted in (
                    ("meson.build", quoted_file + (quoted_tail if depth == 0 else ())),
                    ("setup.py", dotted + written),
                    ("pyproject.toml", dotted + written),
                ):
                    if name in files and any(text in self._build_text(directory / name) for text in wanted):
                        return _Spec(module, directory / name, (), "unknown")
                if "CMakeLists.txt" in files:
                    cmake = self._build_text(directory / "CMakeLists.txt")
                    # A target named directly, or through a variable set to the quoted name (pyzmq).
                    if _CMAKE_TARGET(tail).search(cmake) or ("add_library(" in cmake and f'"{tail}"' in cmake):
                        return _Spec(module, directory / "CMakeLists.txt", (), "unknown")
                for builder in self._cffi_builders(directory, files):
                    if any(text in self._build_text(builder) for text in dotted):
                        return _Spec(module, builder, (), "unknown")
        return None

    def _cffi_builders(self, directory: Path, files: frozenset[str]) -> list[Path]:
        """The cffi build scripts `cffi_modules=["build_ffi.py:ffi"]` names in this directory's setup files."""
        builders: list[Path] = []
        for name in ("setup.py", "pyproject.toml", "setup.cfg"):
            if name in files:
                text = self._build_text(directory / name)
                if "cffi_modules" in text:
                    builders += [directory / script for script in _CFFI_SCRIPT.findall(text)]
        return builders

    def _build_text(self, path: Path) -> str:
        text = self._build_texts.get(path)
        if text is None:
            raw = _read(path)
            text = self._build_texts[path] = raw.decode("utf-8", "replace") if raw is not None else ""
        return text

    def _holds_code(self, spec: _Spec) -> bool:
        """Whether a namespace package has any module under it: a data folder (`tests/yaml/*.yaml`) is
        importable, but nobody means it, and the installed package of that name (PyYAML) beats it.
        Cython sources alone (`yaml/_yaml.pyx` beside `lib/yaml/`) are not code until built."""
        pending = list(spec.locations)
        for _ in range(_CODE_SEARCH_DIRECTORIES):
            if not pending:
                return False
            directory = pending.pop()
            listing = self._listing(directory)
            if any(_module_stem(name) is not None and not name.endswith(_BUILT_SUFFIXES) for name in listing.files):
                return True
            pending += [directory / name for name in listing.dirs if name.isidentifier()]
        return True  # too big to search: assume code, as before

    def _find_in(self, module: str, tail: str, locations: Iterable[Path]) -> _Spec | None:
        portions: list[Path] = []
        for location in locations:
            listing = self._listing(location)
            is_dir = tail in listing.dirs
            if is_dir:
                package_dir = location / tail
                inner = self._listing(package_dir)
                init = _init_file(inner)
                if init is not None:
                    return _Spec(module, package_dir / init[0], (package_dir,), init[1])
            module_file = _module_file(listing, tail, submodule="." in module)
            if module_file is not None:
                return _Spec(module, location / module_file[0], (), module_file[1])
            if is_dir:
                portions.append(location / tail)
        if portions:
            return _Spec(module, None, tuple(_unique(portions)), "namespace")
        return None

    def _unknown_child(self, module: str, roots: tuple[Path, ...]) -> ModuleInfo | None:
        """A missing submodule of a module whose path is dynamic might exist: an open, unknown module."""
        parent_name = module.rpartition(".")[0]
        while parent_name:
            parent = self._spec(parent_name, roots)
            if parent is not None:
                if self._is_dynamic(parent) or self._is_shared(parent):
                    return ModuleInfo(module, None, False, frozenset(), frozenset(), (), True)
                return None
            parent_name = parent_name.rpartition(".")[0]
        return None

    def _is_shared(self, spec: _Spec) -> bool:
        """A PEP 420 namespace package that other distributions extend: `opentelemetry/`, `google/cloud/`.

        Its portions here hold only packages, no module of their own, and the
        project's own distribution name or a declared one starts with its top
        name (`opentelemetry-sdk`, `opentelemetry-api`): what the tree ships
        (`opentelemetry.sdk`) is all it knows, and `opentelemetry.trace` comes
        from another distribution. An `app/` folder of a project named otherwise,
        or a namespace directory with modules of its own, is the project's.
        """
        top = re.sub(r"[-_.]+", "-", spec.name.partition(".")[0].lower())
        if spec.origin is not None or top not in self._namespace_prefixes:
            return False
        for location in spec.locations:
            listing = self._listing(location)
            if any(_module_stem(name) is not None for name in listing.files) or not listing.dirs:
                return False
        return True

    def _is_dynamic(self, spec: _Spec) -> bool:
        if spec.origin is None:
            return False
        if spec.kind != "source":
            return True
        return self._parsed_file(spec.origin).dynamic_path

    # -- module information ------------------------------------------------------------------

    def _parsed_file(self, path: Path) -> _Parsed:
        parsed = self._parsed.get(path)
        if parsed is None:
            parsed, self._digests[path] = _analyse_file(path)
            self._parsed[path] = parsed
        inputs.note_module(path, self._digests[path])
        return parsed

    def _info(self, spec: _Spec) -> ModuleInfo:
        key = (spec.name, spec.origin, spec.locations)
        info = self._infos.get(key)
        if info is not None:
            if spec.origin is not None and spec.origin in self._digests:
                inputs.note_module(spec.origin, self._digests[spec.origin])  # what the lookup read, for this file too
            return info
        submodules: set[str] = set()
        for location in spec.locations:
            submodules |= self._submodule_names(location)
        implicit = _MODULE_ATTRIBUTES | ({"__path__"} if spec.is_package else set())
        if spec.origin is None:
            parsed = _Parsed(frozenset(), frozenset(), (), self._is_shared(spec), False, {})
        elif spec.kind != "source":
            parsed = _UNKNOWN
        else:
            parsed = self._parsed_file(spec.origin)
        info = ModuleInfo(
            name=spec.name,
            path=spec.origin,
            is_package=spec.is_package,
            defined=frozenset(parsed.defined | submodules | implicit),
            definitions=parsed.definitions,
            exports=parsed.exports,
            open_namespace=parsed.open_namespace,
            location=dict(parsed.location),
            search_locations=spec.locations,
        )
        self._infos[key] = info
        return info

    def _submodule_names(self, directory: Path) -> set[str]:
        listing = self._listing(directory)
        names = {name for name in listing.dirs if name.isidentifier() and name != "__pycache__"}
        for filename in listing.files:
            stem = _module_stem(filename)
            if stem is not None and stem[0].isidentifier() and stem[0] != "__init__":
                names.add(stem[0])
        return names

    def _basedir_name(self, path: Path) -> str | None:
        return _dotted(path, self.basedir(path))

    # -- the full scan ----------------------------------------------------------------------

    def _all_modules(self) -> tuple[list[str], list[str]]:
        """Every importable first-party source file, each once: (dotted names, file paths), sorted by name."""
        if self._scan is not None:
            return self._scan
        store = self._store
        key = keyed(self.roots, self._installed) if store is not None else None
        if store is not None and key is not None:
            stored = store.scan(key)
            if stored is not None:
                self._scan = stored
                # The walk's listings are a run memo's input too (a module added to a directory
                # no lookup lists shows only there); the stored scan skipped them.
                for directory in store.scan_directories():
                    inputs.note_listing(directory)
                return stored
        modules: dict[str, str] = {}
        roots = [str(root) for root in self.roots]
        for root in roots:
            prefix = root.rstrip(os.sep) + os.sep
            inner_roots = {other for other in roots if other != root and other.startswith(prefix)}
            for path, dotted in self._walk(root, inner_roots):
                if path in modules:
                    continue
                spec = self._spec(dotted, self.roots)
                if spec is None or spec.origin is None:
                    continue
                if str(spec.origin) == path or _same_file(spec.origin, Path(path)):
                    modules[path] = dotted
        ordered = sorted(modules.items(), key=lambda item: item[1])
        self._scan = ([dotted for _, dotted in ordered], [path for path, _ in ordered])
        if store is not None and key is not None:
            if _UNTRUSTED in self._states.values():
                store.forget_scan()
            else:
                states = {str(directory): state for directory, state in self._states.items()}
                listings = {str(directory): (listing.files, listing.dirs) for directory, listing in self._listings.items()}
                store.remember_scan(key, states, listings, self._scan)  # type: ignore[arg-type]
        return self._scan

    def _walk(self, root: str, skip: set[str]) -> Iterator[tuple[str, str]]:
        """(path, dotted name) of every `.py` file under `root` whose path parts are identifiers."""
        stack: list[tuple[str, tuple[str, ...]]] = [(root, ())]
        visited: set[tuple[int, int]] = set()
        while stack:
            directory, parts = stack.pop()
            try:
                info = os.stat(directory)
            except (OSError, ValueError):
                self._note_missing(Path(directory))
                continue
            key = (info.st_dev, info.st_ino)
            if key in visited:  # a symlink loop, or two links to one directory
                continue
            visited.add(key)
            listing = self._listing(Path(directory))
            if parts and "pyvenv.cfg" in listing.files:
                continue
            for filename in sorted(listing.files):
                if filename.endswith(".py") and filename[:-3].isidentifier():
                    stem = filename[:-3]
                    dotted = ".".join(parts if stem == "__init__" else (*parts, stem))
                    if dotted:
                        yield os.path.join(directory, filename), dotted
            for name in sorted(listing.dirs, reverse=True):
                child = os.path.join(directory, name)
                if name.isidentifier() and name not in _SKIP_DIRS and child not in skip:
                    stack.append((child, (*parts, name)))

    def _note_missing(self, directory: Path) -> None:
        """A directory the scan could not enter: the stored scan holds only while it stays missing."""
        if self._states.get(directory, None) is not None:
            self._states[directory] = _UNTRUSTED
        else:
            self._states[directory] = None


def pytest_roots(config: PytestConfig) -> list[Path]:
    """The extra roots a pytest config puts on `sys.path`: its rootdir, then `pythonpath` entries."""
    roots = [config.rootdir]
    pythonpath = config.options.get("pythonpath")
    if isinstance(pythonpath, str):
        pythonpath = pythonpath.split()
    if isinstance(pythonpath, (list, tuple)):
        roots += [config.rootdir / str(entry) for entry in pythonpath]
    return [_norm(root) for root in roots]


def _looks_collected(filename: str) -> bool:
    """A conftest or a test module by pytest's default `python_files` (`test_*.py`, `*_test.py`)."""
    return filename == "conftest.py" or any(fnmatch.fnmatch(filename, pattern) for pattern in DEFAULT_PYTHON_FILES)


def _quoted_paths(file: Path, directory: Path) -> tuple[str, ...]:
    """`file` as a build setting in `directory` would quote it: relative, `/`-separated, either quote."""
    try:
        relative = file.relative_to(directory).as_posix()
    except ValueError:
        return ()
    return (f'"{relative}"', f"'{relative}'")


@functools.lru_cache(maxsize=256)
def _CMAKE_TARGET(name: str) -> "re.Pattern[str]":
    """`python_add_library(_core ...)`, `pybind11_add_module(_core ...)`, `nanobind_add_module(...)`."""
    return re.compile(rf"(?i)\b(?:\w*_add_library|\w*_add_module|add_library)\(\s*{re.escape(name)}\b")


#: `"build_ffi.py:ffi"` in a `cffi_modules` list.
_CFFI_SCRIPT = re.compile(r"""["']([\w./-]+\.py):\w+["']""")


def _init_file(listing: _Listing) -> tuple[str, str] | None:
    """The `__init__` file that makes a directory a regular package, in FileFinder's suffix order."""
    for filename in listing.extensions:
        if filename.startswith("__init__."):
            return filename, "extension"
    if "__init__.py" in listing.files:
        return "__init__.py", "source"
    if "__init__.pyc" in listing.files:
        return "__init__.pyc", "unknown"
    return None


def _module_file(listing: _Listing, tail: str, *, submodule: bool) -> tuple[str, str] | None:
    """The file FileFinder would load for `tail` here; a package's submodule may also be built from source."""
    prefix = tail + "."
    for filename in listing.extensions:
        if filename.startswith(prefix):
            middle = filename[len(prefix) : -len(".so" if filename.endswith(".so") else ".pyd")]
            if middle == "" or "." not in middle:  # `x.so`, `x.pyd`, `x.cpython-311-x86_64-linux-gnu.so`
                return filename, "extension"
    if prefix + "py" in listing.files:
        return prefix + "py", "source"
    if prefix + "pyc" in listing.files:
        return prefix + "pyc", "unknown"
    for suffix in _BUILT_FROM if submodule else ():
        if prefix + suffix in listing.files:
            return prefix + suffix, "unknown"
    return None


def _dotted(path: Path, root: Path) -> str | None:
    try:
        relative = path.relative_to(root)
    except ValueError:
        return None
    parts = list(relative.parts)
    if not parts or not parts[-1].endswith(".py"):
        return None
    parts[-1] = parts[-1][:-3]
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


def _same_file(left: Path, right: Path) -> bool:
    if left == right:
        return True
    try:
        return os.path.samefile(left, right)
    except OSError:
        return False


def _unique(items: Iterable[Path]) -> list[Path]:
    seen: list[Path] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _may_define(raw: bytes, needle: bytes, pattern: "re.Pattern[bytes]") -> bool:
    """Whether a line holding `needle` matches `pattern` (every branch of it is one line).

    Searching only those lines, found with `bytes.find`, is far cheaper than
    running the many-branched pattern at every offset of the file.
    """
    start = raw.find(needle)
    while start >= 0:
        line_start = raw.rfind(b"\n", 0, start) + 1
        line_end = raw.find(b"\n", start)
        if line_end < 0:
            line_end = len(raw)
        if pattern.search(raw, line_start, line_end):
            return True
        start = raw.find(needle, line_end)
    return False


def _definition_pattern(name: str) -> "re.Pattern[bytes]":
    """Bytes that may bind `name` (def, class, assignment, annotation, for/with/global).

    A superset of real definitions, so the full scan parses only the few files
    that may define a name, not the many that import or call it.
    """
    n = re.escape(name.encode("utf-8"))
    return re.compile(
        rb"(?m)^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+" + n + rb"\b"
        rb"|^[ \t]*[\w \t,.*\[\]()]*\b" + n + rb"[ \t]*(?::[^=\n]*)?=(?!=)"
        rb"|^[ \t]*" + n + rb"[ \t]*:"
        rb"|\bfor[ \t]+[\w \t,()]*\b" + n + rb"\b"
        rb"|\bas[ \t]+" + n + rb"\b"
        rb"|\bglobal\b[^\n]*\b" + n + rb"\b"
    )
