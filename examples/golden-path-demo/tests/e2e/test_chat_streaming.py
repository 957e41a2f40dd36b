"""End to end: streamed answers arrive in order and reassemble into the final text."""

from __future__ import annotations

import json

import pytest
from websockets import connect

pytestmark = [pytest.mark.e2e, pytest.mark.golden_path, pytest.mark.asyncio]

PROMPT = "Write a haiku about continuous integration."


async def stream_answer(ws, prompt: str) -> tuple[list[dict], dict]:
    await ws.send(json.dumps({"type": "user_message", "content": prompt, "stream": True}))
    chunks: list[dict] = []
    async for raw in ws:
        event = json.loads(raw)
        if event["type"] == "agent_chunk":
            chunks.append(event)
        elif event["type"] in ("agent_completed", "error"):
            return chunks, event
    raise AssertionError("stream ended without agent_completed")


async def test_streamed_chunks_reassemble(agent_ws_url, auth_headers):
    async with connect(agent_ws_url, extra_headers=auth_headers, ping_interval=None) as ws:
        await ws.recv()  # session_ready
        chunks, final = await stream_answer(ws, PROMPT)

    assert final["type"] == "agent_completed"
    assert [c["index"] for c in chunks] == list(range(len(chunks)))
    assert "".join(c["delta"] for c in chunks) == final["result"]["text"]


async def test_stream_is_attributed_to_client(agent_ws_url, auth_token):
    async with connect(
        agent_ws_url,
        extra_headers={
            "Authorization": f"Bearer {auth_token}",
            "User-Agent": "agent-platform-e2e/0.4",
        },
    ) as ws:
        ready = json.loads(await ws.recv())
        _, final = await stream_answer(ws, "Say hi.")

    assert ready["client"]["user_agent"] == "agent-platform-e2e/0.4"
    assert final["usage"]["client"] == "agent-platform-e2e"


@pytest.mark.parametrize("max_tokens", [1, 16, 256])
async def test_stream_respects_token_budget(agent_socket, max_tokens):
    await agent_socket.send(
        json.dumps({"type": "user_message", "content": PROMPT, "stream": True, "max_tokens": max_tokens})
    )
    usage = None
    async for raw in agent_socket:
        event = json.loads(raw)
        if event["type"] == "agent_completed":
            usage = event["usage"]
            break
    assert usage is not None
    assert usage["completion_tokens"] <= max_tokens
