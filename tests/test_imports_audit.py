"""GP301-GP304 on real temp trees: exact findings for every import form and layout.

Each test writes a small project (with a `.git` marker so nothing above the temp
dir is consulted), runs the real engine with only the GP3xx rules, and compares
exact (path, line, column, code) tuples plus message fragments. Nothing of the
audited tree is ever imported.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from goldenpath_audit.auditor.findings import CheckResult, Finding

# A flat-layout project shared by most tests.
APP = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/config.py": "class Settings:\n    pass\n\n\nDEFAULT_TIMEOUT = 5\n",
    "app/db/__init__.py": (
        "from app.db.session import Session\n"
        "\n"
        "__all__ = ['Session', 'lazy_engine']\n"
    ),
    "app/db/session.py": "class Session:\n    pass\n\n\ndef connect():\n    return Session()\n",
    "app/db/lazy.py": "def __getattr__(name):\n    raise AttributeError(name)\n",
    "app/db/star.py": "from app.db.session import *\n",
}


@pytest.fixture
def audit(project: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """`audit(files)` -> CheckResult of the GP3xx rules on a tree of APP plus `files`."""

    def run(files: dict[str, str], *, base: dict[str, str] | None = None) -> CheckResult:
        return project({**(APP if base is None else base), **files}, select=["GP3"])

    return run


def keys(result: CheckResult) -> list[tuple[str, int, int, str]]:
    assert result.errors == []
    return [(f.path, f.line, f.column, f.code) for f in result.findings]


def messages(result: CheckResult) -> dict[tuple[str, int, int, str], str]:
    return {(f.path, f.line, f.column, f.code): f.message for f in result.findings}


def only(result: CheckResult) -> Finding:
    assert result.errors == []
    assert len(result.findings) == 1, [(f.line, f.code, f.message) for f in result.findings]
    return result.findings[0]


# -- import forms ------------------------------------------------------------------------

FORMS = """\
import app.gone
import app.gone_too as g
from app.gone_three import x
from app.gone_four import x as y
from app.core import config, Missing, Settings as S
from app.core.config import Settings as S2, Nope as N
from app.core.config import (
    DEFAULT_TIMEOUT,
    Absent,
)
import os, app.nowhere, json


def test_function_scope():
    from app.db.session import Sesion
    import app.db.nothing


class TestClassScope:
    from app.db import unknown_name

    def test_method(self):
        import app.db.gone.deeper
