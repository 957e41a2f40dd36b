"""Golden path: a dropped connection resumes the same thread without losing history.

Already migrated to the websockets 14 client: `additional_headers`, and
`InvalidStatus` instead of the legacy `InvalidStatusCode`.
"""

from __future__ import annotations

import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosedOK, InvalidStatus

pytestmark = [pytest.mark.integration, pytest.mark.golden_path, pytest.mark.agent_golden_path, pytest.mark.asyncio]


async def send_and_wait(ws, content: str) -> dict:
    await ws.send(json.dumps({"type": "user_message", "content": content}))
    async for raw in ws:
        event = json.loads(raw)
        if event["type"] in ("agent_completed", "error"):
            return event
    raise AssertionError("connection closed before the agent completed")


@pytest.mark.nightly
async def test_reconnect_resumes_thread(agent_ws_url, auth_headers, thread_id):
    async with websockets.connect(agent_ws_url, additional_headers=auth_headers) as ws:
        await ws.recv()  # session_ready
        first = await send_and_wait(ws, "Remember the number 41.")
        assert first["type"] == "agent_completed"

    async with websockets.connect(agent_ws_url, additional_headers=auth_headers) as ws:
        ready = json.loads(await ws.recv())
        assert ready["thread_id"] == thread_id
        assert ready["history_length"] >= 2
        second = await send_and_wait(ws, "What number did I ask you to remember?")
        assert "41" in second["result"]["text"]


async def test_server_closes_idle_connection_cleanly(agent_ws_url, auth_headers):
    async with websockets.connect(
        agent_ws_url,
        additional_headers={**auth_headers, "X-Idle-Timeout": "1"},
        ping_interval=None,
    ) as ws:
        await ws.recv()  # session_ready
        with pytest.raises(ConnectionClosedOK):
            await ws.recv()
    assert ws.close_code == 1000


async def test_unknown_thread_is_rejected(agent_ws_url, auth_headers):
    headers = {**auth_headers, "X-Thread-ID": "does-not-exist"}
    with pytest.raises(InvalidStatus) as excinfo:
        async with websockets.connect(agent_ws_url, additional_headers=headers):
            pass
    assert excinfo.value.response.status_code == 404
