"""Change tracking: a tracked render equals a full render, whatever changed and however.

The property test edits one live context the way handlers do (reassignments, in-place
mutations of nested lists and dicts, dataclass field sets) and after every edit checks the
tracked render against a full render of the same state, and the client's merged tree against
Django's own HTML. The unit tests show that unchanged parts are really kept (the same objects
as the last tree), so the property is not met by rendering everything.

Every test here runs twice: with the C extension's check (`liveview.core._tracking`), and with
it switched off (the marshal snapshots a build without a compiler uses).
"""
from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

import pytest
from django.template import Context
from django.utils import translation
from django.utils.safestring import mark_safe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveview.core import render as render_module
from liveview.core import tracking
from liveview.core.compiler import VOLATILE_FILTERS
from liveview.core.diff import diff_tree
from liveview.core.render import render_tree
from liveview.core.tracking import TRACK_KEY, UNTRACKABLE, Tracker, snapshot
from liveview.core.tree import merge_diff, tree_to_html
from tests.core.template_strategies import ITEMS, VALUES, _text, engine_options, template_sets
from tests.core.treekit import check_wire, django_render, make_engine


@pytest.fixture(autouse=True, scope="module")
def track_small_templates() -> Any:
    """Track every template here, however small (by default small ones render whole)."""
    small, render_module.SMALL_TEMPLATE = render_module.SMALL_TEMPLATE, 0
    yield
    render_module.SMALL_TEMPLATE = small


@pytest.fixture(autouse=True, scope="module", params=["native", "marshal"])
def check_path(request: Any) -> Any:
    """The C check (skipped when not built: test_tracking_native.py fails then), or the
    marshal path with it switched off."""
    native = tracking._native
    if request.param == "native" and native is None:
        pytest.skip("liveview.core._tracking is not built")
    tracking._native = native if request.param == "native" else None  # type: ignore[assignment]
    yield request.param
    tracking._native = native


def _record_comparisons(monkeypatch: Any) -> list[Any]:
    """Every value the tracker compares from now on, by either path (snapshot or the C one)."""
    taken: list[Any] = []
    monkeypatch.setattr(tracking, "snapshot", lambda value: taken.append(value) or snapshot(value))
    native = tracking._native
    if native is not None:
        class Recording:
            @staticmethod
            def unchanged(value: Any, frozen: Any) -> bool:
                taken.append(value)
                return native.unchanged(value, frozen)

            @staticmethod
            def freeze(value: Any) -> Any:
                taken.append(value)
                return native.freeze(value)

        monkeypatch.setattr(tracking, "_native", Recording)
    return taken


@dataclasses.dataclass
class Obj:
    """A mutable dataclass standing for `obj` (its fields are set in place)."""

    name: str
    n: int


def _tracked(template: Any, state: dict[str, Any], tracker: Tracker) -> dict[str, Any]:
    return render_tree(template, {**state, TRACK_KEY: tracker})


# --- the property -----------------------------------------------------------------------------

def _edit(data: Any, state: dict[str, Any], used: list[str]) -> None:
    """One edit of `state`, as a handler would make it (`used`: names the templates read)."""
    kind = data.draw(st.sampled_from(
        ["assign"] * 6 + ["same", "copy", "append", "pop", "set_item", "insert", "row_field",
                          "row_tags", "dict_item", "obj_field", "obj_new", "retype"]))
    if kind == "assign":
        key = data.draw(st.sampled_from(used))
        value = state[key]
        if type(value) is bool:
            state[key] = not value  # a change, not a coin toss
        else:
            state[key] = data.draw(VALUES[key])
    elif kind == "same":
        pass  # an event that changes nothing
    elif kind == "copy":
        key = data.draw(st.sampled_from(["lst", "rows", "d", "pairs"]))
        state[key] = copy.deepcopy(state[key])  # equal content, new objects
    elif kind in ("append", "pop", "set_item", "insert"):
        key = data.draw(st.sampled_from(sorted(ITEMS)))
        items = state[key]
        if kind == "append" or not items:
            items.append(data.draw(ITEMS[key]))
        else:
            index = data.draw(st.integers(0, len(items) - 1))
            if kind == "pop":
                items.pop(index)
            elif kind == "set_item":
                items[index] = data.draw(ITEMS[key])
            else:
                items.insert(index, data.draw(ITEMS[key]))
    elif kind in ("row_field", "row_tags"):
        rows = state["rows"]
        if not rows:
            rows.append(data.draw(ITEMS["rows"]))
        row = rows[data.draw(st.integers(0, len(rows) - 1))]
        if kind == "row_tags":
            row["tags"].append(data.draw(_text))  # two levels down
        elif data.draw(st.booleans()):
            row["name"] = data.draw(_text)
        else:
            row["n"] = data.draw(st.integers(0, 2))
    elif kind == "dict_item":
        state["d"]["key"] = data.draw(_text)
    elif kind == "obj_field":
        if data.draw(st.booleans()):
            state["obj"].name = data.draw(_text)
        else:
            state["obj"].n = data.draw(st.integers(0, 3))
    elif kind == "obj_new":
        state["obj"] = Obj(data.draw(_text), data.draw(st.integers(0, 3)))
    else:
        # Equal under ==, rendered differently: 1 / 1.0 / True, str / SafeString.
        key = data.draw(st.sampled_from(["n", "flag", "s"]))
        value = state[key]
        state[key] = (mark_safe(value) if key == "s" else
                      float(value) if key == "n" else int(value))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(templates=template_sets(), options=engine_options(), data=st.data())
