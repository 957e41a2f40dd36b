"""Benchmark goldenpath-audit against ruff on generated pytest corpora.

    python bench/run.py                  # 10,000 and 40,000 files, median of 3 runs
    python bench/run.py --quick --runs 1 # 1,000 and 4,000 files, one run each
    python bench/run.py --check          # exit 1 when a target is missed

Builds two corpora with bench/make_corpus.py (1x and 4x) in a temporary
directory, times each scenario with the goldenpath-audit and ruff executables
that sit next to this Python interpreter, and prints one table. See
bench/README.md for what each scenario measures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus

BIN = Path(sys.executable).parent

# Runs argv[1:] and prints "<seconds> <returncode> <max RSS of the child in KiB>".
# Run in its own interpreter so RUSAGE_CHILDREN covers only the measured command.
MEASURE = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
sys.stderr.write(proc.stderr.decode("utf-8", "replace")[-2000:])
print(elapsed, proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@dataclass
class Measurement:
    seconds: float
    returncode: int
    max_rss_kib: int


@dataclass
class Row:
    scenario: str
    ours: str
    reference: str
    ratio: str
    target: str
    passed: bool | None  # None: not applicable / informational


def find_executable(name: str) -> Path | None:
    candidate = BIN / name
    if candidate.exists():
        return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def measure(cmd: list[str], cwd: Path, ok_codes: tuple[int, ...] = (0, 1)) -> Measurement:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, *cmd], cwd=cwd, capture_output=True, text=True, check=False
    )
    try:
        seconds, rc, rss = proc.stdout.split()
        result = Measurement(float(seconds), int(rc), int(rss))
    except ValueError:
        raise SystemExit(f"could not measure {cmd!r}:\n{proc.stdout}\n{proc.stderr}") from None
    if result.returncode not in ok_codes:
        raise SystemExit(f"{' '.join(cmd)} exited with {result.returncode} in {cwd}:\n{proc.stderr}")
    return result


def median_of(runs: int, cmd: list[str], cwd: Path, before=None) -> tuple[float, int]:
    """Median seconds and the largest max RSS (KiB) over `runs` runs."""
    times, peak = [], 0
    for i in range(runs):
        if before is not None:
            before(i)
        m = measure(cmd, cwd)
        times.append(m.seconds)
        peak = max(peak, m.max_rss_kib)
    return statistics.median(times), peak


def check_options(gp: Path) -> set[str]:
    help_text = subprocess.run(
        [str(gp), "check", "--help"], capture_output=True, text=True, check=False,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"},
    ).stdout
    return {opt for opt in ("--no-cache", "--cache-dir") if opt in help_text}


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    return f"nproc {nproc}, {cpu}, Python {platform.python_version()} ({platform.system()} {platform.machine()})"


def compile_package() -> None:
    """Write goldenpath-audit's bytecode before timing anything.

    An installed wheel has its `.pyc` files; an editable install under
    PYTHONDONTWRITEBYTECODE (or on a read-only tree) has none, and then every
    run recompiles the tool's modules (~0.1 s), which would dominate the
    pre-commit scenario and is a cost no user of a wheel pays.
    """
    code = "import compileall, os, goldenpath_audit; compileall.compile_dir(os.path.dirname(goldenpath_audit.__file__), quiet=1)"
    subprocess.run([sys.executable, "-c", code], check=False, stdout=subprocess.DEVNULL)


def version_of(exe: Path) -> str:
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def judge(value: float, limit: float, strict: bool = False) -> bool:
    return value < limit if strict else value <= limit


def print_table(rows: list[Row]) -> None:
    headers = ("scenario", "goldenpath-audit", "reference", "ratio", "target", "result")
    cells = [
        (r.scenario, r.ours, r.reference, r.ratio, r.target,
         "n/a" if r.passed is None else ("pass" if r.passed else "FAIL"))
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]

    def line(values: tuple[str, ...]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"

    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        print(line(c))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, help="test modules in the 1x corpus (default 10000; 1000 with --quick)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the median is reported (default 3)")
    parser.add_argument("--quick", action="store_true", help="1,000 and 4,000 files instead of 10,000 and 40,000")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--keep", action="store_true", help="keep the corpora and print where they are")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    files = args.files if args.files is not None else (1_000 if args.quick else 10_000)
    runs = max(1, args.runs)
    if files < 10:
        parser.error("--files must be at least 10")

    gp = find_executable("goldenpath-audit")
    ruff = find_executable("ruff")
    if gp is None:
        print("goldenpath-audit is not installed next to this Python", file=sys.stderr)
        return 1 if args.check else 0
    if ruff is None:
        print("ruff is not installed: pip install 'goldenpath-audit[bench]'", file=sys.stderr)
        return 1 if args.check else 0
    options = check_options(gp)
    has_cache = "--no-cache" in options
    compile_package()

    workdir = Path(tempfile.mkdtemp(prefix="goldenpath-bench-"))
    rows: list[Row] = []
    try:
        small, big = workdir / f"corpus-{files}", workdir / f"corpus-{files * 4}"
        for n, out in ((files, small), (files * 4, big)):
            start = time.perf_counter()
            counts = make_corpus(n, out, args.seed)
            print(f"corpus: {n} files, {counts['lines']:,} lines in {time.perf_counter() - start:.1f}s -> {out}",
                  file=sys.stderr)

        def gp_cmd(corpus: Path, *, cold: bool) -> list[str]:
            cmd = [str(gp), "check", "-q"]
            if cold and has_cache:
                cmd.append("--no-cache")
            if not cold and "--cache-dir" in options:
                cmd += ["--cache-dir", str(workdir / f"cache-{corpus.name}")]
            return cmd

        ruff_cmd = [str(ruff), "check", "--no-cache", "--select", "PT", "--output-format", "concise", "--exit-zero", "."]

        # Untimed pass so both tools start from a warm OS page cache.
        for corpus in (small, big):
            measure(ruff_cmd, corpus)
        print("timing... (this takes a while)", file=sys.stderr)

        # (1) + (5): cold check vs ruff, peak memory of the cold runs.
        cold1, cold1_rss = median_of(runs, [*gp_cmd(small, cold=True), "."], small)
        ruff1, ruff1_rss = median_of(runs, ruff_cmd, small)
        ratio = cold1 / ruff1
        rows.append(Row(f"1. cold check, {files} files", fmt_s(cold1), f"{fmt_s(ruff1)} (ruff --select PT)",
                        f"{ratio:.2f}x", "<= 2.0x", judge(ratio, 2.0)))

        # (2) warm, (3) one file edited: only when the tool has a cache.
        warm_cmd = [*gp_cmd(small, cold=False), "."]
        tests = sorted((small / "tests").glob("*/test_*.py"))
        edited = tests[len(tests) // 2]
        original = edited.read_bytes()
        if has_cache:
            measure(warm_cmd, small)  # populate the cache
            warm, _ = median_of(runs, warm_cmd, small)
            ratio = warm / ruff1
            rows.append(Row("2. warm check, nothing changed", fmt_s(warm), f"{fmt_s(ruff1)} (ruff cold)",
                            f"{ratio:.2f}x", "<= 0.5x", judge(ratio, 0.5)))

            def edit(i: int) -> None:
                edited.write_bytes(original + f"\n\ndef test_bench_edit_{i}():\n    assert {i} >= 0\n".encode())

            try:
                after_edit, _ = median_of(runs, warm_cmd, small, before=edit)
            finally:
                edited.write_bytes(original)
            measure(warm_cmd, small)  # re-warm with the original content
            ratio = after_edit / warm
            rows.append(Row("3. one file edited, check .", fmt_s(after_edit), f"{fmt_s(warm)} (warm)",
                            f"{ratio:.2f}x", "<= 1.2x", judge(ratio, 1.2)))
        else:
            rows.append(Row("2. warm check, nothing changed", "n/a (no cache)", f"{fmt_s(ruff1)} (ruff cold)",
                            "n/a", "<= 0.5x", None))
            rows.append(Row("3. one file edited, check .", "n/a (no cache)", "n/a", "n/a", "<= 1.2x", None))

        # (4) pre-commit shape: 10 named files inside the big tree, warm cache.
        named = [str(p.relative_to(small)) for p in tests[:: max(1, len(tests) // 10)][:10]]
        pre_cmd = [*gp_cmd(small, cold=False), *named]
        measure(pre_cmd, small)  # warm-up (and cache fill when there is one)
        pre, _ = median_of(runs, pre_cmd, small)
        imports, _ = median_of(runs, [sys.executable, "-c", "import typer, rich"], small)
        ratio = pre / imports
        rows.append(Row(f"4. pre-commit: 10 files{'' if has_cache else ' (no cache)'}", fmt_s(pre),
                        f"{fmt_s(imports)} (import typer, rich)", f"{ratio:.2f}x", "<= 2.0x", judge(ratio, 2.0)))

        mb = cold1_rss / 1024
        rows.append(Row("5. peak memory, cold check", f"{mb:.0f} MB", f"{ruff1_rss / 1024:.0f} MB (ruff)",
                        "n/a", "< 400 MB", judge(mb, 400, strict=True)))

        # (6) scaling: cold at 4x / cold at 1x.
        cold4, _ = median_of(runs, [*gp_cmd(big, cold=True), "."], big)
        ruff4, _ = median_of(runs, ruff_cmd, big)
        ratio = cold4 / cold1
        rows.append(Row(f"6. scaling, cold {files * 4} / {files} files", fmt_s(cold4), f"{fmt_s(cold1)} (1x)",
                        f"{ratio:.2f}x", "<= 4.4x", judge(ratio, 4.4)))
        rows.append(Row(f"   (info) cold check, {files * 4} files", fmt_s(cold4), f"{fmt_s(ruff4)} (ruff --select PT)",
                        f"{cold4 / ruff4:.2f}x", "-", None))
    finally:
        if args.keep:
            print(f"corpora kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"goldenpath-audit benchmark, {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {machine()}")
    print(f"tools: {version_of(gp)}; {version_of(ruff)}; cache: {'yes' if has_cache else 'no (--no-cache not found)'}")
    print(f"corpora: {files} and {files * 4} test modules (seed {args.seed}); median of {runs} run(s)")
    print()
    print_table(rows)
    failed = [r.scenario.strip() for r in rows if r.passed is False]
    print()
    print(f"{len(failed)} target(s) missed" + (f": {', '.join(failed)}" if failed else ""))
    return 1 if (args.check and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
