"""Import audit rules (GP3xx): the SSOT registry, broken first-party imports, duplicate classes.

Teams keep a registry of canonical import paths (`[tool.goldenpath-audit.ssot]`,
see `goldenpath_audit.auditor.ssot`); these rules make it executable. Broken
imports are found against a static index of the project's own modules
(`goldenpath_audit.auditor.module_index`): modules are read and parsed, never
imported. Imports of third-party or standard-library modules are never judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from goldenpath_audit.auditor.context import FileContext
from goldenpath_audit.auditor.facts import Span
from goldenpath_audit.auditor.findings import Applicability, Finding, Fix, FixOperation, Severity
from goldenpath_audit.auditor.import_facts import ImportedName, ImportFact
from goldenpath_audit.auditor.ssot import FromMatch, SsotRegistry
from goldenpath_audit.rules.base import Rule, invalid, valid

IMPORT_TOKENS = (b"import",)

REGISTRY = """[tool.goldenpath-audit.ssot]
"app.websocket_core.WebSocketManager" = "app.websocket_core.manager.WebSocketManager"
"app.core.env" = { use = "shared.env", reason = "moved to the shared package" }
"""
APP_FILES = {
    "pyproject.toml": REGISTRY,
    "app/__init__.py": "",
    "app/websocket_core/__init__.py": "from app.websocket_core.manager import WebSocketManager\n",
    "app/websocket_core/manager.py": "class WebSocketManager:\n    pass\n",
    "app/core/__init__.py": "",
    "app/core/env.py": "from shared.env import *\n",
    "shared/__init__.py": "",
    "shared/env.py": "def get_env():\n    return {}\n",
}


@dataclass(frozen=True)
class ResolvedImport:
    """One imported name with the absolute module it comes from."""

    fact: ImportFact
    imported: ImportedName
    module: str  # absolute module of a from-import, or the imported module of `import M`

    @property
    def span(self) -> Span:
        name = self.imported
        return Span(name.line, name.column, name.line, name.column + len(name.name))


def resolved_imports(ctx: FileContext) -> Iterator[ResolvedImport]:
    """Every imported name of the file, with relative imports made absolute."""
    index = None
    for fact in ctx.facts.imports:
        module = fact.module
        if fact.is_from and fact.level:
            index = index or ctx.project.module_index
            module = index.resolve_relative(ctx.path, fact.module or None, fact.level)
            if module is None:
                continue
        for imported in fact.names:
            yield ResolvedImport(fact, imported, module if fact.is_from else imported.name)


def match_from(registry: SsotRegistry, module: str, name: str) -> FromMatch | None:
    """The registry entry for `from module import name`; a moved package moves its submodules too.

    `from app.core.env.sub import x` is deprecated when `app.core.env` is, exactly as
    `import app.core.env.sub` is.
    """
    match = registry.match_from(module, name)
    if match is None:
        moved = registry.match_import(module)
        if moved is not None:
            return FromMatch(moved.entry, moved.new_module, name)
    return match


def _move_from_fix(item: ResolvedImport, new_module: str, new_name: str, applicability: Applicability) -> Fix:
    return Fix(
        applicability=applicability,
        message=f"import `{new_name}` from `{new_module}`",
        operations=(
            FixOperation(
                "move_from_import",
                item.fact.line,
                item.fact.column,
                (("module", item.module), ("name", item.imported.name), ("new_module", new_module), ("new_name", new_name)),
            ),
        ),
    )


class SsotImport(Rule):
    CODE = "GP301"
    NAME = "ssot-import"
    SUMMARY = "An import goes through a deprecated path that the SSOT registry replaces."
    SEVERITY = Severity.ERROR
    FIX = "safe"
    TOKENS = IMPORT_TOKENS
    NEEDS_IMPORTS = True
    WHAT_IT_DOES = """
Flags imports through a path listed in `[tool.goldenpath-audit.ssot]`: `from M import N`
when the registry lists `M.N` (a name moved) or `M` or a package prefix of it (a whole
module moved), and `import M` / `import M as A` when it lists `M` or a package prefix of it. Relative
imports are resolved against the importing file's package first. Imports in function
and class bodies count too. The message gives the canonical path and the registry's reason.
"""
    WHY = """
