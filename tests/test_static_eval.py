"""Markers registered in `pytest_configure`, read statically (never imported or run)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from goldenpath_audit.auditor.static_eval import (
    MAX_REGISTRATIONS,
    Registration,
    Unevaluated,
    marker_name,
    marker_registrations,
)


def scan(source: str) -> tuple[list[Registration], list[Unevaluated]]:
    return marker_registrations(ast.parse(textwrap.dedent(source)))


def texts(source: str) -> list[str]:
    registrations, unevaluated = scan(source)
    assert unevaluated == [], unevaluated
    return [registration.text for registration in registrations]


def names(source: str) -> list[str]:
    registrations, unevaluated = scan(source)
    assert unevaluated == [], unevaluated
    return [registration.name for registration in registrations]


def unevaluated_lines(source: str) -> list[int]:
    _registrations, unevaluated = scan(source)
    return [entry.line for entry in unevaluated]


def hook(body: str, prelude: str = "") -> str:
    """A module with `prelude` at top level and `body` inside pytest_configure."""
    body = textwrap.dedent(body).lstrip("\n")
    return textwrap.dedent(prelude) + "def pytest_configure(config):\n" + textwrap.indent(body, "    ")


# ---------------------------------------------------------------------------
# The example from the design, end to end
# ---------------------------------------------------------------------------

EXAMPLE = """\
MARKERS = ["slow: slow tests", "integration"]
PREFIX = "gp"
def pytest_configure(config):
    config.addinivalue_line("markers", "smoke: quick checks")
    config.addinivalue_line("markers", f"{PREFIX}_golden: golden path")
    config.addinivalue_line("markers", "%s_retry: retries" % PREFIX)
    config.addinivalue_line("markers", PREFIX + "_e2e: end to end")
    config.addinivalue_line("markers", "{}_db: database".format(PREFIX))
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    for name in ("a", "b"):
        config.addinivalue_line("markers", f"{name}: letter")
