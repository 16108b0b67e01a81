"""The LongPoll endpoint (`/live/longpoll`): the websocket's runtime, over plain HTTP requests.

For browsers behind proxies that block websockets, the Phoenix client falls back to its
`LongPoll` transport. A long-poll *session* stands for one websocket: a `LiveViewConsumer`
(same frame checks, same `TopicRouter`, same views) whose frames go to an outbound buffer
instead of a socket. The protocol, as the client expects it (docs/internals.md, "LongPoll"):

- every answer is HTTP 200 with a JSON body `{"status": ..., "token": ..., "messages": [...]}`;
  the client reads the status from the body only;
- GET without `token`: a new session; answered 410 with its token (the client then counts
  as connected and polls with the token);
- GET with the token: the buffered frames (200), or after `POLL_WINDOW` seconds without any,
  204; a token for a session that is gone: 410 (the client reconnects and rejoins its views);
- POST with the token: an `application/x-ndjson` body, one frame a line, JSON text frames as
  they are, binary frames (upload chunks) base64-encoded; answered 200 once every frame was
  routed, 410 for a session that is gone;
- 403 when the Origin header names a host not in ALLOWED_HOSTS.

A session nobody polls for `SESSION_IDLE` seconds is stopped (its views with it), and so is
one whose unread frames pass `MAX_BUFFERED_BYTES`. The token (signed, own salt) names the
session and the process holding it. With a channel layer that reaches other processes
(Redis), a request that a load balancer sent to another process is forwarded to the holder
over the layer, and the holder's answer comes back the same way (see docs/deployment.md).
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import secrets
import uuid
import weakref
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from channels.layers import InMemoryChannelLayer, get_channel_layer

from ..conf import liveview_settings
from ..exceptions import TokenError
from ..security import origin_allowed
from ..tokens import LongPollToken, sign_longpoll, verify_longpoll
from . import shutdown
from .consumer import DRAIN_POLL, LiveViewConsumer

logger = logging.getLogger(__name__)

#: A poll waits this long for frames before it is answered 204 (Phoenix's window is 10 s too;
#: the client gives a request 20 s). Short enough for proxies that cut idle requests at 30 s.
POLL_WINDOW = 10.0
#: A session without a poll in flight for this long is stopped: the tab is gone.
SESSION_IDLE = 30.0
#: A client that dropped its poll mid-wait has stopped this session (the phoenix client does so
#: when the page goes away or the transport fails, and then starts a new session): its views
#: stop this soon after, unless it polls again, instead of SESSION_IDLE.
ABANDONED_GRACE = 2.0
#: Unread frames above this many characters stop the session (a client that stopped reading).
MAX_BUFFERED_BYTES = 16 * 1024 * 1024
#: How long a forwarded request waits for the holder's answer beyond the poll window.
FORWARD_GRACE = 5.0

OK, NO_CONTENT, FORBIDDEN, GONE, TOO_LARGE, SERVER_ERROR = 200, 204, 403, 410, 413, 500
_REQUEST = "liveview.longpoll.request"
_REPLY = "liveview.longpoll.reply"


class _SessionConsumer(LiveViewConsumer):
    """A `LiveViewConsumer` without a websocket: what it sends goes to `deliver`."""

    def __init__(self, scope: dict[str, Any], deliver: Callable[[str], None]):
        super().__init__(scope, None, None)
        self._deliver = deliver

    def send_text(self, text: str) -> None:
        self._deliver(text)


class LongPollSession:
    """One long-poll client: its views (through the consumer) and the frames not yet polled."""

    def __init__(self, session_id: str, scope: dict[str, Any],
                 on_close: Callable[[LongPollSession], None]):
        self.id = session_id
        self.consumer = _SessionConsumer(scope, self._deliver)
        self.closed = False
        self._buffer: list[str] = []
        self._buffered = 0
        self._ready = asyncio.Event()
        self._polls = 0
        self._on_close = on_close
        self._idle: asyncio.TimerHandle | None = None
        self._closing: asyncio.Task | None = None
        self._arm_idle()

    def _deliver(self, text: str) -> None:
        if self.closed:
            return
        self._buffer.append(text)
        self._buffered += len(text)
        self._ready.set()
        if self._buffered > MAX_BUFFERED_BYTES:
            logger.warning("long-poll session %s: %d characters unread, session stopped",
                           self.id, self._buffered)
            self.close_soon()

    async def poll(self, window: float, disconnected: asyncio.Future | None = None
                   ) -> list[str] | None:
        """The buffered frames, waiting up to `window` seconds for one; None once closed.

        Frames are only taken when the answer is about to be sent: a request whose client
        went away (`disconnected` done) leaves them for the next poll.
        """
        self._polls += 1
        if self._idle is not None:
            self._idle.cancel()
        abandoned = False
        try:
            if not self._buffer and not self.closed:
                self._ready.clear()
                ready = asyncio.ensure_future(self._ready.wait())
                waits: set[asyncio.Future] = {ready}
                if disconnected is not None:
                    waits.add(disconnected)
                try:
                    await asyncio.wait(waits, timeout=window, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    ready.cancel()
                if disconnected is not None and disconnected.done():
                    abandoned = True
                    return []
            if self.closed:
                return None
            messages, self._buffer, self._buffered = self._buffer, [], 0
            return messages
        finally:
            self._polls -= 1
            self._arm_idle(ABANDONED_GRACE if abandoned else SESSION_IDLE)

    async def post(self, lines: list[str]) -> bool:
        """Route each line as the websocket routes a frame; False once the session is closed."""
        for line in lines:
            if self.closed:
                return False
            message: dict[str, Any] = {"type": "websocket.receive"}
            if line.startswith("["):
                message["text"] = line
            else:
                try:
                    message["bytes"] = base64.b64decode(line, validate=True)
                except (binascii.Error, ValueError):
                    logger.warning("long-poll session %s: a line that is neither a JSON frame "
                                   "nor base64 was dropped", self.id)
                    continue
            waiting = self.consumer.on_receive(message)
            if waiting is not None:
                await waiting
        return not self.closed

    def _arm_idle(self, delay: float | None = None) -> None:
        if self._polls == 0 and not self.closed:
            self._idle = asyncio.get_running_loop().call_later(
                SESSION_IDLE if delay is None else delay, self._expire)

    def _expire(self) -> None:
        logger.info("long-poll session %s: no poll came, stopped", self.id)
        self.close_soon()

    def close_soon(self) -> None:
        """Close from code that may not await (a timer, a frame being delivered)."""
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(
                self.close(), name=f"liveview long-poll close {self.id}")

    async def drain(self, deadline: float) -> None:
        """The process is stopping (runtime.shutdown): refuse joins, let the views handle
        what they were given until `deadline`, stop them, let the client poll what is left,
        then end the session (its next poll gets 410: the client opens one elsewhere)."""
        loop = asyncio.get_running_loop()
        router = self.consumer.router
        router.refusing = shutdown.REASON_SHUTTING_DOWN
        while not self.closed and router.busy() and loop.time() < deadline:
            await asyncio.sleep(DRAIN_POLL)
        await router.stop_all()
        while not self.closed and self._buffer and loop.time() < deadline:
            await asyncio.sleep(DRAIN_POLL)
        await self.close()

    async def close(self) -> None:
        """Stop every view of the session; polls in flight are answered 410."""
        if self.closed:
            return
        self.closed = True
        if self._idle is not None:
            self._idle.cancel()
        self._buffer, self._buffered = [], 0
        self._ready.set()
        self._on_close(self)
        await self.consumer.shutdown()


class LongPollRegistry:
    """This process's long-poll sessions (one registry per event loop), and its end of the
    forwarding of requests between processes over the channel layer."""

    def __init__(self) -> None:
        #: Names this registry in tokens: a token naming another node was issued elsewhere.
        self.node = secrets.token_urlsafe(9)
        self.sessions: dict[str, LongPollSession] = {}
        self.layer: Any = None
        self.channel: str | None = None
        self._reader: asyncio.Task | None = None
        self._pending: dict[str, asyncio.Future] = {}
        self._lock = asyncio.Lock()

    # Sessions --------------------------------------------------------------------------------
    async def open(self, scope: dict[str, Any]) -> tuple[LongPollSession, str]:
        """A new session for the request `scope` (its session, user and cookies), and its token."""
        await self._start_forwarding()
        session = LongPollSession(secrets.token_urlsafe(18), scope, self._session_closed)
        self.sessions[session.id] = session
        shutdown.current().register(session)
        token = sign_longpoll(LongPollToken(session.id, self.node, self.channel))
        return session, token

    def _session_closed(self, session: LongPollSession) -> None:
        if self.sessions.get(session.id) is session:
            del self.sessions[session.id]
        shutdown.current().unregister(session)
        self._stop_forwarding_if_idle()

    async def close_all(self) -> None:
        for session in list(self.sessions.values()):
            await session.close()

    async def poll(self, token: LongPollToken, disconnected: asyncio.Future | None = None
                   ) -> tuple[int, list[str]]:
        """(status, frames) for a GET with `token`, here or at the process holding it."""
        if token.node != self.node:
            reply = await self._forward(token, {"op": "poll"}, POLL_WINDOW + FORWARD_GRACE)
            return reply.get("status", GONE), reply.get("messages") or []
        session = self.sessions.get(token.session)
        messages = None if session is None else await session.poll(POLL_WINDOW, disconnected)
        if messages is None:
            return GONE, []
        return (OK if messages else NO_CONTENT), messages

    async def post(self, token: LongPollToken, lines: list[str]) -> int:
        """The status of a POST of `lines` with `token`, routed here or at the holder."""
        if token.node != self.node:
            # Routing a batch takes no time (frames go to the views' mailboxes).
            reply = await self._forward(token, {"op": "post", "lines": lines}, FORWARD_GRACE)
            return reply.get("status", GONE)
        session = self.sessions.get(token.session)
        if session is None or not await session.post(lines):
            return GONE
        return OK

    # Forwarding between processes ------------------------------------------------------------
    # Only with a layer that reaches other processes: an in-memory layer cannot, and tokens
    # then name no channel (a request that reached the wrong process is answered 410 at once).
    async def _start_forwarding(self) -> None:
        async with self._lock:
            if self._reader is not None:
                return
            layer = get_channel_layer()
            if layer is None or isinstance(layer, InMemoryChannelLayer):
                return
            self.layer = layer
            self.channel = await layer.new_channel("liveview.longpoll.")
            self._reader = asyncio.get_running_loop().create_task(
                self._read(layer, self.channel), name="liveview long-poll forwarding")

    def _stop_forwarding_if_idle(self) -> None:
        if self._reader is not None and not self.sessions and not self._pending:
            self._reader.cancel()
            self._reader = None
            self.channel = None

    async def _forward(self, token: LongPollToken, request: dict[str, Any],
                       timeout: float) -> dict[str, Any]:
        """Send `request` to the process holding the session; its reply ({} if none came)."""
        if token.channel is None:
            return {}
        await self._start_forwarding()
        if self.channel is None:  # no layer reaching other processes here
            return {}
        request_id = uuid.uuid4().hex
        reply: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = reply
        try:
            await self.layer.send(token.channel, {
                **request, "type": _REQUEST, "session": token.session, "id": request_id,
                "reply_to": self.channel})
            return await asyncio.wait_for(reply, timeout)
        except asyncio.TimeoutError:
            logger.info("long-poll session %s: its process did not answer in %.0f s (gone?)",
                        token.session, timeout)
            return {}
        except Exception:
            logger.exception("long-poll session %s: forwarding failed", token.session)
            return {"status": SERVER_ERROR}
        finally:
            self._pending.pop(request_id, None)
            self._stop_forwarding_if_idle()

    async def _read(self, layer: Any, channel: str) -> None:
        """Forwarded requests for this process's sessions, and replies to its own forwards."""
        while True:
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("long-poll forwarding: receiving from the channel layer failed")
                await asyncio.sleep(1)
                continue
            if message.get("type") == _REPLY:
                reply = self._pending.get(message.get("id"))
                if reply is not None and not reply.done():
                    reply.set_result(message)
            elif message.get("type") == _REQUEST:
                asyncio.get_running_loop().create_task(self._serve(layer, message))

    async def _serve(self, layer: Any, message: dict[str, Any]) -> None:
        """Answer a request another process forwarded for one of this process's sessions."""
        token = LongPollToken(str(message.get("session")), self.node, self.channel)
        reply: dict[str, Any] = {"type": _REPLY, "id": message.get("id")}
        try:
            if message.get("op") == "poll":
                reply["status"], reply["messages"] = await self.poll(token)
            else:
                reply["status"] = await self.post(token, list(message.get("lines") or []))
        except Exception:
            logger.exception("long-poll session %s: forwarded request failed", token.session)
            reply["status"] = SERVER_ERROR
        try:
            await layer.send(message["reply_to"], reply)
        except Exception:
            logger.exception("long-poll session %s: the reply could not be sent back",
                             token.session)


