"""GP101 end to end on real files: import forms, scoping, and version awareness."""

from __future__ import annotations

import pytest

from conftest import locations

CLIENT = """\
import websockets
import websockets as ws
from websockets import connect as plain_connect
from websockets.asyncio.client import connect, unix_connect
import websockets.asyncio.client as wac


async def test_forms(uri, h):
    async with websockets.connect(uri, extra_headers=h) as a:
        pass
    b = await ws.connect(uri, extra_headers=h)
    plain_connect(uri, extra_headers=h)
    connect(uri, extra_headers=h)
    unix_connect("/tmp/s", extra_headers=h)
    wac.connect(
        uri,
        extra_headers=h,
    )
    websockets.asyncio.client.connect(uri, extra_headers=h)
"""


def test_every_import_form_is_resolved(project) -> None:
    result = project({"tests/test_forms.py": CLIENT})
    assert locations(result) == [
        ("tests/test_forms.py", 9, 40, "GP101"),
        ("tests/test_forms.py", 11, 31, "GP101"),
        ("tests/test_forms.py", 12, 24, "GP101"),
        ("tests/test_forms.py", 13, 18, "GP101"),
        ("tests/test_forms.py", 14, 28, "GP101"),
        ("tests/test_forms.py", 17, 9, "GP101"),
        ("tests/test_forms.py", 19, 44, "GP101"),
    ]
    assert [(f.end_line, f.end_column) for f in result.findings][0] == (9, 53)


def test_columns_count_characters_not_bytes(project) -> None:
    source = "import websockets\nwebsockets.connect('ws://é', extra_headers=h)\n"
    result = project({"test_u.py": source})
    # 'é' is two bytes in UTF-8; the column counts it once.
    assert locations(result) == [("test_u.py", 2, 30, "GP101")]


@pytest.mark.parametrize(
    "source",
    [
        # legacy clients keep extra_headers
        "from websockets.client import connect\nconnect(u, extra_headers=h)\n",
        "import websockets.legacy.client\nwebsockets.legacy.client.connect(u, extra_headers=h)\n",
        "from websockets.legacy.client import connect as c\nc(u, extra_headers=h)\n",
        # other libraries and local functions
        "import aiohttp\nasync def f(s):\n    await s.ws_connect(u, headers={'extra_headers': 1})\n",
        "import httpx\nhttpx.get(u, headers={'extra_headers': 1})\n",
        "def connect(u, extra_headers=None):\n    pass\nconnect(u, extra_headers={})\n",
        # a local name shadows the import in that scope
        "from websockets import connect\ndef test(connect):\n    connect(u, extra_headers=h)\n",
        "from websockets import connect\ndef test():\n    connect = make()\n    connect(u, extra_headers=h)\n",
        # a module-level def of the same name makes the binding ambiguous: no guess
        "from websockets import connect\ndef connect(u, **kw):\n    pass\nconnect(u, extra_headers=h)\n",
        # dict keys, variables and **kwargs content
        "import websockets\nopts = {'extra_headers': h}\nwebsockets.connect(u, **opts)\n",
        "import websockets\nextra_headers = h\nwebsockets.connect(u, additional_headers=extra_headers)\n",
    ],
)
def test_never_flags(project, source: str) -> None:
    # GP102 rightly flags the legacy clients themselves; GP101 must stay quiet.
    assert project({"test_x.py": source}, select=["GP101"]).findings == []


def test_try_import_fallback_resolves_to_the_try_body(project) -> None:
    source = (
        "try:\n    from websockets.asyncio.client import connect\n"
        "except ImportError:\n    from websockets.client import connect\n"
        "connect(u, extra_headers=h)\n"
    )
    assert locations(project({"test_x.py": source})) == [("test_x.py", 5, 12, "GP101")]


def test_nested_function_sees_module_import_and_class_scope_is_skipped(project) -> None:
    source = (
        "import websockets\n"
        "class TestClient:\n"
        "    websockets = None\n"
        "    async def test_it(self):\n"
        "        await websockets.connect(u, extra_headers=h)\n"
    )
    assert locations(project({"test_x.py": source})) == [("test_x.py", 5, 37, "GP101")]


def test_function_scope_import(project) -> None:
    source = "def test():\n    from websockets import connect\n    connect(u, extra_headers=h)\n"
    assert locations(project({"test_x.py": source})) == [("test_x.py", 3, 16, "GP101")]


