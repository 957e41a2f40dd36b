"""ModuleIndex: first-party module lookup and top-level names, on real temp trees, never importing them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from goldenpath_audit.auditor import module_index
from goldenpath_audit.auditor.module_index import ModuleIndex, pytest_roots
from goldenpath_audit.auditor.pytest_config import PytestConfig


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the index parses, in order."""
    seen: list[Path] = []
    original = module_index._parse

    def counting(raw: bytes, path: Path):
        seen.append(Path(path))
        return original(raw, path)

    monkeypatch.setattr(module_index, "_parse", counting)
    return seen


def names(index: ModuleIndex, module: str) -> frozenset[str]:
    info = index.find(module)
    assert info is not None, module
    return info.defined


# -- layouts ------------------------------------------------------------------------------------


def test_flat_layout(tmp_path: Path) -> None:
    write(tmp_path, {"app/__init__.py": "", "app/db/__init__.py": "", "app/db/clickhouse.py": "class Client: ...\n", "tool.py": "X = 1\n"})
    index = ModuleIndex.for_project(tmp_path)
    assert index.is_first_party("app.db.clickhouse")
    assert index.is_first_party("tool")
    assert not index.is_first_party("requests")
    info = index.find("app.db.clickhouse")
    assert info is not None and info.path == tmp_path / "app/db/clickhouse.py" and not info.is_package
    assert "Client" in info.defined and "Client" in info.definitions
    assert index.find("app.db.missing") is None
    assert index.find("app.db.clickhouse.Client") is None  # not a package
    assert index.has_submodule("app.db", "clickhouse")
    assert not index.has_submodule("app.db", "postgres")
    assert not index.has_submodule("tool", "x")


def test_src_layout(tmp_path: Path) -> None:
    write(tmp_path, {"src/app/__init__.py": "", "src/app/core.py": "def run(): ...\n", "tests/test_core.py": ""})
    index = ModuleIndex.for_project(tmp_path)
    assert index.roots == (tmp_path, tmp_path / "src")
    assert index.is_first_party("app")
    info = index.find("app.core")
    assert info is not None and info.path == tmp_path / "src/app/core.py"
    assert index.module_name_of(tmp_path / "src/app/core.py") == "app.core"  # the innermost root wins
    assert index.module_name_of(tmp_path / "src/app/__init__.py") == "app"


def test_for_project_deduplicates_and_adds_extra_roots(tmp_path: Path) -> None:
    write(tmp_path, {"lib/helpers.py": "def helper(): ...\n"})
    index = ModuleIndex.for_project(tmp_path, extra_roots=[tmp_path, tmp_path / "lib", tmp_path / "lib"])
    assert index.roots == (tmp_path, tmp_path / "lib")
    assert index.find("helpers") is not None


def test_pythonpath_roots_from_pytest_config(tmp_path: Path) -> None:
    write(tmp_path, {"project/backend/service.py": "API = 1\n", "project/tools/cli.py": ""})
    rootdir = tmp_path / "project"
    config = PytestConfig(path=rootdir / "pytest.ini", rootdir=rootdir, format="ini", section="pytest", options={"pythonpath": "backend tools"})
    assert pytest_roots(config) == [rootdir, rootdir / "backend", rootdir / "tools"]
    native = PytestConfig(path=None, rootdir=rootdir, format="pyproject-native", section=None, options={"pythonpath": ["backend"]})
    assert pytest_roots(native) == [rootdir, rootdir / "backend"]
    index = ModuleIndex.for_project(rootdir, extra_roots=pytest_roots(config))
    assert index.is_first_party("service") and index.is_first_party("cli")
    assert "API" in names(index, "service")
    assert not ModuleIndex.for_project(rootdir).is_first_party("service")


def test_namespace_packages(tmp_path: Path) -> None:
    write(tmp_path, {"app/db/clickhouse.py": "X = 1\n", "app/api/": ""})
    index = ModuleIndex([tmp_path])
    app = index.find("app")
    assert app is not None and app.path is None and app.is_package and app.is_namespace
    assert {"db", "api"} <= app.defined and not app.open_namespace
    assert index.find("app.db") is not None
    assert index.find("app.db.clickhouse").path == tmp_path / "app/db/clickhouse.py"  # type: ignore[union-attr]
    assert index.find("app.nothing") is None
    assert index.find("app.nothing.deeper") is None  # the parent must resolve too


def test_namespace_packages_merge_across_roots(tmp_path: Path) -> None:
    write(tmp_path, {"one/company/alpha.py": "A = 1\n", "two/company/beta/__init__.py": "B = 2\n"})
    index = ModuleIndex([tmp_path / "one", tmp_path / "two"])
    company = index.find("company")
    assert company is not None and company.is_namespace
    assert company.search_locations == (tmp_path / "one/company", tmp_path / "two/company")
    assert {"alpha", "beta"} <= company.defined
    assert "A" in names(index, "company.alpha")
    assert "B" in names(index, "company.beta")
    assert index.has_submodule("company", "beta")


