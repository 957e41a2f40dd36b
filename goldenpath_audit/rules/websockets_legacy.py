"""websockets legacy asyncio implementation rules (GP102, GP103).

websockets 14.0 made the new asyncio implementation the default and deprecated
the legacy one. The names that still point at legacy on 14+ are the module
aliases (`websockets.client.connect`, `websockets.server.serve`,
`websockets.auth.*`), everything under `websockets.legacy`, and the legacy
classes `WebSocketClientProtocol`, `WebSocketServerProtocol`, `WebSocketServer`.

Reporting scheme (one finding per thing to change, never two for one edit):

* a `from M import N` that binds a legacy name is reported once, at `N` in the
  import statement; its uses are not reported again (the fix moves the import);
* a legacy name reached through an attribute chain (`websockets.client.connect`
  after `import websockets.client`) is reported at each such use.

Below websockets 14 the legacy implementation is the only one and nothing is
flagged, unless `--websockets-version` / `websockets-version` names 14+ while
the declared requirement is below 14 ("planning the upgrade"): then the
top-level `websockets.connect` / `serve`, still legacy there, are flagged too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

from goldenpath_audit.auditor.context import FileContext
from goldenpath_audit.auditor.facts import Span, node_span
from goldenpath_audit.auditor.findings import Applicability, Finding, Fix, FixOperation, Severity
from goldenpath_audit.auditor.import_facts import ImportFact
from goldenpath_audit.auditor.names import Scope, catches_import_error, build_scope, is_scope, resolve_expression
from goldenpath_audit.auditor.walk import FileIndex, LineSet, child_nodes, touches, walk_pruned
from goldenpath_audit.auditor.source import SourceFile
from goldenpath_audit.auditor.versions import policy_for
from goldenpath_audit.rules.base import Rule, invalid, valid

DEPRECATED_AT = "14.0"
NEW_MODULES_SINCE = "13.0"  # websockets.asyncio.client / .server exist from this release
FACTS_KEY = "websockets_legacy"

CLIENT_NEW = "websockets.asyncio.client"
SERVER_NEW = "websockets.asyncio.server"
# Legacy homes of the functions GP102 can move, and where they go.
CLIENT_FUNCTIONS = ("connect", "unix_connect")
SERVER_FUNCTIONS = ("serve", "unix_serve")
MOVABLE: dict[str, str] = {
    **{f"{home}.{name}": f"{CLIENT_NEW}.{name}" for home in ("websockets.client", "websockets.legacy.client") for name in CLIENT_FUNCTIONS},
    **{f"{home}.{name}": f"{SERVER_NEW}.{name}" for home in ("websockets.server", "websockets.legacy.server") for name in SERVER_FUNCTIONS},
    "websockets.legacy.server.broadcast": f"{SERVER_NEW}.broadcast",
}
# Legacy until 14.0: flagged only when planning the upgrade.
TOP_LEVEL: dict[str, str] = {
    **{f"websockets.{name}": f"{CLIENT_NEW}.{name}" for name in CLIENT_FUNCTIONS},
    **{f"websockets.{name}": f"{SERVER_NEW}.{name}" for name in SERVER_FUNCTIONS},
}
# Every member of these modules is legacy (no automatic fix unless MOVABLE).
LEGACY_MODULES = ("websockets.legacy", "websockets.auth")
# GP103: the legacy classes and their replacements in the new implementation.
CLASS_NEW = {
    "WebSocketClientProtocol": (CLIENT_NEW, "ClientConnection"),
    "WebSocketServerProtocol": (SERVER_NEW, "ServerConnection"),
    "WebSocketServer": (SERVER_NEW, "Server"),
}
CLASS_HOMES = {
    "WebSocketClientProtocol": ("websockets", "websockets.client", "websockets.legacy.client", "websockets.legacy.protocol"),
    "WebSocketServerProtocol": ("websockets", "websockets.server", "websockets.legacy.server"),
    "WebSocketServer": ("websockets", "websockets.server", "websockets.legacy.server"),
}
LEGACY_CLASSES = {f"{home}.{name}": name for name, homes in CLASS_HOMES.items() for home in homes}

# Keywords whose meaning changed (GP104's table): a call passing one needs review.
# Keywords that need a human when a legacy call moves to the new implementation
# (`loop=` and a server's `ws_handler=` are migrated in the same edit instead).
CLIENT_REVIEW = frozenset({"read_limit", "klass", "create_protocol", "legacy_recv", "origins"})
SERVER_REVIEW = CLIENT_REVIEW | {"extra_headers", "process_request", "select_subprotocol"}
# Connection attributes GP106 handles: when the file reads any of them, a move needs review.
LEGACY_ATTRIBUTES = frozenset({"path", "request_headers", "response_headers", "open", "closed", "host", "port", "secure"})


@dataclass(frozen=True, slots=True)
class LegacyUse:
    """An expression that resolves to a websockets name this family tracks."""

    qualname: str
    span: Span  # the whole Name / Attribute chain
    via_attribute: bool  # `websockets.client.connect` (True) or a bare imported name (False)
    context: str  # "call" | "annotation" | "isinstance" | "base" | "other"
    # Calls only: keyword names with the name token's span, `**kwargs`, handler arity.
    keywords: tuple[tuple[str, Span], ...] = ()
    double_star: bool = False
    handler_args: int | None = None  # serve(): positional parameters of the handler, when known


@dataclass(frozen=True, slots=True)
class LegacyFacts:
    uses: tuple[LegacyUse, ...]
    attributes: frozenset[str]  # LEGACY_ATTRIBUTES read anywhere in the file
    string_names: frozenset[str]  # legacy class names that also occur in string constants
    # (line, 1-based column) of imports in `except ImportError:` handlers: compatibility fallbacks.
    fallbacks: frozenset[tuple[int, int]] = frozenset()


def _tracked(qualname: str) -> bool:
    return (
        qualname in MOVABLE
        or qualname in TOP_LEVEL
        or qualname in LEGACY_CLASSES
        or any(qualname.startswith(prefix + ".") for prefix in LEGACY_MODULES)
        or qualname.startswith(("websockets.client.", "websockets.server."))
    )


class _Collector:
    def __init__(self, source: SourceFile, tree: ast.Module, lines: LineSet) -> None:
        self.source = source
        self.uses: list[LegacyUse] = []
        self.attributes: set[str] = set()
        self.functions = _function_arities(tree)
        self.lines = lines  # the only lines where a use or a legacy attribute can be

    def span(self, node: ast.AST) -> Span:
        return node_span(self.source, node)

    def walk(self, node: ast.AST, scope: Scope, context: str = "other") -> None:
        if not touches(node, self.lines):
            return
        if isinstance(node, (ast.Name, ast.Attribute)):
            if isinstance(node, ast.Attribute) and node.attr in LEGACY_ATTRIBUTES:
                self.attributes.add(node.attr)
            qualname = resolve_expression(node, scope) if isinstance(node.ctx, ast.Load) else None
            if qualname is not None and _tracked(qualname):
                self.uses.append(LegacyUse(qualname, self.span(node), isinstance(node, ast.Attribute), context))
                return
            for child in child_nodes(node):
                self.walk(child, scope, context)
            return
        if isinstance(node, ast.Call):
            self.call(node, scope, context)
            return
        if is_scope(node) and not isinstance(node, ast.Module):
            self.scope(node, scope)
            return
        if isinstance(node, ast.AnnAssign):
            self.walk(node.annotation, scope, "annotation")
            for child in (node.target, node.value):
                if child is not None:
                    self.walk(child, scope)
            return
        if isinstance(node, ast.arg):
            if node.annotation is not None:
                self.walk(node.annotation, scope, "annotation")
            return
        for child in child_nodes(node):
            self.walk(child, scope, context if isinstance(node, (ast.Subscript, ast.Tuple, ast.BinOp)) else "other")

    def call(self, node: ast.Call, scope: Scope, context: str) -> None:
        qualname = resolve_expression(node.func, scope) if isinstance(node.func, (ast.Name, ast.Attribute)) else None
        if qualname is not None and _tracked(qualname):
            handler_args = None
            handler = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("ws_handler", "handler")), None)
            if isinstance(handler, ast.Name):
                handler_args = self.functions.get(handler.id)
            elif isinstance(handler, ast.Lambda):
                handler_args = len(handler.args.posonlyargs) + len(handler.args.args)
            keywords = tuple((kw.arg, self._keyword_span(kw)) for kw in node.keywords if kw.arg is not None)
            self.uses.append(
                LegacyUse(
                    qualname,
                    self.span(node.func),
                    isinstance(node.func, ast.Attribute),
                    "call",
                    keywords,
                    any(kw.arg is None for kw in node.keywords),
                    handler_args,
                )
            )
        else:
            self.walk(node.func, scope)
        names = [resolve_expression(node.func, scope)] if isinstance(node.func, ast.Name) else []
        type_check = names and names[0] in ("isinstance", "issubclass") or (
            isinstance(node.func, ast.Name) and node.func.id in ("isinstance", "issubclass")
        )
        for index, arg in enumerate(node.args):
            self.walk(arg, scope, "isinstance" if type_check and index == 1 else "other")
        for kw in node.keywords:
            self.walk(kw.value, scope)

    def _keyword_span(self, kw: ast.keyword) -> Span:
        column = self.source.char_column(kw.lineno, kw.col_offset)
        return Span(kw.lineno, column, kw.lineno, column + len(kw.arg or ""))

    def scope(self, node: ast.AST, outer: Scope) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in node.decorator_list:
                self.walk(decorator, outer)
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    self.walk(base, outer, "base")
                for kw in node.keywords:
                    self.walk(kw.value, outer)
            else:
                args = node.args
                for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
                    self.walk(default, outer)
                for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                    if arg is not None and arg.annotation is not None:
                        self.walk(arg.annotation, outer, "annotation")
                if node.returns is not None:
                    self.walk(node.returns, outer, "annotation")
            inner = build_scope(node, outer)
            for statement in node.body:
                self.walk(statement, inner)
        elif isinstance(node, ast.Lambda):
            for default in node.args.defaults:
                self.walk(default, outer)
            self.walk(node.body, build_scope(node, outer))


def _function_arities(tree: ast.Module) -> dict[str, int]:
    """Module-level functions defined exactly once, with their positional parameter count."""
    counts: dict[str, int] = {}
    seen: dict[str, int] = {}
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            seen[statement.name] = seen.get(statement.name, 0) + 1
            args = statement.args
            counts[statement.name] = -1 if args.vararg else len(args.posonlyargs) + len(args.args)
    return {name: count for name, count in counts.items() if seen[name] == 1 and count >= 0}


def collect_legacy(tree: ast.Module, source: SourceFile) -> LegacyFacts:
    index = FileIndex.of(tree, source.text)
    lines = index.lines_with_names(index.names_into(("websockets",))).union(index.lines_with_names(LEGACY_ATTRIBUTES))
    collector = _Collector(source, tree, lines)
    scope = build_scope(tree, None, index)
    for statement in tree.body:
        collector.walk(statement, scope)
    # Walks that visit only the lines able to hold what they look for.
    strings = frozenset(
        name
        for node in walk_pruned(tree, index.lines_matching("|".join(CLASS_NEW)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for name in CLASS_NEW
        if name in node.value
    )
    import_lines = index.lines_matching(r"\bimport\b")
    fallbacks = frozenset(
        (node.lineno, source.char_column(node.lineno, node.col_offset))
        for tried in walk_pruned(tree, import_lines)
        if isinstance(tried, (ast.Try, ast.TryStar))
        for handler in tried.handlers
        if catches_import_error(handler)
        for statement in handler.body
        for node in walk_pruned(statement, import_lines)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    )
    return LegacyFacts(tuple(collector.uses), frozenset(collector.attributes), strings, fallbacks)


# -- shared helpers ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Mode:
    active: bool  # the governing version allows 14+ (legacy names are deprecated)
    planning: bool  # an override names 14+ while the declaration is all below 14
    origin: str


def _mode(ctx: FileContext) -> _Mode:
    policy = ctx.project.version_policy("websockets", ctx.path)
    if policy.all_below(DEPRECATED_AT):
        return _Mode(False, False, policy.origin)
    planning = False
    if ctx.project.settings.websockets_version is not None:
        declared = policy_for(
            "websockets",
            ctx.project.dependencies.declaration("websockets", ctx.path.parent),
            display_path=ctx.project.display_path,
        )
        planning = declared.all_below(DEPRECATED_AT)
    return _Mode(True, planning, policy.origin)


def _name_span(imported_line: int, column: int, name: str) -> Span:
    return Span(imported_line, column, imported_line, column + len(name))


def _from_bindings(ctx: FileContext) -> Iterable[tuple[ImportFact, str, str, Span]]:
    """(statement, qualname, local name, span of the imported name) for absolute from-imports,
    except compatibility fallbacks in `except ImportError:` handlers (never run on 14+)."""
    fallbacks = _facts(ctx).fallbacks
    for fact in ctx.facts.imports:
        if not fact.is_from or fact.level or not fact.module.startswith("websockets"):
            continue
        if (fact.line, fact.column) in fallbacks:
            continue
        for imported in fact.names:
            if imported.name == "*":
                continue
            yield fact, f"{fact.module}.{imported.name}", imported.asname or imported.name, _name_span(
                imported.line, imported.column, imported.name
            )


def _facts(ctx: FileContext) -> LegacyFacts:
    facts = ctx.facts.extra.get(FACTS_KEY)
    return facts if isinstance(facts, LegacyFacts) else LegacyFacts((), frozenset(), frozenset())


def _import_statement(ctx: FileContext, module: str) -> ImportFact | None:
    """The one `import module [as x]` statement of the file, or None when there is none or several."""
    found = [fact for fact in ctx.facts.imports if not fact.is_from and any(n.name == module for n in fact.names)]
    return found[0] if len(found) == 1 else None


def _move_from(fact: ImportFact, qualname: str, target: str) -> FixOperation:
    module, name = qualname.rsplit(".", 1)
    new_module, new_name = target.rsplit(".", 1)
    return FixOperation(
        kind="move_from_import",
        line=fact.line,
        column=fact.column,
        params=(("module", module), ("name", name), ("new_module", new_module), ("new_name", new_name)),
    )


# -- GP102 -----------------------------------------------------------------------


class WebsocketsLegacyImport(Rule):
    CODE = "GP102"
    NAME = "websockets-legacy-import"
    SUMMARY = "A websockets legacy asyncio function (`websockets.client.connect`, `websockets.server.serve`, `websockets.legacy.*`, `websockets.auth.*`) used where websockets 14+ deprecates it."
    SEVERITY = Severity.WARNING
    FIX = "sometimes"
    TOKENS = (b"websockets",)
    MODULES = ("websockets",)
    NEEDS_IMPORTS = True
    FACTS_KEY = FACTS_KEY

    WHAT_IT_DOES = """
