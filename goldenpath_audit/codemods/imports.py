"""Import codemods: point imports at the registry's single source of truth.

Two operation kinds, both addressed by the position of the import *statement*
(`ast.ImportFrom` / `ast.Import` line and 1-based character column):

* ``move_from_import`` with params ``module`` (M), ``name`` (N), ``new_module``
  (C), ``new_name`` (N2): in that ``from M import ...`` statement, the alias
  importing N now comes from ``from C import N2``, under the local name the
  code already uses. A statement left with no other name is rewritten in place;
  otherwise the alias is removed and the name merged into a preceding
  ``from C import ...`` of the same body, or a new ``from C import ...`` is
  inserted right after the statement. Several operations on one statement are
  applied together.
* ``move_import`` with params ``module`` (M) and ``new_module`` (C): in that
  ``import ...`` statement, the alias ``M`` or ``M.x`` becomes ``C`` or ``C.x``.
  Without an ``as`` name, every attribute chain in the module spelling ``M``
  (``M.f()``) is respelled ``C`` too.

Names already imported identically by a preceding statement of the same body
are not imported twice: the old alias is just removed (and the statement with
it when nothing is left). Everything outside the edited imports and chains is
kept byte for byte; comments on lines that stay are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange

from goldenpath_audit.auditor.findings import FixOperation
from goldenpath_audit.codemods.base import ModuleCodemod, ModulePlan

_Owner = cst.Module | cst.IndentedBlock | cst.SimpleStatementSuite
_Pair = tuple[str, str]  # (imported name, local name) for `from` imports
_ImportPair = tuple[str, str | None]  # (dotted module, `as` name) for `import`

# The params each operation kind must carry, all non-empty strings.
_PARAMS = {
    "move_from_import": ("module", "name", "new_module", "new_name"),
    "move_import": ("module", "new_module"),
}


def _dotted(node: cst.CSTNode | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None:
        return None
    return _dotted(alias.asname.name)


@dataclass(eq=False)
class _Site:
    node: cst.Import | cst.ImportFrom
    owner: _Owner
    line_index: int | None  # the SimpleStatementLine's index in owner.body; None when owner is a suite
    small_index: int
    position: tuple[int, int]  # 1-based line, 1-based character column


class _SiteCollector(cst.CSTVisitor):
    """Every import statement with the body that holds it."""

    def __init__(self, positions: Mapping[cst.CSTNode, CodeRange]) -> None:
        super().__init__()
        self.positions = positions
        # The enclosing bodies, each with its statements' indices.
        self.owners: list[tuple[cst.Module | cst.IndentedBlock, dict[cst.CSTNode, int]]] = []
        self.sites: list[_Site] = []

    def _enter(self, node: cst.Module | cst.IndentedBlock) -> None:
        self.owners.append((node, {statement: index for index, statement in enumerate(node.body)}))

    def visit_Module(self, node: cst.Module) -> None:
        self._enter(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        self.owners.pop()

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._enter(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.owners.pop()

    def _record(self, owner: _Owner, line_index: int | None, body: Sequence[cst.BaseSmallStatement]) -> None:
        for small_index, small in enumerate(body):
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                start = self.positions[small].start
                self.sites.append(_Site(small, owner, line_index, small_index, (start.line, start.column + 1)))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        owner, indices = self.owners[-1]
        self._record(owner, indices[node], node.body)
        return False  # nothing nested in a simple statement holds a body

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> bool:
        self._record(node, None, node.body)
        return False


class _ChainCollector(cst.CSTVisitor):
    """Expressions spelling a moved module path: `M` in `M.f()` (imports themselves excluded)."""

    def __init__(self, moves: Mapping[str, str]) -> None:
        super().__init__()
        self.moves = moves
        self.found: list[tuple[cst.BaseExpression, str]] = []

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        dotted = _dotted(node)
        if dotted is not None and "." in dotted and dotted in self.moves:
            self.found.append((node, self.moves[dotted]))
            return False
        root = _dotted(node.value)
        if isinstance(node.value, cst.Name) and root in self.moves:  # single-segment module `M.x`
            self.found.append((node.value, self.moves[root]))
        return True


@dataclass(eq=False)
class _StatementPlan:
    site: _Site
    rename: dict[int, tuple[str, str | None]] = field(default_factory=dict)  # alias index -> (name, local)
    remove: set[int] = field(default_factory=set)
    module: str | None = None  # `from` statements rewritten in place
    append: list[_Pair] = field(default_factory=list)
    insert_after: list[_FromState] = field(default_factory=list)
    drop: bool = False

    def apply(self, node: cst.CSTNode) -> cst.BaseSmallStatement | None:
        if self.drop:
            return None
        assert isinstance(node, (cst.Import, cst.ImportFrom))
        names = list(node.names)  # type: ignore[arg-type]
        for index, (name, local) in self.rename.items():
            names[index] = _renamed(names[index], name, local, isinstance(node, cst.ImportFrom))
        node = node.with_changes(names=names)
        if self.module is not None:
            assert isinstance(node, cst.ImportFrom)
            node = node.with_changes(module=cst.parse_expression(self.module), relative=())
        for index in sorted(self.remove, reverse=True):
            node = _remove_alias(node, index)
        if self.append:
            assert isinstance(node, cst.ImportFrom)
            node = _append_aliases(node, self.append)
        return node


@dataclass(eq=False)
class _FromState:
    """A `from` import as it will read after the fix, for merging and de-duplication."""

    module: str | None  # absolute module; None for relative and star imports
    pairs: list[_Pair]
    site: _Site | None = None  # the existing statement that receives merged names; None for a new one

    def source(self) -> str:
        names = ", ".join(name if name == local else f"{name} as {local}" for name, local in self.pairs)
        return f"from {self.module} import {names}\n"


def _renamed(alias: cst.ImportAlias, name: str, local: str | None, from_import: bool) -> cst.ImportAlias:
    alias = alias.with_changes(name=cst.parse_expression(name))
    if not from_import:  # `import M as A` keeps its `as` part
        return alias
    if local == name:
        return alias.with_changes(asname=None)
    if alias.asname is not None and _asname(alias) == local:
        return alias
    return alias.with_changes(asname=cst.AsName(name=cst.Name(local or name)))


def _merge_gaps(before: cst.BaseParenthesizableWhitespace, after: cst.BaseParenthesizableWhitespace,
                first: bool, last: bool) -> cst.BaseParenthesizableWhitespace:
    """The whitespace left where an alias and its comma were: a line goes only if nothing else was on it."""
    if isinstance(before, cst.ParenthesizedWhitespace) and isinstance(after, cst.ParenthesizedWhitespace):
        # The alias had its own line: drop it (and the comment at its end), keep the comment lines around it.
        return after.with_changes(first_line=before.first_line, empty_lines=[*before.empty_lines, *after.empty_lines])
    if isinstance(before, cst.ParenthesizedWhitespace):
        return after if last else before
    if isinstance(after, cst.ParenthesizedWhitespace):
        return before if first and not last else after
    return after if last else before


def _remove_alias(node: cst.Import | cst.ImportFrom, index: int) -> cst.Import | cst.ImportFrom:
    names = list(node.names)  # type: ignore[arg-type]
    parenthesized = isinstance(node, cst.ImportFrom) and node.lpar is not None
    last = index == len(names) - 1
    if index == 0:
        before = node.lpar.whitespace_after if parenthesized else node.whitespace_after_import  # type: ignore[union-attr]
    else:
        before = names[index - 1].comma.whitespace_after  # type: ignore[union-attr]
    removed = names.pop(index)
    if not last:
        merged = _merge_gaps(before, removed.comma.whitespace_after, index == 0, False)  # type: ignore[union-attr]
        if index > 0:
            previous = names[index - 1]
            names[index - 1] = previous.with_changes(comma=previous.comma.with_changes(whitespace_after=merged))
        elif parenthesized:
            node = node.with_changes(lpar=node.lpar.with_changes(whitespace_after=merged))  # type: ignore[union-attr]
        else:
            node = node.with_changes(whitespace_after_import=merged)
        return node.with_changes(names=names)
    previous = names[-1]
    if isinstance(removed.comma, cst.Comma):  # a trailing comma stays a trailing comma
        merged = _merge_gaps(before, removed.comma.whitespace_after, False, True)
        names[-1] = previous.with_changes(comma=previous.comma.with_changes(whitespace_after=merged))
        return node.with_changes(names=names)
    names[-1] = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    if parenthesized:
        assert isinstance(node, cst.ImportFrom) and node.rpar is not None
        merged = _merge_gaps(before, node.rpar.whitespace_before, False, True)
        node = node.with_changes(rpar=node.rpar.with_changes(whitespace_before=merged))
    return node.with_changes(names=names)


def _new_alias(name: str, local: str) -> cst.ImportAlias:
    return cst.ImportAlias(name=cst.Name(name), asname=None if local == name else cst.AsName(name=cst.Name(local)))


def _append_aliases(node: cst.ImportFrom, pairs: Sequence[_Pair]) -> cst.ImportFrom:
    names = list(node.names)  # type: ignore[arg-type]
    last = names[-1]
    trailing = last.comma if isinstance(last.comma, cst.Comma) else None
    new = [_new_alias(name, local) for name, local in pairs]
    if node.lpar is not None and node.rpar is not None:
        tail = trailing.whitespace_after if trailing is not None else node.rpar.whitespace_before
        lead = node.lpar.whitespace_after if len(names) == 1 else names[-2].comma.whitespace_after  # type: ignore[union-attr]
        if isinstance(tail, cst.ParenthesizedWhitespace) and isinstance(lead, cst.ParenthesizedWhitespace):
            # One name per line: each new name on its own line, indented like the last one.
            def line_break(first_line: cst.TrailingWhitespace | None = None) -> cst.ParenthesizedWhitespace:
                return cst.ParenthesizedWhitespace(
                    first_line=first_line or cst.TrailingWhitespace(),
                    empty_lines=[],
                    indent=lead.indent,
                    last_line=lead.last_line,
                )

            closing = tail.with_changes(first_line=cst.TrailingWhitespace())
            names[-1] = last.with_changes(
                comma=cst.Comma(
                    whitespace_before=trailing.whitespace_before if trailing else cst.SimpleWhitespace(""),
                    whitespace_after=line_break(tail.first_line),
                )
            )
            for alias in new[:-1]:
                names.append(alias.with_changes(comma=cst.Comma(whitespace_after=line_break())))
            if trailing is not None:
                names.append(new[-1].with_changes(comma=trailing.with_changes(whitespace_after=closing)))
                return node.with_changes(names=names)
            names.append(new[-1])
            return node.with_changes(names=names, rpar=node.rpar.with_changes(whitespace_before=closing))
    # On one line: `, N2 as N` after the last name, before any trailing comma.
    names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    names.extend(new)
    if trailing is not None:
        names[-1] = names[-1].with_changes(comma=trailing)
    return node.with_changes(names=names)


def _edit_small_statements(
    body: Sequence[cst.BaseSmallStatement], plans: Mapping[int, _StatementPlan], own_lines: bool
) -> tuple[list[cst.BaseSmallStatement], list[cst.SimpleStatementLine]]:
    """The statements left on the line, and new lines to put after it (`own_lines`) or on it."""
    kept: list[cst.BaseSmallStatement] = []
    new_lines: list[cst.SimpleStatementLine] = []
    for index, small in enumerate(body):
        plan = plans.get(index)
        if plan is None:
            kept.append(small)
            continue
        result = plan.apply(small)
        if result is not None:
            kept.append(result)
        for state in plan.insert_after:
            line = cst.parse_statement(state.source())
            assert isinstance(line, cst.SimpleStatementLine)
            if own_lines:
                new_lines.append(line)
            else:  # `a; from C import N; b`: the default semicolon separates it
                kept.append(line.body[0])
    if kept:  # the line ends as it did, with or without a final `;`
        kept[-1] = kept[-1].with_changes(semicolon=body[-1].semicolon)
    return kept, new_lines


def _edit_owner(owner: cst.CSTNode, plans: Mapping[int | None, Mapping[int, _StatementPlan]]) -> cst.CSTNode:
    if isinstance(owner, cst.SimpleStatementSuite):
        kept, _ = _edit_small_statements(owner.body, plans[None], own_lines=False)
        return owner.with_changes(body=kept or [cst.Pass()])
    assert isinstance(owner, (cst.Module, cst.IndentedBlock))
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []  # comment and blank lines above a dropped statement
    for index, statement in enumerate(owner.body):
        line_plans = plans.get(index)
        if line_plans is None:
            kept_statements: list[cst.BaseStatement] = [statement]
        else:
            assert isinstance(statement, cst.SimpleStatementLine)
            own_line = len(statement.body) == 1
            kept, new_lines = _edit_small_statements(statement.body, line_plans, own_lines=own_line)
            if kept:
                kept_statements = [statement.with_changes(body=kept), *new_lines]
            else:
                carried.extend(statement.leading_lines)
                kept_statements = new_lines
        if carried and kept_statements:
            first = kept_statements[0]
            kept_statements[0] = first.with_changes(leading_lines=[*carried, *first.leading_lines])
            carried = []
        body.extend(kept_statements)
    if isinstance(owner, cst.IndentedBlock) and not body:
        body.append(cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carried))
        carried = []
    return owner.with_changes(body=body, footer=[*carried, *owner.footer])


class MoveImports(ModuleCodemod):
    """`move_from_import` and `move_import`: respell imports of moved names and modules."""

    KINDS = frozenset({"move_from_import", "move_import"})

    def plan(
        self, module: cst.Module, operations: Sequence[FixOperation], positions: Mapping[cst.CSTNode, CodeRange]
    ) -> ModulePlan:
        collector = _SiteCollector(positions)
        module.visit(collector)
        at = {(type(site.node), site.position): site for site in collector.sites}
        result = ModulePlan()
        from_moves: dict[_Site, dict[int, tuple[str, str]]] = {}  # alias index -> (new module, new name)
        import_moves: dict[_Site, dict[int, str]] = {}  # alias index -> new dotted name
        chains: dict[str, str] = {}
        for op in operations:
            params = dict(op.params)
            if not all(isinstance(params.get(key), str) and params[key] for key in _PARAMS[op.kind]):
                continue  # malformed: reported as not applied
            if op.kind == "move_from_import":
                site = at.get((cst.ImportFrom, (op.line, op.column)))
                if site is not None and self._match_from(site, params, from_moves.setdefault(site, {})):
                    result.applied.append(op)
            else:
                site = at.get((cst.Import, (op.line, op.column)))
                if site is not None and self._match_import(site, params, import_moves.setdefault(site, {}), chains):
                    result.applied.append(op)
        by_owner: dict[_Owner, list[_Site]] = {}
        for site in collector.sites:
            by_owner.setdefault(site.owner, []).append(site)
        for owner, sites in by_owner.items():
            if not any(from_moves.get(site) or import_moves.get(site) for site in sites):
                continue
            plans = self._plan_owner(sorted(sites, key=lambda site: site.position), from_moves, import_moves)
            result.add(owner, lambda updated, plans=plans: _edit_owner(updated, plans))
        if chains:
            chain_collector = _ChainCollector(chains)
            module.visit(chain_collector)
            for node, spelling in chain_collector.found:
                replacement = cst.parse_expression(spelling)
                result.add(
                    node,
                    lambda updated, replacement=replacement: replacement.with_changes(
                        lpar=updated.lpar, rpar=updated.rpar  # type: ignore[attr-defined]
                    ),
                )
        return result

    @staticmethod
    def _match_from(site: _Site, params: dict, moves: dict[int, tuple[str, str]]) -> bool:
        node = site.node
        assert isinstance(node, cst.ImportFrom)
        if isinstance(node.names, cst.ImportStar):
            return False
        if not node.relative and _dotted(node.module) != params["module"]:
            return False  # stale position, or already fixed
        hits = [
            index
            for index, alias in enumerate(node.names)
            if _dotted(alias.name) == params["name"] and index not in moves
        ]
        for index in hits:
            moves[index] = (params["new_module"], params["new_name"])
        return bool(hits)

    @staticmethod
    def _match_import(site: _Site, params: dict, moves: dict[int, str], chains: dict[str, str]) -> bool:
        node = site.node
        assert isinstance(node, cst.Import)
        old, new = params["module"], params["new_module"]
        hit = False
        for index, alias in enumerate(node.names):
            dotted = _dotted(alias.name)
            if index in moves or dotted is None or not (dotted == old or dotted.startswith(old + ".")):
                continue
            moves[index] = new + dotted[len(old) :]
            if alias.asname is None:  # the code spells the module path itself
                chains.setdefault(old, new)
            hit = True
        return hit

    def _plan_owner(
        self,
        sites: list[_Site],
        from_moves: Mapping[_Site, dict[int, tuple[str, str]]],
        import_moves: Mapping[_Site, dict[int, str]],
    ) -> dict[int | None, dict[int, _StatementPlan]]:
        """Walk one body's imports in order, tracking what each will import after the fix."""
        froms: list[_FromState] = []
        imports: list[_ImportPair] = []
        plans: dict[_Site, _StatementPlan] = {}
        for site in sites:
            node = site.node
            if isinstance(node, cst.ImportFrom):
                moves = from_moves.get(site)
                if moves:
                    self._plan_from(site, moves, froms, plans)
                elif not isinstance(node.names, cst.ImportStar) and not node.relative:
                    pairs = [(_dotted(a.name) or "", _asname(a) or _dotted(a.name) or "") for a in node.names]
                    froms.append(_FromState(_dotted(node.module), pairs, site))
            else:
                moves_i = import_moves.get(site)
                if moves_i:
                    self._plan_import(site, moves_i, imports, plans)
                else:
                    imports.extend((_dotted(a.name) or "", _asname(a)) for a in node.names)
        by_line: dict[int | None, dict[int, _StatementPlan]] = {}
        for site, plan in plans.items():
            by_line.setdefault(site.line_index, {})[site.small_index] = plan
        return by_line

    @staticmethod
    def _plan_from(
        site: _Site, moves: dict[int, tuple[str, str]], froms: list[_FromState], plans: dict[_Site, _StatementPlan]
    ) -> None:
        node = site.node
        assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
        plan = plans.setdefault(site, _StatementPlan(site))
        locals_ = [_asname(alias) or _dotted(alias.name) or "" for alias in node.names]
        staying = [(_dotted(node.names[i].name) or "", locals_[i]) for i in range(len(node.names)) if i not in moves]

        def imported(module: str, pair: _Pair) -> bool:
            return any(state.module == module and pair in state.pairs for state in froms)

        to_move = []
        for index in sorted(moves):
            new_module, new_name = moves[index]
            pair = (new_name, locals_[index])
            if imported(new_module, pair):
                plan.remove.add(index)
            else:
                to_move.append((index, new_module, pair))
        if not staying and not to_move:
            plan.drop = True
            return
        in_place = None
        if not staying:  # the statement itself takes one module: one without an import to merge into
            modules = [new_module for _, new_module, _ in to_move]
            in_place = next((m for m in modules if all(state.module != m for state in froms)), modules[0])
        own_module = in_place if in_place is not None else (None if node.relative else _dotted(node.module))
        own = _FromState(own_module, list(staying), site)
        new_states: dict[str, _FromState] = {}
        for index, new_module, pair in to_move:
            if new_module == in_place:
                if pair in own.pairs:
                    plan.remove.add(index)
                else:
                    plan.rename[index] = pair
                    own.pairs.append(pair)
                continue
            plan.remove.add(index)
            target = next((state for state in froms if state.module == new_module), None)
            if target is None:
                target = new_states.get(new_module)
            if target is None:
                target = new_states[new_module] = _FromState(new_module, [])
                plan.insert_after.append(target)
            if pair not in target.pairs:
                target.pairs.append(pair)
                if target.site is not None:
                    plans.setdefault(target.site, _StatementPlan(target.site)).append.append(pair)
        if in_place is not None:
            plan.module = in_place
        froms.append(own)
        froms.extend(new_states.values())

    @staticmethod
    def _plan_import(
        site: _Site, moves: dict[int, str], imports: list[_ImportPair], plans: dict[_Site, _StatementPlan]
    ) -> None:
        node = site.node
        assert isinstance(node, cst.Import)
        plan = plans.setdefault(site, _StatementPlan(site))
        own = [(_dotted(a.name) or "", _asname(a)) for i, a in enumerate(node.names) if i not in moves]
        for index in sorted(moves):
            pair = (moves[index], _asname(node.names[index]))
            if pair in imports or pair in own:
                plan.remove.add(index)
            else:
                plan.rename[index] = (moves[index], pair[1])
                own.append(pair)
        if len(plan.remove) == len(node.names):
            plan.drop = True
        imports.extend(own)

