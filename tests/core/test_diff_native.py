"""The diff's walk over a node in C (`liveview.core._diff`): the Python walk's results, always.

`diff_dynamics(diff_value, old, new)` must give what `_python_diff_dynamics(old, new)` gives,
key for key and in the same order, for any two nodes (tests/core/test_diff.py runs every diff
shape with each of the two); errors raised on the way come out as they are.
"""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveview.core import diff

# Imported, not skipped when missing: `make setup` builds it (setup.py, optional=True), and a
# build that failed silently must fail here, not leave every diff on its slow path unseen.
from liveview.core._diff import diff_dynamics, diff_tree  # noqa: E402


def test_the_extension_is_built_here_and_used() -> None:
    assert diff._native_diff_dynamics is diff_dynamics
    assert diff._diff_dynamics.func is diff_dynamics  # type: ignore[attr-defined]
    assert diff.diff_tree.func is diff_tree  # type: ignore[attr-defined]


def native(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return diff_dynamics(diff._diff_value, old, new)


KEYS = st.sampled_from(["0", "1", "2", "s", "k", "kc"])
ATOMS = st.one_of(st.none(), st.integers(-2, 2), st.sampled_from(["", "a", "b"]),
                  st.just(["<p>", "</p>"]))
NODES = st.recursive(ATOMS, lambda inner: st.dictionaries(KEYS, inner, max_size=4), max_leaves=12)
TREES = st.dictionaries(KEYS, NODES, max_size=5)


def outcome(walk: Any, old: dict[str, Any] | None, new: dict[str, Any]) -> Any:
    """The diff's items in order, or the type of what it raised (nodes made at random are
    not all trees: a "k" holding an int is no comprehension)."""
    try:
        return list(walk(old, new).items())
    except Exception as exc:
        return type(exc)


@settings(max_examples=500, deadline=None)
@given(TREES, TREES)
def test_any_two_nodes_diff_as_in_python(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert outcome(native, old, new) == outcome(diff._python_diff_dynamics, old, new)


STATICS = st.sampled_from([["<p>", "</p>"], ["<i>", "</i>"], ["<p>", "</p>", ""]])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), TREES), TREES, STATICS, STATICS, st.booleans())
def test_any_two_trees_diff_as_in_python(old: dict[str, Any] | None, new: dict[str, Any],
                                         held: list[str], statics: list[str],
                                         shared: bool) -> None:
    if old is not None:
        old["s"] = held
    new["s"] = held if shared else statics  # the same statics object, or an equal one, or not
    native_diff = outcome(lambda o, n: diff_tree(diff._diff_value, o, n), old, new)
    assert native_diff == outcome(diff._python_diff_tree, old, new)
    if old is None or (not shared and held != statics):
        assert diff_tree(diff._diff_value, old, new) is new  # whole, as it is


def test_a_key_the_old_node_lacks_compares_as_none() -> None:
    assert native({}, {"0": None, "1": "", "s": ["x"]}) == {"1": ""}
    assert native({"0": "a"}, {"0": "a", "1": 0}) == {"1": 0}


def test_a_changed_dict_goes_to_diff_value_and_an_empty_change_is_left_out() -> None:
    seen = []

    def diff_value(prev: Any, value: Any) -> Any:
        seen.append((prev, value))
        return value.get("change", {})

    old = {"0": {"x": 1}, "1": {"x": 2}}
    new = {"0": {"x": 3, "change": {"x": 3}}, "1": {"x": 4}}
    assert diff_dynamics(diff_value, old, new) == {"0": {"x": 3}}
    assert seen == [(old["0"], new["0"]), (old["1"], new["1"])]


class Touchy(str):
    def __eq__(self, other: object) -> bool:
        raise ValueError("no compare")

    __hash__ = str.__hash__


def test_errors_on_the_way_come_out_as_they_are() -> None:
    with pytest.raises(ValueError, match="no compare"):
        native({"0": "a"}, {"0": Touchy("b")})

    def failing(prev: Any, value: Any) -> Any:
        raise KeyError("inner")

    with pytest.raises(KeyError, match="inner"):
        diff_dynamics(failing, {"0": {}}, {"0": {"a": 1}})
    with pytest.raises(TypeError):
        diff_dynamics(diff._diff_value, [], {})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        diff_dynamics(diff._diff_value, {})  # type: ignore[call-arg]
