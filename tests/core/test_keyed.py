"""{% live_key %}: parsing, placement rules, HTTP rendering and the keys a render records."""
from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import NodeList

from liveview.core import compiler
from liveview.core.keyed import KeyedEntries, LiveKeyNode, unique_keys
from liveview.core.render import render_tree
from liveview.core.tree import tree_to_html
from tests.core.treekit import check_wire, django_render, make_engine

LIBRARIES = {"liveview": "liveview.templatetags.liveview"}
ROWS = [{"id": 7, "name": "<a>"}, {"id": 3, "name": "b"}]


def keyed_tree(source: str, context: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The tree of `source`, checked against Django's render."""
    template = make_engine({"t": source}, **options).get_template("t")
    tree = render_tree(template, context)
    check_wire(tree)
    assert tree_to_html(tree) == django_render(template, context)
    return tree


# --- the tag -------------------------------------------------------------------------------


def test_loaded_from_the_liveview_library_and_renders_nothing_over_http() -> None:
    source = ("{% load liveview %}<ul>{% for r in rows %}{% live_key r.id %}<li>{{ r.name }}</li>"
              "{% endfor %}</ul>")
    template = Engine(libraries=LIBRARIES).from_string(source)
    plain = Engine().from_string(source.replace("{% live_key r.id %}", "").replace(
        "{% load liveview %}", ""))
    assert template.render(Context({"rows": ROWS})) == plain.render(Context({"rows": ROWS}))
    assert template.render(Context({"rows": ROWS})) == "<ul><li>&lt;a&gt;</li><li>b</li></ul>"
    node = template.nodelist[2].nodelist_loop[0]
    assert type(node) is LiveKeyNode
    assert repr(node) == "<LiveKeyNode: r.id>"


def test_the_tree_is_the_unkeyed_tree_plus_keys_on_the_entries() -> None:
    keyed = keyed_tree("<ul>{% for r in rows %}{% live_key r.id %}<li>{{ r.name }}</li>"
                       "{% endfor %}</ul>", {"rows": ROWS})
    plain = keyed_tree("<ul>{% for r in rows %}<li>{{ r.name }}</li>{% endfor %}</ul>",
                       {"rows": ROWS})
    assert keyed == plain
    assert json.dumps(keyed) == json.dumps(plain)  # the keys never reach the wire
    assert isinstance(keyed["0"]["k"], KeyedEntries)
    assert keyed["0"]["k"].entry_keys == (7, 3)
    assert type(plain["0"]["k"]) is dict


def test_whitespace_before_the_tag_stays_in_the_statics() -> None:
    tree = keyed_tree("{% for r in rows %}\n  {% live_key r.id %}\n  <li>{{ r.id }}</li>\n"
                      "{% endfor %}", {"rows": ROWS})
    assert tree["0"]["s"] == ["\n  \n  <li>", "</li>\n"]
    assert tree["0"]["k"].entry_keys == (7, 3)


def test_keys_may_be_any_expression_with_filters_and_unpacked_names() -> None:
    tree = keyed_tree("{% for k, v in pairs %}{% live_key k|lower %}{{ v }}{% endfor %}",
                      {"pairs": [("A", 1), ("b", 2)]})
    assert tree["0"]["k"].entry_keys == ("a", "b")
    tree = keyed_tree("{% for r in rows reversed %}{% live_key forloop.counter %}{{ r.id }}"
                      "{% endfor %}", {"rows": ROWS})
    assert tree["0"]["k"].entry_keys == (1, 2)


def test_nested_loops_each_keep_their_own_keys() -> None:
    tree = keyed_tree("{% for g in groups %}{% live_key g.name %}<ul>{% for x in g.items %}"
                      "{% live_key x %}<li>{{ x }}</li>{% endfor %}</ul>{% endfor %}",
                      {"groups": [{"name": "a", "items": [3, 1]}, {"name": "b", "items": [2]}]})
    outer = tree["0"]["k"]
    assert outer.entry_keys == ("a", "b")
    assert outer["0"]["0"]["k"].entry_keys == (3, 1)
    assert outer["1"]["0"]["k"].entry_keys == (2,)


@pytest.mark.parametrize("keys", [[1, 2, 1], ["", ""], [1, True], [[1], [2]]])
def test_duplicate_or_unhashable_keys_leave_the_render_unkeyed(keys: list[Any]) -> None:
    tree = keyed_tree("{% for x in xs %}{% live_key x %}<i>{{ forloop.counter }}</i>{% endfor %}",
                      {"xs": keys})
    assert tree["0"]["k"].entry_keys is None
    assert unique_keys(keys) is None


def test_missing_key_values_follow_string_if_invalid_and_so_are_duplicates() -> None:
    tree = keyed_tree("{% for r in rows %}{% live_key r.nope %}{{ r.id }}{% endfor %}",
                      {"rows": ROWS}, string_if_invalid="?")
    assert tree["0"]["k"].entry_keys is None


def test_keyed_entries_survive_copy_and_pickle() -> None:
    tree = keyed_tree("{% for r in rows %}{% live_key r.id %}{{ r.id }}{% endfor %}",
                      {"rows": ROWS})
    for clone in (copy.deepcopy(tree), pickle.loads(pickle.dumps(tree))):
        assert clone == tree
        assert clone["0"]["k"].entry_keys == (7, 3)


# --- misuse --------------------------------------------------------------------------------


@pytest.mark.parametrize("source, message", [
    ("{% for r in rows %}{% live_key %}{% endfor %}", "takes exactly one expression.*no argument"),
    ("{% for r in rows %}{% live_key r.id r.name %}{% endfor %}",
     "takes exactly one expression.*2 arguments"),
    ("{% live_key r.id %}", "outside any loop"),
    ("{% for r in rows %}{% if r %}{% live_key r.id %}{% endif %}{% endfor %}", "inside {% if %}"),
    ("{% with r=x %}{% live_key r %}{% endwith %}", "inside {% with %}"),
    ("{% for r in rows %}{% live_key r.id|nosuchfilter %}{% endfor %}", "Invalid filter"),
])
def test_misuse_is_a_syntax_error_when_the_template_is_parsed(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError, match=message):
        make_engine({"t": source}).get_template("t")
    with pytest.raises(TemplateSyntaxError, match=message):
        Engine(libraries=LIBRARIES).from_string("{% load liveview %}" + source)


def test_without_load_the_tag_is_unknown() -> None:
    with pytest.raises(TemplateSyntaxError, match="Invalid block tag.*'live_key'"):
        Engine().from_string("{% for r in rows %}{% live_key r.id %}{% endfor %}")


@pytest.mark.parametrize("source, message", [
    ("{% for r in rows %}<li>{% live_key r.id %}</li>{% endfor %}",
     r"\{% live_key r.id %\} \(t, line 1\) is not the first tag of its loop's body"),
    ("{% for r in rows %}{{ r }}{% live_key r.id %}{% endfor %}", "is not the first tag"),
    ("{% for r in rows %}{% live_key r.id %}\n{% live_key r.name %}{% endfor %}",
     r"\{% live_key r.name %\} \(t, line 2\) is the second key of one loop"),
    ("{% for r in rows %}{{ r }}{% empty %}{% live_key r.id %}{% endfor %}",
     r"is in the \{% empty %\} branch"),
    ("{% if x %}{% for r in rows %}x{% live_key r.id %}{% endfor %}{% endif %}",
     "is not the first tag"),
])
def test_misplaced_in_a_loop_is_a_syntax_error_on_the_first_live_render(
        source: str, message: str) -> None:
    template = make_engine({"t": source}).get_template("t")
    # Whatever the data: every loop of a template is checked when it is compiled.
    with pytest.raises(TemplateSyntaxError, match=message):
        render_tree(template, {"rows": [], "x": False})


def test_a_key_node_the_loop_did_not_take_out_is_refused() -> None:
    # The parser only lets the tag into for bodies, where the loop takes it out; a node
    # list built by hand (or by some other tag) that holds one is an error, not a slot.
    node = make_engine({"t": "{% for r in rows %}{% live_key r %}{% endfor %}"}).get_template(
        "t").nodelist[0].nodelist_loop[0]
    with pytest.raises(TemplateSyntaxError, match="is not directly in a {% for %} loop's body"):
        compiler.plan_for(NodeList([node]))


def test_inside_an_opaque_tag_the_key_changes_nothing() -> None:
    tree = keyed_tree("{% spaceless %}{% for r in rows %}{% live_key r.id %} <i>{{ r.id }}</i> "
                      "{% endfor %}{% endspaceless %}", {"rows": ROWS})
    assert tree == {"s": ["", ""], "0": "<i>7</i><i>3</i>"}


def test_key_errors_surface_as_in_django() -> None:
    class Row:
        @property
        def id(self) -> int:
            raise ZeroDivisionError("no id")

    source = "{% for r in rows %}{% live_key r.id %}{{ r }}{% endfor %}"
    template = make_engine({"t": source}).get_template("t")
    with pytest.raises(ZeroDivisionError, match="no id"):
        django_render(template, {"rows": [Row()]})
    with pytest.raises(ZeroDivisionError, match="no id"):
        render_tree(template, {"rows": [Row()]})