def test_both_keywords_is_flagged_without_fix(project) -> None:
    result = project({"test_x.py": "import websockets\nwebsockets.connect(u, extra_headers=h, additional_headers=g)\n"})
    (finding,) = result.findings
    assert finding.fix is None
    assert "already passes `additional_headers`" in finding.message


def test_user_agent_header_makes_the_fix_unsafe(project) -> None:
    result = project({"test_x.py": "import websockets\nwebsockets.connect(u, extra_headers={'User-Agent': 'bot'})\n"})
    (finding,) = result.findings
    assert finding.fix is not None and finding.fix.applicability.value == "unsafe"


TOP_LEVEL = "import websockets\nwebsockets.connect(u, extra_headers=h)\n"
EXPLICIT_NEW = "from websockets.asyncio.client import connect\nconnect(u, extra_headers=h)\n"


@pytest.mark.parametrize(
    ("files", "flagged", "origin"),
    [
        ({}, True, "no websockets requirement found; assuming the newest release"),
        ({"pyproject.toml": '[project]\nname="x"\ndependencies=["websockets>=14"]\n'}, True, "websockets>=14 in pyproject.toml"),
        ({"pyproject.toml": '[project]\nname="x"\ndependencies=["websockets>=12"]\n'}, True, "websockets>=12 in pyproject.toml"),
        ({"pyproject.toml": '[project]\nname="x"\ndependencies=["websockets<14"]\n'}, False, None),
        ({"pyproject.toml": '[project]\nname="x"\ndependencies=["websockets~=13.0"]\n'}, False, None),
        ({"requirements.txt": "-r requirements/base.txt\n", "requirements/base.txt": "websockets==13.1\n"}, False, None),
        ({"requirements-dev.txt": "websockets>=13\n"}, True, "websockets>=13 in requirements-dev.txt"),
        ({"setup.cfg": "[options]\ninstall_requires =\n    websockets<14\n"}, False, None),
        ({"pyproject.toml": '[tool.poetry.dependencies]\nwebsockets = "^13.0"\n'}, False, None),
        (
            {
                "pyproject.toml": '[project]\nname="x"\ndependencies=["websockets>=12"]\n',
                "uv.lock": 'version = 1\n[[package]]\nname = "websockets"\nversion = "13.1"\n',
            },
            False,
            None,
        ),
        (
            {
                "pyproject.toml": '[project]\nname="x"\ndependencies=["websockets>=12"]\n',
                "poetry.lock": '[[package]]\nname = "websockets"\nversion = "14.2"\n',
            },
            True,
            "websockets 14.2 pinned in poetry.lock",
        ),
    ],
)
def test_top_level_connect_follows_the_governing_requirement(project, files, flagged, origin) -> None:
    result = project({**files, "tests/test_x.py": TOP_LEVEL})
    assert bool(result.findings) is flagged
    if flagged:
        assert origin in result.findings[0].message


def test_nearest_declaration_governs_each_file(project) -> None:
    result = project(
        {
            "pyproject.toml": '[project]\nname="x"\ndependencies=["websockets>=14"]\n',
            "legacy/requirements.txt": "websockets<14\n",
            "legacy/tests/test_x.py": TOP_LEVEL,
            "tests/test_x.py": TOP_LEVEL,
        }
    )
    assert locations(result) == [("tests/test_x.py", 2, 23, "GP101")]


def test_explicit_new_client_is_flagged_even_below_14(project) -> None:
    result = project({"requirements.txt": "websockets==13.1\n", "test_x.py": EXPLICIT_NEW})
    assert locations(result) == [("test_x.py", 2, 12, "GP101")]


@pytest.mark.parametrize(("version", "flagged"), [("13.1", False), ("14.0", True), (">=14", True), ("<14", False)])
def test_override_beats_declarations(project, version: str, flagged: bool) -> None:
    files = {"requirements.txt": "websockets>=14\n", "test_x.py": TOP_LEVEL}
    result = project(files, websockets_version=version)
    assert bool(result.findings) is flagged
    if flagged:
        assert f"--websockets-version {version}" in result.findings[0].message


def test_sync_client_is_flagged(project) -> None:
    source = "from websockets.sync.client import connect\nwith connect(u, extra_headers=h) as ws:\n    pass\n"
    (finding,) = project({"test_x.py": source}).findings
    assert "threading client" in finding.message