def test_regular_package_shadows_later_roots(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "one/pkg/__init__.py": "FIRST = 1\n",
            "two/pkg/__init__.py": "SECOND = 2\n",
            "two/pkg/only_here.py": "",
            "one/mod.py": "",
            "two/mod/__init__.py": "",
        },
    )
    index = ModuleIndex([tmp_path / "one", tmp_path / "two"])
    pkg = index.find("pkg")
    assert pkg is not None and pkg.path == tmp_path / "one/pkg/__init__.py"
    assert "FIRST" in pkg.defined and "SECOND" not in pkg.defined
    assert index.find("pkg.only_here") is None
    assert index.find("mod").path == tmp_path / "one/mod.py"  # type: ignore[union-attr]


def test_module_beats_namespace_portion_in_a_later_root(tmp_path: Path) -> None:
    write(tmp_path, {"one/thing/data.txt": "", "two/thing.py": "T = 1\n"})
    index = ModuleIndex([tmp_path / "one", tmp_path / "two"])
    assert index.find("thing").path == tmp_path / "two/thing.py"  # type: ignore[union-attr]


def test_package_beats_module_in_the_same_directory(tmp_path: Path) -> None:
    write(tmp_path, {"x/__init__.py": "P = 1\n", "x.py": "M = 1\n"})
    assert "P" in names(ModuleIndex([tmp_path]), "x")


def test_top_level_stub_alone_is_not_a_module_and_extensions_are(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "stubbed.pyi": "X: int\n",
            "cythonized.pyx": "def f(): pass\n",
            "pkg/__init__.py": "",
            "pkg/fast.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
            "pkg/win.pyd": b"MZ",
        },
    )
    index = ModuleIndex([tmp_path])
    assert index.find("stubbed") is None and not index.is_first_party("stubbed")
    assert index.find("cythonized") is None
    fast = index.find("pkg.fast")
    assert fast is not None and fast.open_namespace and fast.path is not None and fast.path.suffix == ".so"
    assert index.find("pkg.win") is not None and index.find("pkg.win").open_namespace  # type: ignore[union-attr]
    assert {"fast", "win"} <= names(index, "pkg")


def test_submodules_the_build_compiles_exist_with_any_name(tmp_path: Path) -> None:
    """pandas, numpy, aiokafka: `lib.pyx` (Cython) or `_ujson.pyi` (C) beside no `.so` in a checkout."""
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/_libs/__init__.py": "from pkg._libs import lib\n",
            "pkg/_libs/lib.pyx": "def no_default(): pass\n",
            "pkg/_libs/lib.pyi": "def no_default() -> None: ...\n",
            "pkg/_libs/_ujson.pyi": "def dumps(x: object) -> str: ...\n",
            "pkg/_libs/pure.py": "A = 1\n",
            "pkg/_libs/pure.pyx": "",
            "pkg/_libs/helpers.pxd": "",
        },
    )
    index = ModuleIndex([tmp_path])
    for module in ("pkg._libs.lib", "pkg._libs._ujson"):
        info = index.find(module)
        assert info is not None and info.open_namespace and info.has_name("anything"), module
    pure = index.find("pkg._libs.pure")
    assert pure is not None and pure.path == tmp_path / "pkg/_libs/pure.py" and not pure.has_name("B")
    assert index.find("pkg._libs.helpers") is None  # a .pxd declares, it is not a module
    assert {"lib", "_ujson", "pure"} <= names(index, "pkg._libs")


def test_namespace_directory_named_like_an_installed_or_stdlib_package_is_not_first_party(tmp_path: Path) -> None:
    # An `alembic/` migrations folder (no __init__.py) does not shadow the installed alembic package.
    write(tmp_path, {"alembic/env.py": "", "email/notes.py": "", "logging.py": "", "mine/x.py": ""})
    index = ModuleIndex.for_project(tmp_path, installed={"alembic"})
    assert not index.is_first_party("alembic.config")
    assert index.find("alembic") is None
    assert not index.is_first_party("email")  # the stdlib's regular package wins over a namespace portion
    assert index.is_first_party("logging")  # a regular module on a prepended path does shadow the stdlib
    assert index.is_first_party("mine.x")
    assert not index.is_first_party("sys")


def test_a_folder_without_modules_is_not_a_namespace_package(tmp_path: Path) -> None:
    """A `tests/yaml/` of fixtures does not shadow PyYAML; a folder with modules deep down still counts."""
    write(
        tmp_path,
        {
            "yaml/case.yaml": "a: 1\n",
            "yaml/nested/more.yaml": "",
            "attr/x.txt": "",
            "ns/deep/er/mod.py": "X = 1\n",
            "built/deep/fast.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
        },
    )
    index = ModuleIndex([tmp_path])
    assert index.find("yaml") is None and not index.is_first_party("yaml")
    assert not index.is_first_party("attr")
    assert index.is_first_party("ns") and index.find("ns.deep.er.mod") is not None
    assert index.is_first_party("built")