"""


def test_every_import_form_is_checked_where_it_stands(audit) -> None:
    result = audit({"tests/test_forms.py": FORMS})
    path = "tests/test_forms.py"
    assert keys(result) == [
        (path, 1, 8, "GP302"),  # import M: the module name
        (path, 2, 8, "GP302"),  # import M as A
        (path, 3, 1, "GP302"),  # from M import N: the statement
        (path, 4, 1, "GP302"),  # from M import N as X
        (path, 5, 30, "GP303"),  # multi-name: only the missing one
        (path, 5, 39, "GP303"),  # `Settings` lives in app.core.config, not app.core
        (path, 6, 45, "GP303"),  # from M import N as X
        (path, 9, 5, "GP303"),  # parenthesised, its own line
        (path, 11, 12, "GP302"),  # import A, B, C: the first-party one only
        (path, 15, 32, "GP303"),  # function scope
        (path, 16, 12, "GP302"),
        (path, 20, 24, "GP303"),  # class scope
        (path, 23, 16, "GP302"),  # method scope, nested dotted module
    ]
    found = messages(result)
    assert found[(path, 1, 8, "GP302")] == "module `app.gone` does not exist in the project"
    assert found[(path, 3, 1, "GP302")] == "module `app.gone_three` does not exist in the project"
    assert found[(path, 5, 30, "GP303")] == "`Missing` is not defined in `app.core`"
    assert found[(path, 5, 39, "GP303")] == "`Settings` is not defined in `app.core`; it is defined in `app.core.config`"
    assert found[(path, 6, 45, "GP303")] == "`Nope` is not defined in `app.core.config`"
    assert found[(path, 15, 32, "GP303")] == "`Sesion` is not defined in `app.db.session`"
    assert found[(path, 23, 16, "GP302")] == "module `app.db.gone.deeper` does not exist in the project"
    # Spans cover the name.
    settings = next(f for f in result.findings if (f.line, f.column) == (5, 39))
    assert (settings.end_line, settings.end_column) == (5, 47)
    assert all(f.severity.value == "error" for f in result.findings)


def test_clean_imports_of_every_form_are_silent(audit) -> None:
    source = (
        "import app\n"
        "import app.core.config\n"
        "import app.db.session as s\n"
        "from app import core, db\n"
        "from app.core.config import Settings, DEFAULT_TIMEOUT as T\n"
        "from app.db import Session, session, lazy_engine\n"
        "from app.db.session import connect\n"
    )
    assert keys(audit({"tests/test_ok.py": source})) == []


def test_relative_imports_are_resolved_against_the_package(audit) -> None:
    files = {
        "tests/__init__.py": "",
        "tests/unit/__init__.py": "",
        "tests/unit/factories.py": "def make_user():\n    return {}\n",
        "tests/unit/test_rel.py": (
            "from .factories import make_user, make_admin\n"
            "from . import factories, fixtures\n"
            "from .. import unit, integration\n"
            "from ..nowhere import thing\n"
        ),
        "app/api/__init__.py": "",
        "app/api/routes.py": "from ..core.config import Settings, Missing\nfrom ...outside import x\n",
    }
    result = audit(files)
    assert keys(result) == [
        ("app/api/routes.py", 1, 37, "GP303"),
        ("tests/unit/test_rel.py", 1, 35, "GP303"),
        ("tests/unit/test_rel.py", 2, 26, "GP303"),
        ("tests/unit/test_rel.py", 3, 22, "GP303"),
        ("tests/unit/test_rel.py", 4, 1, "GP302"),
    ]
    found = messages(result)
    assert found[("app/api/routes.py", 1, 37, "GP303")] == "`Missing` is not defined in `app.core.config`"
    assert found[("tests/unit/test_rel.py", 1, 35, "GP303")] == "`make_admin` is not defined in `tests.unit.factories`"
    assert found[("tests/unit/test_rel.py", 2, 26, "GP303")] == "`fixtures` is not defined in `tests.unit`"
    assert found[("tests/unit/test_rel.py", 3, 22, "GP303")] == "`integration` is not defined in `tests`"
    assert found[("tests/unit/test_rel.py", 4, 1, "GP302")] == "module `tests.nowhere` does not exist in the project"


# -- resolution --------------------------------------------------------------------------


def test_src_layout(audit) -> None:
    files = {
        "src/shop/__init__.py": "",
        "src/shop/cart.py": "class Cart:\n    pass\n",
        "tests/test_cart.py": "from shop.cart import Cart, Basket\nimport shop.orders\nimport shop.cart\n",
    }
    result = audit(files, base={})
    assert keys(result) == [
        ("tests/test_cart.py", 1, 29, "GP303"),
        ("tests/test_cart.py", 2, 8, "GP302"),
    ]
    assert messages(result)[("tests/test_cart.py", 1, 29, "GP303")] == "`Basket` is not defined in `shop.cart`"


def test_namespace_packages_merge_portions_across_roots(audit) -> None:
    files = {
        "plugins/alpha.py": "def run():\n    pass\n",  # a namespace portion in the root
        "src/plugins/beta.py": "def run():\n    pass\n",  # another in src/
        "tests/test_plugins.py": (
            "from plugins.alpha import run\n"
            "from plugins.beta import run as run_beta, stop\n"
            "from plugins import alpha, beta, gamma\n"
            "import plugins.delta\n"
        ),
    }
    result = audit(files, base={})
    assert keys(result) == [
        ("tests/test_plugins.py", 2, 43, "GP303"),
        ("tests/test_plugins.py", 3, 34, "GP303"),
        ("tests/test_plugins.py", 4, 8, "GP302"),
    ]
    assert messages(result)[("tests/test_plugins.py", 3, 34, "GP303")] == "`gamma` is not defined in `plugins`"


PYTHONPATH_FILES = {
    "libs/toolkit/__init__.py": "def retry():\n    pass\n",
    "tests/test_toolkit.py": "from toolkit import retry, backoff\nimport toolkit.gone\n",
}


def test_pytest_pythonpath_adds_a_root(audit) -> None:
    pyproject = '[tool.pytest.ini_options]\npythonpath = ["libs"]\n'
    result = audit({**PYTHONPATH_FILES, "pyproject.toml": pyproject}, base={})
    assert keys(result) == [
        ("tests/test_toolkit.py", 1, 28, "GP303"),
        ("tests/test_toolkit.py", 2, 8, "GP302"),
    ]


def test_without_pythonpath_the_same_package_is_not_first_party(audit) -> None:
    # Nothing puts libs/ on sys.path: `toolkit` could be an installed package, so it is not judged.
    assert keys(audit(PYTHONPATH_FILES, base={})) == []


def test_a_test_dir_without_init_imports_its_sibling_helper(audit) -> None:
    # pytest's default "prepend" import mode puts tests/ (the basedir) on sys.path.
    files = {
        "tests/helpers.py": "def make_user():\n    return {}\n",
        "tests/test_users.py": (
            "from helpers import make_user, make_admin\n"
            "from helpers.sub import thing\n"
            "import helpers\n"
            "import not_a_sibling\n"  # unknown top-level package: could be installed, never judged
        ),
    }
    result = audit(files)
    assert keys(result) == [
        ("tests/test_users.py", 1, 32, "GP303"),
        ("tests/test_users.py", 2, 1, "GP302"),
    ]
    found = messages(result)
    assert found[("tests/test_users.py", 1, 32, "GP303")] == "`make_admin` is not defined in `helpers`"
    assert found[("tests/test_users.py", 2, 1, "GP302")] == "module `helpers.sub` does not exist in the project"


# -- guards, TYPE_CHECKING, other packages ---------------------------------------------


@pytest.mark.parametrize(
    "handler",
    ["except ImportError:", "except ModuleNotFoundError:", "except Exception:", "except:", "except (ValueError, ImportError):", "except BaseException as exc:"],
)
def test_guarded_imports_are_deliberate_fallbacks(audit, handler: str) -> None:
    source = f"try:\n    import app.gone\n    from app.core import Missing\n{handler}\n    Missing = None\n"
    assert keys(audit({"tests/test_guard.py": source})) == []


def test_a_guard_that_does_not_catch_import_errors_is_reported(audit) -> None:
    source = "try:\n    import app.gone\n    from app.core import Missing\nexcept ValueError:\n    pass\n"
    assert keys(audit({"tests/test_guard.py": source})) == [
        ("tests/test_guard.py", 2, 12, "GP302"),
        ("tests/test_guard.py", 3, 26, "GP303"),
    ]


def test_the_handler_of_a_guard_is_not_itself_guarded(audit) -> None:
    source = "try:\n    import app.gone\nexcept ImportError:\n    import app.also_gone\n"
    assert keys(audit({"tests/test_guard.py": source})) == [("tests/test_guard.py", 4, 12, "GP302")]


def test_the_handler_of_a_guard_whose_body_imports_resolve_never_runs(audit) -> None:
    """scikit-image's compatibility pairs: `except ImportError: from pkg import old as new`."""
    source = (
        "try:\n"
        "    from app.db.session import connect\n"
        "except ImportError:\n"
        "    from app.db.session import old_connect as connect\n"
        "try:\n"
        "    import requests  # third party: installed or not, we cannot tell, so no claim either way\n"
        "except ImportError:\n"
        "    from app.db.session import not_there\n"
        "try:\n"
        "    from app.db.session import gone_too\n"
        "except (ImportError, AttributeError):\n"
        "    if True:\n"
        "        from app.db.session import really_gone\n"
    )
    assert keys(audit({"tests/test_compat.py": source})) == [("tests/test_compat.py", 13, 36, "GP303")]


