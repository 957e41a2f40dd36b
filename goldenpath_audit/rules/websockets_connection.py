"""websockets connection migration rules: the legacy exception and the legacy attributes.

GP105 (websockets-legacy-exception): the new asyncio client (the default behind
`websockets.connect` since 14.0) rejects a handshake with
`websockets.exceptions.InvalidStatus`. The legacy `InvalidStatusCode` is a
sibling class, not a base, so `except InvalidStatusCode:` and
`pytest.raises(InvalidStatusCode)` never match what the new client raises.

GP106 (websockets-legacy-attribute): the new `ClientConnection` /
`ServerConnection` have no `path`, `request_headers`, `response_headers`,
`open` or `closed`; they fail with
`AttributeError: 'ClientConnection' object has no attribute 'open'`.

Both rules share one fact collector (`collect`, stored under `FACTS_KEY`) that
walks the tree once with scope-aware name resolution and records plain data:
each use with the codemod operations that fix it, and whether the fix is
certain. `check` only adds the version policy of the file.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from goldenpath_audit.auditor.facts import Span, node_span
from goldenpath_audit.auditor.findings import (
    Applicability,
    Finding,
    Fix,
    FixOperation,
    Position,
    Severity,
    TextEdit,
)
from goldenpath_audit.auditor.names import Scope, binding_scope, build_scope
from goldenpath_audit.auditor.walk import FileIndex, child_nodes
from goldenpath_audit.rules.base import Rule, invalid, valid
from goldenpath_audit.rules.websockets_client import (
    ASYNCIO_CLIENTS,
    DEFAULT_SWITCHED_AT,
    TOP_LEVEL_CLIENTS,
)

if TYPE_CHECKING:
    from goldenpath_audit.auditor.context import FileContext
    from goldenpath_audit.auditor.source import SourceFile

FACTS_KEY = "websockets_connection"

# GP105 -----------------------------------------------------------------------
LEGACY_EXCEPTIONS = frozenset({"websockets.exceptions.InvalidStatusCode", "websockets.InvalidStatusCode"})
OLD_EXCEPTION = "InvalidStatusCode"
NEW_EXCEPTION = "InvalidStatus"
NEW_EXCEPTIONS = frozenset({"websockets.exceptions.InvalidStatus", "websockets.InvalidStatus"})
# Legacy attribute -> its place on InvalidStatus.
EXCEPTION_ATTRIBUTES = {
    "status_code": "response.status_code",
    "headers": "response.headers",
}
RAISES = frozenset({"pytest.raises"})
# Names that mean the file drives the legacy client, which still raises InvalidStatusCode.
LEGACY_CLIENT_PREFIXES = (
    "websockets.legacy.client.",
    "websockets.legacy.server.",
    "websockets.legacy.protocol.",
)
LEGACY_CLIENTS = frozenset(
    {
        "websockets.client.connect",
        "websockets.client.unix_connect",
        "websockets.server.serve",
        "websockets.server.unix_serve",
        "websockets.WebSocketClientProtocol",
        "websockets.WebSocketServerProtocol",
        "websockets.client.WebSocketClientProtocol",
        "websockets.server.WebSocketServerProtocol",
    }
)

# GP106 -----------------------------------------------------------------------
TOP_LEVEL_SERVERS = frozenset({"websockets.serve", "websockets.unix_serve"})
ASYNCIO_SERVERS = frozenset({"websockets.asyncio.server.serve", "websockets.asyncio.server.unix_serve"})
# Annotations that name the new connection classes (never the Sans-I/O
# `websockets.client.ClientConnection`, see trap A.6).
CONNECTION_CLASSES = {
    "websockets.asyncio.client.ClientConnection": "ClientConnection",
    "websockets.asyncio.server.ServerConnection": "ServerConnection",
    "websockets.ClientConnection": "ClientConnection",  # 14.2+: always the new class
    "websockets.ServerConnection": "ServerConnection",
}
# Legacy attribute -> the new spelling (dotted path) or a State member.
RENAMED_ATTRIBUTES = {
    "path": "request.path",
    "request_headers": "request.headers",
    "response_headers": "response.headers",
}
STATE_ATTRIBUTES = {"open": "OPEN", "closed": "CLOSED"}
STATE_MODULE = "websockets.protocol"
STATE_QUALNAME = "websockets.protocol.State"

# Codemod kinds (goldenpath_audit/codemods/websockets_connection.py).
RENAME_NAME = "rename_exception_name"
EXPAND_ATTRIBUTE = "expand_attribute"
STATE_CHECK = "attribute_to_state_check"
NOT_STATE_CHECK = "not_attribute_to_state_check"
ENSURE_IMPORT = "ensure_from_import"


@dataclass(frozen=True, slots=True)
class ExceptionUse:
    """One use of the legacy exception (GP105)."""

    span: Span  # the `InvalidStatusCode` token
    statement_line: int
    qualname: str
    kind: str  # "import" | "except" | "raises" | "other"
    operations: tuple[FixOperation, ...]  # empty when there is no certain fix
    review: str  # why there is no fix ("" when there is one)


@dataclass(frozen=True, slots=True)
class AttributeUse:
    """One legacy attribute read on a value certain to be a new connection (GP106)."""

    span: Span  # the whole `ws.open` expression
    statement_line: int
    variable: str
    attribute: str
    connection_class: str  # "ClientConnection" | "ServerConnection"
    binding: str  # how the variable got its value, for the message
    top_level: bool  # bound through top-level `websockets.connect/serve` (version dependent)
    operations: tuple[FixOperation, ...]
    review: str
    edits: tuple[TextEdit, ...] = ()  # the same change as text, for SARIF; empty when not certain


@dataclass(frozen=True, slots=True)
class ConnectionFacts:
    exceptions: tuple[ExceptionUse, ...] = ()
    attributes: tuple[AttributeUse, ...] = ()
    legacy_client: bool = False  # the file also uses the legacy client


# The shared collector -------------------------------------------------------------------------------------------

_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


class _Tree:
    """One walk: each node's parent, scope and statement line; resolution helpers."""

    def __init__(self, tree: ast.Module, source: SourceFile) -> None:
        self.source = source
        self.parent: dict[ast.AST, ast.AST] = {}
        self.scope_of: dict[ast.AST, Scope] = {}
        self.statement: dict[ast.AST, int] = {}
        self.inner: dict[ast.AST, Scope] = {}  # function/class node -> its own scope
        self.module_scope = build_scope(tree, None, FileIndex.of(tree, source.text))
        self.nodes: list[ast.AST] = []
        self._visit(tree, None, self.module_scope, 1)

    def _visit(self, node: ast.AST, parent: ast.AST | None, scope: Scope, line: int) -> None:
        # An explicit stack: deep expressions must not exhaust the recursion limit.
        stack: list[tuple[ast.AST, ast.AST | None, Scope, int]] = [(node, parent, scope, line)]
        while stack:
            node, parent, scope, line = stack.pop()
            if isinstance(node, ast.stmt):
                line = node.lineno
            if parent is not None:
                self.parent[node] = parent
            self.scope_of[node] = scope
            self.statement[node] = line
            self.nodes.append(node)
            children: list[tuple[ast.AST, Scope]] = []
            if isinstance(node, _SCOPE_NODES):
                inner = build_scope(node, scope)
                self.inner[node] = inner
                outer_parts: list[ast.AST] = list(getattr(node, "decorator_list", ()))
                if isinstance(node, ast.ClassDef):
                    outer_parts += [*node.bases, *node.keywords]
                    children += [(part, scope) for part in outer_parts]
                    children += [(statement, inner) for statement in node.body]
                else:
                    args = node.args
                    outer_parts += [
                        *args.defaults,
                        *(d for d in args.kw_defaults if d is not None),
                    ]
                    if not isinstance(node, ast.Lambda) and node.returns is not None:
                        outer_parts.append(node.returns)
                    children += [(part, scope) for part in outer_parts]
                    for arg in _all_args(args):
                        self.parent[arg] = node
                        self.scope_of[arg] = inner
                        self.statement[arg] = line
                        self.nodes.append(arg)
                        if arg.annotation is not None:
                            children.append((arg.annotation, scope))
                    body = [node.body] if isinstance(node, ast.Lambda) else node.body
                    children += [(statement, inner) for statement in body]
            else:
                children = [(child, scope) for child in child_nodes(node)]
            for child, child_scope in reversed(children):
                stack.append((child, node, child_scope, line))

    def span(self, node: ast.AST) -> Span:
        return node_span(self.source, node)

    def attr_position(self, node: ast.Attribute) -> tuple[int, int]:
        """1-based line and character column of the attribute's name token."""
        start = node.end_col_offset - len(node.attr.encode("utf-8"))  # type: ignore[operator]
        return node.end_lineno, self.source.char_column(node.end_lineno, start)  # type: ignore[return-value,arg-type]

    def attr_span(self, node: ast.Attribute) -> Span:
        line, column = self.attr_position(node)
        return Span(
            line,
            column,
            node.end_lineno,
            self.source.char_column(node.end_lineno, node.end_col_offset),
        )  # type: ignore[arg-type]

    def resolve(self, node: ast.AST) -> str | None:
        """The qualified name an expression spells through the imports in scope."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node not in self.scope_of:
            return None
        base = self.scope_of[node].resolve(node.id)
        if base is None:
            return None
        return ".".join([base, *reversed(parts)])


def _all_args(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _bound_once(name: str, scope: Scope) -> bool:
    return len(scope.bindings.get(name, ())) == 1 and name not in scope.globals and name not in scope.nonlocals


def _uses(tree: _Tree, name: str, scope: Scope, root: ast.AST | None = None) -> list[ast.Name]:
    """Loads of `name` that refer to its binding in `scope` (optionally only under `root`)."""
    found = []
    nodes = tree.nodes if root is None else list(ast.walk(root))
    for node in nodes:
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            if node in tree.scope_of and binding_scope(name, tree.scope_of[node]) is scope:
                found.append(node)
    return found


def _op(kind: str, line: int, column: int, **params: object) -> FixOperation:
    return FixOperation(kind=kind, line=line, column=column, params=tuple(params.items()))


def collect_connection_facts(tree: ast.Module, source: SourceFile) -> ConnectionFacts:
    text = source.text
    wants_exceptions = OLD_EXCEPTION in text
    wants_attributes = any(attr in text for attr in (*RENAMED_ATTRIBUTES, *STATE_ATTRIBUTES))
    if "websockets" not in text or not (wants_exceptions or wants_attributes):
        return ConnectionFacts()
    walked = _Tree(tree, source)
    legacy_client = False
    for node in walked.nodes:
        qualnames: list[str | None] = []
        if isinstance(node, (ast.Name, ast.Attribute)):
            qualnames.append(walked.resolve(node))
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            qualnames += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            qualnames += [alias.name + "." for alias in node.names]
        if any(q and (q in LEGACY_CLIENTS or q.startswith(LEGACY_CLIENT_PREFIXES)) for q in qualnames):
            legacy_client = True
            break
    attributes = tuple(_AttributeCollector(walked).collect()) if wants_attributes else ()
    return ConnectionFacts(
        exceptions=tuple(_ExceptionCollector(walked).collect()) if wants_exceptions else (),
        attributes=_with_edits(attributes, tree, source),
        legacy_client=legacy_client,
    )


def _rebound_earlier_in_block(tree: _Tree, node: ast.AST, local: str) -> bool:
    """Whether an earlier statement of a block enclosing `node` imports `local` from elsewhere.

    In `try: from M import Old as X ... except ImportError: from M import New as X; use(X)`,
    the use in the handler runs after the handler's import: X is the new class there.
    """
    child, parent = node, tree.parent.get(node)
    while parent is not None:
        for field in ("body", "orelse", "finalbody"):
            block = getattr(parent, field, None)
            if isinstance(block, list) and child in block:
                if any(_imports_other(statement, local) for statement in block[: block.index(child)]):
                    return True
        child, parent = parent, tree.parent.get(parent)
    return False


def _imports_other(statement: ast.stmt, local: str) -> bool:
    return isinstance(statement, ast.ImportFrom) and any(
        (alias.asname or alias.name) == local and f"{statement.module}.{alias.name}" not in LEGACY_EXCEPTIONS
        for alias in statement.names
    )


# GP105 collection ------------------------------------------------------------------------------------------------


@dataclass
class _Use:
    node: ast.AST  # the Name, or the Attribute whose attr is InvalidStatusCode, or an ast.alias
    kind: str
    qualname: str
    operations: list[FixOperation]
    review: str = ""


class _ExceptionCollector:
    def __init__(self, tree: _Tree) -> None:
        self.tree = tree

    def collect(self) -> list[ExceptionUse]:
        tree = self.tree
        result: list[ExceptionUse] = []
        # Name uses grouped by local name: the import and every reference must change together.
        groups: dict[str, list[_Use]] = {}
        imports: dict[str, list[ast.alias]] = {}
        other: set[str] = set()  # local names bound by other imports too (fallbacks, legacy.exceptions)
        beside_new: set[str] = set()  # locals caught with InvalidStatus, or around legacy clients only
        for node in tree.nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    if (
                        isinstance(node, ast.ImportFrom)
                        and node.level == 0
                        and f"{node.module}.{alias.name}" in LEGACY_EXCEPTIONS
                    ):
                        imports.setdefault(local, []).append(alias)
                    else:
                        other.add(local)
        for node in tree.nodes:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in imports:
                qualname = tree.resolve(node)
                if node.id in other and _rebound_earlier_in_block(tree, node, node.id):
                    continue  # `except ImportError: from websockets.exceptions import InvalidStatus as X` then X
                if qualname in LEGACY_EXCEPTIONS and (self._beside_new_exception(node) or self._guards_legacy_client(node)):
                    beside_new.add(node.id)
                elif qualname in LEGACY_EXCEPTIONS:
                    groups.setdefault(node.id, []).append(self._classify(node, qualname))
            elif (
                isinstance(node, ast.Attribute)
                and node.attr == OLD_EXCEPTION
                and isinstance(node.ctx, ast.Load)
                and node in tree.scope_of
            ):
                qualname = tree.resolve(node)
                if qualname in LEGACY_EXCEPTIONS and not (self._beside_new_exception(node) or self._guards_legacy_client(node)):
                    use = self._classify(node, qualname)
                    line, column = tree.attr_position(node)
                    if use.kind != "other" and not use.review:
                        use.operations.insert(
                            0,
                            _op(
                                RENAME_NAME,
                                line,
                                column,
                                old=OLD_EXCEPTION,
                                new=NEW_EXCEPTION,
                            ),
                        )
                    result.append(
                        self._freeze(
                            use,
                            tree.attr_span(node),
                            use.operations if not use.review else [],
                        )
                    )
        for local, aliases in imports.items():
            if local in beside_new and not groups.get(local):
                continue  # only ever caught together with InvalidStatus: code that serves both clients
            result.extend(self._group(local, aliases, groups.get(local, []), local in other))
        return sorted(result, key=lambda use: (use.span.line, use.span.column))

    def _guards_legacy_client(self, node: ast.AST) -> bool:
        """`except InvalidStatusCode` / `pytest.raises(InvalidStatusCode)` around legacy client calls only.

        `websockets.client.connect` still raises the legacy exception on 14.x
        (only deprecated: GP102 reports the client), so the handler does match.
        """
        tree = self.tree
        parent = tree.parent.get(node)
        holder = tree.parent.get(parent) if isinstance(parent, ast.Tuple) else parent
        body: list[ast.stmt] = []
        if isinstance(holder, ast.ExceptHandler) and isinstance(tree.parent.get(holder), ast.Try):
            body = tree.parent[holder].body  # type: ignore[attr-defined]
        elif isinstance(holder, (ast.Call, ast.keyword)):
            call = tree.parent.get(holder) if isinstance(holder, ast.keyword) else holder
            item = tree.parent.get(call)
            block = tree.parent.get(item) if isinstance(item, ast.withitem) else None
            if isinstance(block, (ast.With, ast.AsyncWith)) and tree.resolve(call.func) in RAISES:  # type: ignore[union-attr]
                body = block.body
        legacy = new = False
        for statement in body:
            for inner in ast.walk(statement):
                if isinstance(inner, ast.Call):
                    qualname = tree.resolve(inner.func) or ""
                    legacy |= qualname in LEGACY_CLIENTS or qualname.startswith(LEGACY_CLIENT_PREFIXES)
                    new |= qualname in ASYNCIO_CLIENTS or qualname in TOP_LEVEL_CLIENTS
        return legacy and not new

    def _beside_new_exception(self, node: ast.AST) -> bool:
        """`except (InvalidStatus, InvalidStatusCode):` catches the new client's rejection too."""
        parent = self.tree.parent.get(node)
        return isinstance(parent, ast.Tuple) and any(
            element is not node and self.tree.resolve(element) in NEW_EXCEPTIONS for element in parent.elts
        )

    def _group(self, local: str, aliases: list[ast.alias], uses: list[_Use], clash: bool) -> list[ExceptionUse]:
        tree = self.tree
        operations: list[FixOperation] = []
        for alias in aliases:
            operations.append(
                _op(
                    RENAME_NAME,
                    alias.lineno,
                    tree.source.char_column(alias.lineno, alias.col_offset),
                    old=OLD_EXCEPTION,
                    new=NEW_EXCEPTION,
                )
            )
        renames_uses = local == OLD_EXCEPTION  # without `as X` the code spells the old name
        review = ""
        if clash:
            review = f"`{local}` is also imported from elsewhere in this file"
        elif (
            renames_uses
            and NEW_EXCEPTION in tree.module_scope.bindings
            and (
                tree.module_scope.resolve(NEW_EXCEPTION)
                not in {
                    "websockets.exceptions.InvalidStatus",
                    "websockets.InvalidStatus",
                }
            )
        ):
            review = f"`{NEW_EXCEPTION}` already names something else in this file"
        else:
            others = [use for use in uses if use.kind == "other" or use.review]
            if others:
                first = others[0]
                review = (
                    first.review or f"`{local}` is also used on line {first.node.lineno} in a way the fix cannot follow"
                )  # type: ignore[attr-defined]
        for use in uses:
            if renames_uses:
                node = use.node
                operations.append(
                    _op(
                        RENAME_NAME,
                        node.lineno,
                        tree.source.char_column(node.lineno, node.col_offset),
                        old=OLD_EXCEPTION,
                        new=NEW_EXCEPTION,
                    )  # type: ignore[attr-defined]
                )
            operations.extend(use.operations)
        final = tuple(dict.fromkeys(operations)) if not review else ()
        frozen = []
        for alias in aliases:
            qualname = next(iter(LEGACY_EXCEPTIONS))
            parent = tree.parent.get(alias)
            if isinstance(parent, ast.ImportFrom):
                qualname = f"{parent.module}.{alias.name}"
            span = Span(
                alias.lineno,
                tree.source.char_column(alias.lineno, alias.col_offset),
                alias.lineno,
                tree.source.char_column(alias.lineno, alias.col_offset + len(OLD_EXCEPTION)),
            )
            frozen.append(
                ExceptionUse(
                    span,
                    tree.statement.get(alias, alias.lineno),
                    qualname,
                    "import",
                    final,
                    review,
                )
            )
        for use in uses:
            frozen.append(self._freeze(use, tree.span(use.node), list(final), review))
        return frozen

    def _freeze(
        self,
        use: _Use,
        span: Span,
        operations: list[FixOperation],
        review: str | None = None,
    ) -> ExceptionUse:
        review = use.review if review is None else (review or use.review)
        if use.kind == "other" and not review:
            review = "only `except` clauses and `pytest.raises` are rewritten"
        return ExceptionUse(
            span,
            self.tree.statement.get(use.node, 1),
            use.qualname,
            use.kind,
            tuple(operations) if not review else (),
            review,
        )

    def _classify(self, node: ast.AST, qualname: str) -> _Use:
        tree = self.tree
        parent = tree.parent.get(node)
        holder = parent
        if isinstance(parent, ast.Tuple):
            holder = tree.parent.get(parent)
        if isinstance(holder, ast.ExceptHandler) and holder.type in (node, parent):
            use = _Use(node, "except", qualname, [])
            if holder.name:
                self._handler_attributes(use, holder)
            return use
        if isinstance(holder, ast.keyword) and holder.arg == "expected_exception":
            holder = tree.parent.get(holder)
            arg_ok = True
        else:
            arg_ok = isinstance(holder, ast.Call) and bool(holder.args) and holder.args[0] in (node, parent)
        if isinstance(holder, ast.Call) and arg_ok and tree.resolve(holder.func) in RAISES:
            use = _Use(node, "raises", qualname, [])
            item = tree.parent.get(holder)
            if isinstance(item, ast.withitem) and item.context_expr is holder and item.optional_vars is not None:
                self._raises_attributes(use, item)
            return use
        return _Use(node, "other", qualname, [])

    def _handler_attributes(self, use: _Use, handler: ast.ExceptHandler) -> None:
        """`e.status_code` -> `e.response.status_code` inside `except ... as e:`."""
        name = handler.name
        assert name is not None
        for statement in handler.body:
            for node in ast.walk(statement):
                rebinds = (isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load)) or (
                    isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                    and any(arg.arg == name for arg in _all_args(node.args))
                )
                if rebinds or (isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names):
                    use.review = f"`{name}` is rebound inside the handler"
                    return
        for statement in handler.body:
            for node in ast.walk(statement):
                self._maybe_expand(
                    use,
                    node,
                    lambda value: isinstance(value, ast.Name) and value.id == name,
                )

    def _raises_attributes(self, use: _Use, item: ast.withitem) -> None:
        """`exc_info.value.status_code` -> `exc_info.value.response.status_code` after `as exc_info`."""
        target = item.optional_vars
        if not isinstance(target, ast.Name):
            use.review = "the `pytest.raises` result is unpacked"
            return
        tree = self.tree
        scope = tree.scope_of[target]
        if not _bound_once(target.id, scope):
            use.review = f"`{target.id}` is bound more than once in this scope"
            return
        for name in _uses(tree, target.id, scope):
            attribute = tree.parent.get(name)
            if isinstance(attribute, ast.Attribute) and attribute.attr == "value":
                self._maybe_expand(use, tree.parent.get(attribute), lambda value: value is attribute)

    def _maybe_expand(self, use: _Use, node: ast.AST | None, is_exception) -> None:
        if (
            isinstance(node, ast.Attribute)
            and node.attr in EXCEPTION_ATTRIBUTES
            and isinstance(node.ctx, ast.Load)
            and is_exception(node.value)
        ):
            line, column = self.tree.attr_position(node)
            use.operations.append(
                _op(
                    EXPAND_ATTRIBUTE,
                    line,
                    column,
                    old=node.attr,
                    new=EXCEPTION_ATTRIBUTES[node.attr],
                )
            )


