"""Properties of `fix` over generated sources: idempotent, still parsing, and local.

Sources are composed from snippets with known fixable findings (GP101
`extra_headers=`, GP205 `pytestmark` tuples, GP208 `scope=` on the asyncio
marker, GP301 moved imports, GP201 unregistered markers, GP206 async tests
without a marker) mixed with arbitrary valid filler statements, comments and
blank lines, with LF or CRLF newlines. For each, the real engine checks a
real temporary project and `apply_fixes` writes the fixes; then:

- a second check-and-fix changes nothing (fix twice == fix once);
- the fixed file still parses;
- every top-level statement that overlaps no fixed finding (nor a line its fix
  operations name) is unchanged, as `ast.dump` sees it, and in the same order.

When hypothesmith is installed, a second test mixes grammar-generated code in.
"""

from __future__ import annotations

import ast
import contextlib
import keyword
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st

from goldenpath_audit.auditor.config import load_settings
from goldenpath_audit.auditor.fixer import FixReport, apply_fixes
from goldenpath_audit.auditor.runner import Runner

try:
    import hypothesmith
except ImportError:  # optional: `pip install hypothesmith`
    hypothesmith = None

PYPROJECT = """\
[project]
name = "generated"
dependencies = ["websockets>=14.0", "pytest-asyncio>=0.24"]

[tool.pytest.ini_options]
asyncio_mode = "strict"
markers = ["integration: integration tests"]

[tool.goldenpath-audit.ssot]
"app.old.Manager" = { use = "app.core.manager.Manager", reason = "moved" }
"""

SUPPORT = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/manager.py": "class Manager: ...\n",
    "app/old.py": "from app.core.manager import Manager\n",
}

HEADER = "import pytest\nimport websockets\n"

# Snippets with fixable findings; `{n}` keeps generated names distinct.
FIXABLE = [
    "websockets.connect(uri, extra_headers=h)\n",
    "async def test_ws{n}(uri, h):\n"
    "    async with websockets.connect(uri, extra_headers=h) as ws:\n"
    "        await ws.send('x')\n",
    "client{n} = websockets.connect(\n    uri,  # where\n    extra_headers={{'X-Trace': '1'}},\n)\n",
    "pytestmark = (pytest.mark.integration, pytest.mark.slow)\n",
    "pytestmark = pytest.mark.integration, pytest.mark.db{n}\n",
    "@pytest.mark.asyncio(scope='module')\nasync def test_scope{n}():\n    pass\n",
    "from app.old import Manager\n",
    "from app.old import (\n    Manager,  # the manager\n)\n",
    "async def test_plain{n}():\n    assert True\n",
    "class TestGroup{n}:\n"
    "    pytestmark = (pytest.mark.integration,)\n\n"
    "    @pytest.mark.asyncio(scope='class')\n"
    "    async def test_m(self):\n"
    "        pass\n",
]

RESERVED = {"pytest", "websockets", "app", "Manager", "pytestmark", "uri", "h"}
names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and not keyword.issoftkeyword(name) and name not in RESERVED
)
literals = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.text(st.characters(codec="ascii", categories=["L", "N", "Zs"]), max_size=12).map(repr),
    st.sampled_from(["None", "True", "[]", "{}", "(1, 2)"]),
)
comment_text = st.text(st.characters(codec="ascii", categories=["L", "N", "P", "Zs"]), max_size=30)


@st.composite
def filler(draw) -> str:
    name, other, value = draw(names), draw(names), draw(literals)
    return draw(
        st.sampled_from(
            [
                f"{name} = {value}\n",
                f"def {name}({other}={value}):\n    return {other}\n",
                f"class {name.capitalize()}Thing:\n    {other} = {value}  # attribute\n",
                f"if {value}:\n    {name} = {value}\nelse:\n    pass\n",
                f"for {name} in range(3):\n    {other} = {name}\n",
                f"{name} = [\n    {value},\n    {value},\n]\n",
            ]
        )
    )


@st.composite
def chunks(draw) -> str:
    kind = draw(st.sampled_from(["fixable", "fixable", "filler", "comment", "blank"]))
    if kind == "fixable":
        return draw(st.sampled_from(FIXABLE)).format(n=draw(st.integers(0, 99)))
    if kind == "filler":
        return draw(filler())
    if kind == "comment":
        return f"# {draw(comment_text)}\n"
    return "\n"


@st.composite
def sources(draw, extra: st.SearchStrategy[str] | None = None) -> bytes:
    parts = [HEADER, *draw(st.lists(chunks(), min_size=1, max_size=10))]
    if extra is not None:
        parts.insert(draw(st.integers(1, len(parts))), draw(extra))
    text = "".join(parts)
    assume(_parses(text))
    if draw(st.booleans()):
        text = text.rstrip("\n")  # no final newline
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return text.replace("\n", newline).encode()


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


