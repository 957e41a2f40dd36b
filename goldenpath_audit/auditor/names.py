"""Static name resolution: which imported object does a name refer to here?

Python decides a name's scope at compile time: a name bound anywhere in a
function body is local to the whole function, class bodies are skipped by
nested functions, and `global` / `nonlocal` redirect a name. We mirror that to
answer "does `connect` in this call mean `websockets.asyncio.client.connect`?".

The answer is deliberately conservative, because a false positive in a large
suite costs more than a miss: a name bound both by an import and by something
else in the same scope (a `def connect`, an assignment, two different imports)
resolves to nothing. One exception follows a common idiom:

    try:
        from websockets.asyncio.client import connect
    except ImportError:
        from websockets.client import connect

Imports in an `except ImportError` handler are fallbacks; when the `try` body
imports the same name, the `try` body's import wins.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from goldenpath_audit.auditor.walk import child_nodes, import_bindings, touches

if TYPE_CHECKING:
    from goldenpath_audit.auditor.walk import FileIndex, LineSet

_SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})

# Expressions that can be (or hold) assignment targets.
_TARGETS = frozenset({ast.Name, ast.Tuple, ast.List, ast.Starred})

# A binding is either the qualified name an import gives, or OTHER.
OTHER = ""


@dataclass(slots=True)
class _Binding:
    target: str  # qualified name for imports, OTHER for anything else
    fallback: bool = False


@dataclass(slots=True)
class Scope:
    node: ast.AST
    parent: "Scope | None"
    _bindings: dict[str, list[_Binding]] | None = None
    _globals: set[str] = field(default_factory=set)
    _nonlocals: set[str] = field(default_factory=set)
    # The file's index (walk.py). With it, a name no import binds never
    # resolves, and the bindings of one name are collected by visiting only the
    # statements on lines that mention it: a binding always does.
    index: "FileIndex | None" = None
    _named: dict[str, list[_Binding]] = field(default_factory=dict)
    _declared: tuple[set[str], set[str]] | None = None  # (global, nonlocal) names
    _resolved: dict[str, str | None] = field(default_factory=dict)

    # Bindings are collected on first use: most scopes never resolve a name.
    @property
    def bindings(self) -> dict[str, list[_Binding]]:
        """Every name bound directly in this scope (one walk of the whole body)."""
        if self._bindings is None:
            collector = _BindingCollector(self)
            collector.collect(self.node)
            self._bindings = collector.bindings
            self._globals, self._nonlocals = collector.globals, collector.nonlocals
        return self._bindings

    def bound(self, name: str) -> list[_Binding]:
        """The bindings of one name in this scope, walking only lines that mention it."""
        if self._bindings is not None or self.index is None:
            return self.bindings.get(name, [])
        found = self._named.get(name)
        if found is None and not self._mentions(name):
            found = self._named[name] = []
        if found is None:
            collector = _BindingCollector(self, lines=self.index.lines_with_names((name,)), only=name)
            collector.collect(self.node)
            found = self._named[name] = collector.bindings.get(name, [])
        return found

    def _mentions(self, name: str) -> bool:
        """Whether a line of this scope's own statements (decorators aside) names `name`."""
        node = self.node
        if isinstance(node, ast.Module):
            return True
        lines = self.index.lines_with_names((name,))  # type: ignore[union-attr]
        return lines.touches(node.lineno, node.end_lineno or node.lineno)  # type: ignore[attr-defined]

    def _declarations(self) -> tuple[set[str], set[str]]:
        if self._bindings is not None or self.index is None:
            self.bindings
            return self._globals, self._nonlocals
        if self._declared is None:
            lines = self.index.lines_matching(r"\b(?:global|nonlocal)\b")
            if not lines:  # most files: no declaration anywhere, nothing to walk
                self._declared = (set(), set())
            else:
                collector = _BindingCollector(self, lines=lines, only="")
                collector.collect(self.node)
                self._declared = (collector.globals, collector.nonlocals)
        return self._declared

    @property
    def globals(self) -> set[str]:
        return self._declarations()[0]

    @property
    def nonlocals(self) -> set[str]:
        return self._declarations()[1]

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)

    def module(self) -> "Scope":
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def resolve(self, name: str) -> str | None:
        """The qualified name `name` imports in this scope, or None if unknown."""
        if self.index is not None and name not in self.index.imported:
            return None
        if name in self._resolved:  # a module's `pytest` is looked up from every decorator
            return self._resolved[name]
        owner = binding_scope(name, self)
        found = self._resolved[name] = owner._lookup_here(name) if owner is not None else None
        return found

    def _lookup_here(self, name: str) -> str | None:
        bindings = self.bound(name)
        if not bindings:
            return None
        primary = [b for b in bindings if not b.fallback] or bindings
        targets = {b.target for b in primary}
        if len(targets) != 1:
            return None
        (target,) = targets
        return target or None


