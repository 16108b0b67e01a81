"""Streams, pure: the inserts and deletes of one list that the server sends once and forgets.

A `Stream` holds only the operations not yet sent: `socket.stream(...)` and friends add
them, the next render turns them into the comprehension's `"stream"` part, and the runtime
then prunes them. However many items go through it, a stream keeps none of them.

Iterating a stream (what `{% for dom_id, item in streams.messages %}` does) yields
`(dom_id, item)` for the pending inserts, the most recent insert of each DOM id only.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .wire import KEYED, KEYED_COUNT, STREAM

#: Called with an item, returns its DOM id.
DomId = Callable[[Any], str]


def default_dom_id(name: str) -> DomId:
    """`<name>-<pk>` (Django models), else `<name>-<id>` (objects and mappings with an id)."""

    def dom_id(item: Any) -> str:
        for attribute in ("pk", "id"):
            value = getattr(item, attribute, None)
            if value is not None:
                return f"{name}-{value}"
        if isinstance(item, Mapping) and item.get("id") is not None:
            return f"{name}-{item['id']}"
        raise ValueError(
            f"stream {name!r}: cannot derive a DOM id from {type(item).__name__} {item!r}; "
            f"items need a pk or id (attribute or key), or configure one with "
            f"socket.stream_configure({name!r}, dom_id=lambda item: ...)")

    return dom_id


def _check_at(name: str, at: Any) -> int:
    if isinstance(at, bool) or not isinstance(at, int) or at < -1:
        raise ValueError(f"stream {name!r}: at must be -1 (append), 0 (prepend) or an index "
                         f">= 0, got {at!r}")
    return at


def _check_limit(name: str, limit: Any) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit == 0:
        raise ValueError(f"stream {name!r}: limit must be None or a non-zero int (n keeps the "
                         f"first n items, -n the last n), got {limit!r}")
    return limit


class Stream:
    """One named stream of a view: its wire `ref` and the operations not yet sent."""

    __slots__ = ("name", "ref", "dom_id", "_batches", "_inserts", "_deletes", "_reset")

    def __init__(self, name: str, ref: str, dom_id: DomId | None = None):
        self.name = name
        self.ref = ref
        self.dom_id: DomId = dom_id or default_dom_id(name)
        # Items not looked at yet: (iterable, at, limit, update_only). A queryset is only
        # evaluated when the stream is rendered, where the ORM may run.
        self._batches: list[tuple[Iterable[Any], int, int | None, bool]] = []
        # (dom_id, item, at, limit, update_only), in call order.
        self._inserts: list[tuple[str, Any, int, int | None, bool]] = []
        self._deletes: list[str] = []
        self._reset = False

    def insert(self, item: Any, *, at: int = -1, limit: int | None = None,
               update_only: bool = False) -> None:
        """Add `item` (or update it in place if the client has its DOM id)."""
        self.insert_many([item], at=at, limit=limit, update_only=update_only)

    def insert_many(self, items: Iterable[Any], *, at: int = -1, limit: int | None = None,
                    update_only: bool = False) -> None:
        """Insert each of `items`, in order (with `at=0` each goes first: the last ends on top).

        `items` may be a queryset: it is evaluated when the stream is rendered."""
        if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
            raise TypeError(f"stream {self.name!r}: items must be an iterable of items "
                            f"(a list, a queryset...), got {type(items).__name__}")
        batch = (items, _check_at(self.name, at), _check_limit(self.name, limit),
                 bool(update_only))
        if isinstance(items, (list, tuple)):
            # Known items: a bad DOM id fails here, where the handler made the call.
            self._inserts.extend(self._expand(batch))
        else:
            self._batches.append(batch)

    def _expand(self, batch: tuple[Iterable[Any], int, int | None, bool]
                ) -> list[tuple[str, Any, int, int | None, bool]]:
        items, at, limit, update_only = batch
        inserts = []
        for item in items:
            dom_id = self.dom_id(item)
            if not isinstance(dom_id, str) or not dom_id:
                raise ValueError(f"stream {self.name!r}: dom_id must return a non-empty str, "
                                 f"got {dom_id!r}")
            inserts.append((dom_id, item, at, limit, update_only))
        return inserts

    def delete(self, item: Any) -> None:
        """Remove `item`'s element from the client."""
        self.delete_by_dom_id(self.dom_id(item))

    def delete_by_dom_id(self, dom_id: str) -> None:
        """Remove the element with id `dom_id` from the client."""
        if not isinstance(dom_id, str) or not dom_id:
            raise ValueError(f"stream {self.name!r}: dom_id must be a non-empty str, "
                             f"got {dom_id!r}")
        self._deletes.append(dom_id)

    def reset(self) -> None:
        """Empty the stream on the client; items inserted before the next render stay."""
        self._reset = True

    @property
    def pending(self) -> bool:
        """Whether there is anything to send."""
        return bool(self._batches or self._inserts or self._deletes or self._reset)

    def _resolve(self) -> list[tuple[str, Any, int, int | None, bool]]:
        """The inserts, batches expanded; one per DOM id, the most recent winning at the
        place of its call."""
        if self._batches:
            resolved = list(self._inserts)
            for batch in self._batches:
                resolved.extend(self._expand(batch))
            # Only once every batch is expanded: a render retried in the ORM's thread
            # (a queryset on the event loop) starts again from the same state.
            self._inserts, self._batches = resolved, []
        seen: set[str] = set()
        kept = []
        for insert in reversed(self._inserts):
            if insert[0] not in seen:
                seen.add(insert[0])
                kept.append(insert)
        kept.reverse()
        return kept

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter([(dom_id, item) for dom_id, item, *_ in self._resolve()])

    def __len__(self) -> int:
        return len(self._resolve())

    def wire(self) -> list[Any]:
        """The comprehension's `"stream"` value: `[ref, inserts, deletes]`, `true` appended
        only for a reset (the client treats any fourth element as one)."""
        inserts = [[dom_id, at, limit, update_only]
                   for dom_id, _, at, limit, update_only in self._resolve()]
        wire: list[Any] = [self.ref, inserts, list(self._deletes)]
        if self._reset:
            wire.append(True)
        return wire

    def prune(self) -> None:
        """Forget the operations: they were sent."""
        self._batches.clear()
        self._inserts.clear()
        self._deletes.clear()
        self._reset = False

    def __repr__(self) -> str:
        return (f"<Stream {self.name!r} ref={self.ref} pending={self.pending} "
                f"deletes={len(self._deletes)}{' reset' if self._reset else ''}>")