def test_stubs_are_not_imported(audit) -> None:
    source = "from app.db.session import StubOnlyName\nimport app.stub_only\n"
    assert keys(audit({"app/typing_data.pyi": source, "tests/test_ok.py": "import app.db\n"})) == []


def test_contextlib_suppress_of_import_errors_is_a_guard(audit) -> None:
    source = (
        "import contextlib\n"
        "from contextlib import suppress\n"
        "with contextlib.suppress(ImportError):\n"
        "    import app.gone\n"
        "with suppress(ValueError, ModuleNotFoundError):\n"
        "    from app.core import Missing\n"
        "with suppress(ValueError):\n"
        "    import app.reported\n"
        "with suppress():\n"
        "    import app.reported_too\n"
    )
    assert keys(audit({"tests/test_guard.py": source})) == [
        ("tests/test_guard.py", 8, 12, "GP302"),
        ("tests/test_guard.py", 10, 12, "GP302"),
    ]


def test_the_else_of_if_not_type_checking_is_typing_only(audit) -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if not TYPE_CHECKING:\n"
        "    import app.runtime_gone\n"
        "else:\n"
        "    import app.typing_only\n"
    )
    assert keys(audit({"tests/test_tc.py": source})) == [("tests/test_tc.py", 3, 12, "GP302")]


