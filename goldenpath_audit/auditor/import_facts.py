"""Import statements of one file, as plain data, for the import audit (GP3xx).

Every `import` and `from ... import` is recorded wherever it stands (module,
function or class body: the latter fail when the test runs, not at
collection), with the context that decides whether a failure is real: inside a
`try:` whose handlers catch ImportError or a `with contextlib.suppress(ImportError):`
block (a deliberate fallback), or under `if TYPE_CHECKING:` (never executed).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from goldenpath_audit.auditor.findings import compact_pickle
from goldenpath_audit.auditor.names import catches_import_error, type_checking_branch
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
    guard_line: int = 0  # that `try:` statement's line (the innermost), when guarded by one
    # In the ImportError handler of the `try:` on this line: the alternative that runs only where
    # an import of its body fails (`except ImportError: from pkg import old as new`).
    fallback_for: int = 0


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
    _walk(tree.body, source, imports, _Where())
    definitions = [
        Definition(node.name, "class" if isinstance(node, ast.ClassDef) else "function", node.lineno, node.col_offset + 1)
        for node in tree.body
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    return imports, definitions


@dataclass(frozen=True, slots=True)
class _Where:
    """The context of the statements being walked, as recorded on each import."""

    scope: str = "module"
    guarded: bool = False
    type_checking: bool = False
    guard_line: int = 0
    fallback_for: int = 0


def _walk(body: list[ast.stmt], source: SourceFile, out: list[ImportFact], where: _Where) -> None:
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(_fact(node, source, where))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # A function body runs later, outside any guard around its definition.
            _walk(node.body, source, out, _Where("function", type_checking=where.type_checking))
        elif isinstance(node, ast.ClassDef):
            _walk(node.body, source, out, replace(where, scope="class"))
        elif isinstance(node, (ast.Try, ast.TryStar)):
            fallback = any(catches_import_error(handler) for handler in node.handlers)
            guarded = replace(where, guarded=True, guard_line=node.lineno) if fallback else where
            _walk(node.body, source, out, guarded)
            for handler in node.handlers:
                alternative = replace(where, fallback_for=node.lineno) if catches_import_error(handler) else where
                _walk(handler.body, source, out, alternative)
            for block in (node.orelse, node.finalbody):
                _walk(block, source, out, where)
        elif isinstance(node, ast.If) and _is_main_guard(node.test):
            _walk(node.orelse, source, out, where)  # the body runs as a script, never on import
        elif isinstance(node, ast.If):
            branch = type_checking_branch(node.test)
            body_checking = where.type_checking or branch is True
            else_checking = where.type_checking or branch is False  # `if not TYPE_CHECKING: ... else: <typing only>`
            _walk(node.body, source, out, replace(where, type_checking=body_checking))
            _walk(node.orelse, source, out, replace(where, type_checking=else_checking))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            # `with contextlib.suppress(ImportError):` is a fallback like `try/except ImportError`.
            suppressed = any(_suppresses_import_error(item.context_expr) for item in node.items)
            _walk(node.body, source, out, replace(where, guarded=True) if suppressed else where)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            for block in (node.body, node.orelse):
                _walk(block, source, out, where)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                _walk(case.body, source, out, where)


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


def _is_main_guard(test: ast.expr) -> bool:
    """`__name__ == "__main__"` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides) and any(
        isinstance(side, ast.Constant) and side.value == "__main__" for side in sides
    )


def _fact(node: ast.Import | ast.ImportFrom, source: SourceFile, where: _Where) -> ImportFact:
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
        scope=where.scope,
        guarded=where.guarded,
        type_checking=where.type_checking,
        guard_line=where.guard_line,
        fallback_for=where.fallback_for,
    )
