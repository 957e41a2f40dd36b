"""Every rule's embedded VALID/INVALID examples, run through the real engine and fixer."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_engine, write_tree
from goldenpath_audit.auditor.fixer import apply_fixes
from goldenpath_audit.rules import ALL_RULES
from goldenpath_audit.rules.base import Example

CASES = [
    pytest.param(rule, example, id=f"{code}-{kind}-{index}")
    for code, rule in ALL_RULES.items()
    for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID))
    for index, example in enumerate(examples)
]


def _run(tmp_path: Path, code: str, example: Example):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {**example.files, "test_example.py": example.source})
    result = run_engine(tmp_path, websockets_version=example.options.get("websockets-version"), select=[code])
    return result


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_example(rule, example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run(tmp_path, rule.CODE, example)
    assert [f.code for f in result.findings] == [rule.CODE] * example.findings, result.findings
    if example.findings == 0:
        return
    report = apply_fixes(result, tmp_path, unsafe=example.unsafe_fixes, write=True)
    after = (tmp_path / "test_example.py").read_text(encoding="utf-8")
    assert not report.errors
    assert after == (example.fixed if example.fixed is not None else example.source)


def test_every_rule_is_documented_and_has_examples() -> None:
    for code, rule in ALL_RULES.items():
        assert rule.NAME and rule.SUMMARY and rule.WHAT_IT_DOES and rule.WHY, code
        assert rule.FIX in {"safe", "unsafe", "sometimes", "none"}, code
        if code != "GP001":
            assert rule.VALID and rule.INVALID, code
        documentation = rule.documentation()
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
            assert heading in documentation, (code, heading)
