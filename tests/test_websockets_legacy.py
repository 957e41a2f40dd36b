"""GP102 / GP103 end to end: import forms, version awareness, exact fixes, and a real server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from live_server import run_offline, running_server

from conftest import locations
from goldenpath_audit.auditor.findings import Applicability
from goldenpath_audit.auditor.fixer import apply_fixes

BELOW_14 = {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=12,<14"]\n'}
FROM_14 = {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=14"]\n'}

FORMS = """\
from websockets.client import connect
from websockets.legacy.client import unix_connect as uc
from websockets.server import serve
import websockets.client
from websockets.auth import basic_auth_protocol_factory


async def test_forms(uri):
    await connect(uri)
    await uc("/tmp/s")
    websockets.client.connect(uri)
"""


def _legacy(result):
    return [loc for loc in locations(result) if loc[3] in ("GP102", "GP103")]


def test_every_legacy_import_form_is_flagged_from_14(project) -> None:
    result = project({"tests/test_forms.py": FORMS, **FROM_14})
    assert _legacy(result) == [
        ("tests/test_forms.py", 1, 31, "GP102"),
        ("tests/test_forms.py", 2, 38, "GP102"),
        ("tests/test_forms.py", 3, 31, "GP102"),
        ("tests/test_forms.py", 5, 29, "GP102"),
        ("tests/test_forms.py", 11, 5, "GP102"),
    ]
    first = result.findings[0]
    assert (first.end_line, first.end_column) == (1, 38)
    assert "websockets>=14" in first.message or "pyproject.toml" in first.message


def test_no_requirement_means_newest_and_is_flagged(project) -> None:
    result = project({"test_x.py": "from websockets.client import connect\n"})
    assert _legacy(result) == [("test_x.py", 1, 31, "GP102")]
    assert "assuming the newest release" in result.findings[0].message


def test_below_14_nothing_is_flagged(project) -> None:
    source = FORMS + "import websockets\nwebsockets.connect(u)\nfrom websockets import WebSocketClientProtocol\n"
    assert _legacy(project({"tests/test_forms.py": source, **BELOW_14})) == []


def test_override_below_14_beats_the_declaration(project) -> None:
    assert _legacy(project({"test_x.py": FORMS, **FROM_14}, websockets_version="13.1")) == []


PLANNING = """\
import websockets
from websockets import connect, serve as s
from websockets.client import connect as legacy_connect

