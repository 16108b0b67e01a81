"""Where each frame of one websocket goes, by topic, all in one table.

`phoenix` (heartbeats) is answered here; `lv:<view id>` topics go to their `ViewChannel`;
`lvu:<entry ref>` topics to their `UploadChannel`, side by side. The router owns both tables:
a topic is routed while it is in one, and a join replaces whatever held the topic before.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from ..conf import liveview_settings
from ..core import protocol as p
from ..core import schema
from .limits import RateLimit
from .outbound import Send
from .uploads import UploadChannel, open_upload_channel
from .view_channel import ViewChannel

logger = logging.getLogger(__name__)


class TopicRouter:
    """The topics joined on one websocket and what runs each of them."""

    __slots__ = ("_send", "scope", "views", "uploads", "_joins", "refusing", "_stopping")

    def __init__(self, send: Send, scope: dict[str, Any]):
        self._send = send
        self.scope = scope
        self.views: dict[str, ViewChannel] = {}
        self.uploads: dict[str, UploadChannel] = {}
        self._joins = RateLimit(liveview_settings.MAX_JOINS_PER_SECOND)
        #: Set while the process shuts down: every join is refused with this reason.
        self.refusing: str | None = None
        #: Children being stopped because their parent stopped (kept until done).
        self._stopping: set[asyncio.Task[None]] = set()

    def route(self, frame: p.Frame) -> Awaitable[None] | None:
        """Send `frame` to where its topic lives (or refuse it).

        Done here and now (an event goes to its view's mailbox, a refusal is sent: neither
        waits, and a coroutine per click would cost more than routing it) unless it is a
        view's join, which waits for the view it replaces to stop: that is returned, for the
        caller to await before it routes the next frame.
        """
        # (One unpacking: each of a named tuple's attributes is a descriptor call.)
        join_ref, _, topic, event, payload = frame
        # (Only `lv:` topics are in the table: a joined view's frame needs no startswith.)
        view = self.views.get(topic)
        if view is not None or topic.startswith(p.LV_TOPIC_PREFIX):
            # A view's frame, routed here rather than by one more call: every click comes here.
            if event == p.JOIN:
                return self._join_view(frame, view)
            if view is None or view.closed or \
                    (join_ref is not None and join_ref != view.join_ref):
                # (A view stopping still sits in the table until it is done: its mailbox takes
                # nothing any more, so the frame is answered here.)
                self._stale(frame)
            elif event == p.EVENT and type(payload) is dict and schema.fits_event(payload):
                view.post(frame)  # the usual event: surely well formed
            else:
                self._route_view(frame, view)
        elif topic == p.PHOENIX_TOPIC:
            if event == p.HEARTBEAT:
                self._send(p.reply(None, frame.ref, topic))
            else:
                self._unmatched(frame)
        elif topic.startswith(p.UPLOAD_TOPIC_PREFIX):
            self._route_upload(frame)
        else:
            self._unmatched(frame)
        return None

    def busy(self) -> bool:
        """Whether a view is handling something or has messages waiting."""
        return any(view.busy for view in self.views.values())

    async def stop_all(self) -> None:
        """The websocket is gone: stop every view (and with them their uploads), together:
        one slow `disconnect()` does not hold up the others."""
        views = list(self.views.values())
        self.uploads.clear()
        results = await asyncio.gather(*(view.stop() for view in views), return_exceptions=True)
        for view, result in zip(views, results):
            if isinstance(result, BaseException):
                logger.error("%s: stopping the view failed", view.topic, exc_info=result)
        # Children whose parent stopped are stopped by tasks of their own (`_view_stopped`):
        # done when this is, so nothing of the socket runs on after it closes.
        if self._stopping:
            await asyncio.gather(*self._stopping, return_exceptions=True)

    # lv: ------------------------------------------------------------------------------------
    def _route_view(self, frame: p.Frame, view: ViewChannel) -> None:
        """A frame (not a join) for the joined `view`, other than the usual event (`route`)."""
        if isinstance(frame.payload, bytes):
            logger.warning("%s: binary %r frame refused (only upload topics take binary)",
                           frame.topic, frame.event)
            view.out.refuse(frame.ref, "binary frames are only for upload topics")
        else:
            reason = schema.error(frame)
            if reason is None:
                view.post(frame)
            else:
                self._invalid(frame, reason)

    async def _join_view(self, frame: p.Frame, view: ViewChannel | None) -> None:
        """Join `frame.topic`, replacing `view` (the one joined there before), if allowed."""
        if not self._valid(frame):
            return
        refusal = self._join_refusal(replacing=view is not None)
        if refusal is not None:
            logger.warning("join of %s refused: %s", frame.topic, refusal)
            self._send(p.reply(frame.join_ref, frame.ref, frame.topic,
                               {"reason": refusal}, ok=False))
            return
        if view is not None:
            # A rejoin or live navigation reuses the topic: the old view ends first.
            await view.stop()
            view.out.close()
        self.views[frame.topic] = ViewChannel(
            frame, send=self._send, scope=self.scope, close_upload=self.close_upload,
            on_stop=self._view_stopped, find_view=self.views.get,
            stop_child=self._stop_child)

    def _join_refusal(self, *, replacing: bool) -> str | None:
        """Why this socket may not join one more view now (per-socket limits), or None."""
        if self.refusing is not None:
            return self.refusing
        if not self._joins.allow():
            return "too many joins"
        limit = liveview_settings.MAX_VIEWS_PER_SOCKET
        if limit and not replacing and len(self.views) >= limit:
            return "too many views"
        return None

    def _view_stopped(self, view: ViewChannel) -> None:
        if self.views.get(view.topic) is view:
            del self.views[view.topic]
        # Its children stop with it (sticky views have no parent and go on).
        for child in [v for v in self.views.values() if v.parent is view]:
            task = asyncio.get_running_loop().create_task(child.stop(), name=f"stop {child.topic}")
            self._stopping.add(task)
            task.add_done_callback(self._stopping.discard)

    async def _stop_child(self, parent: ViewChannel, topic: str) -> None:
        """`parent` no longer renders the child of `topic`: stop it (no frame: the client
        leaves it as its container goes, and that leave is answered ok)."""
        child = self.views.get(topic)
        if child is not None and child.parent is parent:
            await child.stop()

    # lvu: -----------------------------------------------------------------------------------
    def _route_upload(self, frame: p.Frame) -> None:
        upload = self.uploads.get(frame.topic)
        if frame.event == p.JOIN:
            if not self._valid(frame):
                return
            if upload is not None:
                self._send(p.reply(frame.join_ref, frame.ref, frame.topic,
                                   {"reason": "already_registered"}, ok=False))
                return
            upload = open_upload_channel(frame, self._send, self.views.get)
            if upload is not None:
                self.uploads[frame.topic] = upload
        elif upload is None or frame.join_ref != upload.out.join_ref:
            self._stale(frame)
        elif self._valid(frame):
            upload.handle(frame)
            if upload.closed:
                self.uploads.pop(frame.topic, None)

    def close_upload(self, entry_ref: str) -> None:
        """Close the upload channel of an entry the view removed, if it is open."""
        upload = self.uploads.pop(p.UPLOAD_TOPIC_PREFIX + entry_ref, None)
        if upload is not None:
            upload.close()

    # Frames for no joined topic -----------------------------------------------------------------
    def _stale(self, frame: p.Frame) -> None:
        if frame.event == p.LEAVE:
            # The client leaves after server-side closes too; always fine.
            self._send(p.reply(frame.join_ref, frame.ref, frame.topic))
        else:
            self._unmatched(frame)

    def _valid(self, frame: p.Frame) -> bool:
        """True when `frame` fits its message schema; else it is refused before any handler
        sees it (an error reply with the reason)."""
        reason = schema.error(frame)
        if reason is not None:
            self._invalid(frame, reason)
            return False
        return True

    def _invalid(self, frame: p.Frame, reason: str) -> None:
        client = self.scope.get("client")
        logger.warning("%s %s from %s refused: %s", frame.topic, frame.event,
                       f"{client[0]}:{client[1]}" if client else "unknown client", reason)
        if frame.ref is not None:
            self._send(p.reply(frame.join_ref, frame.ref, frame.topic,
                               {"reason": reason}, ok=False))

    def _unmatched(self, frame: p.Frame) -> None:
        client = self.scope.get("client")
        logger.info("%s on unmatched topic %r from %s", frame.event, frame.topic,
                    f"{client[0]}:{client[1]}" if client else "unknown client")
        if frame.ref is not None:
            self._send(p.reply(frame.join_ref, frame.ref, frame.topic,
                               {"reason": p.REASON_UNMATCHED_TOPIC}, ok=False))
