"""The HTTP gateway's WebSocket proxy, exercised with aiohttp's client.

aiohttp calls it `headers`; the local `extra_headers` is not a websockets argument.
"""

from __future__ import annotations

import json

import aiohttp
import pytest
import pytest_asyncio

pytestmark = (pytest.mark.integration, pytest.mark.timeout(60), pytest.mark.asyncio)


@pytest_asyncio.fixture
async def http_session():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


async def test_gateway_proxies_agent_stream(http_session, api_base_url, auth_headers):
    extra_headers = {**auth_headers, "X-Forwarded-Proto": "https"}
    async with http_session.ws_connect(
        f"{api_base_url}/gateway/ws", headers=extra_headers, heartbeat=20
    ) as ws:
        ready = await ws.receive_json(timeout=10)
        assert ready["type"] == "session_ready"
        await ws.send_json({"type": "user_message", "content": "ping through the gateway"})
        async for msg in ws:
            assert msg.type == aiohttp.WSMsgType.TEXT
            event = json.loads(msg.data)
            if event["type"] == "agent_completed":
                break
    assert event["via"] == "gateway"


async def test_gateway_health(http_session, api_base_url):
    async with http_session.get(f"{api_base_url}/healthz") as response:
        assert response.status == 200
        body = await response.json()
    assert body["websocket"] == "ok"