def test_type_checking_imports_are_not_reported(audit) -> None:
    source = (
        "import typing\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from app.core import Missing\n"
        "    import app.gone\n"
        "if typing.TYPE_CHECKING:\n"
        "    from app.db import nothing\n"
        "else:\n"
        "    from app.db import nothing_else\n"
    )
    assert keys(audit({"tests/test_tc.py": source})) == [("tests/test_tc.py", 9, 24, "GP303")]


def test_stdlib_and_third_party_are_never_reported(audit) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["alembic", "requests"]\n',
        # A bare folder named like a declared dependency is not that package.
        "alembic/env.py": "x = 1\n",
        "tests/test_other.py": (
            "import json.nothing\n"
            "from os import not_in_os\n"
            "from collections.abc import Nope\n"
            "import pytest.not_a_module\n"
            "from requests import NoSuchThing\n"
            "from alembic import op\n"
            "import some_uninstalled_lib.sub\n"
        ),
    }
    assert keys(audit(files)) == []


def test_open_namespaces_and_exports_count_as_defining_every_name(audit) -> None:
    source = (
        "from app.db.lazy import Anything\n"  # module-level __getattr__
        "from app.db.star import Whatever, Session\n"  # star import
        "from app.db import lazy_engine\n"  # listed in __all__ only
        "from app.db import session, lazy, star\n"  # submodules
        "from app.db import nothing\n"
    )
    result = audit({"tests/test_open.py": source})
    assert keys(result) == [("tests/test_open.py", 5, 20, "GP303")]


def test_audited_modules_are_never_imported(audit, tmp_path: Path) -> None:
    files = {
        "app/boom.py": "open('IMPORTED', 'w').write('x')\nraise SystemExit(3)\n",
        "tests/test_boom.py": "from app.boom import missing\nimport app.boom\n",
    }
    result = audit(files)
    assert keys(result) == [("tests/test_boom.py", 1, 22, "GP303")]
    assert not (tmp_path / "IMPORTED").exists()


# -- GP301 ssot-import ----------------------------------------------------------------------

REGISTRY = """\
[tool.goldenpath-audit.ssot]
"app.old.Widget" = "app.widgets.Widget"
"app.legacy_env" = { use = "shared.env", reason = "moved to the shared package" }
"""
SSOT = {
    **APP,
    "pyproject.toml": REGISTRY,
    "app/widgets.py": "class Widget:\n    pass\n",
    "app/old.py": "from app.widgets import Widget\n",  # the compatibility shim
    "app/legacy_env/__init__.py": "from shared.env import *\n",
    "shared/__init__.py": "",
    "shared/env.py": "def get_env():\n    return {}\n",
    "shared/env_sub.py": "",
}


def test_gp301_for_each_registry_key_kind(audit) -> None:
    source = (
        "from app.old import Widget\n"  # a name moved
        "from app.old import Widget as W, other\n"
        "from app.legacy_env import get_env\n"  # a whole module moved, from-import
        "import app.legacy_env\n"  # import M
        "import app.legacy_env as env\n"
        "import app.legacy_env.sub\n"  # import M.sub: the package prefix matches
        "from app import legacy_env\n"  # the module itself, from its parent
        "from app.widgets import Widget\n"  # canonical: silent
        "import shared.env\n"
    )
    result = audit({"tests/test_ssot.py": source}, base=SSOT)
    path = "tests/test_ssot.py"
    assert keys(result) == [
        (path, 1, 21, "GP301"),
        (path, 2, 21, "GP301"),
        (path, 2, 34, "GP303"),  # `other` is not registered: the shim really lacks it
        (path, 3, 28, "GP301"),
        (path, 4, 8, "GP301"),
        (path, 5, 8, "GP301"),
        (path, 6, 8, "GP301"),
        (path, 7, 17, "GP301"),
    ]
    found = messages(result)
    assert found[(path, 1, 21, "GP301")] == (
        "`app.old.Widget` is a deprecated import path; the SSOT registry says use `app.widgets.Widget`"
    )
    assert found[(path, 3, 28, "GP301")] == (
        "`app.legacy_env.get_env` is a deprecated import path; the SSOT registry says use "
        "`shared.env.get_env` (moved to the shared package)"
    )
    assert found[(path, 4, 8, "GP301")].startswith("`app.legacy_env` is a deprecated import path; the SSOT registry says use `shared.env` (")
    assert found[(path, 6, 8, "GP301")].startswith("`app.legacy_env.sub` is a deprecated import path; the SSOT registry says use `shared.env.sub` (")
    assert found[(path, 7, 17, "GP301")].startswith("`app.legacy_env` is a deprecated import path; the SSOT registry says use `shared.env` (")
    fixes = {(f.line, f.column): (f.fix.applicability.value, f.fix.message) for f in result.findings if f.code == "GP301"}
    assert fixes == {
        (1, 21): ("safe", "import `Widget` from `app.widgets`"),
        (2, 21): ("safe", "import `Widget` from `app.widgets`"),
        (3, 28): ("safe", "import `get_env` from `shared.env`"),
        (4, 8): ("safe", "import `shared.env`"),
        (5, 8): ("safe", "import `shared.env`"),
        (6, 8): ("safe", "import `shared.env.sub`"),
        (7, 17): ("safe", "import `env` from `shared`"),
    }


