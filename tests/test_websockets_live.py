"""Proof against a real websockets server on 127.0.0.1: the fixed client connects, the old one fails."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

websockets = pytest.importorskip("websockets")
from websockets.asyncio.server import serve  # noqa: E402

CLIENT = """\
import asyncio
import sys

import websockets


async def main(uri):
    async with websockets.connect(uri, extra_headers={"X-Token": "abc"}) as ws:
        await ws.send("ping")
        print(await ws.recv())


asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
def server():
    """A websockets 14+ server in a thread; records the request headers it receives."""
    seen: list[str] = []
    ready = threading.Event()
    state: dict = {}

    async def handler(ws):
        seen.append(ws.request.headers.get("X-Token", ""))
        await ws.send(await ws.recv())

    async def main():
        async with serve(handler, "127.0.0.1", 0) as srv:
            state["port"] = srv.sockets[0].getsockname()[1]
            state["stop"] = asyncio.get_running_loop().create_future()
            state["loop"] = asyncio.get_running_loop()
            ready.set()
            await state["stop"]

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield f"ws://127.0.0.1:{state['port']}", seen
    state["loop"].call_soon_threadsafe(state["stop"].set_result, None)
    thread.join(10)


def _run(script: Path, uri: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*"}
    return subprocess.run([sys.executable, str(script), uri], capture_output=True, text=True, timeout=30, env=env)


def test_fixed_client_sends_additional_headers(server, tmp_path: Path) -> None:
    uri, seen = server
    (tmp_path / ".git").mkdir()
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    before = _run(script, uri)
    assert before.returncode != 0
    assert "create_connection() got an unexpected keyword argument 'extra_headers'" in before.stderr
    fixed = subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", "fix", "client.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert 'additional_headers={"X-Token": "abc"}' in script.read_text()
    after = _run(script, uri)
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip() == "ping"
    assert seen == ["abc"]
