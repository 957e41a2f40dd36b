"""The shipped demo suite, audited and fixed end to end through the real CLI.

`examples/golden-path-demo` is a small agent-platform test suite with every
GP101 situation in it: each import form, `async with` / `await` / multi-line
calls, a safe fix, an unsafe one (`User-Agent`), one with no fix (both
keywords), and the lookalikes that must stay silent (legacy clients, aiohttp,
a local `connect()` helper, a suppressed line, already-migrated code).

It has marker problems too: `agent_golden_path` used by three modules but not
registered (GP201, one safe fix registering it in pyproject.toml), a misspelled
`intergration` (GP202, unsafe rename), a registered `legacy_db` nobody uses
(GP203), a `usefixtures` mark on a fixture (GP204) and a tuple `pytestmark`
(GP205, safe). Markers that must stay silent: `nightly` (registered by the
conftest's `pytest_configure`) and `timeout` (pytest-timeout is a dependency).

And import problems against its own `agent_platform/` package and the SSOT
registry in its pyproject.toml: the deprecated re-export path of
`WebSocketManager` (GP301, safe), a module that does not exist (GP302), a name
imported from the package that only a submodule defines (GP303, unsafe), and a
hand-rolled copy of `WebSocketManager` in the test helpers (GP304, warning).
`tests/unit/test_message_router.py` imports the package correctly and stays silent.

The suite runs pytest-asyncio in strict mode and still has websockets-14 and
pytest-asyncio-1.0 migration debt: the legacy client compat module (GP102, safe),
and `tests/legacy/test_legacy_echo_server.py`, a legacy `websockets.server.serve`
fixture with a two-argument handler (GP102 unsafe, GP107), a `WebSocketClientProtocol`
annotation (GP103), `timeout=` / `loop=` (GP104), `InvalidStatusCode` with
`e.status_code` (GP105), `ws.open` / `ws.request_headers` (GP106), an `event_loop`
request (GP207) and `asyncio(scope=...)` (GP208); the tenant module's tests have
no `asyncio` marker (GP206).

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
ECHO = "tests/legacy/test_legacy_echo_server.py"
RECONNECT = "tests/integration/agent_golden_path/test_agent_reconnect.py"
HISTORY = "tests/integration/agent_golden_path/test_agent_session_history.py"
GATEWAY = "tests/integration/test_aiohttp_gateway.py"
MANAGER = "tests/unit/test_connection_manager.py"
FAKES = "tests/helpers/fakes.py"
PYPROJECT = "pyproject.toml"

# (path, line, column, code) -> the fix applicability the finding must carry.
SAFE_GP101 = {
    (TOOLS, 37, 9, "GP101"),  # from websockets.asyncio.client import connect; `ws = await connect(` multi-line
    (STREAMING, 28, 38, "GP101"),  # from websockets import connect; async with
    (FLOW, 35, 49, "GP101"),  # import websockets; async with
    (FLOW, 52, 9, "GP101"),  # import websockets; async with, multi-line dict literal
    (SYNC, 22, 32, "GP101"),  # from websockets.sync.client import connect; with
    (AUTH, 18, 43, "GP101"),  # import websockets as ws; await
    (AUTH, 39, 45, "GP101"),  # import websockets as ws; async with inside pytest.raises
}
SAFE_MARKERS = {
    (RECONNECT, 15, 77, "GP201"),  # agent_golden_path: three uses, one registration
    (HISTORY, 12, 77, "GP201"),
    (FLOW, 16, 77, "GP201"),
    (GATEWAY, 14, 14, "GP205"),  # pytestmark = (integration, timeout(60))
}
SAFE_IMPORTS = {
    (MANAGER, 6, 53, "GP301"),  # agent_platform.websocket.WebSocketManager: the registry's deprecated path
}
SAFE_MIGRATIONS = {
    (LEGACY, 14, 31, "GP102"),  # from websockets.client import connect: moved to websockets.asyncio.client
    (LEGACY, 34, 16, "GP102"),  # websockets.legacy.client.connect(...) through an attribute chain
    (ECHO, 15, 31, "GP103"),  # WebSocketClientProtocol, used only as an annotation
    (ECHO, 47, 95, "GP104"),  # timeout= -> close_timeout=
    (ECHO, 64, 95, "GP104"),  # loop= deleted
}
SAFE = SAFE_GP101 | SAFE_MARKERS | SAFE_IMPORTS | SAFE_MIGRATIONS
UNSAFE = {
    (STREAMING, 40, 9, "GP101"),  # the headers literal sets User-Agent
    (TENANT, 10, 26, "GP202"),  # intergration -> integration changes `-m integration` runs
    (MANAGER, 6, 38, "GP303"),  # MessageRouter: only agent_platform.websocket.router defines it
    (TENANT, 20, 11, "GP206"),  # strict mode, no asyncio marker: the fix makes the test start running
    (TENANT, 35, 11, "GP206"),
    (ECHO, 16, 35, "GP105"),  # InvalidStatusCode: unsafe while websockets>=13.0 allows 13.x
    (ECHO, 58, 12, "GP105"),  # except InvalidStatusCode as e: e.status_code
    (ECHO, 17, 31, "GP102"),  # websockets.server.serve: two-argument handler, legacy process_request
    (ECHO, 35, 16, "GP107"),  # handler `echo(ws, path)`: a TODO comment above the serve() statement
    (ECHO, 48, 16, "GP106"),  # ws.open on a websockets.connect binding (unsafe while 13.x is allowed)
    (ECHO, 49, 16, "GP106"),  # ws.request_headers
    (ECHO, 62, 22, "GP208"),  # asyncio(scope=...): unsafe while pytest-asyncio>=0.23 allows 0.23
}
NO_FIX = {
    (TENANT, 26, 9, "GP101"),  # passes both extra_headers and additional_headers
    (PYPROJECT, 28, 6, "GP203"),  # legacy_db is registered, used nowhere
    (HISTORY, 16, 2, "GP204"),  # @pytest.mark.usefixtures on the `session` fixture
    (MANAGER, 7, 1, "GP302"),  # agent_platform.sessions.store does not exist
    (FAKES, 8, 1, "GP304"),  # a second WebSocketManager class (a warning)
    (ECHO, 63, 51, "GP207"),  # requests the event_loop fixture pytest-asyncio 1.0 removed
}
ALL = SAFE | UNSAFE | NO_FIX
# The safe GP301 fix splits line 6 of MANAGER in two, so what follows it moves down a line.
SHIFTED_GP302 = (MANAGER, 8, 1, "GP302")
# After the unsafe fixes: GP206 adds a decorator above TENANT's line 20; in ECHO the GP106 fix
# adds `from websockets.protocol import State` and GP107 a TODO line above the serve() statement.
# The serve() call, moved to the new server by GP102, then shows its legacy process_request (GP107).
AFTER_UNSAFE = {
    (PYPROJECT, 28, 6, "GP203"),
    (HISTORY, 16, 2, "GP204"),
    (FAKES, 8, 1, "GP304"),
    SHIFTED_GP302,
    (TENANT, 27, 9, "GP101"),
    (ECHO, 37, 16, "GP107"),
    (ECHO, 37, 44, "GP107"),
    (ECHO, 65, 51, "GP207"),
}
NAMES = {
    "GP101": "websockets-extra-headers",
    "GP102": "websockets-legacy-import",
    "GP103": "websockets-legacy-protocol-class",
    "GP104": "websockets-renamed-argument",
    "GP105": "websockets-legacy-exception",
    "GP106": "websockets-legacy-attribute",
    "GP107": "websockets-server-review",
    "GP201": "unregistered-marker",
    "GP202": "misspelled-marker",
    "GP203": "unused-marker",
    "GP204": "mark-on-fixture",
    "GP205": "pytestmark-tuple",
    "GP206": "async-test-without-marker",
    "GP207": "removed-event-loop-fixture",
    "GP208": "asyncio-marker-scope",
    "GP301": "ssot-import",
    "GP302": "unresolved-module",
    "GP303": "unresolved-name",
    "GP304": "ssot-duplicate",
}
MANAGER_IMPORTS = b"from agent_platform.websocket import MessageRouter, WebSocketManager\n"
MANAGER_AFTER_SAFE = (
    b"from agent_platform.websocket import MessageRouter\n"
    b"from agent_platform.websocket.manager import WebSocketManager\n"
)
MANAGER_AFTER_UNSAFE = (
    b"from agent_platform.websocket.router import MessageRouter\n"
    b"from agent_platform.websocket.manager import WebSocketManager\n"
)
REGISTERED = b'    "agent_golden_path: used by 9 tests in tests/integration/agent_golden_path",\n'


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
    """Every file of the tree but the facts cache (check and fix write it; it is not the project)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".goldenpath_cache" not in p.parts
    }


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    copy = tmp_path / "golden-path-demo"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".goldenpath_cache"))
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
    assert all(f["name"] == NAMES[f["code"]] for f in report["findings"])
    severities = {f["code"]: f["severity"] for f in report["findings"]}
    assert severities["GP304"] == severities["GP102"] == severities["GP107"] == "warning"
    assert severities["GP301"] == severities["GP302"] == severities["GP303"] == "error"


