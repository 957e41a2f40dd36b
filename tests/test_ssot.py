"""The SSOT registry: matching rules and configuration errors (exit 2 naming the key)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from goldenpath_audit.auditor.ssot import RegistryError, SsotRegistry

TABLE = {
    "app.websocket_core.WebSocketManager": "app.websocket_core.websocket_manager.WebSocketManager",
    "app.core.isolated_environment": "shared.isolated_environment",
    "app.db.clickhouse_client.ClickHouseClient": {"use": "app.db.clickhouse.ClickHouseClient", "reason": "shim"},
}


@pytest.fixture
def registry() -> SsotRegistry:
    return SsotRegistry.from_table(TABLE)


def test_from_import_of_a_moved_name(registry: SsotRegistry) -> None:
    match = registry.match_from("app.websocket_core", "WebSocketManager")
    assert (match.new_module, match.new_name) == ("app.websocket_core.websocket_manager", "WebSocketManager")
    assert registry.match_from("app.websocket_core", "Other") is None


def test_from_import_of_a_moved_module_keeps_the_name(registry: SsotRegistry) -> None:
    match = registry.match_from("app.core.isolated_environment", "get_env")
    assert (match.new_module, match.new_name) == ("shared.isolated_environment", "get_env")


def test_import_matches_the_module_or_a_package_prefix(registry: SsotRegistry) -> None:
    assert registry.match_import("app.core.isolated_environment").new_module == "shared.isolated_environment"
    assert registry.match_import("app.core.isolated_environment.sub").new_module == "shared.isolated_environment.sub"
    assert registry.match_import("app.core") is None
    assert registry.match_import("app.core.isolated_environment_v2") is None


def test_reason_and_canonical_names(registry: SsotRegistry) -> None:
    match = registry.match_from("app.db.clickhouse_client", "ClickHouseClient")
    assert match.entry.reason == "shim"
    assert registry.canonical_names["ClickHouseClient"] == {"app.db.clickhouse"}


@pytest.mark.parametrize(
    ("table", "key", "problem"),
    [
        ({"app-core": "x"}, "app-core", "is not a dotted import path"),
        ({"a.b": "c..d"}, "a.b", "which is not a dotted import path"),
        ({"a.b": 3}, "a.b", "must map to a dotted path string"),
        ({"a.b": {"use": "c.d", "why": "x"}}, "a.b", "unknown field(s) why"),
        ({"a.b": "c.d", "c.d": "e.f"}, "a.b", "itself a deprecated path"),
        ({"a.b": "c.d", "c.d": "a.b"}, "a.b", "itself a deprecated path"),
        ({"a.b": "a.b.c"}, "a.b", "points inside itself"),
    ],
)
def test_invalid_entries_name_the_key(table, key: str, problem: str) -> None:
    with pytest.raises(RegistryError) as caught:
        SsotRegistry.from_table(table)
    assert caught.value.key == key
    assert problem in str(caught.value)


def test_cli_exits_2_with_file_line_and_key(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.goldenpath-audit.ssot]\n"a.b.C" = "a.c.C"\n"bad key" = "x.y"\n'
    )
    completed = subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", "check"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().endswith("pyproject.toml:3: ssot: 'bad key' is not a dotted import path")
