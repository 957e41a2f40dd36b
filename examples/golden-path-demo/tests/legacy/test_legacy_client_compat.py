"""Compatibility checks for partners still on the legacy websockets client.

The legacy client (`websockets.client` / `websockets.legacy.client`) keeps the
`extra_headers` keyword, so these calls are correct as written.
"""

from __future__ import annotations

import json
import warnings

import pytest
import websockets.legacy.client
from websockets.client import connect

pytestmark = [pytest.mark.integration, pytest.mark.legacy, pytest.mark.asyncio]


@pytest.fixture(autouse=True)
def _quiet_legacy_deprecation():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


async def test_legacy_client_handshake(agent_ws_url, auth_headers):
    async with connect(agent_ws_url, extra_headers=auth_headers) as ws:
        ready = json.loads(await ws.recv())
    assert ready["type"] == "session_ready"
    assert ready["protocol_version"] in (1, 2)


async def test_legacy_protocol_v1_negotiation(agent_ws_url, auth_headers):
    async with websockets.legacy.client.connect(
        agent_ws_url,
        extra_headers={**auth_headers, "X-Agent-Protocol": "1"},
        subprotocols=["agent.v1"],
    ) as ws:
        assert ws.subprotocol == "agent.v1"
        ready = json.loads(await ws.recv())
    assert ready["protocol_version"] == 1
    assert "tool_executing" not in ready["supported_events"]
