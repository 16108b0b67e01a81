"""tree_to_html and merge_diff: the client's rendering and merge rules (protocol.md §4, §9.1)."""
from __future__ import annotations

import copy
from typing import Any

import pytest

from liveview.core.tree import merge_diff, tree_to_html

LIST = {"s": ["<ul>", "</ul>"],
        "0": {"s": ["<li>", "</li>"], "k": {"0": {"0": "a"}, "1": {"0": "b"}, "kc": 2}}}


def merged(tree: dict[str, Any], diff: dict[str, Any]) -> dict[str, Any]:
    """merge_diff, checking it leaves both arguments untouched."""
    before = copy.deepcopy((tree, diff))
    result = merge_diff(tree, diff)
    assert (tree, diff) == before
    return result


# --- tree_to_html --------------------------------------------------------------------------


def test_statics_interleave_with_dynamics() -> None:
    tree = {"s": ["<p>", " and ", "</p>"], "0": "a&amp;b", "1": {"s": ["<i>", "</i>"], "0": "x"}}
    assert tree_to_html(tree) == "<p>a&amp;b and <i>x</i></p>"


def test_keyed_comprehension_repeats_shared_statics_per_entry() -> None:
    assert tree_to_html(LIST) == "<ul><li>a</li><li>b</li></ul>"


def test_kc_decides_how_many_entries_render() -> None:
    tree = copy.deepcopy(LIST)
    tree["0"]["k"]["kc"] = 1
    assert tree_to_html(tree) == "<ul><li>a</li></ul>"
    tree["0"]["k"]["kc"] = 3
    with pytest.raises(ValueError, match="no entry 2"):
        tree_to_html(tree)


def test_a_missing_dynamic_renders_undefined_like_the_client() -> None:
    assert tree_to_html({"s": ["<li>", "</li>"]}) == "<li>undefined</li>"
    assert tree_to_html({"s": ["<li>", "", "</li>"], "0": "a"}) == "<li>aundefined</li>"


@pytest.mark.parametrize("bad", [None, 1.5, True, ["a"]])
def test_values_the_server_must_never_send_are_rejected(bad: Any) -> None:
    with pytest.raises(ValueError, match="invalid dynamic"):
        tree_to_html({"s": ["", ""], "0": bad})


def test_component_ids_render_the_component_tree() -> None:
    tree = {"s": ["<main>", "</main>"], "0": 1,
            "c": {"1": {"s": ["<div>", "</div>"], "0": "hi", "r": 1}}}
    assert tree_to_html(tree) == "<main><div>hi</div></main>"
    with pytest.raises(ValueError, match="missing component: 2"):
        tree_to_html({"s": ["", ""], "0": 2})


# --- merge_diff ----------------------------------------------------------------------------


def test_merge_into_nothing_is_the_diff() -> None:
    assert merged(None, LIST) == LIST  # type: ignore[arg-type]


def test_changed_strings_replace_and_missing_keys_stay() -> None:
    tree = {"s": ["", "", ""], "0": "a", "1": "b"}
    assert merged(tree, {"1": "B"}) == {"s": ["", "", ""], "0": "a", "1": "B"}


def test_object_without_statics_merges_recursively() -> None:
    tree = {"s": ["", ""], "0": {"s": ["<i>", "", "</i>"], "0": "a", "1": "b"}}
    assert merged(tree, {"0": {"1": "B"}}) == {
        "s": ["", ""], "0": {"s": ["<i>", "", "</i>"], "0": "a", "1": "B"}}


def test_object_with_statics_replaces_the_subtree() -> None:
    tree = {"s": ["", ""], "0": {"s": ["<i>", "", "</i>"], "0": "a", "1": "b"}}
    new = {"s": ["<b>", "</b>"], "0": "x"}
    assert merged(tree, {"0": new}) == {"s": ["", ""], "0": new}


def test_keyed_entries_change_append_and_truncate() -> None:
    result = merged(LIST, {"0": {"k": {"1": {"0": "B"}, "2": {"0": "c"}, "kc": 3}}})
    assert tree_to_html(result) == "<ul><li>a</li><li>B</li><li>c</li></ul>"
    truncated = merged(result, {"0": {"k": {"kc": 1}}})
    assert truncated["0"]["k"] == {"0": {"0": "a"}, "kc": 1}


def test_keyed_moves_need_km() -> None:
    diff = {"0": {"k": {"0": 1, "1": [0, {"0": "A"}], "kc": 2, "km": True}}}
    assert tree_to_html(merged(LIST, diff)) == "<ul><li>b</li><li>A</li></ul>"
    del diff["0"]["k"]["km"]
    with pytest.raises(ValueError, match="without km"):
        merge_diff(LIST, diff)


