"""pytest-asyncio codemods: add the `asyncio` marker to an async test (GP206).

`add_asyncio_marker` names a function by the position of its name token and
carries two params: `decorator`, the marker expression as the module spells it
(`pytest.mark.asyncio`, `mark.asyncio`), and `add_import`, whether
`import pytest` must be added. The decorator goes on its own line directly
above the `def`, below any existing decorators; libcst gives it the def's
indentation. `import pytest` is added once per file, after the module docstring
and `from __future__` imports, taking over the blank lines and comments that
stood before the statement it is inserted above.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange

from goldenpath_audit.auditor.findings import FixOperation
from goldenpath_audit.codemods.base import ModuleCodemod, ModulePlan


class AddAsyncioMarker(ModuleCodemod):
    KINDS = frozenset({"add_asyncio_marker"})

    def plan(
        self, module: cst.Module, operations: Sequence[FixOperation], positions: Mapping[cst.CSTNode, CodeRange]
    ) -> ModulePlan:
        plan = ModulePlan()
        functions: dict[tuple[int, int], cst.FunctionDef] = {}
        for node in positions:
            if isinstance(node, cst.FunctionDef):
                start = positions[node.name].start
                functions[(start.line, start.column + 1)] = node
        needs_import = False
        for operation in operations:
            function = functions.get((operation.line, operation.column))
            if function is None:
                continue
            expression = operation.param("decorator")
            try:
                decorator = cst.Decorator(decorator=cst.parse_expression(expression))
            except cst.ParserSyntaxError:
                continue
            plan.add(function, _append_decorator(decorator))
            plan.applied.append(operation)
            needs_import = needs_import or bool(operation.param("add_import"))
        if needs_import and not _imports_pytest(module):
            plan.add(module, _insert_import)
        return plan


def _append_decorator(decorator: cst.Decorator):
    def edit(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.FunctionDef)
        wanted = cst.Module([]).code_for_node(decorator.decorator)
        if any(cst.Module([]).code_for_node(d.decorator) == wanted for d in node.decorators):
            return node  # already there (the same fix reported twice)
        return node.with_changes(decorators=[*node.decorators, decorator])

    return edit


def _imports_pytest(module: cst.Module) -> bool:
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import) and any(
                    alias.asname is None and cst.Module([]).code_for_node(alias.name) == "pytest" for alias in small.names
                ):
                    return True
    return False


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_future_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, cst.ImportFrom)
        and small.module is not None
        and cst.Module([]).code_for_node(small.module) == "__future__"
        for small in statement.body
    )


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _insert_import(node: cst.CSTNode) -> cst.CSTNode:
    assert isinstance(node, cst.Module)
    body = list(node.body)
    index = 0
    if body and _is_docstring(body[0]):
        index = 1
    while index < len(body) and _is_future_import(body[index]):
        index += 1
    new = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name("pytest"))])])
    if index < len(body):
        following = body[index]
        new = new.with_changes(leading_lines=following.leading_lines)
        if _is_import(following):
            gap: tuple[cst.EmptyLine, ...] = ()
        elif isinstance(following, (cst.FunctionDef, cst.ClassDef)):
            gap = (cst.EmptyLine(), cst.EmptyLine())
        else:
            gap = (cst.EmptyLine(),)
        body[index] = following.with_changes(leading_lines=gap)
    elif index > 0:
        new = new.with_changes(leading_lines=(cst.EmptyLine(),))
    body.insert(index, new)
    return node.with_changes(body=body)
