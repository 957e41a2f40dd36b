"""Tracks the open agent sockets per thread."""

from __future__ import annotations

from typing import Any


class WebSocketManager:
    """The one registry of live connections: the canonical home of this class."""

    def __init__(self) -> None:
        self._connections: dict[str, list[Any]] = {}

    def add(self, thread_id: str, ws: Any) -> None:
        self._connections.setdefault(thread_id, []).append(ws)

    def remove(self, thread_id: str, ws: Any) -> None:
        sockets = self._connections.get(thread_id, [])
        if ws in sockets:
            sockets.remove(ws)
        if not sockets:
            self._connections.pop(thread_id, None)

    def connections(self, thread_id: str) -> list[Any]:
        return list(self._connections.get(thread_id, []))

    def thread_ids(self) -> list[str]:
        return sorted(self._connections)