ABC = {"s": ["<ul>", "</ul>"], "0": {"s": ["<li>", "|", "</li>"], "k": {
    "0": {"0": "a", "1": "1"}, "1": {"0": "b", "1": "2"}, "2": {"0": "c", "1": "3"}, "kc": 3}}}


@pytest.mark.parametrize("keyed, html", [
    # Unchanged moves: the old index alone.
    ({"0": 2, "1": 0, "2": 1, "kc": 3, "km": True}, "c|3 a|1 b|2"),
    # Moved and changed: [old index, diff merged into the moved entry].
    ({"0": [2, {"1": "9"}], "2": 0, "kc": 3, "km": True}, "c|9 b|2 a|1"),
    # A position that is merged in place is also the source of a move: the move
    # reads the entry as it was before this diff.
    ({"0": {"0": "A"}, "1": 0, "2": 1, "kc": 3, "km": True}, "A|1 a|1 b|2"),
    ({"0": 1, "1": {"0": "B"}, "kc": 2, "km": True}, "b|2 B|2"),
    # A new entry sent whole overwrites what the position held; moves fill the rest.
    ({"0": {"0": "n", "1": "0"}, "1": 0, "2": 1, "3": 2, "kc": 4, "km": True},
     "n|0 a|1 b|2 c|3"),
    # Dropped from the front: moves, then kc cuts the tail.
    ({"0": 1, "1": 2, "kc": 2, "km": True}, "b|2 c|3"),
    # km with no move at all is harmless.
    ({"1": {"1": "7"}, "kc": 3, "km": True}, "a|1 b|7 c|3"),
])
def test_keyed_moves_follow_the_client(keyed: dict[str, Any], html: str) -> None:
    result = merged(ABC, {"0": {"k": keyed}})
    assert tree_to_html(result) == "<ul>" + "".join(
        f"<li>{entry}</li>" for entry in html.split()) + "</ul>"
    assert result["0"]["k"]["kc"] == keyed["kc"]
    assert "km" not in result["0"]["k"]


@pytest.mark.parametrize("entry", [3, -1, [5, {"0": "x"}], ["0", {}], "kc"])
def test_a_move_from_a_position_the_client_lacks_is_an_error(entry: Any) -> None:
    diff = {"0": {"k": {"0": entry, "kc": 3, "km": True}}}
    if isinstance(entry, str):  # not a move at all: the client ignores strings here
        assert merged(ABC, diff) == ABC
        return
    with pytest.raises(ValueError, match="does not have"):
        merge_diff(ABC, diff)


def test_keyed_diff_into_a_non_comprehension_is_an_error() -> None:
    with pytest.raises(ValueError, match="not a comprehension"):
        merge_diff({"s": ["", ""], "0": {"s": ["", ""], "0": "x"}}, {"0": {"k": {"kc": 0}}})


def test_title_events_and_reply_are_not_part_of_the_tree() -> None:
    tree = {"s": ["", ""], "0": "a"}
    assert merged(tree, {"0": "b", "t": "Title", "e": [["ev", {}]], "r": {"ok": 1}}) == {
        "s": ["", ""], "0": "b"}


def test_components_merge_per_cid_and_resolve_shared_statics() -> None:
    tree = {"s": ["", "", ""], "0": 1, "1": 2,
            "c": {"1": {"s": ["<a>", "</a>"], "0": "one", "r": 1},
                  "2": {"s": ["<b>", "</b>"], "0": "two", "r": 1}}}
    diff = {"1": 3, "c": {"1": {"0": "ONE"}, "3": {"s": -2, "0": "three"},
                          "4": {"s": 3, "0": "four"}}}
    result = merged(tree, diff)
    assert result["c"]["1"] == {"s": ["<a>", "</a>"], "0": "ONE", "r": 1}
    assert result["c"]["3"]["s"] == ["<b>", "</b>"]
    assert result["c"]["4"]["s"] == ["<b>", "</b>"]
    assert tree_to_html(result) == "<a>ONE</a><b>three</b>"


def test_a_full_tree_diff_resets_components() -> None:
    tree = {"s": ["", ""], "0": 1, "c": {"1": {"s": ["x"]}}}
    assert merged(tree, {"s": ["<p>", "</p>"], "0": "a"}) == {"s": ["<p>", "</p>"], "0": "a"}
