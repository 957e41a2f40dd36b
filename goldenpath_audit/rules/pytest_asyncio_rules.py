"""pytest-asyncio 0.2x -> 1.x migration rules (GP206-GP208).

These rules are active only where the project declares pytest-asyncio (the
nearest directory whose declaring files name it, as for websockets: see the
README); the versions it may install come from that requirement
(`ctx.project.version_policy("pytest-asyncio", path)`).

- GP206: in strict mode (the default since 0.19) an `async def test_*` without
  an `asyncio` marker fails with "async def functions are not natively supported".
- GP207: pytest-asyncio 1.0 removed the `event_loop` fixture: requests fail with
  "fixture 'event_loop' not found" and overrides no longer do anything.
- GP208: `@pytest.mark.asyncio(scope=...)` is deprecated since 0.24 in favour of
  `loop_scope=`.

Detection runs on the facts `collect` extracts from the `ast` (plain data, stored
in `ctx.facts.extra[FACTS_KEY]`); nothing is imported or run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from goldenpath_audit.auditor import inputs
from goldenpath_audit.auditor.context import FileContext
from goldenpath_audit.auditor.facts import FIXTURE_DECORATORS, MARK_GENERATORS, Span, node_span, replace_span
from goldenpath_audit.auditor.findings import Applicability, Finding, Fix, FixOperation, Position, Severity, TextEdit
from goldenpath_audit.auditor.names import Scope, build_scope, resolve_expression
from goldenpath_audit.auditor.walk import FileIndex, walk_pruned
from goldenpath_audit.auditor.pytest_config import PytestConfig
from goldenpath_audit.auditor.source import SourceFile
from goldenpath_audit.rules.base import Rule, invalid, valid

PACKAGE = "pytest-asyncio"
FACTS_KEY = "pytest_asyncio"
# Markers that make some plugin run an async test (pytest-asyncio, anyio, pytest-trio).
ASYNC_MARKERS = frozenset({"asyncio", "anyio", "trio"})
ANYIO_BACKEND = "anyio_backend"  # anyio's plugin runs a test whose fixture closure holds this fixture
AIOHTTP_PLUGIN = "aiohttp.pytest_plugin"  # aiohttp's own plugin runs coroutine tests without a marker
# Decorators known to keep an `async def` a coroutine function (mock.patch handles them).
TRANSPARENT_DECORATORS = frozenset(
    {"unittest.mock.patch", "unittest.mock.patch.object", "unittest.mock.patch.dict", "unittest.mock.patch.multiple",
     "mock.patch", "mock.patch.object", "mock.patch.dict", "mock.patch.multiple"}
)
STRICT_DEFAULT_SINCE = "0.19"  # asyncio_mode defaults to strict
EVENT_LOOP_REMOVED_IN = "1.0"
LOOP_SCOPE_ADDED_IN = "0.24"

ADD_MARKER_KIND = "add_asyncio_marker"


# -- facts -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AsyncTest:
    """An `async def test*` that pytest collects (module level or in `Test*` classes)."""

    name: str
    name_span: Span  # the function name token
    def_line: int  # the line of `async def` (below any decorators)
    indent: str  # the whitespace before `async def`
    statement_line: int  # the first decorator's line, or the def line
    handled: bool  # an asyncio/anyio/trio marker applies to it
    uncertain: bool  # a decorator or base class we cannot see through
    requests: tuple[str, ...] = ()  # fixtures it requests: parameters and `usefixtures` on it


@dataclass(frozen=True, slots=True)
class EventLoopUse:
    kind: str  # "parameter" | "usefixtures" | "override"
    owner: str  # the function (or class) requesting or defining it
    span: Span
    statement_line: int
    in_async: bool = True  # False: a plain function requests it (it runs on no pytest-asyncio loop)


@dataclass(frozen=True, slots=True)
class MarkerScope:
    """`scope=` passed to the asyncio marker."""

    keyword: Span  # the keyword's name token
    value: str | None  # the literal value, if a string
    statement_line: int
    has_loop_scope: bool


@dataclass(frozen=True, slots=True)
class AsyncioFacts:
    async_tests: tuple[AsyncTest, ...] = ()
    event_loop_uses: tuple[EventLoopUse, ...] = ()
    marker_scopes: tuple[MarkerScope, ...] = ()
    # How the GP206 fix spells the marker, and whether it must add `import pytest`;
    # None when no spelling is safe (the name `pytest` is bound to something else).
    marker_expression: str | None = None
    needs_import: bool = False
    # Fixtures whose `params` carry an async marker (`pytest.param("asyncio", marks=pytest.mark.asyncio)`):
    # pytest applies those marks to every test that requests them.
    marking_fixtures: tuple[str, ...] = ()
    # Each fixture defined here and the fixtures it requests: anyio runs a test whose fixture
    # closure holds `anyio_backend`, marker or not.
    fixture_requests: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # `pytest_plugins = "aiohttp.pytest_plugin"`: aiohttp's own plugin runs every coroutine test.
    coroutine_plugin: bool = False


def collect_asyncio_facts(tree: ast.Module, source: SourceFile) -> AsyncioFacts:
    return _Collector(source).run(tree)


class _Collector:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.tests: list[AsyncTest] = []
        self.event_loop: list[EventLoopUse] = []
        self.scopes: list[MarkerScope] = []
        self.marking_fixtures: list[str] = []
        self.fixture_requests: list[tuple[str, tuple[str, ...]]] = []

    def run(self, tree: ast.Module) -> AsyncioFacts:
        self.index = FileIndex.of(tree, self.source.text)
        module = build_scope(tree, None, self.index)
        module_marks, module_uncertain = self._pytestmark(tree.body, module)
        self._body(tree.body, module, module_marks, module_uncertain, in_test_class=False)
        if "__test__" in self.source.text:
            hidden = _not_collected(tree.body)
            self.tests = [test for test in self.tests if test.name not in hidden and "" not in hidden]
        self._calls(tree, module)
        expression, needs_import = _marker_spelling(tree, module)
        return AsyncioFacts(
            tuple(self.tests),
            tuple(self.event_loop),
            tuple(self.scopes),
            expression,
            needs_import,
            tuple(self.marking_fixtures),
            tuple(self.fixture_requests),
            AIOHTTP_PLUGIN in self.source.text and _enables_plugin(tree, AIOHTTP_PLUGIN),
        )

    # -- tests, fixtures and classes ---------------------------------------------------

    def _body(self, body: list[ast.stmt], scope: Scope, marks: frozenset[str], uncertain: bool, *, in_test_class: bool) -> None:
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(statement, scope, marks, uncertain, in_test_class=in_test_class)
            elif isinstance(statement, ast.ClassDef):
                self._class(statement, scope, marks, uncertain)

    def _class(self, node: ast.ClassDef, outer: Scope, marks: frozenset[str], uncertain: bool) -> None:
        if not node.name.startswith("Test"):
            return
        if any(isinstance(s, ast.FunctionDef) and s.name in ("__init__", "__new__") for s in node.body):
            return  # pytest does not collect it
        if "" in _not_collected(node.body):
            return  # `__test__ = False`: an abstract base whose subclasses are the tests
        inner = build_scope(node, outer)
        class_marks, class_uncertain = self._decorator_marks(node.decorator_list, outer)
        own_marks, own_uncertain = self._pytestmark(node.body, inner)
        # Base classes other than `object` may carry marks we cannot see.
        bases_unknown = any(not (isinstance(b, ast.Name) and b.id == "object") for b in node.bases) or bool(node.keywords)
        self._body(
            node.body,
            inner,
            marks | class_marks | own_marks,
            uncertain or class_uncertain or own_uncertain or bases_unknown,
            in_test_class=True,
        )
        for decorator in node.decorator_list:
            self._usefixtures(decorator, outer, node.name)

    def _function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, marks: frozenset[str], uncertain: bool, *, in_test_class: bool
    ) -> None:
        targets = [_decorator_target(d, scope) for d in node.decorator_list]
        is_fixture = any(t in FIXTURE_DECORATORS for t in targets)
        is_test = node.name.startswith("test") and not is_fixture
        if is_fixture and _fixture_name(node, scope) == "event_loop":
            self.event_loop.append(EventLoopUse("override", node.name, self._name_span(node), _first_line(node)))
        if is_fixture and _params_marks(node.decorator_list, scope) & ASYNC_MARKERS:
            self.marking_fixtures.append(_fixture_name(node, scope))
        if is_fixture:
            requested = tuple(arg.arg for arg in _fixture_parameters(node, in_test_class=in_test_class))
            self.fixture_requests.append((_fixture_name(node, scope), requested))
        if (is_fixture or is_test) and "event_loop" not in _parametrized_names(node.decorator_list, scope):
            self._event_loop_parameter(node, in_test_class=in_test_class)
        if is_test:
            for decorator in node.decorator_list:
                self._usefixtures(decorator, scope, node.name)
        if is_test and isinstance(node, ast.AsyncFunctionDef):
            own_marks, own_uncertain = self._decorator_marks(node.decorator_list, scope)
            own_marks |= _parametrize_marks(node.decorator_list, scope)
            line = node.lineno
            indent = self.source.line_text(line)[: self.source.char_column(line, node.col_offset) - 1]
            self.tests.append(
                AsyncTest(
                    name=node.name,
                    name_span=self._name_span(node),
                    def_line=line,
                    indent=indent,
                    statement_line=_first_line(node),
                    handled=bool((marks | own_marks) & ASYNC_MARKERS),
                    uncertain=uncertain or own_uncertain,
                    requests=_requested_fixtures(node, scope, in_test_class=in_test_class),
                )
            )

    def _event_loop_parameter(self, node: ast.FunctionDef | ast.AsyncFunctionDef, *, in_test_class: bool) -> None:
        for arg in _fixture_parameters(node, in_test_class=in_test_class):
            if arg.arg == "event_loop":
                column = self.source.char_column(arg.lineno, arg.col_offset)
                span = Span(arg.lineno, column, arg.lineno, column + len("event_loop"))
                is_async = isinstance(node, ast.AsyncFunctionDef)
                self.event_loop.append(EventLoopUse("parameter", node.name, span, _first_line(node), is_async))

    def _usefixtures(self, decorator: ast.expr, scope: Scope, owner: str) -> None:
        if not isinstance(decorator, ast.Call):
            return
        if _mark_name(decorator.func, scope) != "usefixtures":
            return
        for argument in decorator.args:
            if isinstance(argument, ast.Constant) and argument.value == "event_loop":
                self.event_loop.append(EventLoopUse("usefixtures", owner, self._span(argument), decorator.lineno))

    def _decorator_marks(self, decorators: list[ast.expr], scope: Scope) -> tuple[frozenset[str], bool]:
        """Marker names the decorators apply, and whether some decorator is opaque."""
        names: set[str] = set()
        uncertain = False
        for decorator in decorators:
            base = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = _mark_name(base, scope)
            if name is not None:
                names.add(name)
            elif _decorator_target(decorator, scope) not in TRANSPARENT_DECORATORS:
                uncertain = True
        return frozenset(names), uncertain

    def _pytestmark(self, body: list[ast.stmt], scope: Scope) -> tuple[frozenset[str], bool]:
        """Marker names of `pytestmark = ...` (a mark or a list/tuple of marks) in this body."""
        names: set[str] = set()
        uncertain = False
        for statement in body:
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets, value = [statement.target], statement.value
            elif isinstance(statement, ast.AugAssign):
                targets, value = [statement.target], statement.value
            elif (extended := _pytestmark_extension(statement)) is not None:
                targets, value = [ast.Name("pytestmark")], extended  # `pytestmark.extend([...])` / `.append(m)`
            else:
                continue
            if not any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets):
                continue
            items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            for item in items:
                base = item.func if isinstance(item, ast.Call) else item
                name = _mark_name(base, scope)
                if name is None:
                    uncertain = True
                else:
                    names.add(name)
        return frozenset(names), uncertain

    # -- marker calls anywhere ---------------------------------------------------------

    def _calls(self, tree: ast.Module, module: Scope) -> None:
        # Marker expressions resolve in the module scope: a marker built inside a
        # function from a locally rebound `pytest` is not worth the complexity.
        statement_line = 1
        # Only a call with a `scope` keyword on one of its lines is recorded.
        lines = self.index.lines_matching(r"\bscope\b")
        for node in walk_pruned(tree, lines) if lines else ():
            if isinstance(node, ast.stmt):
                statement_line = _first_line(node)
                continue
            if not isinstance(node, ast.Call) or _mark_name(node.func, module) != "asyncio":
                continue
            keywords = {kw.arg: kw for kw in node.keywords if kw.arg is not None}
            scope_kw = keywords.get("scope")
            if scope_kw is None:
                continue
            column = self.source.char_column(scope_kw.lineno, scope_kw.col_offset)
            value = scope_kw.value
            self.scopes.append(
                MarkerScope(
                    keyword=Span(scope_kw.lineno, column, scope_kw.lineno, column + len("scope")),
                    value=value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None,
                    statement_line=statement_line,
                    has_loop_scope="loop_scope" in keywords,
                )
            )

    # -- positions ---------------------------------------------------------------------

    def _name_span(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Span:
        line = node.lineno
        text = self.source.line_text(line)
        start = self.source.char_column(line, node.col_offset) - 1
        index = text.find(node.name, text.find("def", start) + 3)
        column = index + 1 if index >= 0 else start + 1
        return Span(line, column, line, column + len(node.name))

    def _span(self, node: ast.expr) -> Span:
        return node_span(self.source, node)



def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    return min([node.lineno, *(d.lineno for d in decorators or ())])


def _decorator_target(decorator: ast.expr, scope: Scope) -> str | None:
    base = decorator.func if isinstance(decorator, ast.Call) else decorator
    while isinstance(base, ast.Attribute) and base.attr == "with_args":
        base = base.value
    if not isinstance(base, (ast.Name, ast.Attribute)):
        return None
    return resolve_expression(base, scope)


def _mark_name(expression: ast.expr, scope: Scope) -> str | None:
    """`X` when `expression` is `pytest.mark.X` (through any alias of `pytest.mark`)."""
    while isinstance(expression, ast.Attribute) and expression.attr == "with_args":
        expression = expression.value
    if not isinstance(expression, ast.Attribute) or not isinstance(expression.value, (ast.Name, ast.Attribute)):
        return None
    if resolve_expression(expression.value, scope) in MARK_GENERATORS:
        return expression.attr
    return None


def _pytestmark_extension(statement: ast.stmt) -> ast.expr | None:
    """The marks `pytestmark.extend(X)` / `.append(m)` / `.insert(i, m)` add, as one expression."""
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return None
    call = statement.value
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "pytestmark"):
        return None
    if func.attr == "extend" and len(call.args) == 1:
        return call.args[0]
    if func.attr in ("append", "insert") and call.args:
        return call.args[-1]
    return None


def _params_marks(decorators: list[ast.expr], scope: Scope) -> set[str]:
    """Marker names in the `marks=` of `pytest.param(...)` values of a fixture decorator's `params=`."""
    names: set[str] = set()
    for decorator in decorators:
        if not isinstance(decorator, ast.Call) or _decorator_target(decorator, scope) not in FIXTURE_DECORATORS:
            continue
        for keyword in decorator.keywords:
            if keyword.arg == "params":
                names |= _param_marks(keyword.value, scope)
    return names


