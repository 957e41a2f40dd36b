"""Tenant routing: the gateway pins a connection to the tenant in its headers."""

from __future__ import annotations

import json

import pytest
import websockets

pytestmark = pytest.mark.intergration

TENANTS = ["acme", "globex", "initech"]


@pytest.fixture(params=TENANTS)
def tenant(request) -> str:
    return request.param


async def test_session_is_routed_to_tenant(agent_ws_url, auth_headers, tenant):
    # Half-migrated: the tenant header moved to `additional_headers`, but the
    # auth headers still go through the old keyword. Both dicts must be merged.
    async with websockets.connect(
        agent_ws_url,
        additional_headers={"X-Tenant-ID": tenant},
        extra_headers=auth_headers,
    ) as ws:
        ready = json.loads(await ws.recv())

    assert ready["type"] == "session_ready"
    assert ready["tenant"] == tenant
    assert ready["region"] in {"eu-west-1", "us-east-1"}


async def test_tenant_quota_is_reported(agent_socket):
    await agent_socket.send(json.dumps({"type": "get_quota"}))
    reply = json.loads(await agent_socket.recv())
    assert reply["type"] == "quota"
    assert 0 <= reply["used_tokens"] <= reply["limit_tokens"]