class Streams(dict[str, Stream]):
    """A view's streams by name; templates read them as `streams.<name>`."""

    def get_or_create(self, name: Any) -> Stream:
        """The stream `name`, created (with the next ref) on first use."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"stream name must be a non-empty str, got {name!r}")
        stream = self.get(name)
        if stream is None:
            stream = self[name] = Stream(name, str(len(self)))
        return stream

    def configure(self, name: str, dom_id: DomId) -> None:
        """Set how `name`'s items get their DOM id (before anything is inserted)."""
        if not callable(dom_id):
            raise TypeError(f"stream_configure({name!r}): dom_id must be a callable "
                            f"item -> str, got {dom_id!r}")
        stream = self.get_or_create(name)
        if stream.pending:
            raise ValueError(f"stream_configure({name!r}) must come before the stream's "
                             f"first insert")
        stream.dom_id = dom_id

    def prune(self) -> None:
        """After a render: every operation was sent."""
        for stream in self.values():
            stream.prune()


def forget_stream_items(tree: dict[str, Any]) -> dict[str, Any]:
    """`tree` as the server keeps it once sent: stream comprehensions without their entries
    or operations (the client forgets them too once applied). Nodes are copied, never
    changed: the tree being sent shares them."""
    return _forget(tree)


def _forget(node: dict[str, Any]) -> dict[str, Any]:
    if STREAM in node:
        stream = node[STREAM]
        return {**node, KEYED: {KEYED_COUNT: 0}, STREAM: [stream[0], [], []]}
    changed: dict[str, Any] | None = None
    for key, value in node.items():
        if not isinstance(value, dict):
            continue
        if KEYED in value and STREAM not in value:
            entries = value[KEYED]
            forgotten = {k: f for k, e in entries.items()
                         if isinstance(e, dict) and (f := _forget(e)) is not e}
            if not forgotten:
                continue
            new_entries = entries.copy()  # a keyed loop's entries keep their keys
            new_entries.update(forgotten)
            new = {**value, KEYED: new_entries}
        else:
            new = _forget(value)
            if new is value:
                continue
        if changed is None:
            changed = dict(node)
        changed[key] = new
    return node if changed is None else changed
