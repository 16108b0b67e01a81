"""render_tree: how each tag maps onto the rendered tree, and parity with Django's render."""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template, TemplateDoesNotExist, TemplateSyntaxError
from django.template import engines, loader
from django.test import override_settings
from django.utils.safestring import mark_safe

from liveview.core import compiler
from liveview.core.render import new_context, render_tree
from liveview.core.tree import tree_to_html
from tests.core.corpus import CORPUS
from tests.core.treekit import check_wire, django_render, make_engine, unmask_csrf

NASTY = "<b>&\"'"
NASTY_ESCAPED = "&lt;b&gt;&amp;&quot;&#x27;"


def render_both(source: str, context: dict[str, Any], request: Any = None,
                templates: dict[str, str] | None = None, **options: Any) -> dict[str, Any]:
    """The tree of `source`, after checking it is wire-valid and renders exactly as Django."""
    template = make_engine({"main.html": source, **(templates or {})}, **options).get_template(
        "main.html")
    tree = render_tree(template, context, request)
    check_wire(tree)
    assert unmask_csrf(tree_to_html(tree)) == unmask_csrf(django_render(template, context, request))
    return tree


# --- text and variables -------------------------------------------------------------------


def test_text_only_template_is_a_single_static() -> None:
    assert render_both("<p>hi</p>\n", {}) == {"s": ["<p>hi</p>\n"]}


def test_variable_is_a_string_dynamic_escaped_like_django() -> None:
    tree = render_both("<p>{{ v }}</p><i>{{ n }}</i>", {"v": NASTY, "n": 5})
    assert tree == {"s": ["<p>", "</p><i>", "</i>"], "0": NASTY_ESCAPED, "1": "5"}
    assert type(tree["1"]) is not int


def test_adjacent_dynamics_are_separated_by_empty_statics() -> None:
    tree = render_both("{{ a }}{{ b }}", {"a": "1", "b": "2"})
    assert tree == {"s": ["", "", ""], "0": "1", "1": "2"}


@pytest.mark.parametrize("source, context, autoescape, expected", [
    ("{{ v }}", {"v": NASTY}, False, NASTY),
    ("{{ v }}", {"v": mark_safe(NASTY)}, True, NASTY),
    ("{{ v|safe }}", {"v": NASTY}, True, NASTY),
    ("{{ v|escape }}", {"v": NASTY}, False, NASTY_ESCAPED),
    ("{{ v|force_escape|safe }}", {"v": NASTY}, True, NASTY_ESCAPED),
    ("{{ v|upper }}", {"v": NASTY}, True, "&lt;B&gt;&amp;&quot;&#x27;"),
    ('{{ v|default:"<x>" }}', {"v": ""}, True, "<x>"),
])
def test_escaping_matches_django(source: str, context: dict[str, Any], autoescape: bool,
                                 expected: str) -> None:
    assert render_both(source, context, autoescape=autoescape)["0"] == expected


def test_autoescape_blocks_switch_escaping_for_their_content_only() -> None:
    tree = render_both(
        "{{ v }}{% autoescape off %}<u>{{ v }}{% autoescape on %}{{ v }}{% endautoescape %}"
        "</u>{% endautoescape %}{{ v }}", {"v": NASTY})
    assert tree["1"] == {"s": ["<u>", "", "</u>"], "0": NASTY,
                         "1": {"s": ["", ""], "0": NASTY_ESCAPED}}
    assert tree["0"] == tree["2"] == NASTY_ESCAPED


@pytest.mark.parametrize("invalid, expected", [("", ""), ("INVALID", "INVALID"),
                                               ("<%s>", "&lt;missing.attr&gt;")])
def test_unresolvable_variables_follow_string_if_invalid(invalid: str, expected: str) -> None:
    tree = render_both("[{{ missing.attr }}]{% for x in missing %}{{ x }}{% endfor %}", {},
                       string_if_invalid=invalid)
    assert tree["0"] == expected
    assert tree["1"] == ""


@override_settings(USE_THOUSAND_SEPARATOR=True, TIME_ZONE="Europe/Paris")
def test_localisation_and_time_zones_match_django() -> None:
    moment = datetime.datetime(2024, 7, 1, 22, 30, tzinfo=datetime.timezone.utc)
    tree = render_both(
        "{{ f }} {{ d }} {{ i }} {{ t }} {{ t|date:'H:i' }}{% load l10n %} "
        "{% localize off %}{{ i }}"
        "{% endlocalize %}", {"f": 1234567.5, "d": Decimal("98765.43"), "i": 10 ** 6, "t": moment},
        libraries={"l10n": "django.templatetags.l10n"})
    assert tree["0"] == "1,234,567.5"
    assert tree["4"] == "00:30"