# One registry per event loop (a server has one; tests make one per test).
_registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LongPollRegistry] = \
    weakref.WeakKeyDictionary()


def registry() -> LongPollRegistry:
    """This event loop's registry."""
    loop = asyncio.get_running_loop()
    found = _registries.get(loop)
    if found is None:
        found = _registries[loop] = LongPollRegistry()
    return found


# The HTTP endpoint ---------------------------------------------------------------------------
Asgi = Callable[[dict[str, Any], Any, Any], Any]


class LongPollEndpoint:
    """The ASGI application of `/live/longpoll` (HTTP scopes).

    `connect` wraps the application that opens a session, to give its scope the session,
    user and cookies (the websocket's middleware); later requests carry only the token.
    """

    def __init__(self, connect: Callable[[Asgi], Asgi] = lambda app: app):
        self._open = connect(self._open_session)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await self._dispatch(scope, receive, send)
        except Exception:
            logger.exception("long-poll %s request failed", scope.get("method"))
            try:
                await _answer(send, {"status": SERVER_ERROR})
            except Exception:  # the answer had started, or the client is gone
                pass

    async def _dispatch(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        method = scope.get("method")
        if method not in ("GET", "POST"):
            await _answer(send, {"status": 405}, http_status=405,
                          headers=[(b"allow", b"GET, POST")])
            return
        if not _origin_allowed(scope):
            logger.warning("long-poll %s from origin %r refused (not in ALLOWED_HOSTS)",
                           method, _header(scope, b"origin"))
            await _answer(send, {"status": FORBIDDEN})
            return
        raw_token = (parse_qs(scope.get("query_string", b"").decode("latin-1"))
                     .get("token") or [None])[0]
        if method == "GET" and raw_token is None:
            await self._open(scope, receive, send)
            return
        try:
            token = verify_longpoll(raw_token)
        except TokenError as exc:
            logger.info("long-poll %s with a bad token: %s", method, exc)
            token = None
        if method == "POST":
            body = await _read_body(receive, _max_body_bytes())
            if body is None:
                await _answer(send, {"status": TOO_LARGE})
            elif token is None:
                await _answer(send, {"status": GONE})
            else:
                lines = [line for line in body.decode("utf-8", "replace").splitlines() if line]
                await _answer(send, {"status": await registry().post(token, lines)})
            return
        await _read_body(receive, 0)
        if token is None:
            await _answer(send, {"status": GONE, "token": None, "messages": []})
            return
        # The client may leave while the poll waits (the page closes): frames stay buffered.
        disconnected = asyncio.ensure_future(_until_disconnect(receive))
        try:
            status, messages = await registry().poll(token, disconnected)
        finally:
            disconnected.cancel()
        await _answer(send, {"status": status, "token": raw_token, "messages": messages})

    async def _open_session(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await _read_body(receive, 0)
        if shutdown.current().draining:
            # The process is stopping: the client retries (with its backoff) elsewhere.
            await _answer(send, {"status": SERVER_ERROR})
            return
        session, token = await registry().open(scope)
        logger.debug("long-poll session %s opened", session.id)
        await _answer(send, {"status": GONE, "token": token, "messages": []})


def _max_body_bytes() -> int:
    # One frame at the limit, base64-encoded (4/3), plus room for a batch of small ones.
    return 2 * liveview_settings.MAX_FRAME_BYTES + 64 * 1024


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


def _origin_allowed(scope: dict[str, Any]) -> bool:
    """The websocket's rule (`security.origin_allowed`) for an Origin header, when there is one.

    Browsers send Origin with every cross-origin request and every POST; a same-origin GET
    may come without, and its answer cannot be read by another site anyway.
    """
    return origin_allowed(scope, required=False)


async def _read_body(receive: Any, limit: int) -> bytes | None:
    """The request body; None if it is longer than `limit` bytes (the rest is read, unkept)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks) if size <= limit else None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks) if size <= limit else None


async def _until_disconnect(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _answer(send: Any, data: dict[str, Any], http_status: int = 200,
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """The JSON answer; the client reads `status` in the body, the HTTP status is 200."""
    body = json.dumps(data, separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": http_status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        # Proxies must never answer a poll from a cache.
        (b"cache-control", b"no-store"),
        *(headers or []),
    ]})
    await send({"type": "http.response.body", "body": body})