def test_gp301_a_moved_package_moves_its_submodules_for_from_imports_too(audit) -> None:
    source = "from app.legacy_env.sub import thing\nimport app.legacy_env.sub\n"
    result = audit({"tests/test_sub.py": source}, base=SSOT)
    assert keys(result) == [("tests/test_sub.py", 1, 32, "GP301"), ("tests/test_sub.py", 2, 8, "GP301")]
    first = result.findings[0]
    assert first.message == (
        "`app.legacy_env.sub.thing` is a deprecated import path; the SSOT registry says use "
        "`shared.env.sub.thing` (moved to the shared package)"
    )
    assert first.fix is not None and first.fix.message == "import `thing` from `shared.env.sub`"


def test_gp301_matches_a_relative_import_after_resolving_it(audit) -> None:
    files = {
        "app/api/__init__.py": "",
        "app/api/views.py": "from ..old import Widget\nfrom .. import legacy_env\nfrom ..widgets import Widget as W\n",
    }
    result = audit(files, base=SSOT)
    assert keys(result) == [("app/api/views.py", 1, 19, "GP301"), ("app/api/views.py", 2, 16, "GP301")]
    assert messages(result)[("app/api/views.py", 1, 19, "GP301")].startswith("`app.old.Widget` is a deprecated import path")


def test_gp301_alone_reports_a_deprecated_path_whose_shim_is_gone(audit) -> None:
    # The registry covers the import: GP301 (with its fix) replaces GP302/GP303.
    base = {key: value for key, value in SSOT.items() if key not in ("app/old.py", "app/legacy_env/__init__.py")}
    source = "from app.old import Widget\nimport app.legacy_env\nfrom app.legacy_env import get_env\n"
    result = audit({"tests/test_gone.py": source}, base=base)
    assert [(line, code) for _, line, _, code in keys(result)] == [(1, "GP301"), (2, "GP301"), (3, "GP301")]


def test_gp301_in_function_and_class_bodies(audit) -> None:
    source = "def test_a():\n    from app.old import Widget\n\n\nclass TestB:\n    import app.legacy_env\n"
    result = audit({"tests/test_scoped.py": source}, base=SSOT)
    assert keys(result) == [("tests/test_scoped.py", 2, 25, "GP301"), ("tests/test_scoped.py", 6, 12, "GP301")]


def test_no_registry_no_gp301(audit) -> None:
    base = {**SSOT, "pyproject.toml": ""}
    assert keys(audit({"tests/test_a.py": "from app.old import Widget\nimport app.legacy_env\n"}, base=base)) == []


# -- GP303 candidates ---------------------------------------------------------------------


def test_gp303_with_a_unique_definer_has_an_unsafe_fix(audit) -> None:
    finding = only(audit({"tests/test_a.py": "from app.db import connect\n"}))
    assert (finding.line, finding.column, finding.code) == (1, 20, "GP303")
    assert finding.message == "`connect` is not defined in `app.db`; it is defined in `app.db.session`"
    assert finding.fix is not None
    assert (finding.fix.applicability.value, finding.fix.message) == ("unsafe", "import `connect` from `app.db.session`")


