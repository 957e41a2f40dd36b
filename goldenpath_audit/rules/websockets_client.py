"""websockets client migration rules (GP1xx).

websockets 14.0 made the new asyncio implementation the default: the top-level
`websockets.connect` became `websockets.asyncio.client.connect`, whose
`extra_headers=` is called `additional_headers=`. Unknown keywords are passed on
to `loop.create_connection()`, so the mistake surfaces only when the socket
opens, as `TypeError: BaseEventLoop.create_connection() got an unexpected
keyword argument 'extra_headers'`.

Which implementation a name means depends on the installed version, so every
rule here asks the project model for the websockets requirement that governs
the file (see `goldenpath_audit.auditor.versions`).
"""

from __future__ import annotations

from typing import Iterable

from goldenpath_audit.auditor.context import FileContext
from goldenpath_audit.auditor.facts import CallFact, KeywordFact, replace_span
from goldenpath_audit.auditor.findings import Applicability, Finding, Fix, FixOperation, Severity
from goldenpath_audit.rules.base import Rule, invalid, valid

# websockets 14.0 switched these top-level aliases from legacy to new.
DEFAULT_SWITCHED_AT = "14.0"
TOP_LEVEL_CLIENTS = frozenset({"websockets.connect", "websockets.unix_connect"})
# Always the new asyncio client (the module exists from 13.0).
ASYNCIO_CLIENTS = frozenset({"websockets.asyncio.client.connect", "websockets.asyncio.client.unix_connect"})
# The threading client never accepted `extra_headers` (11.0+).
SYNC_CLIENTS = frozenset({"websockets.sync.client.connect", "websockets.sync.client.unix_connect"})

OLD_KEYWORD = "extra_headers"
NEW_KEYWORD = "additional_headers"


def rename_keyword_fix(keyword: KeywordFact, new: str, applicability: Applicability, message: str) -> Fix:
    """A fix that renames one keyword argument in place, and nothing else."""
    span = keyword.span
    return Fix(
        applicability=applicability,
        message=message,
        operations=(
            FixOperation(
                kind="rename_keyword",
                line=span.line,
                column=span.column,
                params=(("old", keyword.name), ("new", new)),
            ),
        ),
        edits=(replace_span(span, new),),
    )