Flags the legacy asyncio client and server of websockets wherever the governing
websockets requirement allows 14.0 or newer: `websockets.client.connect` /
`unix_connect`, `websockets.server.serve` / `unix_serve`, anything from
`websockets.legacy.*` and `websockets.auth.*`. A `from ... import` is reported
once, at the imported name; a use through an attribute chain
(`websockets.client.connect(...)` after `import websockets.client`) is reported
at each use.

When every allowed version is below 14.0 these are the only asyncio API and
nothing is flagged. When `--websockets-version` (or `websockets-version`) names
14+ while the declared requirement is below 14 (planning the upgrade), the
top-level `websockets.connect` / `serve`, legacy before 14.0, are flagged too.
"""
    WHY = """
On websockets 14.0+ `websockets.client.connect` and `websockets.server.serve`
are still the *legacy* implementation (only the top-level `websockets.connect`
switched), import with `DeprecationWarning: websockets.client.connect is
deprecated`, and the legacy implementation will be removed (the upgrade guide
says by 2030).
"""
    EXAMPLE = """
from websockets.client import connect

async def test_stream(uri):
    async with connect(uri, extra_headers={"Authorization": "t"}) as ws:
        await ws.send("ping")
"""
    USE_INSTEAD = """
from websockets.asyncio.client import connect