def test_lazy_strings_and_html_objects_render_like_django() -> None:
    class Html:
        def __html__(self) -> str:
            return "<i>html</i>"

        def __str__(self) -> str:
            return "<i>str</i>"

    from django.utils.translation import gettext_lazy
    tree = render_both("{{ a }}|{{ b }}|{{ b|safe }}",
                       {"a": gettext_lazy("Yes"), "b": Html()})
    # Django converts non-str values with str() before escaping: __html__ is not consulted.
    assert tree["1"] == "&lt;i&gt;str&lt;/i&gt;"


# --- if ------------------------------------------------------------------------------------


IF_SOURCE = ("<div>{% if n > 1 %}<b>{{ n }}</b>{% elif n == 1 %}one{% elif n == 0 %}"
             "{% else %}<i>{{ n }} below</i>{% endif %}</div>")


@pytest.mark.parametrize("n, branch", [
    (5, {"s": ["<b>", "</b>"], "0": "5"}),
    (1, {"s": ["one"]}),
    (0, {"s": [""]}),
    (-1, {"s": ["<i>", " below</i>"], "0": "-1"}),
])
def test_each_if_branch_is_a_nested_tree_with_its_own_statics(n: int, branch: Any) -> None:
    assert render_both(IF_SOURCE, {"n": n}) == {"s": ["<div>", "</div>"], "0": branch}


def test_if_without_matching_branch_is_an_empty_string() -> None:
    assert render_both("a{% if x %}b{% endif %}c", {"x": False}) == {"s": ["a", "c"], "0": ""}


def test_if_conditions_that_fail_to_resolve_are_false() -> None:
    assert render_both("{% if missing.x > 1 %}y{% else %}n{% endif %}", {})["0"] == {"s": ["n"]}


# --- for -----------------------------------------------------------------------------------


def test_for_is_a_keyed_comprehension_sharing_one_statics_list() -> None:
    tree = render_both("<ul>{% for x in xs %}<li>{{ x }}</li>{% endfor %}</ul>",
                       {"xs": ["a", "<b>"]})
    assert tree == {"s": ["<ul>", "</ul>"], "0": {
        "s": ["<li>", "</li>"], "k": {"0": {"0": "a"}, "1": {"0": "&lt;b&gt;"}, "kc": 2}}}
    assert "s" not in tree["0"]["k"]["0"]


def test_for_entries_with_different_branches_nest_their_own_statics() -> None:
    tree = render_both("{% for x in xs %}{% if x %}<b>{{ x }}</b>{% else %}-{% endif %}"
                       "{% endfor %}", {"xs": ["a", "", "c"]})
    entries = tree["0"]["k"]
    assert entries["0"]["0"] == {"s": ["<b>", "</b>"], "0": "a"}
    assert entries["1"]["0"] == {"s": ["-"]}
    assert entries["0"]["0"]["s"] is entries["2"]["0"]["s"]


def test_empty_for_is_an_empty_string_or_the_empty_branch() -> None:
    assert render_both("{% for x in xs %}{{ x }}{% endfor %}", {"xs": []})["0"] == ""
    tree = render_both("{% for x in xs %}{{ x }}{% empty %}<p>none {{ q }}</p>{% endfor %}",
                       {"xs": [], "q": "<q>"})
    assert tree["0"] == {"s": ["<p>none ", "</p>"], "0": "&lt;q&gt;"}


class Countdown:
    """Iterable without __len__: the for tag turns it into a list first."""

    def __iter__(self) -> Any:
        return iter(range(3, 0, -1))


def test_forloop_parentloop_unpacking_reversed_and_iterables_match_django() -> None:
    source = ("{% for a, b in pairs reversed %}{{ forloop.counter }}/{{ forloop.revcounter0 }}"
              "{{ forloop.first|yesno }}{{ forloop.last|yesno }}:{{ a }}={{ b }}"
              "{% for c in b %}[{{ forloop.parentloop.counter0 }}.{{ forloop.counter }}{{ c }}]"
              "{% endfor %}{% endfor %}{% for n in gen %}{{ n }}{% endfor %}{{ a }}")
    tree = render_both(source, {"pairs": [("x", "12"), ("y<", "3")], "gen": Countdown()})
    assert tree["0"]["k"]["kc"] == 2
    assert tree["1"]["k"]["kc"] == 3
    assert tree["2"] == ""  # loop variables do not leak out of the loop