def test_import_findings_name_the_canonical_paths(demo: Path) -> None:
    proc = run_cli(demo, "check", "--output-format", "json", "--select", "GP3")
    report = json.loads(proc.stdout)
    messages = {(f["path"], f["line"], f["code"]): f["message"] for f in report["findings"]}
    assert messages == {
        (MANAGER, 6, "GP301"): "`agent_platform.websocket.WebSocketManager` is a deprecated import path; the SSOT registry "
        "says use `agent_platform.websocket.manager.WebSocketManager` (the package re-export is removed in 0.5)",
        (MANAGER, 6, "GP303"): "`MessageRouter` is not defined in `agent_platform.websocket`; "
        "it is defined in `agent_platform.websocket.router`",
        (MANAGER, 7, "GP302"): "module `agent_platform.sessions.store` does not exist in the project",
        (FAKES, 8, "GP304"): "class `WebSocketManager` duplicates the canonical "
        "`agent_platform.websocket.manager.WebSocketManager` named by the SSOT registry",
    }


def test_demo_check_from_the_checkout_finds_every_demo_finding() -> None:
    # The README's quick start: run from the checkout on the demo directory, read-only.
    # Config discovery starts at the checked directory, so the demo's own settings
    # (its SSOT registry included) apply exactly as when running inside it.
    proc = run_cli(DEMO.parent.parent, "check", "--output-format", "json", "examples/golden-path-demo")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    prefix = "examples/golden-path-demo/"
    assert keys(report) == {(prefix + path, line, column, code) for path, line, column, code in ALL}