async def test_stream(uri):
    async with connect(uri, additional_headers={"Authorization": "t"}) as ws:
        await ws.send("ping")
"""
    FIX_SAFETY = """
The fix moves the import to `websockets.asyncio.client` / `websockets.asyncio.server`
(keeping the local name) and, in the same edit, makes the GP101/GP104 keyword
changes on the moved calls (`extra_headers=` -> `additional_headers=` on clients,
`timeout=` -> `close_timeout=`, `loop=` removed, `ws_handler=` -> `handler=`), so
the migrated call works. It is safe only when no call of the moved name passes an
argument that needs review (`read_limit`, `klass`, `create_protocol`,
`legacy_recv`, `origins`, and for `serve` also `extra_headers`,
`process_request`, `select_subprotocol`), passes `**kwargs`, gives `serve` a handler not known to take one
argument, the file reads no legacy connection attribute (`ws.path`,
`ws.request_headers`, `ws.open`, ...), the requirement (or `--websockets-version`)
allows no release below 13.0 (`websockets.asyncio` appeared in 13.0), and the
import has no `except ImportError:` fallback (which would run the legacy client
with the renamed arguments). Otherwise it is unsafe. `websockets.auth.*`
and other `websockets.legacy` names have no fix (they need a redesign, e.g.
`process_request=basic_auth(...)`).
"""
    REFERENCES = ("https://websockets.readthedocs.io/en/stable/howto/upgrade.html",)

    VALID = (
        valid("from websockets.asyncio.client import connect\nconnect(uri)\n"),
        valid("import websockets\nwebsockets.connect(uri)\n"),
        valid(
            "from websockets.client import connect\nconnect(uri, extra_headers=h)\n",
            files={"pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=12,<14"]\n'},
        ),
        valid("from websockets.client import connect\nconnect(uri)\n", options={"websockets-version": "13.1"}),
        valid("from aiohttp.client import connect\nconnect(uri)\n"),
        valid(
            "import websockets\nwebsockets.connect(uri)\n",
            files={"pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=12,<14"]\n'},
        ),
    )
    INVALID = (
        invalid(
            "from websockets.client import connect\n\nasync def test_x(uri):\n"
            "    async with connect(uri, extra_headers={'A': '1'}) as ws:\n        await ws.recv()\n",
            fixed="from websockets.asyncio.client import connect\n\nasync def test_x(uri):\n"
            "    async with connect(uri, additional_headers={'A': '1'}) as ws:\n        await ws.recv()\n",
        ),
        invalid(
            "from websockets.server import serve as s\n\nasync def h(ws):\n    pass\n\ns(h, 'localhost', 0)\n",
            fixed="from websockets.asyncio.server import serve as s\n\nasync def h(ws):\n    pass\n\ns(h, 'localhost', 0)\n",
        ),
        invalid(
            "import websockets.legacy.client\nwebsockets.legacy.client.connect(uri)\n",
            fixed="import websockets.asyncio.client\nwebsockets.asyncio.client.connect(uri)\n",
        ),
        invalid(
            "from websockets.client import connect\nconnect(uri, timeout=5, loop=loop)\n",
            fixed="from websockets.asyncio.client import connect\nconnect(uri, close_timeout=5)\n",
        ),
        invalid("from websockets.client import connect\nconnect(uri, read_limit=2**16)\n", fixed=None),
        invalid("from websockets.auth import basic_auth_protocol_factory\n", fixed=None),
        invalid(
            "from websockets import connect\nconnect(uri, extra_headers=h)\n",
            fixed="from websockets.asyncio.client import connect\nconnect(uri, additional_headers=h)\n",
            files={"pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=12,<14"]\n'},
            options={"websockets-version": "14.2"},
        ),
    )

    @classmethod
    def collect(cls, tree: ast.Module, source: SourceFile) -> object:
        return collect_legacy(tree, source)

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        mode = _mode(ctx)
        if not mode.active:
            return
        facts = _facts(ctx)
        for fact, qualname, local, span in _from_bindings(ctx):
            if not self._flagged(qualname, mode):
                continue
            target = MOVABLE.get(qualname) or TOP_LEVEL.get(qualname)
            uses = [use for use in facts.uses if use.qualname == qualname]
            fix = None
            if target is not None:
                risks = _fix_risks(ctx, target, guarded=fact.guarded)
                fix = self._fix(facts, qualname, target, uses, _move_from(fact, qualname, target), risks)
            yield self._finding(ctx, span, qualname, target, mode, fix, fact.line)
        for use in facts.uses:
            if not use.via_attribute or not self._flagged(use.qualname, mode):
                continue
            movable = MOVABLE.get(use.qualname)
            fix = self._attribute_fix(ctx, facts, use, movable)
            target = movable or TOP_LEVEL.get(use.qualname)  # `import websockets` + `websockets.connect`: no fix, but a name
            yield self._finding(ctx, use.span, use.qualname, target, mode, fix, use.span.line)

    @staticmethod
    def _flagged(qualname: str, mode: _Mode) -> bool:
        if qualname in LEGACY_CLASSES:
            return False  # GP103
        if qualname in TOP_LEVEL:
            return mode.planning
        return qualname in MOVABLE or any(qualname.startswith(prefix + ".") for prefix in LEGACY_MODULES)

    def _attribute_fix(self, ctx: FileContext, facts: LegacyFacts, use: LegacyUse, target: str | None) -> Fix | None:
        """`import M` + `M.connect(...)`: respell the import and every `M.` chain, if they all move."""
        if target is None:
            return None
        module = use.qualname.rsplit(".", 1)[0]
        statement = _import_statement(ctx, module)
        if statement is None:
            return None
        through = [u for u in facts.uses if u.via_attribute and u.qualname.rsplit(".", 1)[0] == module]
        if any(u.qualname not in MOVABLE for u in through):
            return None  # another member of M has no counterpart in the new module
        operation = FixOperation(
            kind="move_import",
            line=statement.line,
            column=statement.column,
            params=(("module", module), ("new_module", target.rsplit(".", 1)[0])),
        )
        # Every moved call of the statement is part of this edit.
        return self._fix(facts, use.qualname, target, through, operation, _fix_risks(ctx, target, guarded=statement.guarded))

    @staticmethod
    def _fix(
        facts: LegacyFacts, qualname: str, target: str, uses: list[LegacyUse], move: FixOperation, risks: list[str]
    ) -> Fix:
        server = target.startswith(SERVER_NEW)
        review: list[str] = list(risks)
        operations = [move]
        for use in uses:
            if use.context != "call":
                if use.context != "other" or not use.via_attribute:
                    review.append("the function is used other than by calling it")
                continue
            if use.double_star:
                review.append("`**kwargs`")
            for name, span in use.keywords:
                if name == "extra_headers" and not server:
                    operations.append(_rename(span, name, "additional_headers"))
                elif name == "timeout":
                    operations.append(_rename(span, name, "close_timeout"))
                elif name == "loop":
                    # The same removal GP104 makes, so the migrated call works in one edit.
                    operations.append(
                        FixOperation(kind="remove_keyword", line=span.line, column=span.column, params=(("name", name),))
                    )
                elif name == "ws_handler" and server:
                    operations.append(_rename(span, name, "handler"))
                elif name in (SERVER_REVIEW if server else CLIENT_REVIEW):
                    review.append(f"`{name}=`")
            if server and target.endswith("serve") and use.handler_args != 1:
                review.append("a handler not known to take one argument")
        attributes = sorted(facts.attributes)
        if attributes:
            review.append("connection attributes " + ", ".join(f"`.{a}`" for a in attributes))
        message = f"use `{target}`"
        if any(name == "extra_headers" for use in uses for name, _ in use.keywords) and not server:
            message += " and rename `extra_headers` to `additional_headers`"
        if review:
            message += "; review " + ", ".join(dict.fromkeys(review))
        # No `edits`: the import move has no textual form here, and a SARIF fix
        # with only the keyword renames would leave the legacy import in place.
        return Fix(
            applicability=Applicability.UNSAFE if review else Applicability.SAFE,
            message=message,
            operations=tuple(operations),
        )

    def _finding(
        self, ctx: FileContext, span: Span, qualname: str, target: str | None, mode: _Mode, fix: Fix | None, line: int
    ) -> Finding:
        if qualname in TOP_LEVEL:
            message = (
                f"`{qualname}` is the legacy implementation below websockets 14.0 and the new one from 14.0 "
                f"({mode.origin}); import `{target}` so the code means the same on both"
            )
        elif target is not None:
            message = f"`{qualname}` is the deprecated legacy implementation ({mode.origin}); use `{target}`"
        else:
            message = (
                f"`{qualname}` belongs to the deprecated legacy implementation ({mode.origin}); "
                "review: no mechanical replacement (see the websockets upgrade guide)"
            )
        return ctx.finding(self, span, message, fix=fix, statement_line=line)


def _fix_risks(ctx: FileContext, target: str, *, guarded: bool) -> list[str]:
    """What makes moving an import to `target` unsafe beyond the calls themselves.

    `websockets.asyncio` appeared in 13.0: a range that still allows an older
    release breaks on the moved import (a `--websockets-version` plan decides). And an import inside `try:` whose
    handler imports a fallback (deepgram: `except ImportError: from websockets
    import connect`) falls back to the legacy client exactly there, now called
    with the new keywords.
    """
    risks = []
    if target.startswith("websockets.asyncio."):
        policy = ctx.project.version_policy("websockets", ctx.path)  # `--websockets-version` plans past this
        if policy.allows_below(NEW_MODULES_SINCE):
            risks.append(f"`websockets.asyncio` needs websockets 13.0+, and {policy.origin} allows older releases")
    if guarded:
        risks.append("the `except ImportError:` fallback, which runs with the renamed arguments where the new import fails")
    return risks


def _rename(span: Span, old: str, new: str) -> FixOperation:
    # The same operation GP101 emits, so the engine applies it once.
    return FixOperation(kind="rename_keyword", line=span.line, column=span.column, params=(("old", old), ("new", new)))


# -- GP103 -----------------------------------------------------------------------


class WebsocketsLegacyProtocolClass(Rule):
    CODE = "GP103"
    NAME = "websockets-legacy-protocol-class"
    SUMMARY = "The legacy websockets classes `WebSocketClientProtocol`, `WebSocketServerProtocol`, `WebSocketServer`, deprecated in 14.0."
    SEVERITY = Severity.WARNING
    FIX = "sometimes"
    TOKENS = (b"WebSocketClientProtocol", b"WebSocketServerProtocol", b"WebSocketServer")
    MODULES = ("websockets",)
    NEEDS_IMPORTS = True
    FACTS_KEY = FACTS_KEY

    WHAT_IT_DOES = """