# GP106 collection ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Binding:
    name: str
    scope: Scope
    connection_class: str
    description: str
    top_level: bool


class _AttributeCollector:
    def __init__(self, tree: _Tree) -> None:
        self.tree = tree

    def _client_call(self, node: ast.AST | None) -> tuple[str, bool] | None:
        if not isinstance(node, ast.Call):
            return None
        qualname = self.tree.resolve(node.func)
        if qualname in ASYNCIO_CLIENTS:
            return qualname, False
        if qualname in TOP_LEVEL_CLIENTS:
            return qualname, True
        return None

    def bindings(self) -> list[_Binding]:
        tree = self.tree
        found: list[_Binding] = []

        def add(target: ast.AST, cls: str, description: str, top_level: bool) -> None:
            if isinstance(target, ast.Name):
                scope = tree.scope_of[target]
                if _bound_once(target.id, scope):
                    found.append(_Binding(target.id, scope, cls, description, top_level))

        for node in tree.nodes:
            if isinstance(node, ast.withitem) and node.optional_vars is not None and self._in_async_with(node):
                call = self._client_call(node.context_expr)
                if call:
                    add(
                        node.optional_vars,
                        "ClientConnection",
                        f"`async with {call[0]}(...)`",
                        call[1],
                    )
            elif isinstance(node, ast.AsyncFor):
                call = self._client_call(node.iter)
                if call:
                    add(
                        node.target,
                        "ClientConnection",
                        f"`async for ... in {call[0]}(...)`",
                        call[1],
                    )
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Await):
                call = self._client_call(node.value.value)
                if call:
                    add(
                        node.targets[0],
                        "ClientConnection",
                        f"`await {call[0]}(...)`",
                        call[1],
                    )
            elif isinstance(node, ast.arg) and node.annotation is not None:
                cls = CONNECTION_CLASSES.get(tree.resolve(node.annotation) or "")
                if cls:
                    scope = tree.scope_of[node]
                    if _bound_once(node.arg, scope):
                        found.append(_Binding(node.arg, scope, cls, f"its annotation `{cls}`", False))
            elif isinstance(node, ast.Call):
                found.extend(self._handler_binding(node))
        return found

    def _in_async_with(self, item: ast.withitem) -> bool:
        return isinstance(self.tree.parent.get(item), ast.AsyncWith)

    def _handler_binding(self, call: ast.Call) -> list[_Binding]:
        tree = self.tree
        qualname = tree.resolve(call.func)
        if qualname not in ASYNCIO_SERVERS and qualname not in TOP_LEVEL_SERVERS:
            return []
        handler = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "handler"), None)
        if not isinstance(handler, ast.Name):
            return []
        scope = binding_scope(handler.id, tree.scope_of[handler])
        if scope is None or not _bound_once(handler.id, scope) or scope.is_class:
            return []
        definition = next(
            (
                node
                for node, inner in tree.inner.items()
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.name == handler.id
                and inner.parent is scope
            ),
            None,
        )
        if definition is None:
            return []
        positional = [*definition.args.posonlyargs, *definition.args.args]
        if not positional:
            return []
        inner = tree.inner[definition]
        if not _bound_once(positional[0].arg, inner):
            return []
        return [
            _Binding(
                positional[0].arg,
                inner,
                "ServerConnection",
                f"`{definition.name}` being the handler of `{qualname}(...)`",
                qualname in TOP_LEVEL_SERVERS,
            )
        ]

    def collect(self) -> list[AttributeUse]:
        tree = self.tree
        result: list[AttributeUse] = []
        seen: set[ast.AST] = set()
        for binding in self.bindings():
            for name in _uses(tree, binding.name, binding.scope):
                attribute = tree.parent.get(name)
                if (
                    not isinstance(attribute, ast.Attribute)
                    or attribute.value is not name
                    or not isinstance(attribute.ctx, ast.Load)
                    or attribute in seen
                    or (attribute.attr not in RENAMED_ATTRIBUTES and attribute.attr not in STATE_ATTRIBUTES)
                ):
                    continue
                seen.add(attribute)
                operations, review = self._fix(attribute)
                result.append(
                    AttributeUse(
                        span=tree.span(attribute),
                        statement_line=tree.statement.get(attribute, attribute.lineno),
                        variable=binding.name,
                        attribute=attribute.attr,
                        connection_class=binding.connection_class,
                        binding=binding.description,
                        top_level=binding.top_level,
                        operations=operations,
                        review=review,
                    )
                )
        return sorted(result, key=lambda use: (use.span.line, use.span.column))

    def _fix(self, attribute: ast.Attribute) -> tuple[tuple[FixOperation, ...], str]:
        tree = self.tree
        line, column = tree.attr_position(attribute)
        if attribute.attr in RENAMED_ATTRIBUTES:
            return (
                _op(
                    EXPAND_ATTRIBUTE,
                    line,
                    column,
                    old=attribute.attr,
                    new=RENAMED_ATTRIBUTES[attribute.attr],
                ),
            ), ""
        # `.open` / `.closed` need `State` from websockets.protocol.
        scope = tree.scope_of[attribute]
        where = binding_scope("State", scope)
        operations: list[FixOperation] = []
        if where is None:
            operations.append(_op(ENSURE_IMPORT, 1, 1, module=STATE_MODULE, name="State"))
        elif where.resolve("State") != STATE_QUALNAME or scope.resolve("State") != STATE_QUALNAME:
            return (), "`State` already names something else here"
        member = STATE_ATTRIBUTES[attribute.attr]
        parent = tree.parent.get(attribute)
        if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
            not_line = parent.lineno
            not_column = tree.source.char_column(parent.lineno, parent.col_offset)
            operations.insert(
                0,
                _op(
                    NOT_STATE_CHECK,
                    not_line,
                    not_column,
                    old=attribute.attr,
                    member=member,
                ),
            )
        else:
            # A comparison binds looser than these operators: keep the meaning with parentheses.
            tight = (
                isinstance(
                    parent,
                    (ast.Compare, ast.BinOp, ast.UnaryOp, ast.Await, ast.Starred),
                )
                or (isinstance(parent, (ast.Attribute, ast.Subscript)) and parent.value is attribute)
                or (isinstance(parent, ast.Call) and parent.func is attribute)
            )
            operations.insert(
                0,
                _op(
                    STATE_CHECK,
                    line,
                    column,
                    old=attribute.attr,
                    member=member,
                    parenthesize=tight,
                ),
            )
        return tuple(operations), ""


