"""Cheap tree walking: visit only the parts of a file that can matter.

Walking every node of a 400-line test module in Python costs more than
parsing it in C. Most of that walk is wasted: a marker use needs the text
`mark` on its line, a call into `websockets` needs a name imported from it on
its line, and a statement spanning no such line cannot hold either. So the
text is searched first (a C-speed regex), giving a `LineSet` of candidate
lines, and walkers skip every node whose line range touches none of them.

`FileIndex` holds what several walkers of one file share: the names that any
absolute import binds (a name no import binds never resolves to a library,
see names.py) and memoised candidate line sets. It hangs off the tree, so the
rule families that collect their own facts reuse it without re-walking.
"""

from __future__ import annotations

import ast
import functools
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator

_POSITIONED = (ast.stmt, ast.expr, ast.excepthandler, ast.keyword, ast.arg, ast.alias, ast.pattern)


class LineSet:
    """A sorted set of 1-based line numbers with a fast range test."""

    __slots__ = ("_lines",)

    def __init__(self, lines: Iterable[int] = ()) -> None:
        self._lines = sorted(set(lines))

    def __bool__(self) -> bool:
        return bool(self._lines)

    def touches(self, start: int, end: int) -> bool:
        """True when some line in [start, end] is in the set."""
        index = bisect_left(self._lines, start)
        return index < len(self._lines) and self._lines[index] <= end

    def union(self, other: "LineSet") -> "LineSet":
        return LineSet([*self._lines, *other._lines])


def touches(node: ast.AST, lines: LineSet) -> bool:
    """False only when the node has positions and none of its lines is a candidate."""
    # The hottest function of a check: LineSet.touches inlined.
    try:
        start = node.lineno  # type: ignore[attr-defined]
    except AttributeError:
        return True
    if node.__class__ in _DECORATED and node.decorator_list:  # type: ignore[attr-defined]
        start = node.decorator_list[0].lineno  # type: ignore[attr-defined]
    end = node.end_lineno or start  # type: ignore[attr-defined]
    candidates = lines._lines
    index = bisect_left(candidates, start)
    return index < len(candidates) and candidates[index] <= end


_DECORATED = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """The direct children of a node, in field order (`ast.iter_child_nodes`, as a list)."""
    fields = _CHILD_FIELDS.get(node.__class__)
    if fields is None:
        fields = _CHILD_FIELDS[node.__class__] = tuple(f for f in node._fields if f not in _SCALAR_FIELDS)
    children: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            children.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            children.append(value)
    return children


