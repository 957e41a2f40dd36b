"""Import codemods: `move_from_import` and `move_import` give exact source, byte for byte.

Every case checks the whole output text, that it parses, that every operation
was applied, and that applying the same operations again changes nothing.
"""

from __future__ import annotations

import ast

import pytest

from goldenpath_audit.auditor.findings import FixOperation
from goldenpath_audit.codemods import CODEMODS, apply_operations


def move_from(line: int, column: int, module: str, name: str, new_module: str, new_name: str | None = None):
    params = (("module", module), ("name", name), ("new_module", new_module), ("new_name", new_name or name))
    return FixOperation("move_from_import", line, column, params)


def move(line: int, column: int, module: str, new_module: str) -> FixOperation:
    return FixOperation("move_import", line, column, (("module", module), ("new_module", new_module)))


def fix(source: str, *operations: FixOperation) -> str:
    out, applied, missed = apply_operations(source, operations, CODEMODS)
    assert missed == []
    assert sorted(applied, key=repr) == sorted(set(operations), key=repr)
    ast.parse(out)
    again, reapplied, _ = apply_operations(out, operations, CODEMODS)
    assert again == out
    assert reapplied == []
    return out


# -- one name, the only one in its statement: rewritten in place ------------------------------


@pytest.mark.parametrize(
    ("source", "operation", "expected"),
    [
        ("from m import a\n", move_from(1, 1, "m", "a", "c"), "from c import a\n"),
        ("from m import a\n", move_from(1, 1, "m", "a", "c", "b"), "from c import b as a\n"),
        ("from m import a as x\n", move_from(1, 1, "m", "a", "c"), "from c import a as x\n"),
        ("from m import a as x\n", move_from(1, 1, "m", "a", "c", "b"), "from c import b as x\n"),
        ("from m import a as b\n", move_from(1, 1, "m", "a", "c", "b"), "from c import b\n"),
        ("from m.sub import a  # keep\n", move_from(1, 1, "m.sub", "a", "c.d"), "from c.d import a  # keep\n"),
        ("from m import (  # why\n    a,\n)\n", move_from(1, 1, "m", "a", "c"), "from c import (  # why\n    a,\n)\n"),
        ("from . import a\n", move_from(1, 1, "pkg", "a", "c"), "from c import a\n"),
        ("from ..x.y import a as z\n", move_from(1, 1, "pkg.x.y", "a", "c", "b"), "from c import b as z\n"),
    ],
)
def test_single_name_is_rewritten_in_place(source: str, operation: FixOperation, expected: str) -> None:
    assert fix(source, operation) == expected


def test_surrounding_code_is_untouched() -> None:
    source = '#!/usr/bin/env python\n"""Doc."""\n\nimport os  # os\nfrom m import a\n\n\ndef f():\n    return a(\'x\')\n'
    expected = source.replace("from m import a", "from c import a")
    assert fix(source, move_from(5, 1, "m", "a", "c")) == expected


# -- one name leaves a statement that keeps others ---------------------------------------------


def test_split_single_line_first_middle_last() -> None:
    source = "from m import a, b, c\n"
    assert fix(source, move_from(1, 1, "m", "a", "n")) == "from m import b, c\nfrom n import a\n"
    assert fix(source, move_from(1, 1, "m", "b", "n")) == "from m import a, c\nfrom n import b\n"
    assert fix(source, move_from(1, 1, "m", "c", "n", "d")) == "from m import a, b\nfrom n import d as c\n"


def test_split_parenthesized_multiline_with_trailing_comma_and_comments() -> None:
    source = (
        "from m import (  # group\n"
        "    a,  # about a\n"
        "    # above b\n"
        "    b,  # about b\n"
        "    c,\n"
        "    # closing\n"
        ")\n"
    )
    expected_b = (
        "from m import (  # group\n"
        "    a,  # about a\n"
        "    # above b\n"
        "    c,\n"
        "    # closing\n"
        ")\n"
        "from n import b\n"
    )
    assert fix(source, move_from(1, 1, "m", "b", "n")) == expected_b
    expected_a = (
        "from m import (  # group\n"
        "    # above b\n"
        "    b,  # about b\n"
        "    c,\n"
        "    # closing\n"
        ")\n"
        "from n import a\n"
    )
    assert fix(source, move_from(1, 1, "m", "a", "n")) == expected_a
    expected_c = (
        "from m import (  # group\n"
        "    a,  # about a\n"
        "    # above b\n"
        "    b,  # about b\n"
        "    # closing\n"
        ")\n"
        "from n import c\n"
    )
    assert fix(source, move_from(1, 1, "m", "c", "n")) == expected_c


