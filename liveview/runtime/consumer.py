"""The websocket endpoint (`/live/websocket`): the only code that reads and writes it.

A plain ASGI application rather than a Channels `AsyncConsumer`: that class runs a thread
hop (close_old_connections) before every frame, which costs as much as a whole rendered
event (docs/internals.md, "Database connections"). Frames are checked and decoded here and
handed to the `TopicRouter`.
"""
from __future__ import annotations

import logging
from typing import Any

from ..conf import liveview_settings
from ..core import protocol as p
from .router import TopicRouter

logger = logging.getLogger(__name__)


class LiveViewConsumer:
    """One browser websocket, hosting any number of LiveViews (one per `lv:` topic)."""

    def __init__(self, scope: dict[str, Any], receive: Any, send: Any):
        self.scope = scope
        self._receive = receive
        self._send = send
        self.router = TopicRouter(self.send_text, scope)
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
        """Stop every view of this socket (timers, pub/sub, uploads)."""
        await self.router.stop_all()

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
        limit = liveview_settings.MAX_FRAME_BYTES
        # A character is 1 to 4 bytes of UTF-8: only frames near the limit are encoded.
        if len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit:
            await self._refuse_oversized(text)
            return
        try:
            frame = p.decode_text(text)
        except p.ProtocolError as exc:
            logger.warning("malformed frame from %s dropped: %s", self._client(), exc)
            return
        await self.router.route(frame)

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
        await self.router.route(frame)

    async def _refuse_oversized(self, text: str) -> None:
        logger.warning("frame of %d characters from %s refused (over MAX_FRAME_BYTES=%d bytes)",
                       len(text), self._client(), liveview_settings.MAX_FRAME_BYTES)
        head = p.peek_head(text)
        if head is not None and head[1] is not None:
            join_ref, ref, topic = head
            await self.send_text(p.reply(join_ref, ref, topic, {"reason": "frame too large"},
                                         ok=False))

    def _client(self) -> str:
        client = self.scope.get("client")
        return f"{client[0]}:{client[1]}" if client else "unknown client"
