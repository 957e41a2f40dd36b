"""websockets arguments that the new asyncio implementation renamed or dropped (GP104, GP107).

The new `connect()` / `serve()` forward unknown keyword arguments to
`loop.create_connection()` / `loop.create_server()`, so a legacy argument fails
only when the connection (or server) opens, with an error that names the event
loop, not websockets. Server callbacks with legacy signatures fail later still:
per connection.

Which calls are the new implementation is decided exactly as GP101 decides it
(see `goldenpath_audit.rules.websockets_client`): the `websockets.asyncio`
modules always, the top-level aliases when the governing websockets
requirement allows 14.0 or newer.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

from goldenpath_audit.auditor.context import FileContext
from goldenpath_audit.auditor.facts import CallFact, KeywordFact, Span
from goldenpath_audit.auditor.findings import Applicability, Finding, Fix, FixOperation, Position, Severity, TextEdit
from goldenpath_audit.auditor.names import Scope, build_scope, is_scope
from goldenpath_audit.auditor.walk import FileIndex, LineSet, child_nodes, touches
from goldenpath_audit.auditor.source import SourceFile
from goldenpath_audit.rules.base import Rule, invalid, valid
from goldenpath_audit.rules.websockets_client import (
    ASYNCIO_CLIENTS,
    DEFAULT_SWITCHED_AT,
    TOP_LEVEL_CLIENTS,
    rename_keyword_fix,
)

TOP_LEVEL_SERVERS = frozenset({"websockets.serve", "websockets.unix_serve"})
ASYNCIO_SERVERS = frozenset({"websockets.asyncio.server.serve", "websockets.asyncio.server.unix_serve"})
# Always the legacy server (deprecated aliases on 14+).
LEGACY_SERVERS = frozenset(
    {
        "websockets.server.serve",
        "websockets.server.unix_serve",
        "websockets.legacy.server.serve",
        "websockets.legacy.server.unix_serve",
    }
)

FACTS_KEY = "websockets_arguments"
TODO_MARKER = "TODO(goldenpath-audit GP107)"
UPGRADE_GUIDE = "https://websockets.readthedocs.io/en/stable/howto/upgrade.html"


# -- facts ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerCallFacts:
    """What GP104/GP107 need about one call beyond `CallFact`, keyed by the call's start."""

    line: int
    column: int
    # `""` elements of an `origins=[...]` / `(...)` literal: (line, column) of each.
    empty_origins: tuple[tuple[int, int], ...] = ()
    # The handler argument when it names a def taking two positional arguments.
    two_arg_handler: str | None = None
    legacy_process_request: str | None = None
    legacy_select_subprotocol: str | None = None


@dataclass(frozen=True, slots=True)
class ArgumentFacts:
    calls: tuple[ServerCallFacts, ...]
    # Lines whose text contains the GP107 TODO marker.
    todo_lines: frozenset[int]

    def at(self, span: Span) -> ServerCallFacts | None:
        return next((c for c in self.calls if (c.line, c.column) == (span.line, span.column)), None)


_LEGACY_PROCESS_REQUEST_PARAMS = frozenset({"path", "headers", "request_headers"})
_LEGACY_SELECT_PARAMS = frozenset({"client_subprotocols", "server_subprotocols"})


def collect(tree: ast.Module, source: SourceFile) -> ArgumentFacts:
    index = FileIndex.of(tree, source.text)
    # Only calls on lines naming something imported from websockets can be recorded.
    collector = _Collector(source, index.lines_with_names(index.names_into(("websockets",))))
    if collector.lines:
        collector.walk(tree, [build_scope(tree, None, index)])
    todo_lines = frozenset(i for i, text in enumerate(source.lines, 1) if TODO_MARKER in text)
    return ArgumentFacts(tuple(collector.calls), todo_lines)


