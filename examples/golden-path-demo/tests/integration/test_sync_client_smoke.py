"""Smoke test with the threading client, for the deploy pipeline's health gate.

The deploy job runs this without an event loop, so it uses
`websockets.sync.client`, which never accepted `extra_headers`.
"""

from __future__ import annotations

import json
import time

import pytest
from websockets.sync.client import connect

pytestmark = [pytest.mark.integration, pytest.mark.golden_path]

HEALTH_BUDGET_SECONDS = 5.0


def test_agent_endpoint_answers_ping(agent_ws_url, auth_headers):
    started = time.monotonic()
    with connect(agent_ws_url, extra_headers=auth_headers, open_timeout=5) as ws:
        ready = json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"type": "ping", "nonce": "smoke"}))
        pong = json.loads(ws.recv(timeout=5))

    assert ready["type"] == "session_ready"
    assert pong == {"type": "pong", "nonce": "smoke"}
    assert time.monotonic() - started < HEALTH_BUDGET_SECONDS


def test_server_reports_build_metadata(agent_ws_url, auth_headers):
    with connect(agent_ws_url, additional_headers=auth_headers) as ws:
        ready = json.loads(ws.recv(timeout=5))
    build = ready["server"]
    assert set(build) >= {"version", "git_sha", "started_at"}
    assert len(build["git_sha"]) == 40
