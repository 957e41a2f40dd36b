"""Golden path: a user sends a chat message and the agent answers over WebSocket.

These tests pin the event sequence the frontend relies on: every turn starts
with `agent_started`, shows progress, and ends with exactly one
`agent_completed` carrying the final answer.
"""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

pytestmark = [pytest.mark.integration, pytest.mark.golden_path, pytest.mark.agent_golden_path, pytest.mark.asyncio]

RESPONSE_TIMEOUT = 30.0


async def recv_json(ws, timeout: float = RESPONSE_TIMEOUT) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def collect_until(ws, final_type: str) -> list[dict]:
    events = []
    while True:
        event = await recv_json(ws)
        events.append(event)
        if event["type"] in (final_type, "error"):
            return events


async def test_agent_answers_simple_question(agent_ws_url, auth_headers):
    async with websockets.connect(agent_ws_url, extra_headers=auth_headers) as ws:
        ready = await recv_json(ws)
        assert ready["type"] == "session_ready"
        await ws.send(json.dumps({"type": "user_message", "content": "What is 2 + 2?"}))
        events = await collect_until(ws, "agent_completed")

    types = [event["type"] for event in events]
    assert types[0] == "agent_started"
    assert "agent_thinking" in types
    assert types[-1] == "agent_completed"
    assert types.count("agent_completed") == 1
    assert "4" in events[-1]["result"]["text"]


async def test_agent_runs_tool_and_reports_progress(agent_ws_url, auth_token, thread_id):
    async with websockets.connect(
        agent_ws_url,
        extra_headers={
            "Authorization": f"Bearer {auth_token}",
            "X-Thread-ID": thread_id,
        },
        open_timeout=10,
        max_size=2**22,
    ) as ws:
        await recv_json(ws)  # session_ready
        await ws.send(
            json.dumps({"type": "user_message", "content": "Summarise last week's cost report"})
        )
        events = await collect_until(ws, "agent_completed")

    tool_events = [e for e in events if e["type"].startswith("tool_")]
    assert [e["type"] for e in tool_events] == ["tool_executing", "tool_completed"]
    assert tool_events[0]["tool_name"] == tool_events[1]["tool_name"]
    assert tool_events[1]["status"] == "success"
    assert events[-1]["thread_id"] == thread_id


@pytest.mark.parametrize(
    ("message", "error_code"),
    [
        ({"type": "user_message", "content": ""}, "empty_message"),
        ({"type": "user_message"}, "missing_content"),
        ({"type": "teleport", "content": "hi"}, "unknown_message_type"),
    ],
)
async def test_invalid_messages_get_structured_errors(agent_socket, message, error_code):
    await agent_socket.send(json.dumps(message))
    reply = await recv_json(agent_socket, timeout=5)
    assert reply["type"] == "error"
    assert reply["code"] == error_code
    # The connection survives a bad message.
    await agent_socket.ping()
