"""Position-addressed codemods: the rule decides *what* and *where*, libcst does the edit.

A rule's fix is a list of `FixOperation`s, each naming a codemod kind and the
1-based line and character column of the node to rewrite. All operations for a
file are applied in one libcst pass by `apply_operations`, which dispatches
each node to the codemod registered for its type. Resolution logic (is this
really websockets' `connect`?) lives only in the rule; codemods stay generic.

Two shapes of codemod share that single pass:

* `Codemod` rewrites the one node found at an operation's position (one
  operation per kind and position).
* `ModuleCodemod` sees the whole module before the pass. It receives every
  operation of its kinds at once (several may name the same node) and returns a
  `ModulePlan`: edits keyed by *original* nodes, each called with that node's
  updated version when the pass leaves it, so one operation can touch several
  nodes (merge into another statement, rewrite uses elsewhere in the file).
  Edits that add or remove statements are made on the body that holds them
  (`Module`, `IndentedBlock`, `SimpleStatementSuite`), never by returning a
  removal or a flattened list from a statement, so body indices stay stable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

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


# Called with the updated version of the node the edit is keyed by; returns its replacement.
NodeEdit = Callable[[cst.CSTNode], cst.CSTNode]


@dataclass
class ModulePlan:
    """What a `ModuleCodemod` will do during the pass, and which operations that covers."""

    edits: dict[cst.CSTNode, list[NodeEdit]] = field(default_factory=dict)  # keyed by original node
    applied: list[FixOperation] = field(default_factory=list)

    def add(self, original: cst.CSTNode, edit: NodeEdit) -> None:
        self.edits.setdefault(original, []).append(edit)


class ModuleCodemod:
    """Plans edits over the whole module for every operation of its KINDS at once.

    `plan` gets the original module, the operations of its kinds and the
    original nodes' positions (1-based lines, 0-based character columns, as
    libcst's `PositionProvider` gives them). Operations it cannot match are left
    out of `ModulePlan.applied`; they are reported as not applied, never raised.
    """

    KINDS: ClassVar[frozenset[str]]

    def plan(
        self, module: cst.Module, operations: Sequence[FixOperation], positions: Mapping[cst.CSTNode, CodeRange]
    ) -> ModulePlan:
        raise NotImplementedError


def _kinds(codemod: Codemod | ModuleCodemod) -> frozenset[str]:
    return codemod.KINDS if isinstance(codemod, ModuleCodemod) else frozenset({codemod.KIND})


class CodemodError(Exception):
    """A fix could not be applied (its node is gone, or the result does not parse)."""


class _Dispatcher(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        codemods: Iterable[Codemod],
        operations: Iterable[FixOperation],
        edits: Mapping[cst.CSTNode, list[NodeEdit]] | None = None,
    ) -> None:
        super().__init__()
        self.edits = edits or {}
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
        for edit in self.edits.get(original, ()):
            updated = edit(updated)
        return updated


def apply_operations(
    text: str, operations: Iterable[FixOperation], codemods: Iterable[Codemod | ModuleCodemod]
) -> tuple[str, list[FixOperation], list[FixOperation]]:
    """Apply operations to source text: (new text, applied, not applied)."""
    operations = list(dict.fromkeys(operations))  # the same edit reported twice applies once
    codemods = tuple(codemods)
    kinds = {kind for codemod in codemods for kind in _kinds(codemod)}
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
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)  # the nodes plans are keyed by
    node_codemods = [codemod for codemod in codemods if isinstance(codemod, Codemod)]
    module_codemods = [codemod for codemod in codemods if isinstance(codemod, ModuleCodemod)]
    edits: dict[cst.CSTNode, list[NodeEdit]] = {}
    module_applied: list[FixOperation] = []
    module_missed: list[FixOperation] = []
    claimed: set[str] = set()
    if module_codemods:
        positions = wrapper.resolve(PositionProvider)
        for codemod in module_codemods:
            mine = [op for op in operations if op.kind in codemod.KINDS and op.kind not in claimed]
            claimed |= codemod.KINDS
            if not mine:
                continue
            plan = codemod.plan(module, mine, positions)
            for original, node_edits in plan.edits.items():
                edits.setdefault(original, []).extend(node_edits)
            module_applied.extend(plan.applied)
            module_missed.extend(op for op in mine if op not in plan.applied)
    dispatcher = _Dispatcher(node_codemods, [op for op in operations if op.kind not in claimed], edits)
    new_module = wrapper.visit(dispatcher)
    applied = dispatcher.applied + module_applied
    return new_module.code + lost_suffix, applied, list(dispatcher.pending.values()) + module_missed
