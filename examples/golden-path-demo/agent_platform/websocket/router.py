"""Dispatches incoming frames to the handler registered for their `type`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any]], Any]


class RoutingError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class MessageRouter:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, message_type: str, handler: Handler) -> None:
        if message_type in self._handlers:
            raise ValueError(f"handler for {message_type!r} already registered")
        self._handlers[message_type] = handler

    def message_types(self) -> list[str]:
        return list(self._handlers)

    def dispatch(self, raw: str) -> Any:
        try:
            message = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise RoutingError("invalid_json", str(exc)) from None
        if not isinstance(message, dict):
            raise RoutingError("invalid_frame")
        message_type = message.get("type")
        if message_type is None:
            raise RoutingError("missing_type")
        handler = self._handlers.get(message_type)
        if handler is None:
            raise RoutingError("unknown_message_type", message_type)
        return handler(message)