def _parametrize_marks(decorators: list[ast.expr], scope: Scope) -> set[str]:
    """Marker names in the `marks=` of `pytest.param(...)` values of the test's own `parametrize`."""
    names: set[str] = set()
    for decorator in decorators:
        if isinstance(decorator, ast.Call) and _mark_name(decorator.func, scope) == "parametrize":
            names |= _param_marks(decorator, scope)
    return names


def _param_marks(values: ast.AST, scope: Scope) -> set[str]:
    """Marker names of every `marks=` keyword (a mark, or a list or tuple of marks) inside `values`."""
    names: set[str] = set()
    for node in ast.walk(values):
        if isinstance(node, ast.keyword) and node.arg == "marks":
            marks = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else [node.value]
            for mark in marks:
                name = _mark_name(mark.func if isinstance(mark, ast.Call) else mark, scope)
                if name is not None:
                    names.add(name)
    return names


def _not_collected(body: list[ast.stmt]) -> set[str]:
    """Names set `__test__ = False` in this body ("" for the body's own module or class)."""
    names: set[str] = set()
    for statement in body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant) and statement.value.value is False:
            for target in statement.targets:
                if isinstance(target, ast.Name) and target.id == "__test__":
                    names.add("")
                elif isinstance(target, ast.Attribute) and target.attr == "__test__" and isinstance(target.value, ast.Name):
                    names.add(target.value.id)
    return names


