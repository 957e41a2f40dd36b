"""End to end: the agent calls real tools and reports each one to the client.

Uses the new asyncio client explicitly, as the platform's SDK does.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

pytestmark = [pytest.mark.e2e, pytest.mark.golden_path, pytest.mark.asyncio]

TOOL_PROMPTS = {
    "web_search": "Find the latest release notes for Python 3.13.",
    "sql_query": "How many active users signed up last month?",
    "code_interpreter": "Compute the 20th Fibonacci number with code.",
}


async def drain(ws, timeout: float = 60.0) -> list[dict]:
    events = []
    async with asyncio.timeout(timeout):
        while True:
            event = json.loads(await ws.recv())
            events.append(event)
            if event["type"] in ("agent_completed", "error"):
                return events


@pytest.mark.parametrize("tool_name", sorted(TOOL_PROMPTS))
async def test_agent_uses_expected_tool(agent_ws_url, auth_headers, tool_name):
    ws = await connect(
        agent_ws_url,
        extra_headers=auth_headers,
        open_timeout=15,
    )
    try:
        await ws.recv()  # session_ready
        await ws.send(json.dumps({"type": "user_message", "content": TOOL_PROMPTS[tool_name]}))
        events = await drain(ws)
    finally:
        await ws.close()

    executing = [e for e in events if e["type"] == "tool_executing"]
    completed = [e for e in events if e["type"] == "tool_completed"]
    assert tool_name in {e["tool_name"] for e in executing}
    assert len(executing) == len(completed)
    assert all(e["duration_ms"] >= 0 for e in completed)
    assert events[-1]["type"] == "agent_completed"


async def test_tool_failure_is_surfaced_not_swallowed(agent_socket):
    await agent_socket.send(
        json.dumps({"type": "user_message", "content": "Query the table that does not exist."})
    )
    events = await drain(agent_socket)
    failed = [e for e in events if e["type"] == "tool_completed" and e["status"] == "error"]
    assert failed, "the tool error should be reported to the client"
    assert events[-1]["type"] == "agent_completed"
    assert "could not" in events[-1]["result"]["text"].lower()
