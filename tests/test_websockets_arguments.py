"""GP104 (renamed/removed arguments) and GP107 (server review) end to end, plus a real-server proof."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from live_server import run_offline, running_server

from conftest import locations
from goldenpath_audit.auditor.fixer import apply_fixes

OLD_PIN = {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=12,<14"]\n'}


def fix(project_dir: Path, result, *, unsafe: bool = False) -> str:
    report = apply_fixes(result, project_dir, unsafe=unsafe, write=True)
    assert not report.errors
    return (project_dir / "test_x.py").read_text(encoding="utf-8")


CLIENT = """\
import websockets


async def test_client(uri, loop):
    async with websockets.connect(
        uri,
        timeout=2,
        loop=loop,  # legacy
        read_limit=2**16,
        create_protocol=P,
        legacy_recv=True,
    ) as ws:
        pass
"""


def test_client_arguments_findings_and_safe_fix(project, tmp_path: Path) -> None:
    result = project({"test_x.py": CLIENT}, select=["GP104"])
    assert locations(result) == [
        ("test_x.py", 7, 9, "GP104"),
        ("test_x.py", 8, 9, "GP104"),
        ("test_x.py", 9, 9, "GP104"),
        ("test_x.py", 10, 9, "GP104"),
        ("test_x.py", 11, 9, "GP104"),
    ]
    assert [f.fix.applicability.value if f.fix else None for f in result.findings] == [
        "safe",
        "safe",
        "unsafe",
        None,
        None,
    ]
    assert "got an unexpected keyword argument 'timeout'" in result.findings[0].message
    assert fix(tmp_path, result) == CLIENT.replace("timeout=2", "close_timeout=2").replace(
        "        loop=loop,  # legacy\n", "        # legacy\n"
    )


def test_unsafe_fix_removes_read_limit(project, tmp_path: Path) -> None:
    source = "import websockets\nwebsockets.connect(uri, read_limit=2**16, max_size=None)\n"
    result = project({"test_x.py": source}, select=["GP104"])
    assert locations(result) == [("test_x.py", 2, 25, "GP104")]
    assert fix(tmp_path, result) == source  # unsafe: not applied by default
    assert fix(tmp_path, result, unsafe=True) == "import websockets\nwebsockets.connect(uri, max_size=None)\n"


@pytest.mark.parametrize(
    ("source", "fixed"),
    [
        ("f(uri, loop=loop)\n", "f(uri)\n"),
        ("f(loop=loop, x=uri)\n", "f(x=uri)\n"),
        ("f(uri, loop=loop, x=1)\n", "f(uri, x=1)\n"),
        ("f(\n    uri,\n    loop=loop,\n)\n", "f(\n    uri,\n)\n"),
        ("f(\n    uri,  # a\n    loop=loop,\n)\n", "f(\n    uri,  # a\n)\n"),
        ("f(\n    uri,\n    loop=loop  # b\n)\n", "f(\n    uri\n    # b\n)\n"),
        ("f(a, loop=x,  # c\n  b=1)\n", "f(a,  # c\n  b=1)\n"),
    ],
)
def test_remove_loop_keeps_commas_and_comments(project, tmp_path: Path, source: str, fixed: str) -> None:
    text = "from websockets.asyncio.client import connect as f\n" + source
    result = project({"test_x.py": text}, select=["GP104"])
    assert [f.code for f in result.findings] == ["GP104"]
    assert fix(tmp_path, result) == "from websockets.asyncio.client import connect as f\n" + fixed


def test_timeout_with_close_timeout_has_no_fix(project) -> None:
    result = project({"test_x.py": "import websockets\nwebsockets.connect(u, timeout=1, close_timeout=2)\n"})
    assert locations(result) == [("test_x.py", 2, 23, "GP104")]
    assert result.findings[0].fix is None


SERVER = """\
from websockets.asyncio.server import serve


async def test_server(h):
    async with serve(ws_handler=h, host="127.0.0.1", port=0, origins=["", 'https://a', '']) as s:
        pass
"""


def test_server_arguments(project, tmp_path: Path) -> None:
    result = project({"test_x.py": SERVER}, select=["GP104"])
    assert locations(result) == [("test_x.py", 5, 22, "GP104"), ("test_x.py", 5, 62, "GP104")]
    assert fix(tmp_path, result) == SERVER.replace("ws_handler=h", "handler=h").replace(
        "[\"\", 'https://a', '']", "[None, 'https://a', None]"
    )


@pytest.mark.parametrize(
    "source",
    [
        "import websockets\nwebsockets.connect(u, timeout=2, loop=l)\nwebsockets.serve(ws_handler=h, origins=[''])\n",
        "from websockets import connect\nconnect(u, timeout=2)\n",
    ],
)
def test_top_level_names_follow_the_version(project, source: str) -> None:
    assert project({"test_x.py": source, **OLD_PIN}).findings == []
    assert project({"test_x.py": source}, websockets_version="13.1").findings == []
    assert project({"test_x.py": source}, websockets_version="14.0").findings != []


def test_asyncio_module_is_always_new(project) -> None:
    source = "import websockets.asyncio.client as c\nc.connect(u, timeout=2)\n"
    assert locations(project({"test_x.py": source, **OLD_PIN})) == [("test_x.py", 2, 14, "GP104")]


@pytest.mark.parametrize(
    "source",
    [
        "from websockets.client import connect\nconnect(u, timeout=2, loop=l, read_limit=1, klass=K)\n",
        "import websockets.legacy.client\nwebsockets.legacy.client.connect(u, timeout=2, loop=l)\n",
        "import websockets.legacy.server\nwebsockets.legacy.server.serve(ws_handler=h, origins=[''], loop=l)\n",
        "from websockets.server import serve\nserve(h, 'x', 0, loop=l, timeout=2)\n",
        "import asyncio\nasyncio.open_connection(h, p, loop=l, limit=1)\n",
        "def connect(u, timeout=None):\n    pass\nconnect(u, timeout=2)\n",
    ],
)
def test_legacy_calls_untouched(project, source: str) -> None:
    assert project({"test_x.py": source}, select=["GP104"]).findings == []


HANDLER = """\
import websockets
from websockets.asyncio.server import serve