@contextlib.contextmanager
def project(source: bytes) -> Iterator[Path]:
    previous = os.getcwd()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory).resolve()
        (root / ".git").mkdir()
        (root / "pyproject.toml").write_text(PYPROJECT)
        for name, text in SUPPORT.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        (root / "tests").mkdir()
        (root / "tests" / "test_generated.py").write_bytes(source)
        os.chdir(root)
        try:
            yield root
        finally:
            os.chdir(previous)


def fix(root: Path, *, unsafe: bool) -> FixReport:
    result = Runner(load_settings(root), root).check([root])
    return apply_fixes(result, root, unsafe=unsafe, write=True)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".goldenpath_cache" not in path.parts and ".git" not in path.parts
    }


def statement_span(statement: ast.stmt) -> range:
    """The lines a top-level statement covers, decorators included."""
    first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", []))])
    return range(first, (statement.end_lineno or statement.lineno) + 1)


def named_lines(report: FixReport, path: str) -> set[int]:
    """The lines the fixed findings of `path` name: their spans and their fix operations' lines."""
    lines: set[int] = set()
    for change in report.changes:
        if change.path != path:
            continue
        for finding in change.fixed:
            lines.update(range(finding.line, finding.end_line + 1))
            for operation in finding.fix.operations:  # type: ignore[union-attr]
                lines.add(operation.line)
            for edit in finding.fix.edits:  # type: ignore[union-attr]
                lines.update(range(edit.start.line, edit.end.line + 1))
    return lines


def is_subsequence(needles: list[str], haystack: list[str]) -> bool:
    remaining = iter(haystack)
    return all(any(needle == item for item in remaining) for needle in needles)


def check_properties(source: bytes, unsafe: bool, *, declined: tuple[str, ...] = ()) -> None:
    """The three properties; `declined`: refusals allowed (the file is then left byte for byte)."""
    name = "tests/test_generated.py"
    with project(source) as root:
        before_tree = tree_bytes(root)
        report = fix(root, unsafe=unsafe)
        assert [error.message for error in report.errors if error.message not in declined] == []
        for code in sorted({f.code for change in report.changes for f in change.fixed}):
            event(f"fixed {code}")  # shown by `pytest --hypothesis-show-statistics`
        once = tree_bytes(root)
        # Fix twice == fix once.
        second = fix(root, unsafe=unsafe)
        assert second.changes == []
        assert [error.message for error in second.errors if error.message not in declined] == []
        assert tree_bytes(root) == once

    fixed_source = once[name]
    fixed_text = fixed_source.decode()
    fixed_module = ast.parse(fixed_text)  # still parses
    # Newlines keep their style: a CRLF file gains no bare LF.
    if source.count(b"\n") == source.count(b"\r\n"):
        assert fixed_source.count(b"\n") == fixed_source.count(b"\r\n")
    touched = named_lines(report, name)
    if not any(change.path == name for change in report.changes):
        assert fixed_source == source  # nothing fixed, or the fix declined: not a byte changed
    original = ast.parse(source.decode())
    untouched = [
        ast.dump(statement)
        for statement in original.body
        if not touched.intersection(statement_span(statement))
    ]
    assert is_subsequence(untouched, [ast.dump(statement) for statement in fixed_module.body])
    # Only the generated file and the config (marker registration) may change.
    assert {path for path in once if once[path] != before_tree.get(path)} <= {name, "pyproject.toml"}


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=sources(), unsafe=st.booleans())
def test_fix_is_idempotent_parses_and_changes_only_the_reported_statements(source: bytes, unsafe: bool) -> None:
    check_properties(source, unsafe)


@pytest.mark.slow
@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    # Shrinking grammar-generated code can take minutes: report the example as found.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
@given(data=st.data(), unsafe=st.booleans())
def test_properties_hold_with_grammar_generated_code_mixed_in(data: st.DataObject, unsafe: bool) -> None:
    generated = hypothesmith.from_grammar(auto_target=False).map(lambda code: code if code.endswith("\n") else code + "\n")
    source = data.draw(sources(extra=generated))
    # Grammar-generated code finds libcst's limits (odd whitespace at the end of a
    # file with mixed newlines): there the fixer must decline and leave the file alone.
    check_properties(source, unsafe, declined=("libcst does not reproduce this file byte for byte; not fixed",))


def test_statement_locality_check_sees_a_change_outside_the_findings() -> None:
    """The locality check itself: an edit away from every finding would be caught."""
    original = ast.parse("a = 1\nb = 2\nc = 3\n")
    fixed = ast.parse("a = 1\nb = 20\nc = 3\n")
    untouched = [ast.dump(s) for s in original.body if not {1}.intersection(statement_span(s))]
    assert not is_subsequence(untouched, [ast.dump(s) for s in fixed.body])
    assert is_subsequence(["x"], ["w", "x", "y"]) and not is_subsequence(["y", "x"], ["x", "y"])
