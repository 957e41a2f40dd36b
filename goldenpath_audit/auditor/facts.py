"""Per-file facts: what rules need to know about a file, as plain data.

One `ast` parse and one walk per file produce a `FileFacts`. It holds only
strings, ints and tuples, so it can be cached by content hash and shared by
every rule; rules never walk the tree themselves. Positions are 1-based lines
and 1-based character columns (already converted from `ast` byte offsets).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable

from goldenpath_audit.auditor.names import Scope, build_scope, is_scope, resolve_expression
from goldenpath_audit.auditor.source import SourceFile


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class KeywordFact:
    name: str
    span: Span  # the keyword's name token
    # String keys when the value is a dict literal (or a list of 2-tuples).
    literal_keys: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class CallFact:
    """A call whose callee resolves, through the file's imports, into a tracked module."""

    qualname: str  # e.g. "websockets.asyncio.client.connect"
    span: Span  # the whole call expression
    statement_line: int
    keywords: tuple[KeywordFact, ...]
    has_double_star: bool


@dataclass(slots=True)
class FileFacts:
    calls: list[CallFact] = field(default_factory=list)

    def calls_to(self, qualnames: Iterable[str]) -> list[CallFact]:
        wanted = set(qualnames)
        return [call for call in self.calls if call.qualname in wanted]


def extract_facts(tree: ast.Module, source: SourceFile, tracked_modules: frozenset[str]) -> FileFacts:
    facts = FileFacts()
    if tracked_modules:
        _Extractor(source, tracked_modules, facts).run(tree)
    return facts


class _Extractor:
    def __init__(self, source: SourceFile, tracked: frozenset[str], facts: FileFacts) -> None:
        self.source = source
        self.tracked = tracked
        self.facts = facts
        self.statement_line = 1

    def run(self, tree: ast.Module) -> None:
        self._walk(tree, build_scope(tree, None))

    def _walk(self, node: ast.AST, scope: Scope) -> None:
        # Iterative over siblings, recursive over depth, like ast.NodeVisitor.
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.statement_line = child.lineno
            if isinstance(child, ast.Call):
                self._record_call(child, scope)
            if is_scope(child):
                self._walk_scope(child, scope)
            else:
                self._walk(child, scope)

    def _walk_scope(self, node: ast.AST, outer: Scope) -> None:
        # Decorators, defaults and bases are evaluated in the enclosing scope.
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            outer_parts = [*node.decorator_list]
            if isinstance(node, ast.ClassDef):
                outer_parts += [*node.bases, *(kw.value for kw in node.keywords)]
            else:
                outer_parts += [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
            for expr in outer_parts:
                self._walk_expression(expr, outer)
            inner = build_scope(node, outer)
            for statement in node.body:
                self.statement_line = statement.lineno
                if is_scope(statement):
                    self._walk_scope(statement, inner)
                else:
                    self._walk(statement, inner)
        elif isinstance(node, ast.Lambda):
            self._walk_expression(node.body, build_scope(node, outer))

    def _walk_expression(self, expr: ast.expr, scope: Scope) -> None:
        if isinstance(expr, ast.Call):
            self._record_call(expr, scope)
        if is_scope(expr):
            self._walk_scope(expr, scope)
        else:
            self._walk(expr, scope)

    def _record_call(self, call: ast.Call, scope: Scope) -> None:
        qualname = resolve_expression(call.func, scope)
        if qualname is None or qualname.split(".", 1)[0] not in self.tracked:
            return
        keywords = tuple(self._keyword(kw) for kw in call.keywords if kw.arg is not None)
        self.facts.calls.append(
            CallFact(
                qualname=qualname,
                span=self._span(call),
                statement_line=self.statement_line,
                keywords=keywords,
                has_double_star=any(kw.arg is None for kw in call.keywords),
            )
        )

    def _keyword(self, keyword: ast.keyword) -> KeywordFact:
        line = keyword.lineno
        column = self.source.char_column(line, keyword.col_offset)
        name = keyword.arg or ""
        return KeywordFact(
            name=name,
            span=Span(line, column, line, column + len(name)),
            literal_keys=_literal_keys(keyword.value),
        )

    def _span(self, node: ast.expr) -> Span:
        end_line = node.end_lineno or node.lineno
        return Span(
            node.lineno,
            self.source.char_column(node.lineno, node.col_offset),
            end_line,
            self.source.char_column(end_line, node.end_col_offset or 0),
        )


def _literal_keys(value: ast.expr) -> tuple[str, ...] | None:
    """String keys of a headers literal: a dict display or a list/tuple of pairs."""
    if isinstance(value, ast.Dict):
        keys = value.keys
    elif isinstance(value, (ast.List, ast.Tuple)) and all(
        isinstance(item, ast.Tuple) and len(item.elts) == 2 for item in value.elts
    ):
        keys = [item.elts[0] for item in value.elts]
    else:
        return None
    return tuple(key.value for key in keys if isinstance(key, ast.Constant) and isinstance(key.value, str))
