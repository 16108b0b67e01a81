"""The compiler's shortcuts through Django's resolve and smartif eval (liveview.core.compiler):
each one against Django's own render, above all where the shortcut must give way to Django
(a missing name, a callable, an operator that raises, a Context of another kind)."""
from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Variable
from django.test import override_settings
from django.utils import translation
from django.utils.safestring import mark_safe

from liveview.core import compiler
from liveview.core.render import render_tree
from liveview.core.tree import tree_to_html
from tests.core.test_render import NASTY, NASTY_ESCAPED, render_both
from tests.core.treekit import make_engine


@pytest.fixture(autouse=True, params=["generated", "slots"])
def plan_render(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every shortcut twice: in the plan's generated render function (`compiler.generate`)
    and in the evaluators its slots call (the tracked render's, and a loop body's)."""
    if request.param == "slots":
        monkeypatch.setattr(compiler, "generate", lambda plan: None)
    return str(request.param)


# --- {{ name }} ----------------------------------------------------------------------------


class Called:
    """A callable Django calls when a template names it."""

    def __call__(self) -> str:
        return "<called>"

    def __str__(self) -> str:
        return "<not called>"


class NotCalled(Called):
    do_not_call_in_templates = True


class AltersData(Called):
    alters_data = True


class Shown:
    def __str__(self) -> str:
        return NASTY


@pytest.mark.parametrize("value, expected", [
    (Called(), "&lt;called&gt;"),
    (lambda: 7, "7"),
    (NotCalled(), "&lt;not called&gt;"),
    (AltersData(), "INVALID"),
    (Shown(), NASTY_ESCAPED),
    (mark_safe(NASTY), NASTY),
    (NASTY, NASTY_ESCAPED),
    (None, "None"),
    (True, "True"),
    (2.5, "2.5"),
])
def test_a_bare_name_renders_its_value_as_django(value: Any, expected: str) -> None:
    tree = render_both("{{ v }}|{% if v %}t{% else %}f{% endif %}", {"v": value},
                       string_if_invalid="INVALID")
    assert tree["0"] == expected


@pytest.mark.parametrize("invalid, expected", [("", ""), ("INVALID", "INVALID"),
                                               ("<%s>", "&lt;missing&gt;")])
def test_a_missing_name_is_string_if_invalid(invalid: str, expected: str) -> None:
    # In an if, a missing name is None, never the invalid string (truthy here).
    tree = render_both("{{ missing }}{% if missing %}y{% else %}n{% endif %}", {},
                       string_if_invalid=invalid)
    assert tree["0"] == expected
    assert tree["1"] == {"s": ["n"]}


def test_the_innermost_binding_of_a_name_wins() -> None:
    # Also over the builtins: a context may name a variable None.
    tree = render_both("{{ v }}{% with v='inner' %}{{ v }}{% for v in vs %}{{ v }}{% endfor %}"
                       "{{ v }}{% endwith %}{{ v }}{{ None }}{% if None %}y{% endif %}",
                       {"v": "outer", "vs": ["row"], "None": "shadowed"})
    assert tree_to_html(tree) == "outerinnerrowinnerouterShadowedy".replace("S", "s")


class Counting:
    """Answers `[key]` with KeyError (counting the calls) and has the attribute `x`."""

    x = "attr"

    def __init__(self) -> None:
        self.calls = 0

    def __getitem__(self, key: str) -> Any:
        self.calls += 1
        raise KeyError(key)


@pytest.mark.parametrize("source, expected", [
    ("{{ d.k }}", "v"),
    ("{{ d.nested.k }}", "deep"),
    ("{{ d.f }}", "&lt;called&gt;"),           # a callable found in a dict is called
    ("{{ d.keep }}", "&lt;not called&gt;"),
    ("{{ d.items }}", "dict_items"),           # a missing key: Django tries attributes next
    ("{{ d.1 }}", "one"),                      # ... and then list-style indexes
    ("{{ d.missing }}", "INVALID"),
    ("{{ d.k.upper }}", "V"),                  # a str is not a dict: Django's own lookup
    ("{{ call.k }}", "from call"),             # a callable is called before its key
    ("{{ forloop.counter }}", "INVALID"),
    ("{% for x in d.list %}{{ forloop.counter }}{{ x.k }}{% endfor %}", "1a2b"),
    ("{% if d.k == 'v' and d.nested.k %}yes{% endif %}", "yes"),
    ("{% if d.missing == None %}none{% endif %}", "none"),
])
def test_dotted_names_through_dicts_resolve_as_django(source: str, expected: str) -> None:
    context = {"d": {"k": "v", "nested": {"k": "deep"}, "f": Called(), "keep": NotCalled(),
                     1: "one", "list": [{"k": "a"}, {"k": "b"}]},
               "call": lambda: {"k": "from call"}}
    html = tree_to_html(render_both(source, context, string_if_invalid="INVALID"))
    assert html.startswith(expected)


def test_a_key_lookup_that_fails_is_tried_once_as_in_django() -> None:
    # Only plain dicts are looked into: anything else may count, or cost, each try.
    counting = Counting()
    tree = render_both("{{ c.x }}", {"c": counting})
    assert tree["0"] == "attr"
    assert counting.calls == 2  # once by Django's render in render_both, once by the tree's


class Shouting(Context):
    """A Context of its own making: Django asks it, not its dicts."""

    def __getitem__(self, key: Any) -> Any:
        return str(super().__getitem__(key)).upper()


class Refusing(dict[str, Any]):
    """A mapping pushed onto a Context that cannot answer `in`."""

    def __contains__(self, key: object) -> bool:
        raise TypeError("no")


@pytest.mark.parametrize("make_context", [
    lambda: Shouting({"v": "quiet"}),
    lambda: Context({"v": "quiet"}).new(Refusing()),
], ids=["own-getitem", "mapping-that-raises"])
def test_other_contexts_resolve_through_django(make_context: Any) -> None:
    template = make_engine({"main.html": "{{ v }}{% if v == 'QUIET' %}!{% endif %}"},
                           string_if_invalid="INVALID").get_template("main.html")
    expected = template.render(make_context())
    assert tree_to_html(compiler.render_template_tree(template, make_context())) == expected
    assert expected in ("QUIET!", "INVALID")


def test_a_translated_literal_is_translated_at_each_render() -> None:
    template = make_engine({"main.html": '{{ _("Yes") }}{% if _("Yes") == "Ja" %}!{% endif %}'}
                           ).get_template("main.html")
    with translation.override("en"):
        assert tree_to_html(render_tree(template, {})) == "Yes"
    with translation.override("de"):
        assert tree_to_html(render_tree(template, {})) == "Ja!"


def test_a_translated_variable_literal_is_not_a_constant() -> None:
    # Not something a template can spell (`_("...")` there is a lazy constant), but a
    # Variable can: its literal is translated at each resolve.
    expression = make_engine({"t": "{{ v }}"}).get_template("t").nodelist[0].filter_expression
    expression.var = Variable('_("Yes")')
    resolve = compiler._resolver(expression)
    with translation.override("de"):
        assert resolve(Context()) == "Ja"
    with translation.override("en"):
        assert resolve(Context()) == "Yes"


def test_ints_follow_the_thousand_separator_setting_as_it_changes() -> None:
    template = make_engine({"main.html": "{{ n }}"}).get_template("main.html")
    assert tree_to_html(render_tree(template, {"n": 10 ** 6})) == "1000000"
    with override_settings(USE_THOUSAND_SEPARATOR=True):
        assert tree_to_html(render_tree(template, {"n": 10 ** 6})) == "1,000,000"
    assert tree_to_html(render_tree(template, {"n": 10 ** 6})) == "1000000"


# --- {% if %} conditions -------------------------------------------------------------------


class Falsy:
    def __bool__(self) -> bool:
        raise ValueError("no truth")


CONDITIONS = [
    "a in xs", "a not in xs", "a in n", "a not in n", "not a", "not n", "not z", "not falsy",
    "a and n", "a and z", "z and a", "a or n", "z or n", "z or z", "falsy and a", "falsy or a",
    "n < 3", "n > 3", "n <= 2", "n >= 3", "n == 2", "n != 2", "a < n", "a > n", "a >= n",
    "none is None", "none is not None", "n is None", "a is a", "1 < 2", "'x' == 'x'",
    "2 > n", "'b' in a", "n == 2.0", "missing == None", "missing is None", "missing < 1",
    "a or n == 2", "not a or n", "n == 2 and not z or falsy", "a == 'ab' == True",
    "f", "f == 'called'", "not f", "n|add:1 == 3", "a|upper in 'XABX'", "xs|length > 1",
    "z == 0 == False", "n is 2.0", "n is not 2.0",
]


@pytest.mark.parametrize("condition", CONDITIONS)
def test_conditions_evaluate_as_django(condition: str) -> None:
    render_both("{% if " + condition + " %}yes{% else %}no{% endif %}",
                {"a": "ab", "n": 2, "z": 0, "xs": ["ab", "cd"], "none": None,
                 "falsy": Falsy(), "f": lambda: "called"}, string_if_invalid="INVALID")


@pytest.mark.parametrize("condition, expected", [
    ("a < n", "no"), ("a in n", "no"), ("not falsy", "no"), ("falsy or a", "no"),
    ("a or n == 2", "yes"), ("z or n", "yes"), ("f == 'called'", "yes"), ("1 < n", "yes"),
    ("none is None", "yes"), ("n is not None", "yes"), ("missing is None", "yes"),
])
def test_condition_outcomes(condition: str, expected: str) -> None:
    # A few outcomes spelled out, so a shortcut and Django cannot agree on a wrong answer.
    tree = render_both("{% if " + condition + " %}yes{% else %}no{% endif %}",
                       {"a": "ab", "n": 2, "none": None, "z": 0, "falsy": Falsy(),
                        "f": lambda: "called"})
    assert tree_to_html(tree) == expected


def test_a_failing_filter_in_a_bare_condition_raises_as_in_django() -> None:
    # Only operators turn exceptions into False; a lone operand's filter error propagates.
    template = make_engine({"main.html": "{% if n|divisibleby:0 %}y{% endif %}"}).get_template(
        "main.html")
    with pytest.raises(ZeroDivisionError):
        template.render(Context({"n": 2}))
    with pytest.raises(ZeroDivisionError):
        render_tree(template, {"n": 2})
    # Inside an operator, the whole operator is False: `or` never gets to its second operand.
    assert tree_to_html(render_both("{% if n|divisibleby:0 or 1 %}y{% endif %}", {"n": 2})) \
        == ""


# --- the render context --------------------------------------------------------------------


def test_each_template_render_has_its_own_render_context() -> None:
    # The included loop keeps its cycle in the include's render context: each render of the
    # included template (the same Template, through the include's cache) starts afresh.
    tree = render_both("{{ n }}{% for i in 'xy' %}{% include 'inc.html' %}{% endfor %}",
                       {"n": 1, "xs": [1, 2, 3]},
                       templates={"inc.html": "{% for x in xs %}{% cycle 'a' 'b' %}{% endfor %}"})
    assert tree_to_html(tree) == "1abaaba"


def test_plans_know_whether_they_use_the_render_context() -> None:
    def plan(source: str) -> Any:
        return compiler.plan_for(make_engine({"t": source}).get_template("t").nodelist)

    assert not plan("{{ a }}{% if a %}{% for x in a %}{% with b=x %}{{ b }}{% endwith %}"
                    "{% endfor %}{% endif %}").uses_render_context
    for source in ("{% cycle 'a' 'b' %}", "{% if a %}{% include 't' %}{% endif %}",
                   "{% for x in a %}{% ifchanged x %}{% endifchanged %}{% endfor %}",
                   "{% with b=1 %}{% block c %}{% endblock %}{% endwith %}"):
        assert plan(source).uses_render_context, source
