"""Proof against a real websockets server on 127.0.0.1 that GP101's fix works.

The client below is what a test suite written for websockets < 14 looks like.
On websockets 14+ it fails when the connection opens; after
`goldenpath-audit fix` it connects and the server receives the header.
Everything is bounded by timeouts: the server start, each subprocess, the
server shutdown.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

websockets = pytest.importorskip("websockets")
if int(websockets.__version__.split(".")[0]) < 14:  # pragma: no cover - the test extra requires 14+
    pytest.skip("websockets < 14 still accepts extra_headers", allow_module_level=True)
from websockets.asyncio.server import serve  # noqa: E402

pytestmark = pytest.mark.slow

CLIENT = """\
import asyncio
import sys

import websockets


async def main(uri):
    async with websockets.connect(uri, extra_headers={"X-Token": "abc"}, open_timeout=10) as ws:
        await ws.send("ping")
        print(await asyncio.wait_for(ws.recv(), 10))


asyncio.run(main(sys.argv[1]))
"""
FIXED = CLIENT.replace('extra_headers={"X-Token": "abc"}', 'additional_headers={"X-Token": "abc"}')

TYPE_ERROR = re.compile(r"^TypeError: \S*create_connection\(\) got an unexpected keyword argument 'extra_headers'$")


@pytest.fixture
def server():
    """A websockets server in a thread; yields its URI and the X-Token header of every handshake."""
    tokens: list[str | None] = []
    ready = threading.Event()
    state: dict = {}

    def process_request(connection, request):
        tokens.append(request.headers.get("X-Token"))
        return None  # go on with the handshake

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async def main():
        async with serve(echo, "127.0.0.1", 0, process_request=process_request) as srv:
            state["port"] = srv.sockets[0].getsockname()[1]
            state["loop"] = asyncio.get_running_loop()
            state["stop"] = state["loop"].create_future()
            ready.set()
            await state["stop"]

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    assert ready.wait(10), "the websockets server did not start within 10 s"
    try:
        yield f"ws://127.0.0.1:{state['port']}", tokens
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set_result, None)
        thread.join(10)
        assert not thread.is_alive(), "the websockets server did not stop within 10 s"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # A proxy from the environment must not catch a connection to 127.0.0.1.
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*", "NO_COLOR": "1"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


def test_fix_makes_the_client_send_its_header(server, tmp_path: Path) -> None:
    uri, tokens = server
    (tmp_path / ".git").mkdir()  # the project root: no requirement found, so websockets is assumed current
    script = tmp_path / "client.py"
    script.write_text(CLIENT)

    before = run([sys.executable, str(script), uri], tmp_path)
    assert before.returncode == 1
    assert TYPE_ERROR.match(before.stderr.strip().splitlines()[-1]), before.stderr
    assert tokens == []  # it failed before any handshake reached the server

    check = run([sys.executable, "-m", "goldenpath_audit", "check", "-q", "client.py"], tmp_path)
    assert check.returncode == 1
    assert check.stdout.startswith("client.py:8:40: GP101 `websockets.connect` is the new asyncio client")

    fixed = run([sys.executable, "-m", "goldenpath_audit", "fix", "client.py"], tmp_path)
    assert (fixed.returncode, fixed.stderr) == (0, "")
    assert fixed.stdout.splitlines()[0] == "Fixed 1 finding in client.py (GP101)"
    assert script.read_bytes() == FIXED.encode()

    after = run([sys.executable, str(script), uri], tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout == "ping\n"
    assert tokens == ["abc"]

    again = run([sys.executable, "-m", "goldenpath_audit", "fix", "client.py"], tmp_path)
    assert again.returncode == 0
    assert script.read_bytes() == FIXED.encode()