def test_submodules_a_build_file_declares_exist_with_any_name(tmp_path: Path) -> None:
    """numpy, pandas (meson) and aiohttp (setuptools) build modules an unbuilt checkout lacks."""
    write(
        tmp_path,
        {
            "meson.build": "py.install_sources('_version_meson.py', subdir: 'pkg')\n",
            "setup.py": "Extension('pkg.speedups', ['pkg/speedups.c'])\n",
            "pkg/__init__.py": "",
            "pkg/core/__init__.py": "",
            "pkg/core/meson.build": (
                "py.extension_module('_umath',\n  ['src/umath.c'])\n"
                "ext = {\n    'parser': {'sources': ['src/io.c']},\n}\n"
            ),
        },
    )
    index = ModuleIndex([tmp_path])
    for module in ("pkg.core._umath", "pkg.core.parser", "pkg._version_meson", "pkg.speedups"):
        info = index.find(module)
        assert info is not None and info.open_namespace, module
    assert index.find("pkg.core.other") is None
    assert index.find("pkg.src") is None  # a quoted path fragment is not a module name
    assert index.find("pkg.core.speedups") is None  # setup.py names the dotted module, not a bare tail


# -- pytest's prepend-mode basedir ------------------------------------------------------------


def test_importer_basedir_without_init(tmp_path: Path) -> None:
    write(tmp_path, {"tests/helpers.py": "def make(): ...\n", "tests/test_x.py": "import helpers\n", "other.py": ""})
    index = ModuleIndex.for_project(tmp_path)
    test_file = tmp_path / "tests/test_x.py"
    assert index.basedir(test_file) == tmp_path / "tests"
    assert not index.is_first_party("helpers")
    assert index.is_first_party("helpers", importer=test_file)
    info = index.find("helpers", importer=test_file)
    assert info is not None and "make" in info.definitions
    assert index.find("helpers") is None
    assert index.find("other", importer=test_file) is not None  # the normal roots still count


def test_importer_basedir_with_init(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "repo/tests/__init__.py": "",
            "repo/tests/helpers.py": "",
            "repo/tests/unit/__init__.py": "",
            "repo/tests/unit/test_x.py": "",
        },
    )
    index = ModuleIndex([tmp_path / "elsewhere"])
    test_file = tmp_path / "repo/tests/unit/test_x.py"
    assert index.basedir(test_file) == tmp_path / "repo"
    assert not index.is_first_party("helpers", importer=test_file)
    assert index.is_first_party("tests.helpers", importer=test_file)
    assert index.find("tests.unit.test_x", importer=test_file).path == test_file  # type: ignore[union-attr]
    assert index.resolve_relative(test_file, "helpers", 2) == "tests.helpers"


# -- relative imports ---------------------------------------------------------------------------


@pytest.fixture
def package_tree(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "src/app/__init__.py": "",
            "src/app/models.py": "",
            "src/app/db/__init__.py": "",
            "src/app/db/engine/__init__.py": "",
            "src/app/db/engine/core.py": "",
        },
    )


def test_relative_imports(package_tree: Path) -> None:
    index = ModuleIndex.for_project(package_tree)
    core = package_tree / "src/app/db/engine/core.py"
    assert index.resolve_relative(core, "helpers", 1) == "app.db.engine.helpers"
    assert index.resolve_relative(core, None, 1) == "app.db.engine"
    assert index.resolve_relative(core, "x.y", 2) == "app.db.x.y"
    assert index.resolve_relative(core, "models", 3) == "app.models"
    assert index.resolve_relative(core, None, 3) == "app"
    assert index.resolve_relative(core, "models", 4) is None  # escapes the top-level package
    assert index.resolve_relative(core, "absolute.name", 0) == "absolute.name"


def test_relative_import_in_a_package_inside_a_same_named_folder(tmp_path: Path) -> None:
    """numpy's benchmarks/benchmarks/: pytest imports the inner package from its basedir, as `benchmarks`."""
    write(
        tmp_path,
        {
            "benchmarks/benchmarks/__init__.py": "",
            "benchmarks/benchmarks/common.py": "class Benchmark: ...\n",
            "benchmarks/benchmarks/bench_app.py": "from .common import Benchmark\n",
            "benchmarks/benchmarks/test_app.py": "from .common import Benchmark\n",
        },
    )
    index = ModuleIndex.for_project(tmp_path)
    bench = tmp_path / "benchmarks/benchmarks/bench_app.py"
    # A package module is named from the project root (`benchmarks/` is a namespace package there).
    resolved = index.resolve_relative(bench, "common", 1)
    assert resolved == "benchmarks.benchmarks.common"
    info = index.find(resolved, importer=bench)
    assert info is not None and "Benchmark" in info.definitions
    # A test module in it is imported from its basedir, as pytest does: `benchmarks.common`.
    test = tmp_path / "benchmarks/benchmarks/test_app.py"
    assert index.resolve_relative(test, "common", 1) == "benchmarks.common"
    info = index.find("benchmarks.common", importer=test)
    assert info is not None and "Benchmark" in info.definitions


def test_relative_import_in_package_init(package_tree: Path) -> None:
    index = ModuleIndex.for_project(package_tree)
    init = package_tree / "src/app/db/__init__.py"
    assert index.resolve_relative(init, None, 1) == "app.db"  # `from . import x`
    assert index.resolve_relative(init, "engine", 1) == "app.db.engine"
    assert index.resolve_relative(init, None, 2) == "app"
    assert index.resolve_relative(init, None, 3) is None
    top = package_tree / "src/app/__init__.py"
    assert index.resolve_relative(top, "models", 1) == "app.models"
    assert index.resolve_relative(top, None, 2) is None


