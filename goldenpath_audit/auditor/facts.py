"""Per-file facts: what rules need to know about a file, as plain data.

One `ast` parse and one walk per file produce a `FileFacts`. It holds only
strings, ints and tuples, so it can be cached by content hash and shared by
every rule; rules never walk the tree themselves. Positions are 1-based lines
and 1-based character columns (already converted from `ast` byte offsets).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Iterable

from goldenpath_audit.auditor.findings import Position, TextEdit, compact_pickle
from goldenpath_audit.auditor.import_facts import Definition, ImportFact, collect_imports
from goldenpath_audit.auditor.names import Scope, build_scope, catches_import_error, is_scope, resolve_expression
from goldenpath_audit.auditor.source import SourceFile
from goldenpath_audit.auditor.walk import FileIndex, LineSet, child_nodes, touches


@compact_pickle
@dataclass(frozen=True, slots=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


def node_span(source: SourceFile, node: ast.AST) -> Span:
    """The span of an `ast` node in 1-based lines and character columns."""
    end_line = node.end_lineno or node.lineno
    return Span(
        node.lineno,
        source.char_column(node.lineno, node.col_offset),
        end_line,
        source.char_column(end_line, node.end_col_offset or 0),
    )


def replace_span(span: Span, content: str) -> TextEdit:
    """The textual edit that replaces exactly `span` (for SARIF fixes and previews)."""
    return TextEdit(Position(span.line, span.column), Position(span.end_line, span.end_column), content)


@compact_pickle
@dataclass(frozen=True, slots=True)
class KeywordFact:
    name: str
    span: Span  # the keyword's name token
    # String keys when the value is a dict literal (or a list of 2-tuples).
    literal_keys: tuple[str, ...] | None = None


@compact_pickle
@dataclass(frozen=True, slots=True)
class CallFact:
    """A call whose callee resolves, through the file's imports, into a tracked module."""

    qualname: str  # e.g. "websockets.asyncio.client.connect"
    span: Span  # the whole call expression
    statement_line: int
    keywords: tuple[KeywordFact, ...]
    has_double_star: bool


@compact_pickle
@dataclass(frozen=True, slots=True)
class MarkUse:
    """One use of a pytest marker name that pytest validates."""

    name: str
    span: Span  # the name token (`slow` in `pytest.mark.slow`) or the string literal
    statement_line: int
    kind: str  # "attribute" (pytest.mark.X) | "string" (add_marker("X"), getattr(pytest.mark, "X"))
    in_function: bool  # evaluated when a function runs, not when the module is imported
    tests: int  # how many test functions this use applies to (0 when unknown)


@compact_pickle
@dataclass(frozen=True, slots=True)
class FixtureMark:
    """A marker decorator stacked on a `@pytest.fixture` function (GP204)."""

    name: str
    span: Span
    fixture: str


@dataclass(slots=True)
class FileFacts:
    calls: list[CallFact] = field(default_factory=list)
    marks: list[MarkUse] = field(default_factory=list)
    # Marker names read by string (get_closest_marker("x"), iter_markers(name="x")); ANY_MARKER
    # when the file applies a marker whose name is computed at run time.
    marker_reads: set[str] = field(default_factory=set)
    fixture_marks: list[FixtureMark] = field(default_factory=list)
    pytestmark_tuples: list[Span] = field(default_factory=list)
    # From `pytest_configure` hooks: (name, line text, line) and unevaluable calls.
    registrations: list[tuple[str, str, int]] = field(default_factory=list)
    unevaluated_registrations: list[tuple[int, int]] = field(default_factory=list)
    pytest_plugins: tuple[str, ...] = ()
    # Plugin modules the file imports (`import pytest_asyncio`): the plugin is installed, so pytest
    # loads it and knows its markers wherever it is declared or not.
    plugin_imports: tuple[str, ...] = ()
    # A conftest's module-level imports (`._util`, `tests.markers`): modules loaded with it, whose
    # module-level marks pytest does not validate when the conftest is an initial one.
    conftest_imports: tuple[str, ...] = ()
    # Import audit facts (see import_facts.py); empty unless requested.
    imports: list[ImportFact] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    # Facts of rule families with their own collectors (Rule.FACTS_KEY -> data).
    extra: dict[str, object] = field(default_factory=dict)
    # Line ranges that run only where `websockets.asyncio` is missing (websockets < 13): the
    # `except ImportError` handlers of a `try` that imports from it.
    pre_asyncio_lines: list[tuple[int, int]] = field(default_factory=list)

    def calls_to(self, qualnames: Iterable[str]) -> list[CallFact]:
        wanted = set(qualnames)
        return [call for call in self.calls if call.qualname in wanted]

    def runs_before_asyncio(self, line: int) -> bool:
        """Whether `line` runs only with websockets < 13, where `websockets.connect` is the legacy client."""
        return any(first <= line <= last for first, last in self.pre_asyncio_lines)


