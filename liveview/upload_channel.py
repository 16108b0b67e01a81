"""One `lvu:<entry ref>` topic: a file streamed in binary chunks into its temp file.

The client joins with the token from the preflight, then pushes one chunk at a time and
waits for each acknowledgement (protocol.md §8.4). Limits are enforced here, on the bytes
that actually arrive: past the declared size or the config's max_file_size the upload is
cut off, its data deleted, the client told `file_size_limit_exceeded`, and the view marks
the entry `too_large`. Chunks are handled as they are read: a client cannot queue more
than the socket carries, and other topics (heartbeats, clicks) wait at most one chunk write.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .core import protocol as p
from .core import uploads as rules
from .tokens import verify_upload_token
from .uploads import UploadConfig, UploadEntry

if TYPE_CHECKING:
    from .channel import LiveViewChannel
    from .consumer import LiveViewConsumer

logger = logging.getLogger(__name__)

# Join error reasons the client knows (entry_uploader.js).
INVALID_TOKEN = "invalid_token"
ALREADY_REGISTERED = "already_registered"
DISALLOWED = "disallowed"
WRITER_ERROR = "writer_error"
FILE_SIZE_LIMIT_EXCEEDED = "file_size_limit_exceeded"


class UploadChannel:
    """Receives one entry's chunks for the view that issued its token."""

    def __init__(self, consumer: LiveViewConsumer, topic: str, join_ref: str | None,
                 view: LiveViewChannel, config: UploadConfig, entry: UploadEntry):
        self.consumer = consumer
        self.topic = topic
        self.join_ref = join_ref
        self.view = view
        self.config = config
        self.entry = entry
        self.closed = False

    async def handle(self, frame: p.Frame) -> None:
        """A frame for this topic after the join."""
        if frame.event == p.LEAVE:
            # The client leaves after an error; the view itself is not affected.
            await self.consumer.send_text(p.reply(self.join_ref, frame.ref, self.topic))
            if not self.entry.done:
                self.entry.discard_data()
            self.entry.channel = None
            self.detach()
            await self.send_close()
        elif frame.event == p.CHUNK and isinstance(frame.payload, bytes):
            await self._chunk(frame)
        else:
            logger.warning("%s: %r refused (only binary chunks and phx_leave)", self.topic,
                           frame.event)
            await self._reply_error(frame, {"reason": f"unknown event {frame.event!r}"})

    async def _chunk(self, frame: p.Frame) -> None:
        entry, data = self.entry, frame.payload
        if entry.cancelled or entry.path is None or entry.done or entry.errors:
            await self._reply_error(frame, {"reason": DISALLOWED})
            return
        limit = min(entry.size, self.config.max_file_size)
        if entry.received + len(data) > limit:
            logger.warning("%s: %s sent %d bytes past its limit of %d bytes; upload cut off",
                           self.topic, entry.name, entry.received + len(data) - limit, limit)
            entry.discard_data()
            entry.channel = None
            self.detach()
            await self._reply_error(frame, {"reason": FILE_SIZE_LIMIT_EXCEEDED, "limit": limit})
            await self.send_close()
            self.view.post_internal(UploadFailed(self.config.ref, entry.ref, rules.TOO_LARGE,
                                                 entry.received + len(data)))
            return
        try:
            entry.write(data)
        except OSError:
            logger.exception("%s: writing %s to %s failed", self.topic, entry.name, entry.path)
            entry.discard_data()
            await self._reply_error(frame, {"reason": WRITER_ERROR})
            return
        await self.consumer.send_text(p.reply(self.join_ref, frame.ref, self.topic))

    async def _reply_error(self, frame: p.Frame, response: dict[str, Any]) -> None:
        await self.consumer.send_text(p.reply(self.join_ref, frame.ref, self.topic, response,
                                              ok=False))

    def detach(self) -> None:
        """Stop routing frames here (the entry was consumed, cancelled or failed)."""
        self.closed = True
        if self.consumer.upload_channels.get(self.topic) is self:
            del self.consumer.upload_channels[self.topic]

    async def send_close(self) -> None:
        """`phx_close`: the client stops pushing chunks and does not rejoin."""
        await self.consumer.send_text(p.channel_close(self.join_ref, self.topic))


