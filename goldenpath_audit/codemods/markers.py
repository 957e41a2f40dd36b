"""Marker codemods: rename a marker where it is used, turn a `pytestmark` tuple into a list."""

from __future__ import annotations

import ast

import libcst as cst

from goldenpath_audit.auditor.findings import FixOperation
from goldenpath_audit.codemods.base import Codemod
from goldenpath_audit.codemods.keywords import RenameNameField


class RenameMarkerAttribute(RenameNameField):
    """`pytest.mark.intergration` -> `pytest.mark.integration` (the name token only)."""

    KIND = "rename_marker"
    NODE = cst.Attribute
    FIELD = "attr"


class RenameMarkerString(Codemod):
    """`add_marker("intergration")` -> `add_marker("integration")`, keeping the quote style."""

    KIND = "rename_marker"
    NODE = cst.SimpleString

    def rewrite(self, original: cst.CSTNode, updated: cst.CSTNode, operation: FixOperation) -> cst.CSTNode | None:
        assert isinstance(updated, cst.SimpleString)
        if ast.literal_eval(updated.value) != operation.param("old"):
            return None
        prefix_length = len(updated.prefix)
        quote = updated.quote
        body = operation.param("new")
        return updated.with_changes(value=f"{updated.value[:prefix_length]}{quote}{body}{quote}")


class TupleToList(Codemod):
    """`pytestmark = (a, b)` -> `pytestmark = [a, b]`, elements and comments untouched."""

    KIND = "tuple_to_list"
    NODE = cst.Tuple

    def anchor(self, node: cst.CSTNode) -> cst.CSTNode | None:
        # `ast` places a parenthesized tuple at its "("; libcst's position starts inside.
        assert isinstance(node, cst.Tuple)
        return node.lpar[0] if node.lpar else node

    def rewrite(self, original: cst.CSTNode, updated: cst.CSTNode, operation: FixOperation) -> cst.CSTNode | None:
        assert isinstance(updated, cst.Tuple)
        lbracket = cst.LeftSquareBracket()
        rbracket = cst.RightSquareBracket()
        if updated.lpar:
            lbracket = cst.LeftSquareBracket(whitespace_after=updated.lpar[0].whitespace_after)
            rbracket = cst.RightSquareBracket(whitespace_before=updated.rpar[-1].whitespace_before)
        return cst.List(elements=updated.elements, lbracket=lbracket, rbracket=rbracket)
