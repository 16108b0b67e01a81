"""The C half of change tracking (`liveview.core._tracking`): as strict as the marshal rule.

`freeze(value)` takes a value's content; `unchanged(value, frozen)` says whether a value still
has it. Every case where the marshal snapshots of liveview/core/tracking.py see a change must be
a change here too (type for type, floats bit for bit, dict keys in order, in-place mutations),
and nothing may crash or leak whatever the value does between the two calls.
"""
from __future__ import annotations

import copy
import decimal
import sys
from collections import OrderedDict
from enum import IntEnum
from typing import Any

import pytest
from django.utils.safestring import SafeString, mark_safe

from liveview.core import tracking
from liveview.core.tracking import Tracker
from tests.core.treekit import make_engine

# Imported, not skipped when missing: `make setup` builds it (setup.py, optional=True), and a
# build that failed silently must fail here, not leave the tracker on its slow path unseen.
from liveview.core import _tracking  # noqa: E402
from liveview.core._tracking import Frozen, freeze, unchanged  # noqa: E402


def test_the_extension_is_built_here() -> None:
    assert tracking._native is _tracking


def _same(before: Any, after: Any) -> bool:
    frozen = freeze(before)
    assert isinstance(frozen, Frozen)
    return unchanged(after, frozen)


def _rows(n: int = 5) -> list[dict[str, Any]]:
    return [{"id": i, "name": f"row <{i}>", "active": i % 2 == 0, "score": i / 3}
            for i in range(n)]


class Number(IntEnum):
    ONE = 1


class MyList(list):  # type: ignore[type-arg]
    pass


class MyDict(dict):  # type: ignore[type-arg]
    pass


class MyStr(str):
    pass


BIG = 10 ** 40

#: (before, after) pairs equal under == (or close to it) that render differently, or could.
CHANGES = [
    pytest.param(1, 1.0, id="int-float"),
    pytest.param(1, True, id="int-bool"),
    pytest.param(True, 1, id="bool-int"),
    pytest.param(0, False, id="zero-false"),
    pytest.param(1.0, 1, id="float-int"),
    pytest.param(0.0, -0.0, id="zero-minus-zero"),
    pytest.param(complex(1, 0.0), complex(1, -0.0), id="complex-signed-zero"),
    pytest.param(complex(1, 0), 1.0, id="complex-float"),
    pytest.param("a&b", mark_safe("a&b"), id="str-safestring"),
    pytest.param("a", MyStr("a"), id="str-subclass"),
    pytest.param("a", b"a", id="str-bytes"),
    pytest.param(b"a", bytearray(b"a"), id="bytes-bytearray"),
    pytest.param(1, Number.ONE, id="int-intenum"),
    pytest.param(None, 0, id="none-zero"),
    pytest.param("abc", "abd", id="str-value"),
    pytest.param("é", "e", id="str-non-ascii"),
    pytest.param(b"ab", b"ac", id="bytes-value"),
    pytest.param(BIG, BIG + 1, id="huge-int"),
    pytest.param(-BIG, BIG, id="huge-int-sign"),
    pytest.param(1.5, 1.25, id="float-value"),
    pytest.param([1, 2], (1, 2), id="list-tuple"),
    pytest.param((1, 2), [1, 2], id="tuple-list"),
    pytest.param([1, 2], MyList([1, 2]), id="list-subclass"),
    pytest.param({"a": 1}, MyDict(a=1), id="dict-subclass"),
    pytest.param({"a": 1}, OrderedDict(a=1), id="dict-ordereddict"),
    pytest.param({"a": 1, "b": 2}, {"b": 2, "a": 1}, id="dict-key-order"),
    pytest.param({"a": 1}, {"b": 1}, id="dict-key"),
    pytest.param({1: "x"}, {True: "x"}, id="dict-key-type"),
    pytest.param({"a": 1}, {"a": 1, "b": 2}, id="dict-size"),
    pytest.param([1, 2], [1, 2, 3], id="list-longer"),
    pytest.param([1, 2, 3], [1, 2], id="list-shorter"),
    pytest.param([[1], [2]], [[1, 2], []], id="nested-lengths"),
    pytest.param([], {}, id="empty-list-dict"),
    pytest.param((), [], id="empty-tuple-list"),
    pytest.param([1], 1, id="list-atom"),
    pytest.param(1, [1], id="atom-list"),
    pytest.param([{"a": [1, {"b": 0.0}]}], [{"a": [1, {"b": -0.0}]}], id="deep-float"),
    pytest.param([{"a": "x"}], [{"a": mark_safe("x")}], id="deep-safestring"),
    pytest.param([{"a": 1}], [{"a": True}], id="deep-bool"),
    pytest.param([1], [{1}], id="set-inside"),
    pytest.param([1], [decimal.Decimal(1)], id="decimal-inside"),
]


