"""A real websockets server on 127.0.0.1 for the tests that prove migrated code works.

One helper for every live test: the server runs in a thread with its own event
loop, records the X-Token header of every handshake, echoes messages, and can
reject handshakes. Processes talk to it with no proxy from the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def running_server(*, reject_status: int | None = None) -> Iterator[tuple[str, list[str | None]]]:
    """Yield (ws:// URI, X-Token headers seen); stops the server on exit, bounded by timeouts."""
    from websockets.asyncio.server import serve

    tokens: list[str | None] = []
    ready = threading.Event()
    state: dict = {}

    def process_request(connection, request):
        tokens.append(request.headers.get("X-Token"))
        if reject_status is not None:
            return connection.respond(reject_status, "rejected")
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


def run_offline(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a command with no proxy (a connection to 127.0.0.1 must stay local) and no colour."""
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*", "NO_COLOR": "1"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60, env=env)
