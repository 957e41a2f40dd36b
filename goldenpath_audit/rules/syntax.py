"""GP001: files that do not parse. Produced by the engine's parser, not by facts."""

from __future__ import annotations

from goldenpath_audit.auditor.findings import Severity
from goldenpath_audit.rules.base import Rule


class SyntaxErrorRule(Rule):
    CODE = "GP001"
    NAME = "syntax-error"
    SUMMARY = "The file cannot be parsed, so no other rule can check it."
    SEVERITY = Severity.ERROR
    FIX = "none"
    WHAT_IT_DOES = (
        "Reports a file that the running Python cannot parse, at the position of the "
        "syntax error. When a newer Python grammar accepts the file (for example "
        "PEP 701 f-strings or PEP 695 type parameters while goldenpath-audit runs on "
        "Python 3.11), the message says so instead of reporting a bare syntax error; "
        "when the project's requires-python also excludes the running Python, the "
        "file is valid for the project and is reported as a file that could not be "
        "checked, not as a finding."
    )
    WHY = (
        "pytest fails to collect a module with a syntax error, and every other rule "
        "is blind to it. Reporting it keeps the run going over the remaining files."
    )
    EXAMPLE = "def test_broken(:\n    pass\n"
    USE_INSTEAD = "def test_fixed():\n    pass\n"
    FIX_SAFETY = "There is no automatic fix."