@pytest.mark.parametrize("before, after", CHANGES)
def test_equal_looking_values_of_another_type_or_shape_are_changes(before: Any,
                                                                   after: Any) -> None:
    assert not _same(before, after)
    assert not _same([before], [after])
    assert not _same({"k": (before,)}, {"k": (after,)})
    assert _same(before, copy.deepcopy(before))  # the same content is not a change


@pytest.mark.parametrize("value", [
    None, True, False, 0, -1, BIG, -BIG, 0.0, -0.0, float("inf"), float("nan"), 1e-300,
    complex(0, -0.0), "", "é", "日本", "\U0001f600", b"", b"\x00\xff", [], (), {},
    [None, [True, (1, 2.5)], {"a": {"b": [b"x"]}}, {1: 2, "1": 3, (1, "x"): 4, 2.5: None}],
])
def test_the_same_content_in_new_objects_is_unchanged(value: Any) -> None:
    frozen = freeze(value)
    assert unchanged(value, frozen)
    rebuilt = _rebuilt(value)
    assert unchanged(rebuilt, frozen) and unchanged(value, frozen)


def _rebuilt(value: Any) -> Any:
    """`value` with every container and atom a new object of the same content."""
    kind = type(value)
    if kind is list or kind is tuple:
        return kind(_rebuilt(item) for item in value)
    if kind is dict:
        return {_rebuilt(k): _rebuilt(v) for k, v in value.items()}
    if kind is str:
        return "".join(list(value)) if len(value) > 1 else (value + "x")[:-1]
    if kind is bytes:
        return bytes(bytearray(value))
    if kind is int and value not in (0, -1):
        return int(str(value))
    if kind is float:
        return float(repr(value))
    return value


def test_mutations_between_freeze_and_unchanged_are_changes() -> None:
    edits = [
        lambda v: v.append({"id": 9}),
        lambda v: v.pop(),
        lambda v: v.insert(0, v.pop()),
        lambda v: v.reverse(),
        lambda v: v[2].update(name="renamed"),
        lambda v: v[2].update(active=1),
        lambda v: v[2].update(score=float(v[2]["score"]) * 1.0000001),
        lambda v: v[2].__setitem__("extra", None),
        lambda v: v[2].pop("name"),
        lambda v: v[2].__setitem__("name", v[2].pop("name")),  # same keys, another order
        lambda v: v.__setitem__(1, tuple(v[1].items())),
        lambda v: v[0].__setitem__("name", [v[0]["name"]]),
        lambda v: v[3].clear(),
    ]
    for edit in edits:
        rows = _rows()
        frozen = freeze(rows)
        assert unchanged(rows, frozen)
        edit(rows)
        assert not unchanged(rows, frozen), edit
        # The frozen form still describes the old content.
        assert unchanged(_rows(), frozen)


def test_a_failed_check_leaves_the_frozen_form_right() -> None:
    # unchanged() takes equal atoms it meets as its own on the way, even when a later item
    # differs: the frozen form must still describe the first content.
    rows, copied = _rows(), _rows()
    frozen = freeze(rows)
    copied[-1]["name"] = "other"
    assert not unchanged(copied, frozen)
    assert unchanged(rows, frozen) and unchanged(_rows(), frozen)
    copied[-1]["name"] = rows[-1]["name"]
    assert unchanged(copied, frozen)


def test_it_holds_one_copy_of_equal_atoms() -> None:
    # A view that rebuilds equal data at every event: the frozen form moves to the new atoms
    # (the old ones are freed), and the next check of them is by identity.
    old = "".join(["x", "y"])
    new = "".join(["x", "y"])
    frozen = freeze([old])
    before_old, before_new = sys.getrefcount(old), sys.getrefcount(new)
    assert unchanged([new], frozen)
    assert sys.getrefcount(old) == before_old - 1 and sys.getrefcount(new) == before_new + 1
    del frozen
    assert sys.getrefcount(new) == before_new