def test_for_unpacking_mismatch_raises_like_django() -> None:
    template = make_engine({"t": "{% for a, b in xs %}{{ a }}{% endfor %}"}).get_template("t")
    with pytest.raises(ValueError, match="Need 2 values to unpack in for loop; got 3"):
        render_tree(template, {"xs": ["abc"]})


# --- with, include, extends ----------------------------------------------------------------


def test_with_is_a_nested_tree() -> None:
    tree = render_both("{% with a=v|upper b=2 %}<i>{{ a }}{{ b }}</i>{% endwith %}{{ a }}",
                       {"v": "x"})
    assert tree == {"s": ["", "", ""], "0": {"s": ["<i>", "", "</i>"], "0": "X", "1": "2"},
                    "1": ""}


INCLUDES = {"row.html": "<td>{{ x }}</td><td>{{ y|default:'no y' }}</td>",
            "other.html": "<em>{{ x }}</em>"}


@pytest.mark.parametrize("tag", [
    '{% include "row.html" %}', '{% include "row.html" with x=v %}',
    '{% include "row.html" with x=v only %}', "{% include name %}",
    "{% include names %}", "{% include tpl %}", "{% include backend_tpl %}",
])
def test_include_keeps_the_included_text_as_statics(tag: str) -> None:
    backend_tpl = engines["django"].from_string("<td>{{ x }}</td><td>{{ y|default:'no y' }}</td>")
    context = {"x": "<x>", "y": "Y", "v": "V", "name": "row.html",
               "names": ["missing.html", "row.html"], "tpl": backend_tpl.template,
               "backend_tpl": backend_tpl}
    tree = render_both(f"<tr>{tag}</tr>", context, templates=INCLUDES)
    assert tree["s"] == ["<tr>", "</tr>"]
    assert tree["0"]["s"] == ["<td>", "</td><td>", "</td>"]


def test_variable_include_switching_templates_changes_statics() -> None:
    source = "{% for n in names %}{% include n with x=forloop.counter %}{% endfor %}"
    tree = render_both(source, {"names": ["row.html", "other.html", "row.html"]},
                       templates=INCLUDES)
    entries = tree["0"]["k"]
    assert entries["1"]["0"] == {"s": ["<em>", "</em>"], "0": "2"}
    assert entries["0"]["0"]["s"] is entries["2"]["0"]["s"]


LAYOUTS = {
    "base.html": "<html><title>{% block title %}Site{% endblock %}</title>"
                 "<body>{% block body %}<p>base body</p>{% endblock %}"
                 "{% block foot %}<footer>{{ year }}</footer>{% endblock %}</body></html>",
    "mid.html": "{% extends 'base.html' %}{% block title %}Mid · {{ block.super }}{% endblock %}"
                "{% block body %}<div class=\"mid\">{% block inner %}mid inner{% endblock %}"
                "</div>{% endblock %}",
}


def _all_statics(tree: Any) -> list[str]:
    if not isinstance(tree, dict):
        return []
    found = list(tree.get("s", []))
    for key, value in tree.items():
        if key == "k":
            for entry in value.values():
                found += _all_statics(entry)
        elif key != "s":
            found += _all_statics(value)
    return found


def test_multi_level_extends_keeps_every_level_in_statics() -> None:
    source = ("{% extends 'mid.html' %}{% block inner %}<b>{{ who }}</b> then "
              "{{ block.super }}{% endblock %}{% block title %}Page | {{ block.super }}"
              "{% endblock %}this text is ignored")
    tree = render_both(source, {"who": "<me>", "year": 2025}, templates=LAYOUTS)
    statics = _all_statics(tree)
    assert "<html><title>" in statics
    assert "<div class=\"mid\">" in statics
    assert "<b>" in statics
    assert tree_to_html(tree).startswith("<html><title>Page | Mid · Site</title>")


def test_extends_with_a_variable_parent_and_template_objects() -> None:
    engine = make_engine(LAYOUTS)
    for parent in ("base.html", engine.get_template("base.html")):
        tree = render_both("{% extends parent %}{% block body %}x{% endblock %}",
                           {"parent": parent, "year": 1}, templates=LAYOUTS)
        assert "<html><title>" in _all_statics(tree)


