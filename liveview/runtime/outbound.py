"""Every frame one joined view sends, and the one rule for sending a rendered change.

After any handler (client event, live patch, pub/sub message, timer tick, upload progress)
the runtime renders and calls `Outbound.render_result`: a client request is always answered
with a reply (carrying the diff when there is one); without a request a non-empty diff is
pushed and an empty one sends nothing. A crashed view sends `phx_error` only, never a reply:
the client then rejoins, and a reply would make it act on a request of the dead view.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core import protocol as p

#: Sends one frame's text; never waits for the client (`LiveViewConsumer.send_text`).
Send = Callable[[str], None]


class Outbound:
    """The frames of one `lv:` topic, stamped with its join ref."""

    __slots__ = ("_send", "topic", "join_ref")

    def __init__(self, send: Send, topic: str, join_ref: str | None):
        self._send = send
        self.topic = topic
        self.join_ref = join_ref

    def render_result(self, ref: str | None, diff: dict[str, Any],
                      response: dict[str, Any] | None = None) -> None:
        """Reply to request `ref` (with the diff if any), else push a non-empty diff."""
        if ref is not None:
            body = dict(response) if response else {}
            if diff:
                body["diff"] = diff
            # (`reply`, one call less; `send`: a method call on a slot is never specialized
            # by CPython 3.11.)
            send = self._send
            send(p.reply(self.join_ref, ref, self.topic, body))
        elif diff:
            self.push(p.DIFF, diff)

    def navigate_away(self, event: str, payload: dict[str, Any], ref: str | None) -> None:
        """`redirect` / `live_redirect`, then `phx_close`: this view is done.

        As Phoenix does, a request gets its answer in the reply (a hook's pushEvent resolves
        and the client navigates from it); otherwise the navigation is pushed.
        """
        if ref is None:
            self.push(event, payload)
        else:
            self.reply(ref, {event: payload})
        self.close()

    def reply(self, ref: str | None, response: dict[str, Any] | None = None, *,
              ok: bool = True) -> None:
        """A `phx_reply` to request `ref`."""
        self._send(p.reply(self.join_ref, ref, self.topic, response, ok=ok))

    def refuse(self, ref: str | None, reason: str) -> None:
        """An error reply: the request was refused, the view goes on."""
        self.reply(ref, {"reason": reason}, ok=False)

    def push(self, event: str, payload: dict[str, Any]) -> None:
        """A server push on this topic."""
        self._send(p.push(self.join_ref, self.topic, event, payload))

    def error(self) -> None:
        """`phx_error`: the view crashed; the client shows the error state and rejoins."""
        self._send(p.channel_error(self.join_ref, self.topic))

    def close(self) -> None:
        """`phx_close`: the view ended cleanly; the client does not rejoin this topic."""
        self._send(p.channel_close(self.join_ref, self.topic))
