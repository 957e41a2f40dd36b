"""The benchmark harness: bench/make_corpus.py is deterministic and realistic, bench/run.py runs end to end."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
BIN = Path(sys.executable).parent


def _load_make_corpus():
    spec = importlib.util.spec_from_file_location("bench_make_corpus", BENCH / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_corpus = _load_make_corpus()


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _test_modules(root: Path) -> list[Path]:
    return sorted((root / "tests").rglob("test_*.py"))


@pytest.fixture(scope="module")
def corpus200(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus200")
    make_corpus.make_corpus(200, root, seed=0)
    return root


def test_same_seed_gives_identical_trees_and_other_seeds_differ(tmp_path: Path, corpus200: Path) -> None:
    # Through the command line, as documented.
    again = tmp_path / "again"
    subprocess.run(
        [sys.executable, str(BENCH / "make_corpus.py"), "--files", "200", "--out", str(again), "--seed", "0"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert _tree_digest(again) == _tree_digest(corpus200)

    other = tmp_path / "other"
    make_corpus.make_corpus(200, other, seed=1)
    first, second = _tree_digest(corpus200), _tree_digest(other)
    assert first.keys() == second.keys()
    assert sum(first[k] != second[k] for k in first) > 150


def test_file_count_and_size(tmp_path: Path) -> None:
    counts = make_corpus.make_corpus(1000, tmp_path, seed=3)
    modules = _test_modules(tmp_path)
    assert len(modules) == counts["test_files"] == 1000
    assert 300 <= counts["lines"] / 1000 <= 500  # about 400 lines per module
    # About one syntax error per 1000 files, and every other module parses.
    broken = []
    for path in modules:
        try:
            ast.parse(path.read_bytes(), filename=str(path))
        except SyntaxError:
            broken.append(path)
    assert 1 <= len(broken) <= 3
    for path in [*tmp_path.rglob("conftest.py"), *(tmp_path / "app").rglob("*.py")]:
        ast.parse(path.read_bytes())


def test_small_corpus_has_the_intended_features(corpus200: Path) -> None:
    assert len(_test_modules(corpus200)) == 200
    pyproject = (corpus200 / "pyproject.toml").read_text()
    assert "[tool.pytest.ini_options]" in pyproject
    assert '"websockets>=14"' in pyproject and '"pytest-asyncio>=1.0"' in pyproject
    conftests = list(corpus200.rglob("conftest.py"))
    assert conftests and all("def pytest_configure" in p.read_text() for p in conftests)
    assert (corpus200 / "app" / "__init__.py").is_file()

    registered = set(re.findall(r'^\s+"(\w+):', pyproject, re.MULTILINE))
    for conftest in conftests:
        registered |= set(re.findall(r'addinivalue_line\("markers", "(\w+):', conftest.read_text()))
    builtin = {"parametrize", "skip", "skipif", "xfail", "usefixtures", "filterwarnings", "asyncio"}

    text = "\n".join(p.read_text() for p in _test_modules(corpus200))
    assert "extra_headers=" in text and "additional_headers=" in text
    assert "class Test" in text and "@pytest.fixture" in text and "@pytest.mark.parametrize(" in text
    used = set(re.findall(r"@pytest\.mark\.(\w+)", text))
    assert used - registered - builtin, "no unregistered markers"
    assert used & registered, "no registered markers"
    assert "from app.models import" in text  # a first-party import that resolves
    broken = re.findall(r"^(?:from|import) (app\.\w+)", text, re.MULTILINE)
    assert any(not (corpus200 / (m.replace(".", "/") + ".py")).exists() for m in broken), "no broken import"


def test_check_reports_the_seeded_problems(corpus200: Path) -> None:
    gp = BIN / "goldenpath-audit"
    if not gp.exists():
        pytest.skip("goldenpath-audit is not installed next to this Python")
    work = corpus200.parent / "corpus200-check"
    shutil.copytree(corpus200, work)
    proc = subprocess.run(
        [str(gp), "check", "--output-format", "json"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    codes = {finding["code"] for finding in json.loads(proc.stdout)["findings"]}
    assert {"GP101", "GP201", "GP302", "GP001"} <= codes


def test_run_py_end_to_end(tmp_path: Path) -> None:
    if not (BIN / "ruff").exists() and shutil.which("ruff") is None:
        pytest.skip("ruff is not installed (pip install '.[bench]')")
    proc = subprocess.run(
        # --files 50 (200 files at 4x) rather than 200: a cold check of 800 files alone takes ~30 s today.
        [sys.executable, str(BENCH / "run.py"), "--quick", "--runs", "1", "--files", "50"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "| scenario" in out and "machine: nproc" in out
    scenarios = (
        "1. cold check, 50 files",
        "2. warm check",
        "3. one file edited",
        "4. pre-commit",
        "5. peak memory",
        "6. scaling, cold 200 / 50 files",
    )
    for scenario in scenarios:
        assert scenario in out
    assert re.search(r"\| (pass|FAIL|n/a) +\|", out)
    assert not any(p.name.startswith("goldenpath-bench-") for p in tmp_path.iterdir()), "temp corpora left behind"