def test_tracked_render_equals_full_render_under_random_edits(
    templates: dict[str, str], options: dict[str, Any], data: Any
) -> None:
    # Cached, as Django's default loader: included and parent templates keep their plans.
    template = make_engine(templates, cached=True, **options).get_template("main.html")
    source = "".join(templates.values())
    used = sorted(key for key in VALUES if re.search(rf"\b{key}\b", source)) or ["s"]
    state = dict(data.draw(st.fixed_dictionaries(VALUES)))
    state["obj"] = Obj(state["obj"].name, state["obj"].n)
    tracker = Tracker()
    sent: dict[str, Any] | None = None
    held: dict[str, Any] | None = None
    for step in range(data.draw(st.integers(2, 8))):
        if step:
            for _ in range(data.draw(st.integers(1, 3))):
                _edit(data, state, used)
        try:
            expected = django_render(template, state)
        except Exception as exc:
            with pytest.raises(type(exc)):
                _tracked(template, state, tracker)
            continue
        tree = _tracked(template, state, tracker)
        assert tree == render_tree(template, state)
        diff = diff_tree(sent, tree)
        check_wire(diff, full=held is None)
        held = merge_diff(held, diff)
        assert tree_to_html(held) == expected
        sent = tree


# --- what is kept ------------------------------------------------------------------------------

PAGE = ("<b>{{ count }}</b>{% with total=rows|length %}<i>{{ total }}</i>{% endwith %}"
        "<table>{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.name|title }}</td>"
        "<td>{% if row.active %}on{% else %}off{% endif %}</td></tr>{% endfor %}</table>")


def _rows(n: int = 5) -> list[dict[str, Any]]:
    return [{"id": i, "name": f"row <{i}>", "active": i % 2 == 0} for i in range(n)]


def _render_checked(template: Any, state: dict[str, Any], tracker: Tracker) -> dict[str, Any]:
    tree = _tracked(template, state, tracker)
    assert tree == render_tree(template, state)
    assert tree_to_html(tree) == django_render(template, state)
    return tree


def test_a_click_beside_a_table_keeps_the_table() -> None:
    template = make_engine({"t": PAGE}).get_template("t")
    state, tracker = {"count": 0, "rows": _rows()}, Tracker()
    first = _render_checked(template, state, tracker)
    state["count"] += 1
    second = _render_checked(template, state, tracker)
    assert second["0"] == "1"
    assert second["1"] is first["1"] and second["2"] is first["2"]


def test_a_row_changed_in_place_renders_that_row_only() -> None:
    template = make_engine({"t": PAGE}).get_template("t")
    state, tracker = {"count": 0, "rows": _rows()}, Tracker()
    first = _render_checked(template, state, tracker)
    state["rows"][3]["name"] = "renamed"
    second = _render_checked(template, state, tracker)
    old, new = first["2"]["k"], second["2"]["k"]
    assert new["3"]["1"] == "Renamed"
    assert all(new[str(i)] is old[str(i)] for i in (0, 1, 2, 4))
    assert second["0"] is first["0"]


def test_rows_shifted_by_an_insert_are_kept_by_content() -> None:
    template = make_engine({"t": PAGE}).get_template("t")
    state, tracker = {"count": 0, "rows": _rows()}, Tracker()
    first = _render_checked(template, state, tracker)
    state["rows"].insert(0, {"id": 99, "name": "new", "active": True})
    second = _render_checked(template, state, tracker)
    assert all(second["2"]["k"][str(i + 1)] is first["2"]["k"][str(i)] for i in range(5))


