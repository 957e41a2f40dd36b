"""GP105 (legacy InvalidStatusCode) and GP106 (legacy connection attributes), end to end.

Each shape is checked for its exact findings and its exact fixed source, then
checked again (the fixed source has no findings left). The last test proves
GP105's fix against a real websockets server on 127.0.0.1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from live_server import run_offline, running_server
from conftest import locations, run_engine, write_tree

from goldenpath_audit.auditor.fixer import apply_fixes


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Like conftest's `project`, limited to GP105 and GP106 (other rules see the same files)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir(exist_ok=True)

    def build(files: dict[str, str], **options):
        write_tree(tmp_path, files)
        return run_engine(tmp_path, select=["GP105", "GP106"], **options)

    return build


def fix(project, tmp_path: Path, source: str, *, unsafe: bool = False, **options) -> tuple[list, str]:
    """(locations of the findings, the file after `fix`); asserts that a second check is clean."""
    result = project({"test_x.py": source}, **options)
    found = [(line, column, code) for _, line, column, code in locations(result)]
    report = apply_fixes(result, tmp_path, unsafe=unsafe, write=True)
    assert not report.errors, report.errors
    after = (tmp_path / "test_x.py").read_text(encoding="utf-8")
    return found, after


def again(project, tmp_path: Path, **options) -> list:
    return locations(
        project(
            {"test_x.py": (tmp_path / "test_x.py").read_text(encoding="utf-8")},
            **options,
        )
    )


# GP105 ----------------------------------------------------------------------------------------------------------

EXCEPT = """\
from websockets.exceptions import InvalidStatusCode


async def test_rejected(go):
    try:
        await go()
    except InvalidStatusCode as e:  # rejected
        assert e.status_code == 403
        assert "x" in e.headers
        print(e)
"""
EXCEPT_FIXED = """\
from websockets.exceptions import InvalidStatus


async def test_rejected(go):
    try:
        await go()
    except InvalidStatus as e:  # rejected
        assert e.response.status_code == 403
        assert "x" in e.response.headers
        print(e)
"""


def test_except_clause_and_import(project, tmp_path: Path) -> None:
    found, after = fix(project, tmp_path, EXCEPT)
    assert found == [(1, 35, "GP105"), (7, 12, "GP105")]
    assert after == EXCEPT_FIXED
    assert again(project, tmp_path) == []


def test_messages_and_fix_applicability(project) -> None:
    result = project({"test_x.py": EXCEPT})
    first, second = result.findings
    assert first.message == (
        "`websockets.exceptions.InvalidStatusCode` is the legacy exception (deprecated since websockets 14.0): "
        "since 14.0 `websockets.connect` raises `websockets.exceptions.InvalidStatus` (status on `.response.status_code`)"
    )
    assert second.message.startswith("`except InvalidStatusCode` never matches the new client's rejection")
    assert (second.end_line, second.end_column) == (7, 29)
    assert first.fix is not None and first.fix.applicability.value == "safe"
    assert first.fix.operations == second.fix.operations  # one group: import and uses change together


RAISES = """\
import pytest
import websockets
import websockets.exceptions as wse


def test_raises():
    with pytest.raises(websockets.InvalidStatusCode) as exc_info:
        go()
    assert exc_info.value.status_code == 403
    assert exc_info.value.headers["X"] == "1"
    with pytest.raises((OSError, wse.InvalidStatusCode)):
        go()
    with pytest.raises(expected_exception=websockets.exceptions.InvalidStatusCode, match="403"):
        go()
"""
RAISES_FIXED = """\
import pytest
import websockets
import websockets.exceptions as wse


def test_raises():
    with pytest.raises(websockets.InvalidStatus) as exc_info:
        go()
    assert exc_info.value.response.status_code == 403
    assert exc_info.value.response.headers["X"] == "1"
    with pytest.raises((OSError, wse.InvalidStatus)):
        go()
    with pytest.raises(expected_exception=websockets.exceptions.InvalidStatus, match="403"):
        go()
