"""diff_tree: exact, minimal diff shapes for the changes a LiveView makes."""
from __future__ import annotations

import json
from typing import Any

import pytest

from liveview.core import diff as diff_module
from liveview.core.render import render_tree
from liveview.core.diff import diff_tree
from liveview.core.tree import merge_diff, tree_to_html
from tests.core.treekit import check_wire, django_render, make_engine

TABLE = ("<table>{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.name|upper }}</td>"
         "<td>{% if r.ok %}<b>yes</b>{% else %}no{% endif %}</td></tr>{% endfor %}</table>"
         "<p>{{ title }}</p>")


@pytest.fixture(autouse=True, params=["c", "python"])
def node_walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every diff shape with each diff: the C one (liveview/core/_diff.c,
    tests/core/test_diff_native.py) and the Python one it stands in for."""
    if request.param == "python":
        monkeypatch.setattr(diff_module, "_diff_dynamics", diff_module._python_diff_dynamics)
        monkeypatch.setitem(globals(), "diff_tree", diff_module._python_diff_tree)


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


def test_equal_statics_in_another_list_are_the_same_template() -> None:
    old = {"s": ["<a>", "</a>"], "0": "x"}
    assert diff_tree(old, {"s": ["<a>", "</a>"], "0": "y"}) == {"0": "y"}
    assert diff_tree(old, {"s": old["s"], "0": "x"}) == {}


def test_a_nested_node_that_differs_without_a_change_is_left_out() -> None:
    # A stream without operations this render (its ref moved on): nothing to send for it.
    stream = {"s": ["<ul>", "</ul>"], "k": {"kc": 0}, "stream": ["0", [], []]}
    moved_on = {**stream, "stream": ["1", [], []]}
    assert diff_tree({"s": ["", ""], "0": stream, "1": "a"},
                     {"s": ["", ""], "0": moved_on, "1": "b"}) == {"1": "b"}


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


# --- keyed loops ({% live_key %}) ------------------------------------------------------------

KEYED_TABLE = TABLE.replace("{% for r in rows %}", "{% for r in rows %}{% live_key r.id %}")
NEW_ROW = {"id": 9, "name": "new", "ok": True}
NEW_ENTRY = {"0": "9", "1": "NEW", "2": {"s": ["<b>yes</b>"]}}


def keyed(old_rows: list[dict[str, Any]], new_rows: list[dict[str, Any]]) -> Any:
    """The comprehension's part of the keyed table's diff (checked as `step` checks)."""
    diff = step(KEYED_TABLE, {"rows": old_rows}, {"rows": new_rows})
    assert set(diff) <= {"0"}, diff
    return diff.get("0")


def moved(order: list[int], **changes: dict[str, Any]) -> list[dict[str, Any]]:
    """rows(5) in `order` (by id), with `changes` applied to rows by id (`r3={...}`)."""
    by_id = {r["id"]: r for r in rows(5)}
    for name, fields in changes.items():
        by_id[int(name[1:])] = {**by_id[int(name[1:])], **fields}
    return [by_id[i] for i in order]


@pytest.mark.parametrize("new_rows, expected", [
    pytest.param([NEW_ROW, *rows(5)],
                 {"0": NEW_ENTRY, "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "km": True, "kc": 6},
                 id="insert-top"),
    pytest.param([*rows(5)[:2], NEW_ROW, *rows(5)[2:]],
                 {"2": NEW_ENTRY, "3": 2, "4": 3, "5": 4, "km": True, "kc": 6},
                 id="insert-middle"),
    pytest.param([*rows(5), NEW_ROW], {"5": NEW_ENTRY, "kc": 6}, id="insert-bottom"),
    pytest.param(rows(5)[1:], {"0": 1, "1": 2, "2": 3, "3": 4, "km": True, "kc": 4},
                 id="delete-first"),
    pytest.param([*rows(5)[:2], *rows(5)[3:]], {"2": 3, "3": 4, "km": True, "kc": 4},
                 id="delete-middle"),
    pytest.param(rows(5)[:4], {"kc": 4}, id="delete-last"),
    pytest.param(moved([0, 4, 1, 2, 3]), {"1": 4, "2": 1, "3": 2, "4": 3, "km": True, "kc": 5},
                 id="move-up"),
    pytest.param(moved([1, 2, 3, 0, 4]), {"0": 1, "1": 2, "2": 3, "3": 0, "km": True, "kc": 5},
                 id="move-down"),
    pytest.param(moved([0, 3, 2, 1, 4]), {"1": 3, "3": 1, "km": True, "kc": 5}, id="swap"),
    pytest.param(moved([0, 1, 2, 3, 4], r2={"name": "x"}), {"2": {"1": "X"}, "kc": 5},
                 id="change"),
    pytest.param(moved([0, 3, 2, 1, 4], r3={"name": "x", "ok": True}),
                 {"1": [3, {"1": "X", "2": {"s": ["<b>yes</b>"]}}], "3": 1, "km": True, "kc": 5},
                 id="change-and-move"),
    pytest.param([*rows(5)[:2], NEW_ROW, *rows(5)[3:]], {"2": NEW_ENTRY, "kc": 5},
                 id="replace-one-key"),
    pytest.param([rows(5)[4], NEW_ROW, rows(5)[0]],
                 {"0": 4, "1": NEW_ENTRY, "2": 0, "km": True, "kc": 3},
                 id="mixed"),
    pytest.param(rows(5), None, id="unchanged"),
])
def test_keyed_diff_shapes(new_rows: list[dict[str, Any]], expected: Any) -> None:
    got = keyed(rows(5), new_rows)
    assert got == (None if expected is None else {"k": expected})


def test_keyed_and_unkeyed_diffs_agree_when_no_entry_moves() -> None:
    changed = rows(1000, {500: {"name": "x<y"}})
    diff = step(KEYED_TABLE, {"rows": rows(1000)}, {"rows": changed})
    assert diff == step(TABLE, {"rows": rows(1000)}, {"rows": changed})
    assert diff == {"0": {"k": {"500": {"1": "X&lt;Y"}, "kc": 1000}}}


def test_unkeyed_loops_stay_positional() -> None:
    diff = step(TABLE, {"rows": rows(3)}, {"rows": [NEW_ROW, *rows(3)]})
    # Every position is compared with what was there: all shifted rows are resent.
    assert diff == {"0": {"k": {
        "0": {"0": "9", "1": "NEW"},
        "1": {"0": "0", "1": "N0", "2": {"s": ["<b>yes</b>"]}},
        "2": {"0": "1", "1": "N1", "2": {"s": ["no"]}},
        "3": {"0": "2", "1": "N2", "2": {"s": ["<b>yes</b>"]}},
        "kc": 4}}}


def test_duplicate_keys_fall_back_to_positions_for_that_render() -> None:
    source = "{% for r in rows %}{% live_key r.name %}<i>{{ r.id }}</i>{% endfor %}"
    a, b, c = {"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "b"}
    # The new render has "b" twice: positions, whatever the old keys were.
    assert step(source, {"rows": [a, b]}, {"rows": [c, b, a]}) == {"0": {"k": {
        "0": {"0": "3"}, "2": {"0": "1"}, "kc": 3}}}
    # From a render with duplicates back to unique keys: positions once more.
    assert step(source, {"rows": [c, b, a]}, {"rows": [a, b]}) == {"0": {"k": {
        "0": {"0": "1"}, "kc": 2}}}
    # Unique on both sides: by key again.
    assert step(source, {"rows": [a, b]}, {"rows": [b, a]}) == {"0": {"k": {
        "0": 1, "1": 0, "km": True, "kc": 2}}}


def test_forloop_values_make_moved_entries_carry_their_changes() -> None:
    source = "{% for x in xs %}{% live_key x %}<i>{{ forloop.counter }}:{{ x }}</i>{% endfor %}"
    assert step(source, {"xs": ["a", "b", "c"]}, {"xs": ["c", "a", "b"]}) == {"0": {"k": {
        "0": [2, {"0": "1"}], "1": [0, {"0": "2"}], "2": [1, {"0": "3"}], "km": True,
        "kc": 3}}}


def test_nested_keyed_loops_diff_inside_a_moved_entry() -> None:
    source = ("{% for g in groups %}{% live_key g.name %}<ul>{% for x in g.items %}"
              "{% live_key x %}<li>{{ x }}</li>{% endfor %}</ul>{% endfor %}")
    old = {"groups": [{"name": "a", "items": [1, 2]}, {"name": "b", "items": [3, 4]}]}
    new = {"groups": [{"name": "b", "items": [4, 3, 5]}, {"name": "a", "items": [1, 2]}]}
    assert step(source, old, new) == {"0": {"k": {
        "0": [1, {"0": {"k": {"0": 1, "1": 0, "2": {"0": "5"}, "km": True, "kc": 3}}}],
        "1": 0, "km": True, "kc": 2}}}


def test_keyed_list_emptied_and_refilled_sends_it_whole() -> None:
    source = "{% for x in xs %}{% live_key x %}<li>{{ x }}</li>{% endfor %}"
    assert step(source, {"xs": [1, 2]}, {"xs": []}) == {"0": ""}
    assert step(source, {"xs": []}, {"xs": [2, 1]}) == {
        "0": {"s": ["<li>", "</li>"], "k": {"0": {"0": "2"}, "1": {"0": "1"}, "kc": 2}}}


@pytest.mark.parametrize("edit, limit", [
    (lambda r: [{"id": -1, "name": "new", "ok": True}, *r], None),
    (lambda r: r[1:], None),
    (lambda r: r[:500] + [r[501], r[500]] + r[502:], 60),  # one row down one place
    (lambda r: r[:500] + [{**r[500], "name": "x"}] + r[501:], 60),
])
def test_keyed_1000_row_table_sizes(edit: Any, limit: int | None) -> None:
    old = rows(1000)
    keyed_diff = step(KEYED_TABLE, {"rows": old}, {"rows": edit(old)})
    plain_diff = step(TABLE, {"rows": old}, {"rows": edit(old)})
    keyed_size = len(json.dumps(keyed_diff, separators=(",", ":")))
    assert keyed_size <= len(json.dumps(plain_diff, separators=(",", ":")))
    if limit is not None:
        assert keyed_size <= limit
