"""Import statements of one file, as plain data, for the import audit (GP3xx).

Every `import` and `from ... import` is recorded wherever it stands (module,
function or class body: the latter fail when the test runs, not at
collection), with the context that decides whether a failure is real: inside a
`try:` whose handlers catch ImportError or a `with contextlib.suppress(ImportError):`
block (a deliberate fallback), or under `if TYPE_CHECKING:` (never executed).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from goldenpath_audit.auditor.findings import compact_pickle
from goldenpath_audit.auditor.names import catches_import_error
from goldenpath_audit.auditor.source import SourceFile


@compact_pickle
@dataclass(frozen=True, slots=True)
class ImportedName:
    name: str  # as written: "WebSocketManager" (from-import) or "app.core.env" (import)
    asname: str | None
    line: int
    column: int  # 1-based character column of the name


@compact_pickle
@dataclass(frozen=True, slots=True)
class ImportFact:
    line: int  # the statement (where fix operations anchor)
    column: int
    end_line: int
    is_from: bool
    module: str  # as written ("" for `from . import x`)
    level: int  # leading dots of a relative import
    names: tuple[ImportedName, ...]
    scope: str  # "module" | "function" | "class"
    guarded: bool  # inside `try:` with an ImportError-catching handler
    type_checking: bool  # under `if TYPE_CHECKING:`


@compact_pickle
@dataclass(frozen=True, slots=True)
class Definition:
    """A top-level `def` / `class` (for duplicate-definition and `imports NAME` reports)."""

    name: str
    kind: str  # "class" | "function"
    line: int
    column: int


def collect_imports(tree: ast.Module, source: SourceFile) -> tuple[list[ImportFact], list[Definition]]:
    imports: list[ImportFact] = []
    _walk(tree.body, source, imports, scope="module", guarded=False, type_checking=False)
    definitions = [
        Definition(node.name, "class" if isinstance(node, ast.ClassDef) else "function", node.lineno, node.col_offset + 1)
        for node in tree.body
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    return imports, definitions


def _walk(
    body: list[ast.stmt], source: SourceFile, out: list[ImportFact], *, scope: str, guarded: bool, type_checking: bool
) -> None:
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(_fact(node, source, scope, guarded, type_checking))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _walk(node.body, source, out, scope="function", guarded=False, type_checking=type_checking)
        elif isinstance(node, ast.ClassDef):
            _walk(node.body, source, out, scope="class", guarded=guarded, type_checking=type_checking)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            fallback = any(catches_import_error(handler) for handler in node.handlers)
            _walk(node.body, source, out, scope=scope, guarded=guarded or fallback, type_checking=type_checking)
            for handler in node.handlers:
                _walk(handler.body, source, out, scope=scope, guarded=guarded, type_checking=type_checking)
            for block in (node.orelse, node.finalbody):
                _walk(block, source, out, scope=scope, guarded=guarded, type_checking=type_checking)
        elif isinstance(node, ast.If):
            negated = isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
            test = node.test.operand if negated else node.test  # type: ignore[attr-defined]
            checking = _is_type_checking(test)
            body_checking = type_checking or (checking and not negated)
            else_checking = type_checking or (checking and negated)  # `if not TYPE_CHECKING: ... else: <typing only>`
            _walk(node.body, source, out, scope=scope, guarded=guarded, type_checking=body_checking)
            _walk(node.orelse, source, out, scope=scope, guarded=guarded, type_checking=else_checking)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            # `with contextlib.suppress(ImportError):` is a fallback like `try/except ImportError`.
            suppressed = any(_suppresses_import_error(item.context_expr) for item in node.items)
            _walk(node.body, source, out, scope=scope, guarded=guarded or suppressed, type_checking=type_checking)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            for block in (node.body, node.orelse):
                _walk(block, source, out, scope=scope, guarded=guarded, type_checking=type_checking)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                _walk(case.body, source, out, scope=scope, guarded=guarded, type_checking=type_checking)


def _suppresses_import_error(expr: ast.expr) -> bool:
    """`suppress(ImportError)` / `contextlib.suppress(Exception, ...)`: a handler catching ImportError."""
    if not isinstance(expr, ast.Call) or not expr.args:
        return False
    func = expr.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name != "suppress":
        return False
    handler = ast.ExceptHandler(type=ast.Tuple(elts=list(expr.args), ctx=ast.Load()), name=None, body=[])
    return catches_import_error(handler)


def _is_type_checking(test: ast.expr) -> bool:
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def _fact(node: ast.Import | ast.ImportFrom, source: SourceFile, scope: str, guarded: bool, type_checking: bool) -> ImportFact:
    names = tuple(
        ImportedName(
            alias.name,
            alias.asname,
            alias.lineno,
            source.char_column(alias.lineno, alias.col_offset),
        )
        for alias in node.names
    )
    is_from = isinstance(node, ast.ImportFrom)
    return ImportFact(
        line=node.lineno,
        column=source.char_column(node.lineno, node.col_offset),
        end_line=node.end_lineno or node.lineno,
        is_from=is_from,
        module=(node.module or "") if is_from else "",
        level=node.level if is_from else 0,
        names=names,
        scope=scope,
        guarded=guarded,
        type_checking=type_checking,
    )