# In `marker_reads`: `item.add_marker(name)`, `getattr(pytest.mark, name)` with a computed name, or a
# Django `@tag(...)` under pytest-django: any registered marker may be in use.
ANY_MARKER = "*"
MARK_GENERATORS = frozenset({"pytest.mark", "_pytest.mark.MARK_GEN", "_pytest.mark.structures.MARK_GEN"})
FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})
_DJANGO_TAGS = frozenset({"django.test.tag", "django.test.utils.tag"})
_MARKER_READERS = frozenset({"get_closest_marker", "iter_markers", "iter_markers_with_node", "get_marker"})


def extract_facts(
    tree: ast.Module,
    source: SourceFile,
    tracked_modules: frozenset[str],
    *,
    markers: bool = False,
    imports: bool = False,
    collectors: tuple[tuple[str, Callable[[ast.Module, SourceFile], object]], ...] = (),
) -> FileFacts:
    """Everything the enabled rules need from one parsed file.

    `tracked_modules` limits call facts to calls into those libraries; `markers`
    turns on the pytest marker facts (uses, registrations, pytestmark shapes);
    `imports` the import statements and top-level definitions.
    """
    facts = FileFacts()
    if tracked_modules or markers:
        _Extractor(source, tracked_modules, facts, markers=markers).run(tree)
    if "websockets.asyncio" in source.text and "ImportError" in source.text:
        facts.pre_asyncio_lines = _pre_asyncio_handlers(tree)
    if markers:
        _module_marker_facts(tree, source, facts)
    if imports:
        facts.imports, facts.definitions = collect_imports(tree, source)
    for key, collect in collectors:
        facts.extra[key] = collect(tree, source)
    return facts


def _module_level_imports(body: list[ast.stmt], *, in_try: bool = True) -> set[str]:
    """Dotted names a module imports at module level (`.x`, `..pkg.y`: relative), each form pytest could load.

    `in_try=False` leaves out imports a `try` guards: they may fail, so they prove nothing installed.
    """
    found: set[str] = set()
    for statement in body:
        if isinstance(statement, ast.Import):
            found.update(alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            base = "." * statement.level + (statement.module or "")
            found.add(base)
            # `from . import _util` / `from tests import markers` may name modules too.
            found.update(f"{base}.{alias.name}" if statement.module else f"{base}{alias.name}" for alias in statement.names)
        elif isinstance(statement, ast.If):
            found |= _module_level_imports(statement.body, in_try=in_try) | _module_level_imports(statement.orelse, in_try=in_try)
        elif isinstance(statement, ast.Try) and in_try:
            found |= _module_level_imports(statement.body)
    return found


def _plugin_imports(body: list[ast.stmt]) -> set[str]:
    """Top-level `pytest_*` (and anyio) modules imported at module level, outside `try` blocks."""
    tops = {name.partition(".")[0] for name in _module_level_imports(body, in_try=False) if not name.startswith(".")}
    return {top for top in tops if top.startswith("pytest_") or top == "anyio"}


def _pre_asyncio_handlers(tree: ast.Module) -> list[tuple[int, int]]:
    """`try: from websockets.asyncio.client import connect` / `except ImportError: <websockets < 13>`."""
    ranges: list[tuple[int, int]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try) or not any(
            isinstance(statement, ast.ImportFrom)
            and (statement.module or "").startswith("websockets.asyncio")
            or isinstance(statement, ast.Import)
            and any(alias.name.startswith("websockets.asyncio") for alias in statement.names)
            for statement in node.body
        ):
            continue
        for handler in node.handlers:
            if catches_import_error(handler) and handler.body:
                ranges.append((handler.body[0].lineno, handler.body[-1].end_lineno or handler.body[-1].lineno))
    return ranges


def _module_marker_facts(tree: ast.Module, source: SourceFile, facts: FileFacts) -> None:
    if "pytest_configure" in source.text:
        from goldenpath_audit.auditor.static_eval import marker_registrations  # only conftests need it

        registrations, unevaluated = marker_registrations(tree, source)
        facts.registrations = [(r.name, r.text, r.line) for r in registrations]
        facts.unevaluated_registrations = [(u.line, u.column) for u in unevaluated]
    if "import" in source.text:
        facts.plugin_imports = tuple(sorted(_plugin_imports(tree.body)))
        if source.path.replace("\\", "/").rpartition("/")[2] == "conftest.py":
            facts.conftest_imports = tuple(sorted(_module_level_imports(tree.body)))
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in statement.targets
        ):
            value = statement.value
            items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            facts.pytest_plugins = tuple(
                item.value for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)
            )


