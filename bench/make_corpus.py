"""Write a reproducible corpus of realistic pytest test modules for benchmarking.

    python bench/make_corpus.py --files 10000 --out /tmp/corpus --seed 0

The corpus is a small project: a `pyproject.toml` (pytest markers, websockets and
pytest-asyncio requirements, an SSOT registry), a first-party package `app/`, a
root `tests/conftest.py` and one conftest per few test folders (both with
`pytest_configure` marker registrations), and N test modules of about 400 lines
each on average. The modules mix pytest classes and functions, fixtures,
parametrization, registered and unregistered markers, websockets clients with
`additional_headers=` and with the old `extra_headers=`, first-party imports that
resolve and some that do not, and a syntax error in about 1 file in 1000.

Output is a pure function of (files, seed): byte-identical across runs and
machines. Everything is built from string templates (no ast), so 10,000 files
take a few seconds.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

AREAS = (
    "agents", "auth", "billing", "chat", "db", "gateway", "ingest", "jobs",
    "notifications", "orders", "payments", "search", "sessions", "storage",
    "tenants", "tools", "users", "webhooks", "workflows", "ws",
)
FILES_PER_DIR = 100
CONFTEST_EVERY = 3  # every third test folder has its own conftest.py

REGISTERED_MARKERS = ("slow", "integration", "e2e", "db", "network", "golden_path", "smoke_api")
CONFTEST_MARKERS = ("nightly", "smoke")  # registered by tests/conftest.py
UNREGISTERED_MARKERS = ("flaky_net", "wip", "perf", "regression_db", "needs_gpu", "canary")
BUILTIN_MARKERS_NOARG = ("usefixtures",)

NOUNS = (
    "user", "order", "invoice", "session", "token", "message", "thread", "agent",
    "tenant", "payment", "webhook", "job", "report", "queue", "account", "tool",
)
VERBS = (
    "create", "update", "delete", "list", "fetch", "retry", "expire", "refresh",
    "validate", "serialize", "route", "stream", "cancel", "archive", "replay",
)
ADJ = ("empty", "large", "unicode", "expired", "duplicate", "missing", "partial", "nested", "default", "invalid")
WORDS = (
    "alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "zeta",
    "lorem", "ipsum", "dolor", "amet", "hello", "world", "payload", "chunk",
)

PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "bench-corpus"
version = "1.0.0"
description = "Synthetic pytest suite for goldenpath-audit benchmarks (seed {seed}, {files} files)."
requires-python = ">=3.11"
dependencies = [
    "websockets>=14",
    "pytest>=8.3",
    "pytest-asyncio>=1.0",
    "httpx>=0.27",
]

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-ra --strict-markers"
asyncio_mode = "strict"
asyncio_default_fixture_loop_scope = "function"
markers = [
{markers}
]

[tool.goldenpath-audit]

[tool.goldenpath-audit.ssot]
"app.compat.ApiClient" = {{ use = "app.client.ApiClient", reason = "app.compat is removed in 2.0" }}
'''

APP_FILES = {
    "app/__init__.py": '"""First-party package of the benchmark corpus."""\n\n__version__ = "1.0.0"\n',
    "app/settings.py": (
        '"""Runtime settings."""\n\nimport os\n\n'
        'WS_URL = os.environ.get("APP_WS_URL", "ws://localhost:8000/ws")\n'
        'API_URL = os.environ.get("APP_API_URL", "http://localhost:8000")\n'
        "TIMEOUT = 10.0\n"
    ),
    "app/client.py": (
        '"""HTTP and websocket clients."""\n\nfrom dataclasses import dataclass, field\n\n\n'
        "@dataclass\nclass ApiClient:\n    base_url: str\n    token: str = \"\"\n"
        "    headers: dict[str, str] = field(default_factory=dict)\n\n"
        "    def get(self, path: str) -> dict:\n        return {\"path\": path, \"status\": 200}\n\n"
        "    def post(self, path: str, body: dict) -> dict:\n        return {\"path\": path, \"status\": 201, \"body\": body}\n\n\n"
        "class WsSession:\n    def __init__(self, url: str) -> None:\n        self.url = url\n\n\n"
        "def build_headers(token: str) -> dict[str, str]:\n    return {\"Authorization\": f\"Bearer {token}\"}\n"
    ),
    "app/models.py": (
        '"""Domain models."""\n\nfrom dataclasses import dataclass\n\n\n'
        "@dataclass\nclass User:\n    id: int\n    name: str\n\n\n"
        "@dataclass\nclass Order:\n    id: int\n    user_id: int\n    total: float = 0.0\n\n\n"
        "@dataclass\nclass Message:\n    thread_id: str\n    text: str\n"
    ),
    "app/db.py": (
        '"""Database access."""\n\n\nclass Session:\n    def __init__(self, dsn: str = "sqlite://") -> None:\n'
        "        self.dsn = dsn\n        self.rows: list[dict] = []\n\n"
        "    def add(self, row: dict) -> None:\n        self.rows.append(row)\n\n"
        "    def close(self) -> None:\n        self.rows.clear()\n\n\n"
        "def connect_db(dsn: str = \"sqlite://\") -> Session:\n    return Session(dsn)\n"
    ),
    "app/compat.py": '"""Deprecated re-exports."""\n\nfrom app.client import ApiClient\n\n__all__ = ["ApiClient"]\n',
    "app/services/__init__.py": "",
    "app/services/routing.py": (
        '"""Message routing."""\n\n\nclass Router:\n    def __init__(self) -> None:\n        self.routes: dict[str, str] = {}\n\n'
        "    def add(self, name: str, target: str) -> None:\n        self.routes[name] = target\n\n\n"
        "def route(router: Router, name: str) -> str:\n    return router.routes.get(name, \"default\")\n"
    ),
}

ROOT_CONFTEST = '''"""Shared fixtures for the benchmark suite."""

from __future__ import annotations

import os

import pytest

from app.client import ApiClient
from app.db import Session, connect_db
from app.settings import API_URL, WS_URL


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "nightly: runs only in the nightly environment")
    config.addinivalue_line("markers", "smoke: the quick smoke subset")


@pytest.fixture(scope="session")
def ws_url() -> str:
    return os.environ.get("APP_WS_URL", WS_URL)


@pytest.fixture(scope="session")
def auth_token() -> str:
    return os.environ.get("APP_TOKEN", "test-token")


@pytest.fixture
def api_client(auth_token: str) -> ApiClient:
    return ApiClient(API_URL, token=auth_token)


@pytest.fixture
def db_session():
    session = connect_db()
    yield session
    session.close()


@pytest.fixture
def headers(auth_token: str) -> dict[str, str]:
    return {{"Authorization": f"Bearer {{auth_token}}"}}
'''

GROUP_CONFTEST = '''"""Fixtures for the {area} tests ({group})."""

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "{area}_contract: contract tests for {area}")


@pytest.fixture
def {area}_payload():
    return {{"area": "{area}", "group": {group_num}, "items": [1, 2, 3]}}
'''


def _ident(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)}_{rng.choice(ADJ)}_{rng.choice(NOUNS)}"


def _header(rng: random.Random, index: int, area: str, features: set[str]) -> list[str]:
    lines = [f'"""Tests for {area}: {rng.choice(VERBS)} {rng.choice(NOUNS)} flows (module {index})."""', ""]
    lines.append("from __future__ import annotations")
    lines.append("")
    std = ["asyncio", "json", "os", "uuid"] + rng.sample(["time", "itertools", "dataclasses", "logging"], 2)
    lines += [f"import {m}" for m in sorted(std)]
    lines.append("")
    lines.append("import pytest")
    if "ws_new" in features or "ws_extra_new" in features:
        lines.append("from websockets.asyncio.client import connect")
    if "ws_top" in features or "ws_extra_top" in features:
        lines.append("import websockets")
    lines.append("")
    first_party = ["from app.client import ApiClient, build_headers", "from app.models import Order, User"]
    if rng.random() < 0.5:
        first_party.append("from app.db import Session")
    if rng.random() < 0.3:
        first_party.append("from app.services.routing import Router, route")
    if rng.random() < 0.3:
        first_party.append("from app import settings")
    if "broken_module" in features:
        first_party.append(rng.choice(["from app.legacy_models import Invoice", "import app.removed_helpers"]))
    if "broken_name" in features:
        first_party.append(rng.choice(["from app.models import Invoice", "from app.client import LegacyClient"]))
    if "ssot" in features:
        first_party.append("from app.compat import ApiClient as CompatClient")
    lines += sorted(first_party)
    lines += ["", "", f'LOGGER_NAME = "tests.{area}.m{index}"', f"DEFAULT_LIMIT = {rng.randint(5, 500)}", ""]
    return lines


def _markers(rng: random.Random, features: set[str], indent: str, area: str) -> list[str]:
    out = []
    r = rng.random()
    if r < 0.35:
        out.append(f"{indent}@pytest.mark.{rng.choice(REGISTERED_MARKERS)}")
    elif r < 0.45:
        out.append(f"{indent}@pytest.mark.{rng.choice(CONFTEST_MARKERS)}")
    elif r < 0.50 and "group_conftest" in features:
        out.append(f"{indent}@pytest.mark.{area}_contract")
    elif r < 0.55:
        out.append(f'{indent}@pytest.mark.skipif(os.environ.get("CI") == "1", reason="flaky on CI")')
    elif r < 0.58:
        out.append(f'{indent}@pytest.mark.xfail(reason="known bug #{rng.randint(100, 9999)}")')
    if "unregistered" in features and rng.random() < 0.15:
        out.append(f"{indent}@pytest.mark.{rng.choice(UNREGISTERED_MARKERS)}")
    return out


def _asserts(rng: random.Random, indent: str, var: str, n: int) -> list[str]:
    out = []
    for _ in range(n):
        k = rng.randrange(6)
        if k == 0:
            out.append(f'{indent}assert {var}["status"] in (200, 201)')
        elif k == 1:
            out.append(f'{indent}assert "{rng.choice(WORDS)}" not in json.dumps({var})')
        elif k == 2:
            out.append(f"{indent}assert len({var}) >= {rng.randint(0, 3)}")
        elif k == 3:
            out.append(f"{indent}assert isinstance({var}, dict)")
        elif k == 4:
            out.append(f'{indent}assert {var}.get("{rng.choice(NOUNS)}") is None')
        else:
            out.append(f'{indent}assert {var}["path"].startswith("/")')
    return out


def _function_test(rng: random.Random, features: set[str], area: str, names: set[str]) -> list[str]:
    name = _unique(rng, names)
    noun = rng.choice(NOUNS)
    lines = _markers(rng, features, "", area)
    fixture = rng.choice(["api_client", "api_client", "db_session"])
    lines.append(f"def test_{name}({fixture}, tmp_path):")
    lines.append(f'    """{rng.choice(VERBS).capitalize()} a {rng.choice(ADJ)} {noun} and check the response."""')
    if fixture == "api_client":
        lines.append(f'    body = {{"{noun}": "{rng.choice(WORDS)}", "count": {rng.randint(1, 50)}}}')
        lines.append(f'    response = api_client.post("/{area}/{noun}s", body)')
        lines += _asserts(rng, "    ", "response", rng.randint(2, 5))
        lines.append(f'    (tmp_path / "{noun}.json").write_text(json.dumps(response))')
        lines.append(f'    assert (tmp_path / "{noun}.json").exists()')
    else:
        lines.append(f"    for i in range({rng.randint(2, 20)}):")
        lines.append(f'        db_session.add({{"id": i, "kind": "{noun}"}})')
        lines.append("    assert len(db_session.rows) > 0")
        lines.append(f'    assert db_session.rows[0]["kind"] == "{noun}"')
    lines += ["", ""]
    return lines


def _parametrized_test(rng: random.Random, features: set[str], area: str, names: set[str]) -> list[str]:
    name = _unique(rng, names)
    lines = _markers(rng, features, "", area)
    cases = rng.randint(3, 8)
    lines.append("@pytest.mark.parametrize(")
    lines.append('    ("value", "expected"),')
    lines.append("    [")
    for w in rng.sample(WORDS, cases):
        lines.append(f'        ("{w}", {len(w)}),')
    if rng.random() < 0.3:
        lines.append(f'        pytest.param("", 0, id="{rng.choice(ADJ)}"),')
    lines.append("    ],")
    lines.append(")")
    lines.append(f"def test_{name}(value, expected):")
    lines.append("    result = len(value)")
    lines.append("    assert result == expected")
    lines.append("    assert value.lower() == value")
    lines += ["", ""]
    return lines


def _fixture(rng: random.Random, area: str, names: set[str], fixtures: list[str]) -> list[str]:
    name = f"{rng.choice(ADJ)}_{rng.choice(NOUNS)}"
    if name in fixtures:
        name = f"{name}_{len(fixtures)}"
    fixtures.append(name)
    scope = rng.choice(["", "", "", 'scope="module"', 'scope="session"'])
    lines = [f"@pytest.fixture({scope})" if scope else "@pytest.fixture"]
    if rng.random() < 0.5:
        lines.append(f"def {name}():")
        lines.append(f'    """A {name.replace("_", " ")} for the {area} tests."""')
        lines.append(f'    value = {{"id": str(uuid.uuid4()), "name": "{rng.choice(WORDS)}", "size": {rng.randint(0, 10**6)}}}')
        lines.append("    yield value")
        lines.append("    value.clear()")
    else:
        lines.append(f"def {name}(api_client):")
        lines.append(f'    return User(id={rng.randint(1, 10**5)}, name="{rng.choice(WORDS)}")')
    lines += ["", ""]
    return lines


def _ws_test(rng: random.Random, features: set[str], area: str, names: set[str], extra: bool) -> list[str]:
    name = _unique(rng, names)
    use_top = ("ws_top" in features or "ws_extra_top" in features) and (
        not ("ws_new" in features or "ws_extra_new" in features) or rng.random() < 0.5
    )
    func = "websockets.connect" if use_top else "connect"
    kw = "extra_headers" if extra else "additional_headers"
    lines = ["@pytest.mark.asyncio"]
    lines += _markers(rng, features, "", area)
    lines.append(f"async def test_{name}(ws_url, headers):")
    lines.append(f"    async with {func}(ws_url, {kw}=headers, open_timeout={rng.randint(2, 30)}) as ws:")
    lines.append(f'        await ws.send(json.dumps({{"type": "{rng.choice(VERBS)}", "{rng.choice(NOUNS)}": "{rng.choice(WORDS)}"}}))')
    lines.append("        reply = json.loads(await ws.recv())")
    lines.append(f'        assert reply["type"] in ("ack", "{rng.choice(VERBS)}")')
    if rng.random() < 0.5:
        lines.append(f"        for _ in range({rng.randint(2, 5)}):")
        lines.append("            chunk = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))")
        lines.append('            assert "seq" in chunk')
    lines += ["", ""]
    return lines


def _class(rng: random.Random, features: set[str], area: str, names: set[str]) -> list[str]:
    cls = "Test" + "".join(w.capitalize() for w in (rng.choice(ADJ), rng.choice(NOUNS))) + str(len(names))
    lines = _markers(rng, features, "", area)
    lines.append(f"class {cls}:")
    lines.append(f'    """{rng.choice(VERBS).capitalize()} {rng.choice(NOUNS)}s through the public API."""')
    lines.append("")
    lines.append(f'    endpoint = "/{area}/{rng.choice(NOUNS)}s"')
    lines.append("")
    if rng.random() < 0.5:
        lines.append("    @pytest.fixture(autouse=True)")
        lines.append("    def _setup(self, api_client):")
        lines.append("        self.client = api_client")
        lines.append("        self.created = []")
        lines.append("        yield")
        lines.append("        self.created.clear()")
        lines.append("")
        fixture_arg = ""
    else:
        fixture_arg = ", api_client"
    for _ in range(rng.randint(3, 7)):
        mname = _unique(rng, names)
        lines += _markers(rng, features, "    ", area)
        if rng.random() < 0.3:
            lines.append(f'    @pytest.mark.parametrize("limit", [{", ".join(str(n) for n in rng.sample(range(1, 101), rng.randint(2, 5)))}])')
            lines.append(f"    def test_{mname}(self{fixture_arg}, limit):")
            lines.append("        assert 0 < limit <= 100")
        else:
            lines.append(f"    def test_{mname}(self{fixture_arg}):")
        client = "api_client" if fixture_arg else "self.client"
        lines.append(f"        response = {client}.get(self.endpoint)")
        lines += _asserts(rng, "        ", "response", rng.randint(1, 4))
        if rng.random() < 0.3:
            lines.append("        with pytest.raises(KeyError):")
            lines.append(f'            response["{rng.choice(WORDS)}"]')
        lines.append("")
    lines.append("")
    return lines


def _helpers(rng: random.Random, names: set[str]) -> list[str]:
    name = _unique(rng, names)
    lines = [f"def _{name}(items, limit=DEFAULT_LIMIT):"]
    lines.append(f'    """Return the first `limit` {rng.choice(NOUNS)}s that are not {rng.choice(ADJ)}."""')
    lines.append("    selected = []")
    lines.append("    for item in items:")
    lines.append(f'        if item.get("{rng.choice(ADJ)}"):')
    lines.append("            continue")
    lines.append("        selected.append(item)")
    lines.append("        if len(selected) >= limit:")
    lines.append("            break")
    lines.append("    return selected")
    lines += ["", ""]
    return lines


def _unique(rng: random.Random, names: set[str]) -> str:
    name = _ident(rng)
    if name in names:
        name = f"{name}_{len(names)}"
    names.add(name)
    return name


def _features(rng: random.Random, index: int) -> set[str]:
    """Which traits module `index` has: some forced by index so small corpora have them all."""
    f: set[str] = set()
    if rng.random() < 0.25 or index % 10 == 0:
        f.add("ws_new")
    if rng.random() < 0.15 or index % 10 == 5:
        f.add("ws_top")
    if rng.random() < 0.04 or index % 20 == 1:
        f.add(rng.choice(["ws_extra_new", "ws_extra_top"]))
    if rng.random() < 0.05 or index % 25 == 2:
        f.add("unregistered")
    if rng.random() < 0.01 or index % 40 == 3:
        f.add("broken_module")
    if rng.random() < 0.01 or index % 50 == 4:
        f.add("broken_name")
    if rng.random() < 0.01 or index % 60 == 6:
        f.add("ssot")
    if index % 1000 == 7:
        f.add("syntax_error")
    return f


def render_module(seed: int, index: int, area: str, group_conftest: bool = False) -> str:
    rng = random.Random(f"goldenpath-bench:{seed}:{index}")
    features = _features(rng, index)
    if group_conftest:
        features.add("group_conftest")
    target = rng.randint(250, 550)  # averages about 400 lines
    names: set[str] = set()
    fixtures: list[str] = []
    lines = _header(rng, index, area, features)
    lines.append("")
    if "unregistered" in features:
        # Guarantee at least one unregistered marker in the module.
        lines.append(f"@pytest.mark.{rng.choice(UNREGISTERED_MARKERS)}")
        lines += _parametrized_test(rng, set(), area, names)
    if "ws_extra_new" in features or "ws_extra_top" in features:
        lines += _ws_test(rng, features, area, names, extra=True)
    if "broken_name" in features or "broken_module" in features:
        lines.append("def test_legacy_imports_still_work():")
        lines.append("    assert Invoice is not None" if "Invoice" in "\n".join(lines) else "    assert True")
        lines += ["", ""]
    if "ssot" in features:
        lines.append("def test_compat_client():")
        lines.append('    assert CompatClient("http://x").get("/")["status"] == 200')
        lines += ["", ""]
    has_ws = bool(features & {"ws_new", "ws_top", "ws_extra_new", "ws_extra_top"})
    while len(lines) < target:
        k = rng.random()
        if k < 0.12:
            lines += _fixture(rng, area, names, fixtures)
        elif k < 0.40:
            lines += _function_test(rng, features, area, names)
        elif k < 0.58:
            lines += _parametrized_test(rng, features, area, names)
        elif k < 0.85:
            lines += _class(rng, features, area, names)
        elif k < 0.93 and has_ws:
            lines += _ws_test(rng, features, area, names, extra=False)
        else:
            lines += _helpers(rng, names)
    if "syntax_error" in features:
        at = len(lines) // 2
        while at < len(lines) - 1 and not (lines[at - 1] == "" and lines[at][:1].isalpha()):
            at += 1
        lines.insert(at, "def test_half_merged(api_client:\n    assert api_client\n\n")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def make_corpus(files: int, out: Path, seed: int = 0) -> dict[str, int]:
    """Write the corpus to `out` (created; existing files are overwritten). Returns counts."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / ".git").mkdir(exist_ok=True)  # stops upward config/dependency discovery at the corpus root
    markers = ",\n".join(f'    "{m}: {m.replace("_", " ")} tests"' for m in REGISTERED_MARKERS)
    (out / "pyproject.toml").write_text(PYPROJECT.format(seed=seed, files=files, markers=markers), encoding="utf-8")
    for rel, text in APP_FILES.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    tests = out / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "conftest.py").write_text(ROOT_CONFTEST.format(), encoding="utf-8")
    total_lines = 0
    conftests = 1
    for group in range((files + FILES_PER_DIR - 1) // FILES_PER_DIR):
        area = AREAS[group % len(AREAS)]
        folder = tests / f"{area}_{group:03d}"
        folder.mkdir(exist_ok=True)
        has_conftest = group % CONFTEST_EVERY == 0
        if has_conftest:
            text = GROUP_CONFTEST.format(area=area, group=f"{area}_{group:03d}", group_num=group)
            (folder / "conftest.py").write_text(text, encoding="utf-8")
            conftests += 1
        for index in range(group * FILES_PER_DIR, min(files, (group + 1) * FILES_PER_DIR)):
            text = render_module(seed, index, area, has_conftest)
            total_lines += text.count("\n")
            # newline="" keeps "\n" on every platform: byte-identical output.
            with open(folder / f"test_{area}_{index:05d}.py", "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
    return {"test_files": files, "conftests": conftests, "lines": total_lines}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000, help="number of test modules (default 10000)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write the corpus into")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.files < 0:
        parser.error("--files must be >= 0")
    start = time.perf_counter()
    counts = make_corpus(args.files, args.out, args.seed)
    elapsed = time.perf_counter() - start
    print(
        f"wrote {counts['test_files']} test modules, {counts['conftests']} conftest.py files, "
        f"{counts['lines']:,} lines of tests to {args.out} in {elapsed:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
