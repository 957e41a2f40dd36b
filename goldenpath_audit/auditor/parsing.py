"""Parsing with `ast`, and what to say when it fails.

`check` parses with the standard library's C parser. libcst is imported only
when a file fails to parse, to tell a real syntax error from code written for
a newer Python than the one running the tool (PEP 701 f-strings or PEP 695
type parameters under 3.11, say): those deserve a different message.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize

from goldenpath_audit.auditor.source import SourceFile


class SyntaxProblem(Exception):
    """A file that does not parse, with a 1-based line and character column."""

    def __init__(self, line: int, column: int, message: str, *, newer_grammar: bool = False) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message
        self.newer_grammar = newer_grammar  # a newer Python's grammar accepts the file


def parse(source: SourceFile) -> ast.Module:
    """Parse `source` or raise SyntaxProblem (1-based line and character column)."""
    try:
        return ast.parse(source.text, filename=source.path)
    except SyntaxError as exc:
        raise _describe_syntax_error(source, exc) from None
    except ValueError as exc:  # "source code string cannot contain null bytes"
        line, column = _position_of(source.text, "\x00")
        raise SyntaxProblem(line, column, f"{exc} (a null byte at {line}:{column})") from None


def _describe_syntax_error(source: SourceFile, exc: SyntaxError) -> SyntaxProblem:
    if "null bytes" in exc.msg:
        line, column = _position_of(source.text, "\x00")
        return SyntaxProblem(line, column, f"syntax error: {exc.msg} (a null byte at {line}:{column})")
    line = exc.lineno or 1
    column = max(exc.offset or 1, 1)
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if _newer_grammar_accepts(source.text, exc.msg):
        message = (
            f"Python {running} cannot parse this file ({exc.msg}), but a newer Python grammar "
            f"accepts it: run goldenpath-audit with a newer Python to check it"
        )
        return SyntaxProblem(line, column, message, newer_grammar=True)
    return SyntaxProblem(line, column, f"syntax error: {exc.msg}")


def _newer_grammar_accepts(text: str, error: str = "") -> bool:
    """Whether libcst, with the newest grammar it knows, accepts `text`.

    libcst's native parser needs stack and memory that grow with nesting (and
    faster than linearly with long operator chains): 20,000 nested brackets or
    unary minuses crash the process with a segfault, and a few thousand chained
    lambdas or conditional expressions take seconds and gigabytes. So the probe
    is skipped for CPython's nesting limits, which no newer grammar lifts, and
    for files `_too_complex_to_probe` measures as risky; those get the plain
    syntax error message.
    """
    if any(limit in error for limit in _NESTING_LIMITS) or _too_complex_to_probe(text):
        return False
    try:
        import libcst  # deferred: only failing files pay for it
    except ImportError:  # pragma: no cover - libcst is a dependency
        return False
    newest = max(libcst.KNOWN_PYTHON_VERSION_STRINGS, key=lambda v: tuple(int(p) for p in v.split(".")))
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if newest == running:
        return False
    try:
        libcst.parse_module(text, libcst.PartialParserConfig(python_version=newest))
    except Exception:  # libcst raises ParserSyntaxError, and RecursionError on deep nesting
        return False
    return True


# CPython's fixed limits (tokenizer MAXLEVEL, MAXINDENT, compiler block stack).
_NESTING_LIMITS = ("too many nested", "too many levels of indentation", "too complex", "too many statically nested")
MAX_BRACKET_DEPTH = 200  # CPython's tokenizer refuses deeper nesting in every version
MAX_OPERATORS_PER_LINE = 500  # keeps the libcst probe well under a second
# Tokens that make libcst's parse tree deeper: operators (not brackets or
# separators), call and subscript trailers, and the keywords of expressions that nest.
_NESTING_KEYWORDS = frozenset({"not", "lambda", "await", "if", "else", "and", "or", "in", "is", "yield"})
_NOT_NESTING_OPS = frozenset({",", ":", ";", "=", "->", "(", ")", "[", "]", "{", "}"})
_OPENERS, _CLOSERS = "([{", ")]}"


def _too_complex_to_probe(text: str) -> bool:
    """Bracket depth over 200, or a logical line with over 500 nesting operators or trailers."""
    try:
        return _token_complexity(text)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return _char_complexity(text)


def _token_complexity(text: str) -> bool:
    depth = operators = 0
    previous = ""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        kind, string = token.type, token.string
        if kind == tokenize.OP:
            if string in _OPENERS:
                depth += 1
                if depth > MAX_BRACKET_DEPTH:
                    return True
                if previous == "value":  # a call or subscript trailer: `f(`, `x[0][`
                    operators += 1
            elif string in _CLOSERS:
                depth = max(depth - 1, 0)
            elif string not in _NOT_NESTING_OPS:
                operators += 1
        elif kind == tokenize.NAME and string in _NESTING_KEYWORDS:
            operators += 1
        elif kind == tokenize.NEWLINE:
            operators = 0
        if operators > MAX_OPERATORS_PER_LINE:
            return True
        if kind in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING) or string in _CLOSERS:
            previous = "value"
        elif kind not in (tokenize.NL, tokenize.COMMENT):
            previous = ""
    return False


def _char_complexity(text: str) -> bool:
    """A cruder measure for text the tokenizer gives up on: strings and comments count too."""
    depth = operators = 0
    for line in text.splitlines():
        previous = " "
        for char in line:
            if char in _OPENERS:
                depth += 1
                if depth > MAX_BRACKET_DEPTH:
                    return True
                if previous.isalnum() or previous in "_'\")]}":
                    operators += 1
            elif char in _CLOSERS:
                depth = max(depth - 1, 0)
            elif char in "+-*/%@&|^~<>!.":
                operators += 1
            previous = char
        operators += sum(line.split().count(word) for word in _NESTING_KEYWORDS)
        if operators > MAX_OPERATORS_PER_LINE:
            return True
        if depth == 0 and not line.endswith("\\"):
            operators = 0
    return False


def _position_of(text: str, needle: str) -> tuple[int, int]:
    index = text.find(needle)
    if index < 0:
        return 1, 1
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column
