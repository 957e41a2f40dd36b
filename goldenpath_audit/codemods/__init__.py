"""libcst transformers and config writers. Rules detect; codemods rewrite.

`CODEMODS` maps each `FixOperation.kind` to the codemod that performs it.
"""

from __future__ import annotations

from goldenpath_audit.codemods.base import Codemod, CodemodError, ModuleCodemod, ModulePlan, apply_operations
from goldenpath_audit.codemods.imports import MoveImports
from goldenpath_audit.codemods.keywords import RenameKeyword
from goldenpath_audit.codemods.markers import RenameMarkerAttribute, RenameMarkerString, TupleToList
from goldenpath_audit.codemods.websockets_connection import (
    AttributeToStateCheck,
    EnsureFromImport,
    ExpandAttribute,
    NotAttributeToStateCheck,
    RenameExceptionName,
)
from goldenpath_audit.codemods.pytest_asyncio import AddAsyncioMarker
from goldenpath_audit.codemods.websockets_arguments import EmptyStringToNone, InsertTodoComment, RemoveKeyword

# Several codemods may share a kind when it applies to several node types.
# Module codemods (`ModuleCodemod`) plan over the whole file and share the same pass.
CODEMODS: tuple[Codemod | ModuleCodemod, ...] = (
    RenameKeyword(),
    RenameMarkerAttribute(),
    RenameMarkerString(),
    TupleToList(),
    MoveImports(),
    AddAsyncioMarker(),
    RemoveKeyword(),
    EmptyStringToNone(),
    InsertTodoComment(),
    RenameExceptionName(),
    ExpandAttribute(),
    AttributeToStateCheck(),
    NotAttributeToStateCheck(),
    EnsureFromImport(),
)
# Kinds applied to other files than Python source (config writers).
CONFIG_KINDS = frozenset({"register_marker"})

__all__ = ["CODEMODS", "CONFIG_KINDS", "Codemod", "CodemodError", "ModuleCodemod", "ModulePlan", "apply_operations"]