def test_gp303_lists_several_candidates_without_a_fix(audit) -> None:
    files = {
        "app/legacy/__init__.py": "",
        "app/legacy/config.py": "Settings = dict\n",
        "tests/test_a.py": "from app import Settings\n",
    }
    finding = only(audit(files))
    assert (finding.line, finding.column, finding.code) == (1, 17, "GP303")
    assert finding.message == (
        "`Settings` is not defined in `app`; it is defined in `app.core.config`, `app.legacy.config`"
    )
    assert finding.fix is None


def test_gp303_ignores_modules_that_merely_re_import_the_name(audit) -> None:
    # app.db re-imports Session; only app.db.session defines it.
    finding = only(audit({"tests/test_a.py": "from app.core import Session\n"}))
    assert finding.message == "`Session` is not defined in `app.core`; it is defined in `app.db.session`"


# -- GP304 ssot-duplicate ----------------------------------------------------------------


def test_gp304_flags_a_second_copy_but_not_the_canonical_one(audit) -> None:
    files = {
        "app/legacy/__init__.py": "",
        "app/legacy/widget.py": "import abc\n\n\nclass Widget(abc.ABC):\n    pass\n\n\nclass Other:\n    class Widget:\n        pass\n",
        "tests/test_w.py": "def get_env():\n    pass\n\n\ndef Widget():\n    pass\n",
    }
    result = audit(files, base=SSOT)
    assert keys(result) == [("app/legacy/widget.py", 4, 1, "GP304"), ("tests/test_w.py", 5, 1, "GP304")]
    first, second = result.findings
    assert first.message == "class `Widget` duplicates the canonical `app.widgets.Widget` named by the SSOT registry"
    assert second.message == "function `Widget` duplicates the canonical `app.widgets.Widget` named by the SSOT registry"
    assert (first.end_line, first.end_column) == (4, 6)
    assert first.severity.value == "warning" and first.fix is None


def test_gp304_ignores_whole_module_entries(audit) -> None:
    # `"app.legacy_env" = "shared.env"` makes the module `shared.env` canonical, not a name `env`.
    files = {"tests/test_env.py": "def env():\n    pass\n\n\nclass get_env:\n    pass\n"}
    assert keys(audit(files, base=SSOT)) == []