@dataclass(frozen=True)
class UploadFailed:
    """Posted to the view's mailbox: an entry failed on its upload channel."""

    upload_ref: str
    entry_ref: str
    code: str
    received: int

    @property
    def name(self) -> str:  # how the view's error log names mailbox items
        return f"upload {self.entry_ref} failed ({self.code})"

    async def run(self, view: LiveViewChannel) -> None:
        """Mark the entry errored in the view, then push the re-render."""
        from .upload_handlers import push_render

        manager = view.socket.upload_manager if view.socket is not None else None
        config = manager.by_ref(self.upload_ref) if manager is not None else None
        entry = config.get_entry(self.entry_ref) if config is not None else None
        if entry is None:
            return
        entry.add_error(self.code, size=max(entry.size, self.received))
        entry.discard_data()
        await push_render(view)


async def route_upload(consumer: LiveViewConsumer, frame: p.Frame) -> None:
    """Route a frame on an `lvu:` topic (called by the consumer)."""
    channel = consumer.upload_channels.get(frame.topic)
    if frame.event == p.JOIN:
        await _join(consumer, frame, channel)
    elif channel is None or frame.join_ref != channel.join_ref:
        if frame.event == p.LEAVE:
            await consumer.send_text(p.reply(frame.join_ref, frame.ref, frame.topic))
        elif frame.ref is not None:
            await consumer.send_text(p.reply(frame.join_ref, frame.ref, frame.topic,
                                             {"reason": p.REASON_UNMATCHED_TOPIC}, ok=False))
    else:
        await channel.handle(frame)


async def _join(consumer: LiveViewConsumer, frame: p.Frame, existing: UploadChannel | None
                ) -> None:
    def refuse(reason: str, why: str) -> Any:
        logger.warning("join of %s refused (%s): %s", frame.topic, reason, why)
        return consumer.send_text(p.reply(frame.join_ref, frame.ref, frame.topic,
                                          {"reason": reason}, ok=False))

    payload = frame.payload if isinstance(frame.payload, dict) else {}
    try:
        claims = verify_upload_token(payload.get("token"))
    except ValueError as exc:
        await refuse(INVALID_TOKEN, str(exc))
        return
    entry_ref = frame.topic[len(p.UPLOAD_TOPIC_PREFIX):]
    view = consumer.channels.get(p.LV_TOPIC_PREFIX + claims["v"])
    if claims["e"] != entry_ref:
        await refuse(INVALID_TOKEN, f"token is for entry {claims['e']!r}, not {entry_ref!r}")
        return
    if view is None or view.closed or view.socket is None or view.join_ref != claims["j"]:
        await refuse(INVALID_TOKEN, "token is not for a view joined on this websocket")
        return
    config = view.socket.upload_manager.by_ref(claims["u"])
    entry = config.get_entry(entry_ref) if config is not None else None
    if config is None or entry is None or not entry.preflighted or entry.errors \
            or entry.done or entry.cancelled:
        await refuse(DISALLOWED, "entry unknown, not preflighted, errored or finished")
        return
    if existing is not None or entry.channel is not None:
        await refuse(ALREADY_REGISTERED, "this entry is already uploading")
        return
    try:
        entry.open_writer()
    except OSError as exc:
        await refuse(WRITER_ERROR, f"cannot create the temp file: {exc}")
        return
    channel = UploadChannel(consumer, frame.topic, frame.join_ref, view, config, entry)
    consumer.upload_channels[frame.topic] = entry.channel = channel
    await consumer.send_text(p.reply(frame.join_ref, frame.ref, frame.topic))
