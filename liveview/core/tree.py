"""The client's side of the tree: its HTML and how diffs merge into it.

Both follow `phoenix_live_view` 1.2.12 `rendered.js` (`toOutputBuffer`,
`mutableMerge`, `mergeKeyed`, `cachedFindComponent`), so the server can know
exactly what the client holds. Neither function mutates its arguments; merged
trees share unchanged subtrees with their inputs, so treat trees as immutable.
"""
from __future__ import annotations

from typing import Any

from .wire import (
    COMPONENTS,
    EVENTS,
    KEYED,
    KEYED_COUNT,
    KEYED_MOVES,
    REPLY,
    STATIC,
    STREAM,
    TITLE,
)

# Stripped by the client (`Rendered.extract`) before the merge: never part of the tree.
_EXTRACTED = (TITLE, EVENTS, REPLY)
# Merged trees only: a stream's elements as the client's DOM keeps them, [(dom_id, entry)].
# The client forgets stream entries once patched into the DOM; tree_to_html renders these.
STREAM_ITEMS = "__stream_items"


def tree_to_html(tree: dict[str, Any]) -> str:
    """The HTML the client builds from a full tree (component roots get no data-phx-* here)."""
    out: list[str] = []
    _write_node(tree, tree.get(COMPONENTS) or {}, out)
    return "".join(out)


def _write_node(node: dict[str, Any], components: dict[str, Any], out: list[str]) -> None:
    statics = node[STATIC]
    keyed = node.get(KEYED)
    if keyed is None:
        _write_dynamics(node, statics, components, out)
        return
    items = node.get(STREAM_ITEMS)
    if items is not None:
        for _, entry in items:
            _write_dynamics(entry, statics, components, out)
        return
    for i in range(keyed[KEYED_COUNT]):
        entry = keyed.get(str(i))
        if entry is None:
            raise ValueError(f"keyed comprehension has kc={keyed[KEYED_COUNT]} but no entry {i}")
        _write_dynamics(entry, statics, components, out)


_MISSING = object()


def _write_dynamics(
    node: dict[str, Any], statics: list[str], components: dict[str, Any], out: list[str]
) -> None:
    append = out.append
    for i in range(len(statics) - 1):
        append(statics[i])
        value = node.get(str(i), _MISSING)
        if isinstance(value, str):
            append(value)
        elif isinstance(value, dict):
            _write_node(value, components, out)
        elif value is _MISSING:
            # The client renders a missing dynamic as the text "undefined" [observed].
            append("undefined")
        elif isinstance(value, int) and not isinstance(value, bool):
            component = components.get(str(value))
            if component is None:
                raise ValueError(f"Cannot continue render due to missing component: {value}")
            _write_node(component, components, out)
        else:
            raise ValueError(f"invalid dynamic {value!r}: expected str, object or component id")
    append(statics[-1])


def merge_diff(tree: dict[str, Any] | None, diff: dict[str, Any]) -> dict[str, Any]:
    """The tree the client holds after merging `diff` into `tree` (§4.3, §4.4, §9.1)."""
    body = {k: v for k, v in diff.items() if k not in _EXTRACTED and k != COMPONENTS}
    old_components = (tree or {}).get(COMPONENTS) or {}
    if tree is None or STATIC in body:
        merged = _place_streams(body)
        old_components = {}
    else:
        merged = _merge_into(tree, body)
        merged.pop(COMPONENTS, None)
    new_components = diff.get(COMPONENTS)
    components = (
        _merge_components(old_components, new_components) if new_components else old_components
    )
    if components:
        merged[COMPONENTS] = components
    return merged


