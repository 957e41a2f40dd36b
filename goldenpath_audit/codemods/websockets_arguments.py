"""Codemods for websockets argument migrations (GP104, GP107).

* `remove_keyword` deletes one keyword argument of a call: the commas around
  it, multi-line layouts and the comments on its line are kept (a comment that
  cannot be kept makes the operation not applied, never lost).
* `empty_string_to_none` turns one `""` string literal into `None` (the rule
  addresses the elements of an `origins=[...]` literal).
* `insert_todo_comment` puts a `# TODO(...)` line above the statement that
  starts at the operation's line, with the statement's indentation, unless the
  line above already carries the same marker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange

from goldenpath_audit.auditor.findings import FixOperation
from goldenpath_audit.codemods.base import Codemod, ModuleCodemod, ModulePlan


class EmptyStringToNone(Codemod):
    """`origins=[""]` -> `origins=[None]`, one string element per operation."""

    KIND = "empty_string_to_none"
    NODE = cst.SimpleString

    def rewrite(self, original: cst.CSTNode, updated: cst.CSTNode, operation: FixOperation) -> cst.CSTNode | None:
        assert isinstance(updated, cst.SimpleString)
        if "b" in updated.prefix.lower() or updated.evaluated_value != "":
            return None
        return cst.Name("None", lpar=updated.lpar, rpar=updated.rpar)


# -- remove_keyword ---------------------------------------------------------------


def _comments(node: cst.CSTNode | None) -> list[str]:
    if node is None:
        return []
    found: list[str] = []

    class _Visitor(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            found.append(comment.value)

    node.visit(_Visitor())
    return found


def _join(before: cst.BaseParenthesizableWhitespace, after: cst.BaseParenthesizableWhitespace, last: bool):
    """The whitespace that replaces `before` + removed argument + `after`, or None when a comment would be lost."""
    if isinstance(before, cst.ParenthesizedWhitespace) and isinstance(after, cst.ParenthesizedWhitespace):
        moved = []
        if after.first_line.comment is not None:
            moved.append(
                cst.EmptyLine(indent=before.indent, whitespace=before.last_line, comment=after.first_line.comment)
            )
        joined: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
            first_line=before.first_line,
            empty_lines=[*before.empty_lines, *moved, *after.empty_lines],
            indent=after.indent,
            last_line=after.last_line,
        )
    elif isinstance(after, cst.ParenthesizedWhitespace) or last:
        joined = after
    else:
        joined = before
    if sorted(_comments(before) + _comments(after)) != sorted(_comments(joined)):
        return None
    return joined


def remove_argument(call: cst.Call, name: str) -> cst.Call | None:
    """`call` without its keyword argument `name`, or None when it has none or a comment would be lost."""
    args = list(call.args)
    index = next((i for i, arg in enumerate(args) if arg.keyword is not None and arg.keyword.value == name), None)
    if index is None:
        return None
    removed = args[index]
    if _comments(removed.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace(""))):
        return None  # a comment inside the argument itself: leave it to a human
    has_comma = isinstance(removed.comma, cst.Comma)
    after = removed.comma.whitespace_after if has_comma else removed.whitespace_after_arg  # type: ignore[union-attr]
    last = index == len(args) - 1
    if index == 0:
        joined = _join(call.whitespace_before_args, after, last)
        if joined is None:
            return None
        rest = args[1:]
        if last:
            return call.with_changes(args=[], whitespace_before_args=joined)
        return call.with_changes(args=rest, whitespace_before_args=joined)
    previous = args[index - 1]
    if not isinstance(previous.comma, cst.Comma):
        return None
    joined = _join(previous.comma.whitespace_after, after, last)
    if joined is None:
        return None
    if not last:
        args[index - 1] = previous.with_changes(comma=previous.comma.with_changes(whitespace_after=joined))
    elif has_comma:
        args[index - 1] = previous.with_changes(comma=removed.comma.with_changes(whitespace_after=joined))  # type: ignore[union-attr]
    else:
        args[index - 1] = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=joined)
    del args[index]
    return call.with_changes(args=args)


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


class RemoveKeyword(ModuleCodemod):
    """`f(uri, loop=loop, x=1)` -> `f(uri, x=1)`; the operation names the keyword's position and `name`."""

    KINDS = frozenset({"remove_keyword"})

    def plan(
        self, module: cst.Module, operations: Sequence[FixOperation], positions: Mapping[cst.CSTNode, CodeRange]
    ) -> ModulePlan:
        visitor = _Calls()
        module.visit(visitor)
        by_position: dict[tuple[int, int, str], cst.Call] = {}
        for call in visitor.calls:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword in positions:
                    start = positions[arg.keyword].start
                    by_position[(start.line, start.column + 1, arg.keyword.value)] = call
        plan = ModulePlan()
        for operation in operations:
            name = operation.param("name")
            call = by_position.get((operation.line, operation.column, name))
            if call is None or remove_argument(call, name) is None:
                continue
            plan.add(call, lambda updated, name=name: remove_argument(updated, name) or updated)
            plan.applied.append(operation)
        return plan


# -- insert_todo_comment --------------------------------------------------------


class _Statements(cst.CSTVisitor):
    def __init__(self) -> None:
        self.statements: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self.statements.append(node)
        return True


class InsertTodoComment(ModuleCodemod):
    """Insert `# <text>` above the statement starting at the operation's line, once.

    Params: `text` (the comment without `# `) and `marker`: nothing is inserted
    when the line above the statement already contains the marker.
    """

    KINDS = frozenset({"insert_todo_comment"})

    def plan(
        self, module: cst.Module, operations: Sequence[FixOperation], positions: Mapping[cst.CSTNode, CodeRange]
    ) -> ModulePlan:
        visitor = _Statements()
        module.visit(visitor)
        by_line: dict[int, cst.CSTNode] = {}
        for statement in visitor.statements:  # outermost first
            if statement in positions:
                by_line.setdefault(positions[statement].start.line, statement)
        texts: dict[cst.CSTNode, list[str]] = {}
        plan = ModulePlan()
        for operation in operations:
            statement = by_line.get(operation.line)
            if statement is None:
                continue
            leading = getattr(statement, "leading_lines", None)
            if leading is None:
                continue
            if leading and leading[-1].comment is not None and operation.param("marker") in leading[-1].comment.value:
                continue  # already there (idempotent)
            plan.applied.append(operation)
            if statement not in texts:
                texts[statement] = []
                plan.add(statement, lambda updated, mine=texts[statement]: _with_comments(updated, mine))
            if operation.param("text") not in texts[statement]:
                texts[statement].append(operation.param("text"))
        return plan


def _with_comments(statement: cst.CSTNode, texts: list[str]) -> cst.CSTNode:
    lines = [cst.EmptyLine(indent=True, comment=cst.Comment(f"# {text}")) for text in texts]
    return statement.with_changes(leading_lines=[*statement.leading_lines, *lines])  # type: ignore[attr-defined]