def _parametrized_names(decorators: list[ast.expr], scope: Scope) -> set[str]:
    """Argument names a `parametrize` decorator supplies (`"a, b"` or `["a", "b"]`): not fixtures."""
    names: set[str] = set()
    for decorator in decorators:
        if isinstance(decorator, ast.Call) and decorator.args and _mark_name(decorator.func, scope) == "parametrize":
            first = decorator.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.update(part.strip() for part in first.value.split(","))
            elif isinstance(first, (ast.List, ast.Tuple)):
                names.update(e.value for e in first.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return names


def _enables_plugin(tree: ast.Module, plugin: str) -> bool:
    """A module-level `pytest_plugins` naming `plugin` (a string, or a list or tuple of strings)."""
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytest_plugins" for target in statement.targets
        ):
            value = statement.value
            items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            if any(isinstance(item, ast.Constant) and item.value == plugin for item in items):
                return True
    return False


def _fixture_parameters(node: ast.FunctionDef | ast.AsyncFunctionDef, *, in_test_class: bool) -> list[ast.arg]:
    """The parameters pytest fills with fixtures: no defaults, and not a method's `self`."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    with_default = set(map(id, positional[len(positional) - len(args.defaults) :]))
    candidates = [a for a in positional if id(a) not in with_default]
    candidates += [a for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
    if in_test_class and candidates and candidates[0] in positional:
        candidates = candidates[1:]  # self
    return candidates


def _requested_fixtures(node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, *, in_test_class: bool) -> tuple[str, ...]:
    """Parameter names pytest fills with fixtures and `usefixtures` literals on the test."""
    names = [arg.arg for arg in _fixture_parameters(node, in_test_class=in_test_class)]
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and _mark_name(decorator.func, scope) == "usefixtures":
            names += [a.value for a in decorator.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return tuple(names)


def _fixture_name(node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> str:
    """The fixture's name: `name=` of the fixture decorator, else the function name."""
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and _decorator_target(decorator, scope) in FIXTURE_DECORATORS:
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    return keyword.value.value
    return node.name


