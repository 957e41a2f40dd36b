"""Inline suppressions silence exactly what they name, where they stand."""

from __future__ import annotations

import pytest

from conftest import locations

CALL = "websockets.connect(u, extra_headers=h)"


@pytest.mark.parametrize(
    "line",
    [
        f"{CALL}  # goldenpath: ignore[GP101]",
        f"{CALL}  # goldenpath: ignore",
        f"{CALL}  # goldenpath: ignore[GP1]",
        f"{CALL}  # noqa: GP101",
        f"{CALL}  # noqa: E501, GP101",
        f"{CALL}  # noqa",
    ],
)
def test_line_comments_silence(project, line: str) -> None:
    assert project({"test_a.py": f"import websockets\n{line}\n"}).findings == []


@pytest.mark.parametrize(
    "line",
    [f"{CALL}  # goldenpath: ignore[GP201]", f"{CALL}  # noqa: E501", f"{CALL}  # goldenpath: ignore-me"],
)
def test_other_codes_do_not_silence(project, line: str) -> None:
    assert locations(project({"test_a.py": f"import websockets\n{line}\n"})) == [("test_a.py", 2, 23, "GP101")]


def test_first_line_of_statement_silences_a_multiline_call(project) -> None:
    source = "import websockets\nwebsockets.connect(  # goldenpath: ignore[GP101]\n    u,\n    extra_headers=h,\n)\n"
    assert project({"test_a.py": source}).findings == []


def test_ignore_file(project) -> None:
    source = f"# goldenpath: ignore-file[GP101]\nimport websockets\n{CALL}\n"
    assert project({"test_a.py": source}).findings == []
    other = f"# goldenpath: ignore-file[GP2]\nimport websockets\n{CALL}\n"
    assert len(project({"test_b.py": other}).findings) == 1