def test_references_are_released() -> None:
    atom = "".join(["a", "b"])
    big = int("1" * 50)
    base = sys.getrefcount(atom), sys.getrefcount(big)
    value = [atom, {atom: big}, (big, atom)]
    held = sys.getrefcount(atom), sys.getrefcount(big)
    for _ in range(3):
        frozen = freeze(value)
        assert (sys.getrefcount(atom), sys.getrefcount(big)) == (held[0] + 3, held[1] + 2)
        del frozen
    assert (sys.getrefcount(atom), sys.getrefcount(big)) == held
    # A value that cannot be frozen halfway through releases what it held so far.
    for _ in range(3):
        assert freeze([atom, big, {atom: {1, 2}}]) is None
    assert (sys.getrefcount(atom), sys.getrefcount(big)) == held
    del value
    assert (sys.getrefcount(atom), sys.getrefcount(big)) == base


@pytest.mark.parametrize("value", [
    pytest.param({1, 2}, id="set"),
    pytest.param(frozenset({1}), id="frozenset"),
    pytest.param([decimal.Decimal("1.0")], id="decimal"),
    pytest.param([bytearray(b"x")], id="bytearray"),
    pytest.param([memoryview(b"x")], id="memoryview"),
    pytest.param(MyList([1]), id="list-subclass"),
    pytest.param([MyDict()], id="dict-subclass"),
    pytest.param({"k": MyStr("x")}, id="str-subclass"),
    pytest.param({MyStr("k"): 1}, id="str-subclass-key"),
    pytest.param([Number.ONE], id="int-subclass"),
    pytest.param([object()], id="object"),
    pytest.param([..., 1], id="ellipsis"),
])
def test_anything_else_is_not_frozen(value: Any) -> None:
    assert freeze(value) is None


def test_safe_strings_are_atoms_of_their_own_type() -> None:
    # Registered by liveview.core.tracking at import: template literals and escaped output.
    value = [1, {"a": [mark_safe("".join(["x", "y"]))]}, SafeString("<b>")]
    frozen = freeze(value)
    assert frozen is not None
    # Equal text in another SafeString object (made at every render): unchanged.
    assert unchanged([1, {"a": [mark_safe("".join(["x", "y"]))]}, SafeString("<b>")], frozen)
    assert not unchanged([1, {"a": ["xy"]}, SafeString("<b>")], frozen)  # str: another type
    assert not unchanged([1, {"a": [mark_safe("xz")]}, SafeString("<b>")], frozen)
    assert freeze(SafeString("x")) is not None
    assert not unchanged("x", freeze(SafeString("x")))
    assert not unchanged(SafeString("x"), freeze("x"))


@pytest.mark.parametrize("kind", [str, int, object, MyStr])
def test_only_str_subclasses_without_an_instance_dict_can_be_registered(kind: type) -> None:
    with pytest.raises(TypeError, match="not a str subclass without an instance dict"):
        _tracking.register_str_type(kind)
    with pytest.raises(TypeError):
        _tracking.register_str_type("str")  # type: ignore[arg-type]
    assert freeze([MyStr("x")]) is None  # MyStr has a __dict__: its value could change


def test_deep_nesting_is_bounded() -> None:
    limit = _tracking.MAX_DEPTH

    def nested(depth: int) -> list[Any]:
        value: list[Any] = [1]
        for _ in range(depth - 1):
            value = [value]
        return value

    deep = nested(limit)  # `limit` lists, one inside the other: frozen
    frozen = freeze(deep)
    assert frozen is not None and unchanged(deep, frozen) and unchanged(nested(limit), frozen)
    innermost = deep
    for _ in range(limit - 1):
        innermost = innermost[0]
    innermost[0] = 2
    assert not unchanged(deep, frozen)
    innermost[0] = [1]  # one level deeper than the frozen form
    assert not unchanged(deep, frozen)
    assert freeze(nested(limit + 1)) is None
    assert freeze(nested(sys.getrecursionlimit() * 20)) is None  # no crash


