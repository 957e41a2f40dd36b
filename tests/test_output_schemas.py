"""Machine-readable output of real runs, checked against the schemas it promises.

- SARIF validates against the official SARIF 2.1.0 schema (shipped in
  tests/fixtures) for the bundled demo (where every rule but GP001 fires),
  every rule's INVALID examples and runs with unreadable files; and every SARIF
  `fixes` entry, applied as a SARIF consumer applies it, gives exactly what
  `goldenpath-audit fix` writes for that finding (no partial fixes).
- JSON validates against `findings.schema.json`, which is strict enough that
  an added, removed or renamed key fails, and which the README documents.
- GitHub annotations escape paths and messages byte for byte as the runner
  expects.

`tests/test_reporters.py` pins the exact documents built from hand-made findings.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import run_engine, write_tree
from goldenpath_audit.auditor.findings import CheckResult, FileError, Finding, Severity
from goldenpath_audit.auditor.reporters import report
from goldenpath_audit.auditor.reporters.json_format import load_schema
from goldenpath_audit.codemods import CODEMODS, CONFIG_KINDS, apply_operations
from goldenpath_audit.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "golden-path-demo"
SARIF_SCHEMA = Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json"
JSON_SCHEMA_PATH = "goldenpath_audit/auditor/reporters/findings.schema.json"
CLI = [sys.executable, "-m", "goldenpath_audit"]
NEWLINE = re.compile(r"\r\n|\r|\n")


# -- helpers --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def json_validator() -> jsonschema.Draft202012Validator:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "GITHUB_"))}
    env.pop("PYTHONPATH", None)
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def render(result: CheckResult, fmt: str, cwd: Path) -> str:
    stream = io.StringIO()
    report(result, fmt, stream, rules=ALL_RULES, cwd=cwd)
    return stream.getvalue()


def apply_replacements(text: str, replacements: list[dict]) -> str:
    """Apply SARIF replacements (unicodeCodePoints columns) to the text they were computed on."""
    starts = [0] + [match.end() for match in NEWLINE.finditer(text)]

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    spans = []
    for replacement in replacements:
        region = replacement["deletedRegion"]
        start = offset(region["startLine"], region["startColumn"])
        end = offset(region["endLine"], region["endColumn"])
        spans.append((start, end, replacement["insertedContent"]["text"]))
    assert spans == sorted(spans, key=lambda span: span[:2]), "replacements are not in file order"
    for (_, end, _), (start, _, _) in zip(spans, spans[1:]):
        assert end <= start, "replacements overlap"
    for start, end, content in reversed(spans):
        text = text[:start] + content + text[end:]
    return text


def assert_sarif_fixes_match_the_fixer(result: CheckResult, log: dict, root: Path) -> set[str]:
    """Each result has `fixes` exactly when its fix has edits, and applying them is the codemod's output.

    Returns the codes whose results carry SARIF fixes.
    """
    (run,) = log["runs"]
    assert len(run["results"]) == len(result.findings)
    with_fixes: set[str] = set()
    for finding, sarif in zip(result.findings, run["results"]):
        assert sarif["ruleId"] == finding.code
        fix = finding.fix
        if fix is None or not fix.edits:
            assert "fixes" not in sarif, finding
            continue
        assert not any(op.kind in CONFIG_KINDS for op in fix.operations), "a config fix cannot have source edits"
        (sarif_fix,) = sarif["fixes"]
        assert sarif_fix["description"] == {"text": fix.message}
        (change,) = sarif_fix["artifactChanges"]
        assert change["artifactLocation"] == sarif["locations"][0]["physicalLocation"]["artifactLocation"]
        text = (root / finding.path).read_bytes().decode("utf-8")
        expected, _, missed = apply_operations(text, fix.operations, CODEMODS)
        assert missed == [], finding
        assert apply_replacements(text, change["replacements"]) == expected, (finding.code, finding.path, finding.line)
        with_fixes.add(finding.code)
    return with_fixes


# -- the bundled demo, through the real CLI -----------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("outputs") / "golden-path-demo"
    shutil.copytree(DEMO, copy)
    return copy


@pytest.fixture(scope="module")
def demo_sarif(demo: Path) -> dict:
    completed = cli(demo, "check", "--no-cache", "--output-format", "sarif")
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == ""
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def demo_json(demo: Path) -> dict:
    completed = cli(demo, "check", "--no-cache", "--output-format", "json")
    assert completed.returncode == 1, completed.stderr
    return json.loads(completed.stdout)


EVERY_RULE_BUT_GP001 = sorted(code for code in ALL_RULES if code != "GP001")


def test_demo_sarif_validates_and_covers_every_rule(demo_sarif: dict, sarif_validator) -> None:
    sarif_validator.validate(demo_sarif)
    (run,) = demo_sarif["runs"]
    assert sorted({result["ruleId"] for result in run["results"]}) == EVERY_RULE_BUT_GP001
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == sorted(ALL_RULES)
    assert run["invocations"][0]["toolExecutionNotifications"] == []
    fixed = [result for result in run["results"] if "fixes" in result]
    assert fixed, "the demo has fixes with a textual form"
    for result in fixed:
        for fix in result["fixes"]:
            assert fix["artifactChanges"] and all(change["replacements"] for change in fix["artifactChanges"])


def test_demo_json_validates_and_covers_every_rule(demo_json: dict, json_validator) -> None:
    json_validator.validate(demo_json)
    assert sorted({finding["code"] for finding in demo_json["findings"]}) == EVERY_RULE_BUT_GP001
    assert demo_json["errors"] == []
    assert {finding["fix"]["applicability"] for finding in demo_json["findings"] if finding["fix"]} == {"safe", "unsafe"}


def test_demo_json_and_sarif_report_the_same_findings(demo_json: dict, demo_sarif: dict) -> None:
    from_json = [
        (f["code"], f["path"], f["line"], f["column"], f["end_line"], f["end_column"], f["message"])
        for f in demo_json["findings"]
    ]
    from_sarif = []
    for result in demo_sarif["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        from_sarif.append(
            (
                result["ruleId"],
                location["artifactLocation"]["uri"],
                region["startLine"],
                region["startColumn"],
                region["endLine"],
                region["endColumn"],
                result["message"]["text"],
            )
        )
    assert from_sarif == from_json  # the demo's paths need no percent-encoding


def test_demo_sarif_fixes_apply_exactly_like_the_fixer(
    demo: Path, demo_sarif: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo)
    result = run_engine(demo)
    result.sort()
    log = json.loads(render(result, "sarif", demo))
    assert log["runs"][0]["results"] == demo_sarif["runs"][0]["results"]  # the CLI's document
    with_fixes = assert_sarif_fixes_match_the_fixer(result, log, demo)
    assert {"GP101", "GP104", "GP105", "GP106", "GP202", "GP206", "GP208"} <= with_fixes


# -- every rule's INVALID examples, in-process ----------------------------------------------

INVALID_EXAMPLES = [
    pytest.param(rule, example, id=f"{code}-invalid-{index}")
    for code, rule in ALL_RULES.items()
    for index, example in enumerate(rule.INVALID)
]


@pytest.mark.parametrize(("rule", "example"), INVALID_EXAMPLES)
def test_rule_examples_validate_and_their_sarif_fixes_apply(
    rule, example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sarif_validator, json_validator
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {**example.files, "test_example.py": example.source})
    result = run_engine(tmp_path, websockets_version=example.options.get("websockets-version"), select=[rule.CODE])
    result.sort()
    assert len(result.findings) == example.findings
    json_validator.validate(json.loads(render(result, "json", tmp_path)))
    log = json.loads(render(result, "sarif", tmp_path))
    sarif_validator.validate(log)
    assert_sarif_fixes_match_the_fixer(result, log, tmp_path)


# -- GP105 / GP106 textual edits: the cases where text and libcst could differ ---------------

WS = "import websockets\n\n"
CONNECT = "async def f(uri):\n    async with websockets.connect(uri) as ws:\n"

EDIT_CASES = {
    "own-parentheses-kept": WS + CONNECT + "        assert (ws.open) == True\n",
    "comparison-operand-wrapped": WS + CONNECT + "        assert ws.closed != x\n",
    "not-check": WS + CONNECT + "        assert not  ws.closed\n",
    "attribute-of-result-wrapped": WS + CONNECT + "        print(ws.open.real, ws.path)\n",
    "after-docstring-future-and-joined-imports": (
        '"""Doc."""\nfrom __future__ import annotations\nimport os; import sys  # two on a line\n'
        "import websockets\n# a comment\n\n" + CONNECT + "        assert ws.open\n"
    ),
    "crlf-newlines": (WS + CONNECT + "        assert ws.open\n").replace("\n", "\r\n"),
    "non-ascii-before-the-attribute": WS + CONNECT + "        assert ('日本', ws.open)\n",
    "exception-through-module-alias": (
        "import websockets.exceptions as wse\n\ntry:\n    f()\nexcept wse.InvalidStatusCode as e:\n"
        "    print(e.status_code, e.headers)\n"
    ),
}


@pytest.mark.parametrize("source", EDIT_CASES.values(), ids=EDIT_CASES.keys())
def test_connection_rule_edits_match_the_codemod(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sarif_validator
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "test_example.py").write_bytes(source.encode("utf-8"))
    result = run_engine(tmp_path, select=["GP105", "GP106"])
    result.sort()
    assert result.findings and all(f.fix is not None and f.fix.edits for f in result.findings), result.findings
    log = json.loads(render(result, "sarif", tmp_path))
    sarif_validator.validate(log)
    assert assert_sarif_fixes_match_the_fixer(result, log, tmp_path)


NO_EDIT_CASES = {
    # libcst puts the import after the file's header, which `ast` cannot see: no SARIF fix.
    "no-leading-import": "x = 1\n" + WS + CONNECT + "        assert ws.open\n",
    # Implicit concatenation is not a docstring for libcst: same.
    "concatenated-docstring": '"a" "b"\n' + WS + CONNECT + "        assert ws.open\n",
}


@pytest.mark.parametrize("source", NO_EDIT_CASES.values(), ids=NO_EDIT_CASES.keys())
def test_state_check_without_a_certain_import_place_has_no_sarif_fix(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sarif_validator
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "test_example.py").write_text(source, encoding="utf-8")
    result = run_engine(tmp_path, select=["GP106"])
    (finding,) = result.findings
    assert finding.fix is not None and finding.fix.edits == ()
    log = json.loads(render(result, "sarif", tmp_path))
    sarif_validator.validate(log)
    assert "fixes" not in log["runs"][0]["results"][0]
    assert json.loads(render(result, "json", tmp_path))["findings"][0]["fix"]["applicability"] == "safe"


# -- runs with files that cannot be checked ------------------------------------------------


def test_errors_and_fixes_validate_in_both_formats(tmp_path: Path, sarif_validator, json_validator) -> None:
    (tmp_path / ".git").mkdir()
    write_tree(
        tmp_path,
        {
            "tests/test_ws.py": "import websockets\nwebsockets.connect(u, extra_headers=h)\n",
            "tests/test_broken.py": "import websockets\nwebsockets.connect(u, extra_headers=(\n",
        },
    )
    (tmp_path / "tests" / "test_latin.py").write_bytes(b"x = '\xff'  # extra_headers\n")
    sarif = cli(tmp_path, "check", "--no-cache", "--output-format", "sarif")
    assert sarif.returncode == 1, sarif.stderr
    log = json.loads(sarif.stdout)
    sarif_validator.validate(log)
    (run,) = log["runs"]
    assert [(r["ruleId"], "fixes" in r) for r in run["results"]] == [("GP001", False), ("GP101", True)]
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "tests/test_latin.py"

    document = cli(tmp_path, "check", "--no-cache", "--output-format", "json")
    assert document.returncode == 1
    data = json.loads(document.stdout)
    json_validator.validate(data)
    assert [error["path"] for error in data["errors"]] == ["tests/test_latin.py"]
    assert data["errors"][0]["message"].startswith("cannot decode as utf-8")
    assert [(f["code"], f["fix"] is not None) for f in data["findings"]] == [("GP001", False), ("GP101", True)]


# -- the JSON schema itself ------------------------------------------------------------------


def _object_schemas(node, where: str = "#"):
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield where, node
        for key, value in node.items():
            yield from _object_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _object_schemas(value, f"{where}/{index}")


def test_json_schema_is_strict_everywhere() -> None:
    """Every object: no unknown keys, and every documented key required, so drift fails validation."""
    objects = dict(_object_schemas(load_schema()))
    assert set(objects) == {"#", "#/$defs/finding", "#/$defs/fix", "#/$defs/error"}
    for where, schema in objects.items():
        assert schema["additionalProperties"] is False, where
        assert sorted(schema["required"]) == sorted(schema["properties"]), where


def _finding_document() -> dict:
    return {
        "version": 1,
        "findings": [
            {
                "code": "GP101",
                "name": "websockets-extra-headers",
                "path": "tests/test_ws.py",
                "line": 2,
                "column": 23,
                "end_line": 2,
                "end_column": 36,
                "message": "m",
                "severity": "error",
                "fix": {"applicability": "safe", "message": "rename"},
            }
        ],
        "errors": [{"path": "tests/x.py", "message": "cannot decode"}],
    }


MUTATIONS = {
    "extra-top-level-key": lambda d: d.update(extra=1),
    "version-2": lambda d: d.update(version=2),
    "extra-finding-key": lambda d: d["findings"][0].update(edits=[]),
    "missing-finding-key": lambda d: d["findings"][0].pop("end_column"),
    "renamed-finding-key": lambda d: d["findings"][0].update(col=d["findings"][0].pop("column")),
    "unknown-severity": lambda d: d["findings"][0].update(severity="fatal"),
    "zero-line": lambda d: d["findings"][0].update(line=0),
    "lowercase-code": lambda d: d["findings"][0].update(code="gp101"),
    "extra-fix-key": lambda d: d["findings"][0]["fix"].update(edits=[]),
    "unknown-applicability": lambda d: d["findings"][0]["fix"].update(applicability="maybe"),
    "missing-error-key": lambda d: d["errors"][0].pop("message"),
    "extra-error-key": lambda d: d["errors"][0].update(line=1),
}


def test_json_schema_accepts_the_reference_document(json_validator) -> None:
    json_validator.validate(_finding_document())


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_json_schema_rejects_drift(mutate, json_validator) -> None:
    document = _finding_document()
    mutate(document)
    with pytest.raises(jsonschema.ValidationError):
        json_validator.validate(document)


def test_readme_documents_the_json_format() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### JSON output", 1)[1].split("\n### ", 1)[0]
    assert JSON_SCHEMA_PATH in section
    schema = load_schema()
    names = set(schema["properties"])
    for definition in schema["$defs"].values():
        names |= set(definition["properties"])
    for name in sorted(names):
        assert f"`{name}`" in section, name
    assert (ROOT / JSON_SCHEMA_PATH).is_file()


# -- GitHub annotations, byte for byte ---------------------------------------------------------


def test_github_annotation_for_a_path_with_comma_and_colon(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"tests/test_a,b:c.py": "import websockets\nwebsockets.connect(u, extra_headers=h)\n"})
    completed = cli(tmp_path, "check", "--no-cache", "--output-format", "github")
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.encode("utf-8") == (
        b"::error file=tests/test_a%2Cb%3Ac.py,line=2,col=23,endLine=2,endColumn=36,"
        b"title=GP101 websockets-extra-headers::"
        b"`websockets.connect` is the new asyncio client (no websockets requirement found; assuming the newest"
        b" release), which has no `extra_headers`: the call fails when the connection opens;"
        b" use `additional_headers`\n"
    )


def test_github_annotation_escapes_message_newlines_and_percent(tmp_path: Path) -> None:
    finding = Finding(
        code="GP101",
        name="websockets-extra-headers",
        path="tests/test_a,b:c.py",
        line=2,
        column=23,
        end_line=3,
        end_column=1,
        message="100% broken:\nline two,\r\nline three %0A",
        severity=Severity.WARNING,
    )
    error = FileError("tests/bad:1,%.py", "cannot decode\nat 50%")
    output = render(CheckResult(findings=[finding], errors=[error]), "github", tmp_path)
    assert output.encode("utf-8") == (
        b"::warning file=tests/test_a%2Cb%3Ac.py,line=2,col=23,endLine=3,endColumn=1,"
        b"title=GP101 websockets-extra-headers::100%25 broken:%0Aline two,%0D%0Aline three %250A\n"
        b"::error file=tests/bad%3A1%2C%25.py,title=goldenpath-audit::cannot decode%0Aat 50%25\n"
    )
    # One annotation per line: nothing a message contains can start another command.
    assert len(output.splitlines()) == 2
