"""One joined `lv:` topic: a LiveView run as an actor with an ordered mailbox.

Client frames, pub/sub messages and timer ticks for one view go through one queue and
are handled one at a time, in arrival order. The consumer keeps reading (and answering
heartbeats) while a handler runs. Handlers record effects on the socket; this module
turns them into frames, built by `core.protocol`.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from . import db
from .auth import current_session_user, view_allows
from .callbacks import call_user
from .conf import liveview_settings
from .core import protocol as p
from .core.diff import diff_tree
from .core.payloads import decode_event_value
from .core.wire import EVENTS, REPLY, TITLE
from .events import InfoEvent
from .flash import CLEAR_FLASH_EVENT, clear_flash_event, join_flash, take_flash_token
from .join import JoinRefused, verify_join
from .rendering import render_view
from .routing import dotted_path, resolve_live, route_params
from .socket import ConnectedLiveViewSocket, Navigation
from .timers import Timers
from .upload_handlers import handle_allow_upload, handle_progress, register_change_uploads

if TYPE_CHECKING:
    from .consumer import LiveViewConsumer
    from .views import LiveView

logger = logging.getLogger(__name__)

# A view's disconnect() may broadcast; it must not hold up the socket's shutdown for long.
DISCONNECT_TIMEOUT = 5.0


class _Closed(Exception):
    """The view navigated away; the channel is closed."""


class LiveViewChannel:
    """Runs one LiveView for one `lv:<id>` topic of one websocket."""

    def __init__(self, consumer: LiveViewConsumer, topic: str, join: p.Frame):
        self.consumer = consumer
        self.topic = topic
        self.view_id = topic[len(p.LV_TOPIC_PREFIX):]
        self.join_ref = join.join_ref or join.ref
        self.view: LiveView | None = None
        self.socket: ConnectedLiveViewSocket[Any] | None = None
        self.title_sent: str | None = None
        self.timers = Timers(self.post_info)
        self.topics: set[str] = set()
        self.closed = False
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._queue.put_nowait(join)
        self._task = asyncio.get_running_loop().create_task(self._run(), name=topic)

    # Mailbox ----------------------------------------------------------------------------
    def post(self, frame: p.Frame) -> None:
        """Queue a client frame for this view."""
        if not self.closed:
            self._queue.put_nowait(frame)

    def post_info(self, event: Any) -> None:
        """Queue a pub/sub message or timer tick for `handle_info`."""
        if not self.closed:
            self._queue.put_nowait(event if isinstance(event, InfoEvent) else InfoEvent(str(event)))

    def post_internal(self, item: Any) -> None:
        """Queue server-side work for this view (an object with `name` and `async run(channel)`),
        e.g. an upload channel reporting a failed entry."""
        if not self.closed:
            self._queue.put_nowait(item)

    async def stop(self) -> None:
        """End the view: cancel timers, leave pub/sub topics, stop the actor."""
        if self.closed:
            return
        self.closed = True
        self.timers.cancel_all()
        if asyncio.current_task() is not self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        await self._disconnect_view()
        if self.socket is not None:
            await self.socket.upload_manager.shutdown()  # temp files go with the view
        await self.consumer.channel_stopped(self)

    async def _run(self) -> None:
        timeout = liveview_settings.HANDLER_TIMEOUT
        while not self.closed:
            item = await self._queue.get()
            try:
                async with asyncio.timeout(timeout):
                    await self._handle(item)
            except _Closed:
                break
            except JoinRefused as refused:
                logger.info("join of %s refused: %s", self.topic, refused)
                await self.send(p.reply(self.join_ref, item.ref, self.topic,
                                        refused.response, ok=False))
                break
            except Exception as exc:
                await self._crash(item, exc)
                break
            finally:
                db.schedule_connection_cleanup()
        if not self.closed:
            await self.stop()

    async def _crash(self, item: Any, exc: BaseException) -> None:
        if isinstance(item, p.Frame):
            name = item.payload.get("event") if isinstance(item.payload, dict) else None
            what = f"{item.event} {name!r}" if isinstance(name, str) else item.event
        else:
            what = f"info {item.name!r}"
        if isinstance(exc, TimeoutError):
            logger.error("%s: %s handler still running after %ss; restarting the view",
                         self.topic, what, liveview_settings.HANDLER_TIMEOUT)
        else:
            logger.exception("%s: %s handler raised; restarting the view", self.topic, what,
                             exc_info=exc)
        if isinstance(item, p.Frame) and item.ref is not None:
            reason = "join crashed" if item.event == p.JOIN else "server error"
            await self.send(p.reply(self.join_ref, item.ref, self.topic, {"reason": reason},
                                    ok=False))
        if not (isinstance(item, p.Frame) and item.event == p.JOIN):
            # The client shows the error state, rejoins and the view is mounted afresh.
            await self.send(p.channel_error(self.join_ref, self.topic))

    async def send(self, text: str) -> None:
        await self.consumer.send_text(text)

    # Dispatch ---------------------------------------------------------------------------
    async def _handle(self, item: Any) -> None:
        if isinstance(item, InfoEvent):
            await self._info(item)
            return
        if not isinstance(item, p.Frame):
            await item.run(self)
            return
        handler = self._handlers.get(item.event)
        if handler is None:
            logger.warning("%s: unknown event %r refused", self.topic, item.event)
            await self.send(p.reply(self.join_ref, item.ref, self.topic,
                                    {"reason": f"unknown event {item.event!r}"}, ok=False))
            return
        await handler(self, item)

    async def _join(self, frame: p.Frame) -> None:
        payload = frame.payload
        scope = self.consumer.scope
        route, static = verify_join(payload, self.view_id, scope)

        # Read again at every join: the websocket's may predate a logout in another tab.
        session, user = await current_session_user(scope)
        view = route.view_class(**route.initkwargs)
        if not await view_allows(view, user):
            # The client reloads the page; the HTTP render sends it to login (or 403).
            raise JoinRefused({"reason": p.REASON_UNAUTHORIZED},
                              f"{dotted_path(route.view_class)} refused user "
                              f"{getattr(user, 'pk', None)!r} (has_access is false)")
        socket: ConnectedLiveViewSocket[Any] = ConnectedLiveViewSocket(
            self, view_id=self.view_id, session=session, user=user, scope=scope)
        self.view, self.socket = view, socket
        socket.flash = join_flash(payload, static)
        await call_user(view.mount, socket, session)
        self._refuse_if_navigating()
        url = route.url
        await call_user(view.handle_params, url, route_params(url.query, route.kwargs), socket)
        response: dict[str, Any] = {}
        patch = await self._follow_patches()
        if patch is not None:
            response["live_patch"] = {"kind": "replace" if patch.replace else "push",
                                      "to": patch.to}
        self._refuse_if_navigating()
        rendered = await self._render_full()
        socket.flash_new = {}
        response.update(rendered=rendered, liveview_version=p.CLIENT_VERSION)
        await self.send(p.reply(self.join_ref, frame.ref, self.topic, response))

    def _refuse_if_navigating(self) -> None:
        """Navigation away during mount: the join answers with where to go instead."""
        nav = self._socket.navigation
        if nav is None or nav.kind == "patch":
            return
        self._socket.navigation = None
        nav = self._live_or_full(nav)
        if nav.kind == "redirect":
            raise JoinRefused({"redirect": self._nav_payload(nav)},
                              f"mount redirected to {nav.to}")
        raise JoinRefused({"live_redirect": self._nav_payload(nav)},
                          f"mount navigated to {nav.to}")

    async def _event(self, frame: p.Frame) -> None:
        payload = frame.payload
        event = payload.get("event")
        if not isinstance(event, str):
            await self.send(p.reply(self.join_ref, frame.ref, self.topic,
                                    {"reason": "event name missing"}, ok=False))
            return
        if event == CLEAR_FLASH_EVENT:
            await self._clear_flash(frame)
            return
        if event.startswith("lv:"):
            logger.warning("%s: reserved event %r refused", self.topic, event)
            await self.send(p.reply(self.join_ref, frame.ref, self.topic,
                                    {"reason": f"unknown event {event!r}"}, ok=False))
            return
        if "uploads" in payload:  # files chosen in a phx-change: known before handle_event
            register_change_uploads(self, payload["uploads"])
        value = decode_event_value(payload.get("type"), payload.get("value"), payload.get("meta"))
        result = await call_user(self._view.handle_event, event, value, self._socket)
        diff = await self._after_handler(frame.ref)
        if payload.get("type") == "hook" and result is not None:
            diff[REPLY] = result
        await self.send(p.reply(self.join_ref, frame.ref, self.topic,
                                {"diff": diff} if diff else {}))

    async def _clear_flash(self, frame: p.Frame) -> None:
        try:
            clear_flash_event(self._socket, frame.payload.get("value"))
        except ValueError as exc:
            logger.warning("%s: %s", self.topic, exc)
            await self.send(p.reply(self.join_ref, frame.ref, self.topic, {"reason": str(exc)},
                                    ok=False))
            return
        diff = await self._after_handler(frame.ref)
        await self.send(p.reply(self.join_ref, frame.ref, self.topic,
                                {"diff": diff} if diff else {}))

    async def _live_patch(self, frame: p.Frame) -> None:
        url = frame.payload.get("url")
        route = resolve_live(url) if isinstance(url, str) else None
        if route is None or route.view_class is not type(self._view):
            # Another view (or none): the client live-redirects, or loads the page in full.
            await self.send(p.reply(self.join_ref, frame.ref, self.topic,
                                    {"link_redirect": True}))
            return
        await call_user(self._view.handle_params, route.url,
                        route_params(route.url.query, route.kwargs), self._socket)
        diff = await self._after_handler(frame.ref)
        await self.send(p.reply(self.join_ref, frame.ref, self.topic,
                                {"diff": diff} if diff else {}))

    async def _leave(self, frame: p.Frame) -> None:
        await self.send(p.reply(self.join_ref, frame.ref, self.topic))
        await self.send(p.channel_close(self.join_ref, self.topic))
        raise _Closed

    async def _cids_will_destroy(self, frame: p.Frame) -> None:
        await self.send(p.reply(self.join_ref, frame.ref, self.topic))

    async def _cids_destroyed(self, frame: p.Frame) -> None:
        # No live components yet: nothing was marked, so nothing is deleted.
        await self.send(p.reply(self.join_ref, frame.ref, self.topic, {"cids": []}))

    async def _info(self, event: InfoEvent) -> None:
        self.timers.taken(event)
        await call_user(self._view.handle_info, event, self._socket)
        diff = await self._after_handler()
        if diff:
            await self.send(p.push(self.join_ref, self.topic, p.DIFF, diff))

    _handlers = {
        p.JOIN: _join,
        p.EVENT: _event,
        p.LIVE_PATCH: _live_patch,
        p.LEAVE: _leave,
        p.CIDS_WILL_DESTROY: _cids_will_destroy,
        p.CIDS_DESTROYED: _cids_destroyed,
        p.ALLOW_UPLOAD: handle_allow_upload,
        p.PROGRESS: handle_progress,
    }

    # After a handler ----------------------------------------------------------------------
    async def _after_handler(self, ref: str | None = None) -> dict[str, Any]:
        """Apply the navigation a handler asked for, then the diff to send (maybe empty).

        `ref` is the request the handler answers; a navigation away answers it.
        """
        await self._socket.upload_manager.flush()
        patch = await self._follow_patches()
        nav = self._socket.navigation
        if nav is not None:
            self._socket.navigation = None
            await self._navigate_away(self._live_or_full(nav), ref)
        if patch is not None:
            await self.send(p.push(self.join_ref, self.topic, p.LIVE_PATCH,
                                   {"kind": _kind(patch), "to": patch.to}))
        self._socket.flash_new = {}
        return await self._render_diff()

    async def _follow_patches(self) -> Navigation | None:
        """Run handle_params for push_patch requests; the last patch is where the URL ends."""
        last = None
        for _ in range(10):  # a handle_params that patches again, and again...
            nav = self._socket.navigation
            if nav is None or nav.kind != "patch":
                return last
            self._socket.navigation = None
            route = resolve_live(nav.to)
            if route is None or route.view_class is not type(self._view):
                self._socket.navigation = Navigation("navigate", nav.to, nav.replace)
                return last
            await call_user(self._view.handle_params, route.url,
                            route_params(route.url.query, route.kwargs), self._socket)
            last = nav
        raise RuntimeError("push_patch loop: handle_params patched 10 times in a row")

    def _live_or_full(self, nav: Navigation) -> Navigation:
        """A live navigation to a URL outside this live session becomes a full redirect."""
        if nav.kind != "navigate":
            return nav
        route = resolve_live(nav.to)
        if route is None or route.view_class.live_session != type(self._view).live_session:
            return Navigation("redirect", nav.to)
        return nav

    async def _navigate_away(self, nav: Navigation, ref: str | None) -> None:
        event = p.REDIRECT if nav.kind == "redirect" else p.LIVE_REDIRECT
        if ref is None:
            await self.send(p.push(self.join_ref, self.topic, event, self._nav_payload(nav)))
        else:
            # As Phoenix does: the request gets its answer (a hook's pushEvent resolves)
            # and the client navigates from the reply.
            await self.send(p.reply(self.join_ref, ref, self.topic,
                                    {event: self._nav_payload(nav)}))
        await self.send(p.channel_close(self.join_ref, self.topic))
        raise _Closed

    def _nav_payload(self, nav: Navigation) -> dict[str, Any]:
        """`redirect` / `live_redirect` payload, with the flash the handler set (if any)."""
        payload: dict[str, Any] = {"to": nav.to}
        if nav.kind != "redirect":
            payload["kind"] = _kind(nav)
        flash = take_flash_token(self._socket)
        if flash is not None:
            payload["flash"] = flash
        return payload

    async def _render_full(self) -> dict[str, Any]:
        tree = await render_view(self._view, self._socket)
        self._socket.prev_rendered = tree
        rendered = dict(tree)
        self._add_title_and_events(rendered)
        return rendered

    async def _render_diff(self) -> dict[str, Any]:
        tree = await render_view(self._view, self._socket)
        diff = diff_tree(self._socket.prev_rendered, tree)
        if diff is tree:  # a whole new tree: title and events must not land in the held copy
            diff = dict(tree)
        self._socket.prev_rendered = tree
        self._add_title_and_events(diff)
        return diff

    def _add_title_and_events(self, rendered: dict[str, Any]) -> None:
        socket = self._socket
        if socket.live_title is not None and socket.live_title != self.title_sent:
            rendered[TITLE] = str(socket.live_title)
            self.title_sent = socket.live_title
        if socket.pending_events:
            rendered[EVENTS] = [[name, value] for name, value in socket.pending_events]
            socket.pending_events.clear()

    @property
    def _view(self) -> LiveView:
        assert self.view is not None, "view used before join"
        return self.view

    @property
    def _socket(self) -> ConnectedLiveViewSocket[Any]:
        assert self.socket is not None, "socket used before join"
        return self.socket

    # Pub/sub and timers (used by ConnectedLiveViewSocket) -----------------------------------
    async def _disconnect_view(self) -> None:
        """Run the view's optional `disconnect(socket)` once, when a joined view ends.

        It runs for leaves, navigations, rejoins, crashes and dropped sockets, while the
        view's groups are still joined (e.g. to broadcast that a user left). Not on a crash
        of the whole process: presence built on it needs an expiry too (docs/realtime.md).
        """
        if self.view is None or self.socket is None or self.socket.prev_rendered is None:
            return
        try:
            async with asyncio.timeout(DISCONNECT_TIMEOUT):
                await call_user(self.view.disconnect, self.socket)
        except Exception:
            logger.exception("%s: disconnect() raised", self.topic)

    async def subscribe(self, topic: str) -> None:
        """Deliver `topic`'s broadcasts to this view's handle_info."""
        if topic not in self.topics:
            self.topics.add(topic)
            await self.consumer.subscribe(self, topic)

    async def broadcast(self, topic: str, message: Any) -> None:
        """Publish to every view subscribed to `topic`, in any process."""
        from .pubsub import broadcast

        await broadcast(topic, message)

    def schedule(self, event: Any, seconds: float, *, repeat: bool) -> None:
        """Post `event` to this view after `seconds` (and every `seconds` if `repeat`)."""
        self.timers.schedule(event, seconds, repeat=repeat)


def _kind(nav: Navigation) -> str:
    return "replace" if nav.replace else "push"
