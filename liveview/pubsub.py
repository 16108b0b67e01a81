"""Pub/sub over the Channels layer: topics are groups, messages must survive msgpack.

The in-memory layer serves one process; `channels_redis` carries the same calls across
processes and machines. Messages are round-tripped through msgpack here, on every layer,
so what works in development behaves the same on Redis.
"""
from __future__ import annotations

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
    if not isinstance(topic, str) or not topic:
        raise ValueError(f"pub/sub topic must be a non-empty str, got {topic!r}")
    digest = hashlib.sha256(topic.encode("utf-8")).hexdigest()[:32]
    return f"liveview.{_UNSAFE.sub('_', topic)[:40]}.{digest}"


def portable(topic: str, message: Any) -> Any:
    """`message` as every subscriber will receive it (after msgpack), or a clear TypeError."""
    try:
        return msgpack.unpackb(msgpack.packb(message, use_bin_type=True), raw=False)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(
            f"broadcast({topic!r}, ...): the message must survive msgpack, which carries "
            f"it between processes (dict with str keys, list, tuple, str, bytes, int, float, "
            f"bool, None); got {type(message).__name__}: {exc}. Convert models, sets and "
            f"datetimes to plain values first.") from None


def _layer() -> Any:
    layer = get_channel_layer()
    if layer is None:
        raise ImproperlyConfigured(
            "liveview pub/sub needs a channel layer: set CHANNEL_LAYERS (the in-memory layer "
            "for one process, channels_redis for several)")
    return layer


async def broadcast(topic: str, message: Any) -> None:
    """Deliver `message` to every LiveView subscribed to `topic`, in every process."""
    group = group_name(topic)
    await _layer().group_send(group, {"type": MESSAGE_TYPE, "topic": topic,
                                      "message": portable(topic, message)})


def broadcast_sync(topic: str, message: Any) -> None:
    """`broadcast` for sync code: signals, management commands, WSGI views, workers."""
    async_to_sync(broadcast)(topic, message)


async def group_add(topic: str, channel_name: str) -> None:
    """Join `channel_name` (one websocket) to `topic`'s group."""
    await _layer().group_add(group_name(topic), channel_name)


async def group_discard(topic: str, channel_name: str) -> None:
    """Remove `channel_name` from `topic`'s group."""
    await _layer().group_discard(group_name(topic), channel_name)