# Textual edits (SARIF `fixes`) -------------------------------------------------------------------------------------
#
# The fixer applies the operations with libcst; these are the same changes as
# plain text replacements, so SARIF viewers can show and apply them. Each is
# derived from exactly what the operation rewrites, and a fix whose change
# cannot be pinned down as text gets no edits at all (never a partial set).


def _token_edit(op: FixOperation) -> TextEdit | None:
    """`rename_exception_name` / `expand_attribute`: the `old` name token at the position becomes `new`."""
    if op.kind not in (RENAME_NAME, EXPAND_ATTRIBUTE):
        return None
    old, new = str(op.param("old")), str(op.param("new"))
    return TextEdit(Position(op.line, op.column), Position(op.line, op.column + len(old)), new)


def _token_edits(operations: tuple[FixOperation, ...]) -> tuple[TextEdit, ...]:
    edits = [_token_edit(op) for op in operations]
    return () if None in edits else tuple(edit for edit in edits if edit is not None)


def _with_edits(uses: tuple[AttributeUse, ...], tree: ast.Module, source: SourceFile) -> tuple[AttributeUse, ...]:
    if not any(use.operations for use in uses):
        return uses
    import_at = _state_import_position(tree, source)
    return tuple(replace(use, edits=_attribute_edits(use, source, import_at)) for use in uses)


