"""Which rules run: `select` / `ignore` with code prefixes, as in ruff."""

from __future__ import annotations

from typing import Iterable, Mapping, TypeVar

T = TypeVar("T")


class SelectionError(ValueError):
    """A code or prefix that matches no rule."""


def parse_codes(value: str | Iterable[str] | None) -> list[str]:
    """Split `--select GP1,GP201` style input into upper-case codes."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip().upper() for item in items if item.strip()]


def validate_codes(codes: Iterable[str], known: Iterable[str], *, origin: str) -> None:
    known = list(known)
    for code in codes:
        if code != "ALL" and not any(rule.startswith(code) for rule in known):
            raise SelectionError(f"{origin}: unknown rule code or prefix '{code}'")


def matches(code: str, patterns: Iterable[str]) -> bool:
    return any(pattern == "ALL" or code.startswith(pattern) for pattern in patterns)


def enabled_codes(rules: Mapping[str, T], select: list[str] | None, ignore: list[str]) -> list[str]:
    """Codes selected (all by default) and not ignored, in registry order."""
    selected = [code for code in rules if select is None or matches(code, select)]
    return [code for code in selected if not matches(code, ignore)]
