"""Register pytest markers in the config file pytest actually reads, changing no other byte.

`register_markers(path, kind, entries)` returns the new bytes of `path` with each
`(name, description)` registered as a `name: description` line, or None when every
name is already registered. It never writes the file: the caller does.

Two families of files, two strategies, one rule: only *insert* text.

* TOML (`pytest.toml`, `pyproject.toml`): tomlkit locates the table and the `markers`
  value; the new array/string text is built by hand from the original source text so
  the array keeps its layout (one item per line or single-line, indentation, trailing
  comma, comments, quote style). A missing key is spliced after the last key of the
  table; a missing table is appended at the end of the file. The result is checked
  with tomllib: every other key must parse to the same data.
* INI (`pytest.ini`, `.pytest.ini`, `tox.ini`, `setup.cfg`): a line editor that reads
  lines the way pytest's `iniconfig` does (case-sensitive section and key names,
  comment lines skipped inside values, blank lines do not end a value). configparser
  is used only to verify the result, never to write it, because it drops comments.

Newline style (CRLF stays CRLF), a UTF-8 BOM and a missing final newline are kept.
"""

from __future__ import annotations

import configparser
import copy
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, String, Table, Whitespace

from goldenpath_audit.auditor.pytest_config import marker_name

__all__ = [
    "INI_KINDS",
    "KINDS",
    "TOML_KINDS",
    "MarkerConfigError",
    "marker_line",
    "marker_name",
    "register_markers",
    "register_markers_text",
]

BOM = "\ufeff"

# kind -> table path inside the TOML document
TOML_KINDS: dict[str, tuple[str, ...]] = {
    "pytest.toml": ("pytest",),
    "pyproject-native": ("tool", "pytest"),
    "pyproject-ini-options": ("tool", "pytest", "ini_options"),
}
# kind -> INI section pytest reads
INI_KINDS: dict[str, str] = {"ini": "pytest", "tox.ini": "pytest", "setup.cfg": "tool:pytest"}
KINDS = frozenset(TOML_KINDS) | frozenset(INI_KINDS)

_INDENT = "    "
_NAME = re.compile(r"(?P<key>[^\W\d]\w*)(?:\([^():\r\n]*\))?")
# Characters that would end a line for pytest's reader (str.splitlines) or are not printable.
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class MarkerConfigError(ValueError):
    """The config file cannot be edited safely (unparseable, conflicting tables, bad entry)."""


# --- entries ----------------------------------------------------------------



def marker_line(name: str, description: str) -> str:
    """`name: description` on one line (just `name` when the description is empty)."""
    name = name.strip()
    match = _NAME.fullmatch(name)
    if match is None or not match["key"].isidentifier():
        raise MarkerConfigError(f"invalid marker name {name!r}")
    parts = (part.strip() for part in _LINE_BREAKING.split(description))
    text = " ".join(part for part in parts if part)
    return f"{name}: {text}" if text else name


def _new_lines(entries: Sequence[tuple[str, str]], existing: Sequence[str]) -> list[str]:
    """The lines to add: one per name, in order, skipping names already registered."""
    seen = {marker_name(line) for line in existing}
    lines = []
    for name, description in entries:
        line = marker_line(name, description)
        key = marker_name(line)
        if key not in seen:
            seen.add(key)
            lines.append(line)
    return lines


# --- entry point ---------------------------------------------------------------


def register_markers(path: Path, kind: str, entries: Sequence[tuple[str, str]]) -> bytes | None:
    """New bytes of `path` with each (name, description) registered as `name: description`; None when nothing changes.

    kind: "pytest.toml" (table [pytest]), "pyproject-native" ([tool.pytest]),
    "pyproject-ini-options" ([tool.pytest.ini_options]), "ini" (pytest.ini / .pytest.ini,
    section [pytest]), "tox.ini" (section [pytest]), "setup.cfg" (section [tool:pytest]).
    The file may not exist yet: it is then created with just the table/section.
    Raises MarkerConfigError when the file cannot be edited safely.
    """
    data = path.read_bytes() if path.exists() else None
    return register_markers_text(data, kind, entries)