def test_check_text_summary(demo: Path) -> None:
    proc = run_cli(demo, "check", "--statistics")
    assert proc.returncode == 1
    for line in (
        "9  GP101  websockets-extra-headers",
        "3  GP102  websockets-legacy-import",
        "1  GP103  websockets-legacy-protocol-class",
        "2  GP104  websockets-renamed-argument",
        "2  GP105  websockets-legacy-exception",
        "2  GP106  websockets-legacy-attribute",
        "1  GP107  websockets-server-review",
        "3  GP201  unregistered-marker",
        "1  GP202  misspelled-marker",
        "1  GP203  unused-marker",
        "1  GP204  mark-on-fixture",
        "1  GP205  pytestmark-tuple",
        "2  GP206  async-test-without-marker",
        "1  GP207  removed-event-loop-fixture",
        "1  GP208  asyncio-marker-scope",
        "1  GP301  ssot-import",
        "1  GP302  unresolved-module",
        "1  GP303  unresolved-name",
        "1  GP304  ssot-duplicate",
    ):
        assert line in proc.stdout
    assert "Found 35 findings (17 fixable with `goldenpath-audit fix`, 12 more with `--unsafe-fixes`)." in proc.stdout


def test_fix_applies_safe_fixes_only_and_is_idempotent(demo: Path) -> None:
    before = snapshot(demo)

    first = run_cli(demo, "fix")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Fixed 17 findings in 10 files." in first.stdout
    assert "Fixed 3 findings in pyproject.toml (GP201)" in first.stdout
    assert f"Fixed 1 finding in {MANAGER} (GP301)" in first.stdout

    code, report = check_json(demo)
    assert code == 1
    assert keys(report) == (UNSAFE | NO_FIX) - {(MANAGER, 7, 1, "GP302")} | {SHIFTED_GP302}

    after = snapshot(demo)
    assert after.keys() == before.keys()
    changed = {path for path in before if before[path] != after[path]}
    # GP201 findings sit on the uses; their fix edits the config pytest reads.
    assert changed == {path for path, *_ in SAFE_GP101} | {PYPROJECT, GATEWAY, MANAGER, LEGACY, ECHO}

    # GP301: the deprecated name split out to its canonical module; nothing else moves.
    assert after[MANAGER] == before[MANAGER].replace(MANAGER_IMPORTS, MANAGER_AFTER_SAFE)
    assert after[MANAGER] != before[MANAGER]

    # GP201: `agent_golden_path` registered once, after the last `markers` line; nothing else moves.
    old_config = before[PYPROJECT].splitlines(keepends=True)
    assert after[PYPROJECT].splitlines(keepends=True) == [*old_config[:28], REGISTERED, *old_config[28:]]
    # GP205: the tuple became a list, nothing else changed.
    assert after[GATEWAY] == before[GATEWAY].replace(
        b"pytestmark = (pytest.mark.integration, pytest.mark.timeout(60), pytest.mark.asyncio)\n",
        b"pytestmark = [pytest.mark.integration, pytest.mark.timeout(60), pytest.mark.asyncio]\n",
    )
    assert after[GATEWAY] != before[GATEWAY]

    # GP101: the keyword renamed on exactly the reported lines.
    for path in changed - {PYPROJECT, GATEWAY, MANAGER, LEGACY, ECHO}:
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
            assert (path, number) in {(p, line) for p, line, *_ in SAFE_GP101}
            assert new == old.replace(b"extra_headers=", b"additional_headers=", 1), (path, number)

    # The suppressed call, the lookalikes and the unsafe rename are untouched.
    assert b"extra_headers=auth_headers)  # goldenpath: ignore[GP101]" in after[AUTH]
    # GP102: the legacy client moved to websockets.asyncio.client, its keyword renamed with it.
    assert b"extra_headers=" not in after[LEGACY]
    assert b"from websockets.asyncio.client import connect\n" in after[LEGACY]
    assert b"async with websockets.asyncio.client.connect(\n" in after[LEGACY]
    # GP103 / GP104 in ECHO: the annotation's import, timeout= and loop=; the unsafe ones stay.
    assert b"from websockets.asyncio.client import ClientConnection as WebSocketClientProtocol\n" in after[ECHO]
    assert b"close_timeout=5) as ws:" in after[ECHO]
    assert b"loop=" not in after[ECHO]
    assert b"from websockets.server import serve\n" in after[ECHO]
    assert b"except InvalidStatusCode as e:" in after[ECHO]
    assert b'@pytest.mark.asyncio(scope="module")' in after[ECHO]
    assert b"pytestmark = pytest.mark.intergration\n" in after[TENANT]

    second = run_cli(demo, "fix")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "Fixed" not in second.stdout
    assert snapshot(demo) == after