@pytest.mark.parametrize("edit", [
    lambda s: s["rows"].append({"id": 7, "name": "x", "active": True}),
    lambda s: s["rows"][0].update(active=False),
    lambda s: s["rows"].reverse(),
    lambda s: s.update(rows=s["rows"][:2]),
])
def test_in_place_edits_of_a_list_count_as_changes(edit: Any) -> None:
    template = make_engine({"t": PAGE}).get_template("t")
    state, tracker = {"count": 0, "rows": _rows()}, Tracker()
    first = _render_checked(template, state, tracker)
    edit(state)
    assert _render_checked(template, state, tracker)["2"] != first["2"]


def test_dataclass_field_set_in_place_is_rendered() -> None:
    template = make_engine({"t": "{{ obj.name }}|{{ n }}"}).get_template("t")
    state, tracker = {"obj": Obj("a", 1), "n": 1}, Tracker()
    _render_checked(template, state, tracker)
    state["obj"].name = "b"
    assert _render_checked(template, state, tracker)["0"] == "b"


@pytest.mark.parametrize("before, after", [(1, 1.0), (1, True), (0.0, -0.0), ("a&b", mark_safe("a&b"))])
def test_equal_values_of_another_type_count_as_changed(before: Any, after: Any) -> None:
    template = make_engine({"t": "{{ v }}{% for x in l %}{{ x }}{% endfor %}"}).get_template("t")
    state, tracker = {"v": before, "l": [before]}, Tracker()
    _render_checked(template, state, tracker)
    state["v"] = after
    state["l"][0] = after
    _render_checked(template, state, tracker)


def test_a_tag_writing_a_context_name_is_seen() -> None:
    # {% firstof ... as count %} overwrites a context name later slots read.
    template = make_engine({"t": "{{ count }}{% firstof other as count %}{{ count }}"}
                           ).get_template("t")
    state, tracker = {"count": 1, "other": "a"}, Tracker()
    _render_checked(template, state, tracker)
    state["other"] = "b"
    assert tree_to_html(_render_checked(template, state, tracker)) == "1b"


def test_opaque_tags_and_volatile_filters_are_always_evaluated() -> None:
    template = make_engine({"t": "{% lv_seq %}{{ items|random }}"}).get_template("t")
    tracker = Tracker()
    first = _tracked(template, {"items": ["a"]}, tracker)
    second = _tracked(template, {"items": ["a"]}, tracker)
    assert first == second and second["0"] == "#1"
    assert "random" in VOLATILE_FILTERS


def test_a_change_of_language_renders_everything() -> None:
    template = make_engine({"t": "{{ n }}"}).get_template("t")
    tracker = Tracker()
    first = _tracked(template, {"n": 1.5}, tracker)
    with translation.override("de"):
        second = _tracked(template, {"n": 1.5}, tracker)
    assert (first["0"], second["0"]) == ("1.5", "1,5")


def test_a_failed_render_keeps_the_last_base() -> None:
    template = make_engine({"t": "{{ a }}{{ b.fail }}"}).get_template("t")

    class Boom:
        @property
        def fail(self) -> str:
            raise ValueError("boom")

    tracker = Tracker()
    _tracked(template, {"a": 1, "b": "x"}, tracker)
    with pytest.raises(ValueError):
        _tracked(template, {"a": 2, "b": Boom()}, tracker)
    assert tree_to_html(_tracked(template, {"a": 2, "b": "x"}, tracker)) == "2"


def test_snapshots() -> None:
    # Equal content, no object shared: equal (an object shared with something else may
    # count as changed once: marshal notes shared objects; never the reverse).
    assert snapshot(_rows()) == snapshot(_rows())
    assert snapshot([1]) != snapshot([True]) != snapshot([1.0])
    assert snapshot(Obj("a", 1)) is UNTRACKABLE
    assert snapshot(Context()) is UNTRACKABLE
    assert snapshot([mark_safe("a")]) != snapshot(["a"])
    # Compared by content, not counted as changed at every render.
    assert snapshot([mark_safe("a")]) == snapshot([mark_safe("a")]) != snapshot([mark_safe("b")])
    assert snapshot({1, 2}) == snapshot({2, 1})


