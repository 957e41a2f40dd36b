"""WebSocket layer of the agent platform.

`WebSocketManager` moved to `agent_platform.websocket.manager` in 0.4; this
re-export keeps old imports working until 0.5 (see the SSOT registry in
pyproject.toml).
"""

from agent_platform.websocket.manager import WebSocketManager

__all__ = ["WebSocketManager"]