def binding_scope(name: str, scope: Scope) -> Scope | None:
    """The scope whose binding `name` refers to from `scope` (Python's rules), or None."""
    if name in scope.globals:
        module = scope.module()
        return module if module.bound(name) else None
    current: Scope | None = scope
    first = True
    while current is not None:
        if current.is_class and not first:
            current = current.parent
            continue
        if current.bound(name) and name not in current.nonlocals:
            return current
        first = False
        current = current.parent
    return None


def resolve_expression(node: ast.expr, scope: Scope) -> str | None:
    """`a.b.c` -> the qualified name when `a` resolves to an import, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    base = scope.resolve(node.id)
    if base is None:
        return None
    parts.append(base)
    return ".".join(reversed(parts))


def build_scope(node: ast.AST, parent: Scope | None, index: "FileIndex | None" = None) -> Scope:
    """The scope of `node`; the names bound directly in it are collected on first lookup.

    A module scope built with the file's `FileIndex` passes it on to every
    nested scope; lookups then skip names no import binds, and binding
    collection skips statements on lines that mention no imported name.
    """
    return Scope(node=node, parent=parent, index=index if parent is None else parent.index)


class _BindingCollector:
    """Names bound directly in one scope; with `lines`, only statements touching them are visited."""

    def __init__(self, scope: Scope, lines: "LineSet | None" = None, only: str | None = None) -> None:
        self.scope = scope
        self.fallback_depth = 0
        self.lines = lines
        self.only = only  # collect this name alone ("" for none: declarations only)
        self.bindings: dict[str, list[_Binding]] = {}
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        # Without `:=` in the file, an expression binds nothing but its assignment
        # targets, so value expressions (calls, decorators, defaults) are skipped.
        self.skip_values = scope.index is not None and not scope.index.has_walrus

    def bind(self, name: str, target: str = OTHER) -> None:
        if self.only is None or name == self.only:
            self.bindings.setdefault(name, []).append(_Binding(target, self.fallback_depth > 0))

    def collect(self, node: ast.AST) -> None:
        if isinstance(node, _FUNCTIONS):
            self._bind_arguments(node.args)
            body = [node.body] if isinstance(node, ast.Lambda) else node.body
            for child in body:
                self.visit(child)
        else:
            for child in node.body:  # Module, ClassDef
                self.visit(child)

    def _bind_arguments(self, args: ast.arguments) -> None:
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            self.bind(arg.arg)
        for arg in (args.vararg, args.kwarg):
            if arg is not None:
                self.bind(arg.arg)

    def visit(self, node: ast.AST) -> None:
        if self.lines is not None and not touches(node, self.lines):
            return
        if self.skip_values and isinstance(node, ast.expr) and node.__class__ not in _TARGETS:
            return
        handler = getattr(self, f"visit_{type(node).__name__}", None)
        if handler is not None:
            handler(node)
            return
        for child in child_nodes(node):
            self.visit(child)

    # Nested scopes bind their own name here, and nothing else.
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.bind(node.name)
        for expr in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if expr is not None:
                self.visit(expr)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.bind(node.name)
        for expr in (*node.decorator_list, *node.bases):
            self.visit(expr)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return

    def visit_ListComp(self, node: ast.AST) -> None:
        return  # comprehension variables live in their own scope

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp

    def visit_Global(self, node: ast.Global) -> None:
        self.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.nonlocals.update(node.names)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for local, target in import_bindings(node):
            self.bind(local, target)  # relative imports bind OTHER (""): first-party, not a library

    visit_ImportFrom = visit_Import

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.bind(node.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.bind(node.target.id)
        self.visit(node.value)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bind(node.name)
        for child in node.body:
            self.visit(child)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.bind(node.name)
        if node.pattern is not None:
            self.visit(node.pattern)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.bind(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.bind(node.rest)
        for child in child_nodes(node):
            self.visit(child)

    def visit_Try(self, node: ast.Try) -> None:
        for child in node.body:
            self.visit(child)
        for handler in node.handlers:
            is_fallback = catches_import_error(handler)
            self.fallback_depth += is_fallback
            self.visit(handler)
            self.fallback_depth -= is_fallback
        for child in (*node.orelse, *node.finalbody):
            self.visit(child)

    visit_TryStar = visit_Try


def catches_import_error(handler: ast.ExceptHandler) -> bool:
    """True for bare `except:` and handlers naming ImportError or a base class of it."""
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for expr in types:
        name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", None)
        if name in _IMPORT_ERRORS:
            return True
    return False


def type_checking_branch(test: ast.expr) -> bool | None:
    """For an `if` test: True for `if TYPE_CHECKING:` (its body is for type checkers only),
    False for `if not TYPE_CHECKING:` (its else branch is), None for any other test."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    operand = test.operand if negated else test  # type: ignore[attr-defined]
    name = operand.attr if isinstance(operand, ast.Attribute) else getattr(operand, "id", None)
    if name != "TYPE_CHECKING":
        return None
    return not negated


def is_scope(node: ast.AST) -> bool:
    return isinstance(node, _SCOPES)
