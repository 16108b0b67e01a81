"""Pub/sub over the Channels layer: topics are groups, messages must survive msgpack.

The in-memory layer serves one process; `channels_redis` carries the same calls across
processes and machines. Messages are packed with msgpack here, on every layer, so what
works in development behaves the same on Redis, and every view receives its own copy.

Each process has ONE channel-layer channel (its `Hub`): a topic's group holds the channels of
the processes with a view subscribed to it, and the hub hands each message to its local views.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import weakref
from typing import Any, Protocol

import msgpack
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .events import InfoEvent
from .exceptions import BroadcastError, ConfigurationError

logger = logging.getLogger(__name__)

#: `type` of the channel-layer messages carrying a broadcast.
MESSAGE_TYPE = "liveview.broadcast"

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def group_name(topic: str) -> str:
    """A valid channel-layer group name for any topic string, without collisions.

    Group names allow only ASCII letters, digits, `-_.` and under 100 characters; the
    readable part is a hint, the hash of the full topic keeps distinct topics apart.
    """
    if not isinstance(topic, str):
        raise TypeError(f"pub/sub topic must be a non-empty str, got "
                        f"{type(topic).__name__} {topic!r}")
    if not topic:
        raise ValueError("pub/sub topic must be a non-empty str, got ''")
    digest = hashlib.sha256(topic.encode("utf-8")).hexdigest()[:32]
    return f"liveview.{_UNSAFE.sub('_', topic)[:40]}.{digest}"


def pack(topic: str, message: Any) -> bytes:
    """`message` packed as it travels between processes, or a clear BroadcastError.

    Refused here, at broadcast time, whatever the layer: anything msgpack cannot carry
    (models, sets, datetimes...). Tuples arrive as lists, as they would through Redis.
    """
    try:
        packed = msgpack.packb(message, use_bin_type=True)
        msgpack.unpackb(packed, raw=False)  # int keys only fail here
        return packed
    except (TypeError, ValueError, OverflowError) as exc:
        found = _unportable(message, "message")
        what = found or f"{type(message).__name__} ({exc})"
        raise BroadcastError(
            f"broadcast({topic!r}, ...): the message must survive msgpack, which carries it "
            f"between processes: dict with str keys, list, tuple, str, bytes, int (64-bit), "
            f"float, bool or None; got {what}. Convert models, sets and datetimes to plain "
            f"values first (obj.pk, sorted(a_set), dt.isoformat()).") from None


def unpack(packed: bytes) -> Any:
    """A fresh copy of a packed message (each view gets its own)."""
    return msgpack.unpackb(packed, raw=False)


def _unportable(value: Any, path: str) -> str | None:
    """Where in `value` the first value msgpack refuses is, described for an error message."""
    if value is None or isinstance(value, (bool, float, str, bytes, bytearray)):
        return None
    if isinstance(value, int):
        return None if -2 ** 63 <= value < 2 ** 64 else f"int {value} (over 64 bits) at {path}"
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _unportable(item, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, bytes)):
                return f"{type(key).__name__} key {key!r} at {path}"
            found = _unportable(item, f"{path}[{key!r}]")
            if found:
                return found
        return None
    return f"{type(value).__name__} at {path}"


def _layer() -> Any:
    layer = get_channel_layer()
    if layer is None:
        raise ConfigurationError(
            "liveview pub/sub needs a channel layer: set CHANNEL_LAYERS (the in-memory layer "
            "for one process, channels_redis for several)")
    return layer


def channel_layer() -> Any:
    """The channel layer pub/sub (and presence) use, or a ConfigurationError saying why not."""
    return _layer()


async def broadcast(topic: str, message: Any) -> None:
    """Deliver `message` to every LiveView subscribed to `topic`, in every process."""
    group, payload = _prepare(topic, message)
    await _layer().group_send(group, payload)


def broadcast_sync(topic: str, message: Any) -> None:
    """`broadcast` for sync code: signals, management commands, sync views, worker threads.

    In async code (a running event loop in this thread) use `await broadcast(...)`.
    """
    group, payload = _prepare(topic, message)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError(
            f"broadcast_sync({topic!r}, ...) was called from async code (this thread runs an "
            f"event loop, which it would block); use `await liveview.broadcast(...)` there")
    loop = _server_loop
    if loop is not None and loop.is_running():
        # This process serves websockets: send from their loop. The in-memory layer is not
        # thread-safe, and Redis connections are per loop: no new pool per call.
        asyncio.run_coroutine_threadsafe(_layer().group_send(group, payload), loop).result()
    else:
        async_to_sync(_layer().group_send)(group, payload)


def _prepare(topic: str, message: Any) -> tuple[str, dict[str, Any]]:
    group = group_name(topic)
    return group, {"type": MESSAGE_TYPE, "topic": topic, "packed": pack(topic, message)}


#: Local subscribers a broadcast is posted to before the hub yields to them (see
#: `Hub._deliver`): small enough that the first frames leave early, large enough that the
#: hub's own turns cost nothing beside the renders.
DELIVERY_BATCH = 16

#: The event loop of this process's websockets, once one has subscribed (see broadcast_sync).
_server_loop: asyncio.AbstractEventLoop | None = None


class Subscriber(Protocol):
    """What a subscription delivers to: a view's mailbox."""

    def post_info(self, event: Any) -> None: ...


