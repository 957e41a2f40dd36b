"""Keyword-argument codemods: rename one keyword at a call site."""

from __future__ import annotations

import libcst as cst

from goldenpath_audit.auditor.findings import FixOperation
from goldenpath_audit.codemods.base import Codemod


class RenameKeyword(Codemod):
    """`f(extra_headers=h)` -> `f(additional_headers=h)`; spacing and comments stay."""

    KIND = "rename_keyword"
    NODE = cst.Arg

    def anchor(self, node: cst.CSTNode) -> cst.CSTNode | None:
        assert isinstance(node, cst.Arg)
        return node.keyword

    def rewrite(self, original: cst.CSTNode, updated: cst.CSTNode, operation: FixOperation) -> cst.CSTNode | None:
        assert isinstance(original, cst.Arg) and isinstance(updated, cst.Arg)
        if original.keyword is None or original.keyword.value != operation.param("old"):
            return None
        return updated.with_changes(keyword=cst.Name(operation.param("new")))