def test_relative_import_from_a_top_level_module_escapes(tmp_path: Path) -> None:
    write(tmp_path, {"script.py": ""})
    index = ModuleIndex([tmp_path])
    assert index.resolve_relative(tmp_path / "script.py", "x", 1) is None


def test_relative_import_in_namespace_packages(tmp_path: Path) -> None:
    write(tmp_path, {"src/app/db/clickhouse.py": "", "src/app/db/__init__.py": ""})
    index = ModuleIndex.for_project(tmp_path)
    assert index.resolve_relative(tmp_path / "src/app/db/clickhouse.py", "config", 2) == "app.config"


def test_relative_import_outside_every_root_uses_the_basedir(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/mod.py": ""})
    index = ModuleIndex([tmp_path / "unrelated"])
    assert index.resolve_relative(tmp_path / "pkg/sub/mod.py", "other", 2) == "pkg.other"
    assert index.module_name_of(tmp_path / "pkg/sub/mod.py") is None


def test_module_name_of(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "", "not-a-name/x.py": "", "data.txt": ""})
    index = ModuleIndex([tmp_path])
    assert index.module_name_of(tmp_path / "pkg/a.py") == "pkg.a"
    assert index.module_name_of(tmp_path / "pkg/__init__.py") == "pkg"
    assert index.module_name_of(tmp_path / "not-a-name/x.py") is None
    assert index.module_name_of(tmp_path / "data.txt") is None
    assert index.module_name_of(tmp_path.parent / "elsewhere.py") is None


# -- names a module binds -----------------------------------------------------------------------

BINDINGS = '''\
import os
import a.b.c
import json as js
from x import y as z, w
def f(): pass
async def af(): pass
class C: pass
v = 1
t1, (t2, *t3) = 1, (2, 3, 4)
ann: int = 1
bare_ann: str
aug = 0
aug += 1
(walrus := 5)
[inner := i for i in range(3)]
for loop_var in range(3):
    in_for = 1
else:
    for_else = 1
while False:
    in_while = 1
with open(p) as handle, open(q) as (h1, h2):
    in_with = 1
try:
    in_try = 1
except ValueError as error:
    in_except = 1
else:
    in_else = 1
finally:
    in_finally = 1
if cond:
    in_if = 1
elif other:
    in_elif = 1
else:
    in_else_branch = 1
match command:
    case [captured, *rest]:
        in_case = 1
    case {"k": 1, **mapping_rest}:
        pass
    case Point(x=0) as whole:
        pass
def setter():
    global from_global, global_only
    from_global = 1
class Holder:
    attribute = 1
    def method(self):
        global from_method
        from_method = 2
def local_only():
    not_module_level = 1
lam = lambda lam_arg: lam_arg
comp = [comp_target for comp_target in range(3)]
obj.attr = 1
d[key] = 1
'''


