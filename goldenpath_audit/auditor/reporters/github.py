"""The GitHub Actions format: workflow commands that become inline annotations.

    ::error file=tests/test_ws.py,line=12,col=40,endLine=12,endColumn=53,title=GP101 name::message

Values are escaped the way GitHub's toolkit (`@actions/core`, command.ts)
does, because the runner parses these lines: in the message `%`, CR and LF
are percent-encoded; in property values `:` and `,` are too, since they
delimit the properties.
"""

from __future__ import annotations

from typing import TextIO

from goldenpath_audit.auditor.findings import CheckResult, FileError, Finding, Severity

TOOL_TITLE = "goldenpath-audit"

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def write_github(result: CheckResult, stream: TextIO) -> None:
    """One annotation per finding, then one per file that could not be checked."""
    lines = [finding_command(finding) for finding in result.findings]
    lines += [error_command(error) for error in result.errors]
    stream.write("".join(line + "\n" for line in lines))


def finding_command(finding: Finding) -> str:
    """The annotation for one finding, at its full span."""
    properties = {
        "file": finding.path,
        "line": finding.line,
        "col": finding.column,
        "endLine": finding.end_line,
        "endColumn": finding.end_column,
        "title": f"{finding.code} {finding.name}",
    }
    return _command(_COMMANDS[Severity(finding.severity)], properties, finding.message)


def error_command(error: FileError) -> str:
    """An unreadable file is an error annotation on the file itself."""
    return _command("error", {"file": error.path, "title": TOOL_TITLE}, error.message)


def escape_data(value: str) -> str:
    """Escape a command's message (toolkit `escapeData`)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a property value (toolkit `escapeProperty`)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, properties: dict[str, object], message: str) -> str:
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {rendered}::{escape_data(message)}"