Flags `WebSocketClientProtocol`, `WebSocketServerProtocol` and `WebSocketServer`
imported from any of their legacy homes (`websockets`, `websockets.client`,
`websockets.server`, `websockets.legacy.*`) wherever the governing websockets
requirement allows 14.0 or newer (or `--websockets-version` names 14+). A
`from ... import` is reported at the imported name; a use through an attribute
(`websockets.WebSocketClientProtocol`) at each use.
"""
    WHY = """
These are the legacy implementation's classes. The new implementation's
connections are `websockets.asyncio.client.ClientConnection`,
`websockets.asyncio.server.ServerConnection` and `websockets.asyncio.server.Server`;
annotations and `isinstance` checks against the legacy classes are wrong for
connections the new `connect()` / `serve()` return. Beware
`websockets.client.ClientConnection`: it is a deprecated Sans-I/O class, not
the connection.
"""
    EXAMPLE = """
from websockets.client import WebSocketClientProtocol

def check(ws: WebSocketClientProtocol) -> bool:
    return isinstance(ws, WebSocketClientProtocol)
"""
    USE_INSTEAD = """
from websockets.asyncio.client import ClientConnection as WebSocketClientProtocol

def check(ws: WebSocketClientProtocol) -> bool:
    return isinstance(ws, WebSocketClientProtocol)