def register_markers_text(data: bytes | None, kind: str, entries: Sequence[tuple[str, str]]) -> bytes | None:
    """`register_markers` on file contents (`None` for a file that does not exist)."""
    if kind not in KINDS:
        raise ValueError(f"unknown config kind {kind!r}; expected one of {sorted(KINDS)}")
    try:
        text = "" if data is None else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MarkerConfigError(f"config file is not UTF-8: {exc}") from exc
    bom = text.startswith(BOM)
    if bom:
        text = text[len(BOM) :]
    if kind in TOML_KINDS:
        new = _register_toml(text, kind, entries)
    else:
        new = _register_ini(text, INI_KINDS[kind], entries)
    if new is None:
        return None
    return ((BOM if bom else "") + new).encode("utf-8")


def _newline(text: str) -> str:
    index = text.find("\n")
    return "\r\n" if index > 0 and text[index - 1] == "\r" else "\n"


# --- TOML --------------------------------------------------------------------


def _register_toml(text: str, kind: str, entries: Sequence[tuple[str, str]]) -> str | None:
    keys = TOML_KINDS[kind]
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MarkerConfigError(f"invalid TOML: {exc}") from exc
    _check_pyproject_tables(before, kind)

    table_data = _walk(before, keys)
    existing = _toml_marker_lines(table_data, kind)
    lines = _new_lines(entries, existing)
    if not lines:
        return None

    # Work on LF text when the file is consistently CRLF; convert back at the end.
    crlf = "\r\n" in text and text.count("\n") == text.count("\r\n")
    work = text.replace("\r\n", "\n") if crlf else text
    if table_data is None:
        new = _append_table(work, keys, lines)
    else:
        new = _edit_table(work, keys, table_data, lines)
    if crlf:
        new = new.replace("\n", "\r\n")
    _verify_toml(before, new, keys, existing + lines)
    return new


def _walk(data: Any, keys: Sequence[str]) -> dict[str, Any] | None:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    if not isinstance(data, dict):
        raise MarkerConfigError(f"{'.'.join(keys)} is not a table")
    return data


def _check_pyproject_tables(data: dict[str, Any], kind: str) -> None:
    """pytest refuses [tool.pytest] native keys next to [tool.pytest.ini_options]: never create that mix."""
    tool = data.get("tool")
    pytest_table = tool.get("pytest") if isinstance(tool, dict) else None
    if not isinstance(pytest_table, dict):
        return
    native_keys = sorted(set(pytest_table) - {"ini_options"})
    if kind == "pyproject-native" and "ini_options" in pytest_table:
        raise MarkerConfigError(
            "pyproject.toml has [tool.pytest.ini_options]; register the markers there, "
            "pytest rejects it next to native [tool.pytest] keys"
        )
    if kind == "pyproject-ini-options" and native_keys:
        raise MarkerConfigError(
            f"pyproject.toml has native [tool.pytest] keys ({', '.join(native_keys)}); register the markers there, "
            "pytest rejects [tool.pytest.ini_options] next to them"
        )