def _marker_spelling(tree: ast.Module, module: Scope) -> tuple[str | None, bool]:
    """How to write `pytest.mark.asyncio` in this module, and whether `import pytest` is needed."""
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                local = alias.asname or alias.name.split(".")[0]
                if alias.name == "pytest" and module.resolve(local) == "pytest":
                    return f"{local}.mark.asyncio", False
        elif isinstance(statement, ast.ImportFrom) and statement.module == "pytest" and not statement.level:
            for alias in statement.names:
                local = alias.asname or alias.name
                if alias.name == "mark" and module.resolve(local) == "pytest.mark":
                    return f"{local}.asyncio", False
    if "pytest" in module.bindings:
        return None, False  # `pytest` means something else here
    return "pytest.mark.asyncio", True


# -- project state -----------------------------------------------------------------------


def _facts(ctx: FileContext) -> AsyncioFacts | None:
    facts = ctx.facts.extra.get(FACTS_KEY)
    if not isinstance(facts, AsyncioFacts):
        return None
    if ctx.project.dependencies.declaration(PACKAGE, ctx.path.parent) is None:
        return None
    return facts


def _override_home(ctx: FileContext, facts: AsyncioFacts) -> str | None:
    """Where an `event_loop` fixture visible to this file is defined: this module or a conftest.py above it."""
    if any(use.kind == "override" for use in facts.event_loop_uses):
        return "this module"
    for conftest, found in _conftest_facts(ctx):
        if any(use.kind == "override" for use in found.event_loop_uses):
            return ctx.project.display_path(conftest)
    return None


def _marking_fixtures(ctx: FileContext, facts: AsyncioFacts) -> set[str]:
    """Fixtures that make a test run as a coroutine, visible to this file (this module and conftests above it).

    Those whose params carry an async marker, anyio's `anyio_backend` (anyio runs
    any test whose fixture closure holds it), and every fixture requesting one of these.
    """
    names = {*facts.marking_fixtures, ANYIO_BACKEND}
    requests = list(facts.fixture_requests)
    for _conftest, found in _conftest_facts(ctx):
        names.update(found.marking_fixtures)
        requests += found.fixture_requests
    grew = True
    while grew:
        grew = False
        for fixture, requested in requests:
            if fixture not in names and names.intersection(requested):
                names.add(fixture)
                grew = True
    return names


def _coroutine_plugin(ctx: FileContext, facts: AsyncioFacts) -> bool:
    """Whether aiohttp's legacy pytest plugin, which runs coroutine tests itself, is enabled for this file."""
    if facts.coroutine_plugin or any(found.coroutine_plugin for _, found in _conftest_facts(ctx)):
        return True
    args = list(ctx.project.pytest_configs.for_file(ctx.path).addopts)
    return any(
        arg == f"-p{AIOHTTP_PLUGIN}" or (arg == "-p" and following == AIOHTTP_PLUGIN)
        for arg, following in zip(args, [*args[1:], ""])
    )


def _conftest_facts(ctx: FileContext) -> Iterator[tuple[Path, AsyncioFacts]]:
    """The asyncio facts of each conftest.py pytest loads for this file, nearest first, up to the rootdir."""
    rootdir = ctx.project.pytest_configs.for_file(ctx.path).rootdir  # pytest loads conftests from here down
    directory = ctx.path.parent
    while True:
        conftest = directory / "conftest.py"
        if conftest != ctx.path and inputs.is_file(conftest):
            found = ctx.project.facts_for(conftest)
            extra = found.extra.get(FACTS_KEY) if found is not None else None
            if isinstance(extra, AsyncioFacts):
                yield conftest, extra
        if directory == rootdir or directory.parent == directory or inputs.exists(directory / ".git"):
            return
        directory = directory.parent


def asyncio_mode(ctx: FileContext) -> tuple[str | None, str]:
    """The effective `asyncio_mode` (None when unset) and where it comes from.

    `--asyncio-mode` in `addopts` beats the `asyncio_mode` ini option, as on the
    command line; the last occurrence wins.
    """
    config = ctx.project.pytest_configs.for_file(ctx.path)
    where = ctx.project.display_path(config.path) if config.path is not None else "no pytest config"
    mode, written, in_addopts = config_asyncio_mode(config)
    if mode is None:
        return None, ""
    return mode, f"{written} in the addopts of {where}" if in_addopts else f"{written} in {where}"


