"""Dependency declarations and version policies, read from real files in tmp_path."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from goldenpath_audit.auditor.dependencies import Declaration, DependencyIndex, poetry_to_pep440, union_specifier
from goldenpath_audit.auditor.versions import KNOWN_RELEASES, VersionPolicy, policy_for, policy_from_override


def write(root: Path, relative: str, text: str) -> Path:
    """Create a file (and its folders) with dedented text."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def declared(root: Path, package: str = "websockets", directory: str = ".") -> Declaration | None:
    """The declaration governing `package` for `root/directory`, from a fresh index."""
    (root / directory).mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)  # keep the walk inside tmp_path
    return DependencyIndex().declaration(package, root / directory)


def spec(declaration: Declaration | None) -> SpecifierSet:
    assert declaration is not None
    return SpecifierSet(declaration.specifier)


def policy(declaration: Declaration | None, package: str = "websockets") -> VersionPolicy:
    return policy_for(package, declaration, display_path=lambda p: p.name)


def spec_policy(text: str, package: str = "websockets") -> VersionPolicy:
    return VersionPolicy(package, SpecifierSet(text), (), "test")


# --- pyproject.toml ----------------------------------------------------------


def test_project_dependencies(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\ndependencies = ["websockets>=13,<15", "rich"]\n')
    found = declared(tmp_path)
    assert found is not None
    assert found.package == "websockets"
    assert spec(found) == SpecifierSet(">=13,<15")
    assert found.pinned == ()
    assert found.source == tmp_path / "pyproject.toml"
    assert found.requirement == "websockets>=13,<15"


def test_optional_dependencies_and_dependency_groups(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        """
        [project]
        name = "x"
        [project.optional-dependencies]
        ws = ["websockets>=12"]
        [dependency-groups]
        test = ["pytest-asyncio~=0.23", {include-group = "ws"}]
        """,
    )
    assert spec(declared(tmp_path)) == SpecifierSet(">=12")
    assert spec(declared(tmp_path, "Pytest_Asyncio")) == SpecifierSet("~=0.23")


def test_package_names_are_normalized(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\ndependencies = ["Pytest.Asyncio[testing]>=0.21"]\n')
    found = declared(tmp_path, "pytest_asyncio")
    assert found is not None and found.package == "pytest-asyncio"


def test_markers_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[project]\ndependencies = [\"websockets<14; python_version < '3.12'\"]\n")
    found = declared(tmp_path)
    assert spec(found) == SpecifierSet("<14")
    assert found is not None and found.requirement == "websockets<14"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"^14.0"', ">=14.0,<15.0"),
        ('"^0.2.3"', ">=0.2.3,<0.3.0"),
        ('"^0.0.3"', ">=0.0.3,<0.0.4"),
        ('"~13.1"', ">=13.1,<13.2"),
        ('"~13"', ">=13,<14"),
        ('"~13.1.2"', ">=13.1.2,<13.2.0"),
        ('"~=13.0"', "~=13.0"),
        ('">=12,<14"', ">=12,<14"),
        ('"*"', ""),
        ('"14.2"', "==14.2"),
        ('{version = "^14", extras = ["speedups"]}', ">=14,<15"),
        ('{git = "https://example.invalid/ws.git"}', ""),
        ('[{version = "^13", python = "<3.9"}, {version = "^14", python = ">=3.9"}]', ">=13,<15"),
    ],
)
def test_poetry_dependencies(tmp_path: Path, value: str, expected: str) -> None:
    write(tmp_path, "pyproject.toml", f'[tool.poetry.dependencies]\npython = "^3.11"\nwebsockets = {value}\n')
    assert spec(declared(tmp_path)) == SpecifierSet(expected)
    assert declared(tmp_path, "python") is None


def test_poetry_requirement_text(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.poetry.dependencies]\nwebsockets = "^14.0"\n')
    found = declared(tmp_path)
    assert found is not None and found.requirement == "websockets ^14.0"


def test_poetry_dev_and_group_dependencies(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        """
        [tool.poetry.dev-dependencies]
        pytest = "^8.0"
        [tool.poetry.group.test.dependencies]
        pytest-asyncio = "~0.23"
        """,
    )
    assert spec(declared(tmp_path, "pytest")) == SpecifierSet(">=8.0,<9.0")
    assert spec(declared(tmp_path, "pytest-asyncio")) == SpecifierSet(">=0.23,<0.24")