def _attribute_edits(use: AttributeUse, source: SourceFile, import_at: Position | None) -> tuple[TextEdit, ...]:
    edits: list[TextEdit] = []
    span = use.span
    for op in use.operations:
        if op.kind == EXPAND_ATTRIBUTE:
            edits.append(_token_edit(op))  # type: ignore[arg-type]
        elif op.kind == STATE_CHECK:
            text = f"{use.variable}.state is State.{op.param('member')}"
            if op.param("parenthesize") and not _parenthesized(source, span):
                text = f"({text})"
            edits.append(TextEdit(Position(span.line, span.column), Position(span.end_line, span.end_column), text))
        elif op.kind == NOT_STATE_CHECK:
            text = f"{use.variable}.state is not State.{op.param('member')}"
            edits.append(TextEdit(Position(op.line, op.column), Position(span.end_line, span.end_column), text))
        elif op.kind == ENSURE_IMPORT and import_at is not None:
            line = f"from {op.param('module')} import {op.param('name')}{source.newline}"
            edits.append(TextEdit(import_at, import_at, line))
        else:
            return ()
    return tuple(edits)


def _parenthesized(source: SourceFile, span: Span) -> bool:
    """Whether the expression at `span` has parentheses of its own (libcst keeps those)."""
    before = source.line_text(span.line)[: span.column - 1].rstrip()
    after = source.line_text(span.end_line)[span.end_column - 1 :].lstrip()
    return before.endswith("(") and after.startswith(")")