def config_asyncio_mode(config: PytestConfig) -> tuple[str | None, str, bool]:
    """(mode or None, as written, whether addopts set it) for one pytest config."""
    mode: str | None = None
    written, in_addopts = "", False
    raw = config.options.get("asyncio_mode")
    if isinstance(raw, str) and raw.strip():
        mode, written = raw.strip().lower(), f"asyncio_mode = {raw.strip()}"
    for value, as_written in _mode_arguments(list(config.addopts)):
        mode, written, in_addopts = value.strip().lower(), as_written, True
    return mode, written, in_addopts


def _mode_arguments(args: list[str]) -> Iterator[tuple[str, str]]:
    """(mode, as written) for `--asyncio-mode[=]X` and `-o`/`--override-ini` `asyncio_mode=X`, in order."""
    for index, arg in enumerate(args):
        following = args[index + 1] if index + 1 < len(args) else ""
        if arg.startswith("--asyncio-mode="):
            yield arg.split("=", 1)[1], f"--asyncio-mode={arg.split('=', 1)[1].strip()}"
        elif arg == "--asyncio-mode" and following:
            yield following, f"--asyncio-mode={following.strip()}"
        else:
            if arg in ("-o", "--override-ini"):
                override = following
            elif arg.startswith("--override-ini="):
                override = arg[len("--override-ini=") :]
            elif arg.startswith("-o") and not arg.startswith("--"):
                override = arg[2:]
            else:
                continue
            name, equals, value = override.partition("=")
            if equals and name.strip() == "asyncio_mode":
                yield value, f"-o asyncio_mode={value.strip()}"


PYPROJECT = '[project]\nname = "x"\ndependencies = ["pytest-asyncio>=1.0"]\n'
PYPROJECT_023 = '[project]\nname = "x"\ndependencies = ["pytest-asyncio>=0.21,<0.24"]\n'
PYPROJECT_AUTO = PYPROJECT + '\n[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'


# -- rules -------------------------------------------------------------------------------


class AsyncioFamily(Rule):
    FACTS_KEY = FACTS_KEY

    @classmethod
    def collect(cls, tree: ast.Module, source: SourceFile) -> object:
        return collect_asyncio_facts(tree, source)