def test_split_parenthesized_multiline_without_trailing_comma() -> None:
    source = "from m import (\n    a,  # about a\n    b  # about b\n)\n"
    expected = "from m import (\n    a  # about a\n)\nfrom n import b\n"
    assert fix(source, move_from(1, 1, "m", "b", "n")) == expected


def test_split_hanging_and_inline_parentheses() -> None:
    assert fix("from m import (a,\n               b)\n", move_from(1, 1, "m", "b", "n")) == "from m import (a)\nfrom n import b\n"
    assert fix("from m import (a,\n               b)\n", move_from(1, 1, "m", "a", "n")) == "from m import (b)\nfrom n import a\n"
    assert fix("from m import (a, b,)\n", move_from(1, 1, "m", "b", "n")) == "from m import (a,)\nfrom n import b\n"
    assert fix("from m import (\n    a, b,\n)\n", move_from(1, 1, "m", "b", "n")) == "from m import (\n    a,\n)\nfrom n import b\n"


def test_several_names_split_at_once() -> None:
    source = "from m import a, b, c, d\n"
    assert fix(source, move_from(1, 1, "m", "a", "x"), move_from(1, 1, "m", "c", "y")) == (
        "from m import b, d\nfrom x import a\nfrom y import c\n"
    )
    assert fix(source, move_from(1, 1, "m", "a", "x"), move_from(1, 1, "m", "c", "x", "e")) == (
        "from m import b, d\nfrom x import a, e as c\n"
    )


def test_every_name_to_one_module_is_rewritten_in_place() -> None:
    source = "from m import (\n    a,  # about a\n    b as bee,\n)\n"
    operations = (move_from(1, 1, "m", "a", "x"), move_from(1, 1, "m", "b", "x", "c"))
    assert fix(source, *operations) == "from x import (\n    a,  # about a\n    c as bee,\n)\n"


def test_every_name_to_two_modules() -> None:
    source = "from m import a, b\n"
    operations = (move_from(1, 1, "m", "a", "x"), move_from(1, 1, "m", "b", "y"))
    assert fix(source, *operations) == "from x import a\nfrom y import b\n"


# -- merging into an existing import of the new module -----------------------------------------


def test_merge_into_parenthesized_multiline_import() -> None:
    source = (
        "from n import (\n"
        "    x,\n"
        "    y,  # about y\n"
        "    # last\n"
        ")\n"
        "from m import a, b\n"
    )
    expected = (
        "from n import (\n"
        "    x,\n"
        "    y,  # about y\n"
        "    bee as b,\n"
        "    # last\n"
        ")\n"
        "from m import a\n"
    )
    assert fix(source, move_from(6, 1, "m", "b", "n", "bee")) == expected


def test_merge_into_parenthesized_multiline_import_without_trailing_comma() -> None:
    source = "from n import (\n    x,\n    y  # about y\n)\nfrom m import a, b\n"
    expected = "from n import (\n    x,\n    y,  # about y\n    b\n)\nfrom m import a\n"
    assert fix(source, move_from(5, 1, "m", "b", "n")) == expected


def test_merge_into_single_line_imports() -> None:
    assert fix("from n import x\nfrom m import a, b\n", move_from(2, 1, "m", "a", "n")) == (
        "from n import x, a\nfrom m import b\n"
    )
    assert fix("from n import (x, y,)\nfrom m import a, b\n", move_from(2, 1, "m", "a", "n", "z")) == (
        "from n import (x, y, z as a,)\nfrom m import b\n"
    )


def test_merge_two_names_into_one_import() -> None:
    source = "from n import (\n    x,\n)\nfrom m import a, b, c\n"
    operations = (move_from(4, 1, "m", "a", "n"), move_from(4, 1, "m", "c", "n"))
    assert fix(source, *operations) == "from n import (\n    x,\n    a,\n    c,\n)\nfrom m import b\n"


def test_a_later_import_of_the_new_module_is_not_merged_into() -> None:
    # Merging into a statement below would bind the name later than it is used.
    source = "from m import a, b\nuse(a)\nfrom n import x\n"
    expected = "from m import b\nfrom n import a\nuse(a)\nfrom n import x\n"
    assert fix(source, move_from(1, 1, "m", "a", "n")) == expected


def test_a_new_statement_receives_later_moves_to_the_same_module() -> None:
    source = "from m import a, b\nfrom p import c, d\n"
    operations = (move_from(1, 1, "m", "a", "n"), move_from(2, 1, "p", "c", "n"))
    assert fix(source, *operations) == "from m import b\nfrom n import a, c\nfrom p import d\n"


# -- never import the same thing twice ---------------------------------------------------------