def _state_import_position(tree: ast.Module, source: SourceFile) -> Position | None:
    """Where `ensure_from_import` puts its line: after the docstring and the leading imports.

    Mirrors `codemods.websockets_connection._insert_index`, which counts libcst
    statement lines (statements joined by `;` are one line). None when there is
    no such run (libcst then inserts after the file's header comments, which
    `ast` cannot see) or it reaches the end of a file without a final newline.
    """
    body = tree.body
    end_line = 0
    index = 0
    while index < len(body):
        group = [body[index]]
        while index + len(group) < len(body) and body[index + len(group)].lineno == group[-1].end_lineno:
            group.append(body[index + len(group)])
        docstring = index == 0 and len(group) == 1 and _is_docstring(group[0], source)
        if not docstring and not all(isinstance(statement, (ast.Import, ast.ImportFrom)) for statement in group):
            break
        end_line = group[-1].end_lineno or group[-1].lineno
        index += len(group)
    if end_line == 0 or (end_line >= len(source.lines) and not source.text.endswith(("\n", "\r"))):
        return None
    return Position(end_line + 1, 1)


def _is_docstring(statement: ast.stmt, source: SourceFile) -> bool:
    """One string literal alone (libcst's `SimpleString`; implicit concatenation is not one)."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
        return False
    if not isinstance(statement.value.value, (str, bytes)):
        return False
    segment = ast.get_source_segment(source.text, statement) or ""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(segment).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    return sum(token.type == tokenize.STRING for token in tokens) == 1


# The rules -------------------------------------------------------------------------------------------------------


class _ConnectionRule(Rule):
    FACTS_KEY = FACTS_KEY
    MODULES = ()

    @classmethod
    def collect(cls, tree: ast.Module, source: SourceFile) -> object:
        return collect_connection_facts(tree, source)

    @staticmethod
    def facts(ctx: FileContext) -> ConnectionFacts:
        facts = ctx.facts.extra.get(FACTS_KEY)
        return facts if isinstance(facts, ConnectionFacts) else ConnectionFacts()


class WebsocketsLegacyException(_ConnectionRule):
    CODE = "GP105"
    NAME = "websockets-legacy-exception"
    SUMMARY = "`InvalidStatusCode` is the legacy exception: the new websockets client raises `InvalidStatus`."
    SEVERITY = Severity.ERROR
    FIX = "sometimes"
    TOKENS = (OLD_EXCEPTION.encode(),)

    WHAT_IT_DOES = """
