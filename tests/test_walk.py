"""Candidate-line searches (walk.py): the fast whole-word search finds exactly what `re` finds."""

from __future__ import annotations

import ast
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from goldenpath_audit.auditor.walk import FileIndex, _finditer

WHOLE_WORD_PATTERNS = [
    r"\bimport\b",
    r"\b(?:global|nonlocal)\b",
    r"\b(?:ab|b|a)\b",
    r"\b(?:a|ab)\b",
    r"\bé\b",
    r"\b(?:x|ü1|_x)\b",
]
PIECES = ["a", "b", "ab", "_", "é", "ü", "1", " ", ".", "\n", "\r\n", "\r", "import", "x", "global", "nonlocal", "(", "'"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_whole_word_search_matches_re_exactly(text: str) -> None:
    for pattern in WHOLE_WORD_PATTERNS:
        expected = [(m.span(), m.group()) for m in re.finditer(pattern, text)]
        assert [(m.span(), m.group()) for m in _finditer(pattern, text)] == expected, pattern


def test_other_patterns_are_searched_by_re_unchanged() -> None:
    text = "a.b mark getattr(x) c"
    for pattern in (r"mark|getattr", r"\b(?:a\.b|c)\b", r"\bmark", r"a\b"):
        assert [m.span() for m in _finditer(pattern, text)] == [m.span() for m in re.finditer(pattern, text)]


def test_candidate_lines_of_whole_words_skip_longer_identifiers() -> None:
    text = "import os\nreimport = 1\nx = os.path  # important\nglobal_x = 2\ndef f():\n    global y\n"
    index = FileIndex(ast.parse(text), text)
    assert list(index.lines_matching(r"\bimport\b")._lines) == [1]
    assert list(index.lines_matching(r"\b(?:global|nonlocal)\b")._lines) == [6]
    assert list(index.lines_with_names(("os",))._lines) == [1, 3]