A compatibility path keeps old imports working until the day the shim is deleted; then
every test that still uses it fails at collection. The registry is the team's decision
about where each class lives; this rule holds the suite to it.
"""
    EXAMPLE = "from app.websocket_core import WebSocketManager\n"
    USE_INSTEAD = "from app.websocket_core.manager import WebSocketManager\n"
    FIX_SAFETY = """
The fix rewrites the import with libcst and keeps the local name (`as` aliases stay; a
moved name is imported under the name the code uses), splits `from M import A, B` when
only `A` moved, merges into an existing import of the canonical module, never duplicates
an import, and for a whole-module move rewrites `M.Name` attribute uses after `import M`.
Comments, parentheses and trailing commas stay. It is safe: the registry is the team's
decision that both paths name the same object.
"""
    VALID = (
        valid("from app.websocket_core.manager import WebSocketManager\n", files=APP_FILES),
        valid("import shared.env\nfrom os import path\n", files=APP_FILES),
    )
    INVALID = (
        invalid(
            "from app.websocket_core import WebSocketManager  # manager\n",
            fixed="from app.websocket_core.manager import WebSocketManager  # manager\n",
            files=APP_FILES,
        ),
        invalid(
            "from app.core.env import get_env as ge\n",
            fixed="from shared.env import get_env as ge\n",
            files=APP_FILES,
        ),
        invalid("import app.core.env as env\n", fixed="import shared.env as env\n", files=APP_FILES),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        registry = ctx.project.settings.ssot
        if not registry:
            return
        for item in resolved_imports(ctx):
            if item.fact.is_from:
                if item.imported.name == "*":
                    continue
                match = match_from(registry, item.module, item.imported.name)
                if match is None:
                    continue
                old = f"{item.module}.{item.imported.name}"
                new = f"{match.new_module}.{match.new_name}"
                fix = _move_from_fix(item, match.new_module, match.new_name, Applicability.SAFE)
            else:
                match = registry.match_import(item.module)
                if match is None:
                    continue
                old, new = item.module, match.new_module
                fix = Fix(
                    Applicability.SAFE,
                    f"import `{new}`",
                    (
                        FixOperation(
                            "move_import",
                            item.fact.line,
                            item.fact.column,
                            (("module", match.old_prefix), ("new_module", match.entry.canonical)),
                        ),
                    ),
                )
            reason = f" ({match.entry.reason})" if match.entry.reason else ""
            message = f"`{old}` is a deprecated import path; the SSOT registry says use `{new}`{reason}"
            yield ctx.finding(self, item.span, message, fix=fix, statement_line=item.fact.line)


def _registry_covers(ctx: FileContext, item: ResolvedImport) -> bool:
    """GP301 already reports (and fixes) imports the registry names."""
    registry = ctx.project.settings.ssot
    if not registry:
        return False
    if item.fact.is_from:
        return match_from(registry, item.module, item.imported.name) is not None
    return registry.match_import(item.module) is not None


def _checked_imports(ctx: FileContext) -> Iterator[ResolvedImport]:
    """Imports whose failure would be real: not fallbacks, not TYPE_CHECKING, not in a stub, first-party."""
    if ctx.path.suffix == ".pyi":
        return  # stubs are read by type checkers, which resolve them against other stubs; never imported
    index = ctx.project.module_index
    if not ctx.project.importable(ctx.path):
        return  # data that ends in .py (black's tests/data/cases/): nothing imports it
    items = [item for item in resolved_imports(ctx) if index.is_first_party(item.module, importer=ctx.path)]
    failing_guards = {item.fact.guard_line for item in items if item.fact.guard_line and _fails(ctx, item)}
    for item in items:
        if item.fact.guarded or item.fact.type_checking or _registry_covers(ctx, item):
            continue
        if item.fact.fallback_for and item.fact.fallback_for not in failing_guards:
            continue  # `except ImportError:` runs only where the `try` body's import fails, and none does here
        yield item


def _fails(ctx: FileContext, item: ResolvedImport) -> bool:
    """Whether this first-party import certainly fails: its module is missing, or lacks the name."""
    index = ctx.project.module_index
    info = index.find(item.module, importer=ctx.path)
    if info is None:
        return True
    name = item.imported.name
    if not item.fact.is_from or name == "*" or info.has_name(name) or name in info.exports:
        return False
    return not index.has_submodule(item.module, name, importer=ctx.path)


class UnresolvedModule(Rule):
    CODE = "GP302"
    NAME = "unresolved-module"
    SUMMARY = "An import names a first-party module that does not exist in the tree."
    SEVERITY = Severity.ERROR
    FIX = "unsafe"
    TOKENS = IMPORT_TOKENS
    NEEDS_IMPORTS = True
    WHAT_IT_DOES = """
