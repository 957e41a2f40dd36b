"""`[tool.goldenpath-audit]` settings: discovery, validation, and clear errors.

Every key is declared once in `OPTIONS` with its expected type and a short
description (the README's configuration reference mirrors it), so later rule
families add a key by adding one entry. A wrong key or type is a configuration
error that names the file, the line and the key, and exits with status 2.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from goldenpath_audit.auditor.ssot import RegistryError, SsotRegistry

TABLE = "goldenpath-audit"


class ConfigError(Exception):
    """A configuration problem the user must fix; the CLI exits with status 2."""


@dataclass(frozen=True)
class Option:
    key: str
    kind: str  # human description of the expected type, used in errors
    check: Callable[[Any], bool]
    help: str


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_pattern_table(value: Any) -> bool:
    return isinstance(value, dict) and all(_is_str_list(codes) for codes in value.values())


OPTIONS: dict[str, Option] = {
    option.key: option
    for option in (
        Option("select", "a list of rule codes or prefixes", _is_str_list, "Rules to enable (default: all)."),
        Option("ignore", "a list of rule codes or prefixes", _is_str_list, "Rules to disable."),
        Option("exclude", "a list of gitignore-style patterns", _is_str_list, "Paths never to check."),
        Option(
            "per-file-ignores",
            "a table of pattern = [codes]",
            _is_pattern_table,
            "Rules to disable in files matching a gitignore-style pattern.",
        ),
        Option(
            "ssot",
            "a table of deprecated path = canonical path",
            lambda value: isinstance(value, dict),
            "The import registry: deprecated import paths and their canonical homes (GP301-GP304).",
        ),
        Option(
            "extra-markers",
            "a list of marker names",
            _is_str_list,
            "Markers registered by plugins goldenpath-audit cannot see (GP201/GP202 treat them as registered).",
        ),
        Option(
            "websockets-version",
            "a version such as \"14.2\" or a specifier such as \">=14\"",
            lambda value: isinstance(value, str),
            "The websockets version to assume everywhere, overriding declared requirements.",
        ),
        Option(
            "baseline",
            "a path to a baseline file (a string)",
            lambda value: isinstance(value, str),
            "Report only findings not recorded in this baseline file (relative to the config file).",
        ),
    )
}


@dataclass
class Settings:
    """Effective settings after merging the config file and the command line."""

    project_root: Path
    config_path: Path | None = None
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    websockets_version: str | None = None
    websockets_version_origin: str | None = None
    extra_markers: list[str] = field(default_factory=list)
    ssot: "SsotRegistry" = field(default_factory=lambda: SsotRegistry({}))
    # `baseline = "..."`, resolved against the config file's directory.
    baseline: Path | None = None
    # The table the settings came from: ("tool", "goldenpath-audit"), or () for
    # a `--config` file with top-level keys. Used to point errors at a line.
    config_header: tuple[str, ...] = ()


def find_config(start: Path) -> Path | None:
    """The nearest `pyproject.toml` at or above `start` with a `[tool.goldenpath-audit]` table."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            data = _load_toml(candidate)
            if TABLE in data.get("tool", {}):
                return candidate
    return None


def load_settings(cwd: Path, config_path: Path | None = None) -> Settings:
    """Read the settings that apply when running from `cwd`."""
    if config_path is None:
        config_path = find_config(cwd)
        if config_path is None:
            return Settings(project_root=cwd)
        explicit = False
    else:
        if not config_path.is_file():
            raise ConfigError(f"{config_path}: config file not found")
        explicit = True
    config_path = config_path.resolve()
    data = _load_toml(config_path)
    table = data.get("tool", {}).get(TABLE)
    if table is None:
        if not explicit or config_path.name == "pyproject.toml":
            return Settings(project_root=config_path.parent, config_path=config_path)
        table = data
        header: tuple[str, ...] = ()
    else:
        header = ("tool", TABLE)
    if not isinstance(table, dict):
        line = key_line(config_path.read_text(encoding="utf-8", errors="replace"), ("tool",), TABLE)
        raise ConfigError(f"{config_path}:{line}: 'tool.{TABLE}' must be a table, got {_describe(table)}")
    return _settings_from_table(table, config_path, header)