async def subscribe(subscriber: Subscriber, topic: str) -> None:
    """Deliver `topic`'s broadcasts to `subscriber` until `unsubscribe_all(subscriber)`.

    A bad topic or a missing channel layer raises here, before anything is recorded.
    """
    group_name(topic)
    await _hub().subscribe(subscriber, topic)


async def unsubscribe(subscriber: Subscriber, topic: str) -> None:
    """Stop delivering `topic` to `subscriber`. Never raises."""
    hub = _hubs.get(asyncio.get_running_loop())
    if hub is not None:
        await hub.unsubscribe(subscriber, topic)


async def unsubscribe_all(subscriber: Subscriber) -> None:
    """Stop every delivery to `subscriber` (its view ended). Never raises."""
    hub = _hubs.get(asyncio.get_running_loop())
    if hub is not None:
        await hub.unsubscribe_all(subscriber)


class Hub:
    """This process's end of pub/sub: ONE channel-layer channel for all its views, and the
    one record of which view is subscribed to which topic.

    A broadcast costs one layer message per process, whatever the number of views: the
    hub's reader hands a copy to every local view subscribed to the topic. The channel and
    the reader exist while at least one view of the process is subscribed. Groups are joined
    again periodically: layers forget memberships older than `group_expiry` (a day by
    default), and a Redis server that restarted forgot them all.
    """

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        #: topic -> its local subscribers, and the reverse index (same records, both kept here).
        self.subscribers: dict[str, set[Subscriber]] = {}
        self.topics_of: dict[Subscriber, set[str]] = {}
        self.channel_name: str | None = None
        self._reader: asyncio.Task | None = None
        self._refresh: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()
        self._rejoins: set[asyncio.Task] = set()

    async def subscribe(self, subscriber: Subscriber, topic: str) -> None:
        """Add one membership; joins the topic's group for this process if it is new here."""
        async with self._lock:  # group joins and leaves happen one at a time, in order
            if topic in self.topics_of.get(subscriber, ()):
                return
            if self.channel_name is None:
                await self._open()
            subscribers = self.subscribers.get(topic)
            if subscribers is None:
                try:
                    await self._group("group_add", topic)
                except BaseException:
                    if not self.subscribers:
                        await self._close()
                    raise
                subscribers = self.subscribers[topic] = set()
            subscribers.add(subscriber)
            self.topics_of.setdefault(subscriber, set()).add(topic)

    async def unsubscribe(self, subscriber: Subscriber, topic: str) -> None:
        """Remove one membership; leave the group if nobody here needs it."""
        async with self._lock:
            topics = self.topics_of.get(subscriber)
            if topics is None or topic not in topics:
                return
            topics.discard(topic)
            if not topics:
                del self.topics_of[subscriber]
            await self._drop(subscriber, topic)
            if not self.subscribers and self.channel_name is not None:
                await self._close()

    async def unsubscribe_all(self, subscriber: Subscriber) -> None:
        """Remove every membership of `subscriber`; leave groups nobody here needs."""
        async with self._lock:
            for topic in self.topics_of.pop(subscriber, ()):
                await self._drop(subscriber, topic)
            if not self.subscribers and self.channel_name is not None:
                await self._close()

    async def _drop(self, subscriber: Subscriber, topic: str) -> None:
        subscribers = self.subscribers.get(topic)
        if subscribers is None:
            return
        subscribers.discard(subscriber)
        if not subscribers:
            del self.subscribers[topic]
            try:
                await self._group("group_discard", topic)
            except Exception:
                # The layer is unreachable: the membership expires there.
                logger.warning("pub/sub: could not leave topic %r", topic, exc_info=True)

    async def _open(self) -> None:
        global _server_loop
        loop = _server_loop = asyncio.get_running_loop()
        self.channel_name = await self.layer.new_channel()
        self._reader = loop.create_task(self._read(self.channel_name),
                                        name=f"liveview pub/sub {self.channel_name}")
        every = max(float(getattr(self.layer, "group_expiry", 86400)) / 3, 0.1)

        def refresh() -> None:
            self._refresh = loop.call_later(every, refresh)
            loop.create_task(self._rejoin(), name="liveview pub/sub refresh")

        self._refresh = loop.call_later(every, refresh)

    async def _close(self) -> None:
        if self._refresh is not None:
            self._refresh.cancel()
            self._refresh = None
        reader, self._reader = self._reader, None
        self.channel_name = None
        if reader is not None:
            await _stop_reader(reader)

    async def _group(self, method: str, topic: str) -> None:
        assert self.channel_name is not None
        await getattr(self.layer, method)(group_name(topic), self.channel_name)

    async def _read(self, channel_name: str) -> None:
        """Hand every message of the hub's channel to its local subscribers.

        Runs while `channel_name` is the hub's channel. It never waits for the hub's lock:
        `_close` holds it while it stops this task. A cancellation can come back as another
        error (on Python 3.11 `asyncio.timeout` turns a cancel racing redis-py's read timeout
        into a `TimeoutError`), so the channel is checked after every error, not only on
        `CancelledError`.
        """
        failures = 0
        while self.channel_name == channel_name:
            try:
                message = await self.layer.receive(channel_name)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.channel_name != channel_name:
                    return  # closed meanwhile: the error was (or hid) our cancellation
                if _is_read_timeout(exc):
                    # An idle connection's read timeout (redis-py's socket_timeout fires
                    # with channels_redis's blocking pop): routine, not a failure.
                    logger.debug("pub/sub: channel layer read timed out (%s); reading again",
                                 exc)
                    continue
                failures += 1
                delay = min(5.0, 0.05 * 2 ** failures)
                logger.warning("pub/sub: receiving from the channel layer failed (%s: %s); "
                               "retrying in %.1fs", type(exc).__name__, exc, delay,
                               exc_info=failures == 1)
                await asyncio.sleep(delay)
                self._schedule_rejoin()
                continue
            if failures:
                logger.info("pub/sub: channel layer reachable again after %d failures", failures)
                failures = 0
            if self.channel_name == channel_name:
                await self._deliver(message)

    def _schedule_rejoin(self) -> None:
        """Rejoin every group in a task of its own (it takes the lock; the reader must not)."""
        if self.channel_name is not None:
            task = asyncio.get_running_loop().create_task(self._rejoin(),
                                                          name="liveview pub/sub rejoin")
            self._rejoins.add(task)  # a reference until it ends (the loop keeps weak ones)
            task.add_done_callback(self._rejoins.discard)

    async def _deliver(self, message: dict[str, Any]) -> None:
        """Post `message` to the topic's local subscribers, DELIVERY_BATCH at a time.

        Between two batches the reader lets the loop run: the views just posted handle the
        message, and their frames are written, before the next batch is posted. Posting to
        all of them at once would have every view render before the first frame goes out.
        The next message is read only once this one is posted to all: a view gets a topic's
        messages in order. A view that unsubscribed (or stopped) meanwhile is skipped.
        """
        if message.get("type") != MESSAGE_TYPE:
            logger.warning("pub/sub: unexpected channel-layer message %r", message.get("type"))
            return
        topic = message.get("topic")
        packed = message.get("packed")
        if not isinstance(topic, str) or not isinstance(packed, bytes):
            logger.warning("pub/sub: malformed channel-layer message for topic %r", topic)
            return
        subscribers = self.subscribers.get(topic)
        if not subscribers:
            return
        everyone = tuple(subscribers)
        for start in range(0, len(everyone), DELIVERY_BATCH):
            if start:
                await asyncio.sleep(0)
                subscribers = self.subscribers.get(topic)
                if not subscribers:
                    return
            for subscriber in everyone[start:start + DELIVERY_BATCH]:
                if subscriber in subscribers:
                    subscriber.post_info(InfoEvent(topic, unpack(packed)))

    async def _rejoin(self) -> None:
        """Join every group again (refreshes memberships; restores them after a flush)."""
        async with self._lock:
            for topic in list(self.subscribers):
                if self.channel_name is None:
                    return
                try:
                    await self._group("group_add", topic)
                except Exception as exc:
                    logger.debug("pub/sub: rejoining %r failed: %s", topic, exc)
                    return