def test_names_bound_by_with_and_include_shadow_the_context() -> None:
    templates = {"t": '{% with count=other %}{{ count }}{% endwith %}|'
                      '{% include "inc" with count=other %}|{% include "inc" %}',
                 "inc": "{{ count }}"}
    template = make_engine(templates).get_template("t")
    state, tracker = {"count": 1, "other": "a"}, Tracker()
    _render_checked(template, state, tracker)
    state["other"] = "b"
    assert tree_to_html(_render_checked(template, state, tracker)) == "b|b|1"
    state["count"] = 2
    assert tree_to_html(_render_checked(template, state, tracker)) == "b|b|2"


@pytest.mark.parametrize("source", [
    "{% if flag %}on{% else %}off{% endif %}",
    "{{ s|default:other }}",
    "{% for x in lst %}{{ x }}{% endfor %}",
    "{% with v=other %}{{ v }}{% endwith %}",
])
def test_what_a_dynamic_reads_is_found(source: str) -> None:
    template = make_engine({"t": source}).get_template("t")
    state = {"flag": True, "s": "", "other": "a", "lst": ["a"]}
    tracker = Tracker()
    _render_checked(template, state, tracker)
    state.update(flag=False, other="b", lst=["b"])
    _render_checked(template, state, tracker)


def test_rows_reading_the_outer_loop_are_not_kept_when_shifted() -> None:
    source = ("{% for x in outer %}{% for y in x %}{{ forloop.parentloop.counter }}{{ y }}"
              "{% endfor %};{% endfor %}")
    template = make_engine({"t": source}).get_template("t")
    state, tracker = {"outer": [["a"], ["b"]]}, Tracker()
    _render_checked(template, state, tracker)
    state["outer"].insert(0, ["c"])
    assert tree_to_html(_render_checked(template, state, tracker)) == "1c;2a;3b;"


def test_small_templates_render_whole(track_small_templates: Any) -> None:
    render_module.SMALL_TEMPLATE = 8
    try:
        template = make_engine({"t": "<p>{{ a }}</p>{% if b %}{{ b }}{% endif %}"}
                               ).get_template("t")
        tracker = Tracker()
        _tracked(template, {"a": 1, "b": 2}, tracker)
        assert tracker.tree is None  # the tracker was not even consulted
    finally:
        render_module.SMALL_TEMPLATE = 0


def test_the_same_immutable_tuple_is_not_snapshotted_again(monkeypatch: Any) -> None:
    template = make_engine({"t": PAGE.replace("row.id", "row.0").replace(
        "row.name", "row.1").replace("row.active", "row.2") + "{{ other }}"}).get_template("t")
    rows = tuple((i, f"row {i}", i % 2 == 0) for i in range(5))
    mutable = tuple([i] for i in range(3))  # a tuple holding lists can change
    state, tracker = {"count": 0, "rows": rows, "other": mutable}, Tracker()
    first = _render_checked(template, state, tracker)
    taken = _record_comparisons(monkeypatch)
    state["count"] += 1
    second = _render_checked(template, state, tracker)
    assert second["2"] is first["2"]
    assert rows not in taken and mutable in taken and 1 in taken
    state["rows"] = rows[:2] + ((9, "new", True),) + rows[3:]  # another tuple: compared
    third = _render_checked(template, state, tracker)
    assert third["2"]["k"]["2"]["1"] == "New" and third["2"]["k"]["1"] is first["2"]["k"]["1"]


def test_names_the_template_does_not_read_are_not_snapshotted(monkeypatch: Any) -> None:
    template = make_engine({"t": PAGE}).get_template("t")
    handler_only = [{"id": i} for i in range(100)]  # e.g. kept for the handlers only
    state, tracker = {"count": 0, "rows": _rows(), "cache": handler_only}, Tracker()
    _render_checked(template, state, tracker)
    taken = _record_comparisons(monkeypatch)
    state["count"] += 1
    handler_only.append({"id": 100})
    _render_checked(template, state, tracker)
    assert state["rows"] in taken and handler_only not in taken
    # A template whose reads are unknown (an include) has every name snapshotted.
    included = make_engine({"t": PAGE + '{% include "i" %}', "i": "{{ count }}"}).get_template("t")
    tracker, taken[:] = Tracker(), []
    _render_checked(included, state, tracker)
    assert handler_only in taken


def test_a_tuple_holding_a_list_is_compared_every_time() -> None:
    template = make_engine({"t": "{{ other }}"}).get_template("t")
    other = ([1], frozenset({2}))
    state, tracker = {"other": other}, Tracker()
    _render_checked(template, state, tracker)
    other[0].append(3)
    assert "[1, 3]" in tree_to_html(_render_checked(template, state, tracker))