def _settings_from_table(table: dict[str, Any], path: Path, header: tuple[str, ...]) -> Settings:
    text = path.read_text(encoding="utf-8", errors="replace")
    for key, value in table.items():
        option = OPTIONS.get(key)
        line = key_line(text, header, key)
        if option is None:
            known = ", ".join(OPTIONS)
            raise ConfigError(f"{path}:{line}: unknown key '{key}' (expected one of: {known})")
        if key == "per-file-ignores" and isinstance(value, dict):
            _check_per_file_ignores(value, path, text, header, line)
        if not option.check(value):
            raise ConfigError(f"{path}:{line}: '{key}' must be {option.kind}, got {_describe(value)}")
        problem = _VALUE_CHECKS.get(key, lambda _: None)(value)
        if problem is not None:
            raise ConfigError(f"{path}:{line}: '{key}' {problem}")
    settings = Settings(project_root=path.parent, config_path=path, config_header=header)
    settings.select = table.get("select")
    settings.ignore = list(table.get("ignore", []))
    settings.exclude = list(table.get("exclude", []))
    settings.per_file_ignores = dict(table.get("per-file-ignores", {}))
    settings.extra_markers = list(table.get("extra-markers", []))
    if "ssot" in table:
        try:
            settings.ssot = SsotRegistry.from_table(table["ssot"])
        except RegistryError as exc:
            line = key_line(text, (*header, "ssot"), exc.key)
            raise ConfigError(f"{path}:{line}: {exc}") from None
    if "baseline" in table:
        settings.baseline = path.parent / table["baseline"]
    if "websockets-version" in table:
        settings.websockets_version = table["websockets-version"]
        settings.websockets_version_origin = f'websockets-version = "{table["websockets-version"]}" in {path.name}'
    return settings


def _check_per_file_ignores(
    table: dict[str, Any], path: Path, text: str, header: tuple[str, ...], table_line: int
) -> None:
    """Point at the pattern whose codes are wrong, or which is not a valid pattern."""
    for pattern, codes in table.items():
        line = _line_in(text, (*header, "per-file-ignores"), pattern) or table_line
        if not _is_str_list(codes):
            raise ConfigError(
                f"{path}:{line}: 'per-file-ignores' entry {pattern!r} must be a list of rule codes or prefixes, "
                f"got {_describe(codes)}"
            )
        problem = _invalid_pattern(pattern)
        if problem is not None:
            raise ConfigError(f"{path}:{line}: 'per-file-ignores' entry {pattern!r} {problem}")


def _invalid_pattern(pattern: str) -> str | None:
    from pathspec import GitIgnoreSpec

    try:
        GitIgnoreSpec.from_lines([pattern])
    except (ValueError, re.error):
        return "is not a valid gitignore-style pattern"
    return None


def _check_patterns(patterns: list[str]) -> str | None:
    bad = next((pattern for pattern in patterns if _invalid_pattern(pattern)), None)
    return None if bad is None else f"pattern {bad!r} is not a valid gitignore-style pattern"


def _check_version(value: str) -> str | None:
    from goldenpath_audit.auditor.versions import policy_from_override

    try:
        policy_from_override("websockets", value, "")
    except ValueError:
        return f"must be a version such as \"14.2\" or a specifier such as \">=14\", got {value!r}"
    return None


def _check_baseline(value: str) -> str | None:
    return "must name a file, got an empty string" if not value.strip() else None


# Checks of a value whose type is right; they return what is wrong, or None.
_VALUE_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "baseline": _check_baseline,
    "exclude": _check_patterns,
    "websockets-version": _check_version,
}


def key_location(settings: Settings, key: str, entry: str | None = None) -> str:
    """`path:line` of `key` (or of `entry` in the table `key`) in the settings' config file.

    For errors found after loading, such as a rule code that matches no rule.
    """
    if settings.config_path is None:
        return "<defaults>"
    try:
        text = settings.config_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return str(settings.config_path)
    line = key_line(text, settings.config_header, key)
    if entry is not None:
        line = _line_in(text, (*settings.config_header, key), entry) or line
    return f"{settings.config_path}:{line}"


def _line_in(text: str, header: tuple[str, ...], key: str) -> int | None:
    """Like `key_line`, but None when neither the table nor the key is written out."""
    line = key_line(text, header, key, default=0)
    return line or None


def key_line(text: str, header: tuple[str, ...], key: str, default: int = 1) -> int:
    """The line where `key` is set under the table `header` (best effort, 1-based)."""
    wanted = ".".join(header)
    in_table = not header
    key_pattern = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*[=.]""")
    header_line = default
    for number, line in enumerate(_TOML_NEWLINE.split(text), start=1):
        table_match = re.match(r"^\s*\[+\s*([^\]]+?)\s*\]+", line)
        if table_match:
            name = table_match.group(1).replace('"', "").replace("'", "").replace(" ", "")
            in_table = name == wanted
            if in_table:
                header_line = number
            if name == f"{wanted}.{key}" if wanted else name == key:
                return number
            continue
        if in_table and key_pattern.match(line):
            return number
    return header_line


_TOML_NEWLINE = re.compile(r"\r?\n")  # TOML's only newlines; str.splitlines() knows more


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if where:
            message = message[: where.start()]
            raise ConfigError(f"{path}:{where.group(1)}:{where.group(2)}: invalid TOML: {message}") from None
        raise ConfigError(f"{path}: invalid TOML: {message}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _describe(value: Any) -> str:
    if isinstance(value, list):
        odd = next((item for item in value if not isinstance(item, str)), None)
        return "list" if odd is None else f"a list containing {_describe(odd)}"
    if isinstance(value, dict):
        return "a table"
    return f"{_TOML_TYPES.get(type(value), type(value).__name__)} {value!r}"


_TOML_TYPES = {str: "string", int: "integer", float: "float", bool: "boolean"}
