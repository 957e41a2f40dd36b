"""Authentication on the agent WebSocket endpoint.

The handshake is rejected with HTTP 401/403 before any agent code runs, so
these tests only need the gateway, not a model backend.
"""

from __future__ import annotations

import json

import pytest
import websockets as ws

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def test_valid_token_opens_session(agent_ws_url, auth_token):
    conn = await ws.connect(agent_ws_url, extra_headers={"Authorization": f"Bearer {auth_token}"})
    try:
        ready = json.loads(await conn.recv())
        assert ready["type"] == "session_ready"
        assert ready["user"]["authenticated"] is True
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        pytest.param("", 401, id="missing"),
        pytest.param("Bearer not-a-jwt", 401, id="malformed"),
        pytest.param("Basic dXNlcjpwYXNz", 401, id="wrong-scheme"),
        pytest.param("Bearer expired.eyJleHAiOjF9.sig", 401, id="expired"),
    ],
)
async def test_bad_credentials_are_rejected(agent_ws_url, authorization, status):
    headers = {"Authorization": authorization} if authorization else {}
    with pytest.raises(ws.exceptions.InvalidStatus) as excinfo:
        async with ws.connect(agent_ws_url, extra_headers=headers, open_timeout=5):
            pytest.fail("handshake should have been rejected")
    assert excinfo.value.response.status_code == status


async def test_token_for_other_tenant_is_forbidden(agent_ws_url, auth_token):
    headers = {"Authorization": f"Bearer {auth_token}", "X-Tenant-ID": "tenant-that-is-not-mine"}
    with pytest.raises(ws.exceptions.InvalidStatus) as excinfo:
        async with ws.connect(agent_ws_url, additional_headers=headers):
            pass
    assert excinfo.value.response.status_code == 403


async def test_extra_headers_fails_only_when_connecting(agent_ws_url, auth_headers):
    """Pins the websockets 14 pitfall this suite was migrated away from."""
    with pytest.raises(TypeError, match="extra_headers"):
        await ws.connect(agent_ws_url, extra_headers=auth_headers)  # goldenpath: ignore[GP101]