def test_every_binding_form(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": BINDINGS})
    info = ModuleIndex([tmp_path]).find("mod")
    assert info is not None and not info.open_namespace
    expected = {
        "os", "a", "js", "z", "w", "f", "af", "C", "v", "t1", "t2", "t3", "ann", "bare_ann", "aug",
        "walrus", "inner", "loop_var", "in_for", "for_else", "in_while", "handle", "h1", "h2", "in_with",
        "in_try", "in_except", "in_else", "in_finally", "in_if", "in_elif", "in_else_branch",
        "captured", "rest", "in_case", "mapping_rest", "whole", "setter", "from_global", "global_only",
        "Holder", "from_method", "local_only", "lam", "comp",
    }  # fmt: skip
    assert expected <= info.defined
    for absent in ("json", "x", "y", "b", "error", "attribute", "method", "not_module_level", "lam_arg", "comp_target", "i", "obj", "attr", "d", "key"):
        assert absent not in info.defined, absent
    assert {"__name__", "__file__", "__doc__"} <= info.defined
    assert "__path__" not in info.defined


def test_keyword_only_arguments_without_defaults(tmp_path: Path) -> None:
    """`kw_defaults` holds None for `*, a`: walking it crashed every run that looked the module up."""
    write(tmp_path, {"mod.py": "def f(*, a, b=DEFAULT, c):\n    pass\n"})
    info = ModuleIndex([tmp_path]).find("mod")
    assert info is not None and not info.open_namespace
    assert "f" in info.defined


def test_definitions_exclude_imports_and_import_fallbacks(tmp_path: Path) -> None:
    source = (
        "import os\n"
        "from x import imported\n"
        "try:\n"
        "    from fast import speedy, maybe\n"
        "except ImportError:\n"
        "    speedy = None\n"
        "    def maybe(): ...\n"
        "    fallback_own = 1\n"
        "def func(): ...\n"
        "class Klass: ...\n"
        "CONST = 1\n"
        "def setter():\n"
        "    global glob\n"
        "    glob = 2\n"
    )
    write(tmp_path, {"mod.py": source})
    info = ModuleIndex([tmp_path]).find("mod")
    assert info is not None
    assert {"os", "imported", "speedy", "maybe"} <= info.defined
    assert info.definitions == {"func", "Klass", "CONST", "setter", "glob", "fallback_own"}
    assert info.location == {"fallback_own": 8, "func": 9, "Klass": 10, "CONST": 11, "setter": 12, "glob": 14}


def test_first_definition_line_and_decorated_functions(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": "X = 1\n\n@decorator\ndef f(): ...\nX = 2\n"})
    info = ModuleIndex([tmp_path]).find("mod")
    assert info is not None and info.location == {"X": 1, "f": 4}


def test_dunder_all(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "listed.py": "__all__ = ['a', 'b']\na = 1\n",
            "tupled.py": "__all__ = ('a',)\n__all__ += ['later']\n__all__.extend(['ext'])\n__all__.append('app')\n",
            "dynamic.py": "__all__ = [name for name in dir()]\n",
            "mixed.py": "__all__ = ['a', 1]\n",
            "annotated.py": "__all__: list[str] = ['ann']\n",
            "none.py": "x = 1\n",
        },
    )
    index = ModuleIndex([tmp_path])
    listed = index.find("listed")
    assert listed is not None and listed.exports == ("a", "b") and "b" in listed.defined and "b" not in listed.definitions
    assert index.find("tupled").exports == ("a", "later", "ext", "app")  # type: ignore[union-attr]
    assert index.find("dynamic").exports == ()  # type: ignore[union-attr]
    assert index.find("mixed").exports == ()  # type: ignore[union-attr]
    assert index.find("annotated").exports == ("ann",)  # type: ignore[union-attr]
    assert index.find("none").exports == ()  # type: ignore[union-attr]


def test_submodules_are_package_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "from .a import thing\n",
            "pkg/a.py": "thing = 1\n",
            "pkg/b.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/ns_dir/data.txt": "",
            "pkg/notes.txt": "",
            "pkg/__pycache__/a.cpython-311.pyc": b"",
            "pkg/not-ident.py": "",
        },
    )
    pkg = ModuleIndex([tmp_path]).find("pkg")
    assert pkg is not None and pkg.is_package and pkg.path == tmp_path / "pkg/__init__.py"
    assert {"thing", "a", "b", "sub", "ns_dir", "__path__"} <= pkg.defined
    assert "notes" not in pkg.defined and "__pycache__" not in pkg.defined and "__init__" not in pkg.defined
    assert "a" not in pkg.definitions


@pytest.mark.parametrize(
    "source",
    [
        "from os.path import *\n",
        "def __getattr__(name): ...\n",
        "__getattr__ = lambda name: None\n",
        "globals()['made'] = 1\n",
        "globals().update(made=1)\n",
        "import sys\nsys.modules[__name__] = object()\n",
        "if cond:\n    from other import *\n",
        "import sys\nsys.modules[__name__].__getattr__ = lambda name: None\n",  # trio's deprecations
        "import sys\nsys.modules[__name__].__class__ = type\n",
        "import sys\nsetattr(sys.modules[__name__], 'Bar', 1)\n",
        "def _add(n):\n    from pkg import mod\n    setattr(mod, n, 1)\n",  # numpy.dtypes
        "import pkg.mod as me\nsetattr(me, 'X', 1)\n",
        "from pkg import _deprecate\n_deprecate.deprecate_attributes(__name__, {'Old': 1})\n",
        "from . import local\nold, new = local.recreate_module(__name__, by_module={})\n",  # celery
        "import lazy_loader as lazy\n__getattr__, __dir__, __all__ = lazy.attach(__name__, ['a'])\n",
        "from google.protobuf.internal import builder as _builder\n_builder.BuildTopDescriptorsAndMessages(D, 'x_pb2', globals())\n",
    ],
)
def test_open_namespace(tmp_path: Path, source: str) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": source})
    info = ModuleIndex([tmp_path]).find("pkg.mod")
    assert info is not None and info.open_namespace and info.has_name("anything")


@pytest.mark.parametrize(
    "source",
    [
        "import logging\nlogger = logging.getLogger(__name__)\n",  # `__name__` handed to something else
        "class C:\n    pass\nsetattr(C, 'x', 1)\n",  # setattr on an object that is not the module
        "import sys\nname = sys.modules[__name__].__name__\n",  # reading is not writing
        "from pkg import other\nsetattr(other, 'x', 1)\n",  # another module's namespace
    ],
)
def test_closed_namespace(tmp_path: Path, source: str) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/other.py": "", "pkg/mod.py": source})
    info = ModuleIndex([tmp_path]).find("pkg.mod")
    assert info is not None and not info.open_namespace and not info.has_name("anything")