"""


def test_pytest_raises_and_attribute_forms(project, tmp_path: Path) -> None:
    found, after = fix(project, tmp_path, RAISES)
    assert found == [(7, 35, "GP105"), (11, 38, "GP105"), (13, 65, "GP105")]
    assert after == RAISES_FIXED
    assert again(project, tmp_path) == []


def test_alias_is_kept_and_tuple_handlers(project, tmp_path: Path) -> None:
    source = (
        "from websockets import InvalidStatusCode as Rejected\n"
        "try:\n    f()\nexcept (Rejected, OSError) as err:\n    print(err.status_code)\n"
    )
    found, after = fix(project, tmp_path, source)
    assert found == [(1, 24, "GP105"), (4, 9, "GP105")]
    assert after == (
        "from websockets import InvalidStatus as Rejected\n"
        "try:\n    f()\nexcept (Rejected, OSError) as err:\n    print(err.response.status_code)\n"
    )


@pytest.mark.parametrize(
    ("source", "why"),
    [
        # constructed with the legacy signature: InvalidStatus takes a Response
        (
            "from websockets.exceptions import InvalidStatusCode\ntry:\n    f()\nexcept InvalidStatusCode:\n    pass\n"
            "raise InvalidStatusCode(403, {})\n",
            "is also used on line 6",
        ),
        # the handler rebinds the name: `e.status_code` may be something else
        (
            "from websockets.exceptions import InvalidStatusCode\ntry:\n    f()\nexcept InvalidStatusCode as e:\n"
            "    e = wrap(e)\n    print(e.status_code)\n",
            "`e` is rebound inside the handler",
        ),
        # `exc_info` bound twice: which `.value` is it?
        (
            "import pytest\nfrom websockets.exceptions import InvalidStatusCode\ndef test():\n"
            "    with pytest.raises(InvalidStatusCode) as exc_info:\n        go()\n"
            "    exc_info = other()\n    print(exc_info.value.status_code)\n",
            "`exc_info` is bound more than once",
        ),
        # a fallback import binds the same local name
        (
            "try:\n    from websockets.exceptions import InvalidStatusCode\nexcept ImportError:\n"
            "    from websockets.legacy.exceptions import InvalidStatusCode\n"
            "try:\n    f()\nexcept InvalidStatusCode:\n    pass\n",
            "is also imported from elsewhere",
        ),
    ],
)
def test_uncertain_uses_are_reported_without_a_fix(project, tmp_path: Path, source: str, why: str) -> None:
    result = project({"test_x.py": source})
    assert result.findings and all(f.code == "GP105" for f in result.findings)
    assert all(f.fix is None for f in result.findings)
    assert all(why in f.message and "review by hand" in f.message for f in result.findings), result.findings


def test_a_use_after_the_handler_rebinds_the_name_is_the_new_class(project) -> None:
    """deepgram's websocket_compat: the handler's code runs with the handler's import."""
    source = (
        "try:\n"
        "    from websockets.exceptions import InvalidStatusCode as IWS\n"
        "    def code(exc: IWS) -> int:\n        return exc.status_code\n"
        "except ImportError:\n"
        "    from websockets.exceptions import InvalidStatus as IWS\n"
        "    def code(exc: IWS) -> int:\n        return exc.response.status_code\n"
    )
    assert [(f.line, f.column) for f in project({"test_x.py": source}).findings] == [(2, 39), (3, 19)]


