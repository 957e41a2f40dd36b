"""Marker names a module registers in `pytest_configure`, found without running it.

pytest projects often register markers in code rather than in an ini file::

    MARKERS = ["slow: slow tests", "integration"]

    def pytest_configure(config):
        config.addinivalue_line("markers", "smoke: quick checks")
        for marker in MARKERS:
            config.addinivalue_line("markers", marker)

`marker_registrations` reads such a module's `ast` and evaluates the argument
of every `<first param>.addinivalue_line("markers", ARG)` call with a tiny
interpreter over plain values. Nothing from the audited project is imported,
executed or evaluated: the only operations ever performed are string
concatenation, `%` / `str.format` / `format()` on str, int, float and bool
values the interpreter built itself from literals, and iteration over literal
lists, tuples, sets and dicts.

What can be evaluated:

- literals: strings, numbers, booleans, None, and lists / tuples / sets /
  dicts of them;
- f-strings (conversions `!s` `!r` `!a`, format specs), `"..." % value`,
  `"..." + "..."`, `"...".format(...)`, `sep.join([...])`, `D.items()` /
  `.keys()` / `.values()` and constant subscripts;
- module-level constants: a name bound exactly once in the whole module, by a
  plain `NAME = value` statement at the top level of the module, never named
  in a `global` statement, never mutated in place (`NAME.append(...)`,
  `NAME[k] = v`, ...) and not followed by a `from ... import *`;
- locals of `pytest_configure` bound exactly once by a plain assignment that
  runs before the use;
- loop variables of `for` loops (nested, tuple-unpacking) over evaluable
  iterables: the loop is unrolled.

Anything else (a call result, an attribute of an import, a comprehension, a
conditional expression, a parameter, a name bound several times) makes the
call an `Unevaluated` entry, so a caller can stay quiet about markers it
cannot see instead of reporting false positives. Calls inside branches are
all taken (the result is a superset of what one run registers), which is the
safe direction for that caller as well.

Work is bounded: at most `MAX_REGISTRATIONS` registrations and `MAX_STEPS`
interpreted statements per module, an expression depth limit, format widths
and precisions capped, and no failure on any input ever escapes: whatever
goes wrong turns into `Unevaluated` entries.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from goldenpath_audit.auditor.pytest_config import marker_name

__all__ = ["Registration", "Unevaluated", "marker_name", "marker_registrations"]

HOOK = "pytest_configure"
METHOD = "addinivalue_line"
INI_NAME = "markers"

MAX_REGISTRATIONS = 1000
MAX_STEPS = 20_000  # statements interpreted per module, loop iterations included
MAX_DEPTH = 100  # nesting of expressions and constant-to-constant references
MAX_WIDTH = 1000  # largest width or precision accepted in a format spec
MAX_STRING = 10_000  # longest string value the interpreter will build
MAX_ITEMS = 10_000  # most items in one list, tuple, set or dict value


@dataclass(frozen=True)
class Registration:
    name: str  # pytest's reduction of the line: text.split(":")[0].split("(")[0].strip()
    text: str  # the full evaluated line
    line: int  # 1-based line of the addinivalue_line call


@dataclass(frozen=True)
class Unevaluated:
    line: int  # an addinivalue_line("markers", ...) call whose argument cannot be evaluated statically
    column: int  # 1-based, character column


class _CharColumns(Protocol):
    def char_column(self, line: int, byte_offset: int) -> int: ...



def marker_registrations(
    tree: ast.Module, source: str | _CharColumns | None = None
) -> tuple[list[Registration], list[Unevaluated]]:
    """Markers registered by the module-level `pytest_configure` hooks of `tree`.

    `source` (the module's text, or a `SourceFile`) turns `ast` byte offsets
    into character columns for lines with non-ASCII text; without it the
    column is the byte offset plus one, which is the same for ASCII lines.
    Never raises: anything unexpected becomes an `Unevaluated` entry.
    """
    hooks = list(_configure_hooks(tree))
    if not hooks:
        return [], []
    collector = _Collector(_column_converter(source))
    try:
        module: _ModuleInfo | None = _ModuleInfo(tree)
    except Exception:  # noqa: BLE001 - never raise on weird input
        module = None
    for hook in hooks:
        collector.run_hook(hook, module)
    unevaluated = sorted(collector.unevaluated, key=lambda entry: (entry.line, entry.column))
    return collector.registrations, unevaluated


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


class _Unknown(Exception):
    """An expression that cannot be evaluated statically."""


class _OutOfBudget(Exception):
    """The module asked for more work than the bounds allow."""


_UNKNOWN: Any = object()  # an environment slot whose value cannot be known

# What formatting primitive values can raise; each means "not evaluable".
_EVAL_ERRORS = (
    ValueError, TypeError, OverflowError, IndexError, KeyError, AttributeError, MemoryError, RecursionError,
)

_SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class _Seq:
    """A list, tuple or set literal's value (sets keep first-seen source order)."""

    items: tuple[Any, ...]
    kind: str  # "list" | "tuple" | "set"


@dataclass(frozen=True)
class _Map:
    """A dict literal's value, as (key, value) pairs in insertion order."""

    pairs: tuple[tuple[Any, Any], ...]

    def lookup(self, key: Any) -> Any:
        for existing, value in self.pairs:
            if existing == key:
                return value
        raise _Unknown


def _check_string(value: str) -> str:
    if len(value) > MAX_STRING:
        raise _Unknown
    return value


def _hashable_scalar(value: Any) -> bool:
    return value is None or isinstance(value, _SCALARS)


def _iterate(value: Any) -> tuple[Any, ...]:
    if isinstance(value, _Seq):
        return value.items
    if isinstance(value, _Map):
        return tuple(key for key, _ in value.pairs)
    if isinstance(value, str):
        return tuple(value)
    raise _Unknown


# ---------------------------------------------------------------------------
# Formatting guards: only primitive values, bounded widths
# ---------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.)?", re.DOTALL)


def _check_spec(spec: str) -> None:
    """A `format()` spec is safe when its widths and precisions are small."""
    for number in _NUMBER.findall(spec):
        if len(number) > 4 or int(number) > MAX_WIDTH:
            raise _Unknown


def _format_value(value: Any, conversion: int, spec: str) -> str:
    if not isinstance(value, _SCALARS):
        raise _Unknown
    if conversion == ord("s"):
        value = str(value)
    elif conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("a"):
        value = ascii(value)
    elif conversion != -1:
        raise _Unknown
    _check_spec(spec)
    return _check_string(format(value, spec))


def _percent(template: str, operand: Any) -> str:
    fields = 0
    for match in _PERCENT_SPEC.finditer(template):
        fields += 1
        width, precision = match.group(1), match.group(2)
        for number in (width, precision):
            if number == "*" or (number and (len(number) > 4 or int(number) > MAX_WIDTH)):
                raise _Unknown
    if isinstance(operand, _Seq):
        if operand.kind != "tuple":
            raise _Unknown
        arguments: Any = operand.items
        if not all(isinstance(item, _SCALARS) for item in arguments):
            raise _Unknown
    elif isinstance(operand, _Map):
        arguments = {}
        for key, value in operand.pairs:
            if not isinstance(key, str) or not isinstance(value, _SCALARS):
                raise _Unknown
            arguments[key] = value
    elif isinstance(operand, _SCALARS):
        arguments = operand
    else:
        raise _Unknown
    values = arguments.values() if isinstance(arguments, dict) else arguments if isinstance(arguments, tuple) else [arguments]
    _check_size(template, fields, values)
    return _check_string(template % arguments)


def _check_size(template: str, fields: int, values: Iterable[Any]) -> None:
    """Refuse to build a string that could be far longer than any marker line."""
    longest = max((len(repr(value)) for value in values), default=0)
    if len(template) + fields * (longest + MAX_WIDTH) > 50 * MAX_STRING:
        raise _Unknown


def _str_format(template: str, args: list[Any], kwargs: dict[str, Any]) -> str:
    if not all(isinstance(value, _SCALARS) for value in [*args, *kwargs.values()]):
        raise _Unknown
    fields = _check_format_template(template)
    _check_size(template, fields, [*args, *kwargs.values()])
    return _check_string(template.format(*args, **kwargs))


def _check_format_template(template: str) -> int:
    """Reject attribute / index lookups, nested fields and large widths; count the fields."""
    fields = 0
    for _literal, field_name, spec, conversion in string.Formatter().parse(template):
        if field_name is None:
            continue
        fields += 1
        if "." in field_name or "[" in field_name:
            raise _Unknown
        if conversion not in (None, "s", "r", "a"):
            raise _Unknown
        if spec:
            if "{" in spec:
                raise _Unknown  # a width taken from an argument: unbounded
            _check_spec(spec)
    return fields


# ---------------------------------------------------------------------------
# Scope analysis
# ---------------------------------------------------------------------------

_MUTATORS = frozenset(
    {
        "append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
        "update", "setdefault", "popitem", "add", "discard",
        "intersection_update", "difference_update", "symmetric_difference_update",
        "__setitem__", "__delitem__", "__iadd__", "__ior__",
    }
)

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True)
class _Binding:
    kind: str  # "assign" (plain `NAME = value`), "for" (a for-loop target) or "other"
    statement: ast.AST | None