def test_no_duplicate_when_already_imported() -> None:
    assert fix("from n import a\nfrom m import a, b\n", move_from(2, 1, "m", "a", "n")) == (
        "from n import a\nfrom m import b\n"
    )
    # The only name: the whole statement goes, the comment above it stays.
    assert fix("from n import a\n# why\nfrom m import a\nx = a\n", move_from(3, 1, "m", "a", "n")) == (
        "from n import a\n# why\nx = a\n"
    )
    # A different local name is a different import.
    assert fix("from n import a\nfrom m import a as b, c\n", move_from(2, 1, "m", "a", "n")) == (
        "from n import a, a as b\nfrom m import c\n"
    )


def test_no_duplicate_inside_a_function_leaves_a_valid_body() -> None:
    source = "def f():\n    from n import a\n    from m import a\n"
    assert fix(source, move_from(3, 5, "m", "a", "n")) == "def f():\n    from n import a\n"
    source = "def f():\n    from n import a\n    # why\n    from m import a\n    return a\n"
    assert fix(source, move_from(4, 5, "m", "a", "n")) == "def f():\n    from n import a\n    # why\n    return a\n"
    source = "def f():\n    from n import a\n    # why\n    from m import a\nx = 1\n"
    assert fix(source, move_from(4, 5, "m", "a", "n")) == "def f():\n    from n import a\n    # why\nx = 1\n"
    source = "if x: from n import a; from m import a\n"
    assert fix(source, move_from(1, 24, "m", "a", "n")) == "if x: from n import a\n"


# -- scopes: functions, classes, one-line suites, several statements on a line -----------------


def test_statement_inside_a_function() -> None:
    source = "import os\n\n\ndef test_x():\n    from m import a, b  # local\n    return a, b\n"
    expected = "import os\n\n\ndef test_x():\n    from m import b  # local\n    from n import a\n    return a, b\n"
    assert fix(source, move_from(5, 5, "m", "a", "n")) == expected


def test_merge_stays_in_the_same_scope() -> None:
    # The module-level `from n import` is not in the function's body: a new local import is added.
    source = "from n import x\n\n\nclass T:\n    from m import a, b\n"
    expected = "from n import x\n\n\nclass T:\n    from m import b\n    from n import a\n"
    assert fix(source, move_from(5, 5, "m", "a", "n")) == expected


def test_several_statements_on_one_line() -> None:
    source = "x = 1; from m import a, b; a()\nif x: from m import a, b\n"
    expected = "x = 1; from m import b; from n import a; a()\nif x: from m import a; from n import b\n"
    assert fix(source, move_from(1, 8, "m", "a", "n"), move_from(2, 7, "m", "b", "n")) == expected


def test_relative_statement_split() -> None:
    assert fix("from .mod import a, b\n", move_from(1, 1, "pkg.mod", "a", "c")) == (
        "from .mod import b\nfrom c import a\n"
    )


# -- `import` statements ------------------------------------------------------------------------


def test_import_with_as_name() -> None:
    source = "import app.core.isolated_environment as ie\nie.get_env()\n"
    expected = "import shared.isolated_environment as ie\nie.get_env()\n"
    assert fix(source, move(1, 1, "app.core.isolated_environment", "shared.isolated_environment")) == expected


def test_import_without_as_name_rewrites_attribute_chains() -> None:
    source = (
        "import app.core.isolated_environment\n"
        "\n"
        "\n"
        "def test_env(monkeypatch):\n"
        "    env = app.core.isolated_environment.get_env()  # keep\n"
        "    monkeypatch.setattr(app.core.isolated_environment, 'X', 1)\n"
        "    app.core.other.thing()\n"
        "    return (app.core.isolated_environment).sub.VALUE\n"
    )
    expected = (
        "import shared.isolated_environment\n"
        "\n"
        "\n"
        "def test_env(monkeypatch):\n"
        "    env = shared.isolated_environment.get_env()  # keep\n"
        "    monkeypatch.setattr(shared.isolated_environment, 'X', 1)\n"
        "    app.core.other.thing()\n"
        "    return (shared.isolated_environment).sub.VALUE\n"
    )
    assert fix(source, move(1, 1, "app.core.isolated_environment", "shared.isolated_environment")) == expected


def test_import_of_a_submodule_of_the_moved_path() -> None:
    source = "import app.core.ie.sub\napp.core.ie.sub.f()\n"
    assert fix(source, move(1, 1, "app.core.ie", "shared.ie")) == "import shared.ie.sub\nshared.ie.sub.f()\n"


def test_import_among_others_changes_only_that_alias() -> None:
    source = "import os, app.core.ie, sys  # std\nos.sep, app.core.ie.f()\n"
    expected = "import os, shared.ie, sys  # std\nos.sep, shared.ie.f()\n"
    assert fix(source, move(1, 1, "app.core.ie", "shared.ie")) == expected