Flags `import M` and `from M import ...` where M's top-level package lives in the project
(flat layout, `src/` layout, namespace packages, pytest's `rootdir` and `pythonpath`, and
the test file's own directory as pytest's default import mode adds it) but M itself does
not exist. Imports of other packages are never judged. A module the build makes exists
(a Cython `.pyx` or a stub-only `.pyi` inside a package, a name in the package's
`meson.build`, `Extension("pkg.x", ...)` in `setup.py`). An import inside `try:` whose
handlers catch `ImportError` (or a broader exception), inside `with
contextlib.suppress(ImportError):`, or under `if TYPE_CHECKING:`, is a deliberate fallback
and is not reported; one in such a handler only when the `try` body's first-party import
certainly fails. Imports in `.pyi` stubs are never judged.
"""
    WHY = "pytest fails to collect the module with `ModuleNotFoundError`, and every test in it is lost."
    EXAMPLE = "from app.db.clickhouse_client import ClickHouseClient  # the module was deleted\n"
    USE_INSTEAD = "from app.db.clickhouse import ClickHouseClient\n"
    FIX_SAFETY = """
For `from M import A, B` where M is gone and each name is defined (not merely re-imported)
in exactly one first-party module, the fix imports each name from there. It is unsafe: a
same-named class elsewhere may not be the one the test meant. `import M` has no fix; names
the registry moves are GP301 findings instead.
"""
    VALID = (
        valid("import app.core.env\nimport json\nimport pytest\n", files=APP_FILES),
        valid("try:\n    import app.gone\nexcept ImportError:\n    pass\n", files=APP_FILES),
    )
    INVALID = (
        invalid("import app.gone\n", files=APP_FILES),
        invalid(
            "from app.gone import get_env\n",
            fixed="from shared.env import get_env\n",
            files={**APP_FILES, "pyproject.toml": ""},
            unsafe_fixes=True,
        ),
        invalid("def test_a():\n    from app.nothing import x\n", files=APP_FILES),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        index = ctx.project.module_index
        missing: dict[tuple[int, str], list[ResolvedImport]] = {}
        for item in _checked_imports(ctx):
            if index.find(item.module, importer=ctx.path) is None:
                missing.setdefault((item.fact.line, item.module), []).append(item)
        for (_, module), items in missing.items():
            first = items[0]
            if first.fact.is_from:
                span = Span(first.fact.line, first.fact.column, first.fact.line, first.fact.column + 4)
            else:
                span = first.span
            message = f"module `{module}` does not exist in the project"
            fix = None
            if first.fact.is_from:
                homes = [(item, defining_module(ctx, item.imported.name, exclude=module)) for item in items]
                if all(home for _, home in homes) and all(item.imported.name != "*" for item in items):
                    message += "; " + ", ".join(f"`{item.imported.name}` is defined in `{home}`" for item, home in homes)
                    fix = Fix(
                        Applicability.UNSAFE,
                        "import each name from the module that defines it",
                        tuple(op for item, home in homes for op in _move_from_fix(item, home, item.imported.name, Applicability.UNSAFE).operations),
                    )
            yield ctx.finding(self, span, message, fix=fix, statement_line=first.fact.line)


def defining_module(ctx: FileContext, name: str, *, exclude: str) -> str | None:
    """The one first-party module that defines `name` (not merely re-imports it), if exactly one does."""
    candidates = [module for module in ctx.project.module_index.defining_modules(name) if module != exclude]
    return candidates[0] if len(candidates) == 1 else None


class UnresolvedName(Rule):
    CODE = "GP303"
    NAME = "unresolved-name"
    SUMMARY = "`from M import N` where the first-party module M neither defines nor re-exports N."
    SEVERITY = Severity.ERROR
    FIX = "unsafe"
    TOKENS = IMPORT_TOKENS
    NEEDS_IMPORTS = True
    WHAT_IT_DOES = """
