"""Inline suppressions silence exactly what they name, where they stand, and only as comments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import locations

CALL = "websockets.connect(u, extra_headers=h)"


@pytest.mark.parametrize(
    "comment",
    [
        "# goldenpath: ignore[GP101]",
        "# goldenpath: ignore",
        "# goldenpath: ignore[GP1]",
        "# goldenpath: ignore[GP201, GP101]",
        "# goldenpath: ignore[gp101]",
        "# goldenpath: ignore [GP101]",
        "#goldenpath:ignore[GP101]",
        "# GOLDENPATH: IGNORE[GP101]",
        "# noqa: GP101",
        "# noqa:GP101",
        "# noqa: E501, GP101",
        "# noqa: E501 GP101",
        "# noqa",
        "# NOQA",
        "# some reason  # noqa: GP101",
        "# type: ignore  # goldenpath: ignore[GP101]",
    ],
)
def test_line_comments_silence(project, comment: str) -> None:
    assert project({"test_a.py": f"import websockets\n{CALL}  {comment}\n"}).findings == []


@pytest.mark.parametrize(
    "comment",
    [
        "# goldenpath: ignore[GP201]",
        "# goldenpath: ignore[GP10]",  # GP10 is a prefix of GP101 ...
        "# goldenpath: ignore[GP1011]",  # ... GP1011 is not
        "# noqa: E501",
        "# noqa: E501,W291",
        "# goldenpath: ignore-me",
        "# goldenpath: ignored",
        "# goldenpath ignore[GP101]",
        "# type: ignore",
    ],
)
def test_other_codes_do_not_silence(project, comment: str) -> None:
    result = project({"test_a.py": f"import websockets\n{CALL}  {comment}\n"})
    expected = [] if comment.endswith("[GP10]") else [("test_a.py", 2, 23, "GP101")]
    assert locations(result) == expected


def test_a_comment_silences_only_its_own_line(project) -> None:
    source = f"import websockets\n{CALL}  # goldenpath: ignore[GP101]\n{CALL}\n{CALL}  # noqa: GP101\n{CALL}\n"
    assert locations(project({"test_a.py": source})) == [("test_a.py", 3, 23, "GP101"), ("test_a.py", 5, 23, "GP101")]


MULTILINE = (
    "import websockets\n"
    "\n"
    "async def test_x(u, h):\n"
    "    async with websockets.connect({first}\n"
    "        u,{middle}\n"
    "        extra_headers=h,{reported}\n"
    "    ) as ws:{last}\n"
    "        pass\n"
)


@pytest.mark.parametrize(
    ("where", "silenced"),
    [("first", True), ("reported", True), ("middle", False), ("last", False)],
)
def test_multiline_call_first_line_or_reported_line(project, where: str, silenced: bool) -> None:
    slots = dict.fromkeys(("first", "middle", "reported", "last"), "")
    slots[where] = "  # goldenpath: ignore[GP101]"
    result = project({"test_a.py": MULTILINE.format(**slots)})
    assert locations(result) == ([] if silenced else [("test_a.py", 6, 9, "GP101")])


def test_noqa_on_the_first_line_of_a_multiline_statement(project) -> None:
    source = "import websockets\nws = websockets.connect(  # noqa: GP101\n    u,\n    extra_headers=h,\n)\n"
    assert project({"test_a.py": source}).findings == []


def test_nested_statement_uses_its_own_first_line(project) -> None:
    """A comment on the enclosing `def` does not silence a call in its body."""
    source = "import websockets\n\ndef test_x():  # noqa: GP101\n    websockets.connect(\n        u, extra_headers=h)\n"
    assert locations(project({"test_a.py": source})) == [("test_a.py", 5, 12, "GP101")]


@pytest.mark.parametrize(
    "comment",
    [
        "# goldenpath: ignore-file[GP101]",
        "# goldenpath: ignore-file[GP1]",
        "# goldenpath: ignore-file",
        "# goldenpath: ignore-file[GP201,GP101]",
    ],
)
@pytest.mark.parametrize("position", ["top", "bottom", "inline"])
def test_ignore_file_anywhere(project, comment: str, position: str) -> None:
    body = f"import websockets\n{CALL}\n{CALL}\n"
    source = {
        "top": f"{comment}\n{body}",
        "bottom": f"{body}\n\n{comment}\n",
        "inline": f"import websockets  {comment}\n{CALL}\n{CALL}\n",
    }[position]
    assert project({"test_a.py": source}).findings == []


def test_ignore_file_for_other_codes_does_not_silence(project) -> None:
    source = f"# goldenpath: ignore-file[GP2]\nimport websockets\n{CALL}\n"
    assert locations(project({"test_a.py": source})) == [("test_a.py", 3, 23, "GP101")]


def test_ignore_file_silences_only_its_own_file(project) -> None:
    result = project(
        {
            "test_a.py": f"# goldenpath: ignore-file[GP101]\nimport websockets\n{CALL}\n",
            "test_b.py": f"import websockets\n{CALL}\n",
        }
    )
    assert locations(result) == [("test_b.py", 2, 23, "GP101")]


@pytest.mark.parametrize(
    "source",
    [
        f'import websockets\n{CALL}; s = "# noqa"\n',
        f"import websockets\n{CALL}; s = '# goldenpath: ignore[GP101]'\n",
        f'"""Write `# goldenpath: ignore-file[GP101]` to silence a file."""\nimport websockets\n{CALL}\n',
        f'import websockets\ns = """\n# goldenpath: ignore-file\n"""\n{CALL}\n',
        f'import websockets\n{CALL}; s = f"{{u}} # noqa"\n',
    ],
    ids=["noqa-in-string", "ignore-in-string", "ignore-file-in-docstring", "ignore-file-in-string", "noqa-in-fstring"],
)
def test_text_in_strings_is_not_a_comment(project, source: str) -> None:
    result = project({"test_a.py": source})
    assert [finding.code for finding in result.findings] == ["GP101"]


def test_syntax_errors_can_be_suppressed(project) -> None:
    result = project(
        {
            "test_a.py": "# goldenpath: ignore-file[GP001]\nextra_headers = 1\ndef f(:\n",
            "test_b.py": "extra_headers = 1\ndef f(:  # noqa: GP001\n",
            "test_c.py": "extra_headers = 1\ndef f(:  # noqa: GP101\n",
        }
    )
    assert locations(result) == [("test_c.py", 2, 7, "GP001")]


def test_crlf_files(project) -> None:
    source = f"import websockets\r\n{CALL}  # noqa: GP101\r\n{CALL}\r\n"
    assert locations(project({"test_a.py": source})) == [("test_a.py", 3, 23, "GP101")]


def test_per_file_ignores_and_suppressions_together(project, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.goldenpath-audit.per-file-ignores]\n"tests/legacy/**" = ["GP101"]\n'
    )
    result = project(
        {
            "tests/legacy/test_old.py": f"import websockets\n{CALL}\n",
            "tests/test_new.py": f"import websockets\n{CALL}  # noqa: GP101\n{CALL}\n",
        }
    )
    assert locations(result) == [("tests/test_new.py", 3, 23, "GP101")]


def test_suppressed_findings_are_not_fixed(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    source = f"import websockets\n{CALL}  # noqa: GP101\n{CALL}\n"
    target = tmp_path / "test_a.py"
    target.write_text(source)
    completed = subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", "fix"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert target.read_text() == (
        f"import websockets\n{CALL}  # noqa: GP101\nwebsockets.connect(u, additional_headers=h)\n"
    )