def test_gp105_version_gating(project, tmp_path: Path) -> None:
    # Every allowed version is below 14: InvalidStatusCode is what websockets.connect raises there.
    assert project({"test_x.py": EXCEPT}, websockets_version="13.1").findings == []
    pinned_old = {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=12,<14"]\n'}
    assert project({**pinned_old, "test_x.py": EXCEPT}).findings == []


def test_gp105_unsafe_when_old_versions_remain_allowed(project, tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=12"]\n',
        "test_x.py": EXCEPT,
    }
    result = project(files)
    assert [f.code for f in result.findings] == ["GP105", "GP105"]
    assert all(f.fix.applicability.value == "unsafe" for f in result.findings)
    assert "still allows websockets < 14" in result.findings[0].message
    assert apply_fixes(result, tmp_path, unsafe=False, write=True).changes == []
    assert (tmp_path / "test_x.py").read_text() == EXCEPT


def test_gp105_unsafe_next_to_the_legacy_client(project) -> None:
    source = EXCEPT.replace("\n\n\nasync", "\nfrom websockets.client import connect\n\n\nasync")
    result = project({"test_x.py": source})
    assert all(f.fix.applicability.value == "unsafe" for f in result.findings)
    assert "also uses the legacy client" in result.findings[0].message


@pytest.mark.parametrize(
    "source",
    [
        "from websockets.legacy.exceptions import InvalidStatusCode\ntry:\n    f()\nexcept InvalidStatusCode:\n    pass\n",
        "class InvalidStatusCode(Exception):\n    pass\ntry:\n    f()\nexcept InvalidStatusCode:\n    pass\n",
        "import websockets\nx = 'InvalidStatusCode'\n",
        "from mylib import InvalidStatusCode\ntry:\n    f()\nexcept InvalidStatusCode:\n    pass\n",
    ],
)
def test_gp105_never_flags(project, source: str) -> None:
    assert project({"test_x.py": source}).findings == []


# GP106 ----------------------------------------------------------------------------------------------------------

CLIENT = """\
\"\"\"Client tests.\"\"\"
from __future__ import annotations

import websockets
from websockets.asyncio.client import connect


async def test_client(uri):
    async with websockets.connect(uri) as ws:
        assert ws.open
        assert not ws.closed
        assert ws.open == True
        print(ws.path, ws.request_headers["Host"], ws.response_headers.get("Server"))
    conn = await connect(uri)
    if conn.closed or (conn.open):
        pass
"""
CLIENT_FIXED = """\
\"\"\"Client tests.\"\"\"
from __future__ import annotations

import websockets
from websockets.asyncio.client import connect
from websockets.protocol import State


async def test_client(uri):
    async with websockets.connect(uri) as ws:
        assert ws.state is State.OPEN
        assert ws.state is not State.CLOSED
        assert (ws.state is State.OPEN) == True
        print(ws.request.path, ws.request.headers["Host"], ws.response.headers.get("Server"))
    conn = await connect(uri)
    if conn.state is State.CLOSED or (conn.state is State.OPEN):
        pass
"""


def test_client_bindings(project, tmp_path: Path) -> None:
    found, after = fix(project, tmp_path, CLIENT)
    assert found == [
        (10, 16, "GP106"),
        (11, 20, "GP106"),
        (12, 16, "GP106"),
        (13, 15, "GP106"),
        (13, 24, "GP106"),
        (13, 52, "GP106"),
        (15, 8, "GP106"),
        (15, 24, "GP106"),
    ]
    assert after == CLIENT_FIXED
    assert again(project, tmp_path) == []


def test_gp106_message_quotes_the_attribute_error(project) -> None:
    result = project({"test_x.py": CLIENT})
    assert result.findings[0].message == (
        "`ws` is a new `ClientConnection` (from `async with websockets.connect(...)`), which has no `open`: "
        "AttributeError: 'ClientConnection' object has no attribute 'open'; use `ws.state is State.OPEN`"
    )
    assert (result.findings[0].end_line, result.findings[0].end_column) == (10, 23)


SERVER = """\
import websockets
from websockets.asyncio.server import ServerConnection, serve
from websockets.protocol import State


async def handler(websocket):
    print(websocket.path, websocket.request_headers)
    await websocket.send(str(websocket.open))


def describe(conn: ServerConnection) -> str:
    return conn.path


async def main():
    async with serve(handler, "127.0.0.1", 0):
        pass
"""
SERVER_FIXED = """\
import websockets
from websockets.asyncio.server import ServerConnection, serve
from websockets.protocol import State


async def handler(websocket):
    print(websocket.request.path, websocket.request.headers)
    await websocket.send(str(websocket.state is State.OPEN))


def describe(conn: ServerConnection) -> str:
    return conn.request.path


async def main():
    async with serve(handler, "127.0.0.1", 0):
        pass
"""


def test_server_handler_and_annotations(project, tmp_path: Path) -> None:
    found, after = fix(project, tmp_path, SERVER)
    assert found == [
        (7, 11, "GP106"),
        (7, 27, "GP106"),
        (8, 30, "GP106"),
        (12, 12, "GP106"),
    ]
    assert after == SERVER_FIXED  # `State` was already imported: not added twice
    assert again(project, tmp_path) == []


@pytest.mark.parametrize(
    "source",
    [
        # bound twice in the scope: not certain
        "from websockets.asyncio.client import connect\nasync def f(u):\n    ws = await connect(u)\n"
        "    ws = other\n    return ws.open\n",
        # not awaited / not an async with
        "from websockets.asyncio.client import connect\nasync def f(u):\n    ws = connect(u)\n    return ws.open\n",
        # the legacy client keeps its attributes
        "from websockets.client import connect\nasync def f(u):\n    async with connect(u) as ws:\n        return ws.open\n",
        # the Sans-I/O ClientConnection (trap A.6)
        "from websockets.client import ClientConnection\ndef f(ws: ClientConnection):\n    return ws.path\n",
        # an unannotated parameter
        "import websockets\ndef f(ws):\n    return ws.open\n",
        # a shadowing parameter in a nested function
        "from websockets.asyncio.client import connect\nasync def f(u):\n    async with connect(u) as ws:\n"
        "        def g(ws):\n            return ws.open\n",
        # a handler passed to the legacy serve
        "from websockets.server import serve\nasync def h(ws):\n    print(ws.path)\nserve(h, 'x', 1)\n",
        # assigning the attribute is not reading it
        "from websockets.asyncio.client import connect\nasync def f(u):\n    async with connect(u) as ws:\n        ws.path = 1\n",
    ],
)
def test_gp106_uncertain_bindings_are_not_flagged(project, source: str) -> None:
    assert project({"test_x.py": source}).findings == []


def test_gp106_version_gating(project, tmp_path: Path) -> None:
    source = "import websockets\nasync def f(u):\n    async with websockets.connect(u) as ws:\n        return ws.path\n"
    assert project({"test_x.py": source}, websockets_version="13.1").findings == []
    explicit = source.replace("import websockets\n", "import websockets.asyncio.client\n").replace(
        "websockets.connect", "websockets.asyncio.client.connect"
    )
    assert [f.code for f in project({"test_x.py": explicit}, websockets_version="13.1").findings] == ["GP106"]
    ranged = project(
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["websockets>=12"]\n',
            "test_x.py": source,
        }
    )
    assert [f.fix.applicability.value for f in ranged.findings] == ["unsafe"]