"""
    FIX_SAFETY = """
When every use of the imported name is an annotation or the class argument of
`isinstance` / `issubclass`, the import is moved to `websockets.asyncio.client` /
`websockets.asyncio.server` under the new class name, keeping the local name
(`ClientConnection as WebSocketClientProtocol`) so no other line changes: safe.
Any other use makes the fix unsafe. Subclassing gets no fix: the new classes'
internals differ, review by hand. Uses through an attribute chain
(`websockets.WebSocketClientProtocol`) are reported without a fix.
"""
    REFERENCES = ("https://websockets.readthedocs.io/en/stable/howto/upgrade.html",)

    VALID = (
        valid("from websockets.asyncio.client import ClientConnection\ndef f(ws: ClientConnection): ...\n"),
        valid(
            "from websockets.client import WebSocketClientProtocol\ndef f(ws: WebSocketClientProtocol): ...\n",
            options={"websockets-version": "13.1"},
        ),
        valid("from mylib import WebSocketClientProtocol\ndef f(ws: WebSocketClientProtocol): ...\n"),
    )
    INVALID = (
        invalid(
            "from websockets.client import WebSocketClientProtocol\n\n"
            "def f(ws: WebSocketClientProtocol) -> bool:\n    return isinstance(ws, WebSocketClientProtocol)\n",
            fixed="from websockets.asyncio.client import ClientConnection as WebSocketClientProtocol\n\n"
            "def f(ws: WebSocketClientProtocol) -> bool:\n    return isinstance(ws, WebSocketClientProtocol)\n",
        ),
        invalid(
            "from websockets.server import WebSocketServer as S, WebSocketServerProtocol\n"
            "server: S\nconn: 'x' | WebSocketServerProtocol\n",
            findings=2,
            fixed="from websockets.asyncio.server import Server as S, ServerConnection as WebSocketServerProtocol\n"
            "server: S\nconn: 'x' | WebSocketServerProtocol\n",
        ),
        invalid(
            "from websockets.legacy.client import WebSocketClientProtocol\n\n"
            "class Mine(WebSocketClientProtocol):\n    pass\n",
            fixed=None,
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        mode = _mode(ctx)
        if not mode.active:
            return
        facts = _facts(ctx)
        for fact, qualname, local, span in _from_bindings(ctx):
            if qualname not in LEGACY_CLASSES:
                continue
            name = LEGACY_CLASSES[qualname]
            module, new_name = CLASS_NEW[name]
            uses = [use for use in facts.uses if use.qualname == qualname and not use.via_attribute]
            contexts = {use.context for use in uses}
            message = f"`{qualname}` is the deprecated legacy class ({mode.origin}); use `{module}.{new_name}`"
            fix = None
            if "base" in contexts:
                message += " (it is subclassed here: the new class's internals differ, review by hand)"
            else:
                other = bool(contexts - {"annotation", "isinstance"})
                fix = Fix(
                    applicability=Applicability.UNSAFE if other else Applicability.SAFE,
                    message=f"import `{new_name}` from `{module}` (keeping the local name `{local}`)"
                    + ("; review its uses other than annotations and isinstance" if other else ""),
                    operations=(_move_from(fact, qualname, f"{module}.{new_name}"),),
                )
            yield ctx.finding(self, span, message, fix=fix, statement_line=fact.line)
        for use in facts.uses:
            if use.via_attribute and use.qualname in LEGACY_CLASSES:
                name = LEGACY_CLASSES[use.qualname]
                module, new_name = CLASS_NEW[name]
                message = f"`{use.qualname}` is the deprecated legacy class ({mode.origin}); use `{module}.{new_name}`"
                if use.context == "base":
                    message += " (it is subclassed here: review by hand)"
                yield ctx.finding(self, use.span, message, statement_line=use.span.line)

    @classmethod
    def collect(cls, tree: ast.Module, source: SourceFile) -> object:
        return collect_legacy(tree, source)


RULES = (WebsocketsLegacyImport, WebsocketsLegacyProtocolClass)