# Fields that never hold a node (names, flags, the load/store context), skipped unread.
_SCALAR_FIELDS = frozenset(
    {"ctx", "id", "attr", "arg", "type_comment", "level", "module", "kind", "conversion", "is_async", "simple"}
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def walk_pruned(tree: ast.AST, lines: LineSet) -> Iterator[ast.AST]:
    """Every node touching a candidate line, in source order (a statement before its parts)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in reversed(child_nodes(node)) if touches(child, lines))


def import_bindings(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """(local name, qualified name) for each name an import binds; "" for relative imports.

    `import a.b` binds `a` to `a`; `import a.b as c` binds `c` to `a.b`;
    `from m import x as y` binds `y` to `m.x`; star imports bind nothing we can name.
    """
    if isinstance(node, ast.Import):
        return [(alias.asname, alias.name) if alias.asname else (alias.name.split(".", 1)[0],) * 2 for alias in node.names]
    return [
        (alias.asname or alias.name, "" if node.level else f"{node.module or ''}.{alias.name}")
        for alias in node.names
        if alias.name != "*"
    ]


class FileIndex:
    """Per-file facts shared by walkers: import-bound names and candidate lines."""

    def __init__(self, tree: ast.Module, text: str) -> None:
        self.text = text
        # Whether `:=` occurs: without it an expression binds nothing (names.py), asked per scope.
        self.has_walrus = ":=" in text
        self._line_starts: list[int] | None = None
        self._lines_cache: dict[object, LineSet] = {}
        self._names_cache: dict[frozenset[str], LineSet] = {}
        self._by_name: dict[str, list[int]] | None = None
        # Local name -> the qualified names absolute imports bind it to, anywhere in the file.
        self.imported: dict[str, set[str]] = {}
        for node in walk_pruned(tree, self.lines_matching(r"\bimport\b")):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for local, target in import_bindings(node):
                    if target:
                        self.imported.setdefault(local, set()).add(target)

    @classmethod
    def of(cls, tree: ast.Module, text: str) -> "FileIndex":
        """The index of a tree, built on first use and kept on the tree."""
        index = getattr(tree, "_goldenpath_index", None)
        if index is None:
            index = cls(tree, text)
            tree._goldenpath_index = index  # type: ignore[attr-defined]
        return index

    def names_into(self, modules: Iterable[str]) -> set[str]:
        """Local names some import binds to one of `modules` or something inside it."""
        prefixes = tuple(modules)
        return {
            local
            for local, targets in self.imported.items()
            if any(target == p or target.startswith(p + ".") for target in targets for p in prefixes)
        }

    def lines_with_names(self, names: Iterable[str]) -> LineSet:
        """Lines where one of `names` occurs as a whole word."""
        key = frozenset(names)
        found = self._names_cache.get(key)
        if found is None:
            if key <= self.imported.keys():
                # One scan for every imported name serves all the scopes that ask about one.
                by_name = self._imported_lines()
                found = LineSet(line for name in key for line in by_name.get(name, ()))
            elif key:
                found = self.lines_matching(r"\b(?:" + "|".join(map(re.escape, sorted(key))) + r")\b")
            else:
                found = LineSet()
            self._names_cache[key] = found
        return found

    def _imported_lines(self) -> dict[str, list[int]]:
        """Lines where each imported name occurs as a whole word, from one scan of the text."""
        if self._by_name is None:
            self._by_name = {}
            if self.imported:
                starts = self._starts()
                pattern = r"\b(?:" + "|".join(map(re.escape, sorted(self.imported, key=len, reverse=True))) + r")\b"
                for match in _finditer(pattern, self.text):
                    self._by_name.setdefault(match.group(), []).append(bisect_left(starts, match.start() + 1))
        return self._by_name

    def lines_matching(self, pattern: str) -> LineSet:
        """Lines holding a match of `pattern` (a match spanning lines counts for each)."""
        cached = self._lines_cache.get(pattern)
        if cached is not None:
            return cached
        starts = self._starts()
        lines: list[int] = []
        text = self.text
        for match in _finditer(pattern, text):
            start, end = match.span()
            first = bisect_left(starts, start + 1)
            if end <= start + 1 or ("\n" not in text[start:end] and "\r" not in text[start:end]):
                lines.append(first)  # the usual match, within one line
            else:
                lines.extend(range(first, bisect_left(starts, end) + 1))
        result = LineSet(lines)
        self._lines_cache[pattern] = result
        return result

    def _starts(self) -> list[int]:
        """Offsets where each line starts (line n starts at starts[n - 1])."""
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", self.text))]
        return self._line_starts


def _finditer(pattern: str, text: str) -> Iterator[re.Match[str]]:
    """`re.finditer(pattern, text)`, fast for whole-word patterns (`\\bword\\b`, `\\b(?:a|b)\\b`).

    A leading `\\b` stops `re` from skipping ahead to the pattern's first
    letters: it tries every position, ~20x slower on a test module. A
    whole-word pattern is searched without it, and a match preceded by a word
    character dropped. That finds the same matches: every alternative is
    made of word characters, so no real match can start inside a dropped one.
    """
    fast = _without_leading_boundary(pattern)
    if fast is None:
        return re.finditer(pattern, text)
    return (
        match
        for match in fast.finditer(text)
        if not (match.start() and _is_word_char(text[match.start() - 1]))
    )


@functools.lru_cache(maxsize=256)
def _without_leading_boundary(pattern: str) -> re.Pattern[str] | None:
    """`(?:a|b)\\b` for `\\b(?:a|b)\\b` or `\\ba\\b` when every alternative is word characters; else None."""
    match = _WHOLE_WORDS.fullmatch(pattern)
    if match is None:
        return None
    body = match.group("words") or match.group("word")
    return re.compile(f"(?:{body})\\b")


_WHOLE_WORDS = re.compile(r"\\b(?:\(\?:(?P<words>\w+(?:\|\w+)*)\)|(?P<word>\w+))\\b")


def _is_word_char(char: str) -> bool:
    """What `\\w` matches in a str pattern: alphanumerics (`str.isalnum`) and `_`."""
    return char == "_" or char.isalnum()
