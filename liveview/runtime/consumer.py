"""The websocket endpoint (`/live/websocket`): the only code that reads and writes it.

A plain ASGI application rather than a Channels `AsyncConsumer`: that class runs a thread
hop (close_old_connections) before every frame, which costs as much as a whole rendered
event (docs/internals.md, "Database connections"). Frames are checked and decoded here and
handed to the `TopicRouter`.

Memory per socket is bounded: a frame is written at once, in the caller's task, when nothing
is ahead of it and the server's `send` does not wait; otherwise it waits in one buffer, written
in order by one task, so a view never blocks on a slow client. A client whose buffer passes
`OUTBOUND_BUFFER_LIMIT` is dropped (its browser reconnects and rejoins, as Phoenix drops an
overloaded process). A client sending more than `MAX_FRAMES_PER_SECOND` is dropped too.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import CoroutineType
from typing import Any

from ..conf import liveview_settings
from ..core import protocol as p
from . import daphne, shutdown
from .limits import RateLimit
from .mailbox import Mailbox
from .native_memory import pin_mmap_threshold
from .router import TopicRouter
from .server_tuning import quiet_autobahn_log_arguments
from .stepping import DONE, step, wait_for_yield

logger = logging.getLogger(__name__)

#: Close codes: the client reconnects after both (1000 would make it reload the page).
CLOSE_TRY_AGAIN_LATER = 1013  # the client did not read fast enough
CLOSE_POLICY_VIOLATION = 1008  # the client sent too fast
CLOSE_SERVICE_RESTART = 1012  # the process is shutting down (runtime.shutdown)
#: How often a draining socket looks whether its views are done.
DRAIN_POLL = 0.05

# Shutdowns still running after their socket's task was cancelled (see `shutdown`).
_background_shutdowns: set[asyncio.Task] = set()


def _transport_backlog(send: Any) -> Callable[[], int] | None:
    """Bytes the server itself still holds for this client, where the server shows them.

    daphne's `send` returns at once and Twisted buffers without limit, so its transport's
    pending bytes count against OUTBOUND_BUFFER_LIMIT too. Servers whose `send` waits for
    the client (uvicorn) keep their backlog in our buffer; for them this is None.
    """
    protocol = next(iter(getattr(send, "args", ()) or ()), None)
    transport = getattr(protocol, "transport", None)
    if transport is None or not hasattr(transport, "dataBuffer"):
        return None

    def backlog() -> int:
        try:
            return (len(transport.dataBuffer) - getattr(transport, "offset", 0)
                    + getattr(transport, "_tempDataLen", 0))
        except Exception:  # a Twisted change: no backlog rather than a broken socket
            return 0

    return backlog


class LiveViewConsumer:
    """One browser websocket, hosting any number of LiveViews (one per `lv:` topic)."""

    __slots__ = ("scope", "_receive", "_send", "router", "_open", "_outbox", "_outbox_chars",
                 "_writer", "_finishing", "_sending", "_backlog", "_autobahn", "_frames",
                 "_dropping")

    def __init__(self, scope: dict[str, Any], receive: Any, send: Any):
        self.scope = scope
        self._receive = receive
        self._send = send
        self.router = TopicRouter(self.send_text, scope)
        self._open = False
        self._outbox: Mailbox[str] = Mailbox()
        self._outbox_chars = 0
        self._writer: asyncio.Task | None = None
        # A direct send the server made wait, finished by a task of its own (see send_text).
        self._finishing: asyncio.Task | None = None
        self._sending = False  # the writer or a finishing send holds the wire
        self._backlog = _transport_backlog(send)
        self._autobahn = daphne.autobahn_protocol(send)
        self._frames = RateLimit(liveview_settings.MAX_FRAMES_PER_SECOND)
        self._dropping = False

    @classmethod
    def as_asgi(cls) -> Any:
        """The ASGI application to route `live/websocket` to."""

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            await cls(scope, receive, send).run()

        app.consumer_class = cls  # type: ignore[attr-defined]
        return app

    async def run(self) -> None:
        """Accept the websocket and route frames until it closes."""
        quiet_autobahn_log_arguments()
        pin_mmap_threshold()
        message = await self._receive()
        if message["type"] != "websocket.connect":
            return
        accept: dict[str, Any] = {"type": "websocket.accept"}
        if "phoenix" in (self.scope.get("subprotocols") or ()):
            accept["subprotocol"] = "phoenix"
        await self._send(accept)
        stopping = shutdown.current()
        if stopping.draining:  # the client reconnects, to another process if there is one
            logger.info("closing %s at once: the process is shutting down (close code %d)",
                        self._client(), CLOSE_SERVICE_RESTART)
            await self._send_close(CLOSE_SERVICE_RESTART)
            return
        if self._autobahn is not None:
            daphne.let_frames_through(self._autobahn, liveview_settings.MAX_FRAME_BYTES)
        self._open = True
        stopping.register(self)
        try:
            # The frames are read in a task of their own, which the ASGI stack's task awaits
            # once. Read here, every frame would resume and suspend again each coroutine of
            # that stack (the server's, ProtocolTypeRouter, the Origin check, the session
            # middleware, URLRouter, ...), whose frames are cold in memory when many clients
            # take turns: ~19 cache misses of ~170 per click (bench/README.md, "Session 9"),
            # for ~480 bytes per socket. A cancellation of the stack's task (daphne's, after
            # its client left) cancels the reading task too, started or not; either way the
            # views are stopped below.
            await asyncio.get_running_loop().create_task(
                self._read_frames(), name=f"liveview socket {self._client()}")
        finally:
            self._open = False
            stopping.unregister(self)
            await self.shutdown()

    async def _read_frames(self) -> None:
        """Route frames until the websocket closes."""
        # (Read once: a method call on an attribute is never specialized by CPython 3.11.)
        receive = self._receive
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "websocket.receive":
                if not self._dropping:
                    waiting = self.on_receive(message)
                    if waiting is not None:
                        await waiting
            elif kind == "websocket.disconnect":
                return

    async def shutdown(self) -> None:
        """Stop every view of this socket (timers, pub/sub, uploads), whatever happens.

        The stopping runs in a task of its own: a cancellation of the socket's task (daphne
        cancels an application still running 10 s after its client left, and again every
        second) ends this wait but never the stopping, so no view keeps running.
        """
        self._stop_writing()
        task = asyncio.get_running_loop().create_task(self.router.stop_all(),
                                                      name="liveview socket shutdown")
        _background_shutdowns.add(task)
        task.add_done_callback(_background_shutdowns.discard)
        await asyncio.shield(task)

    def send_text(self, text: str) -> None:
        """Send or queue one frame; frames for a closed (or dropped) socket are discarded.

        Never waits for the client. With nothing queued or being sent, the frame is written
        now, in the caller's task (its `_send_now` part): no task switch per frame, and in a
        broadcast each view's frame leaves right after its render. Otherwise it waits for the writer
        task (made at the first frame that has to wait), which sends in order. A client that
        lets more than OUTBOUND_BUFFER_LIMIT characters pile up is dropped.
        """
        if not self._open or self._dropping:
            return
        # (Truthy when a frame waits: not Mailbox.__bool__, nor bool(), each a call.)
        queued = self._sending or self._outbox.items
        if queued:
            self._outbox.put(text)
            self._outbox_chars += len(text)
            if self._writer is None:
                self._writer = asyncio.get_running_loop().create_task(
                    self._write(), name=f"liveview writer {self._client()}")
        # The limit counts a frame sent now as if it waited: the same frames pass it either way.
        limit = liveview_settings.OUTBOUND_BUFFER_LIMIT
        if limit and self._outbox_chars + (0 if queued else len(text)) + \
                (self._backlog() if self._backlog else 0) > limit:
            self._drop(CLOSE_TRY_AGAIN_LATER,
                       f"it is not reading: over {limit} characters waiting to be sent")
        elif not queued:
            # `_send_now`: run the server's `send` up to its first wait, here and now.
            #
            # Servers' `send` writes to the transport without waiting unless the client is
            # slow (uvicorn waits while its transport is paused; daphne never waits). If it
            # does wait, a task finishes it (`_finish_send`) and later frames queue behind it,
            # so the caller still never waits for the client and frames keep their order.
            # (Inlined here, not a method: every frame goes this way.)
            send = self._send  # (not `self._send(...)`, see `_read_frames`)
            sending = send({"type": "websocket.send", "text": text})
            if not isinstance(sending, CoroutineType):  # an awaitable of the server's (granian)
                self._hand_over(self._await_send(sending))
                return
            try:
                if self._autobahn is None:
                    waiting_on = step(sending)
                else:  # daphne hands the frame to autobahn before any wait
                    with daphne.unlimited_send(self._autobahn, text):
                        waiting_on = step(sending)
            except Exception as exc:
                self._send_failed(exc)
                return
            if waiting_on is not DONE:
                self._hand_over(self._finish_send(sending, waiting_on))

    def _hand_over(self, finishing: Any) -> None:
        self._sending = True
        self._finishing = asyncio.get_running_loop().create_task(
            finishing, name=f"liveview send {self._client()}")

    async def _finish_send(self, sending: Any, waiting_on: Any) -> None:
        """Drive a `send` coroutine that waited in `send_text` to its end, as a task would."""
        try:
            while True:
                try:
                    await wait_for_yield(waiting_on)
                except asyncio.CancelledError:
                    sending.close()
                    raise
                except BaseException:
                    pass  # the send coroutine reads its future's outcome itself
                try:
                    waiting_on = sending.send(None)
                except StopIteration:
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._send_failed(exc)
        finally:
            self._sending = False
            self._finishing = None

    async def _await_send(self, sending: Any) -> None:
        try:
            await sending
        except Exception as exc:
            self._send_failed(exc)
        finally:
            self._sending = False
            self._finishing = None

    def _send_failed(self, exc: BaseException) -> None:
        # The client is gone; its views stop now rather than at the disconnect.
        self._open = False
        self._drop(CLOSE_TRY_AGAIN_LATER, f"sending failed ({type(exc).__name__}: {exc})")

    def _stop_writing(self, but: asyncio.Task | None = None) -> None:
        for task in (self._writer, self._finishing):
            if task is not None and task is not but:
                task.cancel()

    async def _write(self) -> None:
        while True:
            await self._outbox.wait()
            if self._finishing is not None:
                await asyncio.wait([self._finishing])  # frames queued behind a direct send
            self._sending = True
            try:
                while self._outbox:
                    text = self._outbox.popleft()
                    self._outbox_chars -= len(text)
                    try:
                        if self._autobahn is None:
                            await self._send({"type": "websocket.send", "text": text})
                        else:
                            with daphne.unlimited_send(self._autobahn, text):
                                await self._send({"type": "websocket.send", "text": text})
                    except Exception as exc:
                        self._send_failed(exc)
                        return
            finally:
                self._sending = False

    def _drop(self, code: int, why: str) -> None:
        """Close the websocket and stop its views; the browser reconnects and rejoins."""
        if self._dropping:
            return
        self._dropping = True
        logger.warning("dropping client %s: %s (close code %d)", self._client(), why, code)
        self._outbox.clear()
        self._outbox_chars = 0
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._close(code), name=f"liveview drop {self._client()}")
        _background_shutdowns.add(task)
        task.add_done_callback(_background_shutdowns.discard)

    async def _close(self, code: int) -> None:
        self._stop_writing(but=asyncio.current_task())
        await self.router.stop_all()
        await self._send_close(code)

    async def _send_close(self, code: int) -> None:
        try:
            if self._autobahn is not None:
                daphne.send_close_frame(self._autobahn, code)
            else:
                await self._send({"type": "websocket.close", "code": code})
        except Exception as exc:
            logger.info("closing %s failed (%s: %s)", self._client(), type(exc).__name__, exc)

    async def drain(self, deadline: float) -> None:
        """The process is stopping (runtime.shutdown): refuse joins, let the views handle what
        they were given until `deadline`, stop them, send what is left, close with 1012."""
        loop = asyncio.get_running_loop()
        self.router.refusing = shutdown.REASON_SHUTTING_DOWN
        while self._open and self.router.busy() and loop.time() < deadline:
            await asyncio.sleep(DRAIN_POLL)
        if not self._open or self._dropping:
            return
        await self.router.stop_all()  # answers what still waits, stops timers, unsubscribes
        while self._open and (self._outbox or self._sending) and loop.time() < deadline:
            await asyncio.sleep(DRAIN_POLL)
        if not self._open or self._dropping:
            return
        self._dropping = True  # nothing more goes out; frames still coming in are ignored
        self._stop_writing()
        logger.info("closing %s: the process is shutting down (close code %d)",
                    self._client(), CLOSE_SERVICE_RESTART)
        await self._send_close(CLOSE_SERVICE_RESTART)

    # Incoming frames ------------------------------------------------------------------------
    # A frame is handled by plain calls down to the view's mailbox: the common one (an event
    # for a joined view) needs no waiting, and a coroutine per layer would cost more than the
    # layer's work. A frame that must wait (a view's join) comes back as the awaitable of
    # what remains, awaited before the next frame is read.
    def on_receive(self, message: dict[str, Any]) -> Awaitable[None] | None:
        """One websocket message; nothing a client sends may end the socket for its views."""
        try:
            text = message.get("text")
            if text is None:
                # Upload chunks are paced by their replies (one in flight per entry).
                waiting: Awaitable[None] | None = self.on_bytes(message.get("bytes") or b"")
            elif self._frames.allow():
                # A text frame, handled here: one call less per click.
                limit = liveview_settings.MAX_FRAME_BYTES
                # A character is 1 to 4 bytes of UTF-8: only frames near the limit are encoded.
                if len(text) * 4 > limit and \
                        len(text.encode("utf-8", "surrogatepass")) > limit:
                    self._refuse_oversized(text)
                    return None
                try:
                    frame = p.decode_text(text)
                except p.ProtocolError as exc:
                    logger.warning("malformed frame from %s dropped: %s", self._client(), exc)
                    return None
                waiting = self.router.route(frame)
            else:
                self._drop(CLOSE_POLICY_VIOLATION,
                           f"more than {liveview_settings.MAX_FRAMES_PER_SECOND} frames "
                           f"a second (MAX_FRAMES_PER_SECOND)")
                return None
        except Exception:
            self._log_frame_failure()
            return None
        return None if waiting is None else self._finish_frame(waiting)

    async def _finish_frame(self, waiting: Awaitable[None]) -> None:
        try:
            await waiting
        except Exception:
            self._log_frame_failure()

    def _log_frame_failure(self) -> None:
        logger.exception("frame from %s could not be handled", self._client())

    def on_bytes(self, data: bytes) -> Awaitable[None] | None:
        if len(data) > liveview_settings.MAX_FRAME_BYTES:
            logger.warning("binary frame of %d bytes from %s refused (MAX_FRAME_BYTES=%d)",
                           len(data), self._client(), liveview_settings.MAX_FRAME_BYTES)
            return None
        try:
            frame = p.decode_binary(data)
        except p.ProtocolError as exc:
            logger.warning("malformed binary frame from %s dropped: %s", self._client(), exc)
            return None
        return self.router.route(frame)

    def _refuse_oversized(self, text: str) -> None:
        logger.warning("frame of %d characters from %s refused (over MAX_FRAME_BYTES=%d bytes)",
                       len(text), self._client(), liveview_settings.MAX_FRAME_BYTES)
        head = p.peek_head(text)
        if head is not None and head[1] is not None:
            join_ref, ref, topic = head
            self.send_text(p.reply(join_ref, ref, topic, {"reason": "frame too large"},
                                   ok=False))

    def _client(self) -> str:
        client = self.scope.get("client")
        return f"{client[0]}:{client[1]}" if client else "unknown client"
