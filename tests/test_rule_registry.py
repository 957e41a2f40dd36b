"""The rule registry's catalog agrees with the rule classes, and loads a rule's module only when asked."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import goldenpath_audit.rules as rules_package
from goldenpath_audit.rules import ALL_RULES, CATALOG, get_rule
from goldenpath_audit.rules.base import Rule


def _defined_rules() -> dict[str, tuple[str, str, str]]:
    """Every concrete rule class in the package's modules, as the catalog should list it."""
    found: dict[str, tuple[str, str, str]] = {}
    for info in pkgutil.iter_modules(rules_package.__path__):
        module = importlib.import_module(f"goldenpath_audit.rules.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value.__module__ == module.__name__
                and "CODE" in vars(value)
            ):
                assert value.CODE not in found, f"{value.CODE} defined twice"
                found[value.CODE] = (info.name, value.__name__, value.NAME)
    return found


def test_catalog_lists_every_rule_class_with_its_module_class_and_name() -> None:
    assert CATALOG == _defined_rules()


def test_catalog_is_in_code_order() -> None:
    assert list(CATALOG) == sorted(CATALOG)
    assert list(ALL_RULES) == list(CATALOG)


def test_registry_returns_the_classes() -> None:
    for code, (module, name, kebab) in CATALOG.items():
        rule = ALL_RULES[code]
        assert (rule.__module__, rule.__name__, rule.CODE, rule.NAME) == (
            f"goldenpath_audit.rules.{module}",
            name,
            code,
            kebab,
        )
    assert len(ALL_RULES) == len(CATALOG)
    assert "GP999" not in ALL_RULES


def test_get_rule_by_code_or_name_in_any_case() -> None:
    assert get_rule("gp201") is ALL_RULES["GP201"]
    assert get_rule("Unregistered-Marker") is ALL_RULES["GP201"]
    assert get_rule("GP999") is None
    assert get_rule("no-such-rule") is None
    assert get_rule("") is None


def test_listing_codes_imports_no_rule_module() -> None:
    probe = (
        "import sys\n"
        "from goldenpath_audit.rules import ALL_RULES\n"
        "codes = list(ALL_RULES)\n"
        "assert 'GP301' in ALL_RULES\n"
        "print(sorted(m for m in sys.modules if m.startswith('goldenpath_audit.rules.')))\n"
        "ALL_RULES['GP201']\n"
        "print(sorted(m for m in sys.modules if m.startswith('goldenpath_audit.rules.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    before, after = out.splitlines()
    assert before == "[]"
    assert "'goldenpath_audit.rules.pytest_markers'" in after
    assert "'goldenpath_audit.rules.websockets_legacy'" not in after
