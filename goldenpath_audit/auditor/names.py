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

_SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})

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

    # Bindings are collected on first use: most scopes never resolve a name.
    @property
    def bindings(self) -> dict[str, list[_Binding]]:
        if self._bindings is None:
            self._bindings = {}
            _BindingCollector(self).collect(self.node)
        return self._bindings

    @property
    def globals(self) -> set[str]:
        self.bindings
        return self._globals

    @property
    def nonlocals(self) -> set[str]:
        self.bindings
        return self._nonlocals

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
        owner = binding_scope(name, self)
        return owner._lookup_here(name) if owner is not None else None

    def _lookup_here(self, name: str) -> str | None:
        bindings = self.bindings.get(name)
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
        return module if name in module.bindings else None
    current: Scope | None = scope
    first = True
    while current is not None:
        if current.is_class and not first:
            current = current.parent
            continue
        if name in current.bindings and name not in current.nonlocals:
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


def build_scope(node: ast.AST, parent: Scope | None) -> Scope:
    """The scope of `node`; the names bound directly in it are collected on first lookup."""
    return Scope(node=node, parent=parent)


class _BindingCollector:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.fallback_depth = 0

    def bind(self, name: str, target: str = OTHER) -> None:
        self.scope._bindings.setdefault(name, []).append(_Binding(target, self.fallback_depth > 0))

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
        handler = getattr(self, f"visit_{type(node).__name__}", None)
        if handler is not None:
            handler(node)
            return
        for child in ast.iter_child_nodes(node):
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
        self.scope._globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope._nonlocals.update(node.names)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.bind(alias.asname, alias.name)
            else:
                top = alias.name.split(".", 1)[0]
                self.bind(top, top)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name
            if node.level:
                self.bind(local)  # relative imports are first-party, not a library
            else:
                self.bind(local, f"{module}.{alias.name}")

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
        for child in ast.iter_child_nodes(node):
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


def is_scope(node: ast.AST) -> bool:
    return isinstance(node, _SCOPES)