websockets.connect(u)
"""


def test_planning_the_upgrade_flags_top_level_names_too(project) -> None:
    result = project({"test_x.py": PLANNING, **BELOW_14}, websockets_version="14.2")
    assert _legacy(result) == [
        ("test_x.py", 2, 24, "GP102"),
        ("test_x.py", 2, 33, "GP102"),
        ("test_x.py", 3, 31, "GP102"),
        ("test_x.py", 5, 1, "GP102"),
    ]
    assert "--websockets-version 14.2" in result.findings[0].message


def test_top_level_names_are_new_when_the_declaration_allows_14(project) -> None:
    # Not planning: websockets.connect already is the new client there.
    result = project({"test_x.py": PLANNING, **FROM_14}, websockets_version="14.2")
    assert _legacy(result) == [("test_x.py", 3, 31, "GP102")]
    assert _legacy(project({"test_x.py": PLANNING, **FROM_14})) == [("test_x.py", 3, 31, "GP102")]


@pytest.mark.parametrize(
    "source",
    [
        "from websockets.asyncio.client import connect\nconnect(u, additional_headers=h)\n",
        "from websockets.asyncio.server import serve, ServerConnection, Server\n",
        "import websockets\nwebsockets.connect(u)\nwebsockets.serve(h, 'x', 0)\n",
        "from websockets.sync.client import connect\n",
        "from aiohttp.client import connect\nfrom mylib.server import serve, WebSocketServer\n",
        "from websockets.client import ClientProtocol\n",
        "import websockets.asyncio.client\nwebsockets.asyncio.client.connect(u)\n",
        # a compatibility fallback never runs where websockets 14+ is installed
        "try:\n    from websockets.asyncio.client import connect\nexcept ImportError:\n"
        "    from websockets.client import connect\n",
    ],
)
def test_never_flags(project, source: str) -> None:
    assert _legacy(project({"test_x.py": source})) == []


def fix(project, tmp_path: Path, source: str, *, unsafe: bool = False, **options) -> str:
    result = project({"test_x.py": source, **options.pop("files", {})}, **options)
    report = apply_fixes(result, tmp_path, unsafe=unsafe, write=True)
    assert not report.errors
    return (tmp_path / "test_x.py").read_text(encoding="utf-8")


def test_fix_from_import_with_extra_headers_is_safe(project, tmp_path: Path) -> None:
    source = (
        "from websockets.client import connect as c, ClientProtocol\n\n"
        "async def test_x(u):\n    async with c(u, extra_headers={'A': '1'}) as ws:\n        pass\n"
    )
    assert fix(project, tmp_path, source) == (
        "from websockets.client import ClientProtocol\nfrom websockets.asyncio.client import connect as c\n\n"
        "async def test_x(u):\n    async with c(u, additional_headers={'A': '1'}) as ws:\n        pass\n"
    )


def test_fix_attribute_chain_moves_the_import(project, tmp_path: Path) -> None:
    source = "import websockets.client\n\nwebsockets.client.connect(u, extra_headers=h)\nwebsockets.client.unix_connect(p)\n"
    result = project({"test_x.py": source})
    assert _legacy(result) == [("test_x.py", 3, 1, "GP102"), ("test_x.py", 4, 1, "GP102")]
    assert fix(project, tmp_path, source) == (
        "import websockets.asyncio.client\n\n"
        "websockets.asyncio.client.connect(u, additional_headers=h)\nwebsockets.asyncio.client.unix_connect(p)\n"
    )


def test_attribute_chain_with_an_unmovable_member_has_no_fix(project) -> None:
    source = "import websockets.client\nwebsockets.client.connect(u)\nwebsockets.client.WebSocketClientProtocol\n"
    result = project({"test_x.py": source})
    gp102 = [f for f in result.findings if f.code == "GP102"]
    assert [f.fix for f in gp102] == [None]


@pytest.mark.parametrize(
    ("source", "review"),
    [
        ("from websockets.client import connect\nconnect(u, read_limit=lp)\n", "`read_limit=`"),
        ("from websockets.client import connect\nconnect(u, **kw)\n", "`**kwargs`"),
        ("from websockets.client import connect\nasync def f(ws):\n    ws.request_headers\n", "`.request_headers`"),
        ("from websockets.server import serve\nasync def h(ws, path):\n    pass\nserve(h, 'x', 0)\n", "handler"),
        ("from websockets.server import serve\nasync def h(ws):\n    pass\nserve(h, 'x', 0, extra_headers={})\n", "`extra_headers=`"),
    ],
)
def test_review_arguments_make_the_fix_unsafe(project, source: str, review: str) -> None:
    (finding,) = [f for f in project({"test_x.py": source}).findings if f.code == "GP102"]
    assert finding.fix is not None and finding.fix.applicability.value == "unsafe"
    assert review in finding.fix.message


def test_fix_applies_the_gp101_and_gp104_keyword_changes_in_the_same_edit(project, tmp_path: Path) -> None:
    source = "from websockets.client import connect\nconnect(u, timeout=3, loop=lp, extra_headers=h)\n"
    assert fix(project, tmp_path, source) == (
        "from websockets.asyncio.client import connect\nconnect(u, close_timeout=3, additional_headers=h)\n"
    )


def test_server_fix_renames_ws_handler(project, tmp_path: Path) -> None:
    source = "from websockets.server import serve\nasync def h(ws):\n    pass\nserve(ws_handler=h, host='x', port=0)\n"
    assert fix(project, tmp_path, source) == (
        "from websockets.asyncio.server import serve\nasync def h(ws):\n    pass\nserve(handler=h, host='x', port=0)\n"
    )


def test_planning_fix_makes_the_top_level_import_explicit(project, tmp_path: Path) -> None:
    source = "from websockets import connect\nconnect(u, extra_headers=h)\n"
    assert fix(project, tmp_path, source, files=BELOW_14, websockets_version="14.0") == (
        "from websockets.asyncio.client import connect\nconnect(u, additional_headers=h)\n"
    )


def test_gp101_and_gp102_rename_extra_headers_once(project, tmp_path: Path) -> None:
    # Planning: GP101 sees the new client (override 14.2), GP102 the legacy import; one rename.
    source = "from websockets import connect\nconnect(u, extra_headers=h)\n"
    result = project({"test_x.py": source, **BELOW_14}, websockets_version="14.2")
    assert sorted(f.code for f in result.findings) == ["GP101", "GP102"]
    assert fix(project, tmp_path, source, files=BELOW_14, websockets_version="14.2") == (
        "from websockets.asyncio.client import connect\nconnect(u, additional_headers=h)\n"
    )


# -- GP103 -----------------------------------------------------------------------

CLASSES = """\
import websockets
from websockets import WebSocketClientProtocol
from websockets.legacy.server import WebSocketServerProtocol as SP, WebSocketServer


def f(ws: WebSocketClientProtocol, s: "SP") -> WebSocketServer:
    assert isinstance(ws, websockets.WebSocketClientProtocol)