"""


def test_design_example() -> None:
    registrations, unevaluated = marker_registrations(ast.parse(EXAMPLE))
    assert unevaluated == []
    assert registrations == [
        Registration("smoke", "smoke: quick checks", 4),
        Registration("gp_golden", "gp_golden: golden path", 5),
        Registration("gp_retry", "gp_retry: retries", 6),
        Registration("gp_e2e", "gp_e2e: end to end", 7),
        Registration("gp_db", "gp_db: database", 8),
        Registration("slow", "slow: slow tests", 10),
        Registration("integration", "integration", 10),
        Registration("a", "a: letter", 12),
        Registration("b", "b: letter", 12),
    ]


# ---------------------------------------------------------------------------
# Name reduction
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("slow: slow tests", "slow"),
        ("integration", "integration"),
        ("env(name): run only on env", "env"),
        ("env(name)", "env"),
        ("  spaced  : description", "spaced"),
        ("timeout(seconds: int): limit", "timeout"),
        ("", ""),
    ],
)
def test_marker_name_is_pytests_reduction(text: str, name: str) -> None:
    assert marker_name(text) == name
    assert names(hook(f'config.addinivalue_line("markers", {text!r})\n')) == [name]


# ---------------------------------------------------------------------------
# Evaluable forms
# ---------------------------------------------------------------------------


def test_plain_and_implicitly_concatenated_strings() -> None:
    assert texts(hook('config.addinivalue_line("markers", "smoke: " "quick")\n')) == ["smoke: quick"]


def test_f_strings_with_conversions_and_specs() -> None:
    source = hook(
        """
        config.addinivalue_line("markers", f"{PREFIX}_a")
        config.addinivalue_line("markers", f"{PREFIX!s}_b: {PREFIX!r}")
        config.addinivalue_line("markers", f"v{VERSION:03d}_c")
        config.addinivalue_line("markers", f"{PREFIX:>{WIDTH}}_d")
        config.addinivalue_line("markers", f"{FLAG}_{RATIO:.1f}_e")
        config.addinivalue_line("markers", f"{'lit'}_f")
        """,
        prelude='PREFIX = "gp"\nVERSION = 7\nWIDTH = 4\nFLAG = True\nRATIO = 0.25\n',
    )
    assert texts(source) == ["gp_a", "gp_b: 'gp'", "v007_c", "  gp_d", "True_0.2_e", "lit_f"]


def test_percent_formatting() -> None:
    source = hook(
        """
        config.addinivalue_line("markers", "%s_one" % PREFIX)
        config.addinivalue_line("markers", "%s_%d: two" % (PREFIX, 2))
        config.addinivalue_line("markers", "%(p)s_three" % {"p": PREFIX})
        config.addinivalue_line("markers", "%s_four: 100%%" % (PREFIX,))
        """,
        prelude='PREFIX = "gp"\n',
    )
    assert texts(source) == ["gp_one", "gp_2: two", "gp_three", "gp_four: 100%"]


def test_concatenation() -> None:
    source = hook('config.addinivalue_line("markers", PREFIX + "_" + SUFFIX + ": joined")\n', 'PREFIX = "gp"\nSUFFIX = "e2e"\n')
    assert texts(source) == ["gp_e2e: joined"]


def test_str_format_with_positional_keyword_and_unpacked_arguments() -> None:
    source = hook(
        """
        config.addinivalue_line("markers", "{}_{}: pos".format(PREFIX, 1))
        config.addinivalue_line("markers", "{p}_kw".format(p=PREFIX))
        config.addinivalue_line("markers", "{0}_{1}_star".format(*PARTS))
        config.addinivalue_line("markers", "{p}_dstar".format(**{"p": PREFIX}))
        config.addinivalue_line("markers", "{0!r}_conv: {1:>3}".format(PREFIX, 5))
        """,
        prelude='PREFIX = "gp"\nPARTS = ("x", "y")\n',
    )
    assert texts(source) == ["gp_1: pos", "gp_kw", "x_y_star", "gp_dstar", "'gp'_conv:   5"]


def test_join_and_subscripts() -> None:
    source = hook(
        """
        config.addinivalue_line("markers", "_".join([PREFIX, "joined"]))
        config.addinivalue_line("markers", PAIRS[1][0])
        config.addinivalue_line("markers", TABLE["db"])
        """,
        prelude='PREFIX = "gp"\nPAIRS = [("a", 1), ("b", 2)]\nTABLE = {"db": "database: needs a db"}\n',
    )
    assert texts(source) == ["gp_joined", "b", "database: needs a db"]


def test_module_constants_chain_and_may_follow_the_hook() -> None:
    source = hook('config.addinivalue_line("markers", FULL)\n') + 'FULL = BASE + ": chained"\nBASE: str = "base"\n'
    assert texts(source) == ["base: chained"]


def test_chained_assignment_binds_each_name_once() -> None:
    assert texts(hook('config.addinivalue_line("markers", A + B)\n', 'A = B = "x"\n')) == ["xx"]


def test_ini_name_may_be_a_constant() -> None:
    assert names(hook('config.addinivalue_line(KIND, "smoke")\n', 'KIND = "markers"\n')) == ["smoke"]


def test_local_variables_assigned_once() -> None:
    source = hook(
        """
        prefix = "loc"
        line = f"{prefix}_marker: local"
        config.addinivalue_line("markers", line)
        """
    )
    assert texts(source) == ["loc_marker: local"]


def test_local_shadows_module_constant() -> None:
    source = hook(
        """
        NAME = "local"
        config.addinivalue_line("markers", NAME)
        """,
        prelude='NAME = "module"\n',
    )
    assert texts(source) == ["local"]


def test_loops_over_literals_of_every_kind() -> None:
    source = hook(
        """
        for a in ["l1", "l2"]:
            config.addinivalue_line("markers", a)
        for b in ("t1", "t2"):
            config.addinivalue_line("markers", b)
        for c in {"s1", "s2", "s1"}:
            config.addinivalue_line("markers", c)
        for line in ["direct: x", "direct2"]:
            config.addinivalue_line("markers", line)
        """
    )
    assert texts(source) == ["l1", "l2", "t1", "t2", "s1", "s2", "direct: x", "direct2"]


def test_loop_over_module_constants_and_local_lists() -> None:
    source = hook(
        """
        for marker in MARKERS:
            config.addinivalue_line("markers", marker)
        extra = [*MORE, "local"]
        for marker in extra:
            config.addinivalue_line("markers", f"{marker}: more")
        """,
        prelude='MARKERS = ["slow: slow", "integration"]\nMORE = ("m1",)\n',
    )
    assert texts(source) == ["slow: slow", "integration", "m1: more", "local: more"]


def test_nested_and_unpacking_loops() -> None:
    source = hook(
        """
        for name, desc in PAIRS:
            config.addinivalue_line("markers", f"{name}: {desc}")
        for env in ENVS:
            for kind in ("unit", "e2e"):
                config.addinivalue_line("markers", f"{env}_{kind}")
        for index, (left, right) in [(1, ("x", "y"))]:
            config.addinivalue_line("markers", f"{left}{right}{index}")
        """,
        prelude='PAIRS = [("slow", "slow tests"), ("db", "needs a database")]\nENVS = ("dev", "prod")\n',
    )
    assert texts(source) == [
        "slow: slow tests",
        "db: needs a database",
        "dev_unit",
        "dev_e2e",
        "prod_unit",
        "prod_e2e",
        "xy1",
    ]


def test_dict_iteration() -> None:
    source = hook(
        """
        for name, description in MARKERS.items():
            config.addinivalue_line("markers", f"{name}: {description}")
        for name in MARKERS:
            config.addinivalue_line("markers", name + "_key")
        for name in MARKERS.keys():
            config.addinivalue_line("markers", name + "_k")
        for description in MARKERS.values():
            config.addinivalue_line("markers", description)
        """,
        prelude='MARKERS = {"slow": "slow tests", "db": "database", **{"net": "network"}}\n',
    )
    assert texts(source) == [
        "slow: slow tests",
        "db: database",
        "net: network",
        "slow_key",
        "db_key",
        "net_key",
        "slow_k",
        "db_k",
        "net_k",
        "slow tests",
        "database",
        "network",
    ]


def test_keyword_and_mixed_argument_forms() -> None:
    source = hook(
        """
        config.addinivalue_line(name="markers", line="kw: keywords")
        config.addinivalue_line(line="kw2", name="markers")
        config.addinivalue_line("markers", line="mixed")
        config.addinivalue_line(*("markers", "starred"))
        """
    )
    assert names(source) == ["kw", "kw2", "mixed", "starred"]


def test_other_receiver_name_is_the_first_parameter() -> None:
    source = """
    def pytest_configure(cfg):
        cfg.addinivalue_line("markers", "via_cfg")
        config.addinivalue_line("markers", "not_the_parameter")
    """
    assert names(source) == ["via_cfg"]


def test_hookimpl_decorated_hook_counts() -> None:
    source = """
    import pytest

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(config):
        config.addinivalue_line("markers", "decorated")
    """
    assert names(source) == ["decorated"]


def test_hook_defined_inside_module_level_blocks_counts() -> None:
    source = """
    try:
        import xdist
    except ImportError:
        def pytest_configure(config):
            config.addinivalue_line("markers", "fallback")
    """
    assert names(source) == ["fallback"]


def test_every_module_level_hook_is_read() -> None:
    source = hook('config.addinivalue_line("markers", "first")\n') + hook('config.addinivalue_line("markers", "second")\n')
    assert names(source) == ["first", "second"]


def test_calls_in_branches_are_all_taken() -> None:
    source = hook(
        """
        if config.getoption("--slow"):
            config.addinivalue_line("markers", "if_branch")
        else:
            config.addinivalue_line("markers", "else_branch")
        try:
            config.addinivalue_line("markers", "in_try")
        except ValueError:
            config.addinivalue_line("markers", "in_except")
        with open("x") as handle:
            config.addinivalue_line("markers", "in_with")
        while True:
            config.addinivalue_line("markers", "in_while")
            break
        """
    )
    assert names(source) == ["if_branch", "else_branch", "in_try", "in_except", "in_with", "in_while"]


def test_constant_line_inside_an_unknown_loop_is_still_seen() -> None:
    source = hook(
        """
        for plugin in config.pluginmanager.get_plugins():
            config.addinivalue_line("markers", "constant")
        """
    )
    assert names(source) == ["constant"]


def test_repeated_registration_of_one_call_is_reported_once() -> None:
    source = hook(
        """
        for _ in range(3):
            config.addinivalue_line("markers", "again")
        for _ in ("a", "b"):
            config.addinivalue_line("markers", "again")
        """
    )
    assert scan(source)[0] == [Registration("again", "again", 3), Registration("again", "again", 5)]


def test_nested_function_with_constant_line() -> None:
    source = hook(
        """
        def register():
            config.addinivalue_line("markers", PREFIX + "_nested")
        register()
        """,
        prelude='PREFIX = "gp"\n',
    )
    assert names(source) == ["gp_nested"]


# ---------------------------------------------------------------------------
# Not evaluable: reported, never guessed
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prelude", "argument"),
    [
        ("", "make_marker()"),
        ("import markers_module\n", "markers_module.NAME"),
        ("import os\n", 'os.environ["MARKER"]'),
        ("", "config.getini('x')"),
        ("", "config"),
        ('M = ["a", "b"]\n', "[m for m in M][0]"),
        ('M = ["a", "b"]\n', '", ".join(m for m in M)'),
        ("FLAG = True\n", '"a" if FLAG else "b"'),
        ('NAME = "a"\nNAME = "b"\n', "NAME"),
        ('NAME = "a"\nNAME += "b"\n', "NAME"),
        ('NAME = "a"\ndef other():\n    global NAME\n    NAME = "b"\n', "NAME"),
        ('import sys\nif sys.platform == "linux":\n    NAME = "a"\n', "NAME"),
        ("def other():\n    NAME = 'a'\n", "NAME"),
        ('NAME = "a"\nfrom somewhere import *\n', "NAME"),
        ("NAME, OTHER = 'a', 'b'\n", "NAME"),
        ("A = B\nB = A\n", "A"),
        ("", "3"),
        ("", "None"),
        ("", 'b"bytes"'),
        ('P = "gp"\n', 'f"{P:>99999}"'),
        ('P = "gp"\n', '"%999999s" % P'),
        ('P = "gp"\n', '"%*s" % (3, P)'),
        ('P = "gp"\n', '"{0.upper}".format(P)'),
        ('P = "gp"\n', '"{0[0]}".format(P)'),
        ('P = "gp"\n', '"{0:{1}}".format(P, 99999999)'),
        ('P = ["gp"]\n', 'f"{P}"'),
        ('P = ["gp"]\n', '"%s" % P'),
        ("N = 1\n", 'N + "x"'),
        ('P = "gp"\n', "P * 3"),
        ('P = "gp"\n', "P.upper()"),
        ('P = "gp"\n', '"%d" % P'),
        ('P = "gp"\n', '"%s %s" % (P,)'),
    ],
)
def test_unevaluable_arguments_are_reported(prelude: str, argument: str) -> None:
    registrations, unevaluated = scan(hook(f'config.addinivalue_line("markers", {argument})\n', prelude))
    line = len(textwrap.dedent(prelude).splitlines()) + 2
    assert registrations == []
    assert unevaluated == [Unevaluated(line=line, column=5)]


def test_mutated_module_list_is_not_evaluable() -> None:
    source = hook(
        """
        for marker in MARKERS:
            config.addinivalue_line("markers", marker)
        """,
        prelude='MARKERS = ["slow"]\nMARKERS.append("fast")\n',
    )
    assert unevaluated_lines(source) == [5]


def test_list_mutated_through_an_alias_is_not_evaluable() -> None:
    source = hook(
        """
        for marker in MARKERS:
            config.addinivalue_line("markers", marker)
        """,
        prelude='MARKERS = ["slow"]\nalias = MARKERS\nalias.extend(["fast"])\n',
    )
    assert unevaluated_lines(source) == [6]


def test_mutated_dict_is_not_evaluable() -> None:
    source = hook(
        """
        for name in TABLE:
            config.addinivalue_line("markers", name)
        """,
        prelude='TABLE = {"slow": 1}\nTABLE["fast"] = 2\n',
    )
    assert unevaluated_lines(source) == [5]


def test_loop_over_unevaluable_iterable() -> None:
    source = hook(
        """
        for marker in load_markers():
            config.addinivalue_line("markers", marker)
        for marker in [m.strip() for m in RAW]:
            config.addinivalue_line("markers", marker)
        """,
        prelude='RAW = [" a "]\n',
    )
    assert unevaluated_lines(source) == [4, 6]


def test_local_assigned_twice_or_augmented_or_conditionally_typed() -> None:
    source = hook(
        """
        twice = "a"
        twice = "b"
        config.addinivalue_line("markers", twice)
        grown = "a"
        grown += "b"
        config.addinivalue_line("markers", grown)
        unpacked, other = "a", "b"
        config.addinivalue_line("markers", unpacked)
        """
    )
    assert unevaluated_lines(source) == [4, 7, 9]


def test_local_used_before_its_assignment_and_loop_variable_after_its_loop() -> None:
    source = hook(
        """
        config.addinivalue_line("markers", late)
        late = "late"
        for marker in ["a"]:
            pass
        config.addinivalue_line("markers", marker)
        """
    )
    assert unevaluated_lines(source) == [2, 6]


def test_call_inside_a_comprehension_is_unevaluated() -> None:
    source = hook('[config.addinivalue_line("markers", m) for m in MARKERS]\n', 'MARKERS = ["a"]\n')
    registrations, unevaluated = scan(source)
    assert registrations == []
    assert unevaluated == [Unevaluated(line=3, column=6)]


def test_nested_function_using_its_parameter_is_unevaluated() -> None:
    source = hook(
        """
        def register(marker):
            config.addinivalue_line("markers", marker)
        register("slow")
        """
    )
    assert unevaluated_lines(source) == [3]


def test_nested_function_rebinding_the_receiver_is_ignored() -> None:
    source = hook(
        """
        def register(config):
            config.addinivalue_line("markers", make())
        """
    )
    assert scan(source) == ([], [])


def test_unknown_ini_name_is_unevaluated_known_other_ini_name_is_ignored() -> None:
    source = hook(
        """
        config.addinivalue_line(pick_ini(), "slow")
        config.addinivalue_line("filterwarnings", "error")
        config.addinivalue_line("filterwarnings", compute())
        config.addinivalue_line(name="testpaths", line=compute())
        config.addinivalue_line(OTHER, compute())
        """,
        prelude='OTHER = "usefixtures"\n',
    )
    registrations, unevaluated = scan(source)
    assert registrations == []
    assert unevaluated == [Unevaluated(line=3, column=5)]


def test_wrong_arity_is_ignored() -> None:
    source = hook(
        """
        config.addinivalue_line("markers")
        config.addinivalue_line("markers", "a", "b")
        config.addinivalue_line("markers", "a", line="b")
        """
    )
    assert scan(source) == ([], [])


def test_columns_are_one_based_characters() -> None:
    source = 'def pytest_configure(config):\n    x = "é"; config.addinivalue_line("markers", f())\n'
    tree = ast.parse(source)
    assert marker_registrations(tree)[1] == [Unevaluated(line=2, column=15)]  # byte offset + 1
    assert marker_registrations(tree, source)[1] == [Unevaluated(line=2, column=14)]


def test_columns_from_a_source_file() -> None:
    from goldenpath_audit.auditor.source import SourceFile

    raw = 'def pytest_configure(config):\n    x = "日本"; config.addinivalue_line("markers", f())\n'.encode()
    source = SourceFile.from_bytes("conftest.py", raw)
    assert marker_registrations(ast.parse(source.text), source)[1] == [Unevaluated(line=2, column=15)]


# ---------------------------------------------------------------------------
# Ignored entirely
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "",
        "import pytest\n\ndef test_x():\n    pass\n",
        # Not the hook.
        'def pytest_sessionstart(session):\n    session.config.addinivalue_line("markers", make())\n',
        # Nested in a class (e.g. a plugin object) or in a function.
        'class Plugin:\n    def pytest_configure(self, config):\n        config.addinivalue_line("markers", make())\n',
        'def outer():\n    def pytest_configure(config):\n        config.addinivalue_line("markers", make())\n',
        # async def is not a pytest_configure hook here.
        'async def pytest_configure(config):\n    config.addinivalue_line("markers", make())\n',
        # No parameter, other receivers.
        'def pytest_configure():\n    config.addinivalue_line("markers", make())\n',
        'def pytest_configure(config):\n    other.addinivalue_line("markers", make())\n',
        'def pytest_configure(config):\n    config.inner.addinivalue_line("markers", make())\n',
        'def pytest_configure(config):\n    config.addinivalue("markers", make())\n',
        # Other ini names.
        'def pytest_configure(config):\n    config.addinivalue_line("filterwarnings", "error")\n',
        'def pytest_configure(config):\n    config.addinivalue_line("usefixtures", x.y)\n',
    ],
)
def test_ignored_modules(source: str) -> None:
    assert marker_registrations(ast.parse(source)) == ([], [])


# ---------------------------------------------------------------------------
# Bounds and robustness
# ---------------------------------------------------------------------------


def test_registrations_are_bounded() -> None:
    source = hook(
        """
        for a in R:
            for b in R:
                for c in R:
                    config.addinivalue_line("markers", f"m{a}{b}{c}")
        """,
        prelude="R = (" + ", ".join(str(i) for i in range(20)) + ")\n",
    )
    registrations, unevaluated = scan(source)
    assert len(registrations) <= MAX_REGISTRATIONS
    assert unevaluated == [Unevaluated(line=6, column=17)]


def test_exhausted_budget_is_shared_across_hooks_and_every_call_stays_visible() -> None:
    big = hook(
        """
        for a in R:
            for b in R:
                for c in R:
                    for d in R:
                        pass
        config.addinivalue_line("markers", "after")
        """,
        prelude="R = (" + ", ".join(str(i) for i in range(30)) + ")\n",
    ) + hook('config.addinivalue_line("markers", "second")\n')
    registrations, unevaluated = scan(big)
    assert registrations == []
    assert [entry.line for entry in unevaluated] == [8, 10]


def test_exponential_constants_are_refused() -> None:
    lines = ["A0 = ['x', 'y']"] + [f"A{i} = [*A{i - 1}, *A{i - 1}]" for i in range(1, 40)]
    source = hook('for m in A39:\n    config.addinivalue_line("markers", m)\n', "\n".join(lines) + "\n")
    registrations, unevaluated = scan(source)
    assert registrations == []
    assert len(unevaluated) == 1


def test_deep_expressions_do_not_raise() -> None:
    deep = " + ".join(['"a"'] * 400)
    registrations, unevaluated = scan(hook(f'config.addinivalue_line("markers", {deep})\n'))
    assert registrations == []
    assert unevaluated == [Unevaluated(line=2, column=5)]
    long_chain = "\n".join([f"C{i} = C{i - 1} + 'x'" for i in range(1, 500)])
    registrations, unevaluated = scan(hook('config.addinivalue_line("markers", C499)\n', "C0 = 'x'\n" + long_chain + "\n"))
    assert registrations == []
    assert len(unevaluated) == 1


def test_huge_strings_are_refused() -> None:
    source = hook(
        """
        config.addinivalue_line("markers", "%s" * 1)
        config.addinivalue_line("markers", "{}{}{}{}".format(BIG, BIG, BIG, BIG))
        config.addinivalue_line("markers", BIG + BIG)
        """,
        prelude=f'BIG = "{"x" * 9000}"\n',
    )
    assert unevaluated_lines(source) == [3, 4, 5]


def test_weird_but_valid_python_does_not_raise() -> None:
    source = '''
from x import *
match = 1
type_ = 2
async def helper():
    async for item in aiter():
        pass
def pytest_configure(config, /, *args, extra=1, **kwargs):
    global GLOBAL
    GLOBAL = 1
    lam = lambda line="default": config.addinivalue_line("markers", line)
    class Inner:
        config.addinivalue_line("markers", "class_body")
        def method(self):
            config.addinivalue_line("markers", self.name)
    match config.option:
        case {"x": 1, **rest}:
            config.addinivalue_line("markers", "matched")
        case [first, *others] if config.addinivalue_line("markers", "guard"):
            pass
    try:
        pass
    except* ValueError as group:
        config.addinivalue_line("markers", str(group))
    (walrus := "w")
    config.addinivalue_line("markers", walrus)
    del lam
    for config.attr in ["x"]:
        config.addinivalue_line("markers", config.attr)
    for first, *rest in [("a", "b", "c")]:
        config.addinivalue_line("markers", first)
    config.addinivalue_line("markers", {**{1: 2}}[1])
    config.addinivalue_line("markers", GLOBAL)
'''
    registrations, unevaluated = marker_registrations(ast.parse(source))
    assert {registration.name for registration in registrations} == {"class_body", "matched", "guard"}
    assert [entry.line for entry in unevaluated] == [11, 15, 24, 26, 29, 31, 32, 33]


def test_pytests_own_plugins_register_the_builtin_markers() -> None:
    """pytest's own modules, read statically, register exactly their documented markers."""
    root = Path(pytest.__file__).resolve().parent.parent / "_pytest"
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        registrations, unevaluated = marker_registrations(ast.parse(path.read_text(encoding="utf-8")))
        assert unevaluated == [], path
        if registrations:
            found[path.name] = {registration.name for registration in registrations}
    assert found["skipping.py"] == {"skip", "skipif", "xfail"}
    assert found["python.py"] == {"parametrize", "usefixtures"}
    assert found["warnings.py"] == {"filterwarnings"}


