"""Exact output of every reporter, built from hand-made findings.

The formats are contracts with people (text), scripts (JSON), code scanning
(SARIF) and the Actions runner (GitHub), so the expected strings are spelled
out in full rather than checked piecemeal.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

import goldenpath_audit
from goldenpath_audit.auditor.findings import (
    Applicability,
    CheckResult,
    FileError,
    Finding,
    Fix,
    FixOperation,
    Position,
    Severity,
    TextEdit,
)
from goldenpath_audit.auditor.reporters import FORMATS, report
from goldenpath_audit.auditor.reporters.github import escape_data, escape_property
from goldenpath_audit.auditor.reporters.json_format import load_schema
from goldenpath_audit.rules.base import Rule
from goldenpath_audit.rules.syntax import SyntaxErrorRule

SARIF_SCHEMA = Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HeadersRule(Rule):
    CODE = "GP101"
    NAME = "websockets-extra-headers"
    SUMMARY = "`extra_headers` was renamed to `additional_headers` in websockets 14."
    SEVERITY = Severity.ERROR
    FIX = "safe"
    WHAT_IT_DOES = "Finds `extra_headers=` passed to `websockets.connect`."


class TimeoutRule(Rule):
    CODE = "GP201"
    NAME = "slow-timeout"
    SUMMARY = "A timeout longer than the suite allows."
    SEVERITY = Severity.WARNING
    FIX = "unsafe"


class NoteRule(Rule):
    CODE = "GP301"
    NAME = "prefer-marker"
    SUMMARY = "A marker would say this better."
    SEVERITY = Severity.INFO
    FIX = "none"


# Deliberately not in code order: ruleIndex must follow the sorted SARIF rule list.
RULES: dict[str, type[Rule]] = {
    "GP301": NoteRule,
    "GP101": HeadersRule,
    "GP001": SyntaxErrorRule,
    "GP201": TimeoutRule,
}

WS_LINE = "    async with websockets.connect(uri, extra_headers=h) as ws:"
WS_SOURCE = ["import websockets", "", "", "async def test_ws(uri, h):"] + [""] * 7 + [WS_LINE]


def rename_fix(applicability: Applicability = Applicability.SAFE, edits: bool = True) -> Fix:
    return Fix(
        applicability=applicability,
        message="rename `extra_headers` to `additional_headers`",
        operations=(FixOperation("rename-keyword", 12, 40, (("new", "additional_headers"),)),),
        edits=(TextEdit(Position(12, 40), Position(12, 53), "additional_headers"),) if edits else (),
    )


def headers_finding(fix: Fix | None = None, path: str = "tests/test_ws.py", message: str | None = None) -> Finding:
    return Finding(
        code="GP101",
        name="websockets-extra-headers",
        path=path,
        line=12,
        column=40,
        end_line=12,
        end_column=53,
        message=message or "`extra_headers` is not accepted by websockets 14; use `additional_headers`",
        severity=Severity.ERROR,
        fix=fix,
    )


def make_finding(code: str, line: int, column: int, end_line: int, end_column: int, **kwargs) -> Finding:
    rule = RULES.get(code, NoteRule)
    defaults = {
        "code": code,
        "name": rule.NAME,
        "path": "tests/test_a.py",
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "message": f"{rule.NAME} here",
        "severity": rule.SEVERITY,
    }
    defaults.update(kwargs)
    return Finding(**defaults)


def render(result: CheckResult, fmt: str = "text", **kwargs) -> str:
    stream = io.StringIO()
    report(result, fmt, stream, rules=RULES, **kwargs)
    return stream.getvalue()


# --- text -------------------------------------------------------------------


def test_text_finding_with_fix_has_frame_and_fix_line():
    result = CheckResult(findings=[headers_finding(rename_fix())], sources={"tests/test_ws.py": WS_SOURCE})
    assert render(result) == (
        "tests/test_ws.py:12:40: GP101 `extra_headers` is not accepted by websockets 14; use `additional_headers`\n"
        "   |\n"
        "12 |     async with websockets.connect(uri, extra_headers=h) as ws:\n"
        "   |                                        ^^^^^^^^^^^^^\n"
        "   = fix (safe): rename `extra_headers` to `additional_headers`\n"
        "\n"
        "Found 1 finding (1 fixable with `goldenpath-audit fix`).\n"
    )


def test_text_findings_without_fix_are_separated_by_blank_lines():
    source = ["def test_a():", "    time.sleep(120)", "    assert x"]
    result = CheckResult(
        findings=[
            make_finding("GP201", 2, 16, 2, 19),
            make_finding("GP301", 3, 5, 3, 13),
        ],
        sources={"tests/test_a.py": source},
    )
    assert render(result) == (
        "tests/test_a.py:2:16: GP201 slow-timeout here\n"
        "  |\n"
        "2 |     time.sleep(120)\n"
        "  |                ^^^\n"
        "\n"
        "tests/test_a.py:3:5: GP301 prefer-marker here\n"
        "  |\n"
        "3 |     assert x\n"
        "  |     ^^^^^^^^\n"
        "\n"
        "Found 2 findings.\n"
    )


def test_text_summary_counts_safe_and_unsafe_fixes():
    result = CheckResult(
        findings=[
            headers_finding(rename_fix(), path="a.py"),
            headers_finding(rename_fix(), path="b.py"),
            headers_finding(rename_fix(Applicability.UNSAFE), path="c.py"),
        ]
    )
    assert render(result).splitlines()[-1] == (
        "Found 3 findings (2 fixable with `goldenpath-audit fix`, 1 more with `--unsafe-fixes`)."
    )


def test_text_summary_with_only_unsafe_fixes_names_the_flag():
    result = CheckResult(findings=[headers_finding(rename_fix(Applicability.UNSAFE)), headers_finding()])
    assert render(result).splitlines()[-1] == (
        "Found 2 findings (1 fixable with `goldenpath-audit fix --unsafe-fixes`)."
    )


def test_text_quiet_prints_only_finding_and_error_lines():
    result = CheckResult(
        findings=[headers_finding(rename_fix()), make_finding("GP301", 3, 5, 3, 13)],
        errors=[FileError("tests/broken.py", "cannot decode as utf-8: invalid start byte")],
        sources={"tests/test_ws.py": WS_SOURCE},
    )
    assert render(result, quiet=True) == (
        "tests/test_ws.py:12:40: GP101 `extra_headers` is not accepted by websockets 14; use `additional_headers`\n"
        "tests/test_a.py:3:5: GP301 prefer-marker here\n"
        "error: tests/broken.py: cannot decode as utf-8: invalid start byte\n"
    )


def test_text_quiet_without_findings_prints_nothing():
    assert render(CheckResult(), quiet=True) == ""


def test_text_no_findings():
    assert render(CheckResult(files_checked=12)) == "All checks passed.\n"


def test_text_errors_only():
    result = CheckResult(
        errors=[
            FileError("tests/a.py", "cannot decode as utf-8: invalid start byte"),
            FileError("tests/b.py", "permission denied"),
        ]
    )
    assert render(result) == (
        "error: tests/a.py: cannot decode as utf-8: invalid start byte\n"
        "error: tests/b.py: permission denied\n"
        "\n"
        "Found 0 findings. 2 files could not be checked.\n"
    )


def test_text_findings_and_one_error():
    result = CheckResult(findings=[headers_finding()], errors=[FileError("tests/b.py", "permission denied")])
    assert render(result) == (
        "tests/test_ws.py:12:40: GP101 `extra_headers` is not accepted by websockets 14; use `additional_headers`\n"
        "\n"
        "error: tests/b.py: permission denied\n"
        "\n"
        "Found 1 finding. 1 file could not be checked.\n"
    )


def test_text_multiline_span_underlines_to_end_of_first_line():
    source = ["def test_a():", "    with pytest.raises(", "        ValueError", "    ):"]
    result = CheckResult(findings=[make_finding("GP301", 2, 10, 4, 6)], sources={"tests/test_a.py": source})
    assert render(result) == (
        "tests/test_a.py:2:10: GP301 prefer-marker here\n"
        "  |\n"
        "2 |     with pytest.raises(\n"
        "  |          ^^^^^^^^^^^^^^\n"
        "\n"
        "Found 1 finding.\n"
    )


def test_text_non_ascii_line_aligns_carets_by_display_width():
    # Columns count characters; the frame counts terminal cells, so each wide
    # CJK character takes two carets and `é` takes one.
    source = ['    assert "日本é" == f(extra_headers=1)']
    finding = make_finding("GP101", 1, 13, 1, 16, path="t.py", message="sp\u00e9cial")
    assert source[0][12:15] == "日本é"
    assert render(CheckResult(findings=[finding], sources={"t.py": source})) == (
        "t.py:1:13: GP101 spécial\n"
        "  |\n"
        '1 |     assert "日本é" == f(extra_headers=1)\n'
        "  |             ^^^^^\n"
        "\n"
        "Found 1 finding.\n"
    )


def test_text_carets_after_wide_characters_and_tabs_stay_aligned():
    source = ['\tx = "日本"; bad()']
    finding = make_finding("GP301", 1, 12, 1, 17, path="t.py")
    assert source[0][11:16] == "bad()"
    assert render(CheckResult(findings=[finding], sources={"t.py": source})).splitlines()[2:4] == [
        '1 |     x = "日本"; bad()',
        "  |                 ^^^^^",
    ]


def test_text_finding_whose_file_is_missing_from_sources_has_no_frame():
    result = CheckResult(findings=[headers_finding(rename_fix())], sources={"other.py": ["x"]})
    assert render(result) == (
        "tests/test_ws.py:12:40: GP101 `extra_headers` is not accepted by websockets 14; use `additional_headers`\n"
        "   = fix (safe): rename `extra_headers` to `additional_headers`\n"
        "\n"
        "Found 1 finding (1 fixable with `goldenpath-audit fix`).\n"
    )


def test_text_line_beyond_source_has_no_frame():
    result = CheckResult(findings=[headers_finding()], sources={"tests/test_ws.py": ["only one line"]})
    assert render(result).splitlines()[1] == ""


def test_text_gutter_widens_with_line_number_and_point_past_end_of_line():
    source = [""] * 99 + ["def test_broken(:"]
    finding = make_finding("GP001", 100, 19, 100, 19, path="t.py", message="invalid syntax")
    assert render(CheckResult(findings=[finding], sources={"t.py": source})) == (
        "t.py:100:19: GP001 invalid syntax\n"
        "    |\n"
        "100 | def test_broken(:\n"
        "    |                   ^\n"
        "\n"
        "Found 1 finding.\n"
    )


def test_text_control_characters_are_shown_not_sent_to_the_terminal():
    source = ['x = "\x1b[31mred"; bad()']
    finding = make_finding("GP301", 1, 17, 1, 22, path="t.py", message="line\nbreak")
    output = render(CheckResult(findings=[finding], sources={"t.py": source}))
    assert "\x1b" not in output
    assert output.splitlines()[:4] == [
        "t.py:1:17: GP301 line\u240abreak",
        "  |",
        '1 | x = "\u241b[31mred"; bad()',
        "  |                 ^^^^^",
    ]


def test_text_colour_only_when_asked():
    result = CheckResult(
        findings=[headers_finding(rename_fix())],
        errors=[FileError("b.py", "permission denied")],
        sources={"tests/test_ws.py": WS_SOURCE},
    )
    plain = render(result)
    coloured = render(result, color=True)
    assert "\x1b" not in plain
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == plain


def test_text_colour_ignores_no_color_once_the_caller_decided(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    assert "\x1b[" in render(CheckResult(), color=True)


def test_text_statistics():
    result = CheckResult(
        findings=[
            make_finding("GP301", 1, 1, 1, 2),
            headers_finding(rename_fix(), path="a.py"),
            headers_finding(rename_fix(), path="b.py"),
            make_finding("GP201", 1, 1, 1, 2, fix=rename_fix()),
            make_finding("GP201", 2, 1, 2, 2, fix=rename_fix(Applicability.UNSAFE)),
        ],
        errors=[FileError("c.py", "permission denied")],
        sources={"tests/test_ws.py": WS_SOURCE},
    )
    assert render(result, statistics=True) == (
        "    2  GP101  websockets-extra-headers  [*]\n"
        "    2  GP201  slow-timeout              [ ]\n"
        "    1  GP301  prefer-marker             [ ]\n"
        "\n"
        "error: c.py: permission denied\n"
        "\n"
        "Found 5 findings (3 fixable with `goldenpath-audit fix`, 1 more with `--unsafe-fixes`)."
        " 1 file could not be checked.\n"
    )


def test_text_statistics_quiet_and_empty():
    result = CheckResult(findings=[make_finding("GP301", 1, 1, 1, 2)])
    assert render(result, statistics=True, quiet=True) == "    1  GP301  prefer-marker  [ ]\n"
    assert render(CheckResult(), statistics=True) == "All checks passed.\n"


# --- json -------------------------------------------------------------------


def json_result() -> CheckResult:
    return CheckResult(
        findings=[
            headers_finding(rename_fix()),
            make_finding("GP301", 3, 5, 4, 1, message='caf\u00e9 "quoted"'),
        ],
        errors=[FileError("tests/broken.py", "cannot decode as utf-8")],
        sources={"tests/test_ws.py": WS_SOURCE},
    )


def test_json_exact_document():
    assert render(json_result(), "json") == (
        "{\n"
        '  "version": 1,\n'
        '  "findings": [\n'
        "    {\n"
        '      "code": "GP101",\n'
        '      "name": "websockets-extra-headers",\n'
        '      "path": "tests/test_ws.py",\n'
        '      "line": 12,\n'
        '      "column": 40,\n'
        '      "end_line": 12,\n'
        '      "end_column": 53,\n'
        '      "message": "`extra_headers` is not accepted by websockets 14; use `additional_headers`",\n'
        '      "severity": "error",\n'
        '      "fix": {\n'
        '        "applicability": "safe",\n'
        '        "message": "rename `extra_headers` to `additional_headers`"\n'
        "      }\n"
        "    },\n"
        "    {\n"
        '      "code": "GP301",\n'
        '      "name": "prefer-marker",\n'
        '      "path": "tests/test_a.py",\n'
        '      "line": 3,\n'
        '      "column": 5,\n'
        '      "end_line": 4,\n'
        '      "end_column": 1,\n'
        '      "message": "caf\\u00e9 \\"quoted\\"",\n'
        '      "severity": "info",\n'
        '      "fix": null\n'
        "    }\n"
        "  ],\n"
        '  "errors": [\n'
        "    {\n"
        '      "path": "tests/broken.py",\n'
        '      "message": "cannot decode as utf-8"\n'
        "    }\n"
        "  ]\n"
        "}\n"
    )


def test_json_ignores_text_options():
    assert render(json_result(), "json", quiet=True, statistics=True, color=True) == render(json_result(), "json")


@pytest.mark.parametrize("result", [json_result(), CheckResult()], ids=["findings", "empty"])
def test_json_output_matches_its_schema(result):
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(json.loads(render(result, "json")))


def test_json_schema_rejects_unknown_keys():
    document = json.loads(render(json_result(), "json"))
    document["findings"][0]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(load_schema()).validate(document)


# --- sarif ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def sarif_result_set() -> CheckResult:
    return CheckResult(
        findings=[
            headers_finding(rename_fix()),
            headers_finding(rename_fix(edits=False), path="tests/with space/t\u00e9st.py"),
            make_finding("GP201", 2, 16, 2, 19),
            make_finding("GP301", 3, 5, 4, 1),
            make_finding("GP999", 1, 1, 1, 2, name="unregistered", severity=Severity.WARNING),
        ],
        errors=[FileError("tests/broken.py", "cannot decode as utf-8")],
    )


def test_sarif_validates_against_the_sarif_schema(sarif_validator, tmp_path):
    log = json.loads(render(sarif_result_set(), "sarif", cwd=tmp_path))
    sarif_validator.validate(log)
    assert json.loads(render(CheckResult(), "sarif", cwd=tmp_path))["runs"][0]["results"] == []
    sarif_validator.validate(json.loads(render(CheckResult(), "sarif", cwd=tmp_path)))


def test_sarif_run_header_and_rules(tmp_path):
    output = render(sarif_result_set(), "sarif", cwd=tmp_path)
    assert output.endswith("}\n")
    log = json.loads(output)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "goldenpath-audit"
    assert driver["version"] == goldenpath_audit.__version__
    assert driver["informationUri"] == "https://github.com/goldenpath-audit/goldenpath-audit"
    assert [rule["id"] for rule in driver["rules"]] == ["GP001", "GP101", "GP201", "GP301"]
    assert driver["rules"][1] == {
        "id": "GP101",
        "name": "websockets-extra-headers",
        "shortDescription": {"text": HeadersRule.SUMMARY},
        "fullDescription": {"text": HeadersRule.SUMMARY},
        "help": {"text": HeadersRule.documentation(), "markdown": HeadersRule.documentation()},
        "defaultConfiguration": {"level": "error"},
        "properties": {"fix": "safe"},
    }
    levels = [rule["defaultConfiguration"]["level"] for rule in driver["rules"]]
    assert levels == ["error", "error", "warning", "note"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.as_uri() + "/"}}
    assert run["invocations"] == [
        {
            "executionSuccessful": True,
            "toolExecutionNotifications": [
                {
                    "level": "error",
                    "message": {"text": "cannot decode as utf-8"},
                    "locations": [
                        {"physicalLocation": {"artifactLocation": {"uri": "tests/broken.py", "uriBaseId": "%SRCROOT%"}}}
                    ],
                }
            ],
        }
    ]


def test_sarif_results_rule_index_and_fixes(tmp_path):
    run = json.loads(render(sarif_result_set(), "sarif", cwd=tmp_path))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    for result in results:
        if "ruleIndex" in result:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert [(r["ruleId"], r.get("ruleIndex"), r["level"]) for r in results] == [
        ("GP101", 1, "error"),
        ("GP101", 1, "error"),
        ("GP201", 2, "warning"),
        ("GP301", 3, "note"),
        ("GP999", None, "warning"),
    ]
    assert results[0] == {
        "ruleId": "GP101",
        "ruleIndex": 1,
        "level": "error",
        "message": {"text": "`extra_headers` is not accepted by websockets 14; use `additional_headers`"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "tests/test_ws.py", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 12, "startColumn": 40, "endLine": 12, "endColumn": 53},
                }
            }
        ],
        "fixes": [
            {
                "description": {"text": "rename `extra_headers` to `additional_headers`"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": "tests/test_ws.py", "uriBaseId": "%SRCROOT%"},
                        "replacements": [
                            {
                                "deletedRegion": {"startLine": 12, "startColumn": 40, "endLine": 12, "endColumn": 53},
                                "insertedContent": {"text": "additional_headers"},
                            }
                        ],
                    }
                ],
            }
        ],
    }
    # A fix without textual edits cannot be expressed as a SARIF fix.
    assert "fixes" not in results[1]
    assert results[1]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "tests/with%20space/t%C3%A9st.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert results[3]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 5,
        "endLine": 4,
        "endColumn": 1,
    }


def test_sarif_absolute_path_becomes_file_uri(sarif_validator, tmp_path):
    result = CheckResult(findings=[headers_finding(path="/srv/other/test_x.py")])
    log = json.loads(render(result, "sarif", cwd=tmp_path))
    sarif_validator.validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "file:///srv/other/test_x.py"}


def test_sarif_defaults_srcroot_to_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = json.loads(render(CheckResult(), "sarif"))["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.absolute().as_uri() + "/"


# --- github -----------------------------------------------------------------


def test_github_annotations():
    result = CheckResult(
        findings=[
            headers_finding(rename_fix()),
            make_finding("GP201", 2, 16, 2, 19),
            make_finding("GP301", 3, 5, 4, 1),
        ],
        errors=[FileError("tests/broken.py", "cannot decode as utf-8")],
    )
    assert render(result, "github") == (
        "::error file=tests/test_ws.py,line=12,col=40,endLine=12,endColumn=53,title=GP101 websockets-extra-headers"
        "::`extra_headers` is not accepted by websockets 14; use `additional_headers`\n"
        "::warning file=tests/test_a.py,line=2,col=16,endLine=2,endColumn=19,title=GP201 slow-timeout"
        "::slow-timeout here\n"
        "::notice file=tests/test_a.py,line=3,col=5,endLine=4,endColumn=1,title=GP301 prefer-marker"
        "::prefer-marker here\n"
        "::error file=tests/broken.py,title=goldenpath-audit::cannot decode as utf-8\n"
    )


def test_github_escapes_paths_and_messages():
    finding = headers_finding(path="tests/a,b:c%d\ne.py", message="100% sure: a, b\r\nnext line")
    error = FileError("x:y,z%.py", "bad\nbyte: 50%")
    assert render(CheckResult(findings=[finding], errors=[error]), "github") == (
        "::error file=tests/a%2Cb%3Ac%25d%0Ae.py,line=12,col=40,endLine=12,endColumn=53,"
        "title=GP101 websockets-extra-headers::100%25 sure: a, b%0D%0Anext line\n"
        "::error file=x%3Ay%2Cz%25.py,title=goldenpath-audit::bad%0Abyte: 50%25\n"
    )


def test_github_escape_order_does_not_double_escape():
    assert escape_data("%0A\n") == "%250A%0A"
    assert escape_property("a:%3A,") == "a%3A%253A%2C"


def test_github_no_findings_prints_nothing():
    assert render(CheckResult(), "github") == ""


# --- dispatch ---------------------------------------------------------------


def test_formats_and_unknown_format():
    assert FORMATS == ("text", "json", "sarif", "github")
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render(CheckResult(), "xml")
