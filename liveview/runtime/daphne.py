"""What daphne's websocket (autobahn) needs that the ASGI messages cannot say.

daphne hands an application `send = partial(server.handle_reply, protocol)`, and through it
we reach the autobahn protocol of the connection. Two of autobahn's rules get in the way:

- its message size limit (daphne's default: 1 MiB) applies to what the *server* sends as well:
  a larger reply raised `PayloadExceededError` and the client was dropped. Replies are bounded
  by `OUTBOUND_BUFFER_LIMIT` instead (the same rule on every server), and what clients send by
  `MAX_FRAME_BYTES`, which needs autobahn to let such a frame through so that we refuse it
  cleanly instead of autobahn failing the connection;
- `sendClose` only takes 1000 and 3000-4999 from an application, so the codes the Phoenix
  client understands as "reconnect" (1001, 1008, 1012, 1013) raised. 1000 would make it reload
  the page. The close frame is sent with autobahn's own `sendCloseFrame` instead.

Everything here is a no-op under other servers (uvicorn, the test communicator).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def autobahn_protocol(send: Any) -> Any | None:
    """The autobahn protocol behind daphne's `send`, or None under any other server."""
    protocol = next(iter(getattr(send, "args", ()) or ()), None)
    if protocol is None or not hasattr(protocol, "sendCloseFrame") \
            or not hasattr(protocol, "maxMessagePayloadSize"):
        return None
    return protocol


def let_frames_through(protocol: Any, max_frame_bytes: int) -> None:
    """Let client frames up to twice `max_frame_bytes` reach us (we refuse those over it
    with an error reply); autobahn still cuts off anything larger (0: its limit is off)."""
    wanted = 2 * max_frame_bytes
    for name in ("maxMessagePayloadSize", "maxFramePayloadSize"):
        current = getattr(protocol, name, 0)
        if current and current < wanted:
            setattr(protocol, name, wanted)


@contextmanager
def unlimited_send(protocol: Any, text: str) -> Iterator[None]:
    """Lift autobahn's message limit while `text` is sent, if it is over it.

    daphne's `handle_reply` passes the message to autobahn without yielding to the event loop,
    so no client frame is read (and checked against the lifted limit) meanwhile.
    """
    limit = getattr(protocol, "maxMessagePayloadSize", 0)
    if not limit or len(text) * 4 <= limit or len(text.encode("utf-8", "surrogatepass")) <= limit:
        yield
        return
    protocol.maxMessagePayloadSize = 0
    try:
        yield
    finally:
        protocol.maxMessagePayloadSize = limit


def send_close_frame(protocol: Any, code: int) -> None:
    """Close with `code`, which autobahn's `sendClose` may refuse (see above)."""
    if protocol.state == protocol.STATE_OPEN:
        protocol.sendCloseFrame(code=code, isReply=False)
