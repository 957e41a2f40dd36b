"""The single-source-of-truth import registry: deprecated import path -> canonical path.

```toml
[tool.goldenpath-audit.ssot]
"app.websocket_core.WebSocketManager" = "app.websocket_core.websocket_manager.WebSocketManager"
"app.core.isolated_environment" = "shared.isolated_environment"
"app.db.clickhouse_client.ClickHouseClient" = { use = "app.db.clickhouse.ClickHouseClient", reason = "shim, removed in 2.0" }
```

A key matches `from M import N` when it equals `M.N` (a name moved: the
canonical path is a module plus a name) or `M` (a whole module moved: N keeps
its name under the canonical module), and `import M` when it equals `M` or a
package prefix of `M` (the longest such key wins).
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from typing import Any, Callable


class RegistryError(ValueError):
    """An invalid registry entry; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"ssot: '{key}' {problem}")
        self.key = key


@dataclass(frozen=True)
class SsotEntry:
    deprecated: str
    canonical: str
    reason: str | None = None

    def describe(self) -> str:
        return f"{self.canonical} ({self.reason})" if self.reason else self.canonical


@dataclass(frozen=True)
class FromMatch:
    entry: SsotEntry
    new_module: str
    new_name: str


@dataclass(frozen=True)
class ImportMatch:
    entry: SsotEntry
    old_prefix: str  # the deprecated module (a prefix of the imported module)
    new_module: str  # the imported module with that prefix replaced


def is_dotted(path: str) -> bool:
    parts = path.split(".")
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in parts)


class SsotRegistry:
    def __init__(self, entries: dict[str, SsotEntry]) -> None:
        self.entries = entries
        # The canonical homes of names, for GP304: name -> canonical module.
        self.canonical_names: dict[str, set[str]] = {}
        for entry in entries.values():
            module, _, name = entry.canonical.rpartition(".")
            if module:
                self.canonical_names.setdefault(name, set()).add(module)

    def __bool__(self) -> bool:
        return bool(self.entries)

    @classmethod
    def from_table(cls, table: dict[str, Any], *, line_of: Callable[[str], int] | None = None) -> "SsotRegistry":
        """Validate a `[tool.goldenpath-audit.ssot]` table; RegistryError names the bad key."""
        entries: dict[str, SsotEntry] = {}
        for key, value in table.items():
            entries[key] = _entry(key, value)
        for key, entry in entries.items():
            if entry.canonical in entries:
                raise RegistryError(key, f"points to '{entry.canonical}', which is itself a deprecated path")
            if entry.canonical == key or entry.canonical.startswith(key + "."):
                raise RegistryError(key, "points inside itself: the canonical path must not start with the deprecated one")
            for other in entries:
                if other != key and entry.canonical.startswith(other + "."):
                    raise RegistryError(key, f"points to '{entry.canonical}', inside the deprecated path '{other}'")
        return cls(entries)

    def match_from(self, module: str, name: str) -> FromMatch | None:
        entry = self.entries.get(f"{module}.{name}")
        if entry is not None:
            new_module, _, new_name = entry.canonical.rpartition(".")
            if new_module:
                return FromMatch(entry, new_module, new_name)
        entry = self.entries.get(module)
        if entry is not None:
            return FromMatch(entry, entry.canonical, name)
        return None

    def match_import(self, module: str) -> ImportMatch | None:
        parts = module.split(".")
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            entry = self.entries.get(prefix)
            if entry is not None:
                return ImportMatch(entry, prefix, ".".join([entry.canonical, *parts[end:]]))
        return None


def _entry(key: str, value: Any) -> SsotEntry:
    if not isinstance(key, str) or not is_dotted(key):
        raise RegistryError(str(key), "is not a dotted import path")
    reason = None
    if isinstance(value, dict):
        unknown = set(value) - {"use", "reason"}
        if unknown:
            raise RegistryError(key, f"has unknown field(s) {', '.join(sorted(unknown))} (expected 'use' and 'reason')")
        canonical = value.get("use")
        reason = value.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise RegistryError(key, "'reason' must be a string")
    else:
        canonical = value
    if not isinstance(canonical, str):
        raise RegistryError(key, "must map to a dotted path string, or a table with 'use' (and 'reason')")
    if not is_dotted(canonical):
        raise RegistryError(key, f"points to '{canonical}', which is not a dotted import path")
    return SsotEntry(key, canonical, reason)
