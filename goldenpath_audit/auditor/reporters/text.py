"""The human-readable format: ruff-style finding lines with short code frames.

Layout (unless `quiet`), one block per finding, blocks separated by a blank line:

    tests/test_ws.py:12:40: GP101 `extra_headers` is not accepted by ...
       |
    12 |     async with websockets.connect(uri, extra_headers=h) as ws:
       |                                        ^^^^^^^^^^^^^
       = fix (safe): rename `extra_headers` to `additional_headers`

then one `error: path: message` line per file that could not be checked, then
a summary sentence. `quiet` keeps only the first line of each finding and the
error lines, so the output stays greppable and one-finding-per-line.

Everything is first built as lines of (text, style) segments, then written
either as plain text or through rich. Plain output therefore cannot contain an
ANSI escape: control characters in source lines, paths and messages are shown
as visible symbols instead of being sent to the terminal.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import TextIO

from goldenpath_audit.auditor.findings import Applicability, CheckResult, FileError, Finding

# A line of output: (text, rich style or None) segments.
Segment = tuple[str, str | None]
Line = list[Segment]

TAB_SIZE = 4
FIX_COMMAND = "goldenpath-audit fix"
UNSAFE_FLAG = "--unsafe-fixes"

_PATH = "bold"
_CODE = "bold red"
_GUTTER = "bold blue"
_CARET = "bold red"
_FIX = "cyan"
_ERROR = "bold red"
_SUCCESS = "bold green"


def write_text(
    result: CheckResult,
    stream: TextIO,
    *,
    color: bool = False,
    quiet: bool = False,
    statistics: bool = False,
) -> None:
    """Render `result` and write it, coloured through rich only when asked."""
    lines = render_text(result, quiet=quiet, statistics=statistics)
    if color:
        _write_rich(lines, stream)
    else:
        stream.write("".join(_plain(line) + "\n" for line in lines))


def render_text(result: CheckResult, *, quiet: bool = False, statistics: bool = False) -> list[Line]:
    """Build the output lines; kept separate from writing so both paths share one layout."""
    error_lines = [_error_line(error) for error in result.errors]
    if statistics:
        rows = statistics_rows(result.findings)
        if quiet:
            return rows + error_lines
        blocks = [rows] if rows else []
    else:
        if quiet:
            return [_header(finding) for finding in result.findings] + error_lines
        blocks = [_finding_block(finding, result.sources.get(finding.path)) for finding in result.findings]
    if error_lines:
        blocks.append(error_lines)
    blocks.append([summary_line(result.findings, result.errors)])
    return _join_blocks(blocks)


def _join_blocks(blocks: list[list[Line]]) -> list[Line]:
    """Separate blocks by exactly one blank line, like ruff's full output."""
    lines: list[Line] = []
    for index, block in enumerate(blocks):
        if index:
            lines.append([])
        lines.extend(block)
    return lines


def _header(finding: Finding) -> Line:
    """`path:line:col: CODE message`, the one line that editors and grep understand."""
    return [
        (_visible(finding.path), _PATH),
        (f":{finding.line}:{finding.column}: ", None),
        (finding.code, _CODE),
        (" " + _visible(finding.message), None),
    ]


def _finding_block(finding: Finding, source: list[str] | None) -> list[Line]:
    """Header, code frame (when the source line is known) and fix hint."""
    block = [_header(finding)]
    width = len(str(finding.line))
    if source is not None and 0 < finding.line <= len(source):
        block.extend(_frame(finding, source[finding.line - 1], width))
    if finding.fix is not None:
        applicability = Applicability(finding.fix.applicability).value
        block.append(
            [(" " * width + " ", None), ("= fix", _FIX), (f" ({applicability}): {_visible(finding.fix.message)}", None)]
        )
    return block


def _frame(finding: Finding, source_line: str, width: int) -> list[Line]:
    """Three frame lines: empty gutter, numbered source line, carets under the span.

    The span ends at `end_column` when the finding ends on its first line and at
    the end of that line otherwise, since only the first line is shown. Widths
    are measured in terminal cells so carets stay aligned under tabs and wide
    (East Asian) characters.
    """
    text = source_line.rstrip("\r\n")
    start = max(finding.column - 1, 0)
    end = finding.end_column - 1 if finding.end_line == finding.line else len(text)
    end = max(end, start)
    before, span_start = _display(text[:start], 0)
    span, span_end = _display(text[start:end], span_start)
    after, _ = _display(text[end:], span_end)
    # A column past the end of the line (an error at end of line) still points there.
    pad = span_start + max(start - len(text), 0)
    shown = before + span + after
    gutter = " " * width + " |"
    return [
        [(gutter, _GUTTER)],
        [(f"{finding.line:>{width}} |", _GUTTER), (f" {shown}" if shown else "", None)],
        [(gutter, _GUTTER), (" " + " " * pad, None), ("^" * max(span_end - span_start, 1), _CARET)],
    ]