def _toml_marker_lines(table: dict[str, Any] | None, kind: str) -> list[str]:
    if table is None or "markers" not in table:
        return []
    value = table["markers"]
    if isinstance(value, str) and kind == "pyproject-ini-options":
        return _split_linelist(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    expected = "a list of strings" + (" or a string" if kind == "pyproject-ini-options" else "")
    raise MarkerConfigError(f"markers must be {expected}, got {value!r}")


def _split_linelist(value: str) -> list[str]:
    """pytest's `linelist` split of a string value."""
    return [line.strip() for line in value.split("\n") if line.strip()]


def _toml_string(line: str, literal: bool = False) -> str:
    if literal and "'" not in line and not _LINE_BREAKING.search(line.replace("\t", "")):
        return f"'{line}'"
    return tomlkit.string(line).as_string()


def _append_table(text: str, keys: Sequence[str], lines: list[str]) -> str:
    """Append `[table]` with a fresh multi-line `markers` array at the end of the file."""
    nl = _newline(text)
    block = f"[{'.'.join(keys)}]{nl}markers = [{nl}"
    block += "".join(f"{_INDENT}{_toml_string(line)},{nl}" for line in lines)
    block += f"]{nl}"
    if not text.strip():
        return text + block
    if not text.endswith("\n"):
        text += nl
    if not text.endswith(("\n\n", "\n\r\n")):
        text += nl
    return text + block


def _edit_table(text: str, keys: Sequence[str], table_data: dict[str, Any], lines: list[str]) -> str:
    doc = tomlkit.parse(text)
    container: Any = doc
    for key in keys:
        container = container[key]
    if "markers" in table_data:
        item = container["markers"]
        if isinstance(item, Array):
            raw = _append_to_array(item.as_string(), lines)
        elif isinstance(item, String):
            raw = _append_to_string(item.as_string(), lines)
        else:  # pragma: no cover - excluded by _toml_marker_lines
            raise MarkerConfigError(f"unexpected markers value {item!r}")
        container["markers"] = tomlkit.parse(f"x = {raw}\n")["x"]
        return doc.as_string()
    if isinstance(container, Table) and not container.is_super_table() and _splice_key(container, lines):
        return doc.as_string()
    if isinstance(container, InlineTable):  # `ini_options = {addopts = "-q"}`: stay on one line
        raw = container.as_string()
        inner = raw[1:-1]
        body = inner.rstrip()
        pad = " " if inner[:1] == " " else ""
        entry = "markers = [" + ", ".join(_toml_string(line) for line in lines) + "]"
        raw = "{" + (f"{body}, {entry}" if body.strip() else f"{pad}{entry}") + inner[len(body) :] + "}"
        parent: Any = doc
        for key in keys[:-1]:
            parent = parent[key]
        parent[keys[-1]] = tomlkit.parse(f"x = {raw}\n")["x"]
        return doc.as_string()
    # Dotted-key or out-of-order tables: let tomlkit place the key in its own style.
    array = tomlkit.array().multiline(True)
    array.extend(lines)
    container["markers"] = array
    return doc.as_string()


def _splice_key(table: Table, lines: list[str]) -> bool:
    """Add `markers = [...]` right after the last key of `table` (before blank lines, comments, sub-tables)."""
    anchor: Any = None
    node: Table = table
    while True:
        last = None
        for key, item in node.value.body:
            if key is None or isinstance(item, Whitespace):
                continue
            if isinstance(item, (Table, AoT)) and not key.is_dotted():
                continue  # a sub-table: it comes after the table's own keys
            last = (key, item)
        if last is None:
            break
        key, item = last
        if isinstance(item, Table):  # dotted key `a.b = 1`: descend to its last leaf
            node = item
            continue
        anchor = item
        break
    if anchor is None:
        if node is not table:
            return False
        anchor, indent = table, ""  # empty table: right after the header line
    else:
        indent = anchor.trivia.indent
    block = f"{indent}markers = [\n"
    block += "".join(f"{indent}{_INDENT}{_toml_string(line)},\n" for line in lines)
    block += f"{indent}]"
    trail = anchor.trivia.trail
    if trail.endswith("\n"):
        anchor.trivia.trail = trail + block + "\n"
    else:  # last line of a file without a final newline: keep it that way
        anchor.trivia.trail = trail + "\n" + block
    return True


_TOKEN = re.compile(
    r"""(?P<nl>\r?\n)|(?P<ws>[ \t]+)|(?P<comment>\#[^\r\n]*)|(?P<comma>,)|(?P<open>\[)|(?P<close>\])"""
    r'''|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""(?:"{1,2}(?!"))?|\'\'\'(?:[^']|'(?!''))*\'\'\'(?:'{1,2}(?!'))?'''
    r"""|"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*')""",
    re.DOTALL,
)


def _tokens(raw: str) -> list[tuple[str, int, int]]:
    tokens = []
    pos = 0
    while pos < len(raw):
        match = _TOKEN.match(raw, pos)
        if match is None or match.lastgroup is None:
            raise MarkerConfigError(f"markers array holds a value that is not a string: {raw[pos:pos + 40]!r}")
        tokens.append((match.lastgroup, match.start(), match.end()))
        pos = match.end()
    return tokens


def _append_to_array(raw: str, lines: list[str]) -> str:
    """The array source `raw` with `lines` appended in the array's own layout."""
    tokens = _tokens(raw)
    if not tokens or tokens[0][0] != "open" or tokens[-1][0] != "close":
        raise MarkerConfigError(f"cannot read markers array {raw!r}")
    inner = tokens[1:-1]
    if any(kind == "open" or kind == "close" for kind, _, _ in inner):
        raise MarkerConfigError("markers array holds nested arrays")
    strings = [(start, end) for kind, start, end in inner if kind == "string"]
    literal = bool(strings) and all(raw[start] == "'" and not raw.startswith("'''", start) for start, _ in strings)
    quoted = [_toml_string(line, literal) for line in lines]
    multiline = any(kind == "nl" for kind, _, _ in tokens)
    close = tokens[-1][1]

    if not strings:
        if not multiline:
            return "[" + ", ".join(quoted) + "]"
        # `[\n  # comment\n]`: new items go just above the closing bracket's line.
        line_start = raw.rfind("\n", 0, close) + 1
        closing_indent = raw[line_start:close]
        comment_indents = [raw[raw.rfind("\n", 0, s) + 1 : s] for kind, s, _ in inner if kind == "comment"]
        indent = next((i for i in comment_indents if not i.strip()), closing_indent + _INDENT)
        nl = "\r\n" if "\r\n" in raw else "\n"
        block = "".join(f"{indent}{q},{nl}" for q in quoted)
        if closing_indent.strip():  # `... ]` after something on the same line
            return raw[:close] + nl + block + raw[close:]
        return raw[:line_start] + block + raw[line_start:]

    last_start, last_end = strings[-1]
    after = [tok for tok in inner if tok[1] >= last_end]
    comma = next((tok for tok in after if tok[0] == "comma"), None)

    if not multiline:
        if len(strings) > 1:
            sep = raw[strings[-2][1] : strings[-1][0]]
            if "," not in sep or "#" in sep:
                sep = ", "
        else:
            sep = ", "
        if comma is not None:
            space = sep.replace(",", "", 1) or " "
            insert = "".join(f"{space}{q}," for q in quoted)
            return raw[: comma[2]] + insert + raw[comma[2] :]
        insert = "".join(f"{sep}{q}" for q in quoted)
        return raw[:last_end] + insert + raw[last_end:]

    nl = "\r\n" if "\r\n" in raw else "\n"
    # Indentation: the leading whitespace of the last item's line, when it starts that line.
    line_start = raw.rfind("\n", 0, last_start) + 1
    lead = raw[line_start:last_start]
    if line_start == 0:  # last item on the `[` line: `["a",\n]`
        indent = _INDENT
    elif lead.strip(" \t") in ("", ","):
        indent = lead[: len(lead) - len(lead.lstrip(" \t"))]
    else:  # several items on that line: align with the first one
        first_on_line = next(s for s, _ in strings if s >= line_start)
        indent = raw[line_start:first_on_line]
        indent = indent[: len(indent) - len(indent.lstrip(" \t"))]
    # Insert at the end of the line holding the last item (or its comma), or before `]` on that line.
    anchor_end = comma[2] if comma is not None else last_end
    stop = next(
        (start for kind, start, _ in tokens if start >= anchor_end and kind in ("nl", "close")),
        close,
    )
    if comma is not None:
        insert = "".join(f"{nl}{indent}{q}," for q in quoted)
        return raw[:stop] + insert + raw[stop:]
    insert = "".join(f"{nl}{indent}{q}," for q in quoted)[:-1]
    return raw[:last_end] + "," + raw[last_end:stop] + insert + raw[stop:]


def _append_to_string(raw: str, lines: list[str]) -> str:
    """The string source `raw` (a `linelist` in ini_options) with `lines` appended as new lines."""
    for delimiter in ('"""', "'''", '"', "'"):
        if raw.startswith(delimiter) and raw.endswith(delimiter) and len(raw) >= 2 * len(delimiter):
            break
    else:  # pragma: no cover - tomlkit only hands us well-formed strings
        raise MarkerConfigError(f"cannot read markers string {raw!r}")
    body = raw[len(delimiter) : len(raw) - len(delimiter)]
    literal = delimiter[0] == "'"
    escaped = []
    for line in lines:
        if literal:
            if "'''" in line or _LINE_BREAKING.search(line.replace("\t", "")):
                raise MarkerConfigError(f"{line!r} cannot be written inside a TOML literal string")
            escaped.append(line)
        else:
            escaped.append(tomlkit.string(line).as_string()[1:-1])

    if len(delimiter) == 1:
        if literal:  # a one-line literal string cannot hold a newline: make it a multi-line literal
            return "'''" + body + "".join(f"\n{e}" for e in escaped) + "'''"
        return delimiter + body + "".join(f"\\n{e}" for e in escaped) + delimiter

    nl = "\r\n" if "\r\n" in body else "\n"
    content = [segment for segment in body.split("\n") if segment.strip()]
    indent = _leading_whitespace(content[-1]) if content else ""
    tail_start = body.rfind("\n") + 1
    if tail_start > 0 and not body[tail_start:].strip():
        # closing delimiter on its own line: the new lines go just above it
        block = "".join(f"{indent}{e}{nl}" for e in escaped)
        return delimiter + body[:tail_start] + block + body[tail_start:] + delimiter
    return delimiter + body + "".join(f"{nl}{indent}{e}" for e in escaped) + delimiter


def _without_markers(data: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    chain = [data]
    node: Any = data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return data
        node = node[key]
        chain.append(node)
    if isinstance(node, dict):
        node.pop("markers", None)
    # prune the tables on the path that are now empty (created by us, or empty before)
    for parent, key, child in zip(reversed(chain[:-1]), reversed(keys), reversed(chain[1:])):
        if child == {}:
            del parent[key]
        else:
            break
    return data


def _verify_toml(before: dict[str, Any], new_text: str, keys: Sequence[str], expected: list[str]) -> None:
    try:
        after = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - a bug in this module
        raise MarkerConfigError(f"registering markers would produce invalid TOML: {exc}") from exc
    if _without_markers(after, keys) != _without_markers(before, keys):  # pragma: no cover
        raise MarkerConfigError("registering markers would change other keys")
    table = _walk(after, keys)
    value = None if table is None else table.get("markers")
    got = _split_linelist(value) if isinstance(value, str) else value
    if got != expected:  # pragma: no cover - a bug in this module
        raise MarkerConfigError(f"markers would read as {got!r}, expected {expected!r}")


# --- INI ---------------------------------------------------------------------


def _ini_line(line: str) -> tuple[str, str | None, str | None]:
    """Classify a line as pytest's iniconfig does: (kind, name, value).

    kind: "blank", "comment", "section" (name), "key" (name, value), "continuation" (value), "invalid".
    """
    if line.lstrip()[:1] in ("#", ";") and line.strip():
        return "comment", None, None
    stripped = line.rstrip()
    if not stripped:
        return "blank", None, None
    if stripped[0] == "[":
        header = stripped
        for char in "#;":
            header = header.split(char)[0].rstrip()
        if header.endswith("]"):
            return "section", header[1:-1], None
        return "continuation", None, stripped.strip()  # iniconfig's reading of a broken header
    if not stripped[0].isspace():
        name, sep, value = stripped.partition("=")
        if not sep or ":" in name:
            name, sep, value = stripped.partition(":")
        if not sep:
            return "invalid", None, None
        return "key", name.strip(), value.strip()
    return "continuation", None, stripped.strip()


def _register_ini(text: str, section: str, entries: Sequence[tuple[str, str]]) -> str | None:
    nl = _newline(text)
    lines = text.splitlines(keepends=True)
    kinds = [_ini_line(line) for line in lines]
    before = _configparser(text, required=True)

    header = next((i for i, (k, name, _) in enumerate(kinds) if k == "section" and name == section), None)
    if header is None:
        lines_to_add = _new_lines(entries, [])
        if not lines_to_add:  # pragma: no cover - entries is empty
            return None
        new = _append_section(text, section, lines_to_add, nl)
        _verify_ini(before, new, section, lines_to_add)
        return new

    end = next((i for i in range(header + 1, len(lines)) if kinds[i][0] == "section"), len(lines))
    key = next((i for i in range(header + 1, end) if kinds[i][0] == "key" and kinds[i][1] == "markers"), None)

    if key is None:
        lines_to_add = _new_lines(entries, [])
        if not lines_to_add:  # pragma: no cover - entries is empty
            return None
        # after the section's last line that is not blank or a column-0 comment
        anchor = header
        for i in range(header + 1, end):
            kind = kinds[i][0]
            if kind != "blank" and not (kind == "comment" and not lines[i][:1].isspace()):
                anchor = i
        block = [f"markers ={nl}"] + [f"{_INDENT}{line}{nl}" for line in lines_to_add]
    else:
        value_end = key + 1
        while value_end < end and kinds[value_end][0] in ("continuation", "blank", "comment"):
            value_end += 1
        existing = [kinds[key][2]] if kinds[key][2] else []
        existing += [value for kind, _, value in kinds[key + 1 : value_end] if kind == "continuation" and value]
        lines_to_add = _new_lines(entries, existing)
        if not lines_to_add:
            return None
        indented = [i for i in range(key + 1, value_end) if kinds[i][0] != "blank" and lines[i][:1].isspace()]
        values = [i for i in indented if kinds[i][0] == "continuation"]
        # after the last value line; comments below it stay below
        anchor = values[-1] if values else key
        indent = _leading_whitespace(lines[(values or indented)[0]]) if indented else _INDENT
        block = [f"{indent}{line}{nl}" for line in lines_to_add]

    if not lines[anchor].endswith(("\n", "\r")):
        # inserting after the last line of a file without a final newline: keep it missing
        lines[anchor] += nl
        block[-1] = block[-1][: -len(nl)]
    new = "".join(lines[: anchor + 1] + block + lines[anchor + 1 :])
    _verify_ini(before, new, section, existing + lines_to_add if key is not None else lines_to_add)
    return new


def _leading_whitespace(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _append_section(text: str, section: str, lines: list[str], nl: str) -> str:
    block = f"[{section}]{nl}markers ={nl}" + "".join(f"{_INDENT}{line}{nl}" for line in lines)
    if not text.strip():
        return text + block
    if not text.endswith(("\n", "\r")):
        text += nl
    if text.splitlines()[-1].strip():
        text += nl
    return text + block


def _configparser(text: str, *, required: bool) -> configparser.ConfigParser | None:
    parser = configparser.ConfigParser(
        interpolation=None,
        strict=True,
        delimiters=("=", ":"),
        comment_prefixes=("#", ";"),
        inline_comment_prefixes=None,
        empty_lines_in_values=True,
        default_section="\x00goldenpath-no-default\x00",
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # pytest's keys are case-sensitive
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        if required:
            raise MarkerConfigError(f"cannot parse INI file: {exc}") from exc
        return None
    return parser


def _verify_ini(before: configparser.ConfigParser | None, new_text: str, section: str, expected: list[str]) -> None:
    after = _configparser(new_text, required=False)
    if after is None:  # pragma: no cover - a bug in this module
        raise MarkerConfigError("registering markers would make the INI file unparseable")

    def others(parser: configparser.ConfigParser | None) -> dict[str, dict[str, str]]:
        if parser is None:
            return {}
        return {
            name: {key: value for key, value in parser[name].items() if not (name == section and key == "markers")}
            for name in parser.sections()
        }

    old, new = others(before), others(after)
    if old.get(section) is None and new.get(section) == {}:
        new.pop(section)  # the section we created holds only markers
    if old != new:  # pragma: no cover - a bug in this module
        raise MarkerConfigError("registering markers would change other INI options")
    got = _split_linelist(after.get(section, "markers", fallback=""))
    if got != expected:  # pragma: no cover - a bug in this module
        raise MarkerConfigError(f"markers would read as {got!r}, expected {expected!r}")