@pytest.mark.parametrize(
    "content",
    [
        "def broken(:\n",
        b"x = '\xff\xfe'\n",  # not UTF-8 and no coding cookie
        b"# -*- coding: no-such-codec -*-\nx = 1\n",
        b"x = 1\x00\n",
        "x = " + "(" * 1000 + ")" * 1000 + "\n",
        "x = " + "-" * 100_000 + "1\n",
    ],
)
def test_broken_files_are_open_namespace(tmp_path: Path, content: str | bytes) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/bad.py": content})
    index = ModuleIndex([tmp_path])
    info = index.find("pkg.bad")
    assert info is not None and info.open_namespace and info.definitions == frozenset()
    assert index.defining_modules("x") == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_special_files_are_not_modules(tmp_path: Path, parses: list[Path]) -> None:
    write(tmp_path, {"pkg/__init__.py": ""})
    os.mkfifo(tmp_path / "pkg/fifo.py")  # Python's FileFinder wants a regular file; reading would block
    (tmp_path / "pkg/dangling.py").symlink_to(tmp_path / "nowhere.py")
    index = ModuleIndex([tmp_path])
    assert index.find("pkg.fifo") is None
    assert index.find("pkg.dangling") is None
    assert index.defining_modules("x") == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_is_open_namespace(tmp_path: Path) -> None:
    write(tmp_path, {"secret.py": "X = 1\n"})
    (tmp_path / "secret.py").chmod(0)
    try:
        info = ModuleIndex([tmp_path]).find("secret")
        assert info is not None and info.open_namespace
    finally:
        (tmp_path / "secret.py").chmod(0o644)


def test_unreadable_file_is_open_namespace_when_reading_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"secret.py": "X = 1\n"})
    monkeypatch.setattr(module_index, "_read", lambda path: None)
    info = ModuleIndex([tmp_path]).find("secret")
    assert info is not None and info.open_namespace and info.definitions == frozenset()


def test_latin1_file_with_cookie(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": "# -*- coding: latin-1 -*-\ncaf\xe9 = 'x'\n".encode("latin-1")})
    info = ModuleIndex([tmp_path]).find("mod")
    assert info is not None and "café" in info.definitions and not info.open_namespace


def test_dynamic_package_path_makes_missing_submodules_unknown(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "plugins/__init__.py": "from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n",
            "static/__init__.py": "",
            "broken/__init__.py": "def (\n",
        },
    )
    index = ModuleIndex([tmp_path])
    assert index.has_submodule("plugins", "anything")
    unknown = index.find("plugins.anything")
    assert unknown is not None and unknown.open_namespace
    assert not index.has_submodule("static", "anything") and index.find("static.anything") is None
    assert index.has_submodule("broken", "anything")


# -- defining_modules ---------------------------------------------------------------------------


def test_defining_modules(tmp_path: Path, parses: list[Path]) -> None:
    write(
        tmp_path,
        {
            "src/app/__init__.py": "from .models import User\n",
            "src/app/models.py": "class User: ...\n",
            "src/app/legacy.py": "User = None\n",
            "src/app/views.py": "from app.models import User\n",
            "src/app/other.py": "class Account: ...\n",
            "tests/test_user.py": "def test(): User = 1\n",
            "tests/factories.py": "class User: ...\n",
            ".venv/lib/python3.11/site-packages/dep/__init__.py": "class User: ...\n",
            "venvdir/pyvenv.cfg": "",
            "venvdir/lib/thing.py": "class User: ...\n",
            "node_modules/x/y.py": "class User: ...\n",
            "build/lib/app/models.py": "class User: ...\n",
            "dist/z.py": "class User: ...\n",
        },
    )
    index = ModuleIndex.for_project(tmp_path)
    assert index.defining_modules("User") == ["app.legacy", "app.models", "tests.factories"]
    parsed = {path.relative_to(tmp_path).as_posix() for path in parses}
    # the byte pre-filter: files that never mention `User` are not parsed
    assert "src/app/other.py" not in parsed
    assert parsed <= {"src/app/__init__.py", "src/app/models.py", "src/app/legacy.py", "src/app/views.py", "tests/test_user.py", "tests/factories.py"}
    before = len(parses)
    assert index.defining_modules("User") == ["app.legacy", "app.models", "tests.factories"]
    assert len(parses) == before  # cached
    assert index.defining_modules("Account") == ["app.other"]
    assert index.defining_modules("Nowhere") == []
    assert index.defining_modules("User", candidates=["app", "app.models", "app.views", "missing.mod"]) == ["app.models"]


