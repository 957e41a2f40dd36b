"""The rule registry: every rule, keyed by its stable code.

To add a rule family, add a module here and list its classes in `_FAMILIES`.
"""

from __future__ import annotations

from goldenpath_audit.rules import pytest_asyncio_rules, websockets_arguments, websockets_connection, websockets_legacy
from goldenpath_audit.rules.base import Rule
from goldenpath_audit.rules.imports import SsotDuplicate, SsotImport, UnresolvedModule, UnresolvedName
from goldenpath_audit.rules.pytest_markers import (
    MarkOnFixture,
    MisspelledMarker,
    PytestmarkTuple,
    UnregisteredMarker,
    UnusedMarker,
)
from goldenpath_audit.rules.syntax import SyntaxErrorRule
from goldenpath_audit.rules.websockets_client import WebsocketsExtraHeaders

_FAMILIES: tuple[type[Rule], ...] = (
    SyntaxErrorRule,
    WebsocketsExtraHeaders,
    UnregisteredMarker,
    MisspelledMarker,
    UnusedMarker,
    MarkOnFixture,
    PytestmarkTuple,
    SsotImport,
    UnresolvedModule,
    UnresolvedName,
    SsotDuplicate,
    # Families that export their rules as RULES.
    *websockets_legacy.RULES,
    *websockets_arguments.RULES,
    *websockets_connection.RULES,
    *pytest_asyncio_rules.RULES,
)

ALL_RULES: dict[str, type[Rule]] = {rule.CODE: rule for rule in sorted(_FAMILIES, key=lambda r: r.CODE)}
BY_NAME: dict[str, type[Rule]] = {rule.NAME: rule for rule in _FAMILIES}


def get_rule(code_or_name: str) -> type[Rule] | None:
    return ALL_RULES.get(code_or_name.upper()) or BY_NAME.get(code_or_name.lower())
