"""The shipped demo suite, audited and fixed end to end through the real CLI.

`examples/golden-path-demo` is a small agent-platform test suite with every
GP101 situation in it: each import form, `async with` / `await` / multi-line
calls, a safe fix, an unsafe one (`User-Agent`), one with no fix (both
keywords), and the lookalikes that must stay silent (legacy clients, aiohttp,
a local `connect()` helper, a suppressed line, already-migrated code).

The demo is copied to tmp_path and the CLI runs with the copy as its working
directory, so the demo's own `[tool.goldenpath-audit]` table governs it and the
checkout is never modified.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent.parent / "examples" / "golden-path-demo"

AUTH = "tests/integration/test_websocket_auth.py"
FLOW = "tests/integration/agent_golden_path/test_agent_websocket_flow.py"
SYNC = "tests/integration/test_sync_client_smoke.py"
TENANT = "tests/integration/test_tenant_routing.py"
STREAMING = "tests/e2e/test_chat_streaming.py"
TOOLS = "tests/e2e/test_agent_tools_flow.py"
LEGACY = "tests/legacy/test_legacy_client_compat.py"

# (path, line, column, code) -> the fix applicability the finding must carry.
SAFE = {
    (TOOLS, 37, 9, "GP101"),  # from websockets.asyncio.client import connect; `ws = await connect(` multi-line
    (STREAMING, 28, 38, "GP101"),  # from websockets import connect; async with
    (FLOW, 35, 49, "GP101"),  # import websockets; async with
    (FLOW, 52, 9, "GP101"),  # import websockets; async with, multi-line dict literal
    (SYNC, 22, 32, "GP101"),  # from websockets.sync.client import connect; with
    (AUTH, 18, 43, "GP101"),  # import websockets as ws; await
    (AUTH, 39, 45, "GP101"),  # import websockets as ws; async with inside pytest.raises
}
UNSAFE = {(STREAMING, 40, 9, "GP101")}  # the headers literal sets User-Agent
NO_FIX = {(TENANT, 26, 9, "GP101")}  # passes both extra_headers and additional_headers
ALL = SAFE | UNSAFE | NO_FIX


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def check_json(cwd: Path) -> tuple[int, dict]:
    proc = run_cli(cwd, "check", "--output-format", "json")
    assert proc.stderr == ""
    return proc.returncode, json.loads(proc.stdout)


def keys(report: dict) -> set[tuple[str, int, int, str]]:
    return {(f["path"], f["line"], f["column"], f["code"]) for f in report["findings"]}


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    copy = tmp_path / "golden-path-demo"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return copy


def test_demo_is_its_own_project() -> None:
    # Without the table, config discovery would climb to the checkout's
    # pyproject.toml, whose `exclude = ["examples/"]` hides the whole demo.
    assert "[tool.goldenpath-audit]" in (DEMO / "pyproject.toml").read_text(encoding="utf-8")


def test_check_reports_exactly_the_intended_findings(demo: Path) -> None:
    code, report = check_json(demo)

    assert code == 1
    assert report["errors"] == []
    assert keys(report) == ALL
    applicability = {
        (f["path"], f["line"], f["column"], f["code"]): (f["fix"] or {}).get("applicability")
        for f in report["findings"]
    }
    assert applicability == {
        **{key: "safe" for key in SAFE},
        **{key: "unsafe" for key in UNSAFE},
        **{key: None for key in NO_FIX},
    }
    assert all(f["name"] == "websockets-extra-headers" for f in report["findings"])


def test_check_text_summary(demo: Path) -> None:
    proc = run_cli(demo, "check", "--statistics")
    assert proc.returncode == 1
    assert "9  GP101  websockets-extra-headers" in proc.stdout
    assert "Found 9 findings (7 fixable with `goldenpath-audit fix`, 1 more with `--unsafe-fixes`)." in proc.stdout


def test_fix_applies_safe_fixes_only_and_is_idempotent(demo: Path) -> None:
    before = snapshot(demo)

    first = run_cli(demo, "fix")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Fixed 7 findings in 5 files." in first.stdout

    code, report = check_json(demo)
    assert code == 1
    assert keys(report) == UNSAFE | NO_FIX

    after = snapshot(demo)
    assert after.keys() == before.keys()
    changed = {path for path in before if before[path] != after[path]}
    assert changed == {path for path, *_ in SAFE}
    for path in changed:
        old_lines = before[path].splitlines(keepends=True)
        new_lines = after[path].splitlines(keepends=True)
        assert len(old_lines) == len(new_lines)
        renamed = [
            (number, old, new)
            for number, (old, new) in enumerate(zip(old_lines, new_lines), start=1)
            if old != new
        ]
        assert renamed, path
        for number, old, new in renamed:
            assert (path, number) in {(p, line) for p, line, *_ in SAFE}
            assert new == old.replace(b"extra_headers=", b"additional_headers=", 1), (path, number)

    # The suppressed call and the lookalikes are untouched.
    assert b"extra_headers=auth_headers)  # goldenpath: ignore[GP101]" in after[AUTH]
    assert after[LEGACY].count(b"extra_headers=") == 2

    second = run_cli(demo, "fix")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "Fixed" not in second.stdout
    assert snapshot(demo) == after


def test_unsafe_fixes_also_fix_the_user_agent_call(demo: Path) -> None:
    proc = run_cli(demo, "fix", "--unsafe-fixes")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Fixed 8 findings in 5 files." in proc.stdout

    code, report = check_json(demo)
    assert code == 1
    assert keys(report) == NO_FIX

    streaming = (demo / STREAMING).read_text(encoding="utf-8")
    assert "extra_headers" not in streaming
    assert (
        "        additional_headers={\n"
        '            "Authorization": f"Bearer {auth_token}",\n'
        '            "User-Agent": "agent-platform-e2e/0.4",\n'
    ) in streaming
    tenant = (demo / TENANT).read_text(encoding="utf-8")
    assert "extra_headers=auth_headers," in tenant
