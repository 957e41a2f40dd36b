"""Finding the Python files to audit, without importing or running anything.

The walk mirrors what a developer expects from `git status`: `.gitignore`
files are honoured the way git honours them (each file's patterns are
relative to its own directory, deeper files override shallower ones, and
`.git/info/exclude` sits underneath them all), while tool caches, build
output and virtualenvs are skipped because auditing them only produces
noise. Git itself is never run, so discovery works in exported trees and
in CI images without git.

Design choices, and why:

* The walk is an explicit stack, not recursion, so a 1000-level tree does
  not hit Python's recursion limit.
* Paths travel as strings built by concatenation; `Path` objects are made
  once at the end. On a 10,000-file tree this is most of the cost.
* `os.scandir` gives each entry's type without a `stat` for ordinary files;
  only directories (for loop detection) and symlinks are ever stat'ed.
* Directory identity is `(st_dev, st_ino)`, so symlink loops terminate and
  a directory reached twice is walked once.
* Files are only ever classified by their directory entry, never opened:
  opening a FIFO named `x.py` would block forever.
* A file named explicitly is always included: pre-commit passes file names
  and has already applied its own filters.
* The starting directories themselves are exempt from the default skips
  (asking for `build/` means you want it) and from the `exclude` patterns
  that match them, as in ruff: `check examples/demo` checks the demo even
  when the project excludes `examples/`. The other patterns still apply
  inside. `.gitignore` still applies to them, as git would.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Imported where a spec is compiled: pathspec costs ~20 ms to import, and a
    # run on named files (pre-commit) without `exclude` never needs it.
    from pathspec import GitIgnoreSpec

DEFAULT_SKIP_DIRS: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        ".tox",
        ".nox",
        ".eggs",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".goldenpath_cache",
    }
)

_SUFFIXES = (".py", ".pyi")

# A chain of ignore specs, shallowest first: (length of the spec's base
# directory prefix relative to the repository root, spec). Checked deepest
# first, so a nested `.gitignore` overrides its parents.
_Chain = tuple[tuple[int, "GitIgnoreSpec"], ...]


@dataclass
class Discovery:
    """What `discover` found: files to audit and paths it could not use."""

    files: list[Path] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Frame:
    """One directory waiting to be walked, with the context it inherits."""

    path: str  # absolute, not resolved through symlinks
    proj_rel: str | None  # "/"-separated, relative to project_root; None if outside
    repo_rel: str  # "/"-separated, relative to the repository root
    chain: _Chain
    is_start: bool = False


def discover(
    paths: Sequence[Path],
    *,
    project_root: Path,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
) -> Discovery:
    """Collect the `.py`/`.pyi` files under `paths`, sorted and deduplicated.

    Problems (missing paths, unreadable directories) become `errors` rather
    than exceptions, so one bad argument does not hide every other finding.
    Invalid `exclude` patterns do raise `ValueError`: that is a configuration
    mistake the user must fix, not something to skip past.
    """
    walker = _Walker(project_root, exclude, respect_gitignore)
    for path in paths:
        walker.add(path)
    return walker.result()


def is_excluded(path: Path, *, project_root: Path, exclude: Sequence[str]) -> bool:
    """Whether `exclude` (gitignore-style) matches `path` relative to `project_root`.

    The same matching `discover` applies, exposed for the fixer and per-file
    checks. Paths outside the project are never excluded: patterns are
    written relative to the project and cannot sensibly reach outside it.
    """
    if not exclude:
        return False
    abs_path = os.path.abspath(path)
    rel = _relative_to(abs_path, os.path.abspath(project_root))
    if not rel:
        return False
    spec, has_dir_patterns = _compile_exclude(tuple(exclude))
    if spec.match_file(rel):
        return True
    # Only a directory can match a `dir/` pattern; stat just when that matters.
    return has_dir_patterns and os.path.isdir(abs_path) and spec.match_file(rel + "/")


class _Walker:
    """State for one `discover` call: compiled specs, visited dirs, results."""

    def __init__(
        self, project_root: Path, exclude: Sequence[str], respect_gitignore: bool
    ):
        self.root = os.path.abspath(project_root)
        self.exclude_patterns = tuple(exclude)
        self.exclude = _compile_exclude(self.exclude_patterns)[0] if exclude else None
        self.respect_gitignore = respect_gitignore
        self.files: set[str] = set()
        self.errors: list[tuple[str, str]] = []
        self.visited: set[tuple[int, int]] = set()
        # Each ignore file is read and compiled once, even when several
        # starting directories share ancestors. None: absent or empty.
        self.spec_cache: dict[str, GitIgnoreSpec | None] = {}

    # -- entry points -------------------------------------------------------

    def add(self, path: Path) -> None:
        """Handle one user-given path: a file is taken as is, a directory walked."""
        abs_path = os.path.abspath(path)
        try:
            st = os.stat(abs_path)
        except OSError as exc:
            self.errors.append((abs_path, _reason(exc)))
            return
        if stat.S_ISDIR(st.st_mode):
            self._walk_start(abs_path, st)
        elif stat.S_ISREG(st.st_mode):
            self.files.add(abs_path)
        else:
            # A FIFO or device would block or misbehave when read later.
            self.errors.append((abs_path, "Not a regular file"))

    def result(self) -> Discovery:
        """Freeze into a `Discovery`, sorted by path string for stable output."""
        errors = sorted(set(self.errors))
        return Discovery(
            files=[Path(p) for p in sorted(self.files)],
            errors=[(Path(p), reason) for p, reason in errors],
        )

    # -- walking --------------------------------------------------------------

    def _walk_start(self, abs_path: str, st: os.stat_result) -> None:
        """Walk one starting directory unless excluded, ignored or already seen."""
        key = (st.st_dev, st.st_ino)
        if key in self.visited:
            return
        proj_rel = _relative_to(abs_path, self.root)
        repo_rel, chain = self._start_context(abs_path, proj_rel)
        if repo_rel and _is_ignored(chain, repo_rel, is_dir=True):
            return
        self.visited.add(key)
        full_exclude = self.exclude
        if proj_rel and self._is_excluded(proj_rel, is_dir=True):
            self.exclude = self._exclude_within(proj_rel)
        try:
            self._walk(_Frame(abs_path, proj_rel, repo_rel, chain, is_start=True))
        finally:
            self.exclude = full_exclude

    def _exclude_within(self, start_rel: str) -> GitIgnoreSpec | None:
        """The exclude patterns that do not match an explicitly named start directory."""
        kept = tuple(
            pattern
            for pattern in self.exclude_patterns
            if not _compile_exclude((pattern,))[0].match_file(start_rel + "/")
        )
        return _compile_exclude(kept)[0] if kept else None

    def _walk(self, start: _Frame) -> None:
        """Depth-first walk with an explicit stack, children in name order."""
        stack = [start]
        while stack:
            frame = stack.pop()
            entries = self._scan(frame.path)
            if entries is None:
                continue
            names = {entry.name for entry in entries}
            if not frame.is_start and "pyvenv.cfg" in names:
                continue  # a virtualenv, whatever it is called
            if self.respect_gitignore:
                self._enter_ignore_context(frame, names)
            subdirs = self._collect(frame, entries)
            stack.extend(reversed(subdirs))

    def _scan(self, dir_path: str) -> list[os.DirEntry[str]] | None:
        """List a directory sorted by name; record an error if it cannot be read."""
        try:
            with os.scandir(dir_path) as it:
                entries = list(it)
        except OSError as exc:
            self.errors.append((dir_path, _reason(exc)))
            return None
        entries.sort(key=lambda entry: entry.name)
        return entries

    def _collect(self, frame: _Frame, entries: list[os.DirEntry[str]]) -> list[_Frame]:
        """Record the wanted files of one directory; return subdirectories to walk."""
        prefix = frame.path if frame.path.endswith(os.sep) else frame.path + os.sep
        subdirs: list[_Frame] = []
        for entry in entries:
            name = entry.name
            kind = _kind(entry)
            if kind == "file":
                if name.endswith(_SUFFIXES) and self._wanted(frame, name, is_dir=False):
                    self.files.add(prefix + name)
            elif kind == "dir":
                if name in DEFAULT_SKIP_DIRS or name.endswith(".egg-info"):
                    continue
                if not self._wanted(frame, name, is_dir=True) or not self._first_visit(
                    entry
                ):
                    continue
                subdirs.append(
                    _Frame(
                        prefix + name,
                        _child(frame.proj_rel, name),
                        _join(frame.repo_rel, name),
                        frame.chain,
                    )
                )
        return subdirs

    def _wanted(self, frame: _Frame, name: str, *, is_dir: bool) -> bool:
        """Neither excluded by the user's patterns nor ignored by git rules."""
        if frame.proj_rel is not None and self._is_excluded(
            _join(frame.proj_rel, name), is_dir=is_dir
        ):
            return False
        return not (
            self.respect_gitignore
            and _is_ignored(frame.chain, _join(frame.repo_rel, name), is_dir=is_dir)
        )

    def _first_visit(self, entry: os.DirEntry[str]) -> bool:
        """Mark a directory as visited; False if it was (a symlink loop or alias)."""
        try:
            st = entry.stat()  # follows symlinks: the target's identity
        except OSError as exc:
            # A link that vanished or loops is skipped as `_kind` skips it; anything
            # else (a path over PATH_MAX, say) hides a whole subtree: say so.
            if exc.errno not in (errno.ENOENT, errno.ELOOP):
                self.errors.append((entry.path, _reason(exc)))
            return False
        key = (st.st_dev, st.st_ino)
        if key in self.visited:
            return False
        self.visited.add(key)
        return True

    def _is_excluded(self, rel: str, *, is_dir: bool) -> bool:
        """Match the user's `exclude` patterns; `rel` is relative to project_root."""
        if self.exclude is None:
            return False
        return self.exclude.match_file(rel + "/" if is_dir else rel)

    # -- .gitignore -----------------------------------------------------------

    def _start_context(self, abs_path: str, proj_rel: str | None) -> tuple[str, _Chain]:
        """Ignore rules in force at a starting directory, from the repo root down.

        So `check tests/` still honours the root `.gitignore`. The starting
        directory's own `.gitignore` is read later, by the walk itself.
        """
        if not self.respect_gitignore:
            return "", ()
        repo_root = _find_repo_root(abs_path)
        if repo_root is None:
            repo_root = self.root if proj_rel is not None else abs_path
        repo_rel = _relative_to(abs_path, repo_root) or ""
        chain = self._base_chain(repo_root)
        base = repo_root
        parts = repo_rel.split("/") if repo_rel else []
        for depth, part in enumerate(parts):
            chain = self._extend(
                chain, os.path.join(base, ".gitignore"), "/".join(parts[:depth])
            )
            base = os.path.join(base, part)
        return repo_rel, chain

    def _enter_ignore_context(self, frame: _Frame, names: set[str]) -> None:
        """Update `frame` for the ignore files found in its own directory.

        A nested repository (a `.git` entry below the root) starts afresh:
        its parent's rules do not reach inside it in git either.
        """
        if frame.repo_rel and ".git" in names:
            frame.repo_rel = ""
            frame.chain = self._base_chain(frame.path)
        if ".gitignore" in names:
            frame.chain = self._extend(
                frame.chain, os.path.join(frame.path, ".gitignore"), frame.repo_rel
            )

    def _base_chain(self, repo_root: str) -> _Chain:
        """The lowest-precedence rules of a repository: `.git/info/exclude`."""
        info_exclude = _info_exclude_path(repo_root)
        return self._extend((), info_exclude, "") if info_exclude else ()

    def _extend(self, chain: _Chain, ignore_file: str, base_rel: str) -> _Chain:
        """`chain` plus the spec in `ignore_file`, whose patterns are relative to `base_rel`."""
        spec = self._load_spec(ignore_file)
        if spec is None:
            return chain
        return (*chain, (len(base_rel) + 1 if base_rel else 0, spec))

    def _load_spec(self, ignore_file: str) -> GitIgnoreSpec | None:
        """Read and compile one ignore file once; None when absent or empty."""
        if ignore_file in self.spec_cache:
            return self.spec_cache[ignore_file]
        spec = None
        lines = self._read_ignore_file(ignore_file)
        if lines:
            spec = _compile_lenient(lines)
        self.spec_cache[ignore_file] = spec
        return spec

    def _read_ignore_file(self, ignore_file: str) -> list[str] | None:
        """Lines of a regular file, or None; never opens a FIFO or directory."""
        try:
            if not stat.S_ISREG(os.stat(ignore_file).st_mode):
                return None
            with open(ignore_file, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.errors.append((ignore_file, _reason(exc)))
            return None
        return data.decode("utf-8", errors="surrogateescape").splitlines()


# -- helpers ------------------------------------------------------------------


def _kind(entry: os.DirEntry[str]) -> str | None:
    """'dir', 'file' or None, following symlinks; broken or odd entries are None.

    `is_file()` is False for FIFOs, sockets and devices, so they are never
    opened. Errors (a dangling or self-referencing symlink) mean "skip".
    """
    try:
        if entry.is_dir():
            return "dir"
        if entry.is_file():
            return "file"
    except OSError:
        pass
    return None


def _is_ignored(chain: _Chain, repo_rel: str, *, is_dir: bool) -> bool:
    """Git's verdict for a path: the deepest ignore file with an opinion wins."""
    if not chain:
        return False
    target = repo_rel + "/" if is_dir else repo_rel
    for base_len, spec in reversed(chain):
        include = spec.check_file(target[base_len:]).include
        if include is not None:
            return include
    return False


def _join(rel: str, name: str) -> str:
    """Join a "/"-separated relative path and a name ("" is the base itself)."""
    return f"{rel}/{name}" if rel else name


def _child(rel: str | None, name: str) -> str | None:
    """`_join` for paths that may lie outside the base (None stays None)."""
    return None if rel is None else _join(rel, name)


def _relative_to(abs_path: str, abs_root: str) -> str | None:
    """`abs_path` relative to `abs_root` with "/" separators; None if outside.

    Pure string work on already-absolute paths: no stat, no symlink resolution.
    """
    if abs_path == abs_root:
        return ""
    prefix = abs_root if abs_root.endswith(os.sep) else abs_root + os.sep
    if not abs_path.startswith(prefix):
        return None
    rel = abs_path[len(prefix) :]
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def _find_repo_root(abs_path: str) -> str | None:
    """Nearest ancestor (or self) with a `.git` entry, file or directory."""
    current = abs_path
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _info_exclude_path(repo_root: str) -> str | None:
    """Where `info/exclude` lives, following a `.git` file's `gitdir:` line.

    Submodules and worktrees have a `.git` file pointing at the real git
    directory; worktrees share `info/` with the main repo via `commondir`.
    """
    git_path = os.path.join(repo_root, ".git")
    if os.path.isdir(git_path):
        git_dir = git_path
    else:
        target = _read_first_line(git_path)
        if not target or not target.startswith("gitdir:"):
            return None
        git_dir = os.path.join(repo_root, target[len("gitdir:") :].strip())
        common = _read_first_line(os.path.join(git_dir, "commondir"))
        if common:
            git_dir = os.path.join(git_dir, common.strip())
    return os.path.join(git_dir, "info", "exclude")


def _read_first_line(path: str) -> str | None:
    """First line of a small regular file, or None if there is none to read."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.readline().rstrip("\r\n")
    except OSError:
        return None


def _compile_lenient(lines: Iterable[str]) -> GitIgnoreSpec | None:
    """Compile ignore-file lines, dropping invalid ones as git silently does."""
    from pathspec import GitIgnoreSpec

    lines = list(lines)
    try:
        spec = GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):
        good = [line for line in lines if _valid_pattern(line)]
        spec = GitIgnoreSpec.from_lines(good)
    if not any(pattern.include is not None for pattern in spec.patterns):
        return None  # only comments and blank lines
    return spec


def _valid_pattern(line: str) -> bool:
    """Whether pathspec can compile this single gitignore line."""
    from pathspec import GitIgnoreSpec

    try:
        GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):
        return False
    return True


@functools.lru_cache(maxsize=32)
def _compile_exclude(patterns: tuple[str, ...]) -> tuple[GitIgnoreSpec, bool]:
    """Compile user `exclude` patterns once; also say whether any is `dir/`-only.

    Invalid patterns raise `ValueError` naming the pattern: a config error.
    """
    from pathspec import GitIgnoreSpec

    try:
        spec = GitIgnoreSpec.from_lines(patterns)
    except (ValueError, re.error) as exc:
        bad = next((p for p in patterns if not _valid_pattern(p)), None)
        raise ValueError(f"invalid exclude pattern {bad!r}: {exc}") from None
    has_dir_patterns = any(p.rstrip().endswith("/") for p in patterns)
    return spec, has_dir_patterns


_REASONS = {
    errno.ENOENT: "No such file or directory",
    errno.EACCES: "Permission denied",
    errno.EPERM: "Permission denied",
    errno.ENOTDIR: "Not a directory",
    errno.ELOOP: "Too many levels of symbolic links",
}


def _reason(exc: OSError) -> str:
    """A stable one-line reason for an OS error, the same on every platform."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    text = exc.strerror or str(exc) or type(exc).__name__
    return text.splitlines()[0] if text else type(exc).__name__