class _Extractor:
    def __init__(self, source: SourceFile, tracked: frozenset[str], facts: FileFacts, *, markers: bool) -> None:
        self.source = source
        self.tracked = tracked
        self.facts = facts
        self.markers = markers
        self.statement_line = 1
        self.function_depth = 0
        # How many tests a marker use at this point applies to (decorators, pytestmark).
        self.test_weight = 1
        # `item.add_marker(skip)`: names passed, and names assigned a mark expression (`skip = pytest.mark.skip(...)`).
        self.marker_arguments: set[str] = set()
        self.mark_variables: set[str] = set()

    def run(self, tree: ast.Module) -> None:
        index = FileIndex.of(tree, self.source.text)
        self.lines = _candidate_lines(index, self.tracked, markers=self.markers)
        if not self.lines:
            return
        self.test_weight = _tests_in(tree)
        self._walk(tree, build_scope(tree, None, index))
        if self.marker_arguments - self.mark_variables:
            self.facts.marker_reads.add(ANY_MARKER)  # a marker object we cannot name: any marker may be applied

    def _walk(self, node: ast.AST, scope: Scope) -> None:
        # Iterative over siblings, recursive over depth, like ast.NodeVisitor;
        # subtrees on lines that cannot hold a fact are skipped (walk.py).
        lines = self.lines
        for child in child_nodes(node):
            if not touches(child, lines):
                continue
            if isinstance(child, ast.stmt):
                self.statement_line = child.lineno
            if isinstance(child, ast.Call):
                self._record_call(child, scope)
            elif self.markers and isinstance(child, ast.Attribute):
                self._record_mark_attribute(child, scope)
            elif self.markers and isinstance(child, ast.Assign):
                self._check_pytestmark(child, scope)
            elif self.markers and isinstance(child, ast.Compare):
                self._record_compared_marks(child)
            if is_scope(child):
                self._walk_scope(child, scope)
            else:
                self._walk(child, scope)

    def _walk_scope(self, node: ast.AST, outer: Scope) -> None:
        # Decorators, defaults and bases are evaluated in the enclosing scope.
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            outer_parts = [*node.decorator_list]
            if isinstance(node, ast.ClassDef):
                outer_parts += [*node.bases, *(kw.value for kw in node.keywords)]
            else:
                outer_parts += [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
            if self.markers:
                self._check_fixture_marks(node, outer)
            saved_weight = self.test_weight
            self.test_weight = _tests_in(node)
            for expr in outer_parts:
                self._walk_expression(expr, outer)
            self.test_weight = saved_weight
            inner = build_scope(node, outer)
            is_function = not isinstance(node, ast.ClassDef)
            self.function_depth += is_function
            self.test_weight = _tests_in(node)
            for statement in node.body:
                if not touches(statement, self.lines):
                    continue
                self.statement_line = statement.lineno
                if is_scope(statement):
                    self._walk_scope(statement, inner)
                else:
                    if self.markers and isinstance(statement, ast.Assign):
                        self._check_pytestmark(statement, inner)
                    self._walk(statement, inner)
            self.function_depth -= is_function
            self.test_weight = saved_weight
        elif isinstance(node, ast.Lambda):
            self.function_depth += 1
            self._walk_expression(node.body, build_scope(node, outer))
            self.function_depth -= 1

    def _walk_expression(self, expr: ast.expr, scope: Scope) -> None:
        if not touches(expr, self.lines):
            return
        if isinstance(expr, ast.Call):
            self._record_call(expr, scope)
        elif self.markers and isinstance(expr, ast.Attribute):
            self._record_mark_attribute(expr, scope)
        if is_scope(expr):
            self._walk_scope(expr, scope)
        else:
            self._walk(expr, scope)

    def _record_call(self, call: ast.Call, scope: Scope) -> None:
        if self.markers:
            self._record_string_marks(call, scope)
        qualname = resolve_expression(call.func, scope)
        if qualname is None or qualname.split(".", 1)[0] not in self.tracked:
            return
        keywords = tuple(self._keyword(kw) for kw in call.keywords if kw.arg is not None)
        self.facts.calls.append(
            CallFact(
                qualname=qualname,
                span=self._span(call),
                statement_line=self.statement_line,
                keywords=keywords,
                has_double_star=any(kw.arg is None for kw in call.keywords),
            )
        )

    # -- pytest markers --------------------------------------------------------

    def _record_mark_attribute(self, node: ast.Attribute, scope: Scope) -> None:
        """`pytest.mark.X` (through any alias) is a use of marker X."""
        if not isinstance(node.value, (ast.Name, ast.Attribute)):
            return
        generator = resolve_expression(node.value, scope)
        if generator not in MARK_GENERATORS:
            return
        end_line = node.end_lineno or node.lineno
        end = self.source.char_column(end_line, node.end_col_offset or 0)
        span = Span(end_line, end - len(node.attr), end_line, end)
        self._add_mark(node.attr, span, "attribute")

    def _record_compared_marks(self, compare: ast.Compare) -> None:
        """`"slow" in item.keywords` (pytest's documented idiom) and `mark.name == "db"` read marker names."""
        operands = [compare.left, *compare.comparators]
        for op, left, right in zip(compare.ops, operands, operands[1:]):
            if isinstance(op, (ast.In, ast.NotIn)) and _is_attribute_named(right, "keywords"):
                literal = left
            elif isinstance(op, (ast.Eq, ast.NotEq)) and _is_attribute_named(left, "name"):
                literal = right
            elif isinstance(op, (ast.Eq, ast.NotEq)) and _is_attribute_named(right, "name"):
                literal = left
            else:
                continue
            if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                self.facts.marker_reads.add(literal.value)

    def _record_string_marks(self, call: ast.Call, scope: Scope) -> None:
        """`node.add_marker("X")`, `getattr(pytest.mark, "X")` and readers like `get_closest_marker("X")`."""
        func = call.func
        first = call.args[0] if call.args else None
        literal = first if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        if isinstance(func, ast.Attribute) and func.attr in _MARKER_READERS:
            for argument in [*call.args, *(kw.value for kw in call.keywords if kw.arg == "name")]:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    self.facts.marker_reads.add(argument.value)
            return
        if isinstance(func, ast.Attribute) and func.attr == "add_marker" and first is not None:
            if literal is not None:
                self._add_mark(literal.value, self._span(literal), "string")
            elif isinstance(first, ast.Name):  # known unless no `NAME = pytest.mark.x(...)` binds it (see `run`)
                self.marker_arguments.add(first.id)
            elif not _is_mark_expression(first, scope):  # `add_marker(item.name)`; `pytest.mark.x` is recorded as itself
                self.facts.marker_reads.add(ANY_MARKER)
        elif (
            isinstance(func, ast.Name)
            and func.id == "getattr"
            and scope.resolve("getattr") is None
            and len(call.args) >= 2
            and isinstance(call.args[0], (ast.Name, ast.Attribute))
            and resolve_expression(call.args[0], scope) in MARK_GENERATORS
        ):
            if isinstance(call.args[1], ast.Constant) and isinstance(call.args[1].value, str):
                self._add_mark(call.args[1].value, self._span(call.args[1]), "string")
            else:
                self.facts.marker_reads.add(ANY_MARKER)
        elif isinstance(func, (ast.Name, ast.Attribute)) and resolve_expression(func, scope) in _DJANGO_TAGS:
            self.facts.marker_reads.update(
                argument.value for argument in call.args if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            )  # pytest-django turns Django test tags into markers of the same names

    def _add_mark(self, name: str, span: Span, kind: str) -> None:
        if not name.isidentifier() or name.startswith("_") or name == "with_args":
            return
        self.facts.marks.append(
            MarkUse(
                name=name,
                span=span,
                statement_line=self.statement_line,
                kind=kind,
                in_function=self.function_depth > 0,
                tests=self.test_weight,
            )
        )

    def _check_pytestmark(self, node: ast.Assign, scope: Scope) -> None:
        """`pytestmark = (a, b)` crashes collection: pytest only unpacks lists (GP205)."""
        if _is_mark_expression(node.value, scope):
            self.mark_variables.update(target.id for target in node.targets if isinstance(target, ast.Name))
        if self.function_depth:
            return
        if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets) and isinstance(
            node.value, ast.Tuple
        ):
            self.facts.pytestmark_tuples.append(self._span(node.value))

    def _check_fixture_marks(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, scope: Scope) -> None:
        if isinstance(node, ast.ClassDef) or self.function_depth:
            return  # a fixture defined inside a function is no fixture pytest collects (pytest's own tests do it on purpose)
        decorators = node.decorator_list
        if not any(_decorator_target(d, scope) in FIXTURE_DECORATORS for d in decorators):
            return
        for decorator in decorators:
            target = _decorator_target(decorator, scope)
            if target is None or target in FIXTURE_DECORATORS:
                continue
            generator, _, name = target.rpartition(".")
            if generator in MARK_GENERATORS:
                base = decorator.func if isinstance(decorator, ast.Call) else decorator
                self.facts.fixture_marks.append(FixtureMark(name=name, span=self._span(base), fixture=node.name))

    def _keyword(self, keyword: ast.keyword) -> KeywordFact:
        line = keyword.lineno
        column = self.source.char_column(line, keyword.col_offset)
        name = keyword.arg or ""
        return KeywordFact(
            name=name,
            span=Span(line, column, line, column + len(name)),
            literal_keys=_literal_keys(keyword.value),
        )

    def _span(self, node: ast.expr) -> Span:
        return node_span(self.source, node)