class _Bindings(ast.NodeVisitor):
    """Every name one scope binds, and how, without entering nested scopes."""

    def __init__(self) -> None:
        self.names: dict[str, list[_Binding]] = {}
        self.globals: set[str] = set()
        self.star_import_lines: list[int] = []

    def add(self, name: str, kind: str, statement: ast.AST | None = None) -> None:
        self.names.setdefault(name, []).append(_Binding(kind, statement))

    @classmethod
    def of_body(cls, body: Iterable[ast.stmt]) -> _Bindings:
        collector = cls()
        for statement in body:
            collector.visit(statement)
        return collector

    # Nested scopes: their names bind here, their bodies do not.
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.add(node.name, "other", node)
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._visit_arguments_outside(node.args)
        if node.returns is not None:
            self.visit(node.returns)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.add(node.name, "other", node)
        for child in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(child)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_arguments_outside(node.args)

    def _visit_arguments_outside(self, arguments: ast.arguments) -> None:
        for default in [*arguments.defaults, *arguments.kw_defaults]:
            if default is not None:
                self.visit(default)

    def _visit_comprehension(self, node: ast.AST) -> None:
        # Comprehension targets are local to the comprehension; a walrus inside
        # still binds in this scope, so everything but the targets is visited.
        for field_name, value in ast.iter_fields(node):
            if field_name == "generators":
                for generator in value:
                    self.visit(generator.iter)
                    for condition in generator.ifs:
                        self.visit(condition)
            elif isinstance(value, ast.AST):
                self.visit(value)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.add(target.id, "assign", node)
            else:
                self.visit(target)
        self.visit(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is None:
            # `NAME: int` annotates without binding.
            if not isinstance(node.target, ast.Name):
                self.visit(node.target)
            return
        if isinstance(node.target, ast.Name):
            self.add(node.target.id, "assign", node)
        else:
            self.visit(node.target)
        self.visit(node.value)

    def visit_For(self, node: ast.For) -> None:
        for name in _target_names(node.target):
            self.add(name, "for", node)
        if not _simple_target(node.target):
            self.visit(node.target)  # subscripts / attributes may hold calls
        for child in [node.iter, *node.body, *node.orelse]:
            self.visit(child)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.add(node.id, "other", node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.add(alias.asname or alias.name.split(".")[0], "other", node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.star_import_lines.append(node.lineno)
            else:
                self.add(alias.asname or alias.name, "other", node)

    def visit_Global(self, node: ast.Global) -> None:
        self.globals.update(node.names)

    visit_Nonlocal = visit_Global

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.add(node.name, "other", node)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.add(node.name, "other", node)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.add(node.name, "other", node)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.add(node.rest, "other", node)
        self.generic_visit(node)


def _simple_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_simple_target(element) for element in target.elts)
    return False


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    return []


def _mutated_names(tree: ast.AST) -> set[str]:
    """Names mutated in place anywhere in the module (`X.append()`, `X[k] = v`, aliases)."""
    mutated: set[str] = set()
    aliases: list[tuple[str, str]] = []  # (alias, original) from `alias = original`
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _MUTATORS and isinstance(node.func.value, ast.Name):
                mutated.add(node.func.value.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if isinstance(node.value, ast.Name):
                mutated.add(node.value.id)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            for target in node.targets:
                for name in _target_names(target):
                    aliases.append((name, node.value.id))
        elif isinstance(node, ast.For) and isinstance(node.iter, (ast.Tuple, ast.List, ast.Set)):
            # `for target in (A, B): target.append(...)` mutates A and B.
            for name in _target_names(node.target):
                for element in node.iter.elts:
                    if isinstance(element, ast.Name):
                        aliases.append((name, element.id))
    changed = True
    while changed:
        changed = False
        for alias, original in aliases:
            if alias in mutated and original not in mutated:
                mutated.add(original)
                changed = True
    return mutated


class _ModuleInfo:
    """Module-level constants: names bound once, by a top-level `NAME = value`."""

    def __init__(self, tree: ast.Module) -> None:
        bindings = _Bindings.of_body(tree.body)
        mutated = _mutated_names(tree)
        declared_global: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                declared_global.update(node.names)
        top_level = {id(statement) for statement in tree.body}
        last_star = max(bindings.star_import_lines, default=0)
        self.expressions: dict[str, ast.expr] = {}
        for name, found in bindings.names.items():
            if len(found) != 1 or name in mutated or name in declared_global:
                continue
            binding = found[0]
            statement = binding.statement
            if binding.kind != "assign" or id(statement) not in top_level:
                continue
            if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is None:
                continue
            if statement.lineno < last_star:
                continue
            self.expressions[name] = statement.value
        self.mutated = mutated
        self._values: dict[str, Any] = {}
        self._resolving: set[str] = set()

    def value(self, name: str, depth: int) -> Any:
        if name in self._values:
            value = self._values[name]
            if value is _UNKNOWN:
                raise _Unknown
            return value
        expression = self.expressions.get(name)
        if expression is None or name in self._resolving:
            raise _Unknown
        self._resolving.add(name)
        try:
            value = _Evaluator(self, None).evaluate(expression, depth + 1)
        except _Unknown:
            self._values[name] = _UNKNOWN
            raise
        finally:
            self._resolving.discard(name)
        self._values[name] = value
        return value


# ---------------------------------------------------------------------------
# Expression evaluation
# ---------------------------------------------------------------------------


class _Evaluator:
    """Evaluates an expression in the module's constants and, optionally, a local frame."""

    def __init__(self, module: _ModuleInfo | None, frame: _Frame | None) -> None:
        self.module = module
        self.frame = frame

    def evaluate(self, node: ast.AST, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise _Unknown
        method = getattr(self, "_eval_" + type(node).__name__, None)
        if method is None:
            raise _Unknown
        try:
            return method(node, depth + 1)
        except _EVAL_ERRORS:
            raise _Unknown from None

    def _name(self, name: str, depth: int) -> Any:
        if self.frame is not None and self.frame.is_local(name):
            value = self.frame.values.get(name, _UNKNOWN)
            if value is _UNKNOWN:
                raise _Unknown
            return value
        if self.module is None:
            raise _Unknown
        return self.module.value(name, depth)

    def _eval_Name(self, node: ast.Name, depth: int) -> Any:
        return self._name(node.id, depth)

    def _eval_Constant(self, node: ast.Constant, depth: int) -> Any:
        if node.value is None or isinstance(node.value, _SCALARS):
            if isinstance(node.value, str):
                _check_string(node.value)
            return node.value
        raise _Unknown

    def _eval_JoinedStr(self, node: ast.JoinedStr, depth: int) -> str:
        parts: list[str] = []
        total = 0
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue):
                spec = ""
                if value.format_spec is not None:
                    spec = self.evaluate(value.format_spec, depth)
                    if not isinstance(spec, str):
                        raise _Unknown
                parts.append(_format_value(self.evaluate(value.value, depth), value.conversion, spec))
            else:
                raise _Unknown
            total += len(parts[-1])
            if total > MAX_STRING:
                raise _Unknown
        return "".join(parts)

    def _eval_BinOp(self, node: ast.BinOp, depth: int) -> Any:
        left = self.evaluate(node.left, depth)
        if not isinstance(left, str):
            raise _Unknown
        right = self.evaluate(node.right, depth)
        if isinstance(node.op, ast.Add) and isinstance(right, str):
            return _check_string(left + right)
        if isinstance(node.op, ast.Mod):
            return _percent(left, right)
        raise _Unknown

    def _items(self, elements: list[ast.expr], depth: int) -> list[Any]:
        items: list[Any] = []
        for element in elements:
            if isinstance(element, ast.Starred):
                items.extend(_iterate(self.evaluate(element.value, depth)))
            else:
                items.append(self.evaluate(element, depth))
            if len(items) > MAX_ITEMS:
                raise _Unknown
        return items

    def _eval_List(self, node: ast.List, depth: int) -> _Seq:
        return _Seq(tuple(self._items(node.elts, depth)), "list")

    def _eval_Tuple(self, node: ast.Tuple, depth: int) -> _Seq:
        return _Seq(tuple(self._items(node.elts, depth)), "tuple")

    def _eval_Set(self, node: ast.Set, depth: int) -> _Seq:
        unique: list[Any] = []
        for item in self._items(node.elts, depth):
            if not _hashable_scalar(item):
                raise _Unknown
            if not any(item == seen for seen in unique):
                unique.append(item)
        return _Seq(tuple(unique), "set")

    def _eval_Dict(self, node: ast.Dict, depth: int) -> _Map:
        pairs: list[tuple[Any, Any]] = []

        def put(key: Any, value: Any) -> None:
            if not _hashable_scalar(key):
                raise _Unknown
            for index, (existing, _) in enumerate(pairs):
                if existing == key:
                    pairs[index] = (existing, value)
                    return
            pairs.append((key, value))
            if len(pairs) > MAX_ITEMS:
                raise _Unknown

        for key_node, value_node in zip(node.keys, node.values):
            if key_node is None:  # `**other`
                other = self.evaluate(value_node, depth)
                if not isinstance(other, _Map):
                    raise _Unknown
                for key, value in other.pairs:
                    put(key, value)
            else:
                put(self.evaluate(key_node, depth), self.evaluate(value_node, depth))
        return _Map(tuple(pairs))

    def _eval_Subscript(self, node: ast.Subscript, depth: int) -> Any:
        container = self.evaluate(node.value, depth)
        key = self.evaluate(node.slice, depth)
        if isinstance(container, _Map):
            return container.lookup(key)
        if isinstance(container, (_Seq, str)) and type(key) is int:
            items = container.items if isinstance(container, _Seq) else container
            if isinstance(container, _Seq) and container.kind == "set":
                raise _Unknown
            if -len(items) <= key < len(items):
                return items[key]
        raise _Unknown

    def _eval_Call(self, node: ast.Call, depth: int) -> Any:
        if not isinstance(node.func, ast.Attribute):
            raise _Unknown
        receiver = self.evaluate(node.func.value, depth)
        method = node.func.attr
        args, kwargs = self.arguments(node, depth)
        if isinstance(receiver, str):
            if method == "format":
                return _str_format(receiver, args, kwargs)
            if method == "join" and len(args) == 1 and not kwargs:
                items = _iterate(args[0])
                if not all(isinstance(item, str) for item in items):
                    raise _Unknown
                if sum(map(len, items)) + len(receiver) * len(items) > MAX_STRING:
                    raise _Unknown
                return receiver.join(items)
        if isinstance(receiver, _Map) and not args and not kwargs:
            if method == "items":
                return _Seq(tuple(_Seq((key, value), "tuple") for key, value in receiver.pairs), "list")
            if method == "keys":
                return _Seq(tuple(key for key, _ in receiver.pairs), "list")
            if method == "values":
                return _Seq(tuple(value for _, value in receiver.pairs), "list")
        raise _Unknown

    def arguments(self, node: ast.Call, depth: int) -> tuple[list[Any], dict[str, Any]]:
        args = self._items(node.args, depth)
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                mapping = self.evaluate(keyword.value, depth)
                if not isinstance(mapping, _Map):
                    raise _Unknown
                for key, value in mapping.pairs:
                    if not isinstance(key, str) or key in kwargs:
                        raise _Unknown
                    kwargs[key] = value
            else:
                if keyword.arg in kwargs:
                    raise _Unknown
                kwargs[keyword.arg] = self.evaluate(keyword.value, depth)
        return args, kwargs


# ---------------------------------------------------------------------------
# Statement interpretation inside pytest_configure
# ---------------------------------------------------------------------------


class _Frame:
    """The local names of one function (or nested scope) and their current values."""

    def __init__(self, local_kinds: dict[str, str], values: dict[str, Any] | None = None) -> None:
        # "single": bound once by `NAME = value`; "loop": bound only by for
        # loops; "opaque": anything else (parameters, imports, reassignments).
        self.local_kinds = local_kinds
        self.values: dict[str, Any] = dict(values or {})

    def is_local(self, name: str) -> bool:
        return name in self.local_kinds


def _function_frame(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, mutated: set[str]) -> _Frame:
    bindings = _Bindings.of_body(function.body if isinstance(function.body, list) else [])
    kinds: dict[str, str] = {}
    for name, found in bindings.names.items():
        if name in bindings.globals:
            continue
        if name in mutated:
            kinds[name] = "opaque"
        elif len(found) == 1 and found[0].kind == "assign":
            kinds[name] = "single"
        elif all(binding.kind == "for" for binding in found):
            kinds[name] = "loop"
        else:
            kinds[name] = "opaque"
    for name in _parameter_names(function.args):
        kinds[name] = "opaque"
    return _Frame(kinds)


def _parameter_names(arguments: ast.arguments) -> list[str]:
    names = [argument.arg for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]
    for extra in (arguments.vararg, arguments.kwarg):
        if extra is not None:
            names.append(extra.arg)
    return names


def _first_parameter(function: ast.FunctionDef) -> str | None:
    positional = [*function.args.posonlyargs, *function.args.args]
    return positional[0].arg if positional else None


def _configure_hooks(tree: ast.AST) -> Iterator[ast.FunctionDef]:
    """Every `def pytest_configure` in module scope (module-level if/try/with blocks included)."""
    body = getattr(tree, "body", None)
    if not isinstance(body, list):
        return
    pending: list[ast.stmt] = list(body)
    while pending:
        statement = pending.pop(0)
        if isinstance(statement, ast.FunctionDef):
            if statement.name == HOOK:
                yield statement
            continue
        if isinstance(statement, (ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        nested: list[ast.stmt] = []
        for field_name in ("body", "orelse", "finalbody"):
            value = getattr(statement, field_name, None)
            if isinstance(value, list):
                nested.extend(child for child in value if isinstance(child, ast.stmt))
        for handler in getattr(statement, "handlers", None) or []:
            nested.extend(handler.body)
        for case in getattr(statement, "cases", None) or []:
            nested.extend(case.body)
        pending[0:0] = nested


class _Collector:
    def __init__(self, columns: Any) -> None:
        self.columns = columns
        self.registrations: list[Registration] = []
        self.unevaluated: list[Unevaluated] = []
        self._seen_registrations: set[tuple[str, int]] = set()
        self._seen_unevaluated: set[tuple[int, int]] = set()
        self.steps = 0

    # -- results -------------------------------------------------------------

    def register(self, call: ast.Call, text: str) -> None:
        key = (text, call.lineno)
        if key in self._seen_registrations:
            return
        if len(self.registrations) >= MAX_REGISTRATIONS:
            raise _OutOfBudget
        self._seen_registrations.add(key)
        self.registrations.append(Registration(name=marker_name(text), text=text, line=call.lineno))

    def give_up(self, call: ast.Call) -> None:
        try:
            column = self.columns(call.lineno, call.col_offset)
        except Exception:  # noqa: BLE001
            column = call.col_offset + 1
        key = (call.lineno, column)
        if key not in self._seen_unevaluated:
            self._seen_unevaluated.add(key)
            self.unevaluated.append(Unevaluated(line=call.lineno, column=column))

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _OutOfBudget

    # -- one hook --------------------------------------------------------------

    def run_hook(self, hook: ast.FunctionDef, module: _ModuleInfo | None) -> None:
        receiver = _first_parameter(hook)
        if receiver is None:
            return
        try:
            if module is None:
                raise _OutOfBudget
            frame = _function_frame(hook, module.mutated)
            _Interpreter(self, module, receiver).block(hook.body, frame)
        except Exception:  # noqa: BLE001 - _OutOfBudget, RecursionError, anything at all
            # Whatever stopped the interpreter, every matching call it may not
            # have seen (evaluated ones are already recorded) stays visible.
            for call in _matching_calls(hook.body, receiver):
                self.give_up(call)


def _matching_calls(body: list[ast.stmt], receiver: str) -> Iterator[ast.Call]:
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and _is_addinivalue_line(node, receiver):
                yield node


def _is_addinivalue_line(node: ast.Call, receiver: str) -> bool:
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == METHOD
        and isinstance(func.value, ast.Name)
        and func.value.id == receiver
    )


class _Interpreter:
    """Walks a hook's statements in order, unrolling loops and binding locals."""

    def __init__(self, collector: _Collector, module: _ModuleInfo, receiver: str) -> None:
        self.collector = collector
        self.module = module
        self.receiver = receiver

    # -- statements -------------------------------------------------------------

    def block(self, statements: list[ast.stmt], frame: _Frame) -> None:
        for statement in statements:
            self.statement(statement, frame)

    def statement(self, node: ast.stmt, frame: _Frame) -> None:
        self.collector.step()
        if isinstance(node, ast.For):
            self._for(node, frame)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            self.expressions([node.value] if node.value is not None else [], frame)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            self.expressions([target for target in targets if not isinstance(target, ast.Name)], frame)
            for target in targets:
                if isinstance(target, ast.Name) and frame.local_kinds.get(target.id) == "single":
                    assert node.value is not None
                    try:
                        frame.values[target.id] = _Evaluator(self.module, frame).evaluate(node.value)
                    except _Unknown:
                        frame.values[target.id] = _UNKNOWN
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            outside = [*node.decorator_list]
            if isinstance(node, ast.ClassDef):
                outside += [*node.bases, *(keyword.value for keyword in node.keywords)]
            else:
                outside += [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
            self.expressions(outside, frame)
            self.nested_scope(node, frame)
        elif isinstance(node, (ast.If, ast.While)):
            self.expressions([node.test], frame)
            self.block(node.body, frame)
            self.block(node.orelse, frame)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            self.expressions([item.context_expr for item in node.items], frame)
            self.block(node.body, frame)
        elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            self.block(node.body, frame)
            for handler in node.handlers:
                if handler.type is not None:
                    self.expressions([handler.type], frame)
                self.block(handler.body, frame)
            self.block(node.orelse, frame)
            self.block(node.finalbody, frame)
        elif isinstance(node, ast.Match):
            self.expressions([node.subject], frame)
            for case in node.cases:
                if case.guard is not None:
                    self.expressions([case.guard], frame)
                self.block(case.body, frame)
        elif isinstance(node, ast.AsyncFor):
            self.expressions([node.iter], frame)
            self.block(node.body, frame)
            self.block(node.orelse, frame)
        else:
            self.expressions([node], frame)

    def _for(self, node: ast.For, frame: _Frame) -> None:
        self.expressions([node.iter], frame)
        names = _target_names(node.target)
        items: tuple[Any, ...] | None = None
        if _simple_target(node.target) and all(frame.local_kinds.get(name) == "loop" for name in names):
            try:
                items = _iterate(_Evaluator(self.module, frame).evaluate(node.iter))
            except _Unknown:
                items = None
        if items is None:
            for name in names:
                frame.values[name] = _UNKNOWN
            self.block(node.body, frame)
        else:
            for item in items:
                self.collector.step()
                for name in names:
                    frame.values[name] = _UNKNOWN
                try:
                    _unpack(node.target, item, frame.values)
                except _Unknown:
                    pass  # the names stay unknown for this iteration
                self.block(node.body, frame)
        # After the loop (and in its `else`) the target holds the last item, or
        # nothing at all: not worth modelling.
        for name in names:
            frame.values[name] = _UNKNOWN
        self.block(node.orelse, frame)

    def nested_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda, frame: _Frame) -> None:
        """Calls in a nested def, class or lambda: evaluated with that scope's own names unknown."""
        if isinstance(node, ast.ClassDef):
            bound = set(_Bindings.of_body(node.body).names)
        elif isinstance(node, ast.Lambda):
            bound = set(_parameter_names(node.args))
        else:
            inner = _function_frame(node, self.module.mutated)
            bound = set(inner.local_kinds)
        if self.receiver in bound:
            return  # the receiver is some other object in there
        kinds = dict(frame.local_kinds)
        values = dict(frame.values)
        for name in bound:
            kinds[name] = "opaque"
            values.pop(name, None)
        inner_frame = _Frame(kinds, values)
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        for child in body:
            if isinstance(child, ast.stmt):
                self.statement_opaque(child, inner_frame)
            else:
                self.expressions([child], inner_frame)

    def statement_opaque(self, node: ast.stmt, frame: _Frame) -> None:
        """A statement in a nested scope: no unrolling or binding, only calls."""
        self.collector.step()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.statement(node, frame)  # handles decorators and recurses
            return
        for field_name, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            for child in children:
                if isinstance(child, ast.stmt):
                    self.statement_opaque(child, frame)
                elif isinstance(child, ast.excepthandler):
                    if child.type is not None:
                        self.expressions([child.type], frame)
                    for inner in child.body:
                        self.statement_opaque(inner, frame)
                elif isinstance(child, ast.match_case):
                    if child.guard is not None:
                        self.expressions([child.guard], frame)
                    for inner in child.body:
                        self.statement_opaque(inner, frame)
                elif isinstance(child, ast.withitem):
                    self.expressions([child.context_expr], frame)
                elif isinstance(child, ast.AST):
                    self.expressions([child], frame)

    # -- expressions -------------------------------------------------------------

    def expressions(self, nodes: list[Any], frame: _Frame) -> None:
        """Find addinivalue_line calls in expressions (in evaluation order) and record them."""
        for node in nodes:
            self._expression(node, frame)

    def _expression(self, node: ast.AST, frame: _Frame) -> None:
        if isinstance(node, ast.Lambda):
            self.expressions([*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)], frame)
            self.nested_scope(node, frame)
            return
        if isinstance(node, _COMPREHENSIONS):
            self._comprehension(node, frame)
            return
        for child in ast.iter_child_nodes(node):
            self._expression(child, frame)
        if isinstance(node, ast.Call) and _is_addinivalue_line(node, self.receiver):
            self.call(node, frame)

    def _comprehension(self, node: ast.AST, frame: _Frame) -> None:
        generators: list[ast.comprehension] = getattr(node, "generators", [])
        if generators:
            self._expression(generators[0].iter, frame)
        bound = {name for generator in generators for name in _target_names(generator.target)}
        if self.receiver in bound:
            return
        kinds = dict(frame.local_kinds)
        values = dict(frame.values)
        for name in bound:
            kinds[name] = "opaque"
            values.pop(name, None)
        inner = _Frame(kinds, values)
        for index, generator in enumerate(generators):
            if index:
                self._expression(generator.iter, inner)
            for condition in generator.ifs:
                self._expression(condition, inner)
        for field_name in ("elt", "key", "value"):
            child = getattr(node, field_name, None)
            if isinstance(child, ast.AST):
                self._expression(child, inner)

    def call(self, call: ast.Call, frame: _Frame) -> None:
        name_value, line_value = _bind_arguments(call, _Evaluator(self.module, frame))
        if name_value is _UNKNOWN:
            # The ini name itself is unknown: it may well be "markers".
            self.collector.give_up(call)
            return
        if name_value != INI_NAME:
            return
        if line_value is _UNKNOWN or not isinstance(line_value, str):
            self.collector.give_up(call)
            return
        self.collector.register(call, line_value)


_MISSING: Any = object()


def _bind_arguments(call: ast.Call, evaluator: _Evaluator) -> tuple[Any, Any]:
    """(name, line) as `Config.addinivalue_line(self, name, line)` would receive them.

    Each is a value, `_UNKNOWN` when it cannot be evaluated, or the call does
    not bind (a TypeError at run time) and (`_MISSING`, ...) is returned.
    """
    try:
        args, kwargs = evaluator.arguments(call, 0)
    except _Unknown:
        args = kwargs = None  # type: ignore[assignment]
    if args is None or kwargs is None:
        # Evaluate what can be evaluated one by one, so that a known ini name
        # other than "markers" still silences the call.
        name_node = _argument_node(call, 0, "name")
        if name_node is None:
            return _UNKNOWN, _UNKNOWN
        try:
            name = evaluator.evaluate(name_node)
        except _Unknown:
            return _UNKNOWN, _UNKNOWN
        if name != INI_NAME:
            return name, _UNKNOWN
        line_node = _argument_node(call, 1, "line")
        if line_node is None:
            return name, _UNKNOWN
        try:
            return name, evaluator.evaluate(line_node)
        except _Unknown:
            return name, _UNKNOWN
    bound: dict[str, Any] = {}
    parameters = ("name", "line")
    if len(args) > len(parameters):
        return _MISSING, _MISSING
    for parameter, value in zip(parameters, args):
        bound[parameter] = value
    for key, value in kwargs.items():
        if key not in parameters or key in bound:
            return _MISSING, _MISSING
        bound[key] = value
    if len(bound) != 2:
        return _MISSING, _MISSING
    return bound["name"], bound["line"]


def _argument_node(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    """The node for one parameter when it is passed plainly (no unpacking before it)."""
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return None
        if index == position:
            return arg
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    return None


def _unpack(target: ast.expr, value: Any, values: dict[str, Any]) -> None:
    if isinstance(target, ast.Name):
        values[target.id] = value
        return
    if isinstance(target, (ast.Tuple, ast.List)):
        items = _iterate(value)
        if len(items) != len(target.elts):
            raise _Unknown
        for element, item in zip(target.elts, items):
            _unpack(element, item, values)
        return
    raise _Unknown


# ---------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------


def _column_converter(source: str | _CharColumns | None) -> Any:
    if source is None:
        return lambda line, offset: offset + 1
    if isinstance(source, str):
        lines = re.split(r"\r\n|\r|\n", source)

        def convert(line: int, offset: int) -> int:
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            if text.isascii():
                return offset + 1
            return len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore")) + 1

        return convert
    return source.char_column
