"""Presence: who is on a topic, in every process sharing the channel layer.

    await socket.track("room:1", str(user.pk), {"name": user.username})
    await socket.subscribe_presence("room:1")      # diffs arrive in handle_info
    here = liveview.presence.list("room:1")        # {"42": [{"name": "ann", "phx_ref": ...}]}

Design (docs/realtime.md, "Presence"): each process has one `Tracker` (per event loop and
channel layer), which is the only owner of presence state in the process:

- its own entries (`local`), each tracked by one view (removed when the view stops);
- a replica of every other process's entries for the topics it follows (`remote`), built
  from messages on an internal pub/sub topic per presence topic (`liveview.presence:<topic>`),
  carried by the same hub and channel-layer groups as broadcasts.

A process announces the *whole* set of its entries of a topic (`state`, numbered) whenever it
changes and every `PRESENCE_HEARTBEAT` seconds, so a lost or late message heals at the next
beat and no ordering is needed beyond dropping older numbers. A process that starts following
a topic says `hello` and the others answer with their state. A process not heard of for three
heartbeats is considered dead and its entries leave: with the default of 5 s, the entries of
a killed process disappear everywhere 10 to 20 s after it died (2 to 4 heartbeats: the last
beat came at most one heartbeat before death, expiry is checked once per heartbeat).

Joins and leaves are delivered to subscribed views as `InfoEvent("presence_diff",
PresenceDiff(topic, joins, leaves))`, including the view's own changes.
"""
from __future__ import annotations

import asyncio
import copy
import itertools
import logging
import time
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

from . import pubsub
from .conf import liveview_settings
from .events import InfoEvent
from .exceptions import ConfigurationError

logger = logging.getLogger(__name__)

#: The name of the InfoEvent carrying joins and leaves.
PRESENCE_DIFF = "presence_diff"
#: A process not heard of for this many heartbeats has died: its entries leave.
EXPIRE_BEATS = 3
_PREFIX = "liveview.presence:"

Metas = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class PresenceDiff:
    """What changed on `topic`: key -> the metas that joined / left (each with `phx_ref`)."""

    topic: str
    joins: Metas
    leaves: Metas


@dataclass
class _Node:
    """What one other process has on a topic, as of its message number `seq`."""

    entries: dict[str, tuple[str, Any]]  # ref -> (key, meta)
    seq: int
    heard: float


def _grouped(entries: dict[str, tuple[str, Any]]) -> Metas:
    """ref -> (key, meta) as key -> metas, each a fresh copy carrying its `phx_ref`."""
    grouped: Metas = {}
    for ref, (key, meta) in entries.items():
        grouped.setdefault(key, []).append({**copy.deepcopy(meta), "phx_ref": ref})
    return grouped


def _heartbeat() -> float:
    seconds = liveview_settings.PRESENCE_HEARTBEAT
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        raise ConfigurationError(f'LIVEVIEW["PRESENCE_HEARTBEAT"] must be a number of '
                                 f"seconds > 0, got {seconds!r}")
    return float(seconds)