"""


def test_gp103_forms(project) -> None:
    result = project({"test_x.py": CLASSES})
    assert _legacy(result) == [
        ("test_x.py", 2, 24, "GP103"),
        ("test_x.py", 3, 38, "GP103"),
        ("test_x.py", 3, 69, "GP103"),
        ("test_x.py", 7, 27, "GP103"),
    ]
    assert [f.fix is not None for f in result.findings] == [True, True, True, False]
    assert _legacy(project({"test_x.py": CLASSES, **BELOW_14})) == []


def test_gp103_fix_maps_to_the_asyncio_connection_not_the_sans_io_class(project, tmp_path: Path) -> None:
    source = (
        "from websockets.client import WebSocketClientProtocol\nfrom websockets.server import WebSocketServer\n\n"
        "def f(ws: WebSocketClientProtocol, srv: WebSocketServer | None = None) -> None:\n"
        "    assert isinstance(ws, (WebSocketClientProtocol,))\n"
    )
    fixed = fix(project, tmp_path, source)
    assert fixed == (
        "from websockets.asyncio.client import ClientConnection as WebSocketClientProtocol\n"
        "from websockets.asyncio.server import Server as WebSocketServer\n\n"
        "def f(ws: WebSocketClientProtocol, srv: WebSocketServer | None = None) -> None:\n"
        "    assert isinstance(ws, (WebSocketClientProtocol,))\n"
    )
    assert "websockets.client import ClientConnection" not in fixed


def test_gp103_subclass_is_review_only(project) -> None:
    source = "from websockets.client import WebSocketClientProtocol as P\n\nclass Mine(P):\n    pass\n"
    (finding,) = project({"test_x.py": source}).findings
    assert (finding.code, finding.line, finding.column, finding.fix) == ("GP103", 1, 31, None)
    assert "review" in finding.message


def test_gp103_other_use_is_unsafe(project) -> None:
    source = "from websockets.client import WebSocketClientProtocol\nfactory = WebSocketClientProtocol\n"
    (finding,) = project({"test_x.py": source}).findings
    assert finding.fix is not None and finding.fix.applicability.value == "unsafe"


# -- a real server -------------------------------------------------------------

LEGACY_CLIENT = """\
import asyncio
import sys

from websockets.client import connect


async def main(uri):
    async with connect(uri, extra_headers={"X-Token": "abc"}, open_timeout=10) as ws:
        await ws.send("ping")
        print(await asyncio.wait_for(ws.recv(), 10), type(ws).__module__)


asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
def server():
    with running_server() as running:
        yield running



@pytest.mark.slow
def test_migrated_legacy_client_sends_its_header_to_a_real_server(server, tmp_path: Path) -> None:
    uri, tokens = server
    (tmp_path / ".git").mkdir()
    script = tmp_path / "client.py"
    script.write_text(LEGACY_CLIENT)
    python = sys.executable

    fixed = run_offline([python, "-m", "goldenpath_audit", "fix", "--select", "GP102", "client.py"], tmp_path)
    assert fixed.returncode == 0, (fixed.stdout, fixed.stderr)
    assert script.read_text() == LEGACY_CLIENT.replace(
        "from websockets.client import connect", "from websockets.asyncio.client import connect"
    ).replace("extra_headers=", "additional_headers=")

    # -W error: the migrated client touches nothing deprecated.
    after = run_offline([python, "-W", "error::DeprecationWarning", str(script), uri], tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout == "ping websockets.asyncio.client\n"
    assert tokens == ["abc"]


# -- fix safety beyond the calls ---------------------------------------------------------

FROM_12 = {"requirements.txt": "websockets>=12.0\n"}


def test_moving_into_websockets_asyncio_is_unsafe_while_releases_before_13_are_allowed(project) -> None:
    """websockets.asyncio appeared in 13.0: on 12.x (allowed by >=12.0) the moved import fails."""
    source = "from websockets.client import connect\nconnect(uri)\n"
    (finding,) = project({"test_x.py": source, **FROM_12}).findings
    assert finding.code == "GP102" and finding.fix is not None
    assert finding.fix.applicability == Applicability.UNSAFE
    assert "`websockets.asyncio` needs websockets 13.0+, and websockets>=12.0" in finding.fix.message
    (finding,) = project({"test_x.py": source, **FROM_14}).findings
    assert finding.fix is not None and finding.fix.applicability == Applicability.SAFE


def test_a_legacy_import_with_an_import_error_fallback_has_an_unsafe_fix(project) -> None:
    """deepgram: where the new import fails, the fallback's legacy connect gets additional_headers."""
    source = (
        "try:\n    from websockets.legacy.client import connect\n"
        "except ImportError:\n    from websockets import connect\n"
        "connect(uri, extra_headers=h)\n"
    )
    findings = [f for f in project({"test_x.py": source, **FROM_14}).findings if f.code == "GP102"]
    assert [(f.line, f.fix.applicability if f.fix else None) for f in findings] == [(2, Applicability.UNSAFE)]
    assert "the `except ImportError:` fallback" in findings[0].fix.message  # type: ignore[union-attr]


def test_a_top_level_attribute_use_names_its_explicit_home(project) -> None:
    source = "import websockets\n\nasync def main(uri):\n    async with websockets.connect(uri) as ws:\n        pass\n"
    (finding,) = project({"test_x.py": source, **BELOW_14}, websockets_version="14.2").findings
    assert finding.message.endswith("import `websockets.asyncio.client.connect` so the code means the same on both")
    assert finding.fix is None
