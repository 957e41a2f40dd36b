"""The rule registry: every rule, keyed by its stable code.

`CATALOG` names each rule's module and class; a rule's module is imported only
when something asks for the rule itself. A pre-commit run that replays its
findings (run_memo.py) needs the codes, never the rules: importing every rule
module costs about 50 ms, a third of such a run. tests/test_rule_registry.py
checks that the catalog and the rule classes agree.

To add a rule, write its class in a family module here and add a line below.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from goldenpath_audit.rules.base import Rule

# code -> (module in this package, class name, kebab name), in code order.
CATALOG: dict[str, tuple[str, str, str]] = {
    "GP001": ("syntax", "SyntaxErrorRule", "syntax-error"),
    "GP101": ("websockets_client", "WebsocketsExtraHeaders", "websockets-extra-headers"),
    "GP102": ("websockets_legacy", "WebsocketsLegacyImport", "websockets-legacy-import"),
    "GP103": ("websockets_legacy", "WebsocketsLegacyProtocolClass", "websockets-legacy-protocol-class"),
    "GP104": ("websockets_arguments", "WebsocketsRenamedArgument", "websockets-renamed-argument"),
    "GP105": ("websockets_connection", "WebsocketsLegacyException", "websockets-legacy-exception"),
    "GP106": ("websockets_connection", "WebsocketsLegacyAttribute", "websockets-legacy-attribute"),
    "GP107": ("websockets_arguments", "WebsocketsServerReview", "websockets-server-review"),
    "GP201": ("pytest_markers", "UnregisteredMarker", "unregistered-marker"),
    "GP202": ("pytest_markers", "MisspelledMarker", "misspelled-marker"),
    "GP203": ("pytest_markers", "UnusedMarker", "unused-marker"),
    "GP204": ("pytest_markers", "MarkOnFixture", "mark-on-fixture"),
    "GP205": ("pytest_markers", "PytestmarkTuple", "pytestmark-tuple"),
    "GP206": ("pytest_asyncio_rules", "AsyncTestWithoutMarker", "async-test-without-marker"),
    "GP207": ("pytest_asyncio_rules", "RemovedEventLoopFixture", "removed-event-loop-fixture"),
    "GP208": ("pytest_asyncio_rules", "AsyncioMarkerScope", "asyncio-marker-scope"),
    "GP301": ("imports", "SsotImport", "ssot-import"),
    "GP302": ("imports", "UnresolvedModule", "unresolved-module"),
    "GP303": ("imports", "UnresolvedName", "unresolved-name"),
    "GP304": ("imports", "SsotDuplicate", "ssot-duplicate"),
}


class RuleRegistry(Mapping[str, "type[Rule]"]):
    """Rule classes by code: the keys come from the catalog, each class from its module on first use."""

    def __init__(self, catalog: Mapping[str, tuple[str, str, str]]) -> None:
        self._catalog = catalog
        self._loaded: dict[str, type[Rule]] = {}

    def __getitem__(self, code: str) -> type[Rule]:
        rule = self._loaded.get(code)
        if rule is None:
            module, name, _ = self._catalog[code]
            rule = self._loaded[code] = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        return rule

    def __iter__(self) -> Iterator[str]:
        return iter(self._catalog)

    def __len__(self) -> int:
        return len(self._catalog)

    def __contains__(self, code: object) -> bool:
        return code in self._catalog


ALL_RULES: RuleRegistry = RuleRegistry(CATALOG)
_CODE_BY_NAME: dict[str, str] = {name: code for code, (_, _, name) in CATALOG.items()}


def get_rule(code_or_name: str) -> type[Rule] | None:
    code = code_or_name.upper()
    if code not in CATALOG:
        code = _CODE_BY_NAME.get(code_or_name.lower(), "")
    return ALL_RULES[code] if code else None