def test_poetry_conversion_helpers() -> None:
    assert poetry_to_pep440("^1 || ^2") == [">=1,<2", ">=2,<3"]
    assert poetry_to_pep440(">= 1.2 < 2.0") == [">=1.2,<2.0"]
    assert poetry_to_pep440("^0") == [">=0,<1"]
    with pytest.raises(ValueError):
        poetry_to_pep440("latest please")
    assert union_specifier([">=1", "<3"]) == ""
    assert union_specifier(["~=13.0", "==15.*"]) == ">=13.0,<16"


@pytest.mark.parametrize(("backend", "poetry_counts"), [("poetry.core.masonry.api", True), ("setuptools.build_meta", False), (None, True)])
def test_poetry_tables_count_only_when_poetry_builds(tmp_path: Path, backend: str | None, poetry_counts: bool) -> None:
    build = f'[build-system]\nbuild-backend = "{backend}"\n\n' if backend else ""
    write(tmp_path, "pyproject.toml", build + '[tool.poetry.dependencies]\nwebsockets = "^12.0"\n')
    write(tmp_path, "setup.py", "setup(install_requires=['websockets>=12.0'])\n")
    expected = SpecifierSet(">=12.0,<13.0") if poetry_counts else SpecifierSet(">=12.0")
    assert spec(declared(tmp_path)) == expected


def test_invalid_poetry_value_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.poetry.dependencies]\nwebsockets = "next!"\nrich = 3\n')
    assert declared(tmp_path) is None
    assert declared(tmp_path, "rich") is None


# --- requirements*.txt -------------------------------------------------------


def test_requirements_files_comments_continuations_and_options(tmp_path: Path) -> None:
    write(
        tmp_path,
        "requirements.txt",
        """
        # a comment line
        --index-url https://example.invalid/simple
        -e ./local
        websockets>=13,\\
        <15  # upper bound until the migration lands
        rich==13.7 --hash=sha256:abcdef
        https://example.invalid/pkg.tar.gz#egg=pkg
        this is not a requirement
        """,
    )
    found = declared(tmp_path)
    assert spec(found) == SpecifierSet(">=13,<15")
    assert found is not None and found.requirement == "websockets>=13,<15"
    assert spec(declared(tmp_path, "rich")) == SpecifierSet("==13.7")


def test_hash_inside_a_name_is_not_a_comment(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "pkg @ https://example.invalid/p.zip#sha256=00\nwebsockets<14 #pin\n")
    assert spec(declared(tmp_path)) == SpecifierSet("<14")
    assert declared(tmp_path, "pkg") is not None


@pytest.mark.parametrize(
    "name",
    [
        "requirements-dev.txt",
        "requirements_test.txt",
        "requirements.txt",
        "dev-requirements.txt",
        "dev_requirements.txt",
        "test-requirements.in",
        "requirements/test.txt",
        "requirements/base.in",
        "requirements.d/ci.txt",
        "reqs/tests.txt",
    ],
)
def test_requirements_file_names(tmp_path: Path, name: str) -> None:
    write(tmp_path, name, "websockets<14\n")
    found = declared(tmp_path)
    assert found is not None and found.source == tmp_path / name
    assert spec(found) == SpecifierSet("<14")


def test_other_txt_files_are_not_requirements(tmp_path: Path) -> None:
    write(tmp_path, "constraints.txt", "websockets<14\n")
    write(tmp_path, "docs/requirements.txt", "websockets<14\n")  # another directory's declaration
    write(tmp_path, "requirements/nested/deep.txt", "websockets<14\n")  # only the folder's own files
    write(tmp_path, "notes.txt", "websockets<14\n")
    assert declared(tmp_path) is None


def test_tox_deps_are_declarations_without_a_range(tmp_path: Path) -> None:
    write(
        tmp_path,
        "tox.ini",
        """
        [tox]
        envlist = py311-ws{13,14}

        [testenv]
        deps =
            pytest-timeout>=2  # a comment
            ws13: websockets<14
            ws14: websockets>=14
            {[base]deps}
            -r requirements/ci.txt
            -e .
        [testenv:lint]
        deps = ruff
        [pytest]
        addopts = -p no:cacheprovider
        """,
    )
    write(tmp_path, "requirements/ci.txt", "pytest-xdist==3.5\n")
    for package in ("pytest-timeout", "websockets", "ruff", "pytest-xdist"):
        assert declared(tmp_path, package) is not None, package
    # A factor's range holds in one environment only: tox says "installed", not which version.
    assert spec(declared(tmp_path)) == SpecifierSet("")
    assert spec(declared(tmp_path, "pytest-xdist")) == SpecifierSet("==3.5")  # the file itself is a requirements file


