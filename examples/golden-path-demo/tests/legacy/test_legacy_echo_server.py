"""Protocol checks against a local echo server, written for the legacy websockets API.

Nothing here needs the agent backend: the fixture starts a server on a free port.
The module predates websockets 14 and pytest-asyncio 1.0, and it shows.
"""

from __future__ import annotations

import http
import json

import pytest
import pytest_asyncio
import websockets
from websockets.client import WebSocketClientProtocol
from websockets.exceptions import InvalidStatusCode
from websockets.server import serve

pytestmark = pytest.mark.legacy


async def echo(ws, path):
    async for message in ws:
        await ws.send(json.dumps({"path": path, "echo": message}))


def require_token(path, request_headers):
    if "Authorization" not in request_headers:
        return http.HTTPStatus.UNAUTHORIZED, [], b"missing token\n"
    return None


@pytest_asyncio.fixture
async def echo_url():
    async with serve(echo, "127.0.0.1", 0, process_request=require_token) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/echo"


async def roundtrip(ws: WebSocketClientProtocol, message: str) -> dict:
    await ws.send(message)
    return json.loads(await ws.recv())


@pytest.mark.asyncio
async def test_echo_keeps_path_and_headers(echo_url):
    async with websockets.connect(echo_url, additional_headers={"Authorization": "Bearer t"}, timeout=5) as ws:
        assert ws.open
        assert ws.request_headers["Authorization"] == "Bearer t"
        assert await roundtrip(ws, "ping") == {"path": "/echo", "echo": "ping"}


@pytest.mark.asyncio
async def test_missing_token_is_rejected(echo_url):
    try:
        async with websockets.connect(echo_url):
            pytest.fail("the handshake without a token was accepted")
    except InvalidStatusCode as e:
        assert e.status_code == 401


@pytest.mark.asyncio(scope="module")
async def test_echo_on_the_fixture_loop(echo_url, event_loop):
    async with websockets.connect(echo_url, additional_headers={"Authorization": "Bearer t"}, loop=event_loop) as ws:
        assert (await roundtrip(ws, "pong"))["echo"] == "pong"
