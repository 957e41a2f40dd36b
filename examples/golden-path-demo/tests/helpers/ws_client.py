"""A thin test client for the agent WebSocket protocol.

Tests talk to the backend through `connect()` and `AgentSession` rather than
raw websockets calls, so protocol changes land in one place.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import websockets

CRITICAL_EVENTS = ("agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed")


@dataclass
class AgentEvent:
    type: str
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: str | bytes) -> AgentEvent:
        data = json.loads(raw)
        return cls(type=data.pop("type"), payload=data)


def connect(
    uri: str,
    token: str | None = None,
    extra_headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    """Open a connection with the standard test headers.

    Callers keep passing `extra_headers`; this wrapper maps it onto the
    websockets 14 keyword, so the suite has a single place to change.
    """
    headers = {"X-Test-Suite": "golden-path"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers.update(extra_headers or {})
    return websockets.connect(uri, additional_headers=headers, **kwargs)


class AgentSession:
    """Send user messages and collect the agent's events for one turn."""

    def __init__(self, ws: websockets.ClientConnection, timeout: float = 30.0) -> None:
        self.ws = ws
        self.timeout = timeout
        self.events: list[AgentEvent] = []

    async def send_user_message(self, content: str, **extra: Any) -> None:
        await self.ws.send(json.dumps({"type": "user_message", "content": content, **extra}))

    async def next_event(self) -> AgentEvent:
        raw = await asyncio.wait_for(self.ws.recv(), self.timeout)
        event = AgentEvent.parse(raw)
        self.events.append(event)
        return event

    async def run_turn(self, content: str) -> list[AgentEvent]:
        """Send one message and collect events until the agent completes or fails."""
        start = len(self.events)
        await self.send_user_message(content)
        while True:
            event = await self.next_event()
            if event.type in ("agent_completed", "error"):
                return self.events[start:]

    def types(self) -> list[str]:
        return [event.type for event in self.events]

    def missing_critical_events(self) -> list[str]:
        seen = set(self.types())
        return [name for name in CRITICAL_EVENTS if name not in seen]
