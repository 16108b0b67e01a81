"""Pub/sub over the Channels layer: topics are groups, messages must survive msgpack.

The in-memory layer serves one process; `channels_redis` carries the same calls across
processes and machines. Messages are round-tripped through msgpack here, on every layer,
so what works in development behaves the same on Redis.
"""
from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

import msgpack
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ImproperlyConfigured

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


def portable(topic: str, message: Any) -> Any:
    """`message` as every subscriber will receive it (after msgpack), or a clear TypeError.

    Tuples arrive as lists, as they would through Redis.
    """
    try:
        return msgpack.unpackb(msgpack.packb(message, use_bin_type=True), raw=False)
    except (TypeError, ValueError, OverflowError) as exc:
        found = _unportable(message, "message")
        what = found or f"{type(message).__name__} ({exc})"
        raise TypeError(
            f"broadcast({topic!r}, ...): the message must survive msgpack, which carries it "
            f"between processes: dict with str keys, list, tuple, str, bytes, int (64-bit), "
            f"float, bool or None; got {what}. Convert models, sets and datetimes to plain "
            f"values first (obj.pk, sorted(a_set), dt.isoformat()).") from None


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
        raise ImproperlyConfigured(
            "liveview pub/sub needs a channel layer: set CHANNEL_LAYERS (the in-memory layer "
            "for one process, channels_redis for several)")
    return layer


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
    return group, {"type": MESSAGE_TYPE, "topic": topic, "message": portable(topic, message)}


#: The event loop of this process's websockets, once one has subscribed (see broadcast_sync).
_server_loop: asyncio.AbstractEventLoop | None = None


async def group_add(topic: str, channel_name: str) -> None:
    """Join `channel_name` (one websocket) to `topic`'s group."""
    global _server_loop
    _server_loop = asyncio.get_running_loop()
    await _layer().group_add(group_name(topic), channel_name)


async def group_discard(topic: str, channel_name: str) -> None:
    """Remove `channel_name` from `topic`'s group."""
    await _layer().group_discard(group_name(topic), channel_name)
