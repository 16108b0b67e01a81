"""The websocket endpoint (`/live/websocket`): the only code that reads and writes it.

A plain ASGI application rather than a Channels `AsyncConsumer`: that class runs a
thread hop (close_old_connections) before every frame, which costs as much as a whole
rendered event (design.md §7). Frames are routed by topic: heartbeats are answered here,
each `lv:` topic goes to its own `LiveViewChannel` actor.
"""
from __future__ import annotations

import logging
from typing import Any

from . import pubsub
from .channel import LiveViewChannel
from .conf import liveview_settings
from .core import protocol as p
from .upload_channel import UploadChannel, route_upload

logger = logging.getLogger(__name__)


class LiveViewConsumer:
    """One browser websocket, hosting any number of LiveViews (one per `lv:` topic)."""

    def __init__(self, scope: dict[str, Any], receive: Any, send: Any):
        self.scope = scope
        self._receive = receive
        self._send = send
        self.channels: dict[str, LiveViewChannel] = {}
        #: Pub/sub: this socket's channel-layer channel and which views get which topics.
        self.pubsub = pubsub.Subscriptions()
        #: `lvu:<entry ref>` topics: files streaming to a view of this socket.
        self.upload_channels: dict[str, UploadChannel] = {}
        self._open = False

    @classmethod
    def as_asgi(cls) -> Any:
        """The ASGI application to route `live/websocket` to."""

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            await cls(scope, receive, send).run()

        app.consumer_class = cls  # type: ignore[attr-defined]
        return app

    async def run(self) -> None:
        """Accept the websocket and route frames until it closes."""
        message = await self._receive()
        if message["type"] != "websocket.connect":
            return
        accept: dict[str, Any] = {"type": "websocket.accept"}
        if "phoenix" in (self.scope.get("subprotocols") or ()):
            accept["subprotocol"] = "phoenix"
        await self._send(accept)
        self._open = True
        try:
            while True:
                message = await self._receive()
                kind = message["type"]
                if kind == "websocket.receive":
                    await self.on_receive(message)
                elif kind == "websocket.disconnect":
                    break
        finally:
            self._open = False
            await self.shutdown()

    async def shutdown(self) -> None:
        """Stop every view (timers, groups) and the channel-layer reader."""
        for channel in list(self.channels.values()):
            await channel.stop()
        await self.pubsub.close()

    async def send_text(self, text: str) -> None:
        """Send one frame; frames for a closed socket are dropped."""
        if self._open:
            await self._send({"type": "websocket.send", "text": text})

    # Incoming frames ------------------------------------------------------------------------
    async def on_receive(self, message: dict[str, Any]) -> None:
        """One websocket message; nothing a client sends may end the socket for its views."""
        try:
            text = message.get("text")
            if text is not None:
                await self.on_text(text)
            else:
                await self.on_bytes(message.get("bytes") or b"")
        except Exception:
            logger.exception("frame from %s could not be handled", self._client())

    async def on_text(self, text: str) -> None:
        if len(text) > liveview_settings.MAX_FRAME_BYTES:
            await self._refuse_oversized(text)
            return
        try:
            frame = p.decode_text(text)
        except p.ProtocolError as exc:
            logger.warning("malformed frame from %s dropped: %s", self._client(), exc)
            return
        await self.route(frame)

    async def on_bytes(self, data: bytes) -> None:
        if len(data) > liveview_settings.MAX_FRAME_BYTES:
            logger.warning("binary frame of %d bytes from %s refused (MAX_FRAME_BYTES=%d)",
                           len(data), self._client(), liveview_settings.MAX_FRAME_BYTES)
            return
        try:
            frame = p.decode_binary(data)
        except p.ProtocolError as exc:
            logger.warning("malformed binary frame from %s dropped: %s", self._client(), exc)
            return
        await self.route(frame)

    async def _refuse_oversized(self, text: str) -> None:
        logger.warning("frame of %d characters from %s refused (MAX_FRAME_BYTES=%d)",
                       len(text), self._client(), liveview_settings.MAX_FRAME_BYTES)
        head = p.peek_head(text)
        if head is not None and head[1] is not None:
            join_ref, ref, topic = head
            await self.send_text(p.reply(join_ref, ref, topic, {"reason": "frame too large"},
                                         ok=False))

    async def route(self, frame: p.Frame) -> None:
        """Send a frame to where its topic lives."""
        topic = frame.topic
        if topic == p.PHOENIX_TOPIC:
            if frame.event == p.HEARTBEAT:
                await self.send_text(p.reply(None, frame.ref, topic))
            else:
                await self._unmatched(frame)
        elif topic.startswith(p.LV_TOPIC_PREFIX):
            await self._route_view(frame)
        elif topic.startswith(p.UPLOAD_TOPIC_PREFIX):
            await route_upload(self, frame)
        else:
            await self._unmatched(frame)

    async def _route_view(self, frame: p.Frame) -> None:
        channel = self.channels.get(frame.topic)
        if frame.event == p.JOIN:
            if channel is not None:
                # A rejoin or live navigation reuses the topic: the old view ends first.
                await channel.stop()
                await self.send_text(p.channel_close(channel.join_ref, frame.topic))
            self.channels[frame.topic] = LiveViewChannel(self, frame.topic, frame)
        elif channel is None or (frame.join_ref is not None
                                 and frame.join_ref != channel.join_ref):
            if frame.event == p.LEAVE:
                # The client leaves after server-side closes too; always fine.
                await self.send_text(p.reply(frame.join_ref, frame.ref, frame.topic))
            else:
                await self._unmatched(frame)
        else:
            channel.post(frame)

    async def _unmatched(self, frame: p.Frame) -> None:
        logger.info("%s on unmatched topic %r from %s", frame.event, frame.topic, self._client())
        if frame.ref is not None:
            await self.send_text(p.reply(frame.join_ref, frame.ref, frame.topic,
                                         {"reason": p.REASON_UNMATCHED_TOPIC}, ok=False))

    def _client(self) -> str:
        client = self.scope.get("client")
        return f"{client[0]}:{client[1]}" if client else "unknown client"

    # Views coming and going ---------------------------------------------------------------
    async def channel_stopped(self, channel: LiveViewChannel) -> None:
        """Forget a stopped view and leave the groups nobody here needs any more."""
        if self.channels.get(channel.topic) is channel:
            del self.channels[channel.topic]
        await self.pubsub.unsubscribe(channel, channel.topics)
        channel.topics.clear()

    # Pub/sub: one channel-layer channel per websocket, shared by its views (pubsub.py) ------
    async def subscribe(self, channel: LiveViewChannel, topic: str) -> None:
        """Route `topic`'s broadcasts to `channel`."""
        await self.pubsub.subscribe(channel, topic)