#: How long `_close` waits for a cancelled reader before cancelling it again.
READER_STOP_WAIT = 1.0
#: Cancellations sent to a reader before it is abandoned (logged as an error).
READER_STOP_ATTEMPTS = 5


async def _stop_reader(reader: asyncio.Task) -> None:
    """Cancel the reader and wait for it, bounded: a closing hub must never hang.

    A layer may swallow one cancellation (see `Hub._read`); the reader also ends by itself
    once its channel is no longer the hub's, and it is cancelled again each second in case
    it sits in a layer call.
    """
    for _ in range(READER_STOP_ATTEMPTS):
        reader.cancel()
        # asyncio.wait raises only if the caller itself is cancelled.
        await asyncio.wait([reader], timeout=READER_STOP_WAIT)
        if reader.done():
            if not reader.cancelled() and reader.exception() is not None:
                logger.error("pub/sub reader failed", exc_info=reader.exception())
            return
    logger.error("pub/sub: the channel-layer reader did not stop after %d cancellations; "
                 "abandoned", READER_STOP_ATTEMPTS)


def _is_read_timeout(exc: BaseException) -> bool:
    """A layer's read timeout: the builtin TimeoutError or a client library's own (redis-py's
    `redis.exceptions.TimeoutError` is not a subclass of the builtin)."""
    return isinstance(exc, TimeoutError) or type(exc).__name__ == "TimeoutError"


# One hub per event loop (a server has one; tests make one per test), for the current layer.
_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def _hub() -> Hub:
    loop = asyncio.get_running_loop()
    layer = _layer()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:  # CHANNEL_LAYERS changed (tests)
        hub = _hubs[loop] = Hub(layer)
    return hub