def test_gp106_state_name_clash_is_not_fixed(project) -> None:
    source = (
        "from enum import Enum as State\nimport websockets\nasync def f(u):\n"
        "    async with websockets.connect(u) as ws:\n        return ws.open, ws.path\n"
    )
    first, second = project({"test_x.py": source}).findings
    assert first.fix is None and "`State` already names something else" in first.message
    assert second.fix is not None


# A real server: GP105's fix makes the rejection catchable ------------------------------------------------------

websockets = pytest.importorskip("websockets")

REJECTED_CLIENT = """\
import asyncio
import sys

import websockets
from websockets.exceptions import InvalidStatusCode


async def main(uri):
    try:
        async with websockets.connect(uri, open_timeout=10):
            print("connected")
    except InvalidStatusCode as e:
        print(e.status_code)


asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
def rejecting_server():
    with running_server(reject_status=403) as (uri, _tokens):
        yield uri



@pytest.mark.slow
def test_fix_makes_the_rejection_catchable(rejecting_server, tmp_path: Path) -> None:
    if int(websockets.__version__.split(".")[0]) < 14:  # pragma: no cover
        pytest.skip("websockets < 14 still raises InvalidStatusCode from websockets.connect")
    (tmp_path / ".git").mkdir()
    script = tmp_path / "client.py"
    script.write_text(REJECTED_CLIENT)

    before = run_offline([sys.executable, str(script), rejecting_server], tmp_path)
    assert before.returncode == 1
    # The new client raises InvalidStatus, which the legacy handler does not catch.
    assert before.stderr.strip().splitlines()[-1] == (
        "websockets.exceptions.InvalidStatus: server rejected WebSocket connection: HTTP 403"
    ), before.stderr
    assert before.stdout == ""

    fixed = run_offline(
        [
            sys.executable,
            "-m",
            "goldenpath_audit",
            "fix",
            "--select",
            "GP105",
            "client.py",
        ],
        tmp_path,
    )
    assert (fixed.returncode, fixed.stderr) == (0, "")
    assert fixed.stdout.splitlines()[0] == "Fixed 2 findings in client.py (GP105)"
    expected = REJECTED_CLIENT.replace("InvalidStatusCode", "InvalidStatus").replace(
        "e.status_code", "e.response.status_code"
    )
    assert script.read_text() == expected

    after = run_offline([sys.executable, str(script), rejecting_server], tmp_path)
    assert (after.returncode, after.stdout) == (0, "403\n"), after.stderr
    assert "DeprecationWarning" not in after.stderr


def test_fallbacks_for_websockets_before_13_are_not_the_new_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`except ImportError` after a failed `websockets.asyncio` import runs only on websockets < 13."""
    source = (
        "async def open_socket(uri, h):\n"
        "    try:\n"
        "        from websockets.asyncio.client import connect\n"
        "        return await connect(uri, additional_headers=h)\n"
        "    except ImportError:\n"
        "        import websockets\n"
        "        async with websockets.connect(uri, extra_headers=h, timeout=5) as ws:\n"
        "            return ws.open\n"
        "\n\nasync def plain(uri, h):\n"
        "    import websockets\n"
        "    async with websockets.connect(uri, extra_headers=h) as ws:\n"
        "        return ws.open\n"
    )
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, {".git/HEAD": "", "test_ws.py": source})
    result = run_engine(tmp_path, select=["GP101", "GP104", "GP106"])
    assert [(line, code) for _, line, _, code in locations(result)] == [(13, "GP101"), (14, "GP106")]
