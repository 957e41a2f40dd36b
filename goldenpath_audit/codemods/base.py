"""Position-addressed codemods: the rule decides *what* and *where*, libcst does the edit.

A rule's fix is a list of `FixOperation`s, each naming a codemod kind and the
1-based line and character column of the node to rewrite. All operations for a
file are applied in one libcst pass by `apply_operations`, which dispatches
each node to the codemod registered for its type. Resolution logic (is this
really websockets' `connect`?) lives only in the rule; codemods stay generic.
"""

from __future__ import annotations

from typing import ClassVar, Iterable

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from goldenpath_audit.auditor.findings import FixOperation


class Codemod:
    """Rewrites one kind of node found at an operation's position."""

    KIND: ClassVar[str]
    NODE: ClassVar[type[cst.CSTNode]]

    def anchor(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The sub-node whose start position the operation names."""
        return node

    def rewrite(self, original: cst.CSTNode, updated: cst.CSTNode, operation: FixOperation) -> cst.CSTNode | None:
        """The replacement node, or None when the node does not match the operation."""
        raise NotImplementedError


class CodemodError(Exception):
    """A fix could not be applied (its node is gone, or the result does not parse)."""


class _Dispatcher(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, codemods: Iterable[Codemod], operations: Iterable[FixOperation]) -> None:
        super().__init__()
        self.by_node: dict[type[cst.CSTNode], list[Codemod]] = {}
        for codemod in codemods:
            self.by_node.setdefault(codemod.NODE, []).append(codemod)
        self.pending: dict[tuple[str, int, int], FixOperation] = {
            (op.kind, op.line, op.column): op for op in operations
        }
        self.applied: list[FixOperation] = []

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        for codemod in self.by_node.get(type(original), ()):
            anchor = codemod.anchor(original)
            if anchor is None:
                continue
            start = self.get_metadata(PositionProvider, anchor).start
            operation = self.pending.get((codemod.KIND, start.line, start.column + 1))
            if operation is None:
                continue
            replacement = codemod.rewrite(original, updated, operation)
            if replacement is not None:
                del self.pending[(codemod.KIND, start.line, start.column + 1)]
                self.applied.append(operation)
                updated = replacement
        return updated


def apply_operations(
    text: str, operations: Iterable[FixOperation], codemods: Iterable[Codemod]
) -> tuple[str, list[FixOperation], list[FixOperation]]:
    """Apply operations to source text: (new text, applied, not applied)."""
    operations = list(dict.fromkeys(operations))  # the same edit reported twice applies once
    codemods = tuple(codemods)
    kinds = {codemod.KIND for codemod in codemods}
    unknown = [op for op in operations if op.kind not in kinds]
    if unknown:
        raise CodemodError(f"no codemod for fix kind {unknown[0].kind!r}")
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise CodemodError(f"libcst cannot parse the file: {str(exc).splitlines()[0]}") from None
    except (RecursionError, MemoryError):
        raise CodemodError("libcst cannot parse the file: too deeply nested") from None
    # libcst must give back every byte it does not rewrite. It drops the final
    # newline of a file that uses old Mac `\r` newlines; that suffix is put back.
    # Any other difference means the file cannot be fixed without damage.
    unchanged = module.code
    if unchanged != text and not text.startswith(unchanged):
        raise CodemodError("libcst does not reproduce this file byte for byte; not fixed")
    lost_suffix = text[len(unchanged) :]
    dispatcher = _Dispatcher(codemods, operations)
    new_module = MetadataWrapper(module, unsafe_skip_copy=True).visit(dispatcher)
    return new_module.code + lost_suffix, dispatcher.applied, list(dispatcher.pending.values())
