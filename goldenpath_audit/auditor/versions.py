"""What versions of a package a project's declaration lets it install.

Rules ask questions like "can this project end up on websockets 14 or newer?"
(then the legacy API is gone) or "is it stuck below 14?" (then the new API is
not there yet). A specifier alone cannot answer "is there any version in this
range", so a policy tests a set of candidate versions: the real releases we
know of, the versions named in the specifier, a floor and a far-future
release standing in for "something older" and "something not released yet".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from goldenpath_audit.auditor.dependencies import Declaration, canonical_name

__all__ = ["KNOWN_RELEASES", "VersionPolicy", "policy_for", "policy_from_override"]

# Final releases only. Used as candidates so "websockets~=13.0" is known to stay
# below 14.0 and "websockets>=12,<14.1" is known to admit 13.x and 14.0.
# Assumed (not confirmed when this table was written): websockets 17.1, 17.2,
# 17.3; pytest-asyncio 1.4.0, 1.5.0; pytest 9.1.0, 9.2.0.
# fmt: off
KNOWN_RELEASES: dict[str, tuple[str, ...]] = {
    "websockets": (
        "8.0", "8.0.1", "8.0.2", "8.1",
        "9.0", "9.0.1", "9.0.2", "9.1",
        "10.0", "10.1", "10.2", "10.3", "10.4",
        "11.0", "11.0.1", "11.0.2", "11.0.3",
        "12.0",
        "13.0", "13.0.1", "13.1",
        "14.0", "14.1", "14.2",
        "15.0", "15.0.1",
        "16.0",
        "17.0", "17.0.1", "17.1", "17.2", "17.3", "17.4",
    ),
    "pytest-asyncio": (
        "0.17.0", "0.17.1", "0.17.2",
        "0.18.0", "0.18.1", "0.18.2", "0.18.3",
        "0.19.0",
        "0.20.0", "0.20.1", "0.20.2", "0.20.3",
        "0.21.0", "0.21.1", "0.21.2",
        "0.22.0",
        "0.23.0", "0.23.1", "0.23.2", "0.23.3", "0.23.4", "0.23.5", "0.23.6", "0.23.7", "0.23.8",
        "0.24.0",
        "0.25.0", "0.25.1", "0.25.2", "0.25.3",
        "0.26.0",
        "1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0",
    ),
    "pytest": (
        "7.0.0", "7.0.1",
        "7.1.0", "7.1.1", "7.1.2", "7.1.3",
        "7.2.0", "7.2.1", "7.2.2",
        "7.3.0", "7.3.1", "7.3.2",
        "7.4.0", "7.4.1", "7.4.2", "7.4.3", "7.4.4",
        "8.0.0", "8.0.1", "8.0.2",
        "8.1.0", "8.1.1", "8.1.2",
        "8.2.0", "8.2.1", "8.2.2",
        "8.3.0", "8.3.1", "8.3.2", "8.3.3", "8.3.4", "8.3.5",
        "8.4.0", "8.4.1", "8.4.2",
        "9.0.0", "9.1.0", "9.2.0",
    ),
}
# fmt: on

# "Some release older than anything named" and "a release not out yet": open
# ranges (`<14`, `>=12`) must admit something even for packages not tabled above.
_FLOOR = Version("0")
_FAR_FUTURE = Version("9999")


@dataclass(frozen=True)
class VersionPolicy:
    """The versions one project may install, and a phrase saying where that came from."""

    package: str
    specifier: SpecifierSet  # SpecifierSet("") when any version
    pinned: tuple[Version, ...]  # non-empty = exactly these versions
    origin: str  # one short human phrase for finding messages

    def allowed(self) -> list[Version]:
        """Candidate versions this policy admits, ascending; pins admit exactly themselves."""
        return list(_allowed(self.package, str(self.specifier), self.pinned))

    def allows_at_least(self, version: str) -> bool:
        """Some admitted version is `version` or newer (the project can reach it)."""
        threshold = Version(version)
        return any(v >= threshold for v in self.allowed())

    def allows_below(self, version: str) -> bool:
        """Some admitted version is older than `version` (the project can still be on the old API)."""
        threshold = Version(version)
        return any(v < threshold for v in self.allowed())

    def all_below(self, version: str) -> bool:
        """Every admitted version is older than `version`; False when nothing is admitted,
        because an unsatisfiable declaration proves nothing."""
        allowed = self.allowed()
        threshold = Version(version)
        return bool(allowed) and all(v < threshold for v in allowed)


@lru_cache(maxsize=256)
def _allowed(package: str, specifier: str, pinned: tuple[Version, ...]) -> tuple[Version, ...]:
    """Memoised: each file's rules ask again about the same few declarations."""
    if pinned:
        return tuple(sorted(set(pinned)))
    parsed = SpecifierSet(specifier)
    return tuple(v for v in _candidates(package, parsed) if parsed.contains(v, prereleases=True))