@pytest.mark.parametrize(
    "option",
    ["-r base/common.txt", "--requirement base/common.txt", "--requirement=base/common.txt", "-rbase/common.txt"],
)
def test_requirement_includes(tmp_path: Path, option: str) -> None:
    write(tmp_path, "requirements.txt", f"{option}\n")
    common = write(tmp_path, "base/common.txt", "-c pins.txt\n")
    write(tmp_path, "base/pins.txt", "websockets==13.1\n")
    found = declared(tmp_path)
    assert spec(found) == SpecifierSet("==13.1")
    assert found is not None and found.source == common.parent / "pins.txt"


@pytest.mark.parametrize("option", ["-c", "--constraint", "--constraint="])
def test_constraint_includes(tmp_path: Path, option: str) -> None:
    write(tmp_path, "requirements.txt", f"websockets\n{option}{'' if option.endswith('=') else ' '}constraints.txt\n")
    write(tmp_path, "constraints.txt", "websockets<14\n")
    assert spec(declared(tmp_path)) == SpecifierSet("<14")


def test_include_cycles_and_missing_includes(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "-r requirements-dev.txt\n-r missing.txt\n-r /\nwebsockets>=12\n")
    write(tmp_path, "requirements-dev.txt", "-r requirements.txt\n-r requirements-dev.txt\nwebsockets<14\n")
    found = declared(tmp_path)
    assert spec(found) == SpecifierSet(">=12,<14")


def test_include_through_symlink_loop_terminates(tmp_path: Path) -> None:
    loop = tmp_path / "loop.txt"
    try:
        os.symlink(loop, loop)
        os.symlink(tmp_path / "requirements.txt", tmp_path / "alias.txt")
    except (OSError, NotImplementedError):
        pytest.skip("symlinks not available")
    write(tmp_path, "requirements.txt", "-r loop.txt\n-r alias.txt\nwebsockets<14\n")
    assert spec(declared(tmp_path)) == SpecifierSet("<14")