def test_blocks_in_a_template_without_extends_render_in_place() -> None:
    tree = render_both("a{% block b %}<i>{{ v }}</i>{% endblock %}", {"v": 1})
    assert tree == {"s": ["a", ""], "0": {"s": ["<i>", "</i>"], "0": "1"}}


def test_include_of_a_template_that_extends() -> None:
    source = "{% for y in years %}{% include 'mid.html' with year=y %}{% endfor %}"
    render_both(source, {"years": [1, 2]}, templates=LAYOUTS)


# --- comments and opaque tags --------------------------------------------------------------


def test_comments_and_load_leave_nothing() -> None:
    tree = render_both("{% load lvtags %}a{# x #}b{% comment %}{{ v }}{% endcomment %}c", {})
    assert tree == {"s": ["abc"]}


@pytest.mark.parametrize("tag", [
    "{% now 'Y' %}", "{% spaceless %}<p> <b>{{ v }}</b> </p>{% endspaceless %}",
    "{% cycle 'a' v %}", "{% firstof missing v %}", "{% widthratio 3 4 100 %}",
    "{% filter upper %}x{{ v }}{% endfilter %}", "{% lv_echo v %}", "{% lv_badge v %}",
    "{% templatetag openblock %}", "{% verbatim %}{{ v }}{% endverbatim %}", "{% url 'index' %}",
    "{% lorem 2 w %}", "{% ifchanged v %}c{% endifchanged %}", "{% lv_seq %}",
    "{% querystring page=2 %}",
])
def test_other_tags_are_one_opaque_dynamic_rendered_by_django(tag: str, request_obj: Any) -> None:
    tree = render_both(f"<{tag}>", {"v": NASTY}, request=request_obj)
    assert tree["s"] == ["<", ">"]
    assert isinstance(tree["0"], str)


def test_csrf_token_with_a_request(request_obj: Any) -> None:
    tree = render_both("<form>{% csrf_token %}</form>", {}, request=request_obj)
    assert tree["0"].startswith('<input type="hidden" name="csrfmiddlewaretoken" value="')
    assert unmask_csrf(tree["0"]) != tree["0"]


def test_stateful_tags_see_the_context_in_document_order() -> None:
    source = ("{% for x in xs %}{% cycle 'odd' 'even' as parity silent %}{{ parity }}"
              "{% ifchanged x.g %}<h2>{{ x.g }}</h2>{% endifchanged %}{% lv_seq %}"
              "{% endfor %}{{ parity }}{% url 'counter' as home %}{{ home }}"
              "{% firstof missing '<f>' as fo %}{% if fo %}{{ fo }}{% endif %}"
              "{% regroup xs by g as groups %}{% for grp in groups %}{{ grp.grouper }}"
              "{{ grp.list|length }}{% endfor %}{% lv_echo 'e' as echoed %}{{ echoed }}"
              "{% include 'inc.html' %}{% lv_seq %}")
    tree = render_both(source, {"xs": [{"g": 1}, {"g": 1}, {"g": 2}]},
                       templates={"inc.html": "{% lv_seq %}{% cycle 'p' 'q' %}"})
    assert [tree["0"]["k"][i]["1"] for i in "012"] == ["odd", "even", "odd"]


def test_render_tree_never_writes_into_the_callers_context() -> None:
    context = {"v": 1}
    render_both("{% firstof v as copied %}{% cycle 'a' 'b' as c %}", context)
    assert context == {"v": 1}


def test_an_opaque_node_that_renders_a_non_string_fails_like_django() -> None:
    from django import template as dt

    class IntNode(dt.Node):
        def render(self, context: Any) -> Any:
            return 3

    engine = make_engine({})
    tpl = engine.from_string("a")
    tpl.nodelist.append(IntNode())
    with pytest.raises(TypeError):
        tpl.render(Context())
    with pytest.raises(TypeError, match="returned int, expected str"):
        render_tree(tpl, {})


# --- template objects, requests, caching ---------------------------------------------------


def test_accepts_backend_engine_and_string_templates(request_obj: Any) -> None:
    source = "<p>{{ request.GET.q }} {{ v }}</p>"
    backend = engines["django"].from_string(source)
    for template in (backend, backend.template, Template(source)):
        tree = render_tree(template, {"v": NASTY}, request_obj)
        assert tree_to_html(tree) == backend.render({"v": NASTY}, request_obj)
        assert tree["0"] == "&lt;shoes&gt;"


def test_rejects_objects_that_are_not_django_templates() -> None:
    with pytest.raises(TypeError, match="got str"):
        render_tree("<p>{{ v }}</p>", {})


