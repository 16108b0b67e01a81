"""The minimal wire diff between the tree the client holds and a new tree.

Per slot: unchanged → left out; same statics → recurse and send only what
changed; different statics or a different kind of value → the new value whole
(with its "s" and every dynamic).

Comprehensions (for loops) are diffed by position unless both renders carry
keys (`{% live_key %}`): a changed entry sends only its changed dynamics, a new
position is sent whole, and "kc" carries the new length. Keyed comprehensions
are matched by key instead, so a shifted entry costs its old index, not its
content; see `_diff_by_key`. A stream's comprehension (`"stream"`) carries only the
operations of this render, sent as they are (`_diff_stream`).
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable

from .wire import KEYED, KEYED_COUNT, KEYED_MOVES, STATIC, STREAM

try:
    # `_diff_dynamics` in C (setup.py builds it when a compiler is there); without it, the
    # Python one below, with the same results.
    from ._diff import diff_dynamics as _native_diff_dynamics
    from ._diff import diff_tree as _native_diff_tree
except ImportError:  # pragma: no cover - a build without a compiler
    _native_diff_dynamics = _native_diff_tree = None  # type: ignore[assignment]


def _python_diff_tree(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Wire diff from what the client holds (`old`) to `new`; `{}` when nothing changed
    (`diff_tree`)."""
    if old is None:
        return new
    statics = new.get(STATIC)
    held = old.get(STATIC)
    # (The same template renders the same statics object: no list to compare.)
    if held is not statics and held != statics:
        return new
    return _diff_dynamics(old, new)


def _python_diff_dynamics(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed from node `old` to node `new`, slot by slot (`_diff_dynamics`)."""
    out: dict[str, Any] = {}
    for key, value in new.items():
        prev = old.get(key)
        # Dict and list equality run in C and stop at the first difference, so
        # this is the cheap way to skip the (usually many) unchanged slots.
        if prev is value or key == STATIC or prev == value:
            continue
        if not isinstance(value, dict):  # a changed text: sent as it is
            out[key] = value
            continue
        change = _diff_value(prev, value)
        if change:  # (every change of a node is a dict; an empty one: nothing changed)
            out[key] = change
    return out


def _diff_value(prev: Any, value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if not isinstance(prev, dict) or prev.get(STATIC) != value.get(STATIC):
        return value
    if STREAM in value:
        return _diff_stream(prev, value)
    keyed = value.get(KEYED)
    prev_keyed = prev.get(KEYED)
    if (keyed is None) != (prev_keyed is None):
        # A comprehension replacing a nested node (or back) is a new template.
        return value
    if keyed is None or prev_keyed is None:
        return _diff_dynamics(prev, value)
    return _diff_keyed(prev_keyed, keyed)


def _diff_stream(prev: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """A stream's entries are all new and its operations are sent once: nothing to diff.

    The held tree keeps streams empty (`core.streams.forget_stream_items`), so only a render
    with operations gets here, or a comprehension that turned into a stream."""
    if STREAM not in prev:
        return value
    ref, inserts, deletes, *reset = value[STREAM]
    if not (inserts or deletes or reset):
        return {}
    return {KEYED: value[KEYED], STREAM: value[STREAM]}


def _diff_keyed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    old_keys = getattr(old, "entry_keys", None)
    new_keys = getattr(new, "entry_keys", None)
    # Keys in the same order match by position anyway, and then this is the cheaper walk.
    if old_keys is None or new_keys is None or old_keys == new_keys:
        return _diff_by_position(old, new)
    return _diff_by_key(old, new, old_keys, new_keys)


def _diff_by_position(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
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


def _diff_by_key(
    old: dict[str, Any], new: dict[str, Any], old_keys: tuple[Any, ...], new_keys: tuple[Any, ...]
) -> dict[str, Any]:
    """Entries matched by key. Every key of the output is a position in the new list.

    The phoenix_live_view client (`mergeKeyed`) reads a move from a copy of the old
    entries taken before anything merges, and merges a plain object at position i
    into the entry it held at i. So for the entry now at i:
    - same key, same position: its changed dynamics (an object), or nothing;
    - same key, moved from j: `j` when unchanged, `[j, changed dynamics]` otherwise,
      with "km": true on the comprehension (the client reads moves only then);
    - a new key: every dynamic (an object), which overwrites all of the entry the
      client held at i, or fills a position it did not have.
    Positions past the new count are dropped by "kc"; removed keys need nothing else.
    """
    old_index = {key: index for index, key in enumerate(old_keys)}
    out: dict[str, Any] = {}
    moved = False
    for i, key in enumerate(new_keys):
        position = str(i)
        entry = new[position]
        j = old_index.get(key)
        if j is None:
            out[position] = entry
            continue
        prev = old[str(j)]
        same = prev is entry or prev == entry
        if j == i:
            if not same:
                change = _diff_dynamics(prev, entry)
                if change:
                    out[position] = change
            continue
        moved = True
        change = {} if same else _diff_dynamics(prev, entry)
        out[position] = [j, change] if change else j
    if moved:
        out[KEYED_MOVES] = True
    new_count = new[KEYED_COUNT]
    if not out and new_count == old[KEYED_COUNT]:
        return {}
    out[KEYED_COUNT] = new_count
    return {KEYED: out}


#: `_python_diff_dynamics`, in C when the extension is built (liveview/core/_diff.c): every
#: diff of every view walks its root node here.
_diff_dynamics: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] = \
    _python_diff_dynamics if _native_diff_dynamics is None else \
    partial(_native_diff_dynamics, _diff_value)

#: Wire diff from what the client holds (`old`, None: nothing) to `new`; `{}` when nothing
#: changed, `new` itself when it goes whole. `_python_diff_tree`, in C when the extension is
#: built (every diff of every view starts here).
diff_tree: Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]] = \
    _python_diff_tree if _native_diff_tree is None else partial(_native_diff_tree, _diff_value)
