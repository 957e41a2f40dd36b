"""The `goldenpath-audit` command line (typer + rich, like bump-pydantic).

Exit codes: 0 no findings; 1 findings (or files that could not be checked);
2 usage or configuration error. No traceback ever reaches the user: expected
problems print one line, anything unexpected prints one line and exits 2.
"""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import NoReturn, Optional, TextIO

import typer

from goldenpath_audit import __version__
from goldenpath_audit.auditor.config import ConfigError, Settings, key_location, load_settings
from goldenpath_audit.auditor.findings import CheckResult
from goldenpath_audit.auditor.selection import SelectionError, parse_codes, validate_codes
from goldenpath_audit.rules import ALL_RULES, get_rule

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    name="goldenpath-audit",
    help="Audit pytest suites statically, and migrate them: websockets upgrades, markers, imports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(str, enum.Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


def fail(message: str) -> NoReturn:
    """Print a one-line usage or configuration error and exit 2."""
    print(f"goldenpath-audit: error: {message}", file=sys.stderr)
    raise typer.Exit(EXIT_ERROR)


def _version_callback(value: bool) -> None:
    if value:
        print(f"goldenpath-audit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Audit pytest suites statically, and migrate them."""


# Options shared by `check` and `fix`.
PathsArgument = typer.Argument(None, help="Files or directories to check (default: the current directory).")
SelectOption = typer.Option(None, "--select", help="Comma-separated rule codes or prefixes to enable (e.g. GP1,GP201).")
IgnoreOption = typer.Option(None, "--ignore", help="Comma-separated rule codes or prefixes to disable.")
ConfigOption = typer.Option(None, "--config", help="Read settings from this TOML file instead of pyproject.toml.")
WebsocketsOption = typer.Option(
    None, "--websockets-version", help="Assume this websockets version (e.g. 14.2 or '>=14') everywhere."
)
QuietOption = typer.Option(False, "--quiet", "-q", help="Print findings only: no code frames, no summary.")
NoCacheOption = typer.Option(False, "--no-cache", help="Parse every file; neither read nor write the facts cache.")
CacheDirOption = typer.Option(
    None, "--cache-dir", help="Where to keep the facts cache (default: .goldenpath_cache at the project root)."
)


def _config_start(paths: Optional[list[Path]]) -> Path:
    """Where config discovery starts: the checked paths' common directory (the cwd by default).

    `check examples/demo` then reads the demo's own `[tool.goldenpath-audit]`, as
    running inside the demo would.
    """
    cwd = Path.cwd()
    if not paths:
        return cwd
    directories = [p if p.is_dir() else p.parent for p in (cwd / path for path in paths)]
    try:
        return Path(os.path.commonpath([os.path.abspath(d) for d in directories]))
    except ValueError:
        return cwd


def _settings(
    config: Optional[Path], websockets_version: Optional[str], paths: Optional[list[Path]] = None
) -> Settings:
    try:
        settings = load_settings(_config_start(paths), config)
        for key in ("select", "ignore"):
            codes = getattr(settings, key)
            if codes:
                validate_codes(parse_codes(codes), ALL_RULES, origin=f"{key_location(settings, key)}: '{key}'")
                setattr(settings, key, parse_codes(codes))
        for pattern, codes in settings.per_file_ignores.items():
            origin = f"{key_location(settings, 'per-file-ignores', pattern)}: 'per-file-ignores' entry {pattern!r}"
            validate_codes(parse_codes(codes), ALL_RULES, origin=origin)
    except (ConfigError, SelectionError) as exc:
        fail(str(exc))
    if websockets_version is not None:
        settings.websockets_version = websockets_version
        settings.websockets_version_origin = f"--websockets-version {websockets_version}"
    return settings


def _run(
    paths: Optional[list[Path]],
    select: Optional[str],
    ignore: Optional[str],
    config: Optional[Path],
    websockets_version: Optional[str],
    no_cache: bool = False,
    cache_dir: Optional[Path] = None,
    quiet: bool = False,
) -> tuple[CheckResult, "Runner"]:
    from goldenpath_audit.auditor.cache import FactsCache, default_cache_dir
    from goldenpath_audit.auditor.progress import DelayedProgress
    from goldenpath_audit.auditor.runner import Runner

    settings = _settings(config, websockets_version, paths)
    selected, ignored = parse_codes(select), parse_codes(ignore)
    try:
        validate_codes(selected, ALL_RULES, origin="--select")
        validate_codes(ignored, ALL_RULES, origin="--ignore")
        directory = Path.cwd() / cache_dir if cache_dir is not None else default_cache_dir(settings.project_root)
        cache = None if no_cache else FactsCache(directory)
        runner = Runner(settings, Path.cwd(), select=selected or None, ignore=ignored, cache=cache)
        runner.project.cache_directory = cache.directory if cache is not None else None
    except (SelectionError, ValueError) as exc:
        fail(str(exc))
    targets = [Path.cwd() / path for path in (paths or [Path(".")])]
    progress = DelayedProgress.for_terminal(quiet=quiet)
    try:
        return runner.check(targets, progress), runner
    finally:
        progress.close()


def _use_color(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _exit_code(result: CheckResult) -> int:
    return EXIT_FINDINGS if result.findings or result.errors else EXIT_CLEAN


@app.command()
def check(
    paths: Optional[list[Path]] = PathsArgument,
    select: Optional[str] = SelectOption,
    ignore: Optional[str] = IgnoreOption,
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--output-format", help="How to print findings."),
    output_file: Optional[Path] = typer.Option(None, "--output-file", "-o", help="Write the report to this file."),
    config: Optional[Path] = ConfigOption,
    websockets_version: Optional[str] = WebsocketsOption,
    statistics: bool = typer.Option(False, "--statistics", help="Print counts per rule instead of each finding."),
    quiet: bool = QuietOption,
    no_cache: bool = NoCacheOption,
    cache_dir: Optional[Path] = CacheDirOption,
    baseline: Optional[Path] = typer.Option(
        None,
        "--baseline",
        metavar="FILE",
        help="Report only findings not recorded in FILE, and list its entries that no longer occur "
        "(overrides the `baseline` setting).",
    ),
    write_baseline: Optional[Path] = typer.Option(
        None, "--write-baseline", metavar="FILE", help="Record the current findings in FILE, then exit 0."
    ),
) -> None:
    """Report findings; exit 1 when there are any."""
    from goldenpath_audit.auditor.reporters import report

    if baseline is not None and write_baseline is not None:
        fail("--baseline and --write-baseline cannot be used together")
    result, runner = _run(paths, select, ignore, config, websockets_version, no_cache, cache_dir, quiet)
    if write_baseline is not None:
        _write_baseline(write_baseline, result, runner, paths)
    stale: list[str] = []
    baseline_file, from_config = _baseline_file(baseline, runner)
    if baseline_file is not None:
        result, stale = _apply_baseline(baseline_file, from_config, result, runner, paths)
    if output_file is not None:
        try:
            with output_file.open("w", encoding="utf-8", errors="backslashreplace", newline="\n") as stream:
                report(result, output_format.value, stream, rules=ALL_RULES, quiet=quiet, statistics=statistics)
        except OSError as exc:
            fail(f"cannot write {output_file}: {exc.strerror or exc}")
    else:
        report(
            result,
            output_format.value,
            sys.stdout,
            rules=ALL_RULES,
            color=_use_color(sys.stdout),
            quiet=quiet,
            statistics=statistics,
        )
    if stale and not quiet:
        _print_stale(stale, baseline_file)
    raise typer.Exit(_exit_code(result))


def _baseline_file(option: Optional[Path], runner: "Runner") -> tuple[Optional[Path], bool]:
    """`--baseline`, else the `baseline` setting (shown relative to the cwd); and whether it came from the config."""
    if option is not None:
        return option, False
    configured = runner.settings.baseline
    if configured is None:
        return None, False
    try:
        return Path(os.path.relpath(configured, Path.cwd())), True
    except ValueError:  # another drive on Windows
        return configured, True


def _baseline_scope(paths: Optional[list[Path]], runner: "Runner"):
    """The entries this run could reproduce: see `baseline.Scope`."""
    from goldenpath_audit.auditor.baseline import Scope

    return Scope.of([Path.cwd() / path for path in (paths or [Path(".")])], runner.project.enabled_codes)


def _write_baseline(file: Path, result: CheckResult, runner: "Runner", paths: Optional[list[Path]]) -> NoReturn:
    """Record the findings in `file` (keeping its entries outside this run's scope) and exit 0."""
    from goldenpath_audit.auditor import baseline as baselines

    target = Path.cwd() / file
    base_dir = baselines.base_directory(target)
    entries = set(baselines.entries_for(result, Path.cwd(), base_dir))
    if target.is_file():
        scope = _baseline_scope(paths, runner)
        try:
            entries |= {entry for entry in baselines.load(target) if not scope.covers(entry, base_dir)}
        except baselines.BaselineError:
            pass  # an unusable old baseline is simply replaced
    for error in result.errors:
        print(f"error: {error.path}: {error.message} (not recorded in the baseline)", file=sys.stderr)
    from goldenpath_audit.auditor.writer import WriteRefused

    if not target.parent.is_dir():
        fail(f"cannot write {file}: No such file or directory")
    try:
        written = baselines.write(target, entries)
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror or exc}")
    except WriteRefused as exc:
        fail(f"cannot write {file}: {exc}")
    count = _plural(len(entries), "finding")
    print(f"Wrote {count} to {file}" if written else f"{file} is up to date ({count})", file=sys.stderr)
    raise typer.Exit(EXIT_CLEAN)


def _apply_baseline(
    file: Path, from_config: bool, result: CheckResult, runner: "Runner", paths: Optional[list[Path]]
) -> tuple[CheckResult, list[str]]:
    """Drop baselined findings, and describe the stale entries (`path: CODE (fingerprint)`, path from the cwd).

    A missing or malformed baseline is a one-line error (exit 2).
    """
    from goldenpath_audit.auditor import baseline as baselines

    target = Path.cwd() / file
    try:
        recorded = baselines.load(target, str(file))
    except baselines.BaselineError as exc:
        where = f" (set by 'baseline' in {key_location(runner.settings, 'baseline')})" if from_config else ""
        fail(f"{exc}{where}")
    base_dir = baselines.base_directory(target)
    applied = baselines.apply(result, recorded, Path.cwd(), base_dir, _baseline_scope(paths, runner))
    stale = [
        f"{baselines.rebase(entry.path, base_dir, Path.cwd())}: {entry.code} ({entry.fingerprint})"
        for entry in applied.stale
    ]
    return applied.result, stale


def _print_stale(stale: list[str], baseline_file: Path, limit: int = 20) -> None:
    """`N baseline entries no longer occur:`, the first `limit` of them, and how to drop them (stderr)."""
    count = len(stale)
    verb = "entry no longer occurs" if count == 1 else "entries no longer occur"
    print(f"{count} baseline {verb}:", file=sys.stderr)
    for line in stale[:limit]:
        print(f"  {line}", file=sys.stderr)
    if count > limit:
        print(f"  ... and {count - limit} more", file=sys.stderr)
    print(f"Run `goldenpath-audit check --write-baseline {baseline_file}` to drop them.", file=sys.stderr)


@app.command()
def fix(
    paths: Optional[list[Path]] = PathsArgument,
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply fixes marked unsafe."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff and write nothing."),
    select: Optional[str] = SelectOption,
    ignore: Optional[str] = IgnoreOption,
    config: Optional[Path] = ConfigOption,
    websockets_version: Optional[str] = WebsocketsOption,
    quiet: bool = QuietOption,
    no_cache: bool = NoCacheOption,
    cache_dir: Optional[Path] = CacheDirOption,
) -> None:
    """Apply safe fixes in place, then report what remains."""
    from goldenpath_audit.auditor.fix_lock import fix_lock, fix_root
    from goldenpath_audit.auditor.fixer import apply_fixes
    from goldenpath_audit.auditor.interrupts import exit_on_signals
    from goldenpath_audit.auditor.reporters import report

    # SIGINT/SIGTERM: the file being written ends wholly old or wholly new, then exit 130/143.
    with exit_on_signals():
        root = fix_root(_settings(config, websockets_version, paths).project_root)
        with fix_lock(root, enabled=not diff):  # a second `fix` on this tree waits, then finds nothing left
            result, runner = _run(paths, select, ignore, config, websockets_version, no_cache, cache_dir, quiet)
            outcome = apply_fixes(result, Path.cwd(), unsafe=unsafe_fixes, write=not diff, root=root)
        for error in outcome.errors:
            print(f"error: {error.path}: {error.message}", file=sys.stderr)
        if diff:
            for change in outcome.changes:
                sys.stdout.write(change.diff())
            count, files = outcome.fixed_count, len(outcome.changes)
            if not quiet:
                print(f"Would fix {_plural(count, 'finding')} in {_plural(files, 'file')}.", file=sys.stderr)
            raise typer.Exit(EXIT_FINDINGS if outcome.changes else EXIT_CLEAN)
        if not quiet:
            for change in outcome.changes:
                codes = ", ".join(sorted({finding.code for finding in change.fixed}))
                print(f"Fixed {_plural(len(change.fixed), 'finding')} in {change.path} ({codes})")
        remaining = runner.check([Path.cwd() / path for path in (paths or [Path(".")])]) if outcome.changes else result
        if not quiet and outcome.changes:
            print(f"Fixed {_plural(outcome.fixed_count, 'finding')} in {_plural(len(outcome.changes), 'file')}.")
        if remaining.findings or remaining.errors or not quiet:
            if not quiet and outcome.changes and (remaining.findings or remaining.errors):
                print("Remaining:")
            report(remaining, "text", sys.stdout, rules=ALL_RULES, color=_use_color(sys.stdout), quiet=quiet)
        raise typer.Exit(_exit_code(remaining))