# -- configuration errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "line", "message"),
    [
        ('"app-core" = "shared.env"', 3, "ssot: 'app-core' is not a dotted import path"),
        ('"app.core" = 3', 3, "ssot: 'app.core' must map to a dotted path string"),
        ('"app.core" = "shared..env"', 3, "ssot: 'app.core' points to 'shared..env', which is not a dotted import path"),
        ('"app.core" = { use = "shared.env", why = "x" }', 3, "ssot: 'app.core' has unknown field(s) why"),
        ('"app.core" = { use = "shared.env", reason = 1 }', 3, "ssot: 'app.core' 'reason' must be a string"),
        ('"app.core" = "app.core.env"', 3, "ssot: 'app.core' points inside itself"),
        ('"app.core" = "app.old.Widget"', 3, "ssot: 'app.core' points to 'app.old.Widget', which is itself a deprecated path"),
    ],
)
def test_invalid_registry_entries_exit_2_naming_the_key(tmp_path: Path, entry: str, line: int, message: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.goldenpath-audit.ssot]\n"app.old.Widget" = "app.widgets.Widget"\n{entry}\n', encoding="utf-8"
    )
    (tmp_path / "test_a.py").write_text("import app\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "goldenpath_audit", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    error = proc.stderr.strip().splitlines()[-1]
    assert f"pyproject.toml:{line}: {message}" in error


# -- fix round trips ---------------------------------------------------------------------

BEFORE_FIX = """\
import app.legacy_env
import app.legacy_env as env
from app import legacy_env
from app.old import Widget as W, other  # keep me
from app.old import (
    Widget,  # trailing
)
from app.legacy_env import get_env
from app.db import connect


def test_a():
    from app.old import Widget
    return app.legacy_env.get_env(), env.get_env(), Widget, connect
"""
AFTER_SAFE = """\
import shared.env
import shared.env as env
from shared import env as legacy_env
from app.old import other  # keep me
from app.widgets import Widget as W
from app.widgets import (
    Widget,  # trailing
)
from shared.env import get_env
from app.db import connect


def test_a():
    from app.widgets import Widget
    return shared.env.get_env(), env.get_env(), Widget, connect
"""
AFTER_UNSAFE = AFTER_SAFE.replace("from app.db import connect\n", "from app.db.session import connect\n")


def fix_tree(root: Path, *, unsafe: bool):
    from goldenpath_audit.auditor.config import load_settings
    from goldenpath_audit.auditor.fixer import apply_fixes
    from goldenpath_audit.auditor.runner import Runner

    result = Runner(load_settings(root), root, select=["GP3"]).check([root])
    return apply_fixes(result, root, unsafe=unsafe, write=True)


@pytest.mark.parametrize(("unsafe", "after"), [(False, AFTER_SAFE), (True, AFTER_UNSAFE)])
def test_fix_round_trip_keeps_local_names_comments_and_is_idempotent(
    audit, tmp_path: Path, unsafe: bool, after: str
) -> None:
    files = {"tests/test_fix.py": BEFORE_FIX, "app/api/__init__.py": "", "app/api/views.py": "from ..old import Widget\n"}
    before = audit(files, base=SSOT)
    assert [(f.line, f.code) for f in before.findings if f.path == "tests/test_fix.py"] == [
        (1, "GP301"),
        (2, "GP301"),
        (3, "GP301"),
        (4, "GP301"),
        (4, "GP303"),  # `other`: no fix, stays
        (6, "GP301"),
        (8, "GP301"),
        (9, "GP303"),
        (13, "GP301"),
    ]
    report = fix_tree(tmp_path, unsafe=unsafe)
    assert report.errors == []
    assert sorted(change.path for change in report.changes) == ["app/api/views.py", "tests/test_fix.py"]
    assert (tmp_path / "tests/test_fix.py").read_text(encoding="utf-8") == after
    assert (tmp_path / "app/api/views.py").read_text(encoding="utf-8") == "from app.widgets import Widget\n"
    remaining = audit({}, base={})
    assert [(f.path, f.line, f.code) for f in remaining.findings] == [("tests/test_fix.py", 4, "GP303")] + (
        [] if unsafe else [("tests/test_fix.py", 10, "GP303")]  # the split moved it down a line
    )
    snapshot = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    second = fix_tree(tmp_path, unsafe=unsafe)
    assert (second.changes, second.errors) == ([], [])
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.py")} == snapshot


def test_files_nothing_can_import_are_not_judged(audit) -> None:
    """black's tests/data/cases/*.py are formatter inputs: no package, no test beside them, not a root."""
    broken = "from app.gone import x\nfrom app.db import missing\n"
    result = audit(
        {
            "tests/data/cases/import_spacing.py": broken,
            "tests/data/cases/broken_syntax.py": "def f(:\n    pass\n",
            "tests/helpers.py": broken,  # beside test_x.py: pytest puts tests/ on sys.path
            "tests/test_x.py": "import helpers\n",
            "tests/pkg/__init__.py": "",
            "tests/pkg/util.py": broken,  # inside a package
        }
    )
    assert sorted({(f.path, f.code) for f in result.findings}) == [
        ("tests/helpers.py", "GP302"),
        ("tests/helpers.py", "GP303"),
        ("tests/pkg/util.py", "GP302"),
        ("tests/pkg/util.py", "GP303"),
    ]


def test_imports_under_a_main_guard_are_not_judged(audit) -> None:
    """pip's vendored rich/tree.py: a demo under `if __name__ == "__main__":` never runs on import."""
    result = audit(
        {
            "app/tree.py": 'def f():\n    return 1\n\n\nif __name__ == "__main__":\n    from app.demo import Demo\n'
            "else:\n    from app.gone import x\n",
            "tests/test_tree.py": "from app.tree import f\n\n\ndef test_f():\n    assert f() == 1\n",
        }
    )
    assert keys(result) == [("app/tree.py", 8, 5, "GP302")]


def test_a_shared_namespace_package_is_not_judged_beyond_what_the_tree_ships(audit) -> None:
    """opentelemetry-sdk's tests import `opentelemetry.trace` from opentelemetry-api."""
    result = audit(
        {
            "pyproject.toml": '[project]\nname = "acme-sdk"\ndependencies = ["acme-api"]\n',
            "src/acme/sdk/__init__.py": "X = 1\n",
            "tests/test_sdk.py": "from acme import trace\nimport acme.metrics\nfrom acme.sdk import X, Y\n",
        },
        base={},
    )
    assert keys(result) == [("tests/test_sdk.py", 3, 25, "GP303")]