def test_unsafe_fixes_also_fix_the_user_agent_call(demo: Path) -> None:
    proc = run_cli(demo, "fix", "--unsafe-fixes")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Fixed 29 findings in 11 files." in proc.stdout
    assert f"Fixed 2 findings in {MANAGER} (GP301, GP303)" in proc.stdout

    code, report = check_json(demo)
    assert code == 1
    assert keys(report) == AFTER_UNSAFE
    manager = (demo / MANAGER).read_bytes()
    assert manager == (DEMO / MANAGER).read_bytes().replace(MANAGER_IMPORTS, MANAGER_AFTER_UNSAFE)

    streaming = (demo / STREAMING).read_text(encoding="utf-8")
    assert "extra_headers" not in streaming
    assert (
        "        additional_headers={\n"
        '            "Authorization": f"Bearer {auth_token}",\n'
        '            "User-Agent": "agent-platform-e2e/0.4",\n'
    ) in streaming
    tenant = (demo / TENANT).read_text(encoding="utf-8")
    assert "extra_headers=auth_headers," in tenant
    assert "pytestmark = pytest.mark.integration\n" in tenant

    fixed = snapshot(demo)
    second = run_cli(demo, "fix", "--unsafe-fixes")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "Fixed" not in second.stdout
    assert snapshot(demo) == fixed