class _Collector:
    def __init__(self, source: SourceFile, lines: LineSet) -> None:
        self.source = source
        self.lines = lines
        self.calls: list[ServerCallFacts] = []

    def walk(self, node: ast.AST, scopes: list[Scope]) -> None:
        for child in child_nodes(node):
            if not touches(child, self.lines):
                continue
            if isinstance(child, ast.Call):
                self._record(child, scopes)
            if is_scope(child):
                self.walk(child, [*scopes, build_scope(child, scopes[-1])])
            else:
                self.walk(child, scopes)

    def _position(self, node: ast.AST) -> tuple[int, int]:
        return node.lineno, self.source.char_column(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def _record(self, call: ast.Call, scopes: list[Scope]) -> None:
        keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}
        empty: tuple[tuple[int, int], ...] = ()
        origins = keywords.get("origins")
        if isinstance(origins, (ast.List, ast.Tuple, ast.Set)):
            empty = tuple(
                self._position(e) for e in origins.elts if isinstance(e, ast.Constant) and e.value == ""
            )
        handler = call.args[0] if call.args else keywords.get("handler", keywords.get("ws_handler"))
        two_arg = None
        if isinstance(handler, ast.Name):
            definition = _resolve_def(handler.id, scopes)
            if definition is not None and len(_required_positional(definition)) == 2:
                two_arg = handler.id
        process = _legacy_callback(keywords.get("process_request"), scopes, _LEGACY_PROCESS_REQUEST_PARAMS)
        select = _legacy_callback(keywords.get("select_subprotocol"), scopes, _LEGACY_SELECT_PARAMS)
        if empty or two_arg or process or select:
            line, column = self._position(call)
            self.calls.append(ServerCallFacts(line, column, empty, two_arg, process, select))