class ReportFormat(str, enum.Enum):
    text = "text"
    json = "json"


def _build_report(builder, config: Optional[Path], paths: Optional[list[Path]], *args):
    """Run a report builder (`markers`, `imports`) with the CLI's settings; config errors exit 2."""
    settings = _settings(config, None, paths)
    targets = [Path.cwd() / path for path in (paths or [Path(".")])]
    try:
        return builder(settings, Path.cwd(), targets, *args)
    except ValueError as exc:  # an invalid `exclude` pattern, a malformed NAME
        fail(str(exc))


def _print_json_report(report) -> NoReturn:
    import json

    sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    raise typer.Exit(EXIT_CLEAN)


@app.command()
def markers(
    paths: Optional[list[Path]] = PathsArgument,
    output_format: ReportFormat = typer.Option(ReportFormat.text, "--output-format", help="How to print the report."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """List the markers pytest would know, per config root, with their uses (a static `pytest --markers`)."""
    from goldenpath_audit.auditor.marker_report import build_marker_report

    report = _build_report(build_marker_report, config, paths)
    for error in report.errors:
        print(f"error: {error.path}: {error.message}", file=sys.stderr)
    if output_format is ReportFormat.json:
        _print_json_report(report)

    from rich.table import Table

    console = _report_console()
    if not report.roots:
        console.print("No Python files found.")
    for root in report.roots:
        table = Table(title=root.title, title_justify="left")
        for column in ("Marker", "Registered where", "Description", "Uses", "Files", "Status"):
            table.add_column(column, overflow="fold", justify="right" if column in ("Uses", "Files") else "left")
        for row in root.markers:
            status = row.status_text
            style = {"ok": "", "unused": "yellow"}.get(row.status, "red")
            table.add_row(
                row.name,
                row.registered_where or "-",
                row.description,
                str(row.uses),
                str(row.files),
                f"[{style}]{status}[/]" if style else status,
            )
        console.print(table)
        if root.uncertain:
            console.print(f"Registrations that could not be evaluated: {', '.join(root.uncertain)}", highlight=False)
    raise typer.Exit(EXIT_CLEAN)


def _report_console():
    from rich.console import Console

    return Console(
        no_color=bool(os.environ.get("NO_COLOR")) or not sys.stdout.isatty(),
        width=None if sys.stdout.isatty() else 200,
    )


@app.command()
def imports(
    name: str = typer.Argument(..., help="A class or function name, e.g. WebSocketManager."),
    paths: Optional[list[Path]] = PathsArgument,
    output_format: ReportFormat = typer.Option(ReportFormat.text, "--output-format", help="How to print the report."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Where NAME is defined, and every import path the suite uses for it (canonical, deprecated, broken)."""
    from goldenpath_audit.auditor.import_report import build_import_report

    report = _build_report(build_import_report, config, paths, name)
    for error in report.errors:
        print(f"error: {error.path}: {error.message}", file=sys.stderr)
    if output_format is ReportFormat.json:
        _print_json_report(report)

    from rich.table import Table

    console = _report_console()
    if report.definitions:
        for module, path, line in report.definitions:
            console.print(f"{name} is defined in {module} ({path}:{line})", highlight=False)
    else:
        console.print(f"{name} is not defined in any first-party module.", highlight=False)
    table = Table(title=f"Import paths used for {name}", title_justify="left")
    for column in ("Import path", "Status", "Uses", "Files"):
        table.add_column(column, overflow="fold", justify="right" if column in ("Uses", "Files") else "left")
    for item in report.paths:
        style = {"canonical": "", "re-export": "yellow"}.get(item.status, "red")
        status = f"[{style}]{item.status}[/]" if style else item.status
        table.add_row(item.path, status, str(item.uses), str(len(item.files)))
    console.print(table)
    raise typer.Exit(EXIT_CLEAN)


@app.command()
def clean(
    paths: Optional[list[Path]] = typer.Argument(None, help="Where to find the project (default: the current dir)."),
    config: Optional[Path] = ConfigOption,
    cache_dir: Optional[Path] = CacheDirOption,
) -> None:
    """Remove the facts cache directory."""
    from goldenpath_audit.auditor.cache import clean as remove_cache, default_cache_dir

    if cache_dir is not None:
        directory = Path.cwd() / cache_dir
    else:
        directory = default_cache_dir(_settings(config, None, paths).project_root)
    try:
        removed = remove_cache(directory)
    except ValueError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot remove {directory}: {exc.strerror or exc}")
    print(f"Removed {directory}" if removed else f"No cache at {directory}")
    raise typer.Exit(EXIT_CLEAN)


@app.command("rules")
def list_rules() -> None:
    """List every rule: code, name, summary and fix safety."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="goldenpath-audit rules", title_justify="left")
    for column in ("Code", "Name", "Summary", "Fix"):
        table.add_column(column, overflow="fold")
    for rule in ALL_RULES.values():
        table.add_row(rule.CODE, rule.NAME, rule.SUMMARY, rule.FIX)
    Console(no_color=bool(os.environ.get("NO_COLOR")), width=None if sys.stdout.isatty() else 160).print(table)


@app.command()
def explain(rule: str = typer.Argument(..., help="A rule code (GP101) or name (websockets-extra-headers).")) -> None:
    """Print a rule's documentation: what it does, why, an example, and fix safety."""
    found = get_rule(rule)
    if found is None:
        fail(f"unknown rule '{rule}' (run `goldenpath-audit rules` to list them)")
    text = found.documentation()
    if _use_color(sys.stdout):
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def main() -> None:
    """Console-script entry point: run the app and turn any crash into one line."""
    # A path or source line the terminal's encoding cannot show (PYTHONIOENCODING=ascii,
    # a legacy Windows console) is escaped rather than crashing the report half-way.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass
    try:
        app()
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130 if sys.exc_info()[0] is KeyboardInterrupt else EXIT_FINDINGS)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        print(f"goldenpath-audit: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(EXIT_ERROR)