def test_import_already_present_is_not_duplicated() -> None:
    source = "import shared.ie\nimport app.core.ie\napp.core.ie.f()\n"
    assert fix(source, move(2, 1, "app.core.ie", "shared.ie")) == "import shared.ie\nshared.ie.f()\n"
    source = "import shared.ie\nimport os, app.core.ie\napp.core.ie.f()\n"
    assert fix(source, move(2, 1, "app.core.ie", "shared.ie")) == "import shared.ie\nimport os\nshared.ie.f()\n"
    source = "import app.core.ie, shared.ie\n"
    assert fix(source, move(1, 1, "app.core.ie", "shared.ie")) == "import shared.ie\n"


def test_a_same_root_name_that_spells_another_path_is_left_alone() -> None:
    source = "import app.core.ie\n\n\ndef f(app):\n    return app.config\n"
    assert fix(source, move(1, 1, "app.core.ie", "shared.ie")) == (
        "import shared.ie\n\n\ndef f(app):\n    return app.config\n"
    )


# -- operations that do not match, idempotence, newlines ---------------------------------------


def test_unmatched_operations_are_reported_not_raised() -> None:
    source = "from m import a\nimport os\n"
    operations = [
        move_from(1, 1, "m", "zzz", "n"),  # no such name
        move_from(1, 1, "other", "a", "n"),  # another module at that position
        move_from(2, 1, "m", "a", "n"),  # an `import` statement
        move(1, 1, "m", "n"),  # a `from` statement
        move(2, 1, "sys", "n"),  # no such alias
        move_from(9, 1, "m", "a", "n"),  # no statement there
        FixOperation("move_from_import", 1, 1, (("module", "m"), ("name", "a"))),  # malformed
    ]
    out, applied, missed = apply_operations(source, operations, CODEMODS)
    assert (out, applied, missed) == (source, [], operations)


def test_star_import_is_not_touched() -> None:
    source = "from m import *\n"
    operation = move_from(1, 1, "m", "a", "n")
    assert apply_operations(source, [operation], CODEMODS) == (source, [], [operation])


def test_second_application_is_a_no_op() -> None:
    source = "from m import a, b\nimport app.core.ie\napp.core.ie.f(a, b)\n"
    operations = (move_from(1, 1, "m", "a", "n"), move(2, 1, "app.core.ie", "shared.ie"))
    once = fix(source, *operations)  # `fix` also applies the operations a second time
    assert once == "from m import b\nfrom n import a\nimport shared.ie\nshared.ie.f(a, b)\n"


def test_crlf_file_keeps_crlf() -> None:
    source = "from n import (\r\n    x,\r\n)\r\nfrom m import a, b  # c\r\nimport os, app.core.ie\r\napp.core.ie.f()\r\n"
    operations = (
        move_from(4, 1, "m", "a", "n"),
        move_from(4, 1, "m", "b", "p"),
        move(5, 1, "app.core.ie", "shared.ie"),
    )
    expected = "from n import (\r\n    x,\r\n    a,\r\n)\r\nfrom p import b  # c\r\nimport os, shared.ie\r\nshared.ie.f()\r\n"
    assert fix(source, *operations) == expected


def test_new_statement_in_crlf_file_uses_crlf() -> None:
    assert fix("from m import a, b\r\n", move_from(1, 1, "m", "a", "n")) == "from m import b\r\nfrom n import a\r\n"


def test_import_fixes_combine_with_node_codemods_in_one_pass() -> None:
    source = "from m import a, b\nimport websockets\nwebsockets.connect(u, extra_headers=h)\n"
    operations = (
        move_from(1, 1, "m", "a", "n"),
        FixOperation("rename_keyword", 3, 23, (("old", "extra_headers"), ("new", "additional_headers"))),
    )
    expected = "from m import b\nfrom n import a\nimport websockets\nwebsockets.connect(u, additional_headers=h)\n"
    assert fix(source, *operations) == expected


def test_single_segment_module_rewrites_only_attribute_chains_rooted_at_it() -> None:
    source = "import mock\nmock.patch('x')\nx.mock.y\n"
    assert fix(source, move(1, 1, "mock", "unittest.mock")) == "import unittest.mock\nunittest.mock.patch('x')\nx.mock.y\n"


def test_statement_in_a_try_block_gets_its_new_import_in_the_same_block() -> None:
    source = "try:\n    from m import a, b\nexcept ImportError:\n    pass\n"
    expected = "try:\n    from m import b\n    from n import a\nexcept ImportError:\n    pass\n"
    assert fix(source, move_from(2, 5, "m", "a", "n")) == expected