def test_self_referencing_values_do_not_crash() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    assert freeze(loop) is None
    mapping: dict[str, Any] = {}
    mapping["self"] = mapping
    assert freeze(mapping) is None
    value: list[Any] = [[1]]
    frozen = freeze(value)
    value[0] = value  # made self-referencing after the freeze
    assert not unchanged(value, frozen)
    value[0].append(1)
    assert not unchanged(value, frozen)


def test_too_large_values_are_not_frozen() -> None:
    assert freeze([None] * (_tracking.MAX_ITEMS + 1)) is None  # one container
    half = [None] * (_tracking.MAX_ITEMS // 2)
    assert freeze([half, half]) is None  # the entries of all of them


def test_only_a_frozen_form_proves_anything() -> None:
    assert not unchanged([], b"")
    assert not unchanged(1, (int, 1))
    assert not unchanged(None, None)
    assert not unchanged(1, (1,))  # a tuple is laid out as a Frozen form holding 1 is
    with pytest.raises(TypeError):
        unchanged([])  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Frozen()  # type: ignore[call-arg]
    assert repr(freeze([1, 2])) == "<Frozen of 3 entries>"


def test_the_frozen_table_is_about_the_size_of_its_marshal_copy() -> None:
    import marshal

    rows = [{"id": i, "name": f"customer <{i}> & sons", "active": i % 3 != 0}
            for i in range(1000)]
    # One word per container, key and value, and a row's version tag (8001 entries, ~64 kB),
    # against ~46 kB of marshal; the atoms are the value's own (a marshal copy holds copies).
    assert sys.getsizeof(freeze(rows)) < 1.45 * len(marshal.dumps(rows, 4))


# --- rows proven unchanged by their dict version tag ---------------------------------------------

def test_version_tags_are_used_where_cpython_keeps_them() -> None:
    # CPython 3.11 to 3.13 count every dict change in the dict's version tag; a build there
    # without the short check would silently read every row's table again.
    assert _tracking.DICT_VERSIONS == (sys.version_info < (3, 14))
    # An atom dict holds its tag after its header: one entry more than a dict of containers.
    extra = _tracking.DICT_VERSIONS
    assert repr(freeze({"a": 1})) == f"<Frozen of {3 + extra} entries>"
    assert repr(freeze({"a": [1]})) == "<Frozen of 4 entries>"
    assert repr(freeze({(1, 2): 1})) == "<Frozen of 5 entries>"  # a tuple key: no tag


ROW_EDITS = [
    pytest.param(lambda r: r.__setitem__("name", "other"), id="setitem"),
    pytest.param(lambda r: r.__setitem__("active", 1), id="setitem-equal-other-type"),
    pytest.param(lambda r: r.__setitem__("name", [r["name"]]), id="setitem-container"),
    pytest.param(lambda r: r.update(id=-1), id="update"),
    pytest.param(lambda r: r.__ior__({"extra": 1}), id="ior"),
    pytest.param(lambda r: r.__delitem__("score"), id="delitem"),
    pytest.param(lambda r: r.pop("id"), id="pop"),
    pytest.param(lambda r: r.popitem(), id="popitem"),
    pytest.param(lambda r: r.setdefault("extra", None), id="setdefault"),
    pytest.param(lambda r: r.clear(), id="clear"),
    pytest.param(lambda r: r.__init__(extra=1), id="init"),  # type: ignore[misc]
    pytest.param(lambda r: r.__setitem__("name", r.pop("name")), id="reorder"),
]


@pytest.mark.parametrize("edit", ROW_EDITS)
@pytest.mark.parametrize("checks", [1, 2], ids=["fresh", "after-a-pass"])
def test_every_change_of_a_row_is_seen(edit: Any, checks: int) -> None:
    rows = _rows()
    frozen = freeze(rows)
    for _ in range(checks):  # the second check of an unchanged row takes the short path
        assert unchanged(rows, frozen)
    edit(rows[2])
    assert not unchanged(rows, frozen)
    assert not unchanged(rows, frozen)
    assert unchanged(_rows(), frozen)


def test_a_row_changed_back_is_unchanged_and_then_checked_short() -> None:
    rows = _rows()
    frozen = freeze(rows)
    name = rows[1]["name"]
    rows[1]["name"] = "other"
    rows[1]["name"] = name  # the same content, another tag: the full compare proves it
    assert unchanged(rows, frozen) and unchanged(rows, frozen)
    rows[1]["name"] = "other"  # the tag the check took is not the one of this content
    assert not unchanged(rows, frozen)


def test_a_new_row_in_the_place_of_the_old_one_is_compared_by_content() -> None:
    rows = _rows()
    frozen = freeze(rows)
    rows[3] = dict(rows[3])  # equal content, another dict
    assert unchanged(rows, frozen)
    rows[3] = {**rows[3], "name": "other"}
    assert not unchanged(rows, frozen)
    # A dict freed and another one made, perhaps at the same address: a new tag, so the
    # content decides.
    for _ in range(50):
        row = {"id": 1}
        frozen = freeze(row)
        del row
        other = {"id": 2}
        assert not unchanged(other, frozen)
        assert unchanged({"id": 1}, frozen)
        del other


def test_a_value_that_is_no_longer_a_dict_is_a_change() -> None:
    frozen = freeze([{"a": 1}])
    for other in ([["a", 1]], [("a", 1)], [MyDict(a=1)], [1], [None], []):
        assert not unchanged(other, frozen)
    assert unchanged([{"a": 1}], frozen)


# --- the tracker on the C path ------------------------------------------------------------------

PAGE = ("<b>{{ count }}</b><table>{% for row in rows %}<tr><td>{{ row.id }}</td>"
        "<td>{{ row.name }}</td></tr>{% endfor %}</table>{{ other }}")


def _render(template: Any, state: dict[str, Any], tracker: Tracker) -> dict[str, Any]:
    from liveview.core.render import render_tree
    from liveview.core.tracking import TRACK_KEY

    tree = render_tree(template, {**state, TRACK_KEY: tracker})
    assert tree == render_tree(template, state)
    return tree


@pytest.fixture
def small_templates_tracked(monkeypatch: Any) -> None:
    from liveview.core import render as render_module

    monkeypatch.setattr(render_module, "SMALL_TEMPLATE", 0)


def test_the_tracker_keeps_the_frozen_form_of_unchanged_data(small_templates_tracked: None
                                                               ) -> None:
    template = make_engine({"t": PAGE}).get_template("t")
    state, tracker = {"count": 0, "rows": _rows(), "other": ""}, Tracker()
    first = _render(template, state, tracker)
    frozen = tracker._snapshots["rows"]
    assert type(frozen) is Frozen
    state["count"] += 1
    state["rows"] = copy.deepcopy(state["rows"])  # equal content, new objects
    second = _render(template, state, tracker)
    assert tracker._snapshots["rows"] is frozen and second["1"] is first["1"]
    state["rows"][0]["name"] = "renamed"
    third = _render(template, state, tracker)
    assert tracker._snapshots["rows"] is not frozen and third["1"] != second["1"]


def test_values_the_extension_cannot_freeze_take_the_marshal_path(
        small_templates_tracked: None) -> None:
    template = make_engine({"t": PAGE}).get_template("t")
    rows = _rows()
    rows[0]["name"] = decimal.Decimal("1.5")  # not frozen: compared through marshal
    other = [{1, 2}]
    state, tracker = {"count": 0, "rows": rows, "other": other}, Tracker()
    first = _render(template, state, tracker)
    assert type(tracker._snapshots["rows"]) is bytes
    assert type(tracker._snapshots["other"]) is bytes
    state["count"] += 1
    second = _render(template, state, tracker)
    assert second["1"] is first["1"] and second["2"] is first["2"]  # still proven unchanged
    other[0].add(3)
    rows[1]["name"] = "renamed"
    third = _render(template, state, tracker)
    assert third["1"] != second["1"] and "3" in third["2"]
    # From frozen to marshal and back: a change each time, never a stale proof.
    state["rows"] = _rows()
    assert type(tracker._snapshots["rows"]) is bytes
    fourth = _render(template, state, tracker)
    assert type(tracker._snapshots["rows"]) is Frozen and fourth["1"] != third["1"]
    state["rows"] = [{**row, "name": decimal.Decimal(row["id"])} for row in _rows()]
    fifth = _render(template, state, tracker)
    assert type(tracker._snapshots["rows"]) is bytes and fifth["1"] is not fourth["1"]
