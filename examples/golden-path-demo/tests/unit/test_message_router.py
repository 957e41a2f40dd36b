"""Unit tests for the message router: no network, no event loop needed."""

from __future__ import annotations

import json

import pytest
from agent_platform.websocket.router import MessageRouter, RoutingError


@pytest.fixture
def router() -> MessageRouter:
    router = MessageRouter()
    router.register("user_message", lambda msg: {"type": "agent_started", "thread_id": msg["thread_id"]})
    router.register("ping", lambda msg: {"type": "pong", "nonce": msg.get("nonce")})
    return router


def frame(**fields) -> str:
    return json.dumps({"thread_id": "t-1", **fields})


def test_routes_user_message(router):
    reply = router.dispatch(frame(type="user_message", content="hello"))
    assert reply == {"type": "agent_started", "thread_id": "t-1"}


def test_ping_echoes_nonce(router):
    assert router.dispatch(frame(type="ping", nonce="abc")) == {"type": "pong", "nonce": "abc"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "invalid_json"),
        (json.dumps(["a", "list"]), "invalid_frame"),
        (json.dumps({"content": "no type"}), "missing_type"),
        (frame(type="teleport"), "unknown_message_type"),
    ],
)
def test_bad_frames_raise_routing_error(router, raw, code):
    with pytest.raises(RoutingError) as excinfo:
        router.dispatch(raw)
    assert excinfo.value.code == code


def test_duplicate_registration_is_rejected(router):
    with pytest.raises(ValueError, match="already registered"):
        router.register("ping", lambda msg: None)


def test_registered_types_are_listed_in_order(router):
    assert router.message_types() == ["user_message", "ping"]