def _error_line(error: FileError) -> Line:
    """`error: path: message` for a file that could not be checked at all."""
    return [("error", _ERROR), (f": {_visible(error.path)}: {_visible(error.message)}", None)]


def statistics_rows(findings: Iterable[Finding]) -> list[Line]:
    """One row per code, like ruff's `--statistics`: `count  code  name  [*]`.

    Rows are sorted by count (descending), then code. The count is right-aligned
    in five columns; codes and names are padded to the widest one so the marker
    column lines up. The marker is `[*]` when every finding of that code has a
    safe fix (so `goldenpath-audit fix` clears the row), `[ ]` otherwise.
    """
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    all_safe: dict[str, bool] = {}
    for finding in findings:
        counts[finding.code] += 1
        names.setdefault(finding.code, _visible(finding.name))
        all_safe[finding.code] = all_safe.get(finding.code, True) and _is_safe(finding)
    ordered = sorted(counts, key=lambda code: (-counts[code], code))
    code_width = max((len(code) for code in ordered), default=0)
    name_width = max((len(names[code]) for code in ordered), default=0)
    return [
        [
            (f"{counts[code]:>5}  ", None),
            (f"{code:<{code_width}}", _CODE),
            (f"  {names[code]:<{name_width}}  ", None),
            ("[*]" if all_safe[code] else "[ ]", _FIX if all_safe[code] else None),
        ]
        for code in ordered
    ]


def summary_line(findings: list[Finding], errors: list[FileError]) -> Line:
    """The closing sentence: how many findings, how many fixable, how many files failed."""
    if not findings and not errors:
        return [("All checks passed.", _SUCCESS)]
    safe = sum(1 for finding in findings if _is_safe(finding))
    unsafe = sum(1 for finding in findings if finding.fix is not None and not _is_safe(finding))
    if safe and unsafe:
        fixable = f" ({safe} fixable with `{FIX_COMMAND}`, {unsafe} more with `{UNSAFE_FLAG}`)"
    elif safe:
        fixable = f" ({safe} fixable with `{FIX_COMMAND}`)"
    elif unsafe:
        fixable = f" ({unsafe} fixable with `{FIX_COMMAND} {UNSAFE_FLAG}`)"
    else:
        fixable = ""
    sentence = f"Found {_plural(len(findings), 'finding')}{fixable}."
    if errors:
        failed = len({error.path for error in errors})
        sentence += f" {_plural(failed, 'file')} could not be checked."
    return [(sentence, None)]


def _is_safe(finding: Finding) -> bool:
    return finding.fix is not None and Applicability(finding.fix.applicability) is Applicability.SAFE


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _display(text: str, start_width: int) -> tuple[str, int]:
    """Make `text` safe and aligned for a terminal; return it and its end cell.

    Tabs expand to the next multiple of `TAB_SIZE` counted from the start of the
    line (so a span keeps the width it has in the whole line); control
    characters become visible symbols so a source line can never move the
    cursor or start an escape sequence; wide characters count two cells and
    combining marks none.
    """
    out: list[str] = []
    width = start_width
    for char in text:
        if char == "\t":
            spaces = TAB_SIZE - width % TAB_SIZE
            out.append(" " * spaces)
            width += spaces
            continue
        char = _visible_char(char)
        out.append(char)
        width += _char_width(char)
    return "".join(out), width


def _visible(text: str) -> str:
    """Replace control characters (newlines included) so one item stays on one line."""
    return text.translate(_VISIBLE)


def _visible_char(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode "control pictures": ␛, ␊, ...
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code < 0xA0:
        return "\ufffd"  # C1 controls (0x9B is a one-byte CSI on some terminals)
    return char


# What `_visible_char` does, as one table for `str.translate` (one C loop per string).
_VISIBLE = {code: _visible_char(chr(code)) for code in (*range(0x20), *range(0x7F, 0xA0))}


def _char_width(char: str) -> int:
    """Terminal cells taken by one character (the common cases of wcwidth)."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def _plain(line: Line) -> str:
    return "".join(text for text, _ in line)


def _write_rich(lines: list[Line], stream: TextIO) -> None:
    """Write through rich with a fixed colour system so output does not depend on TERM.

    Soft wrapping keeps long lines intact; markup and highlighting are off
    because the text is data (messages contain brackets and backticks).
    """
    from rich.console import Console
    from rich.text import Text

    console = Console(
        file=stream,
        force_terminal=True,
        color_system="standard",
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        legacy_windows=False,
        no_color=False,
    )
    for line in lines:
        console.print(Text.assemble(*line), end="\n")