def test_defining_modules_survives_symlink_loops(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": "TARGET = 1\n"})
    (tmp_path / "pkg/loop").symlink_to(tmp_path / "pkg", target_is_directory=True)
    (tmp_path / "pkg/up").symlink_to(tmp_path, target_is_directory=True)
    index = ModuleIndex([tmp_path])
    assert index.defining_modules("TARGET") == ["pkg.mod"]


def test_defining_modules_skips_shadowed_files(tmp_path: Path) -> None:
    write(tmp_path, {"one/pkg/__init__.py": "", "two/pkg/__init__.py": "", "two/pkg/mod.py": "TARGET = 1\n"})
    assert ModuleIndex([tmp_path / "one", tmp_path / "two"]).defining_modules("TARGET") == []


# -- laziness -------------------------------------------------------------------------------------


def test_lookups_are_lazy(tmp_path: Path, parses: list[Path]) -> None:
    files = {f"app/mod{i}.py": f"X{i} = {i}\n" for i in range(20)}
    files.update({"app/__init__.py": "", "app/db/__init__.py": "", "app/db/clickhouse.py": "class Client: ...\n"})
    write(tmp_path, files)
    index = ModuleIndex.for_project(tmp_path)
    assert index.is_first_party("app.db.clickhouse")
    assert index.has_submodule("app", "db")
    assert parses == []  # locating needs no parsing
    assert index.find("app.mod3.nope") is None
    assert parses == [tmp_path / "app/mod3.py"]  # a miss reads only the parent (is its path dynamic?)
    parses.clear()
    info = index.find("app.db.clickhouse")
    assert info is not None and "Client" in info.defined
    allowed = {tmp_path / "app/db/clickhouse.py", tmp_path / "app/db/__init__.py", tmp_path / "app/__init__.py"}
    assert tmp_path / "app/db/clickhouse.py" in parses and set(parses) <= allowed
    count = len(parses)
    assert index.find("app.db.clickhouse") is info  # cached
    index.find("app.db.clickhouse", importer=tmp_path / "tests/test_x.py")
    assert len(parses) == count  # a file is parsed once, whoever asks


def test_never_executes_the_project(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    write(tmp_path, {"evil.py": f"open({str(marker)!r}, 'w').close()\nX = 1\n"})
    index = ModuleIndex([tmp_path])
    assert "X" in names(index, "evil") and index.defining_modules("X") == ["evil"]
    assert not marker.exists() and "evil" not in sys.modules


def test_missing_roots_and_odd_names(tmp_path: Path) -> None:
    index = ModuleIndex([tmp_path / "does-not-exist"])
    assert index.find("anything") is None
    assert not index.is_first_party("")
    assert not index.is_first_party(".relative")
    assert index.find("") is None and index.find("a..b") is None
    assert index.defining_modules("X") == []


# -- real-world layouts (each from an audited release) ---------------------------------------


def test_a_namespace_package_other_distributions_extend_is_open(tmp_path: Path) -> None:
    """opentelemetry-sdk ships `opentelemetry.sdk`; `opentelemetry.trace` comes from opentelemetry-api."""
    write(tmp_path, {"src/acme/sdk/__init__.py": "X = 1\n"})
    index = ModuleIndex([tmp_path, tmp_path / "src"], distributions=["acme-sdk"])
    acme = index.find("acme")
    assert acme is not None and acme.open_namespace  # `from acme import trace`
    assert index.find("acme.metrics") is not None  # another distribution's portion
    assert index.find("acme.sdk.nothere") is None  # what the tree ships is still judged
    assert not index.find("acme.sdk").has_name("Y")  # type: ignore[union-attr]


def test_a_namespace_package_of_the_project_alone_stays_closed(tmp_path: Path) -> None:
    write(tmp_path, {"app/db/__init__.py": "", "app/helpers.py": "", "lib/api/__init__.py": ""})
    index = ModuleIndex([tmp_path], distributions=["my-service", "app"])  # no multi-part name starts with app/lib
    assert index.find("app.nothing") is None
    assert index.find("lib.nothing") is None
    shared = ModuleIndex([tmp_path], distributions=["app-core"])
    assert shared.find("app.nothing") is None  # app/ holds a module of its own: the project's


def test_pkg_resources_namespace_package_has_a_dynamic_path(tmp_path: Path) -> None:
    """zope.component 5.1: `src/zope/__init__.py` declares the namespace."""
    write(
        tmp_path,
        {
            "src/zope/__init__.py": "__import__('pkg_resources').declare_namespace(__name__)\n",
            "src/zope/component/__init__.py": "",
        },
    )
    index = ModuleIndex([tmp_path / "src"])
    assert index.find("zope.interface") is not None
    assert index.find("zope.component.nothere") is None


def test_module_level_exec_opens_the_namespace(tmp_path: Path) -> None:
    """twisted.words.xish.xpath defines its parser classes in a module-level `exec`."""
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/parser.py": 'exec(r"""class Parser: pass""")\n',
            "pkg/plain.py": "def run():\n    exec('x = 1')\n",
        },
    )
    index = ModuleIndex([tmp_path])
    assert index.find("pkg.parser").has_name("Parser")  # type: ignore[union-attr]
    assert not index.find("pkg.plain").has_name("x")  # type: ignore[union-attr]  # a function's exec is local


def test_cython_sources_alone_do_not_make_a_namespace_package(tmp_path: Path) -> None:
    """pyyaml: `yaml/_yaml.pyx` at the root, the package itself under `lib/` (installed)."""
    write(tmp_path, {"pkg/_ext.pyx": "", "pkg/_ext.pxd": "", "lib/pkg/__init__.py": "", "lib/pkg/sub.py": ""})
    assert ModuleIndex([tmp_path]).find("pkg.sub") is None
    assert not ModuleIndex([tmp_path]).is_first_party("pkg")


def test_generated_and_compiled_submodules_from_other_build_tools(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.setuptools_scm]\nversion_file = "src/pkg/_version.py"\n',
            "setup.py": 'setup(cffi_modules=["build_ffi.py:ffi"])\n',
            "build_ffi.py": 'ffi.set_source("pkg._lib", "")\n',
            "CMakeLists.txt": "python_add_library(_core MODULE src/core.c WITH_SOABI)\ninstall(TARGETS _core DESTINATION pkg)\n",
            "src/pkg/__init__.py": "",
        },
    )
    index = ModuleIndex([tmp_path, tmp_path / "src"])
    for module in ("pkg._version", "pkg._lib", "pkg._core"):
        info = index.find(module)
        assert info is not None and info.open_namespace, module
    assert index.find("pkg._other") is None
    assert index.find("pkg.core") is None  # `src/core.c` is a source, not a target


def test_hatch_vcs_version_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.hatch.build.hooks.vcs]\nversion-file = "pkg/_version.py"\n',
            "pkg/__init__.py": "",
        },
    )
    assert ModuleIndex([tmp_path]).find("pkg._version") is not None


def test_a_declared_dependency_found_only_beside_the_importer_is_not_first_party(tmp_path: Path) -> None:
    """openai-agents: `examples/realtime/twilio/server.py` imports the twilio SDK it depends on."""
    write(tmp_path, {"examples/realtime/twilio/__init__.py": "", "examples/realtime/twilio/server.py": ""})
    importer = tmp_path / "examples/realtime/twilio/server.py"
    assert not ModuleIndex([tmp_path], installed={"twilio"}).is_first_party("twilio", importer=importer)
    # A package's own module is imported through its package, never through the basedir.
    assert not ModuleIndex([tmp_path]).is_first_party("twilio", importer=importer)
    # A test module there is imported from its basedir (`examples/realtime/`): `twilio` is the folder.
    test = tmp_path / "examples/realtime/twilio/test_server.py"
    assert ModuleIndex([tmp_path]).is_first_party("twilio", importer=test)
    assert not ModuleIndex([tmp_path], installed={"twilio"}).is_first_party("twilio", importer=test)


def test_a_namespace_portion_beside_a_test_does_not_shadow_an_installed_package(tmp_path: Path) -> None:
    """`tests/requests/sample_helper.py` (no `__init__.py`): `import requests.adapters` is the library."""
    write(tmp_path, {"tests/requests/sample_helper.py": "x = 1\n", "tests/test_a.py": ""})
    assert not ModuleIndex([tmp_path]).is_first_party("requests", importer=tmp_path / "tests/test_a.py")


def test_more_generated_names(tmp_path: Path) -> None:
    """pdm's `write_to` is relative to the package directory; protobuf's `_pb2` fill `_globals = globals()`;
    a package may import its module `__getattr__`."""
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.pdm.version]\nsource = "scm"\nwrite_to = "pkg/__version__.py"\n',
            "src/pkg/__init__.py": "from ._lazy import __getattr__\n",
            "src/pkg/_lazy.py": "def __getattr__(name):\n    return name\n",
            "src/pkg/gen_pb2.py": "_globals = globals()\n_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'gen_pb2', _globals)\n",
        },
    )
    index = ModuleIndex([tmp_path, tmp_path / "src"])
    assert index.find("pkg.__version__") is not None
    assert index.find("pkg").has_name("anything")  # type: ignore[union-attr]
    assert index.find("pkg.gen_pb2").has_name("Msg")  # type: ignore[union-attr]


def test_llama_index_style_namespace_packages_are_shared(tmp_path: Path) -> None:
    """llama-index-llms-openai ships `llama_index.llms.openai`; `llama_index.core` is llama-index-core's."""
    write(tmp_path, {"llama_index/llms/openai/__init__.py": ""})
    index = ModuleIndex([tmp_path], distributions=["llama-index-llms-openai", "llama-index-core"])
    assert index.find("llama_index.core.llms") is not None
    assert index.find("llama_index.llms.openai.nothere") is None


def test_main_modules_are_not_importable(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/__main__.py": "", "pkg/cli.py": ""})
    index = ModuleIndex([tmp_path])
    assert not index.importable(tmp_path / "pkg/__main__.py", lambda name: False)
    assert index.importable(tmp_path / "pkg/cli.py", lambda name: False)


def test_cmake_target_named_through_a_variable(tmp_path: Path) -> None:
    """pyzmq: `set(ZMQ_EXT_NAME "_cffi")` ... `python_add_library(${ZMQ_EXT_NAME} ...)`."""
    write(
        tmp_path,
        {
            "CMakeLists.txt": 'set(EXT "_cffi")\npython_add_library(${EXT} MODULE x.c)\n',
            "pkg/__init__.py": "",
        },
    )
    assert ModuleIndex([tmp_path]).find("pkg._cffi") is not None
    assert ModuleIndex([tmp_path]).find("pkg._other") is None


def test_names_bound_only_for_type_checkers_do_not_exist(tmp_path: Path) -> None:
    """`from pkg.mod import OnlyTyping` raises ImportError when only `if TYPE_CHECKING:` binds it."""
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": (
                "from typing import TYPE_CHECKING\nimport typing\n\n"
                "if TYPE_CHECKING:\n    from collections import OrderedDict as OnlyTyping\n"
                "    from collections import deque as Both\nelse:\n    Both = list\n\n"
                "if not typing.TYPE_CHECKING:\n    RunTime = 1\nelse:\n    Hidden = 2\n"
            ),
        },
    )
    info = ModuleIndex([tmp_path]).find("pkg.mod")
    assert info is not None
    assert not info.has_name("OnlyTyping") and not info.has_name("Hidden")
    assert info.has_name("Both") and info.has_name("RunTime") and info.has_name("TYPE_CHECKING")
