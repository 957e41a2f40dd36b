"""Unit tests for connection bookkeeping: no network needed."""

from __future__ import annotations

import pytest
from agent_platform.websocket import MessageRouter, WebSocketManager
from agent_platform.sessions.store import SessionStore


@pytest.fixture
def manager() -> WebSocketManager:
    return WebSocketManager()


def test_add_and_remove(manager):
    manager.add("t-1", "ws-a")
    manager.add("t-1", "ws-b")
    manager.remove("t-1", "ws-a")
    assert manager.connections("t-1") == ["ws-b"]


def test_last_socket_removes_the_thread(manager):
    manager.add("t-2", "ws")
    manager.remove("t-2", "ws")
    assert manager.thread_ids() == []


def test_router_and_store_are_independent(manager):
    assert MessageRouter().message_types() == []
    assert SessionStore is not None
