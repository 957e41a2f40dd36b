"""The rule contract, in the style of Fixit (embedded examples) and ruff (doc headings).

A rule is a class with a stable code, a kebab-case name, a one-line summary and
documentation under ruff's fixed headings. Its `VALID` and `INVALID` examples
are run by the test suite (tests/test_rule_examples.py), so documentation and
behaviour cannot drift apart.

Detection is split in two so that it stays fast and cacheable:
- the engine parses a file once with `ast` and extracts plain-data facts
  (`goldenpath_audit.auditor.facts`), but only if the file's bytes contain one
  of the enabled rules' `TOKENS`;
- `Rule.check` turns those facts plus project facts (config, dependency pins)
  into findings. Rules never import libcst; their fixes are `FixOperation`s that
  the codemods in `goldenpath_audit.codemods` apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Iterable

from goldenpath_audit.auditor.findings import Finding, Severity

if TYPE_CHECKING:
    import ast

    from goldenpath_audit.auditor.context import FileContext, RunContext
    from goldenpath_audit.auditor.source import SourceFile


@dataclass(frozen=True)
class Example:
    """A source snippet with the findings (and fixed source) the rule must produce.

    `files` adds project files beside the snippet (for example a `pyproject.toml`
    that pins websockets), keyed by relative path. `options` are CLI-equivalent
    settings such as {"websockets-version": "13.1"}.
    """

    source: str
    findings: int = 0
    fixed: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    unsafe_fixes: bool = False


def valid(source: str, **kwargs) -> Example:
    return Example(source=source, findings=0, **kwargs)


def invalid(source: str, findings: int = 1, fixed: str | None = None, **kwargs) -> Example:
    return Example(source=source, findings=findings, fixed=fixed, **kwargs)


class Rule:
    CODE: ClassVar[str]
    NAME: ClassVar[str]
    SUMMARY: ClassVar[str]
    SEVERITY: ClassVar[Severity] = Severity.ERROR
    # "safe", "unsafe", "sometimes" (depends on the case) or "none".
    FIX: ClassVar[str] = "none"
    # Byte strings of which at least one must occur in a file for this rule to
    # need its facts. Empty means the rule never needs a parse (GP001 is
    # produced by the parser itself).
    TOKENS: ClassVar[tuple[bytes, ...]] = ()
    # Top-level modules whose calls this rule inspects; the fact extractor
    # records resolved calls into these modules only.
    MODULES: ClassVar[tuple[str, ...]] = ()
    # True when the rule needs pytest marker facts (uses, registrations).
    NEEDS_MARKERS: ClassVar[bool] = False
    # True when the rule needs import statements and top-level definitions.
    NEEDS_IMPORTS: ClassVar[bool] = False
    # A rule family with facts of its own names a key here and implements
    # `collect`; the engine calls it once per parsed file (shared by the family)
    # and stores the plain-data result in `FileFacts.extra[FACTS_KEY]`.
    FACTS_KEY: ClassVar[str | None] = None

    # Documentation under ruff's headings (Markdown).
    WHAT_IT_DOES: ClassVar[str] = ""
    WHY: ClassVar[str] = ""
    EXAMPLE: ClassVar[str] = ""
    USE_INSTEAD: ClassVar[str] = ""
    FIX_SAFETY: ClassVar[str] = ""
    REFERENCES: ClassVar[tuple[str, ...]] = ()

    VALID: ClassVar[tuple[Example, ...]] = ()
    INVALID: ClassVar[tuple[Example, ...]] = ()

    @classmethod
    def collect(cls, tree: "ast.Module", source: "SourceFile") -> object:
        """Family-specific facts of one file: plain data only (strings, numbers, tuples, dataclasses)."""
        return None

    def check(self, ctx: "FileContext") -> Iterable[Finding]:
        """Findings for one file, from its facts and the project facts."""
        return ()

    def finalize(self, run: "RunContext") -> Iterable[Finding]:
        """Findings that need every checked file's facts (GP201, GP203...), made once per run."""
        return ()

    @classmethod
    def documentation(cls) -> str:
        """The full Markdown documentation shown by `explain` and in SARIF `help`."""
        parts = [f"# {cls.CODE} {cls.NAME}", "", cls.SUMMARY, ""]
        sections = [
            ("What it does", cls.WHAT_IT_DOES),
            ("Why is this bad?", cls.WHY),
            ("Example", _code_block(cls.EXAMPLE)),
            ("Use instead", _code_block(cls.USE_INSTEAD)),
            ("Fix safety", cls.FIX_SAFETY),
        ]
        for heading, body in sections:
            if body.strip():
                parts += [f"## {heading}", "", body.strip(), ""]
        if cls.REFERENCES:
            parts += ["## References", ""] + [f"- {ref}" for ref in cls.REFERENCES] + [""]
        return "\n".join(parts).rstrip() + "\n"


def _code_block(source: str) -> str:
    source = source.strip("\n")
    return f"```python\n{source}\n```" if source.strip() else ""