def _candidates(package: str, specifier: SpecifierSet) -> list[Version]:
    """Known releases, the versions the specifier names, the floor and the far future, ascending."""
    found = {_FLOOR, _FAR_FUTURE}
    found.update(Version(v) for v in KNOWN_RELEASES.get(canonical_name(package), ()))
    for clause in specifier:
        named = clause.version.removesuffix(".*")
        try:
            found.add(Version(named))
        except InvalidVersion:  # `===` may name arbitrary strings
            pass
    return sorted(found)


def _newest(package: str) -> Version:
    """The newest release we know of; the far future for packages not tabled."""
    known = KNOWN_RELEASES.get(canonical_name(package))
    return max(Version(v) for v in known) if known else _FAR_FUTURE


def policy_for(package: str, declaration: Declaration | None, *, display_path: Callable[[Path], str]) -> VersionPolicy:
    """The policy a project's declaration implies; lock pins beat ranges, nothing declared means newest."""
    name = canonical_name(package)
    if declaration is None:
        origin = f"no {name} requirement found; assuming the newest release"
        return VersionPolicy(name, SpecifierSet(""), (_newest(name),), origin)
    specifier = _specifier_or_any(declaration.specifier)
    pins = _versions(declaration.pinned)
    if pins:
        written = ", ".join(str(v) for v in pins)
        origin = f"{name} {written} pinned in {display_path(declaration.source)}"
        return VersionPolicy(name, specifier, pins, origin)
    return VersionPolicy(name, specifier, (), f"{declaration.requirement} in {display_path(declaration.source)}")


def _specifier_or_any(text: str) -> SpecifierSet:
    """Declarations carry validated specifiers; anything else is treated as "any version", never raised."""
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return SpecifierSet("")


def _versions(texts: tuple[str, ...]) -> tuple[Version, ...]:
    """Parse lock versions, dropping ones that are not PEP 440 (then the range decides)."""
    parsed = []
    for text in texts:
        try:
            parsed.append(Version(text))
        except InvalidVersion:
            pass
    return tuple(parsed)


def policy_from_override(package: str, value: str, origin: str) -> VersionPolicy:
    """A policy from the user's own statement, e.g. `--websockets-version 13.1` or `">=14,<15"`.

    A bare version pins exactly that version; a bare wildcard such as `13.*` means `==13.*`.
    Raises ValueError naming the accepted forms when `value` is neither.
    """
    name = canonical_name(package)
    text = value.strip()
    try:
        version = Version(text)
        return VersionPolicy(name, SpecifierSet(f"=={version}"), (version,), origin)
    except InvalidVersion:
        pass
    candidate = f"=={text}" if text[:1].isalnum() else text
    try:
        specifier = SpecifierSet(candidate)
    except InvalidSpecifier:
        specifier = None
    if not text or specifier is None:
        raise ValueError(
            f"invalid {name} version {value!r}: expected a version such as 13.1 or a version specifier such as >=14,<15"
        )
    return VersionPolicy(name, specifier, (), origin)
