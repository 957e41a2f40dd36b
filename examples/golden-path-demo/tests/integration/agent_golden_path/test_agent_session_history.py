"""Golden path: multi-turn conversations through the suite's own client helper.

Here `connect` is `tests.helpers.ws_client.connect`: its `extra_headers` is the suite's own API.
"""

from __future__ import annotations

import pytest
import pytest_asyncio
from tests.helpers.ws_client import CRITICAL_EVENTS, AgentSession, connect

pytestmark = [pytest.mark.integration, pytest.mark.golden_path, pytest.mark.agent_golden_path, pytest.mark.asyncio]


@pytest_asyncio.fixture
@pytest.mark.usefixtures("auth_headers")
async def session(agent_ws_url, auth_token, thread_id):
    async with connect(agent_ws_url, auth_token, extra_headers={"X-Thread-ID": thread_id}) as ws:
        agent = AgentSession(ws)
        ready = await agent.next_event()
        assert ready.type == "session_ready"
        yield agent


async def test_every_turn_emits_critical_events(session):
    await session.run_turn("Plan a three-step migration for our billing database.")
    assert session.missing_critical_events() == []
    assert session.types()[-1] == CRITICAL_EVENTS[-1]


async def test_history_grows_with_each_turn(session):
    for content in ("Hello!", "What can you do?", "Thanks, that's all."):
        events = await session.run_turn(content)
        assert events[-1].type == "agent_completed"
    completed = [e for e in session.events if e.type == "agent_completed"]
    assert [e.payload["turn"] for e in completed] == [1, 2, 3]


@pytest.mark.parametrize("locale", ["en-US", "de-DE", "ja-JP"])
async def test_locale_header_is_respected(agent_ws_url, auth_token, locale):
    async with connect(
        agent_ws_url,
        auth_token,
        extra_headers={"Accept-Language": locale},
    ) as ws:
        agent = AgentSession(ws)
        ready = await agent.next_event()
        assert ready.payload["locale"] == locale
