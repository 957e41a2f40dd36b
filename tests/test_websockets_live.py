"""Proof against a real websockets server on 127.0.0.1 that GP101's fix works.

The client below is what a test suite written for websockets < 14 looks like.
On websockets 14+ it fails when the connection opens; after
`goldenpath-audit fix` it connects and the server receives the header.
Everything is bounded by timeouts: the server start, each subprocess, the
server shutdown.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from live_server import run_offline, running_server

websockets = pytest.importorskip("websockets")
if int(websockets.__version__.split(".")[0]) < 14:  # pragma: no cover - the test extra requires 14+
    pytest.skip("websockets < 14 still accepts extra_headers", allow_module_level=True)

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
    with running_server() as running:
        yield running



def test_fix_makes_the_client_send_its_header(server, tmp_path: Path) -> None:
    uri, tokens = server
    (tmp_path / ".git").mkdir()  # the project root: no requirement found, so websockets is assumed current
    script = tmp_path / "client.py"
    script.write_text(CLIENT)

    before = run_offline([sys.executable, str(script), uri], tmp_path)
    assert before.returncode == 1
    assert TYPE_ERROR.match(before.stderr.strip().splitlines()[-1]), before.stderr
    assert tokens == []  # it failed before any handshake reached the server

    check = run_offline([sys.executable, "-m", "goldenpath_audit", "check", "-q", "client.py"], tmp_path)
    assert check.returncode == 1
    assert check.stdout.startswith("client.py:8:40: GP101 `websockets.connect` is the new asyncio client")

    fixed = run_offline([sys.executable, "-m", "goldenpath_audit", "fix", "client.py"], tmp_path)
    assert (fixed.returncode, fixed.stderr) == (0, "")
    assert fixed.stdout.splitlines()[0] == "Fixed 1 finding in client.py (GP101)"
    assert script.read_bytes() == FIXED.encode()

    after = run_offline([sys.executable, str(script), uri], tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout == "ping\n"
    assert tokens == ["abc"]

    again = run_offline([sys.executable, "-m", "goldenpath_audit", "fix", "client.py"], tmp_path)
    assert again.returncode == 0
    assert script.read_bytes() == FIXED.encode()
