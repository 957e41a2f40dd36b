"""Codemods for the websockets connection rules (GP105, GP106).

All are addressed by position; the rule decides what is certain.

* ``rename_exception_name`` (params ``old``, ``new``): the `Name` token at the
  position (an import alias, an `except` type, an attribute's name) reading
  ``old`` becomes ``new``.
* ``expand_attribute`` (params ``old``, ``new``): the attribute whose *name
  token* is at the position, ``x.old``, becomes ``x.<new>`` where ``new`` is a
  dotted path: ``e.status_code`` -> ``e.response.status_code``,
  ``ws.request_headers`` -> ``ws.request.headers``.
* ``attribute_to_state_check`` (params ``old``, ``member``, ``parenthesize``):
  ``ws.open`` (name token at the position) -> ``ws.state is State.OPEN``, in
  parentheses when ``parenthesize`` (the rule knows the operator around it).
* ``not_attribute_to_state_check`` (params ``old``, ``member``): ``not ws.open``
  (the ``not`` at the position) -> ``ws.state is not State.OPEN``.
* ``ensure_from_import`` (params ``module``, ``name``; any position): adds
  ``from module import name`` once, after the module's leading imports, unless
  the module already has that exact top-level import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange

from goldenpath_audit.auditor.findings import FixOperation
from goldenpath_audit.codemods.base import Codemod, ModuleCodemod, ModulePlan


def _dotted(node: cst.CSTNode | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


class RenameExceptionName(Codemod):
    KIND = "rename_exception_name"
    NODE = cst.Name

    def rewrite(self, original: cst.CSTNode, updated: cst.CSTNode, operation: FixOperation) -> cst.CSTNode | None:
        assert isinstance(updated, cst.Name)
        if updated.value != operation.param("old"):
            return None
        return updated.with_changes(value=operation.param("new"))


class _AttributeNameCodemod(Codemod):
    """Rewrites `value.old` found at the position of its `old` name token."""

    NODE = cst.Attribute

    def anchor(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return node.attr  # type: ignore[attr-defined]

    def rewrite(self, original: cst.CSTNode, updated: cst.CSTNode, operation: FixOperation) -> cst.CSTNode | None:
        assert isinstance(updated, cst.Attribute)
        if updated.attr.value != operation.param("old"):
            return None
        return self.replace(updated, operation)

    def replace(self, updated: cst.Attribute, operation: FixOperation) -> cst.CSTNode:
        raise NotImplementedError


class ExpandAttribute(_AttributeNameCodemod):
    KIND = "expand_attribute"

    def replace(self, updated: cst.Attribute, operation: FixOperation) -> cst.CSTNode:
        *middle, last = str(operation.param("new")).split(".")
        value: cst.BaseExpression = updated.value
        for part in middle:
            value = cst.Attribute(value=value, attr=cst.Name(part))
        return updated.with_changes(value=value, attr=cst.Name(last))


def _state_check(value: cst.BaseExpression, member: str, negated: bool) -> cst.Comparison:
    operator: cst.BaseCompOp = cst.IsNot() if negated else cst.Is()
    return cst.Comparison(
        left=cst.Attribute(value=value, attr=cst.Name("state")),
        comparisons=[
            cst.ComparisonTarget(
                operator=operator,
                comparator=cst.Attribute(value=cst.Name("State"), attr=cst.Name(member)),
            )
        ],
    )


class AttributeToStateCheck(_AttributeNameCodemod):
    KIND = "attribute_to_state_check"

    def replace(self, updated: cst.Attribute, operation: FixOperation) -> cst.CSTNode:
        check = _state_check(updated.value, operation.param("member"), negated=False)
        if updated.lpar:
            return check.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        if operation.param("parenthesize"):
            return check.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return check


class NotAttributeToStateCheck(Codemod):
    KIND = "not_attribute_to_state_check"
    NODE = cst.UnaryOperation

    def anchor(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return node.operator  # type: ignore[attr-defined]

    def rewrite(self, original: cst.CSTNode, updated: cst.CSTNode, operation: FixOperation) -> cst.CSTNode | None:
        assert isinstance(updated, cst.UnaryOperation)
        expression = updated.expression
        if (
            not isinstance(updated.operator, cst.Not)
            or not isinstance(expression, cst.Attribute)
            or expression.attr.value != operation.param("old")
        ):
            return None
        check = _state_check(expression.value, operation.param("member"), negated=True)
        return check.with_changes(lpar=updated.lpar, rpar=updated.rpar)


class EnsureFromImport(ModuleCodemod):
    KINDS = frozenset({"ensure_from_import"})

    def plan(
        self,
        module: cst.Module,
        operations: Sequence[FixOperation],
        positions: Mapping[cst.CSTNode, CodeRange],
    ) -> ModulePlan:
        result = ModulePlan()
        wanted: list[tuple[str, str]] = []
        for op in operations:
            params = dict(op.params)
            module_name, name = params.get("module"), params.get("name")
            if not (isinstance(module_name, str) and isinstance(name, str) and module_name and name):
                continue
            result.applied.append(op)
            if (module_name, name) not in wanted and not _imported(module, module_name, name):
                wanted.append((module_name, name))
        if wanted:
            lines = [cst.parse_statement(f"from {m} import {n}\n") for m, n in wanted]
            index = _insert_index(module)

            def edit(updated: cst.CSTNode) -> cst.CSTNode:
                assert isinstance(updated, cst.Module)
                body = list(updated.body)
                body[index:index] = lines
                return updated.with_changes(body=body)

            result.add(module, edit)
        return result


def _imported(module: cst.Module, module_name: str, name: str) -> bool:
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if (
                    isinstance(small, cst.ImportFrom)
                    and not small.relative
                    and _dotted(small.module) == module_name
                    and not isinstance(small.names, cst.ImportStar)
                    and any(_dotted(alias.name) == name and alias.asname is None for alias in small.names)
                ):
                    return True
    return False


def _insert_index(module: cst.Module) -> int:
    """After the docstring and the leading run of import statements."""
    index = 0
    for position, statement in enumerate(module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        smalls = statement.body
        is_docstring = (
            position == 0
            and len(smalls) == 1
            and isinstance(smalls[0], cst.Expr)
            and isinstance(smalls[0].value, cst.SimpleString)
        )
        if is_docstring or all(isinstance(small, (cst.Import, cst.ImportFrom)) for small in smalls):
            index = position + 1
            continue
        break
    return index
