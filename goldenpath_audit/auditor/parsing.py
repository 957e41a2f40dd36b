"""Parsing with `ast`, and what to say when it fails.

`check` parses with the standard library's C parser. libcst is imported only
when a file fails to parse, to tell a real syntax error from code written for
a newer Python than the one running the tool (PEP 701 f-strings or PEP 695
type parameters under 3.11, say): those deserve a different message.
"""

from __future__ import annotations

import ast
import sys

from goldenpath_audit.auditor.source import SourceFile


class SyntaxProblem(Exception):
    """A file that does not parse, with a 1-based line and character column."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


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
    # libcst's native parser overflows its stack on the deep nesting CPython refuses.
    if "nested" not in exc.msg and _newer_grammar_accepts(source.text):
        message = (
            f"Python {running} cannot parse this file ({exc.msg}), but a newer Python grammar "
            f"accepts it: run goldenpath-audit with a newer Python to check it"
        )
    else:
        message = f"syntax error: {exc.msg}"
    return SyntaxProblem(line, column, message)


def _newer_grammar_accepts(text: str) -> bool:
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


def _position_of(text: str, needle: str) -> tuple[int, int]:
    index = text.find(needle)
    if index < 0:
        return 1, 1
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column
