"""The minimal wire diff between the tree the client holds and a new tree (protocol.md §4.3).

Per slot: unchanged → left out; same statics → recurse and send only what
changed; different statics or a different kind of value → the new value whole
(with its "s" and every dynamic). Comprehensions are diffed by position: a
changed entry sends only its changed dynamics, a new entry is sent whole, and
"kc" carries the new length. No moves are emitted, so "km" is never needed.
"""
from __future__ import annotations

from typing import Any

from .wire import KEYED, KEYED_COUNT, STATIC


def diff_tree(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Wire diff from what the client holds (`old`) to `new`; `{}` when nothing changed."""
    if old is None or old.get(STATIC) != new.get(STATIC):
        return new
    return _diff_dynamics(old, new)


def _diff_dynamics(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in new.items():
        if key == STATIC:
            continue
        prev = old.get(key)
        # Dict and list equality run in C and stop at the first difference, so
        # this is the cheap way to skip the (usually many) unchanged slots.
        if prev is value or prev == value:
            continue
        change = _diff_value(prev, value)
        if change != {}:
            out[key] = change
    return out


def _diff_value(prev: Any, value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if not isinstance(prev, dict) or prev.get(STATIC) != value.get(STATIC):
        return value
    keyed = value.get(KEYED)
    prev_keyed = prev.get(KEYED)
    if (keyed is None) != (prev_keyed is None):
        # A comprehension replacing a nested node (or back) is a new template.
        return value
    if keyed is None:
        return _diff_dynamics(prev, value)
    return _diff_keyed(prev_keyed, keyed)


def _diff_keyed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    old_count = old[KEYED_COUNT]
    new_count = new[KEYED_COUNT]
    for i in range(new_count):
        key = str(i)
        entry = new[key]
        if i >= old_count:
            # A position the client does not have: every dynamic of the entry.
            out[key] = entry
            continue
        prev = old[key]
        if prev is entry or prev == entry:
            continue
        change = _diff_dynamics(prev, entry)
        if change:
            out[key] = change
    if not out and new_count == old_count:
        return {}
    out[KEYED_COUNT] = new_count
    return {KEYED: out}
