"""In-memory stand-ins for backend objects, for tests that never open a socket."""

from __future__ import annotations

from typing import Any


class WebSocketManager:
    """A hand-rolled copy of the backend's manager, kept in sync by hand."""

    def __init__(self) -> None:
        self.sockets: dict[str, list[Any]] = {}

    def add(self, thread_id: str, ws: Any) -> None:
        self.sockets.setdefault(thread_id, []).append(ws)