def test_several_declarations_in_one_directory_intersect(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\ndependencies = ["websockets>=13"]\n')
    write(tmp_path, "requirements-dev.txt", "websockets<15\n")
    found = declared(tmp_path)
    assert spec(found) == SpecifierSet(">=13,<15")
    assert found is not None and found.source == tmp_path / "pyproject.toml"
    assert found.requirement == "websockets>=13 and websockets<15 (requirements-dev.txt)"


# --- setup.cfg ---------------------------------------------------------------


def test_setup_cfg(tmp_path: Path) -> None:
    write(
        tmp_path,
        "setup.cfg",
        """
        [metadata]
        name = x
        url = https://example.invalid/%(name)s
        [options]
        install_requires =
            # comment
            websockets>=12,<14
            rich; python_version >= "3.11"
        [options.extras_require]
        test =
            pytest-asyncio==0.23.8
        """,
    )
    assert spec(declared(tmp_path)) == SpecifierSet(">=12,<14")
    assert spec(declared(tmp_path, "pytest-asyncio")) == SpecifierSet("==0.23.8")
    assert declared(tmp_path, "rich") is not None


def test_setup_cfg_install_requires_on_the_same_line(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", "[options]\ninstall_requires = websockets<13\n")
    assert spec(declared(tmp_path)) == SpecifierSet("<13")


# --- setup.py ----------------------------------------------------------------


def test_setup_py_literal_keywords(tmp_path: Path) -> None:
    write(
        tmp_path,
        "setup.py",
        """
        from setuptools import setup

        setup(
            name="x",
            install_requires=["websockets>=10,<11", "rich"],
            tests_require=["pytest-xdist>=3.5"],
            extras_require={"test": ["pytest-asyncio==0.23.8; python_version >= '3.8'"], "docs": ["sphinx"]},
        )
        """,
    )
    assert spec(declared(tmp_path)) == SpecifierSet(">=10,<11")
    assert spec(declared(tmp_path, "pytest-asyncio")) == SpecifierSet("==0.23.8")
    for package in ("rich", "pytest-xdist", "sphinx"):
        assert declared(tmp_path, package) is not None, package
    assert declared(tmp_path, "test") is None  # an extra's name is not a requirement
    assert declared(tmp_path, "x") is None  # nor is the project's own name


SETUP_WITH_NAMES = '''
import setuptools

BASE = """
websockets>=12  # the client
# a comment
""".splitlines()
tests_require = ["pytest"]
tests_require.append("pytest-asyncio>=0.21")
tests_require += ["pytest-timeout"]
kwargs = {"install_requires": BASE}
kwargs["tests_require"] = tests_require
extras = dict(dev=tests_require + ["flaky"])
if True:
    extras["all"] = ["hypothesis"]
setuptools.setup(name="x", extras_require=extras, **kwargs)
'''


def test_setup_py_names_concatenation_mutation_and_kwargs(tmp_path: Path) -> None:
    write(tmp_path, "setup.py", SETUP_WITH_NAMES)
    assert spec(declared(tmp_path)) == SpecifierSet(">=12")
    assert spec(declared(tmp_path, "pytest-asyncio")) == SpecifierSet(">=0.21")
    for package in ("pytest", "pytest-timeout", "flaky", "hypothesis"):
        assert declared(tmp_path, package) is not None, package


@pytest.mark.parametrize(
    "text",
    [
        "setup(install_requires=open('requirements.txt').read().split())\n",  # a file read: nothing
        "def setup(**kw):\n    pass\n",  # no call
        "setup(install_requires=[\n",  # does not parse
        "from setuptools import setup\nsetup(install_requires=[f'websockets>={V}'])\n",
    ],
)
def test_setup_py_that_declares_nothing_readable(tmp_path: Path, text: str) -> None:
    write(tmp_path, "setup.py", text)
    assert declared(tmp_path) is None


def test_setup_py_whose_names_fan_out_is_read_quickly(tmp_path: Path) -> None:
    """Six references per level, twelve levels: 6**12 paths unless each name is read once."""
    lines = ["n0 = ['websockets<13']"] + [f"n{i} = [" + ", ".join([f"*n{i - 1}"] * 6) + "]" for i in range(1, 13)]
    write(tmp_path, "setup.py", "\n".join(lines) + "\nsetup(install_requires=n12)\n")
    assert spec(declared(tmp_path)) == SpecifierSet("<13")


def test_setup_py_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write(tmp_path, "setup.py", f"open({str(marker)!r}, 'w').close()\nsetup(install_requires=['websockets<13'])\n")
    assert spec(declared(tmp_path)) == SpecifierSet("<13")
    assert not marker.exists()


OWN_DISTRIBUTIONS = {
    "a/pyproject.toml": '[project]\nname = "Pytest_Thing"\n[project.entry-points.pytest11]\nthing = "thing.plugin:P"\n',
    "b/pyproject.toml": '[tool.poetry]\nname = "thing"\n[tool.poetry.plugins.pytest11]\nthing = "thing.plugin"\n',
    "c/setup.cfg": "[metadata]\nname = pytest-thing\n[options.entry_points]\npytest11 =\n    thing = thing.plugin [extra]\n",
    "d/setup.py": "setup(name='pytest-thing', entry_points={'pytest11': ['thing = thing.plugin:P']})\n",
    "e/setup.py": 'setup(name="pytest-thing", entry_points="""\n[pytest11]\nthing = thing.plugin\n""")\n',
}


def test_own_distribution_from_each_metadata_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    for relative, text in OWN_DISTRIBUTIONS.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    index = DependencyIndex()
    for folder in "abcde":
        (tmp_path / folder / "tests").mkdir()
        own = index.own_distribution(tmp_path / folder / "tests")
        assert own is not None, folder
        assert own.pytest_plugins == ("thing.plugin",), folder
        assert own.name == ("thing" if folder == "b" else "pytest-thing"), folder
        assert own.directory == tmp_path / folder
    assert index.own_distribution(tmp_path) is None


# --- lock files --------------------------------------------------------------


@pytest.mark.parametrize("lock", ["uv.lock", "poetry.lock"])
def test_lock_pin_beats_range(tmp_path: Path, lock: str) -> None:
    write(tmp_path, "pyproject.toml", '[project]\ndependencies = ["websockets>=12"]\n')
    write(
        tmp_path,
        lock,
        '[[package]]\nname = "websockets"\nversion = "13.1"\n\n[[package]]\nname = "rich"\nversion = "13.7.1"\n',
    )
    found = declared(tmp_path)
    assert found is not None
    assert found.pinned == ("13.1",)
    assert found.source == tmp_path / lock
    assert found.requirement == f"websockets==13.1 ({lock})"
    assert spec(found) == SpecifierSet(">=12")
    result = policy(found)
    assert result.origin == f"websockets 13.1 pinned in {lock}"
    assert result.all_below("14.0")
    assert not result.allows_at_least("14.0")


def test_lock_pin_alone_is_a_declaration_and_several_entries_are_several_pins(tmp_path: Path) -> None:
    write(
        tmp_path,
        "uv.lock",
        '[[package]]\nname = "Websockets"\nversion = "13.1"\n[[package]]\nname = "websockets"\nversion = "14.2"\n',
    )
    found = declared(tmp_path)
    assert found is not None
    assert found.pinned == ("13.1", "14.2")
    assert found.specifier == ""
    result = policy(found)
    assert result.allowed() == [Version("13.1"), Version("14.2")]
    assert result.allows_below("14.0") and result.allows_at_least("14.0")


# --- the upward walk ---------------------------------------------------------


def test_nearest_ancestor_wins(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\ndependencies = ["websockets>=14"]\n')
    write(tmp_path, "services/legacy/pyproject.toml", '[project]\ndependencies = ["websockets<13"]\n')
    (tmp_path / ".git").mkdir()
    index = DependencyIndex()
    legacy = index.declaration("websockets", tmp_path / "services/legacy/tests/unit")
    root = index.declaration("websockets", tmp_path / "services/other")
    assert legacy is not None and legacy.specifier == "<13"
    assert root is not None and root.specifier == ">=14"


def test_ancestor_without_the_package_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\ndependencies = ["websockets>=14"]\n')
    write(tmp_path, "sub/pyproject.toml", '[project]\ndependencies = ["rich"]\n')
    assert spec(declared(tmp_path, directory="sub/tests")) == SpecifierSet(">=14")


@pytest.mark.parametrize("git_is_file", [False, True])
def test_git_stops_the_walk(tmp_path: Path, git_is_file: bool) -> None:
    write(tmp_path, "pyproject.toml", '[project]\ndependencies = ["websockets>=14"]\n')
    repo = tmp_path / "checkout"
    if git_is_file:
        write(repo, ".git", "gitdir: ../elsewhere\n")
    else:
        (repo / ".git").mkdir(parents=True)
    (repo / "tests").mkdir()
    index = DependencyIndex()
    assert index.declaration("websockets", repo / "tests") is None
    write(repo, "requirements.txt", "websockets<13\n")
    assert DependencyIndex().declaration("websockets", repo / "tests") is not None


def test_results_are_cached_per_directory(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "websockets<14\n")
    (tmp_path / ".git").mkdir()
    index = DependencyIndex()
    first = index.declaration("websockets", tmp_path)
    (tmp_path / "requirements.txt").write_text("websockets>=15\n")
    assert index.declaration("websockets", tmp_path) == first


# --- bad input ---------------------------------------------------------------


def test_malformed_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[project\ndependencies = [")
    write(tmp_path, "setup.cfg", "install_requires = websockets<13\n[options\n")
    write(tmp_path, "uv.lock", "not = [toml")
    write(tmp_path, "poetry.lock", 'package = "not a list"\n')
    (tmp_path / "requirements-latin1.txt").write_bytes("websockets<13  # caf\xe9\n".encode("latin-1"))
    write(tmp_path, "requirements.txt", "websockets>=12\n")
    found = declared(tmp_path)
    assert spec(found) == SpecifierSet(">=12")


def test_wrong_shapes_in_toml_are_ignored(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        """
        project = "oops"
        dependency-groups = ["nope"]
        [tool]
        poetry = 5
        """,
    )
    write(tmp_path, "uv.lock", '[[package]]\nname = "websockets"\n[[package]]\nversion = "1"\n')
    assert declared(tmp_path) is None


def test_duplicate_option_in_setup_cfg_does_not_raise(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", "[options]\ninstall_requires = websockets<13\ninstall_requires = websockets<12\n")
    assert declared(tmp_path) is not None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_named_like_a_requirements_file_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "requirements.txt")
    write(tmp_path, "requirements-dev.txt", "-r requirements.txt\nwebsockets<14\n")
    assert spec(declared(tmp_path)) == SpecifierSet("<14")


def test_symlinked_directory_loop_does_not_hang(tmp_path: Path) -> None:
    try:
        os.symlink(tmp_path, tmp_path / "again")
    except (OSError, NotImplementedError):
        pytest.skip("symlinks not available")
    write(tmp_path, "requirements.txt", "websockets<14\n")
    found = declared(tmp_path, directory="again/again/again")
    assert spec(found) == SpecifierSet("<14")


# --- versions: origins -------------------------------------------------------


def test_origin_for_a_declared_range(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "websockets>=13,<15\n")
    result = policy_for("websockets", declared(tmp_path), display_path=lambda p: p.relative_to(tmp_path).as_posix())
    assert result.origin == "websockets>=13,<15 in requirements.txt"
    assert result.specifier == SpecifierSet(">=13,<15")
    assert result.pinned == ()


def test_origin_and_meaning_without_a_declaration() -> None:
    result = policy(None)
    assert result.origin == "no websockets requirement found; assuming the newest release"
    assert result.allows_at_least("14.0")
    assert not result.allows_below("14.0")
    assert not result.all_below("14.0")
    assert result.allowed() == [Version(KNOWN_RELEASES["websockets"][-1])]


def test_no_declaration_for_an_untabled_package_means_newer_than_anything() -> None:
    assert policy(None, "some-lib").allows_at_least("100.0")


def test_origin_for_an_override() -> None:
    result = policy_from_override("websockets", "13.1", "--websockets-version 13.1")
    assert result.origin == "--websockets-version 13.1"
    assert result.pinned == (Version("13.1"),)
    assert result.all_below("14.0")


def test_override_specifiers() -> None:
    ranged = policy_from_override("websockets", ">=14,<15", "--websockets-version '>=14,<15'")
    assert ranged.pinned == () and ranged.specifier == SpecifierSet(">=14,<15")
    assert ranged.allows_at_least("14.0") and not ranged.allows_below("14.0")
    assert policy_from_override("websockets", "13.*", "x").all_below("14.0")


@pytest.mark.parametrize("value", ["", "latest", "=>14", "~=13", "14 or 15"])
def test_invalid_override_raises_a_clear_error(value: str) -> None:
    with pytest.raises(ValueError, match="expected a version such as 13.1 or a version specifier"):
        policy_from_override("websockets", value, "--websockets-version")


# --- versions: what a specifier admits ---------------------------------------


@pytest.mark.parametrize("text", ["<14", "~=13.0", "==13.*", "<=13.1", "==13.1", "<8"])
def test_ranges_entirely_below_14(text: str) -> None:
    result = spec_policy(text)
    assert result.all_below("14.0")
    assert not result.allows_at_least("14.0")


@pytest.mark.parametrize("text", [">=12", "!=14.0", ">13", ""])
def test_open_ranges_reach_14(text: str) -> None:
    result = spec_policy(text)
    assert result.allows_at_least("14.0")
    assert not result.all_below("14.0")


def test_range_straddling_14_allows_both() -> None:
    result = spec_policy(">=12,<14.1")
    assert result.allows_at_least("14.0") and result.allows_below("14.0")
    assert Version("14.0") in result.allowed() and Version("14.1") not in result.allowed()


def test_not_equal_still_allows_later_releases() -> None:
    allowed = spec_policy("!=14.0").allowed()
    assert Version("14.0") not in allowed
    assert Version("14.1") in allowed and Version("9999") in allowed


def test_exact_specifier_behaves_like_a_pin() -> None:
    result = spec_policy("==14.2")
    assert result.allowed() == [Version("14.2")]
    assert result.allows_at_least("14.0") and not result.allows_below("14.0")


def test_versions_named_in_the_specifier_are_candidates() -> None:
    result = spec_policy("==14.3.7")  # not a real release, still admitted
    assert result.allowed() == [Version("14.3.7")]
    assert spec_policy(">=2,<3", "unknown-lib").allowed() == [Version("2")]


def test_unsatisfiable_range_proves_nothing() -> None:
    result = spec_policy(">=15,<14")
    assert result.allowed() == []
    assert not result.all_below("14.0") and not result.allows_at_least("14.0")


def test_prereleases_named_in_a_specifier_are_admitted() -> None:
    assert spec_policy("==14.0rc1").allows_at_least("14.0rc1")


def test_pytest_asyncio_and_pytest_tables() -> None:
    assert spec_policy("<0.23", "pytest-asyncio").allowed()[-1] == Version("0.22.0")
    assert spec_policy(">=0.21,<0.22", "pytest_asyncio").allowed() == [
        Version(v) for v in ("0.21.0", "0.21.1", "0.21.2")
    ]
    assert spec_policy("~=8.3.0", "pytest").all_below("8.4")
    for releases in KNOWN_RELEASES.values():
        assert list(releases) == sorted(releases, key=Version)


def test_policy_from_a_declaration_with_an_invalid_specifier_means_any(tmp_path: Path) -> None:
    declaration = Declaration("websockets", "not a spec", (), tmp_path / "x.txt", "websockets??")
    assert policy(declaration).allows_at_least("14.0")


# --- requirement lines: the fast path agrees with packaging ---------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from packaging.requirements import InvalidRequirement, Requirement  # noqa: E402
from packaging.utils import canonicalize_name  # noqa: E402

from goldenpath_audit.auditor.dependencies import _mention, canonical_name  # noqa: E402


def _packaging_mention(line: str) -> tuple[str, str, str] | None:
    """What packaging's own PEP 508 parser makes of `line` (the oracle)."""
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return None
    text = line.split(";", 1)[0].strip() if requirement.marker is not None else line.strip()
    return canonicalize_name(requirement.name), str(requirement.specifier), text


def _our_mention(line: str) -> tuple[str, str, str] | None:
    mention = _mention(line, Path("pyproject.toml"))
    return None if mention is None else (mention.package, mention.specifier, mention.text)


@pytest.mark.parametrize(
    "line",
    [
        "websockets",
        "websockets>=14",
        "Websockets >= 14.0, <16",
        "pytest_asyncio==1.*",
        "foo.bar-baz~=2.1",
        "foo===1.0",
        "foo>=1.0.*",  # invalid: a wildcard only goes with == and !=
        "foo>=1,",
        "foo >=1 ,<2",
        "foo== 1.0.post1",
        "foo!=1.0-1",
        "foo>=1.0dev0",
        "websockets[speedups]>=14",
        "websockets>=14; python_version >= '3.9'",
        "websockets (>=14)",
        "websockets @ https://example.invalid/websockets.whl",
        "-e .",
        "1foo>=1",
        "foo-",
        "foo 1.0",
        "",
    ],
)
def test_requirement_lines_read_as_packaging_reads_them(line: str) -> None:
    assert _our_mention(line) == _packaging_mention(line)


_PIECES = st.sampled_from(
    ["websockets", "Py_Test", "a", "a.b-c", " ", "  ", ">=", "<", "==", "!=", "~=", "===", ">", "<=",
     "1", "14.0", "1.*", "2.0rc1", "1.0.post1", "0!1", "1+local", ",", ", ", "[x]", ";", "(", ")", "-", "."]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=8).map("".join))
def test_any_requirement_line_reads_as_packaging_reads_it(line: str) -> None:
    assert _our_mention(line) == _packaging_mention(line)


@given(st.text(alphabet="aZ09._-", min_size=1, max_size=12))
def test_canonical_name_is_packagings(name: str) -> None:
    assert canonical_name(name) == canonicalize_name(name)


# --- dev-dependency tables, Pipfile, noxfile, tox references -------------------


@pytest.mark.parametrize(
    ("relative", "text", "expected"),
    [
        # aiofiles 23.2: pdm's dev groups, installed by `pdm install -G test`.
        ("pyproject.toml", '[tool.pdm.dev-dependencies]\ntest = ["pytest", "pytest-asyncio>=0.19.0"]\n', ">=0.19.0"),
        ("pyproject.toml", '[tool.uv]\ndev-dependencies = ["pytest-asyncio<0.22"]\n', "<0.22"),
        ("pyproject.toml", '[tool.hatch.envs.test]\ndependencies = ["pytest-asyncio==0.21.1"]\n', "==0.21.1"),
        ("pyproject.toml", '[tool.hatch.envs.default]\nextra-dependencies = ["pytest-asyncio"]\n', ""),
        ("Pipfile", '[dev-packages]\npytest-asyncio = "==0.23.8"\n', "==0.23.8"),
        ("Pipfile", '[packages]\npytest_asyncio = {version = ">=1"}\n', ">=1"),
        ("Pipfile", '[dev-packages]\npytest-asyncio = "*"\n', ""),
        # noxfiles and tox matrices say which packages, not which versions.
        ("noxfile.py", 'def tests(session):\n    session.install("asyncmock", "pytest-asyncio>=0.21")\n', ""),
        ("tox.ini", "[testenv]\ndeps =\n    py3{11,12}: pytest-asyncio<1\n", ""),
        ("tox.ini", "[base]\ndeps =\n    pytest-asyncio\n[testenv]\ndeps = {[base]deps}\n", ""),
    ],
)
def test_more_declaration_formats(tmp_path: Path, relative: str, text: str, expected: str) -> None:
    write(tmp_path, relative, text)
    found = declared(tmp_path, "pytest-asyncio")
    assert found is not None and found.specifier == expected


def test_noxfile_options_and_paths_are_not_packages(tmp_path: Path) -> None:
    write(tmp_path, "noxfile.py", 'def t(session):\n    session.install("-r", "requirements/test.txt", "-e", ".", "./pkg")\n')
    (tmp_path / ".git").mkdir()
    assert DependencyIndex().declarations_in(tmp_path) == {}


def test_a_broken_noxfile_or_pipfile_declares_nothing(tmp_path: Path) -> None:
    write(tmp_path, "noxfile.py", "def t(session:\n    session.install('pytest-asyncio')\n")
    write(tmp_path, "Pipfile", "[packages\nx = 1\n")
    (tmp_path / ".git").mkdir()
    assert DependencyIndex().declarations_in(tmp_path) == {}


def test_a_plugin_declared_in_pdm_dev_dependencies_registers_its_marker(tmp_path: Path) -> None:
    """aiofiles 23.2.1: 78 GP201 `asyncio` findings before pdm's tables were read."""
    from conftest import run_engine

    write(tmp_path, ".git/HEAD", "")
    write(tmp_path, "pyproject.toml", '[project]\nname = "p"\n[tool.pdm.dev-dependencies]\ntest = ["pytest-asyncio>=0.19.0"]\n')
    write(tmp_path, "tests/test_a.py", "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_a():\n    pass\n")
    assert run_engine(tmp_path).findings == []


def test_rye_lock_files_declare_what_they_pin(tmp_path: Path) -> None:
    """openai's `requirements-dev.lock` (rye) pins respx, whose plugin registers the `respx` marker."""
    write(tmp_path, "requirements-dev.lock", "# generated by rye\n-e file:.\nrespx==0.22.0\n    # via openai\n")
    found = declared(tmp_path, "respx")
    assert found is not None and found.specifier == "==0.22.0"


def test_anyio_comes_with_mcp_and_asyncer() -> None:
    from goldenpath_audit.rules.pytest_plugins import PLUGIN_MARKERS

    anyio = next(entry for entry in PLUGIN_MARKERS if entry.distribution == "anyio")
    assert {"mcp", "asyncer"} <= set(anyio.required_by)


def test_tox_base_environment_ranges_hold_everywhere(tmp_path: Path) -> None:
    """The base [testenv]'s unconditional lines apply to every environment: their range counts."""
    write(
        tmp_path,
        "tox.ini",
        """
        [testenv]
        deps =
            websockets<14
            py3{11,12}: pytest-timeout>=2
        [testenv:new]
        deps = pytest-xdist>=3
        """,
    )
    assert spec(declared(tmp_path)) == SpecifierSet("<14")
    assert spec(declared(tmp_path, "pytest-timeout")) == SpecifierSet("")
    assert spec(declared(tmp_path, "pytest-xdist")) == SpecifierSet("")  # one named environment only


def test_lines_split_by_environment_markers_are_alternatives(tmp_path: Path) -> None:
    """gql 3.4.1: the two ranges exclude each other; each applies on some Pythons."""
    write(
        tmp_path,
        "setup.py",
        'setup(install_requires=["websockets>=9,<10;python_version<=\'3.6\'", '
        '"websockets>=10,<11;python_version>\'3.6\'"])\n',
    )
    assert spec(declared(tmp_path)) == SpecifierSet(">=9,<11")


def test_marker_alternatives_can_reach_14(tmp_path: Path) -> None:
    """`>=8,<11` before 3.8 and `>=10` after: 14.x installs on 3.8+ (the intersection said <11)."""
    write(
        tmp_path,
        "requirements.txt",
        "websockets>=8,<11; python_version<'3.8'\nwebsockets>=10; python_version>='3.8'\n",
    )
    assert spec(declared(tmp_path)) == SpecifierSet(">=8")


def test_a_conditional_expression_in_setup_py_gives_both_ranges(tmp_path: Path) -> None:
    """slack_sdk 3.19: one of two ranges, chosen by the running Python."""
    write(
        tmp_path,
        "setup.py",
        "import sys\nsetup(extras_require={'optional': [\n"
        "    'websockets>=10,<11' if sys.version_info.minor > 6 else 'websockets>=9.1,<10',\n]})\n",
    )
    assert spec(declared(tmp_path)) == SpecifierSet(">=9.1,<11")


def test_ranges_that_apply_together_still_intersect(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "websockets>=10\nwebsockets<14; python_version>='3.8'\n")
    assert spec(declared(tmp_path)) == SpecifierSet(">=10,<14")
