"""Name codemods: rename one `Name` held by a node, such as a call's keyword or an attribute."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from goldenpath_audit.auditor.findings import FixOperation
from goldenpath_audit.codemods.base import Codemod


class RenameNameField(Codemod):
    """Replace the `Name` in field FIELD of a NODE when it reads `old`; everything else stays."""

    FIELD: ClassVar[str]

    def anchor(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return getattr(node, self.FIELD)

    def rewrite(self, original: cst.CSTNode, updated: cst.CSTNode, operation: FixOperation) -> cst.CSTNode | None:
        name = getattr(updated, self.FIELD)
        if not isinstance(name, cst.Name) or name.value != operation.param("old"):
            return None
        return updated.with_changes(**{self.FIELD: cst.Name(operation.param("new"))})


class RenameKeyword(RenameNameField):
    """`f(extra_headers=h)` -> `f(additional_headers=h)`; spacing and comments stay."""

    KIND = "rename_keyword"
    NODE = cst.Arg
    FIELD = "keyword"
