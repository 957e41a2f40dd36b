"""The JSON format: a small, versioned document for scripts and other tools.

    {"version": 1, "findings": [...], "errors": [...]}

The keys and their order are a public contract, described by
`findings.schema.json` beside this module (JSON Schema draft 2020-12). Bump
`FORMAT_VERSION` when a key changes meaning or disappears; adding keys would
also break consumers that validate with the schema, so it needs a bump too.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, TextIO

from goldenpath_audit.auditor.findings import Applicability, CheckResult, FileError, Finding, Severity

FORMAT_VERSION = 1
SCHEMA_RESOURCE = "findings.schema.json"


def write_json(result: CheckResult, stream: TextIO) -> None:
    """Write the document with a 2-space indent and a trailing newline.

    Non-ASCII text is escaped (`\\u00e9`) so the output can be written to any
    console encoding without errors; every JSON parser reads it back unchanged.
    """
    stream.write(json.dumps(build_document(result), indent=2) + "\n")


def build_document(result: CheckResult) -> dict[str, Any]:
    """The document as plain data, in output order."""
    return {
        "version": FORMAT_VERSION,
        "findings": [finding_to_dict(finding) for finding in result.findings],
        "errors": [error_to_dict(error) for error in result.errors],
    }


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding with exactly the documented keys, in the documented order."""
    fix = None
    if finding.fix is not None:
        fix = {
            "applicability": Applicability(finding.fix.applicability).value,
            "message": finding.fix.message,
        }
    return {
        "code": finding.code,
        "name": finding.name,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "message": finding.message,
        "severity": Severity(finding.severity).value,
        "fix": fix,
    }


def error_to_dict(error: FileError) -> dict[str, str]:
    return {"path": error.path, "message": error.message}


def load_schema() -> dict[str, Any]:
    """The JSON Schema of this format, read from the installed package data."""
    text = resources.files(__package__).joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    return json.loads(text)
