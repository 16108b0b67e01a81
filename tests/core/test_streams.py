"""core.streams: pending operations only, the wire form, the held tree without items."""
import re

import pytest

from liveview.core.streams import Stream, Streams, forget_stream_items


class Row:
    def __init__(self, pk, name=""):
        self.pk, self.name = pk, name


def test_dom_ids_come_from_pk_then_id_then_a_mapping_key():
    stream = Stream("rows", "0")
    stream.insert(Row(3))
    stream.insert({"id": 4})
    stream.insert(type("Obj", (), {"id": 5})())
    assert [dom_id for dom_id, _ in stream] == ["rows-3", "rows-4", "rows-5"]
    with pytest.raises(ValueError, match=r"stream 'rows': cannot derive a DOM id from str "
                                         r"'x'.*stream_configure\('rows', dom_id="):
        stream.insert("x")


def test_the_wire_lists_inserts_in_call_order_the_latest_per_dom_id_winning():
    stream = Stream("rows", "2")
    stream.insert(Row(1), at=-1)
    stream.insert(Row(2), at=0, limit=-10)
    stream.insert(Row(1), at=3, update_only=True)
    stream.delete_by_dom_id("rows-9")
    assert stream.wire() == ["2", [["rows-2", 0, -10, False], ["rows-1", 3, None, True]],
                             ["rows-9"]]
    assert [item.pk for _, item in stream] == [2, 1]


def test_reset_is_a_fourth_element_and_never_false():
    stream = Stream("rows", "0")
    assert len(stream.wire()) == 3
    stream.reset()
    stream.insert(Row(1))
    assert stream.wire() == ["0", [["rows-1", -1, None, False]], [], True]
    stream.prune()
    assert stream.wire() == ["0", [], []] and not stream.pending


def test_lazy_iterables_are_read_at_render_and_only_once():
    reads = []

    def items():
        reads.append(1)
        yield Row(1)
        yield Row(2)

    stream = Stream("rows", "0")
    stream.insert_many(items())
    assert reads == [] and stream.pending
    assert len(stream) == 2 and stream.wire()[1][1][0] == "rows-2"
    assert reads == [1]


def test_bad_arguments_say_what_is_accepted():
    stream = Stream("rows", "0")
    with pytest.raises(ValueError, match="at must be -1 .append., 0 .prepend. or an index"):
        stream.insert(Row(1), at=-2)
    with pytest.raises(ValueError, match="limit must be None or a non-zero int"):
        stream.insert(Row(1), limit=0)
    with pytest.raises(TypeError, match="items must be an iterable of items"):
        stream.insert_many({"id": 1})
    streams = Streams()
    with pytest.raises(ValueError, match="stream name must be a non-empty str"):
        streams.get_or_create("")
    streams.get_or_create("a").insert({"id": 1})
    with pytest.raises(ValueError, match="must come before the stream's first insert"):
        streams.configure("a", lambda item: "x")


def test_refs_are_given_in_order_of_first_use():
    streams = Streams()
    assert [streams.get_or_create(n).ref for n in ("a", "b", "a")] == ["0", "1", "0"]


def test_the_held_tree_forgets_stream_entries_without_touching_the_sent_one():
    stream_node = {"s": ["<li>", "</li>"], "k": {"0": {"0": "x"}, "kc": 1},
                   "stream": ["0", [["rows-1", -1, None, False]], []]}
    tree = {"s": ["<ul>", "</ul>", ""], "0": stream_node, "1": "title",
            "2": {"s": ["", ""], "k": {"0": {"0": stream_node}, "kc": 1}}}
    held = forget_stream_items(tree)
    assert held["0"] == {"s": ["<li>", "</li>"], "k": {"kc": 0}, "stream": ["0", [], []]}
    assert held["2"]["k"]["0"]["0"]["k"] == {"kc": 0}
    assert tree["0"]["k"]["kc"] == 1 and held["1"] == "title"  # the sent tree is intact
    plain = {"s": ["", ""], "0": {"s": ["a", "b"], "0": "c"}}
    assert forget_stream_items(plain) is plain  # nothing copied without streams


# merge_diff places stream items as phoenix_live_view 1.2.12 does (dom_patch.ts): checked in
# Chromium by tests/browser/test_streams.py.
def _stream_diff(inserts, deletes=(), reset=False):
    """A root diff whose dynamic 0 is a stream of `<li id=..>name</li>`; inserts are
    (dom_id, at, limit, update_only, name)."""
    wire = ["0", [[d, at, limit, only] for d, at, limit, only, _ in inserts], list(deletes)]
    if reset:
        wire.append(True)
    entries = {str(i): {"0": d, "1": name} for i, (d, *_, name) in enumerate(inserts)}
    return {"0": {"k": {**entries, "kc": len(inserts)}, "stream": wire}}


def _shown(tree):
    from liveview.core.tree import tree_to_html

    return re.findall(r'<li id="([^"]+)">([^<]*)</li>', tree_to_html(tree))


def _client_after(*diffs):
    from liveview.core.tree import merge_diff

    first = {**diffs[0]["0"], "s": ['<li id="', '">', "</li>"]}  # statics come once
    tree = merge_diff(None, {"s": ["<ul>", "</ul>"], "0": first})
    for diff in diffs[1:]:
        tree = merge_diff(tree, diff)
    return _shown(tree)


def test_a_reset_places_the_items_it_keeps_like_new_ones():
    first = _stream_diff([(f"r{n}", -1, None, False, f"{n}") for n in (1, 2, 3)])
    reset = _stream_diff([("r8", -1, None, False, "8"), ("r3", -1, None, False, "3b")],
                         reset=True)
    assert _client_after(first, reset) == [("r8", "8"), ("r3", "3b")]
    reset_on_top = _stream_diff([("r9", -1, None, False, "9"), ("r1", 0, None, False, "1b")],
                                reset=True)
    assert _client_after(first, reset_on_top) == [("r1", "1b"), ("r9", "9")]


def test_limit_trims_after_a_new_item_only_never_after_an_update():
    first = _stream_diff([(f"r{n}", -1, None, False, f"{n}") for n in range(5)])
    update = _stream_diff([("r1", 0, 2, False, "one")])
    assert _client_after(first, update) == [("r0", "0"), ("r1", "one"), ("r2", "2"),
                                            ("r3", "3"), ("r4", "4")]
    added = _stream_diff([("r9", -1, 2, False, "9")])
    assert _client_after(first, update, added) == [("r0", "0"), ("r1", "one")]


def test_delete_and_insert_in_one_diff_move_an_item_even_update_only():
    first = _stream_diff([(f"r{n}", -1, None, False, f"{n}") for n in (1, 2, 3)])
    move = _stream_diff([("r3", 0, None, False, "three")], deletes=["r3"])
    assert _client_after(first, move) == [("r3", "three"), ("r1", "1"), ("r2", "2")]
    back = _stream_diff([("r3", -1, None, True, "last")], deletes=["r3"])
    assert _client_after(first, move, back) == [("r1", "1"), ("r2", "2"), ("r3", "last")]
    gone = _stream_diff([("r7", -1, None, True, "7")], deletes=["r7"])  # never shown
    assert _client_after(first, gone) == [("r1", "1"), ("r2", "2"), ("r3", "3")]