def _candidate_lines(index: FileIndex, tracked: frozenset[str], *, markers: bool) -> LineSet:
    """Lines that can hold a call into a tracked module or a marker use."""
    lines = index.lines_with_names(index.names_into(tracked)) if tracked else LineSet()
    if markers:
        lines = lines.union(index.lines_matching(r"mark|getattr|keywords"))
        lines = lines.union(index.lines_with_names(index.names_into(MARK_GENERATORS | _DJANGO_TAGS)))
    return lines


def _is_attribute_named(node: ast.expr, attr: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == attr


def _is_mark_expression(node: ast.expr, scope: Scope) -> bool:
    """`pytest.mark.x` or `pytest.mark.x(...)` (through any alias of `pytest.mark`)."""
    if isinstance(node, ast.Call):
        node = node.func
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, (ast.Name, ast.Attribute))
        and resolve_expression(node.value, scope) in MARK_GENERATORS
    )


def _decorator_target(decorator: ast.expr, scope: Scope) -> str | None:
    """The qualified name a decorator (called or not) resolves to."""
    base = decorator.func if isinstance(decorator, ast.Call) else decorator
    while isinstance(base, ast.Attribute) and base.attr == "with_args":
        base = base.value
    if not isinstance(base, (ast.Name, ast.Attribute)):
        return None
    return resolve_expression(base, scope)


def _is_test_name(name: str) -> bool:
    return name.startswith("test")


def _tests_in(node: ast.AST) -> int:
    """Test functions a marker on `node` applies to: 1 for a test, its tests for a class or module."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return 1 if _is_test_name(node.name) else 0
    body = getattr(node, "body", [])
    count = 0
    for child in body:
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_test_name(child.name):
            count += 1
        elif isinstance(child, ast.ClassDef) and child.name.startswith("Test"):
            count += _tests_in(child)
    return count


def _literal_keys(value: ast.expr) -> tuple[str, ...] | None:
    """String keys of a headers literal: a dict display or a list/tuple of pairs."""
    if isinstance(value, ast.Dict):
        keys = value.keys
    elif isinstance(value, (ast.List, ast.Tuple)) and all(
        isinstance(item, ast.Tuple) and len(item.elts) == 2 for item in value.elts
    ):
        keys = [item.elts[0] for item in value.elts]
    else:
        return None
    return tuple(key.value for key in keys if isinstance(key, ast.Constant) and isinstance(key.value, str))