# ---------------------------------------------------------------------------
# Oracle: real pytest agrees
# ---------------------------------------------------------------------------

ORACLE_CONFTEST = '''\
import pytest

PREFIX = "gp"
WIDTH = 3
MARKERS = ["slow: slow tests", "integration"]
PAIRS = (("db", "needs a database"), ("net", "needs the network"))
TABLE = {"api": "talks to the api", "ui": "drives a browser"}
ENVS = ("dev", "prod")
KIND = "markers"
FULL = PREFIX + "_full"


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    config.addinivalue_line("markers", "smoke: quick checks")
    config.addinivalue_line("markers", "env(name): only on one environment")
    config.addinivalue_line("markers", f"{PREFIX}_golden: golden path")
    config.addinivalue_line("markers", f"{PREFIX!s}_v{WIDTH:02d}: versioned")
    config.addinivalue_line("markers", "%s_retry: retries" % PREFIX)
    config.addinivalue_line("markers", "%s_%s: pair" % (PREFIX, "pct"))
    config.addinivalue_line("markers", PREFIX + "_e2e: end to end")
    config.addinivalue_line("markers", "{}_db: database".format(PREFIX))
    config.addinivalue_line("markers", "{p}_kw: keyword format".format(p=PREFIX))
    config.addinivalue_line(KIND, FULL + ": via constants")
    config.addinivalue_line(name="markers", line="keyword_form: keywords")
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning")
    local = PREFIX + "_local"
    config.addinivalue_line("markers", local)
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    for name in ("letter_a", "letter_b"):
        config.addinivalue_line("markers", f"{name}: letter")
    for name, description in PAIRS:
        config.addinivalue_line("markers", f"{name}: {description}")
    for name, description in TABLE.items():
        config.addinivalue_line("markers", name + ": " + description)
    for env in ENVS:
        for kind in ["unit", "e2e"]:
            config.addinivalue_line("markers", f"{env}_{kind}")
    for line in ["listed: from a literal list", "listed_too"]:
        config.addinivalue_line("markers", line)
    if config.getoption("verbose") is not None:
        config.addinivalue_line("markers", "conditional: in a branch")
'''


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _printed_markers(cwd: Path) -> set[str]:
    completed = _pytest(cwd, "--markers")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    prefix = "@pytest.mark."
    return {
        marker_name(line[len(prefix) :])
        for line in completed.stdout.splitlines()
        if line.startswith(prefix)
    }


def test_oracle_real_pytest_agrees(tmp_path: Path) -> None:
    baseline_dir = tmp_path / "baseline"
    project_dir = tmp_path / "project"
    for directory in (baseline_dir, project_dir):
        directory.mkdir()
        (directory / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (project_dir / "conftest.py").write_text(ORACLE_CONFTEST, encoding="utf-8")

    registrations, unevaluated = marker_registrations(ast.parse(ORACLE_CONFTEST), ORACLE_CONFTEST)
    assert unevaluated == []
    ours = {registration.name for registration in registrations}

    # Every name we report is accepted by --strict-markers in a real run.
    tests = ["import pytest", ""]
    for index, name in enumerate(sorted(ours)):
        tests += [f"@pytest.mark.{name}", f"def test_{index}():", "    pass", ""]
    (project_dir / "test_markers.py").write_text("\n".join(tests), encoding="utf-8")
    collected = _pytest(project_dir, "--collect-only", "-q", "--strict-markers")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert f"{len(ours)} tests collected" in collected.stdout

    # And it is exactly what pytest lists beyond its built-in markers.
    registered = _printed_markers(project_dir) - _printed_markers(baseline_dir)
    assert registered == ours

