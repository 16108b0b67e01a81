"""diff_tree: exact, minimal diff shapes for the changes a LiveView makes."""
from __future__ import annotations

import json
from typing import Any

import pytest

from liveview.core.render import render_tree
from liveview.core.diff import diff_tree
from liveview.core.tree import merge_diff, tree_to_html
from tests.core.treekit import check_wire, django_render, make_engine

TABLE = ("<table>{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.name|upper }}</td>"
         "<td>{% if r.ok %}<b>yes</b>{% else %}no{% endif %}</td></tr>{% endfor %}</table>"
         "<p>{{ title }}</p>")


def rows(n: int, changes: dict[int, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """`n` table rows, with `changes` (row index -> fields) applied."""
    out = [{"id": i, "name": f"n{i}", "ok": i % 2 == 0} for i in range(n)]
    for index, fields in (changes or {}).items():
        out[index].update(fields)
    return out


def step(source: str, old_ctx: dict[str, Any], new_ctx: dict[str, Any]) -> dict[str, Any]:
    """The diff between two renders, checked to merge into exactly the new render."""
    template = make_engine({"t": source}).get_template("t")
    old, new = render_tree(template, old_ctx), render_tree(template, new_ctx)
    diff = diff_tree(old, new)
    check_wire(diff, full=False)
    merged = merge_diff(old, diff)
    assert merged == new
    assert tree_to_html(merged) == django_render(template, new_ctx)
    return diff


def test_no_previous_tree_sends_the_whole_tree() -> None:
    tree = render_tree(make_engine({"t": TABLE}).get_template("t"), {"rows": rows(2)})
    assert diff_tree(None, tree) is tree


def test_unchanged_is_empty() -> None:
    assert step(TABLE, {"rows": rows(50)}, {"rows": rows(50)}) == {}


def test_one_changed_row_sends_only_that_row_and_kc() -> None:
    diff = step(TABLE, {"rows": rows(1000)}, {"rows": rows(1000, {500: {"name": "x<y"}})})
    assert diff == {"0": {"k": {"500": {"1": "X&lt;Y"}, "kc": 1000}}}
    assert len(json.dumps(diff, separators=(",", ":"))) < 150


def test_append_sends_only_the_new_rows_whole() -> None:
    diff = step(TABLE, {"rows": rows(3)}, {"rows": rows(5)})
    assert diff == {"0": {"k": {
        "3": {"0": "3", "1": "N3", "2": {"s": ["no"]}},
        "4": {"0": "4", "1": "N4", "2": {"s": ["<b>yes</b>"]}},
        "kc": 5}}}


def test_truncate_sends_only_the_count() -> None:
    assert step(TABLE, {"rows": rows(10)}, {"rows": rows(4)}) == {"0": {"k": {"kc": 4}}}


def test_branch_switch_sends_the_new_branch_whole() -> None:
    diff = step(TABLE, {"rows": rows(3)}, {"rows": rows(3, {1: {"ok": True}})})
    assert diff == {"0": {"k": {"1": {"2": {"s": ["<b>yes</b>"]}}, "kc": 3}}}


def test_same_branch_sends_only_its_changed_dynamics() -> None:
    source = "{% if user %}<p>{{ user.name }} ({{ user.role }})</p>{% endif %}"
    diff = step(source, {"user": {"name": "a", "role": "r"}}, {"user": {"name": "b", "role": "r"}})
    assert diff == {"0": {"0": "b"}}


def test_branch_to_nothing_and_back() -> None:
    source = "{% if on %}<i>{{ v }}</i>{% endif %}"
    assert step(source, {"on": True, "v": 1}, {"on": False, "v": 1}) == {"0": ""}
    assert step(source, {"on": False, "v": 1}, {"on": True, "v": 1}) == {
        "0": {"s": ["<i>", "</i>"], "0": "1"}}


def test_list_emptied_and_refilled() -> None:
    source = "{% for x in xs %}<li>{{ x }}</li>{% empty %}<p>none</p>{% endfor %}"
    assert step(source, {"xs": [1]}, {"xs": []}) == {"0": {"s": ["<p>none</p>"]}}
    assert step(source, {"xs": []}, {"xs": [1]}) == {
        "0": {"s": ["<li>", "</li>"], "k": {"0": {"0": "1"}, "kc": 1}}}


def test_changed_include_template_sends_the_subtree_whole() -> None:
    template = make_engine({"t": "{% include name %}", "a.html": "<a>{{ v }}</a>",
                            "b.html": "<b>{{ v }}</b>"}).get_template("t")
    old = render_tree(template, {"name": "a.html", "v": 1})
    new = render_tree(template, {"name": "b.html", "v": 1})
    assert diff_tree(old, new) == {"0": {"s": ["<b>", "</b>"], "0": "1"}}


def test_top_level_statics_change_sends_the_tree_whole() -> None:
    old = {"s": ["<a>", "</a>"], "0": "x"}
    new = {"s": ["<b>", "</b>"], "0": "x"}
    assert diff_tree(old, new) is new


def test_nested_comprehensions_diff_per_entry() -> None:
    source = ("{% for g in groups %}<ul>{% for x in g %}<li>{{ x }}</li>{% endfor %}</ul>"
              "{% endfor %}")
    diff = step(source, {"groups": [[1, 2], [3]]}, {"groups": [[1, 9], [3, 4]]})
    assert diff == {"0": {"k": {
        "0": {"0": {"k": {"1": {"0": "9"}, "kc": 2}}},
        "1": {"0": {"k": {"1": {"0": "4"}, "kc": 2}}},
        "kc": 2}}}


def test_unchanged_slots_beside_a_change_are_left_out() -> None:
    diff = step(TABLE, {"rows": rows(3), "title": "a"}, {"rows": rows(3), "title": "b"})
    assert diff == {"1": "b"}


@pytest.mark.parametrize("old, new, expected", [
    ({"s": ["", ""], "0": "a"}, {"s": ["", ""], "0": {"s": ["<b>", "</b>"], "0": "x"}},
     {"0": {"s": ["<b>", "</b>"], "0": "x"}}),
    ({"s": ["", ""], "0": {"s": ["<b>", "</b>"], "0": "x"}}, {"s": ["", ""], "0": "a"},
     {"0": "a"}),
    # Same statics, but a comprehension replaces a nested node: a new template.
    ({"s": ["", ""], "0": {"s": ["<i>", "</i>"], "0": "x"}},
     {"s": ["", ""], "0": {"s": ["<i>", "</i>"], "k": {"0": {"0": "x"}, "kc": 1}}},
     {"0": {"s": ["<i>", "</i>"], "k": {"0": {"0": "x"}, "kc": 1}}}),
])
def test_kind_changes_send_the_new_value_whole(old: Any, new: Any, expected: Any) -> None:
    diff = diff_tree(old, new)
    assert diff == expected
    assert merge_diff(old, diff) == new


def test_diff_does_not_mutate_its_inputs() -> None:
    template = make_engine({"t": TABLE}).get_template("t")
    old = render_tree(template, {"rows": rows(4)})
    new = render_tree(template, {"rows": rows(6, {2: {"ok": True}})})
    before = json.dumps([old, new])
    merge_diff(old, diff_tree(old, new))
    assert json.dumps([old, new]) == before