Flags `websockets.exceptions.InvalidStatusCode` and `websockets.InvalidStatusCode`
(however they are imported) when the governing websockets requirement allows
14.0 or newer: its imports, `except` clauses, `pytest.raises(...)` arguments
and any other use. `websockets.legacy.exceptions.InvalidStatusCode`, spelled
explicitly, is left alone.
"""
    WHY = """
Since websockets 14.0 `websockets.connect` is the new asyncio client. When the
server rejects the handshake it raises `websockets.exceptions.InvalidStatus`,
whose status lives on `.response.status_code`. The legacy `InvalidStatusCode`
(a deprecated alias from 14.0: `DeprecationWarning: websockets.exceptions.InvalidStatusCode
is deprecated`) is not a base class of it, so `except InvalidStatusCode:`
silently stops matching and the rejection escapes as

    websockets.exceptions.InvalidStatus: server rejected WebSocket connection: HTTP 403

and `pytest.raises(InvalidStatusCode)` fails with the same exception.
"""
    EXAMPLE = """
from websockets.exceptions import InvalidStatusCode

async def test_rejected(connect_client):
    try:
        await connect_client()
    except InvalidStatusCode as e:
        assert e.status_code == 403
"""
    USE_INSTEAD = """
from websockets.exceptions import InvalidStatus

async def test_rejected(connect_client):
    try:
        await connect_client()
    except InvalidStatus as e:
        assert e.response.status_code == 403
"""
    FIX_SAFETY = """