class Tracker:
    """This process's presence: its entries, the others' replicas, the local subscribers."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.node = uuid.uuid4().hex
        #: topic -> ref -> (key, meta, owner): entries tracked by views of this process.
        self.local: dict[str, dict[str, tuple[str, Any, pubsub.Subscriber]]] = {}
        #: topic -> node -> its entries: the other processes' entries of followed topics.
        self.remote: dict[str, dict[str, _Node]] = {}
        #: topic -> views of this process receiving its diffs.
        self.listeners: dict[str, set[pubsub.Subscriber]] = {}
        self._followed: set[str] = set()
        self._refs = itertools.count(1)
        self._seq = itertools.count(1)
        self._beat: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # The API (through the module functions and the socket) -----------------------------------
    async def track(self, owner: pubsub.Subscriber, topic: str, key: str, meta: Any) -> str:
        if not isinstance(key, str) or not key:
            raise TypeError(f"track({topic!r}, ...): key must be a non-empty str, got {key!r}")
        if not isinstance(meta, dict):
            raise TypeError(f"track({topic!r}, {key!r}, ...): meta must be a dict, "
                            f"got {type(meta).__name__}")
        pubsub.pack(topic, meta)  # refused now if it cannot reach the other processes
        await self._follow(topic)
        ref = f"{self.node[:12]}.{next(self._refs)}"
        meta = copy.deepcopy(meta)
        self.local.setdefault(topic, {})[ref] = (key, meta, owner)
        self._deliver(topic, {ref: (key, meta)}, {})
        await self._publish(topic)
        return ref

    async def untrack(self, owner: pubsub.Subscriber, topic: str, key: str | None = None
                      ) -> None:
        entries = self.local.get(topic, {})
        gone = {ref: (k, meta) for ref, (k, meta, o) in entries.items()
                if o is owner and (key is None or k == key)}
        if not gone:
            return
        for ref in gone:
            del entries[ref]
        if not entries:
            del self.local[topic]
        self._deliver(topic, {}, gone)
        await self._publish(topic)
        await self._unfollow_if_unused(topic)

    async def subscribe(self, owner: pubsub.Subscriber, topic: str) -> None:
        await self._follow(topic)
        self.listeners.setdefault(topic, set()).add(owner)

    async def forget(self, owner: pubsub.Subscriber) -> None:
        """`owner` (a view) stopped: its entries leave, it hears no more diffs."""
        for topic in [t for t, e in self.local.items() if any(o is owner for *_, o in e.values())]:
            await self.untrack(owner, topic)
        for topic in [t for t, owners in self.listeners.items() if owner in owners]:
            owners = self.listeners[topic]
            owners.discard(owner)
            if not owners:
                del self.listeners[topic]
            await self._unfollow_if_unused(topic)

    def list(self, topic: str) -> Metas:
        entries: dict[str, tuple[str, Any]] = {
            ref: (key, meta) for ref, (key, meta, _) in self.local.get(topic, {}).items()}
        for node in self.remote.get(topic, {}).values():
            entries.update(node.entries)
        return _grouped(entries)

    # Following a topic: its internal pub/sub topic, through the process's hub ---------------------
    async def _follow(self, topic: str) -> None:
        if topic in self._followed:
            return
        _heartbeat()  # a bad setting fails here, in the view that tracks
        await pubsub.subscribe(self, _PREFIX + topic)
        self._followed.add(topic)
        self._arm()
        await self._send(topic, {"op": "hello"})

    async def _unfollow_if_unused(self, topic: str) -> None:
        if topic in self.local or topic in self.listeners or topic not in self._followed:
            return
        self._followed.discard(topic)
        self.remote.pop(topic, None)
        await pubsub.unsubscribe(self, _PREFIX + topic)
        if not self._followed and self._beat is not None:
            self._beat.cancel()
            self._beat = None

    def post_info(self, event: Any) -> None:
        """A message from another process (the hub delivers it; we are its subscriber)."""
        topic = event.name[len(_PREFIX):]
        message = event.payload
        if topic not in self._followed or not isinstance(message, dict):
            return
        node = message.get("node")
        if node == self.node or not isinstance(node, str):
            return  # our own message, back through the group
        if message.get("op") == "hello":
            if topic in self.local:
                self._spawn(self._publish(topic))
        elif message.get("op") == "state":
            try:
                entries = {str(ref): (str(key), meta)
                           for ref, (key, meta) in message["entries"].items()}
                seq = int(message["seq"])
            except (KeyError, TypeError, ValueError, AttributeError):
                logger.warning("presence: malformed state for %r from %s", topic, node)
                return
            self._apply_state(topic, node, seq, entries)

    def _apply_state(self, topic: str, node: str, seq: int,
                     entries: dict[str, tuple[str, Any]]) -> None:
        nodes = self.remote.setdefault(topic, {})
        known = nodes.get(node)
        if known is not None and seq <= known.seq:
            return  # an older message overtaken by a newer one
        before = known.entries if known is not None else {}
        # Kept even when empty, so that an older message arriving late is recognised as such.
        nodes[node] = _Node(entries, seq, time.monotonic())
        joins = {ref: entry for ref, entry in entries.items() if before.get(ref) != entry}
        leaves = {ref: entry for ref, entry in before.items() if entries.get(ref) != entry}
        self._deliver(topic, joins, leaves)

    # Heartbeat: announce our entries, expire the silent -----------------------------------------
    def _arm(self) -> None:
        if self._beat is None:
            self._beat = asyncio.get_running_loop().call_later(_heartbeat(), self._on_beat)

    def _on_beat(self) -> None:
        self._beat = None
        if not self._followed:
            return
        self._arm()
        for topic in self.local:
            self._spawn(self._publish(topic))
        deadline = time.monotonic() - EXPIRE_BEATS * _heartbeat()
        for topic, nodes in self.remote.items():
            for node, known in tuple(nodes.items()):
                if known.heard < deadline:
                    del nodes[node]
                    if known.entries:
                        logger.info("presence: process %s silent for %d heartbeats; its %d "
                                    "entries of %r leave", node[:12], EXPIRE_BEATS,
                                    len(known.entries), topic)
                        self._deliver(topic, {}, known.entries)

    async def _publish(self, topic: str) -> None:
        entries = {ref: [key, meta] for ref, (key, meta, _) in self.local.get(topic, {}).items()}
        await self._send(topic, {"op": "state", "seq": next(self._seq), "entries": entries})

    async def _send(self, topic: str, message: dict[str, Any]) -> None:
        try:
            await pubsub.broadcast(_PREFIX + topic, {**message, "node": self.node})
        except Exception as exc:
            # The layer is unreachable: the next heartbeat says it all again.
            logger.warning("presence: could not announce %r: %s", topic, exc)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)  # a reference until done: the loop only keeps weak ones
        task.add_done_callback(self._tasks.discard)

    def _deliver(self, topic: str, joins: dict[str, tuple[str, Any]],
                 leaves: dict[str, tuple[str, Any]]) -> None:
        if not joins and not leaves:
            return
        for listener in tuple(self.listeners.get(topic, ())):
            # Each view gets its own copies, as with broadcasts.
            listener.post_info(InfoEvent(PRESENCE_DIFF,
                                         PresenceDiff(topic, _grouped(joins), _grouped(leaves))))


# One tracker per event loop (a server has one; tests make one per test), for the current layer.
_trackers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Tracker] = \
    weakref.WeakKeyDictionary()


def _tracker() -> Tracker:
    loop = asyncio.get_running_loop()
    layer = pubsub.channel_layer()
    tracker = _trackers.get(loop)
    if tracker is None or tracker.layer is not layer:  # CHANNEL_LAYERS changed (tests)
        tracker = _trackers[loop] = Tracker(layer)
    return tracker


def list(topic: str) -> Metas:  # noqa: A001 - the Phoenix name, read as presence.list
    """Who is on `topic`: key -> metas (one per tracked view, each with its `phx_ref`).

    Complete for topics this process follows (a view of it tracks or subscribes to presence
    there); the entries of other processes arrive within moments of following."""
    tracker = _trackers.get(asyncio.get_running_loop())
    return tracker.list(topic) if tracker is not None else {}


async def forget(owner: pubsub.Subscriber) -> None:
    """The view `owner` stopped: untrack its entries, stop its diffs. Never raises."""
    tracker = _trackers.get(asyncio.get_running_loop())
    if tracker is None:
        return
    try:
        await tracker.forget(owner)
    except Exception:
        logger.exception("presence: forgetting a stopped view failed")


class PresenceMixin:
    """track / untrack / subscribe_presence for the connected socket."""

    _mailbox: pubsub.Subscriber

    async def track(self, topic: str, key: str, meta: dict[str, Any] | None = None) -> str:
        """Show this view on `topic` under `key` (e.g. the user id) with `meta` (msgpack-safe
        values) until it untracks or stops; returns the entry's `phx_ref`."""
        return await _tracker().track(self._mailbox, topic, key, meta if meta is not None
                                      else {})

    async def untrack(self, topic: str, key: str | None = None) -> None:
        """Remove this view's entries of `topic` (only those of `key` if given)."""
        await _tracker().untrack(self._mailbox, topic, key)

    async def subscribe_presence(self, topic: str) -> None:
        """Receive `InfoEvent("presence_diff", PresenceDiff(...))` in handle_info for `topic`."""
        await _tracker().subscribe(self._mailbox, topic)

    def list_presence(self, topic: str) -> Metas:
        """`liveview.presence.list(topic)`: who is on `topic` now."""
        return list(topic)