Flags `from M import N` where M is an existing first-party module that neither defines N
(top-level `def`, `class`, assignment or import, also inside module-level `try`/`if`
blocks), nor lists it in `__all__`, nor has a submodule N. A module with a star import or
a module-level `__getattr__` could provide any name and is never reported.
"""
    WHY = "pytest fails to collect the module with `ImportError: cannot import name 'N' from 'M'`."
    EXAMPLE = "from app.websocket_core.manager import WebSocketManger  # typo, or the class moved\n"
    USE_INSTEAD = "from app.websocket_core.manager import WebSocketManager\n"
    FIX_SAFETY = """
When the registry names a canonical home for the name, GP301 reports it instead. Otherwise,
when exactly one first-party module defines the name (not merely re-imports it), the fix
imports it from there. It is unsafe: a same-named class elsewhere may not be the one the
test meant. With several candidates there is no fix and the message lists them.
"""
    VALID = (
        valid("from app.websocket_core import WebSocketManager\nfrom app import core\n", files={**APP_FILES, "pyproject.toml": ""}),
        valid("from app.core.env import anything\n", files=APP_FILES),
    )
    INVALID = (
        invalid(
            "from app.core import WebSocketManager\n",
            fixed="from app.websocket_core.manager import WebSocketManager\n",
            files={**APP_FILES, "pyproject.toml": ""},
            unsafe_fixes=True,
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        index = ctx.project.module_index
        for item in _checked_imports(ctx):
            name = item.imported.name
            if not item.fact.is_from or name == "*":
                continue
            if index.find(item.module, importer=ctx.path) is None or not _fails(ctx, item):
                continue
            candidates = [module for module in index.defining_modules(name) if module != item.module]
            message = f"`{name}` is not defined in `{item.module}`"
            fix = None
            if len(candidates) == 1:
                message += f"; it is defined in `{candidates[0]}`"
                fix = _move_from_fix(item, candidates[0], name, Applicability.UNSAFE)
            elif candidates:
                message += f"; it is defined in {', '.join(f'`{c}`' for c in candidates)}"
            yield ctx.finding(self, item.span, message, fix=fix, statement_line=item.fact.line)


class SsotDuplicate(Rule):
    CODE = "GP304"
    NAME = "ssot-duplicate"
    SUMMARY = "A class or function the SSOT registry names as canonical is defined again elsewhere."
    SEVERITY = Severity.WARNING
    FIX = "none"
    TOKENS = (b"class ", b"def ")
    NEEDS_IMPORTS = True
    WHAT_IT_DOES = """
Flags a top-level `class` or `def` whose name is the name of a canonical path in the
registry (`app.db.clickhouse.ClickHouseClient` makes `ClickHouseClient` canonical in
`app.db.clickhouse`) when it is defined in another first-party module.
"""
    WHY = """
Two classes with one name is how SSOT registries start: tests import one, production code
the other, and `isinstance` checks and patches silently stop matching.
"""
    EXAMPLE = "# app/legacy/manager.py\nclass WebSocketManager:  # a second copy\n    ...\n"
    USE_INSTEAD = "# app/legacy/manager.py\nfrom app.websocket_core.manager import WebSocketManager\n"
    FIX_SAFETY = "There is no automatic fix: merge the copies, then re-export the canonical one."
    VALID = (valid("class Unrelated:\n    pass\n", files=APP_FILES),)
    INVALID = (invalid("class WebSocketManager:\n    pass\n", files=APP_FILES),)

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        canonical = ctx.project.settings.ssot.canonical_names
        if not canonical:
            return
        index = ctx.project.module_index
        here = None
        for definition in ctx.facts.definitions:
            # A canonical path that is itself a module (a whole-module entry such as
            # `"app.core.env" = "shared.env"`) names no class or function.
            homes = {home for home in canonical.get(definition.name, ()) if index.find(f"{home}.{definition.name}") is None}
            if not homes:
                continue
            here = here if here is not None else index.module_name_of(ctx.path)
            if here is None or here in homes:
                continue
            home = sorted(homes)[0]
            span = Span(definition.line, definition.column, definition.line, definition.column + len(definition.kind))
            message = (
                f"{definition.kind} `{definition.name}` duplicates the canonical `{home}.{definition.name}` "
                f"named by the SSOT registry"
            )
            yield ctx.finding(self, span, message)