def _merge_into(target: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """`doMutableMerge` without the mutation: a new dict for every node it touches."""
    if STREAM in source:
        return _merge_stream(target, source)
    if KEYED in source:
        return _merge_keyed(target, source[KEYED])
    merged = dict(target)
    for key, value in source.items():
        old = merged.get(key)
        if isinstance(value, dict) and STATIC not in value and isinstance(old, dict):
            merged[key] = _merge_into(old, value)
        elif isinstance(value, dict):
            merged[key] = _place_streams(value)
        else:
            merged[key] = value
    return merged


def _place_streams(node: dict[str, Any]) -> dict[str, Any]:
    """A full node as the client's DOM shows it: its streams' inserts placed (at, limit)."""
    if STREAM in node:
        return {**node, STREAM_ITEMS: _stream_items([], node)}
    placed = None
    for key, value in node.items():
        if isinstance(value, dict) and key != STATIC:
            new = _place_streams(value)
            if new is not value:
                placed = placed if placed is not None else dict(node)
                placed[key] = new
    return node if placed is None else placed


def _merge_stream(target: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    old_items = target.get(STREAM_ITEMS)
    if old_items is None:
        old_items = _stream_items([], target) if STREAM in target else []
    return {**target, **source, STREAM_ITEMS: _stream_items(old_items, source)}


def _stream_items(items: list[tuple[str, Any]], node: dict[str, Any]
                  ) -> list[tuple[str, Any]]:
    """The client's stream patch (dom_patch.ts): a reset empties the container and deletes
    remove their elements; then each insert updates its element where it is (not moved, no
    trimming), or adds it at `at` (unless `update_only`) and trims to `limit` from the far
    end. An element removed by the reset or a delete and inserted again in the same patch
    comes back as a new one: placed by `at`, and even with `update_only` (the client keeps
    it aside to restore it)."""
    _, inserts, deletes, *reset = node[STREAM]
    entries = node[KEYED]
    shown_before = {dom_id for dom_id, _ in items}
    items = [] if reset else [item for item in items if item[0] not in deletes]
    for i, (dom_id, at, limit, update_only) in enumerate(inserts):
        entry = entries[str(i)]
        where = next((n for n, item in enumerate(items) if item[0] == dom_id), None)
        if where is not None:
            items[where] = (dom_id, entry)
            continue
        if update_only and dom_id not in shown_before:
            continue
        if at == -1:
            items.append((dom_id, entry))
        else:
            items.insert(at, (dom_id, entry))
        if limit is not None:
            items = items[:limit] if limit > 0 else items[limit:]
    return items


def _merge_keyed(target: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    old = target.get(KEYED)
    if old is None:
        raise ValueError("keyed diff merged into a node that is not a comprehension")
    # Each position appears once in a diff, so `entries` still holds the old entry at a
    # position when its own key is merged; moves read `old`, as the client reads its
    # copy of the entries taken before the merge.
    entries = dict(old)
    for key, entry in source.items():
        if key in (KEYED_COUNT, KEYED_MOVES):
            continue
        if isinstance(entry, (list, int)) and not isinstance(entry, bool):
            if not source.get(KEYED_MOVES):
                # The 1.2.12 client crashes on `undefined.k` here.
                raise ValueError(f"keyed move at {key} without {KEYED_MOVES}: true")
            old_index, entry_diff = entry if isinstance(entry, list) else (entry, None)
            valid = isinstance(old_index, int) and not isinstance(old_index, bool)
            moved = old.get(str(old_index)) if valid else None
            if not isinstance(moved, dict):
                # The client would hold `undefined` there and fail on the next render.
                raise ValueError(f"keyed move at {key} from {old_index!r}, which the client "
                                 f"does not have (kc was {old[KEYED_COUNT]})")
            entries[key] = moved if entry_diff is None else _merge_into(moved, entry_diff)
        elif isinstance(entry, dict):
            entries[key] = _merge_into(entries.get(key) or {}, entry)
    count = source[KEYED_COUNT]
    for i in range(count, old[KEYED_COUNT]):
        entries.pop(str(i), None)
    entries[KEYED_COUNT] = count
    merged = dict(target)
    merged[KEYED] = entries
    return merged


def _merge_components(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`cachedFindComponent`: resolves shared statics (an integer "s") and merges per cid."""
    new = {str(cid): value for cid, value in new.items()}
    resolved: dict[str, dict[str, Any]] = {}

    def find(cid: str) -> dict[str, Any]:
        if cid in resolved:
            return resolved[cid]
        cdiff = new[cid]
        shared = cdiff.get(STATIC)
        if isinstance(shared, int) and not isinstance(shared, bool):
            # Positive: another cid of this diff; negative: a cid the client already has.
            source = find(str(shared)) if shared > 0 else old[str(-shared)]
            merged = _merge_into(source, cdiff)
            merged[STATIC] = source[STATIC]
        elif STATIC in cdiff or cid not in old:
            merged = cdiff
        else:
            merged = _merge_into(old[cid], cdiff)
        resolved[cid] = merged
        return merged

    for cid in new:
        find(cid)
    return {**old, **resolved}