class AsyncTestWithoutMarker(AsyncioFamily):
    CODE = "GP206"
    NAME = "async-test-without-marker"
    SUMMARY = "An `async def` test has no `asyncio` marker while pytest-asyncio runs in strict mode."
    SEVERITY = Severity.ERROR
    FIX = "unsafe"
    TOKENS = (b"async", b"anyio", b"trio", b"aiohttp.pytest_plugin")  # anyio/trio: conftest fixtures whose params mark tests

    WHAT_IT_DOES = """
Flags `async def test*` functions that pytest collects (at module level and in
`Test*` classes, nested ones included) when no `asyncio` marker applies to them:
none on the function, on its class (a class decorator or the class's
`pytestmark`, a single mark or a list), or in the module's `pytestmark` (also when
marks are added with `pytestmark.extend(...)` / `.append(...)`), nor through a
fixture the test requests whose `params` carry the marker
(`pytest.param(..., marks=pytest.mark.asyncio)`, in the module or a conftest.py).
Aliases of `pytest.mark` are resolved. The `anyio` and `trio` markers count as
handled too, since those plugins run the test, and so do marks in the test's own
`parametrize` values, a fixture closure holding `anyio_backend` (anyio runs such
a test), and aiohttp's own `aiohttp.pytest_plugin` (it runs coroutine tests).

It is active only where the project declares pytest-asyncio, and only in strict
mode: the governing pytest config's `asyncio_mode`, overridden by
`--asyncio-mode=` or `-o asyncio_mode=` in its `addopts`. An unset mode is strict when the
requirement allows pytest-asyncio 0.19 or newer. `asyncio_mode = auto` turns the
rule off. Tests with a decorator other than pytest marks and `mock.patch` (which
might turn the coroutine into a plain function), and classes with base classes
(which may carry inherited marks), are not flagged.
"""
    WHY = """
In strict mode (the default since pytest-asyncio 0.19) only tests carrying the
`asyncio` marker run on an event loop. pytest 8.4 and newer fail any other
`async def` test:

    async def functions are not natively supported.

Older pytest only warned and skipped it, so the test silently never ran.
"""
    EXAMPLE = """
import pytest

async def test_fetch(client):
    assert await client.get("/") == 200
"""
    USE_INSTEAD = """
import pytest

@pytest.mark.asyncio
async def test_fetch(client):
    assert await client.get("/") == 200
"""
    FIX_SAFETY = """
The fix adds `@pytest.mark.asyncio` on its own line directly above the `def`
(below any existing decorators), with the same indentation, and adds
`import pytest` when the module does not import it (a `from pytest import mark`
alias is reused). It is unsafe because the test starts running, and may fail,
where before it failed or was skipped without running its body. A module where
the name `pytest` is bound to something else gets no fix. Consider
`asyncio_mode = "auto"` instead when most tests are async.
"""
    REFERENCES = ("https://pytest-asyncio.readthedocs.io/en/stable/concepts.html#test-discovery-modes",)

    VALID = (
        valid("import pytest\n\n@pytest.mark.asyncio\nasync def test_a():\n    pass\n", files={"pyproject.toml": PYPROJECT}),
        valid("import pytest\n\npytestmark = pytest.mark.asyncio\n\nasync def test_a():\n    pass\n", files={"pyproject.toml": PYPROJECT}),
        valid(
            "import pytest\n\n@pytest.mark.asyncio(loop_scope='class')\nclass TestA:\n    async def test_a(self):\n        pass\n",
            files={"pyproject.toml": PYPROJECT},
        ),
        valid("import pytest\n\n@pytest.mark.anyio\nasync def test_a():\n    pass\n", files={"pyproject.toml": PYPROJECT}),
        valid("async def test_a():\n    pass\n", files={"pyproject.toml": PYPROJECT_AUTO}),
        valid("async def test_a():\n    pass\n"),  # pytest-asyncio not declared
        valid("async def helper():\n    pass\n", files={"pyproject.toml": PYPROJECT}),
        # fakeredis: marks added to the module's list in place count like `pytestmark = [...]`.
        valid(
            "import pytest\n\npytestmark = []\npytestmark.extend([pytest.mark.asyncio])\n\nasync def test_a():\n    pass\n",
            files={"pyproject.toml": PYPROJECT},
        ),
        valid(
            "import pytest\n\npytestmark = [pytest.mark.filterwarnings('ignore')]\npytestmark.append(pytest.mark.asyncio)\n\n"
            "async def test_a():\n    pass\n",
            files={"pyproject.toml": PYPROJECT},
        ),
        # asgi-lifespan: a conftest fixture's params carry the marker onto every test requesting it.
        valid(
            "import pytest\n\n@pytest.mark.usefixtures('backend')\nasync def test_a():\n    pass\n\n"
            "async def test_b(backend):\n    pass\n",
            files={
                "pyproject.toml": PYPROJECT,
                "conftest.py": "import pytest\n\n@pytest.fixture(params=[pytest.param('asyncio', marks=pytest.mark.asyncio)])\n"
                "def backend(request):\n    return request.param\n",
            },
        ),
        valid(  # an ini override in addopts beats the ini file, as on the command line
            "async def test_a():\n    pass\n",
            files={"pyproject.toml": PYPROJECT + '\n[tool.pytest.ini_options]\naddopts = "-o asyncio_mode=auto"\n'},
        ),
        valid(
            "async def test_a():\n    pass\n",
            files={"pyproject.toml": PYPROJECT + '\n[tool.pytest.ini_options]\naddopts = "--override-ini=asyncio_mode=auto"\n'},
        ),
        # A test's own `parametrize` values carry the marker.
        valid(
            "import pytest\n\n@pytest.mark.parametrize('x', [pytest.param(1, marks=pytest.mark.asyncio)])\n"
            "async def test_a(x):\n    pass\n",
            files={"pyproject.toml": PYPROJECT},
        ),
        # anyio runs a test whose fixture closure holds `anyio_backend`, directly or through a fixture.
        valid(
            "async def test_a(anyio_backend):\n    pass\n\nasync def test_b(client):\n    pass\n",
            files={
                "pyproject.toml": PYPROJECT,
                "conftest.py": "import pytest\n\n@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n\n"
                "@pytest.fixture\ndef client(anyio_backend):\n    return 1\n",
            },
        ),
        # aiohttp's own pytest plugin runs coroutine tests without a marker.
        valid(
            "async def test_a(aiohttp_client):\n    pass\n",
            files={"pyproject.toml": PYPROJECT, "conftest.py": 'pytest_plugins = "aiohttp.pytest_plugin"\n'},
        ),
        # pytest collects neither `__test__ = False` nor names `python_functions` does not match.
        valid(
            "class TestBase:\n    __test__ = False\n\n    async def test_a(self):\n        pass\n",
            files={"pyproject.toml": PYPROJECT},
        ),
        valid(
            "async def test_a():\n    pass\n",
            files={"pyproject.toml": PYPROJECT + '\n[tool.pytest.ini_options]\npython_functions = ["check_*"]\n'},
        ),
    )
    INVALID = (
        invalid(
            "import pytest\n\n\nasync def test_a():\n    pass\n",
            fixed="import pytest\n\n\n@pytest.mark.asyncio\nasync def test_a():\n    pass\n",
            files={"pyproject.toml": PYPROJECT},
            unsafe_fixes=True,
        ),
        invalid(
            '"""Doc."""\n\nimport os\n\n\nclass TestA:\n    def test_sync(self):\n        pass\n\n'
            "    async def test_a(self):\n        pass\n",
            fixed='"""Doc."""\n\nimport pytest\nimport os\n\n\nclass TestA:\n    def test_sync(self):\n        pass\n\n'
            "    @pytest.mark.asyncio\n    async def test_a(self):\n        pass\n",
            files={"pyproject.toml": PYPROJECT},
            unsafe_fixes=True,
        ),
        invalid(
            "from pytest import mark\n\n@mark.parametrize('x', [1])\nasync def test_a(x):\n    pass\n",
            fixed="from pytest import mark\n\n@mark.parametrize('x', [1])\n@mark.asyncio\nasync def test_a(x):\n    pass\n",
            files={"pyproject.toml": PYPROJECT},
            unsafe_fixes=True,
        ),
        invalid(
            "async def test_a():\n    pass\n",
            fixed="import pytest\n\n\n@pytest.mark.asyncio\nasync def test_a():\n    pass\n",
            files={"pyproject.toml": PYPROJECT + '\n[tool.pytest.ini_options]\naddopts = "--asyncio-mode=strict"\nasyncio_mode = "auto"\n'},
            unsafe_fixes=True,
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        facts = _facts(ctx)
        if facts is None or not facts.async_tests:
            return
        mode, origin = asyncio_mode(ctx)
        if mode is None:
            policy = ctx.project.version_policy(PACKAGE, ctx.path)
            if policy.all_below(STRICT_DEFAULT_SINCE):
                return
            origin = f"strict is the default mode ({policy.origin})"
        elif mode != "strict":
            return
        if _trio_mode(ctx) or not ctx.is_test_module() or _coroutine_plugin(ctx, facts):
            return
        config = ctx.project.pytest_configs.for_file(ctx.path)
        marking: set[str] | None = None  # read from the conftests only when a test would be reported
        for test in facts.async_tests:
            if test.handled or test.uncertain or not config.is_test_function(test.name):
                continue
            if test.requests:
                marking = _marking_fixtures(ctx, facts) if marking is None else marking
                if marking.intersection(test.requests):
                    continue
            message = (
                f"async test `{test.name}` has no `asyncio` marker and pytest-asyncio runs in strict mode "
                f"({origin}): it fails with 'async def functions are not natively supported'"
            )
            yield ctx.finding(self, test.name_span, message, fix=_marker_fix(test, facts), statement_line=test.statement_line)


def _trio_mode(ctx: FileContext) -> bool:
    config = ctx.project.pytest_configs.for_file(ctx.path)
    value = config.options.get("trio_mode")
    return isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "on"}


def _marker_fix(test: AsyncTest, facts: AsyncioFacts) -> Fix | None:
    if facts.marker_expression is None:
        return None
    decorator = f"@{facts.marker_expression}"
    edits = [TextEdit(Position(test.def_line, 1), Position(test.def_line, 1), f"{test.indent}{decorator}\n")]
    message = f"add `{decorator}`"
    if facts.needs_import:
        message += " and `import pytest`"
        edits = []  # where the codemod puts the import is not known here: no partial SARIF fix
    return Fix(
        applicability=Applicability.UNSAFE,
        message=message,
        operations=(
            FixOperation(
                ADD_MARKER_KIND,
                test.name_span.line,
                test.name_span.column,
                (("decorator", facts.marker_expression), ("add_import", facts.needs_import)),
            ),
        ),
        edits=tuple(edits),
    )


class RemovedEventLoopFixture(AsyncioFamily):
    CODE = "GP207"
    NAME = "removed-event-loop-fixture"
    SUMMARY = "The `event_loop` fixture is requested or overridden, but pytest-asyncio 1.0 removed it."
    SEVERITY = Severity.ERROR
    FIX = "none"
    TOKENS = (b"event_loop",)

    WHAT_IT_DOES = """
Flags, where the pytest-asyncio requirement allows 1.0 or newer:
- a test (`test*` at module level or in a `Test*` class) or fixture with a
  parameter named `event_loop` (parameters with defaults are not requests);
- `@pytest.mark.usefixtures("event_loop")` on a test or a class;
- an override: a fixture function named `event_loop` (or `name="event_loop"`),
  decorated with `@pytest.fixture` or `@pytest_asyncio.fixture`.
"""
    WHY = """
pytest-asyncio 1.0 removed the `event_loop` fixture. A request fails at setup:

    fixture 'event_loop' not found

and an override no longer changes the loop tests run on: pytest-asyncio creates
its loops itself, per `loop_scope`.
"""
    EXAMPLE = """
import pytest

@pytest.fixture(scope="module")
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()

@pytest.mark.asyncio
async def test_a(event_loop):
    await event_loop.run_in_executor(None, work)
"""
    USE_INSTEAD = """
import asyncio
import pytest

@pytest.mark.asyncio(loop_scope="module")
async def test_a():
    await asyncio.get_running_loop().run_in_executor(None, work)
"""
    FIX_SAFETY = """
There is no automatic fix. Inside `async def` code use
`asyncio.get_running_loop()`. A scoped `event_loop` override becomes
`loop_scope=` on the marker (`@pytest.mark.asyncio(loop_scope="module")`) or on
`@pytest_asyncio.fixture`, or the `asyncio_default_fixture_loop_scope` /
`asyncio_default_test_loop_scope` ini options; a custom loop becomes an
`event_loop_policy` fixture (or, from 1.4, the `pytest_asyncio_loop_factories` hook).
"""
    REFERENCES = (
        "https://pytest-asyncio.readthedocs.io/en/stable/how-to-guides/migrate_from_0_23.html",
        "https://pytest-asyncio.readthedocs.io/en/stable/reference/changelog.html",
    )

    VALID = (
        valid("import pytest\n\n@pytest.mark.asyncio\nasync def test_a(event_loop):\n    pass\n", files={"pyproject.toml": PYPROJECT_023}),
        valid("def helper(event_loop):\n    pass\n\ndef test_a(event_loop=None):\n    pass\n", files={"pyproject.toml": PYPROJECT}),
        valid("import pytest\n\n@pytest.mark.asyncio(loop_scope='module')\nasync def test_a():\n    pass\n", files={"pyproject.toml": PYPROJECT}),
    )
    INVALID = (
        invalid("import pytest\n\n@pytest.mark.asyncio\nasync def test_a(event_loop):\n    pass\n", files={"pyproject.toml": PYPROJECT}),
        invalid(
            "import pytest\n\n@pytest.fixture(scope='session')\ndef event_loop():\n    yield None\n\n"
            "@pytest.mark.usefixtures('event_loop')\ndef test_a():\n    pass\n",
            findings=2,
            files={"pyproject.toml": PYPROJECT},
        ),
        invalid(
            "import pytest_asyncio\n\nclass TestA:\n    @pytest_asyncio.fixture\n    async def client(self, event_loop):\n        yield 1\n",
            files={"pyproject.toml": PYPROJECT},
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        facts = _facts(ctx)
        if facts is None or not facts.event_loop_uses:
            return
        policy = ctx.project.version_policy(PACKAGE, ctx.path)
        if not policy.allows_at_least(EVENT_LOOP_REMOVED_IN):
            return
        advice = (
            "use `asyncio.get_running_loop()` in async code and `loop_scope=` on `@pytest.mark.asyncio` / "
            "`@pytest_asyncio.fixture` (or `asyncio_default_*_loop_scope`) for a scoped loop"
        )
        home = _override_home(ctx, facts)
        for use in facts.event_loop_uses:
            if use.kind == "override":
                what = f"fixture `{use.owner}` overrides `event_loop`, which pytest-asyncio 1.0 removed: it no longer sets the loop tests run on"
            elif home is not None and not use.in_async:
                continue  # a plain function gets the project's own loop and runs on it: nothing changed for it
            elif home is not None:
                # pytest finds the project's own fixture: the request works, but gets that fixture's loop.
                request = "uses `usefixtures('event_loop')`" if use.kind == "usefixtures" else "requests `event_loop`"
                what = (
                    f"`{use.owner}` {request}, which now gets the override in {home}, not the loop its tests run on: "
                    "pytest-asyncio 1.0 removed its `event_loop` fixture"
                )
            elif use.kind == "usefixtures":
                what = f"`{use.owner}` uses `usefixtures('event_loop')`, but pytest-asyncio 1.0 removed that fixture ('fixture 'event_loop' not found')"
            else:
                what = f"`{use.owner}` requests the `event_loop` fixture, which pytest-asyncio 1.0 removed ('fixture 'event_loop' not found')"
            message = f"{what} ({policy.origin}); {advice}"
            yield ctx.finding(self, use.span, message, statement_line=use.statement_line)


class AsyncioMarkerScope(AsyncioFamily):
    CODE = "GP208"
    NAME = "asyncio-marker-scope"
    SUMMARY = "`@pytest.mark.asyncio(scope=...)` is deprecated since pytest-asyncio 0.24; use `loop_scope=`."
    SEVERITY = Severity.WARNING
    FIX = "sometimes"
    TOKENS = (b"scope",)

    WHAT_IT_DOES = """
Flags `scope=` passed to the `asyncio` marker (`@pytest.mark.asyncio(scope=...)`,
in decorators, `pytestmark` and `pytest.param(marks=...)`, through any alias of
`pytest.mark`) where the pytest-asyncio requirement allows 0.24 or newer, the
release that added `loop_scope=`.

`scope=` on `@pytest_asyncio.fixture` is *not* flagged: there it is the
fixture's caching scope, a legitimate argument in every version (the loop scope
of a fixture is `loop_scope=`, which defaults to its caching scope).
"""
    WHY = """
pytest-asyncio 0.24 renamed the marker's `scope` to `loop_scope`; `scope` still
works in 1.5 but warns on every test:

    PytestDeprecationWarning: The "scope" keyword argument to the asyncio marker has been deprecated. Please use the "loop_scope" argument instead.

which fails suites that run with `-W error`. Passing both fails:
`An asyncio pytest marker defines both "scope" and "loop_scope", but it should only use "loop_scope".`
"""
    EXAMPLE = "import pytest\n\n@pytest.mark.asyncio(scope=\"module\")\nasync def test_a(): ...\n"
    USE_INSTEAD = "import pytest\n\n@pytest.mark.asyncio(loop_scope=\"module\")\nasync def test_a(): ...\n"
    FIX_SAFETY = """
The fix renames the keyword and nothing else; it is safe when every version the
requirement allows is 0.24 or newer. When older versions are still allowed
(`loop_scope` is unknown there) the fix is unsafe. A marker passing both
`scope` and `loop_scope` gets no fix: decide which scope is meant and remove `scope`.
"""
    REFERENCES = ("https://pytest-asyncio.readthedocs.io/en/stable/reference/changelog.html",)

    VALID = (
        valid("import pytest\n\n@pytest.mark.asyncio(loop_scope='module')\nasync def test_a():\n    pass\n", files={"pyproject.toml": PYPROJECT}),
        valid("import pytest_asyncio\n\n@pytest_asyncio.fixture(scope='module')\nasync def db():\n    yield 1\n", files={"pyproject.toml": PYPROJECT}),
        valid("import pytest\n\n@pytest.mark.asyncio(scope='module')\nasync def test_a():\n    pass\n", files={"pyproject.toml": PYPROJECT_023}),
    )
    INVALID = (
        invalid(
            "import pytest\n\n@pytest.mark.asyncio(scope='module')  # keep\nasync def test_a():\n    pass\n",
            fixed="import pytest\n\n@pytest.mark.asyncio(loop_scope='module')  # keep\nasync def test_a():\n    pass\n",
            files={"pyproject.toml": PYPROJECT},
        ),
        invalid(
            "import pytest as pt\n\npytestmark = [pt.mark.asyncio(scope='session'), pt.mark.slow]\n",
            fixed="import pytest as pt\n\npytestmark = [pt.mark.asyncio(loop_scope='session'), pt.mark.slow]\n",
            files={"pyproject.toml": PYPROJECT},
        ),
        invalid(
            "import pytest\n\n@pytest.mark.asyncio(scope='module', loop_scope='module')\nasync def test_a():\n    pass\n",
            fixed=None,
            files={"pyproject.toml": PYPROJECT},
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        facts = _facts(ctx)
        if facts is None or not facts.marker_scopes:
            return
        policy = ctx.project.version_policy(PACKAGE, ctx.path)
        if not policy.allows_at_least(LOOP_SCOPE_ADDED_IN):
            return
        older_allowed = policy.allows_below(LOOP_SCOPE_ADDED_IN)
        for use in facts.marker_scopes:
            message = "`scope=` on the asyncio marker is deprecated since pytest-asyncio 0.24; use `loop_scope=`"
            fix: Fix | None
            if use.has_loop_scope:
                message += " (this marker also passes `loop_scope`, which fails: remove `scope`)"
                fix = None
            else:
                applicability = Applicability.UNSAFE if older_allowed else Applicability.SAFE
                note = f" ({policy.origin} still allows versions without `loop_scope`)" if older_allowed else ""
                fix = Fix(
                    applicability=applicability,
                    message=f"rename `scope` to `loop_scope`{note}",
                    operations=(
                        FixOperation(
                            "rename_keyword", use.keyword.line, use.keyword.column, (("old", "scope"), ("new", "loop_scope"))
                        ),
                    ),
                    edits=(replace_span(use.keyword, "loop_scope"),),
                )
            yield ctx.finding(self, use.keyword, message, fix=fix, statement_line=use.statement_line)


RULES = (AsyncTestWithoutMarker, RemovedEventLoopFixture, AsyncioMarkerScope)