The fix renames the class to `InvalidStatus` (which exists since websockets
10.0) in the import, in `except` clauses and in `pytest.raises(...)`, keeping
any `as` alias. Inside `except ... as e:` it rewrites `e.status_code` and
`e.headers` to `e.response.status_code` and `e.response.headers`; after
`with pytest.raises(...) as exc_info:` it rewrites `exc_info.value.status_code`
and `exc_info.value.headers` the same way. That is safe because the binding is
certain. When the same imported name is used anywhere else (constructed,
passed to `isinstance`, bound again), nothing is fixed and the finding asks for
a review: `InvalidStatus(response)` takes a `Response`, not a status code and
headers. The fix is unsafe when the project still allows websockets < 14 or the
file also uses the legacy client, which keeps raising `InvalidStatusCode`.
"""
    REFERENCES = (
        "https://websockets.readthedocs.io/en/stable/howto/upgrade.html",
        "https://websockets.readthedocs.io/en/stable/reference/exceptions.html",
    )

    VALID = (
        valid(
            "from websockets.exceptions import InvalidStatus\ntry:\n    f()\nexcept InvalidStatus as e:\n    print(e.response.status_code)\n"
        ),
        valid(
            "from websockets.legacy.exceptions import InvalidStatusCode\ntry:\n    f()\nexcept InvalidStatusCode:\n    pass\n"
        ),
        valid("class InvalidStatusCode(Exception):\n    pass\ntry:\n    f()\nexcept InvalidStatusCode:\n    pass\n"),
        valid(
            "from websockets.exceptions import InvalidStatusCode\ntry:\n    f()\nexcept InvalidStatusCode:\n    pass\n",
            options={"websockets-version": "13.1"},
        ),
        # Code that serves both clients catches both exceptions: the new client's rejection is caught.
        valid(
            "from websockets.exceptions import InvalidStatus, InvalidStatusCode\ntry:\n    f()\n"
            "except (InvalidStatus, InvalidStatusCode) as exc:\n    pass\n"
        ),
        valid(
            "import websockets.exceptions as wse\ntry:\n    f()\nexcept (wse.InvalidStatusCode, wse.InvalidStatus):\n    pass\n"
        ),
        # The legacy client still raises the legacy exception on 14.x (GP102 reports the client).
        valid(
            "import pytest\nimport websockets\n\nasync def test_rejected(uri):\n"
            "    with pytest.raises(websockets.exceptions.InvalidStatusCode) as exc:\n"
            "        async with websockets.client.connect(uri):\n            pass\n"
            "    assert exc.value.status_code == 403\n"
        ),
    )
    INVALID = (
        invalid(
            "from websockets.exceptions import InvalidStatusCode\n\ntry:\n    f()\nexcept InvalidStatusCode as e:  # keep\n"
            "    print(e.status_code, e.headers)\n",
            findings=2,
            fixed="from websockets.exceptions import InvalidStatus\n\ntry:\n    f()\nexcept InvalidStatus as e:  # keep\n"
            "    print(e.response.status_code, e.response.headers)\n",
        ),
        invalid(
            "import pytest\nimport websockets\n\ndef test_x():\n"
            "    with pytest.raises(websockets.exceptions.InvalidStatusCode) as exc_info:\n        go()\n"
            "    assert exc_info.value.status_code == 403\n",
            fixed="import pytest\nimport websockets\n\ndef test_x():\n"
            "    with pytest.raises(websockets.exceptions.InvalidStatus) as exc_info:\n        go()\n"
            "    assert exc_info.value.response.status_code == 403\n",
        ),
        invalid(
            "from websockets import InvalidStatusCode as Rejected\ntry:\n    f()\nexcept (Rejected, OSError):\n    pass\n",
            findings=2,
            fixed="from websockets import InvalidStatus as Rejected\ntry:\n    f()\nexcept (Rejected, OSError):\n    pass\n",
        ),
        invalid(
            "from websockets.exceptions import InvalidStatusCode\ntry:\n    f()\nexcept InvalidStatusCode:\n    pass\n"
            "raise InvalidStatusCode(403, {})\n",
            findings=3,
            fixed=None,
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        facts = self.facts(ctx)
        if not facts.exceptions:
            return
        policy = ctx.project.version_policy("websockets", ctx.path)
        if policy.all_below(DEFAULT_SWITCHED_AT):
            return
        unsafe_note = ""
        if policy.allows_below(DEFAULT_SWITCHED_AT):
            unsafe_note = (
                f"{policy.origin} still allows websockets < 14, whose `websockets.connect` raises `{OLD_EXCEPTION}`"
            )
        elif facts.legacy_client:
            unsafe_note = f"this file also uses the legacy client, which raises `{OLD_EXCEPTION}`"
        for use in facts.exceptions:
            yield self._finding(ctx, use, unsafe_note)

    def _finding(self, ctx: FileContext, use: ExceptionUse, unsafe_note: str) -> Finding:
        new = use.qualname.rsplit(".", 1)[0] + "." + NEW_EXCEPTION
        lead = {
            "import": f"`{use.qualname}` is the legacy exception (deprecated since websockets 14.0)",
            "except": f"`except {OLD_EXCEPTION}` never matches the new client's rejection",
            "raises": f"`pytest.raises({OLD_EXCEPTION})` never matches the new client's rejection",
            "other": f"`{use.qualname}` is the legacy exception (deprecated since websockets 14.0)",
        }[use.kind]
        message = f"{lead}: since 14.0 `websockets.connect` raises `{new}` (status on `.response.status_code`)"
        fix: Fix | None = None
        if use.operations:
            applicability = Applicability.UNSAFE if unsafe_note else Applicability.SAFE
            if unsafe_note:
                message += f" ({unsafe_note})"
            fix = Fix(
                applicability,
                f"use `{NEW_EXCEPTION}` and `.response`",
                use.operations,
                edits=_token_edits(use.operations),
            )
        else:
            message += f"; review by hand ({use.review})"
        return ctx.finding(self, use.span, message, fix=fix, statement_line=use.statement_line)


class WebsocketsLegacyAttribute(_ConnectionRule):
    CODE = "GP106"
    NAME = "websockets-legacy-attribute"
    SUMMARY = "A legacy connection attribute (`path`, `request_headers`, `response_headers`, `open`, `closed`) read on a new websockets connection."
    SEVERITY = Severity.ERROR
    FIX = "safe"
    TOKENS = tuple(f".{attr}".encode() for attr in (*RENAMED_ATTRIBUTES, *STATE_ATTRIBUTES))

    WHAT_IT_DOES = """
Flags `.path`, `.request_headers`, `.response_headers`, `.open` and `.closed`
read on a variable that is certainly a new-implementation connection:

- bound by `async with connect(...) as ws:` or `async for ws in connect(...)`,
- bound by `ws = await connect(...)` when `ws` is assigned only there in its scope,
- a parameter annotated `ClientConnection` / `ServerConnection` (from
  `websockets.asyncio.*`, or the top-level aliases of 14.2+),
- the first parameter of a handler function passed to a new `serve(...)`.

`connect` / `serve` means `websockets.asyncio.client.connect` /
`websockets.asyncio.server.serve` always, and the top-level `websockets.connect`
/ `websockets.serve` when the governing websockets requirement allows 14.0 or
newer. A variable bound in any other way, or more than once, is not flagged.
"""
    WHY = """
The new `ClientConnection` and `ServerConnection` dropped these attributes. The
test fails where it reads them:

    AttributeError: 'ClientConnection' object has no attribute 'open'

(the same with `'closed'`, `'path'`, `'request_headers'`, `'response_headers'`,
and with `'ServerConnection'` on the server side).
"""
    EXAMPLE = """
import websockets

async def test_connects(uri):
    async with websockets.connect(uri) as ws:
        assert ws.open
        assert ws.response_headers["Server"]
"""
    USE_INSTEAD = """
import websockets
from websockets.protocol import State

async def test_connects(uri):
    async with websockets.connect(uri) as ws:
        assert ws.state is State.OPEN
        assert ws.response.headers["Server"]
"""
    FIX_SAFETY = """
The fix is safe because it only touches variables whose binding is certain:
`ws.path` becomes `ws.request.path`, `ws.request_headers` becomes
`ws.request.headers`, `ws.response_headers` becomes `ws.response.headers`,
`ws.open` becomes `ws.state is State.OPEN` (`not ws.open` becomes
`ws.state is not State.OPEN`) and `ws.closed` becomes `ws.state is State.CLOSED`,
parenthesized when it is the operand of another operator. `from
websockets.protocol import State` is added once after the file's imports
unless it is already there. When `State` already names something else, the
`open`/`closed` findings are reported without a fix. The fix is unsafe when the
binding comes from the top-level `websockets.connect` / `serve` and the project
still allows websockets < 14 (the legacy connection has no `.request`/`.state`
spelling there). The upgrade guide prefers handling `ConnectionClosed` over
checking `state`.
"""
    REFERENCES = ("https://websockets.readthedocs.io/en/stable/howto/upgrade.html#attributes",)

    VALID = (
        valid(
            "import websockets\n\nasync def f(uri):\n    async with websockets.connect(uri) as ws:\n        print(ws.request.path)\n"
        ),
        valid(
            "import websockets\n\nasync def f(uri):\n    async with websockets.connect(uri) as ws:\n        print(ws.open)\n",
            options={"websockets-version": "13.1"},
        ),
        valid(
            "from websockets.client import connect\n\nasync def f(uri):\n    async with connect(uri) as ws:\n        print(ws.open)\n"
        ),
        valid(
            "from websockets.asyncio.client import connect\n\nasync def f(uri):\n    ws = await connect(uri)\n"
            "    ws = other()\n    print(ws.open)\n"
        ),
        valid("def f(ws):\n    return ws.open\n"),
    )
    INVALID = (
        invalid(
            '"""Doc."""\nimport websockets\n\nasync def f(uri):\n    async with websockets.connect(uri) as ws:\n'
            "        assert ws.open\n        assert not ws.closed\n        print(ws.response_headers)\n",
            findings=3,
            fixed='"""Doc."""\nimport websockets\nfrom websockets.protocol import State\n\nasync def f(uri):\n'
            "    async with websockets.connect(uri) as ws:\n"
            "        assert ws.state is State.OPEN\n        assert ws.state is not State.CLOSED\n"
            "        print(ws.response.headers)\n",
        ),
        invalid(
            "from websockets.asyncio.server import ServerConnection\n\n"
            "def path_of(ws: ServerConnection) -> str:\n    return ws.path + str(ws.request_headers)\n",
            findings=2,
            fixed="from websockets.asyncio.server import ServerConnection\n\n"
            "def path_of(ws: ServerConnection) -> str:\n    return ws.request.path + str(ws.request.headers)\n",
        ),
        invalid(
            "from websockets.asyncio.server import serve\nfrom websockets.protocol import State\n\n"
            "async def handler(ws):\n    return ws.open == True\n\nserve(handler, 'localhost', 0)\n",
            fixed="from websockets.asyncio.server import serve\nfrom websockets.protocol import State\n\n"
            "async def handler(ws):\n    return (ws.state is State.OPEN) == True\n\nserve(handler, 'localhost', 0)\n",
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        facts = self.facts(ctx)
        if not facts.attributes:
            return
        policy = ctx.project.version_policy("websockets", ctx.path)
        for use in facts.attributes:
            if use.top_level and (policy.all_below(DEFAULT_SWITCHED_AT) or ctx.facts.runs_before_asyncio(use.statement_line)):
                continue
            yield self._finding(
                ctx,
                use,
                use.top_level and policy.allows_below(DEFAULT_SWITCHED_AT),
                policy.origin,
            )

    def _finding(self, ctx: FileContext, use: AttributeUse, unsafe: bool, origin: str) -> Finding:
        if use.attribute in STATE_ATTRIBUTES:
            new = f"{use.variable}.state is State.{STATE_ATTRIBUTES[use.attribute]}"
        else:
            new = f"{use.variable}.{RENAMED_ATTRIBUTES[use.attribute]}"
        message = (
            f"`{use.variable}` is a new `{use.connection_class}` (from {use.binding}), which has no "
            f"`{use.attribute}`: AttributeError: '{use.connection_class}' object has no attribute "
            f"'{use.attribute}'; use `{new}`"
        )
        fix: Fix | None = None
        if use.operations:
            if unsafe:
                message += f" ({origin} still allows websockets < 14, where this is the legacy connection)"
            fix = Fix(
                Applicability.UNSAFE if unsafe else Applicability.SAFE,
                f"use `{new}`",
                use.operations,
                edits=use.edits,
            )
        else:
            message += f"; not fixed: {use.review}"
        return ctx.finding(self, use.span, message, fix=fix, statement_line=use.statement_line)


RULES = (WebsocketsLegacyException, WebsocketsLegacyAttribute)