async def handler(ws, path):
    await ws.send(path)


class Suite:
    async def test_server(self):
        async with serve(handler, "127.0.0.1", 0) as server:
            pass
"""
TODO = (
    "        # TODO(goldenpath-audit GP107): handler(ws, path) gets one argument under the new websockets server;"
    ' use ws.request.path (upgrade guide: "Arguments of connection handlers")\n'
)


def test_two_argument_handler_todo_is_inserted_once(project, tmp_path: Path) -> None:
    result = project({"test_x.py": HANDLER}, select=["GP107"])
    assert locations(result) == [("test_x.py", 11, 20, "GP107")]
    assert "missing 1 required positional argument: 'path'" in result.findings[0].message
    assert fix(tmp_path, result) == HANDLER  # unsafe only
    expected = HANDLER.replace('        async with serve(', TODO + '        async with serve(')
    assert fix(tmp_path, result, unsafe=True) == expected
    again = project({}, select=["GP107"])
    assert locations(again) == [("test_x.py", 12, 20, "GP107")]
    assert again.findings[0].fix is None
    assert fix(tmp_path, again, unsafe=True) == expected


def test_server_review_shapes(project, tmp_path: Path) -> None:
    source = (
        "import websockets\n"
        "async def pr(path, request_headers):\n    return None\n"
        "def handler(ws, path):\n    pass\n"
        "def outer():\n"
        "    def inner(ws, path):\n        pass\n"
        "    websockets.serve(inner, extra_headers={'A': 'b'}, process_request=pr,\n"
        "                     select_subprotocol=lambda client_subprotocols, server_subprotocols: None)\n"
        "websockets.serve(handler=handler)\n"
    )
    result = project({"test_x.py": source}, select=["GP107"])
    assert locations(result) == [
        ("test_x.py", 9, 5, "GP107"),
        ("test_x.py", 9, 29, "GP107"),
        ("test_x.py", 9, 55, "GP107"),
        ("test_x.py", 10, 22, "GP107"),
        ("test_x.py", 11, 1, "GP107"),
    ]
    fixed = fix(tmp_path, result, unsafe=True)
    lines = fixed.splitlines()
    assert [line.split(":")[0] for line in lines[8:12]] == ["    # TODO(goldenpath-audit GP107)"] * 4
    assert lines[12].startswith("    websockets.serve(inner")
    assert lines[14].startswith("# TODO(goldenpath-audit GP107): handler(ws, path)")


@pytest.mark.parametrize(
    "source",
    [
        "from websockets.asyncio.server import serve\nasync def h(ws):\n    pass\nserve(h, 'x', 0)\n",
        "from websockets.asyncio.server import serve\nclass C:\n    async def h(self, ws):\n        pass\n"
        "    def go(self):\n        serve(self.h)\n",
        "from websockets.asyncio.server import serve\nasync def h(ws, path):\n    pass\nh = deco(h)\nserve(h)\n",
        "from websockets.asyncio.server import serve\n"
        "def pr(connection, request):\n    pass\nserve(h, process_request=pr)\n",
        "import websockets\nwebsockets.serve(h, extra_headers={})\n",  # legacy on <14 (pinned below)
    ],
)
def test_server_review_never_flags(project, source: str) -> None:
    assert project({"test_x.py": source, **OLD_PIN}, select=["GP107"]).findings == []


# -- real server ---------------------------------------------------------------

websockets = pytest.importorskip("websockets")

LIVE_CLIENT = """\
import asyncio
import sys

import websockets


async def main(uri):
    async with websockets.connect(uri, timeout=2, open_timeout=10) as ws:
        print(ws.close_timeout)
        await ws.send("ping")
        print(await asyncio.wait_for(ws.recv(), 10))


asyncio.run(main(sys.argv[1]))
"""
TYPE_ERROR = re.compile(r"^TypeError: \S*create_connection\(\) got an unexpected keyword argument 'timeout'$")


@pytest.fixture
def server():
    if int(websockets.__version__.split(".")[0]) < 14:  # pragma: no cover
        pytest.skip("websockets < 14: websockets.connect is still legacy")
    with running_server() as (uri, _tokens):
        yield uri



@pytest.mark.slow
def test_fix_makes_timeout_client_connect(server, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    script = tmp_path / "client.py"
    script.write_text(LIVE_CLIENT)

    before = run_offline([sys.executable, str(script), server], tmp_path)
    assert before.returncode == 1
    assert TYPE_ERROR.match(before.stderr.strip().splitlines()[-1]), before.stderr

    fixed = run_offline([sys.executable, "-m", "goldenpath_audit", "fix", "client.py"], tmp_path)
    assert (fixed.returncode, fixed.stderr) == (0, ""), fixed.stdout
    assert script.read_text() == LIVE_CLIENT.replace("timeout=2,", "close_timeout=2,")

    after = run_offline([sys.executable, str(script), server], tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout == "2\nping\n"  # close_timeout honoured by the connection object