def test_each_nodelist_compiles_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    compile_nodelist = compiler._compile
    monkeypatch.setattr(compiler, "_compile", lambda nl: calls.append(nl) or compile_nodelist(nl))
    template = make_engine({"t": "{% for x in xs %}{% if x %}{{ x }}{% endif %}{% endfor %}"
                                 "{% include 'i' %}", "i": "<i>{{ xs }}</i>"},
                           cached=True).get_template("t")
    first = render_tree(template, {"xs": [1, 0]})
    compiled = len(calls)
    second = render_tree(template, {"xs": [2]})
    assert compiled == 4  # root, for body, if branch, included root
    assert len(calls) == compiled
    assert first["0"]["s"] is second["0"]["s"]


# --- errors --------------------------------------------------------------------------------


def _debug_info(exc: BaseException) -> tuple[Any, ...]:
    info = getattr(exc, "template_debug", {})
    return type(exc), str(exc), info.get("name"), info.get("line"), info.get("during")


@pytest.mark.parametrize("source, context", [
    ("line1\n{% include 'broken.html' %}", {}),
    ("x\n{% for r in rows %}\n{{ r|first }}\n{% endfor %}", {"rows": [3]}),
    ("{% if x %}\n\n{% include name %}{% endif %}", {"x": 1, "name": "nope.html"}),
    ("{% extends 'broken.html' %}", {}),
    ("{% with a=b %}\n{{ boom.explode }}{% endwith %}", {}),
    ("{% for r in rows %}\n{% live_key boom.explode %}{{ r }}{% endfor %}", {"rows": [1]}),
])
def test_render_errors_are_djangos_own_with_template_name_and_line(
        source: str, context: dict[str, Any]) -> None:
    class Boom:
        def explode(self) -> None:
            raise ZeroDivisionError("boom")

    context = {**context, "boom": Boom()}
    templates = {"main.html": source, "broken.html": "ok\n{% if %}\n"}
    expected = _raised(lambda: django_render(
        make_engine(templates, debug=True).get_template("main.html"), context))
    got = _raised(lambda: render_tree(
        make_engine(templates, debug=True).get_template("main.html"), context))
    assert _debug_info(got) == _debug_info(expected)
    assert _debug_info(got)[2] is not None


def _raised(call: Any) -> BaseException:
    with pytest.raises(Exception) as info:
        call()
    return info.value


def test_syntax_errors_surface_when_loading(corpus_backend: None) -> None:
    with pytest.raises(TemplateSyntaxError, match="Unclosed tag"):
        engines["django"].from_string("{% if x %}")


def test_missing_include_through_the_backend_names_the_backend(corpus_backend: None) -> None:
    template = engines["django"].from_string("{% include 'corpus/nope.html' %}")
    with pytest.raises(TemplateDoesNotExist) as info:
        render_tree(template, {})
    assert info.value.backend is template.backend


# --- realistic templates through Django's backend ------------------------------------------


@pytest.mark.parametrize("name, step", [(n, i) for n, states in CORPUS.items()
                                        for i in range(len(states))])
def test_corpus_renders_exactly_as_django(corpus_backend: None, request_obj: Any, name: str,
                                          step: int) -> None:
    template = loader.get_template(name)
    context = CORPUS[name][step]
    tree = render_tree(template, context, request_obj)
    check_wire(tree)
    expected = template.render(dict(context), request_obj)
    assert unmask_csrf(tree_to_html(tree)) == unmask_csrf(expected)


@pytest.mark.parametrize("autoescape", [True, False])
def test_new_context_holds_what_djangos_context_holds(autoescape: bool) -> None:
    # render_tree builds its Context without Django's constructors: the same attributes,
    # values and dicts, so tags cannot tell (a Django upgrade adding one fails here).
    values = {"a": 1}
    fast = new_context(values, autoescape)
    django = Context(values, autoescape=autoescape)
    assert type(fast) is Context and type(fast.render_context) is type(django.render_context)
    assert vars(fast).keys() == vars(django).keys()
    for name, value in vars(django).items():
        if name not in ("render_context", "dicts"):
            assert getattr(fast, name) == value, name
    assert fast.dicts == django.dicts and fast.dicts[-1] is values
    assert vars(fast.render_context) == vars(django.render_context)
    # Fresh per render: a tag writing into the builtins cannot reach the next render.
    assert new_context(values, autoescape).dicts[0] is not fast.dicts[0]