def _required_positional(definition: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    args = definition.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    return names[: len(names) - len(args.defaults)] if args.defaults else names


def _all_positional(definition: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    names = [a.arg for a in (*definition.args.posonlyargs, *definition.args.args)]
    return names[1:] if names and names[0] in ("self", "cls") else names


def _legacy_callback(value: ast.expr | None, scopes: list[Scope], legacy_names: frozenset[str]) -> str | None:
    """The callback's name (or "lambda") when its parameters are named like the legacy signature."""
    if isinstance(value, ast.Lambda):
        definition: ast.AST | None = value
        label = "lambda"
    elif isinstance(value, ast.Name):
        definition = _resolve_def(value.id, scopes)
        label = value.id
    else:
        return None
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return None
    params = _all_positional(definition)
    return label if len(params) == 2 and legacy_names.intersection(params) else None


def _resolve_def(name: str, scopes: list[Scope]) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The `def` a name means here when that def is its only binding in the scope that binds it."""
    for index in range(len(scopes) - 1, -1, -1):
        scope = scopes[index]
        if scope.is_class and index != len(scopes) - 1:
            continue
        if name in scope.globals or name in scope.nonlocals:
            return None
        bindings = scope.bindings.get(name)
        if not bindings:
            continue
        if len(bindings) != 1:
            return None
        return _find_def(scope.node, name)
    return None


def _find_def(scope_node: ast.AST, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    body = getattr(scope_node, "body", None)
    if not isinstance(body, list):
        return None
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name == name:
                return node
            continue
        if isinstance(node, (ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))
        for field in ("handlers", "orelse", "finalbody", "cases"):
            stack.extend(getattr(node, field, ()) or ())
    return None


# -- which implementation ------------------------------------------------------


def new_implementation(call: CallFact, ctx: FileContext) -> str | None:
    """"client"/"server" when the call is the new asyncio connect()/serve(), else None (as GP101 decides)."""
    if call.qualname in ASYNCIO_CLIENTS:
        return "client"
    if call.qualname in ASYNCIO_SERVERS:
        return "server"
    if call.qualname in TOP_LEVEL_CLIENTS or call.qualname in TOP_LEVEL_SERVERS:
        if ctx.project.version_policy("websockets", ctx.path).all_below(DEFAULT_SWITCHED_AT):
            return None
        if ctx.facts.runs_before_asyncio(call.statement_line):
            return None  # an `except ImportError` fallback for websockets < 13, where it is legacy
        return "client" if call.qualname in TOP_LEVEL_CLIENTS else "server"
    return None


def _may_reach_14(ctx: FileContext) -> bool:
    """Whether the requirement allows websockets 14+, where the new implementation is the default."""
    return not ctx.project.version_policy("websockets", ctx.path).all_below(DEFAULT_SWITCHED_AT)


def _why(call: CallFact, ctx: FileContext) -> str:
    if call.qualname in TOP_LEVEL_CLIENTS | TOP_LEVEL_SERVERS:
        return f"the new asyncio implementation ({ctx.project.version_policy('websockets', ctx.path).origin})"
    return "the new asyncio implementation"


def _keyword(call: CallFact, name: str) -> KeywordFact | None:
    return next((kw for kw in call.keywords if kw.name == name), None)


def _argument_facts(ctx: FileContext) -> ArgumentFacts | None:
    facts = ctx.facts.extra.get(FACTS_KEY)
    return facts if isinstance(facts, ArgumentFacts) else None


# -- GP104 ---------------------------------------------------------------------


class WebsocketsRenamedArgument(Rule):
    CODE = "GP104"
    NAME = "websockets-renamed-argument"
    SUMMARY = "A legacy argument passed to the new websockets `connect()` or `serve()`, which renamed or removed it."
    SEVERITY = Severity.ERROR
    FIX = "sometimes"
    TOKENS = (b"timeout", b"loop", b"read_limit", b"klass", b"create_protocol", b"legacy_recv", b"ws_handler", b"origins")
    MODULES = ("websockets",)
    FACTS_KEY = FACTS_KEY

    @classmethod
    def collect(cls, tree: ast.Module, source: SourceFile) -> ArgumentFacts:
        return collect(tree, source)

    WHAT_IT_DOES = """
Flags arguments of the legacy asyncio implementation passed to the new one:
calls that resolve to `websockets.asyncio.client.connect` / `unix_connect` or
`websockets.asyncio.server.serve` / `unix_serve`, and the top-level
`websockets.connect` / `unix_connect` / `serve` / `unix_serve` when the
governing websockets requirement allows 14.0 or newer (decided as in GP101).

- `timeout=` is `close_timeout=` (renamed in 7.0, gone in the new implementation);
- `loop=` and `legacy_recv=` were removed (deprecated in 10.0);
- `read_limit=` does not exist (there is no `StreamReader` buffer any more);
- `klass=` / `create_protocol=` became `create_connection=`, which takes a
  `ClientConnection` / `ServerConnection` subclass, not a protocol class;
- `serve(ws_handler=...)` is `serve(handler=...)`;
- `serve(origins=[""])`: "no Origin header" is spelled `None`, not `""`.

The legacy functions (`websockets.client.connect`, `websockets.legacy.*`, and the
top-level names under websockets < 14) are never flagged.
"""
    WHY = """
The new `connect()` and `serve()` pass unknown keyword arguments on to the event
loop, so the call itself succeeds and the test fails when the connection opens:

    TypeError: BaseEventLoop.create_connection() got an unexpected keyword argument 'timeout'
    TypeError: BaseEventLoop.create_connection() got an unexpected keyword argument 'loop'
    TypeError: BaseEventLoop.create_connection() got an unexpected keyword argument 'read_limit'
    TypeError: BaseEventLoop.create_server() got an unexpected keyword argument 'create_protocol'

`serve(ws_handler=h)` fails with `TypeError: serve() missing 1 required
positional argument: 'handler'`, and `origins=[""]` no longer admits clients
that send no `Origin` header.
"""
    EXAMPLE = """
import websockets

async def test_echo(uri, loop):
    async with websockets.connect(uri, timeout=2, loop=loop) as ws:
        await ws.send("ping")
"""
    USE_INSTEAD = """
import websockets

async def test_echo(uri, loop):
    async with websockets.connect(uri, close_timeout=2) as ws:
        await ws.send("ping")
"""
    FIX_SAFETY = """
Safe: `timeout` -> `close_timeout` and `ws_handler` -> `handler` (renames; no
fix when the new name is already passed), deleting `loop=`, and `""` -> `None`
in an `origins` literal. Deleting `read_limit=` is unsafe: it no longer limits
anything, so a suite that relied on it should look at `max_queue` / `max_size`.
`klass=`, `create_protocol=` and `legacy_recv=` have no automatic fix: the class
must be rewritten against the new connection class, and `recv()` callers that
expected `None` on close must handle `ConnectionClosed`.
"""
    REFERENCES = (UPGRADE_GUIDE + "#api-changes",)

    VALID = (
        valid("import websockets\nwebsockets.connect(uri, close_timeout=2)\n"),
        valid("from websockets.client import connect\nconnect(uri, timeout=2, loop=loop)\n"),
        valid("import websockets.legacy.server\nwebsockets.legacy.server.serve(h, ws_handler=h, origins=[''])\n"),
        valid("import websockets\nwebsockets.connect(uri, timeout=2)\n", options={"websockets-version": "13.1"}),
        valid(
            "import websockets\nwebsockets.serve(h, 'localhost', 0, loop=loop)\n",
            files={"pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=12,<14"]\n'},
        ),
        valid("import websockets\nwebsockets.serve(h, origins=[None, 'https://x'])\n"),
        valid("import asyncio\nasyncio.wait_for(f, timeout=2)\n"),
    )
    INVALID = (
        invalid(
            "import websockets\n\nasync def test_x(uri):\n"
            "    async with websockets.connect(uri, timeout=2) as ws:  # keep\n"
            "        await ws.recv()\n",
            fixed="import websockets\n\nasync def test_x(uri):\n"
            "    async with websockets.connect(uri, close_timeout=2) as ws:  # keep\n"
            "        await ws.recv()\n",
        ),
        invalid(
            "from websockets.asyncio.client import connect\nconnect(\n    uri,\n    loop=loop,  # old\n    open_timeout=5,\n)\n",
            fixed="from websockets.asyncio.client import connect\nconnect(\n    uri,\n    # old\n    open_timeout=5,\n)\n",
            options={"websockets-version": "13.1"},
        ),
        invalid(
            "import websockets\nwebsockets.serve(ws_handler=h, host='x', origins=['', 'https://a'])\n",
            findings=2,
            fixed="import websockets\nwebsockets.serve(handler=h, host='x', origins=[None, 'https://a'])\n",
        ),
        invalid("import websockets\nwebsockets.connect(uri, read_limit=2**16)\n"),
        invalid(
            "import websockets\nwebsockets.connect(uri, read_limit=2**16)\n",
            fixed="import websockets\nwebsockets.connect(uri)\n",
            unsafe_fixes=True,
        ),
        invalid("import websockets\nwebsockets.connect(uri, timeout=2, close_timeout=3)\n"),
        invalid("import websockets\nwebsockets.connect(uri, create_protocol=P, legacy_recv=True)\n", findings=2),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        extra = _argument_facts(ctx)
        for call in ctx.facts.calls:
            kind = new_implementation(call, ctx)
            if kind is None:
                continue
            why = _why(call, ctx)
            method = "create_connection" if kind == "client" else "create_server"
            error = f"`TypeError: ...{method}() got an unexpected keyword argument"
            for keyword in call.keywords:
                finding = self._keyword_finding(ctx, call, keyword, kind, why, error, extra)
                if finding is not None:
                    yield finding

    def _keyword_finding(
        self,
        ctx: FileContext,
        call: CallFact,
        keyword: KeywordFact,
        kind: str,
        why: str,
        error: str,
        extra: ArgumentFacts | None,
    ) -> Finding | None:
        name = keyword.name
        prefix = f"`{call.qualname}` is {why}"
        fix: Fix | None = None
        if name == "timeout":
            message = f"{prefix}, which has no `timeout` ({error} 'timeout'`); use `close_timeout`"
            if _keyword(call, "close_timeout") is None:
                fix = rename_keyword_fix(keyword, "close_timeout", Applicability.SAFE, "rename `timeout` to `close_timeout`")
            else:
                message += " (this call already passes `close_timeout`: remove one by hand)"
        elif name == "loop":
            message = f"{prefix}, which has no `loop` ({error} 'loop'`); remove it"
            fix = _remove_fix(keyword, Applicability.SAFE, "remove `loop=`")
        elif name == "read_limit":
            message = (
                f"{prefix}, which has no `read_limit` ({error} 'read_limit'`); remove it "
                "(`max_queue` and `max_size` are the only read limits now)"
            )
            fix = _remove_fix(keyword, Applicability.UNSAFE, "remove `read_limit=`")
        elif name in ("klass", "create_protocol"):
            base = "ClientConnection" if kind == "client" else "ServerConnection"
            message = (
                f"{prefix}, which has no `{name}` ({error} '{name}'`); pass a `{base}` subclass "
                "as `create_connection=` (review: the base class changed)"
            )
        elif name == "legacy_recv":
            message = (
                f"{prefix}, which has no `legacy_recv` ({error} 'legacy_recv'`); remove it and handle "
                "`ConnectionClosed` where `recv()` returned None (review)"
            )
        elif name == "ws_handler" and kind == "server":
            message = f"{prefix}, whose first parameter is `handler`, not `ws_handler`"
            if _keyword(call, "handler") is None:
                fix = rename_keyword_fix(keyword, "handler", Applicability.SAFE, "rename `ws_handler` to `handler`")
        elif name == "origins" and kind == "server":
            facts = extra.at(call.span) if extra is not None else None
            if facts is None or not facts.empty_origins:
                return None
            message = f'{prefix}: `""` in `origins` no longer means "no Origin header"; use `None`'
            fix = Fix(
                applicability=Applicability.SAFE,
                message='replace `""` with `None` in `origins`',
                operations=tuple(FixOperation(kind="empty_string_to_none", line=l, column=c) for l, c in facts.empty_origins),
                edits=tuple(TextEdit(_pos(l, c), _pos(l, c + 2), "None") for l, c in facts.empty_origins),
            )
        else:
            return None
        return ctx.finding(self, keyword.span, message, fix=fix, statement_line=call.statement_line)


def _pos(line: int, column: int) -> Position:
    return Position(line, column)


def _remove_fix(keyword: KeywordFact, applicability: Applicability, message: str) -> Fix:
    span = keyword.span
    return Fix(
        applicability=applicability,
        message=message,
        operations=(FixOperation(kind="remove_keyword", line=span.line, column=span.column, params=(("name", keyword.name),)),),
    )


# -- GP107 ---------------------------------------------------------------------


class WebsocketsServerReview(Rule):
    CODE = "GP107"
    NAME = "websockets-server-review"
    SUMMARY = "A websockets server argument or callback whose signature changed in the new implementation: review it."
    SEVERITY = Severity.WARNING
    FIX = "unsafe"
    TOKENS = (b"serve",)
    MODULES = ("websockets",)
    FACTS_KEY = FACTS_KEY

    @classmethod
    def collect(cls, tree: ast.Module, source: SourceFile) -> ArgumentFacts:
        return collect(tree, source)

    WHAT_IT_DOES = """
Flags what cannot be migrated mechanically on the server side:

- `extra_headers=` passed to the new `serve()` (use `process_response`);
- a `process_request` callback with the legacy `(path, request_headers)`
  signature, or a `select_subprotocol` callback with the legacy
  `(client_subprotocols, server_subprotocols)` signature, passed to the new
  `serve()` (recognised by its parameter names);
- a connection handler that takes two positional arguments (`async def
  handler(ws, path)`), passed to any `serve()` (new or legacy: it breaks as soon
  as the server moves to the new implementation) where the requirement allows
  websockets 14+ (a project pinned below 14 never moves). The handler must be a
  name bound only by a module-level or enclosing `def` / `async def`.

Which `serve()` is new is decided as in GP101 and GP104.
"""
    WHY = """
`extra_headers=` fails when the server starts:

    TypeError: BaseEventLoop.create_server() got an unexpected keyword argument 'extra_headers'

A two-argument handler fails per connection, not at startup, so the server
looks healthy: it logs `connection handler failed` with

    TypeError: handler() missing 1 required positional argument: 'path'

and the client sees `ConnectionClosedError: received 1011 (internal error); then
sent 1011 (internal error)`. Legacy `process_request` / `select_subprotocol`
callbacks receive `(connection, request)` / `(connection, subprotocols)` and
must return a `Response` / a subprotocol: they fail or misbehave per handshake.
"""
    EXAMPLE = """
from websockets.asyncio.server import serve

async def handler(ws, path):
    await ws.send(path)

async def test_server():
    async with serve(handler, "127.0.0.1", 0) as server:
        ...
"""
    USE_INSTEAD = """
from websockets.asyncio.server import serve

async def handler(ws):
    await ws.send(ws.request.path)

async def test_server():
    async with serve(handler, "127.0.0.1", 0) as server:
        ...
"""
    FIX_SAFETY = """
There is no automatic rewrite. The unsafe fix inserts one comment line above
the statement holding the `serve()` call, with its indentation, naming the
upgrade-guide section to read, for example

    # TODO(goldenpath-audit GP107): handler(ws, path) gets one argument under the new websockets server; use ws.request.path (upgrade guide: "Arguments of connection handlers")

It is inserted once: when the line above already contains
`TODO(goldenpath-audit GP107)`, the finding is reported without a fix.
"""
    REFERENCES = (UPGRADE_GUIDE + "#arguments-of-connection-handlers", UPGRADE_GUIDE + "#customizing-the-opening-handshake")

    VALID = (
        valid("from websockets.asyncio.server import serve\nasync def h(ws):\n    pass\nserve(h, 'x', 0)\n"),
        valid("from websockets.asyncio.server import serve\nasync def h(ws, path=None):\n    pass\nserve(h, 'x', 0)\n"),
        valid(
            "from websockets.asyncio.server import serve\n"
            "def pr(connection, request):\n    return None\n"
            "serve(h, process_request=pr, process_response=f)\n"
        ),
        valid("import websockets.server\nwebsockets.server.serve(h, extra_headers={'A': 'b'})\n"),
        valid("import websockets\nwebsockets.serve(h, extra_headers=x)\n", options={"websockets-version": "13.1"}),
        valid("import websockets\nasync def h(ws, path):\n    pass\nh = wrap(h)\nwebsockets.serve(h)\n"),
        # Pinned below 14 (web3 7.x: websockets<14): the legacy server keeps calling handler(ws, path).
        valid(
            "import websockets.legacy.server as s\nasync def h(ws, path):\n    pass\ns.serve(h, 'x', 0)\n",
            options={"websockets-version": "13.1"},
        ),
        valid(
            "import websockets\nasync def h(ws, path):\n    pass\nwebsockets.serve(h, 'x', 0)\n",
            files={"requirements.txt": "websockets>=10,<14\n"},
        ),
    )
    INVALID = (
        invalid(
            "from websockets.asyncio.server import serve\n\nasync def handler(ws, path):\n    pass\n\n"
            "async def test_server():\n    async with serve(handler, '127.0.0.1', 0):\n        pass\n",
            fixed="from websockets.asyncio.server import serve\n\nasync def handler(ws, path):\n    pass\n\n"
            "async def test_server():\n"
            "    # TODO(goldenpath-audit GP107): handler(ws, path) gets one argument under the new websockets server;"
            ' use ws.request.path (upgrade guide: "Arguments of connection handlers")\n'
            "    async with serve(handler, '127.0.0.1', 0):\n        pass\n",
            unsafe_fixes=True,
        ),
        invalid("import websockets\nwebsockets.serve(h, 'x', 0, extra_headers={'A': 'b'})\n"),
        invalid(
            "import websockets.legacy.server as s\nasync def h(ws, path):\n    pass\ns.serve(h, 'x', 0)\n",
            options={"websockets-version": ">=13.1"},
        ),
        invalid(
            "import websockets\nasync def pr(path, request_headers):\n    return None\n"
            "websockets.serve(h, process_request=pr)\n"
        ),
        invalid(
            "import websockets\n"
            "websockets.serve(h, select_subprotocol=lambda client_subprotocols, server_subprotocols: None)\n"
        ),
        invalid(
            "import websockets\nasync def h(ws, path):\n    pass\n"
            f"# {TODO_MARKER}: already noted\nwebsockets.serve(h)\n",
            unsafe_fixes=True,
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        extra = _argument_facts(ctx)
        for call in ctx.facts.calls:
            if call.qualname in ASYNCIO_SERVERS | TOP_LEVEL_SERVERS:
                is_new = new_implementation(call, ctx) == "server"
            elif call.qualname in LEGACY_SERVERS:
                is_new = False
            else:
                continue
            noted = extra is not None and call.statement_line - 1 in extra.todo_lines
            facts = extra.at(call.span) if extra is not None else None
            if is_new:
                keyword = _keyword(call, "extra_headers")
                if keyword is not None:
                    yield self._finding(
                        ctx, call, keyword.span, noted,
                        f"`{call.qualname}` is {_why(call, ctx)}, which has no `extra_headers` (`TypeError: "
                        "...create_server() got an unexpected keyword argument 'extra_headers'`); add the headers "
                        "in `process_response` (review)",
                        'extra_headers= is gone from the new websockets server; set headers in process_response'
                        ' (upgrade guide: "Customizing the opening handshake")',
                    )
                if facts is not None and facts.legacy_process_request:
                    yield self._finding(
                        ctx, call, _keyword(call, "process_request").span, noted,  # type: ignore[union-attr]
                        f"`{facts.legacy_process_request}` has the legacy `process_request(path, request_headers)` "
                        f"signature; {_why(call, ctx)} calls it with `(connection, request)` and expects a "
                        "`Response` or None (review)",
                        "process_request(path, headers) is now process_request(connection, request) returning a"
                        ' Response (upgrade guide: "Customizing the opening handshake")',
                    )
                if facts is not None and facts.legacy_select_subprotocol:
                    yield self._finding(
                        ctx, call, _keyword(call, "select_subprotocol").span, noted,  # type: ignore[union-attr]
                        f"`{facts.legacy_select_subprotocol}` has the legacy `select_subprotocol(client_subprotocols, "
                        f"server_subprotocols)` signature; {_why(call, ctx)} calls it with "
                        "`(connection, subprotocols)` (review)",
                        "select_subprotocol(client_subprotocols, server_subprotocols) is now"
                        ' select_subprotocol(connection, subprotocols) (upgrade guide: "Customizing the opening handshake")',
                    )
            if facts is not None and facts.two_arg_handler and (is_new or _may_reach_14(ctx)):
                where = f"{_why(call, ctx)} calls it" if is_new else "the new websockets server (14.0+) calls it"
                yield self._finding(
                    ctx, call, call.span, noted,
                    f"handler `{facts.two_arg_handler}` takes `(ws, path)`; {where} with one argument, so every "
                    "connection fails with `TypeError: ... missing 1 required positional argument: 'path'` and "
                    "the client sees a 1011 close; use `ws.request.path` (review)",
                    "handler(ws, path) gets one argument under the new websockets server; use ws.request.path"
                    ' (upgrade guide: "Arguments of connection handlers")',
                )

    def _finding(self, ctx: FileContext, call: CallFact, span: Span, noted: bool, message: str, todo: str) -> Finding:
        fix = None
        if not noted:
            text = f"{TODO_MARKER}: {todo}"
            fix = Fix(
                applicability=Applicability.UNSAFE,
                message="insert a TODO comment for review",
                operations=(
                    FixOperation(
                        kind="insert_todo_comment",
                        line=call.statement_line,
                        column=1,
                        params=(("text", text), ("marker", TODO_MARKER)),
                    ),
                ),
            )
        return ctx.finding(self, span, message, fix=fix, statement_line=call.statement_line)


RULES = (WebsocketsRenamedArgument, WebsocketsServerReview)
