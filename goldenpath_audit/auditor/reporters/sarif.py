"""The SARIF 2.1.0 format, for GitHub code scanning and other SARIF viewers.

One run describes the tool and every rule in the registry (so viewers can show
documentation even for rules without results), then lists the results. Paths
are relative to `%SRCROOT%`, which `originalUriBaseIds` maps to the directory
the check ran in; code scanning resolves them against the repository root.
Columns count characters, hence `"columnKind": "unicodeCodePoints"`; SARIF end
columns are exclusive, like ours.

A result gets a `fixes` entry only when its fix has a textual form (`Fix.edits`):
SARIF requires every fix to carry at least one replacement, and a fix that
lists only part of its change would be wrong to apply. Fixes without one
(import moves, config registrations, TODO comments) are still in the JSON and
text output and in `goldenpath-audit fix --diff`. Replacements are listed in
file order and do not overlap; every `deletedRegion` refers to the file as it
was checked, not as changed by the replacements before it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

import goldenpath_audit
from goldenpath_audit.auditor.findings import CheckResult, FileError, Finding, Severity, TextEdit

if TYPE_CHECKING:
    from goldenpath_audit.rules.base import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "goldenpath-audit"
INFORMATION_URI = "https://github.com/goldenpath-audit/goldenpath-audit"
SRCROOT = "%SRCROOT%"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def write_sarif(
    result: CheckResult,
    stream: TextIO,
    *,
    rules: Mapping[str, type[Rule]],
    cwd: Path | None = None,
) -> None:
    """Write the SARIF log with a 2-space indent and a trailing newline."""
    stream.write(json.dumps(build_log(result, rules=rules, cwd=cwd), indent=2) + "\n")


def build_log(result: CheckResult, *, rules: Mapping[str, type[Rule]], cwd: Path | None = None) -> dict[str, Any]:
    """The whole SARIF log as plain data.

    Rules are listed sorted by code so `ruleIndex` does not depend on the
    registry's insertion order.
    """
    ordered = sorted(rules.values(), key=lambda rule: rule.CODE)
    index = {rule.CODE: position for position, rule in enumerate(ordered)}
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": goldenpath_audit.__version__,
                "informationUri": INFORMATION_URI,
                "rules": [reporting_descriptor(rule) for rule in ordered],
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [notification(error) for error in result.errors],
            }
        ],
        "originalUriBaseIds": {SRCROOT: {"uri": srcroot_uri(cwd)}},
        "columnKind": "unicodeCodePoints",
        "results": [sarif_result(finding, index) for finding in result.findings],
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def reporting_descriptor(rule: type[Rule]) -> dict[str, Any]:
    """Describe one rule; `help` carries the full Markdown documentation."""
    documentation = rule.documentation()
    return {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": rule.SUMMARY},
        "fullDescription": {"text": rule.SUMMARY},
        "help": {"text": documentation, "markdown": documentation},
        "defaultConfiguration": {"level": _LEVELS[Severity(rule.SEVERITY)]},
        "properties": {"fix": rule.FIX},
    }


def sarif_result(finding: Finding, rule_index: Mapping[str, int]) -> dict[str, Any]:
    """One result; `ruleIndex` only when the rule is in the registry, as SARIF requires."""
    result: dict[str, Any] = {"ruleId": finding.code}
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    result["level"] = _LEVELS[Severity(finding.severity)]
    result["message"] = {"text": finding.message}
    result["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": artifact_location(finding.path),
                "region": _region(finding.line, finding.column, finding.end_line, finding.end_column),
            }
        }
    ]
    if finding.fix is not None and finding.fix.edits:
        result["fixes"] = [
            {
                "description": {"text": finding.fix.message},
                "artifactChanges": [
                    {
                        "artifactLocation": artifact_location(finding.path),
                        "replacements": [_replacement(edit) for edit in _in_file_order(finding.fix.edits)],
                    }
                ],
            }
        ]
    return result


def notification(error: FileError) -> dict[str, Any]:
    """A file that could not be checked, as an error-level tool notification."""
    return {
        "level": "error",
        "message": {"text": error.message},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(error.path)}}],
    }


def artifact_location(path: str) -> dict[str, str]:
    """A relative path becomes a `%SRCROOT%`-based URI reference; an absolute one a file URI.

    Separators become `/` and characters that are not allowed in a URI (spaces,
    `%`, `#`, non-ASCII) are percent-encoded, since SARIF `uri` must be a valid
    URI reference.
    """
    if PureWindowsPath(path).is_absolute() or PurePosixPath(path).is_absolute():
        return {"uri": _absolute_uri(path)}
    return {"uri": quote(path.replace(os.sep, "/"), safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def srcroot_uri(cwd: Path | None) -> str:
    """The file URI of the directory paths are relative to, with the trailing slash SARIF requires."""
    uri = (cwd or Path.cwd()).absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _absolute_uri(path: str) -> str:
    windows = PureWindowsPath(path)
    if windows.is_absolute():
        return windows.as_uri()
    return PurePosixPath(path).as_uri()


def _region(start_line: int, start_column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": start_line, "startColumn": start_column, "endLine": end_line, "endColumn": end_column}


def _in_file_order(edits: tuple[TextEdit, ...]) -> list[TextEdit]:
    return sorted(edits, key=lambda edit: (edit.start.line, edit.start.column, edit.end.line, edit.end.column))


def _replacement(edit: TextEdit) -> dict[str, Any]:
    return {
        "deletedRegion": _region(edit.start.line, edit.start.column, edit.end.line, edit.end.column),
        "insertedContent": {"text": edit.content},
    }