class WebsocketsExtraHeaders(Rule):
    CODE = "GP101"
    NAME = "websockets-extra-headers"
    SUMMARY = "`extra_headers=` passed to the new websockets client, which only accepts `additional_headers=`."
    SEVERITY = Severity.ERROR
    FIX = "safe"
    TOKENS = (b"extra_headers",)
    MODULES = ("websockets",)

    WHAT_IT_DOES = """
Flags calls that resolve, through the file's imports, to the new websockets
client (`websockets.asyncio.client.connect` or `unix_connect`, the top-level
`websockets.connect` / `unix_connect` when the governing websockets requirement
allows 14.0 or newer, and the threading client `websockets.sync.client.connect`)
and pass `extra_headers=`.

The requirement that governs a file comes from the nearest directory that
declares websockets (`pyproject.toml`, requirements files, `setup.cfg`,
`setup.py`, `Pipfile`, `tox.ini`; a pin in `uv.lock` or `poetry.lock` beats a
range; the README lists every source). When every version it allows is
below 14.0, `websockets.connect` is still the legacy client there and is not
flagged. `--websockets-version` or the `websockets-version` setting override it.
The legacy clients (`websockets.client.connect`, `websockets.legacy.client.connect`)
are never flagged: `extra_headers` is still right for them.
"""
    WHY = """
In websockets 14.0 `websockets.connect` became the new asyncio implementation,
where the argument is named `additional_headers`. The new `connect()` forwards
unknown keyword arguments to the event loop, so the call itself succeeds and the
test fails only when the connection opens:

    TypeError: BaseEventLoop.create_connection() got an unexpected keyword argument 'extra_headers'
"""
    EXAMPLE = """
import websockets

async def test_agent_stream(uri, token):
    async with websockets.connect(uri, extra_headers={"Authorization": token}) as ws:
        await ws.send("ping")
"""
    USE_INSTEAD = """
import websockets

async def test_agent_stream(uri, token):
    async with websockets.connect(uri, additional_headers={"Authorization": token}) as ws:
        await ws.send("ping")
"""
    FIX_SAFETY = """
The fix renames the keyword and changes nothing else, so it is safe. When the
headers literal sets `User-Agent`, the fix is unsafe: the new client sends its
own `User-Agent` unless you pass `user_agent_header=` instead. A call that
already passes both `extra_headers` and `additional_headers` is reported with
no fix: the two dictionaries must be merged by hand.
"""
    REFERENCES = ("https://websockets.readthedocs.io/en/stable/howto/upgrade.html",)

    VALID = (
        valid("import websockets\nwebsockets.connect(uri, additional_headers=h)\n"),
        valid("from websockets.client import connect\nconnect(uri, extra_headers=h)\n"),
        valid("from websockets.legacy.client import connect\nconnect(uri, extra_headers=h)\n"),
        valid("import aiohttp\nsession.ws_connect(uri, headers={'extra_headers': 1})\n"),
        valid("def connect(uri, extra_headers=None):\n    pass\n\nconnect('ws://x', extra_headers={})\n"),
        valid("import websockets\nkwargs = {'extra_headers': h}\nextra_headers = h\nwebsockets.connect(uri, **kwargs)\n"),
        valid(
            "import websockets\nwebsockets.connect(uri, extra_headers=h)\n",
            files={"pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=12,<14"]\n'},
        ),
        valid("import websockets\nwebsockets.connect(uri, extra_headers=h)\n", options={"websockets-version": "13.1"}),
        # A fallback that runs only where `websockets.asyncio` is missing: websockets < 13, the legacy client.
        valid(
            "async def open_socket(uri, h):\n    try:\n        from websockets.asyncio.client import connect\n"
            "        return await connect(uri, additional_headers=h)\n    except ImportError:\n"
            "        import websockets\n        return await websockets.connect(uri, extra_headers=h)\n"
        ),
    )
    INVALID = (
        invalid(
            "import websockets\n\nasync def test_x(uri):\n"
            "    async with websockets.connect(uri, extra_headers={'A': '1'}) as ws:  # keep\n"
            "        await ws.recv()\n",
            fixed="import websockets\n\nasync def test_x(uri):\n"
            "    async with websockets.connect(uri, additional_headers={'A': '1'}) as ws:  # keep\n"
            "        await ws.recv()\n",
        ),
        invalid(
            "import websockets as ws\nawait ws.connect(uri, extra_headers=h)\n",
            fixed="import websockets as ws\nawait ws.connect(uri, additional_headers=h)\n",
        ),
        invalid(
            "from websockets import connect as c\nc(uri, extra_headers=h)\n",
            fixed="from websockets import connect as c\nc(uri, additional_headers=h)\n",
        ),
        invalid(
            "from websockets.asyncio.client import connect\nconnect(uri, extra_headers=h)\n",
            fixed="from websockets.asyncio.client import connect\nconnect(uri, additional_headers=h)\n",
            options={"websockets-version": "13.1"},
        ),
        invalid(
            "import websockets.asyncio.client\nwebsockets.asyncio.client.unix_connect(p, extra_headers=h)\n",
            fixed="import websockets.asyncio.client\nwebsockets.asyncio.client.unix_connect(p, additional_headers=h)\n",
        ),
        invalid("import websockets\nwebsockets.connect(uri, extra_headers=h, additional_headers=g)\n", fixed=None),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        for call in ctx.facts.calls:
            keyword = _keyword(call, OLD_KEYWORD)
            if keyword is None:
                continue
            reason = self._why_new_client(call, ctx)
            if reason is None:
                continue
            yield self._finding(ctx, call, keyword, reason)

    def _why_new_client(self, call: CallFact, ctx: FileContext) -> str | None:
        """Why this call is the new client, or None when it is not (or may not be)."""
        if call.qualname in ASYNCIO_CLIENTS:
            return "the new asyncio client"
        if call.qualname in SYNC_CLIENTS:
            return "the threading client"
        if call.qualname in TOP_LEVEL_CLIENTS:
            policy = ctx.project.version_policy("websockets", ctx.path)
            if policy.all_below(DEFAULT_SWITCHED_AT) or ctx.facts.runs_before_asyncio(call.statement_line):
                return None
            return f"the new asyncio client ({policy.origin})"
        return None

    def _finding(self, ctx: FileContext, call: CallFact, keyword: KeywordFact, reason: str) -> Finding:
        message = (
            f"`{call.qualname}` is {reason}, which has no `{OLD_KEYWORD}`: "
            f"the call fails when the connection opens; use `{NEW_KEYWORD}`"
        )
        fix: Fix | None
        if _keyword(call, NEW_KEYWORD) is not None:
            fix = None
            message += f" (this call already passes `{NEW_KEYWORD}`: merge the two by hand)"
        elif any(key.lower() == "user-agent" for key in keyword.literal_keys or ()):
            fix = rename_keyword_fix(
                keyword,
                NEW_KEYWORD,
                Applicability.UNSAFE,
                f"rename `{OLD_KEYWORD}` to `{NEW_KEYWORD}` (it sets User-Agent: prefer `user_agent_header=`)",
            )
        else:
            fix = rename_keyword_fix(
                keyword, NEW_KEYWORD, Applicability.SAFE, f"rename `{OLD_KEYWORD}` to `{NEW_KEYWORD}`"
            )
        return ctx.finding(self, keyword.span, message, fix=fix, statement_line=call.statement_line)


def _keyword(call: CallFact, name: str) -> KeywordFact | None:
    return next((kw for kw in call.keywords if kw.name == name), None)
