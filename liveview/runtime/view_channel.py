"""One joined `lv:` topic: a LiveView run as an actor with an ordered mailbox.

Client frames, pub/sub messages, timer ticks and upload failures for one view go through one
queue and are handled one at a time, in arrival order, while the consumer keeps reading (and
answering heartbeats). A client frame for an idle view skips the queue: its handling begins
at once, as the view's task (in `ViewChannel.post`), and whatever of it waits is finished
by that task. Handlers record effects on the socket; after each one,
`_render_result` applies them (navigation, closed uploads), renders, and hands the diff to
`Outbound.render_result`, the one rule for what goes out.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
import time
import zoneinfo
from collections.abc import Awaitable, Callable, Iterator
from inspect import CO_COROUTINE
from types import FunctionType
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone, translation

from .. import db, presence, pubsub, signals, telemetry
from ..asyncwork import AsyncWork
from ..callbacks import call_user
from ..components import update_from_info
from ..conf import liveview_settings
from ..core import protocol as p
from ..core.payloads import decode_event_value
from ..events import InfoEvent
from ..exceptions import JoinRefused, ProtocolError
from ..flash import CLEAR_FLASH_EVENT, clear_flash_event, join_flash, take_flash_token
from ..lifecycle import run_hooks, run_on_mount
from ..navigation import Navigation
from ..nested import NestedHost, nested_session
from ..routing import dotted_path, resolve_live, route_params
from ..sessions import current_session_user
from ..timers import Timers
from ..uploads import UploadManager
from . import uploads
from .hosted import HostedSocket, HostedView
from .join import verify_join
from .mailbox import Mailbox
from .outbound import Outbound, Send
from .render_state import RenderState
from .stepping import DONE, step, wait_for_yield

logger = logging.getLogger(__name__)
DEBUG = logging.DEBUG
_monotonic = time.monotonic

try:  # what asyncio's own eager tasks use to run a coroutine's step as a task (`post`)
    from asyncio.tasks import _enter_task, _leave_task
    HANDLE_AT_ONCE = True
except ImportError:  # an asyncio without them: every frame goes through the view's task
    HANDLE_AT_ONCE = False
# `asyncio.current_task(loop)` is a Python function before 3.12: what it reads, read here.
_CURRENT_TASKS = getattr(asyncio.tasks, "_current_tasks", None)
_current_task: Callable[[asyncio.AbstractEventLoop], asyncio.Task | None] = \
    _CURRENT_TASKS.get if isinstance(_CURRENT_TASKS, dict) and \
    hasattr(asyncio.current_task, "__code__") else asyncio.current_task

# A view's disconnect() may broadcast; it must not hold up the socket's shutdown for long.
DISCONNECT_TIMEOUT = 5.0
# A handle_params that patches again, and again...: the patch loop is cut here.
MAX_PATCHES = 10
#: A child's join when its parent does not render it (not `stale`/`unauthorized`, which would
#: reload the page: the client retries a child's join a few times, then gives up).
REASON_NOT_RENDERED = "not rendered by its parent"
#: `ViewChannel._deadline` of a handler the watchdog cancelled.
_EXPIRED = -1.0
#: `ViewChannel._view_dict` of a view without a `__dict__` (never written to).
_NO_ATTRIBUTES: dict[str, Any] = {}


def _traceback(exc: BaseException) -> BaseException | None:
    """A crash in user code is logged in one line; its traceback only with settings.DEBUG
    on or the `liveview` loggers at DEBUG level (docs/deployment.md, "Logs")."""
    return exc if settings.DEBUG or logger.isEnabledFor(logging.DEBUG) else None


async def _to_end(rest: Awaitable[None] | None) -> None:
    """Await what a step of `_render_result` left to do (None: it was all done). The click's
    path and `_render_result_to_end` test for None themselves: one coroutine less there."""
    if rest is not None:
        await rest


def _cids(frame: p.Frame) -> list[Any]:
    cids = frame.payload.get("cids") if isinstance(frame.payload, dict) else None
    if not isinstance(cids, list):
        raise ProtocolError("cids must be a list")
    return cids


class _Closed(Exception):
    """The view navigated away or left; the actor ends."""


class _Started:
    """A frame whose handling began in `ViewChannel.post` and must end in the view's task:
    its coroutine suspended at `waiting_on`, or the exception it raised."""

    __slots__ = ("frame", "coroutine", "waiting_on", "raised")

    def __init__(self, frame: p.Frame, coroutine: Any, waiting_on: Any,
                 raised: BaseException | None) -> None:
        self.frame, self.coroutine = frame, coroutine
        self.waiting_on, self.raised = waiting_on, raised

    async def finish(self) -> None:
        """Drive the coroutine to its end as its task would have (asyncio's Task.__step)."""
        coroutine, waiting_on, raised = self.coroutine, self.waiting_on, self.raised
        self.coroutine = self.waiting_on = self.raised = None
        if raised is not None:
            raise raised
        while True:
            thrown: BaseException | None = None
            try:
                await wait_for_yield(waiting_on)
            except asyncio.CancelledError as exc:
                # The task was cancelled: a cancelled future is read by the coroutine itself;
                # one that could not be cancelled (already done) gets the error thrown in.
                if waiting_on is None or not waiting_on.cancelled():
                    thrown = exc
            except BaseException:
                pass  # the coroutine reads its future's outcome itself
            try:
                waiting_on = coroutine.send(None) if thrown is None else coroutine.throw(thrown)
            except StopIteration:
                return

    def abandon(self) -> None:
        """The view stopped before its task took this over: cancel the handler there."""
        coroutine, self.coroutine = self.coroutine, None
        if coroutine is not None:
            try:
                coroutine.throw(asyncio.CancelledError())
            except BaseException:
                pass
            coroutine.close()


class InternalMessage(Protocol):
    """Server-side news posted to a view's mailbox (an upload that failed, async work that
    ended): applied by the view's actor between two handlers, like any other message."""

    name: str

    async def apply(self, view: HostedView, socket: HostedSocket) -> bool:
        """Change the view's state; True if it should re-render."""
        ...


class ViewChannel:
    """Runs one LiveView for one `lv:<id>` topic of one websocket."""

    # Thousands of idle views per process: no per-instance dict.
    __slots__ = ("topic", "view_id", "join_ref", "scope", "out", "render_state", "timers",
                 "async_work", "view", "socket", "closed", "_close_upload", "_on_stop",
                 "_queue", "_overloaded", "_restart", "_handling", "_working", "_task",
                 "parent_id", "parent", "root_id", "nested", "live_session", "_find_view",
                 "_stop_child", "_deadline", "_watch", "_context", "_hooks", "_async_handler",
                 "_view_dict", "_loop", "__weakref__")

    def __init__(self, join: p.Frame, *, send: Send, scope: dict[str, Any],
                 close_upload: Callable[[str], None],
                 on_stop: Callable[[ViewChannel], None],
                 find_view: Callable[[str], ViewChannel | None] = lambda topic: None,
                 stop_child: Callable[[ViewChannel, str], Awaitable[None]] | None = None):
        self.topic = join.topic
        self.view_id = join.topic[len(p.LV_TOPIC_PREFIX):]
        self.join_ref = join.join_ref or join.ref
        self.scope = scope
        self.out = Outbound(send, self.topic, self.join_ref)
        self.render_state = RenderState()
        self.timers = Timers(self.post_info)
        self.async_work = AsyncWork(self.post_internal, owner=self.topic)
        self.view: HostedView | None = None
        self.socket: HostedSocket | None = None
        self.closed = False
        #: Nested views (docs/nested.md): the id of the view that rendered this one (None for
        #: a page's view and for sticky views), and the root of its tree.
        self.parent_id: str | None = None
        #: The parent's channel (this very instance: a parent rejoined later is another).
        self.parent: ViewChannel | None = None
        self.root_id = self.view_id
        #: Rendered by `{% live_render %}` (a child or a sticky view), not mounted at a URL.
        self.nested = False
        #: Where live navigation may go: the root's live session (a child's token carries it).
        self.live_session = "default"
        self._find_view = find_view
        self._stop_child = stop_child
        self._close_upload = close_upload
        self._on_stop = on_stop
        self._queue: Mailbox[Any] = Mailbox()
        self._queue.put(join)
        self._overloaded = False
        self._restart: asyncio.Task | None = None
        #: The client request being handled (answered if the view stops before it is).
        self._handling: Any = None
        self._working = False
        #: When the running handler is past HANDLER_TIMEOUT (0: none runs; EXPIRED: it was
        #: cancelled for it), and the one timer watching it (see `_watchdog`).
        self._deadline = 0.0
        self._watch: asyncio.TimerHandle | None = None
        #: The view socket's lifecycle hooks by stage (`Lifecycle.by_stage`, which attach_hook
        #: and detach_hook change in place), set at the join: every click asks it for its
        #: handle_event and after_render hooks without looking for the socket's `lifecycle`.
        self._hooks: dict[str, Any] = {}
        #: The view class's `handle_event` when it is an `async def` function (set at the
        #: join): a click calls it without a bound method or `call_user`'s test, while the
        #: class and the instance have no other.
        self._async_handler: Callable[..., Any] | None = None
        #: The view's own attributes (set at the join; empty for a view without a
        #: `__dict__`): a click looks there for a `handle_event` of the instance's own.
        self._view_dict: dict[str, Any] = _NO_ATTRIBUTES
        #: The actor's contextvars: a handler run at once in `post` runs in them too.
        self._context = contextvars.copy_context()
        #: The event loop the view runs in, which `post` is called in. (Kept: in CPython,
        #: `asyncio.get_running_loop()` makes a getpid() system call each time.)
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._run(), name=self.topic, context=self._context)

    # Mailbox -------------------------------------------------------------------------------
    def post(self, frame: p.Frame) -> None:
        """A client frame for this view: handled at once when the view is idle, else queued
        behind what it is doing.

        Handled at once: here, in the caller's (the socket's) task, as the view's task. The
        view's task is parked on its empty mailbox; waking it for the frame would cost a task
        switch per click. Instead the handler's coroutine takes its first step now, with the
        view's task as the current task and in its contextvars, exactly what that task would
        do when it woke. A click usually runs to its end in that step (reply sent). If it
        waits for something (the ORM's thread, I/O) or raises, it is handed to the view's task
        (`_Started` in the mailbox) which finishes it as if it had run it all along: later
        frames queue behind it, HANDLER_TIMEOUT cancels that task, crashes are its.
        (One method, not two: every click comes here.)
        """
        if not HANDLE_AT_ONCE or self._queue.waiter is None or self._working \
                or self.view is None or self.closed or self._overloaded:
            self._put(frame)
            return
        loop = self._loop
        caller = _current_task(loop)
        if caller is None:
            self._put(frame)
            return
        self._working = True
        self._handling = frame
        self._deadline = loop.time() + liveview_settings.HANDLER_TIMEOUT
        if self._watch is None:
            self._watch = loop.call_at(self._deadline, self._watchdog)
        # An event straight to its handler (`_handle` would pick the same, one coroutine more).
        handling = self._event(frame) if frame.event == p.EVENT else self._handle(frame)
        task = self._task
        _leave_task(loop, caller)
        _enter_task(loop, task)
        try:
            waiting_on = self._context.run(step, handling)
        except Exception as exc:  # the view ends: left, navigated away or crashed
            self._end_now(frame, exc)
        except BaseException as exc:  # (KeyboardInterrupt...) raised in the view's task
            self._queue.put(_Started(frame, None, None, exc))
        else:
            if waiting_on is DONE:  # handled to its end (the usual click)
                self._handling = None
                self._deadline = 0.0
                self._working = False
                if _monotonic() >= db.cleanup_due:  # (`schedule_connection_cleanup`'s test)
                    db.schedule_connection_cleanup()
            else:
                self._queue.put(_Started(frame, handling, waiting_on, None))
        finally:
            _leave_task(loop, task)
            _enter_task(loop, caller)

    def _end_now(self, frame: p.Frame, exc: Exception) -> None:
        """The handler begun in `post` ended the view: it stops now, as the view's task
        would have right after the handler (the last frames it sent are not answered by the
        client before the view left its pub/sub groups). If stopping waits, the view's task
        finishes it; if not, that task, parked on its mailbox, is ended."""
        ending = self._end(frame, exc)
        try:
            waiting_on = self._context.run(ending.send, None)
        except StopIteration:
            self._deadline = 0.0
            self._working = False
            self._task.cancel()
        except BaseException as raised:
            self._queue.put(_Started(frame, None, None, raised))
        else:
            self._queue.put(_Started(frame, ending, waiting_on, None))

    async def _end(self, frame: p.Frame, exc: Exception) -> None:
        """What `_serve` does when a handler raises, then the stop `_run` does after it."""
        self._handling = None
        if not isinstance(exc, _Closed):
            self._crash(frame, exc)
        await self.stop()

    def post_info(self, event: Any) -> None:
        """Queue a pub/sub message or timer tick for `handle_info`."""
        self._put(event if isinstance(event, InfoEvent) else InfoEvent(str(event)))

    def post_internal(self, item: InternalMessage) -> None:
        """Queue server-side work for this view (see InternalMessage)."""
        self._put(item)

    def _put(self, item: Any) -> None:
        if self.closed or self._overloaded:
            return
        limit = liveview_settings.MAILBOX_LIMIT
        if limit and len(self._queue) >= limit:
            self._overload(limit)
            return
        self._queue.put(item)

    def _overload(self, limit: int) -> None:
        """The view cannot keep up: restart it (phx_error; the client rejoins and mounts
        afresh) rather than queue without end, as Phoenix restarts an overloaded process."""
        self._overloaded = True
        logger.warning("%s: over %d messages waiting in the mailbox (MAILBOX_LIMIT); "
                       "restarting the view", self.topic, limit)
        self._queue.clear()  # what waited is dropped with the view
        self._restart = asyncio.get_running_loop().create_task(
            self._restart_overloaded(), name=f"{self.topic} overloaded")

    async def _restart_overloaded(self) -> None:
        await self.stop()
        with self._last_frame():
            self.out.error()

    @property
    def busy(self) -> bool:
        """A handler runs or messages wait (a draining socket waits until neither)."""
        return not self.closed and (self._working or bool(self._queue))

    @property
    def upload_manager(self) -> UploadManager | None:
        """The view's uploads, once it is joined."""
        return self.socket.upload_manager if self.socket is not None else None

    async def stop(self) -> None:
        """End the view: timers, its `disconnect()`, pub/sub, uploads, then forget it.

        Every step runs even if an earlier one fails (each failure is logged), so a view
        never stays subscribed or ticking after it stopped.
        """
        if self.closed:
            return
        self.closed = True
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        self.timers.cancel_all()
        self.async_work.cancel_all()  # their results, if any still arrive, are dropped
        if asyncio.current_task() is not self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        # Also when the view stops itself (a refused or crashed join, a crash): requests the
        # router queued behind the one that ended it are waiting in the mailbox.
        self._answer_pending()
        await self._disconnect_view()
        await presence.forget(self)  # its entries leave everywhere now, not at expiry
        try:
            await pubsub.unsubscribe_all(self)
        except Exception:
            logger.exception("%s: leaving pub/sub topics failed", self.topic)
        manager = self.upload_manager
        if manager is not None:
            manager.shutdown()  # temp files go with the view
            self._close_released_uploads()
        self._on_stop(self)

    def _answer_pending(self) -> None:
        """Every client request gets an answer, even when its view stops before handling it
        (a rejoin replaced it, the socket closed): the client waits 30 s for each, then
        reloads the page. Nothing is sent if the socket is gone."""
        pending = [self._handling] if self._handling is not None else []
        self._handling = None
        for item in self._queue.take_all():
            if type(item) is _Started:  # begun in `post`, its frame is `_handling`
                try:  # its cleanup code runs in the view's contextvars, as it began
                    self._context.run(item.abandon)
                except RuntimeError:  # (already entered: we are the view's task)
                    item.abandon()
            else:
                pending.append(item)
        for item in pending:
            if isinstance(item, p.Frame) and item.ref is not None:
                with self._last_frame():
                    if item.event == p.LEAVE:
                        self.out.reply(item.ref)
                    else:
                        self.out.refuse(item.ref, "view stopped")

    async def _run(self) -> None:
        try:
            await self._serve()
        finally:
            # However the actor ends (even if telling the client failed), the view stops:
            # unsubscribed and its timers cancelled at once, never a zombie.
            if not self.closed:
                await self.stop()

    async def _serve(self) -> None:
        timeout = liveview_settings.HANDLER_TIMEOUT
        loop = asyncio.get_running_loop()
        while not self.closed:
            item = await self._queue.get()
            if type(item) is _Started:  # begun in `post`: working, deadline set
                running = item.finish()
                item = item.frame
            else:
                self._working = True
                self._handling = item if isinstance(item, p.Frame) else None
                self._deadline = loop.time() + timeout
                if self._watch is None:
                    self._watch = loop.call_at(self._deadline, self._watchdog)
                running = self._handle(item)
            try:
                try:
                    await running
                except asyncio.CancelledError:
                    if not self._timed_out():
                        raise
                    raise TimeoutError from None
                self._timed_out()  # it ignored the cancellation, but it is done
                self._handling = None
            except _Closed:
                self._handling = None
                break
            except JoinRefused as refused:
                self._handling = None
                logger.info("join of %s refused: %s", self.topic, refused)
                with self._last_frame():
                    self.out.reply(item.ref, refused.response, ok=False)
                break
            except Exception as exc:
                self._handling = None
                self._crash(item, exc)
                break
            finally:
                self._deadline = 0.0
                self._working = False
                db.schedule_connection_cleanup()
                # An idle view waits for its next message without holding on to the last
                # one (the join frame alone holds about a kilobyte of tokens).
                item = None
                del running

    def _watchdog(self) -> None:
        """HANDLER_TIMEOUT, watched by one timer per view rather than one per handler.

        `asyncio.timeout` around each handler made and cancelled a timer per click. Instead
        each handler stamps its deadline; the timer, armed at a handler's start when none is,
        looks at the deadline when it fires: past it, the view's task is cancelled (the
        handler ends in `TimeoutError`, a crash); a later handler's deadline re-arms it; an
        idle view's timer is gone.
        """
        self._watch = None
        deadline = self._deadline
        if deadline <= 0.0 or self.closed:
            return
        loop = asyncio.get_running_loop()
        # Timers may fire up to a millisecond early (uvloop rounds to milliseconds).
        if loop.time() >= deadline - 0.001:
            self._deadline = _EXPIRED
            self._task.cancel()
        else:
            self._watch = loop.call_at(deadline, self._watchdog)

    def _timed_out(self) -> bool:
        """Whether the watchdog cancelled the handler that just ended (and only it: another
        cancellation of the task, e.g. `stop`, still stands)."""
        if self._deadline != _EXPIRED:
            return False
        return self._task.uncancel() == 0

    @contextlib.contextmanager
    def _last_frame(self) -> Iterator[None]:
        """Around a last frame of an ending view: if even that cannot be sent, the view still
        ends."""
        try:
            yield
        except Exception as exc:
            logger.warning("%s: the last frame could not be sent (%s: %s)", self.topic,
                           type(exc).__name__, exc)

    def _crash(self, item: Any, exc: BaseException) -> None:
        if isinstance(item, p.Frame):
            name = item.payload.get("event") if isinstance(item.payload, dict) else None
            what = f"{item.event} {name!r}" if isinstance(name, str) else item.event
        else:
            what = f"info {item.name!r}"
        if isinstance(exc, TimeoutError):
            logger.error("%s: %s %s handler still running after %ss; restarting the view",
                         self.topic, self._view_name(), what, liveview_settings.HANDLER_TIMEOUT)
        else:
            logger.error("%s: %s %s handler raised %s: %s; restarting the view", self.topic,
                         self._view_name(), what, type(exc).__name__, exc,
                         exc_info=_traceback(exc))
        if isinstance(item, p.Frame) and item.event == p.JOIN:
            # As a Phoenix channel whose join crashed: the join gets an error reply.
            with self._last_frame():
                self.out.refuse(item.ref, "join crashed")
        else:
            # phx_error only: the client shows the error state, rejoins, mounts afresh.
            with self._last_frame():
                self.out.error()

    # Dispatch ------------------------------------------------------------------------------
    async def _handle(self, item: Any) -> None:
        if isinstance(item, InfoEvent):
            await self._info(item)
        elif isinstance(item, p.Frame):
            handler = self._handlers.get(item.event)
            if handler is None:
                logger.warning("%s: unknown event %r refused", self.topic, item.event)
                self.out.refuse(item.ref, f"unknown event {item.event!r}")
                return
            try:
                await handler(self, item)
            except ProtocolError as exc:
                self._refuse_malformed(item, exc)
        elif await item.apply(self._view, self._socket):
            self.render_state.components.touch_uploading()
            await self._render_result_to_end()

    def _refuse_malformed(self, frame: p.Frame, exc: ProtocolError) -> None:
        """A malformed request: refused, the view goes on."""
        logger.warning("%s: %s refused: %s", self.topic, frame.event, exc)
        self.out.refuse(frame.ref, str(exc))

    async def _join(self, frame: p.Frame) -> None:
        payload = frame.payload
        plan = verify_join(payload, self.view_id, self.scope)
        token = plan.token
        # The page's language and time zone, for this view's whole life (its contextvars):
        # what middleware activated for the HTTP render. Its own code may activate others.
        if token.language is not None:
            translation.activate(token.language)
        if token.time_zone is not None:
            try:
                timezone.activate(zoneinfo.ZoneInfo(token.time_zone))
            except (ValueError, zoneinfo.ZoneInfoNotFoundError):  # tzdata changed since
                logger.warning("%s: time zone %r of the page is unknown here; using %s",
                               self.topic, token.time_zone, settings.TIME_ZONE)
        if token.parent is not None:
            self.parent = self._check_parent(token.parent)
        self.parent_id = token.parent
        self.nested = token.nested
        self.root_id = token.root or self.view_id
        self.live_session = token.live_session if token.nested else \
            plan.view_class.live_session
        # Read again at every join: the websocket's may predate a logout in another tab.
        session, user = await current_session_user(self.scope)
        view: HostedView = plan.view_class(**plan.initkwargs)
        if not await call_user(view.has_access, user):
            # The client reloads the page; the HTTP render sends it to login (or 403).
            raise JoinRefused({"reason": p.REASON_UNAUTHORIZED},
                              f"{dotted_path(plan.view_class)} refused user "
                              f"{getattr(user, 'pk', None)!r} (has_access is false)")
        if token.nested:  # the live_render session over the user's Django session
            session = nested_session(token.session, session)
        socket = view.socket_class(view_id=self.view_id, mailbox=self, timers=self.timers,
                                   session=session, user=user, scope=self.scope,
                                   async_work=self.async_work)
        self.view, self.socket = view, socket
        lifecycle = getattr(socket, "lifecycle", None)
        self._hooks = lifecycle.by_stage if lifecycle is not None else {}
        # (As the class holds it: a staticmethod or classmethod is not a plain function.)
        handler = inspect.getattr_static(type(view), "handle_event", None)
        if type(handler) is FunctionType and handler.__code__.co_flags & CO_COROUTINE:
            self._async_handler = handler
        self._view_dict = getattr(view, "__dict__", _NO_ATTRIBUTES)
        self.render_state.children = NestedHost(self.view_id, self.root_id, self.live_session)
        socket.flash = join_flash(payload, static=plan.static)
        url = plan.url
        params = route_params(url.query, plan.kwargs) if url is not None else {}
        with telemetry.span(signals.view_mounted, plan.view_class, self.view_id, True,
                            (view, socket, params, session, url)):
            await run_on_mount(view, params, session, socket)
            if not self._navigating():  # an on_mount hook halted: mount does not run
                await call_user(view.mount, socket, session)
        self._refuse_if_navigating()  # the join says where to go instead
        response: dict[str, Any] = {}
        if url is not None:  # as in Phoenix, only a routed view gets handle_params
            await self._handle_params(url, params)
            patch = await self._follow_patches()
            if patch is not None:
                response["live_patch"] = {"kind": patch.history, "to": patch.to}
        self._refuse_if_navigating()
        rendered = await self._measured_render(lambda tree: self.render_state.full(tree, socket))
        await run_hooks(socket, "after_render", socket)
        socket.flash_new = {}
        response.update(rendered=rendered, liveview_version=p.CLIENT_VERSION)
        self.out.reply(frame.ref, response)
        await self._stop_dropped_children()

    def _check_parent(self, parent_id: str) -> ViewChannel:
        """A child joins only while its parent, joined on this websocket, renders it: a
        token copied to another page, or kept after the parent dropped the child, is
        refused (the client retries a few times, or gives up when the container is gone)."""
        parent = self._find_view(p.LV_TOPIC_PREFIX + parent_id)
        children = parent.render_state.children if parent is not None else None
        if parent is None or parent.closed or children is None or \
                not children.renders(self.view_id):
            raise JoinRefused({"reason": REASON_NOT_RENDERED},
                              f"child {self.view_id!r}: parent {parent_id!r} is not joined on "
                              f"this socket or does not render it")
        return parent

    async def _stop_dropped_children(self) -> None:
        """The last render dropped these children: their views stop now (the client leaves
        them too, when their containers leave the page)."""
        dropped, self.render_state.dropped_children = self.render_state.dropped_children, []
        if self._stop_child is not None:
            for child_id in dropped:
                await self._stop_child(self, p.LV_TOPIC_PREFIX + child_id)

    def _navigating(self) -> bool:
        """A navigation away is requested (a patch is not one)."""
        nav = self._socket.navigation
        return nav is not None and nav.kind != "patch"

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
        # A malformed request is refused here as `_handle` would (`post` runs this directly).
        try:
            payload = frame.payload
            event = payload.get("event")
            if not isinstance(event, str):
                raise ProtocolError("event name missing")
            if event.startswith("lv:"):  # the runtime's own (`lv:clear-flash`)
                if event != CLEAR_FLASH_EVENT:
                    raise ProtocolError(f"unknown event {event!r}")
                await self._clear_flash(frame)
                return
            if "uploads" in payload:  # files chosen in a phx-change: known before handle_event
                uploads.register_change_uploads(self._socket.upload_manager, payload["uploads"],
                                                self.topic)
                self.render_state.components.touch_uploading()
            event_type, value = payload.get("type"), payload.get("value")
            if event_type == "form" or value is None:  # (a click's value goes as is)
                value = decode_event_value(event_type, value, payload.get("meta"))
            cid = payload.get("cid")
            if cid is not None:  # phx-target="{{ myself }}": that component's handle_event
                if not isinstance(cid, int) or isinstance(cid, bool):
                    raise ProtocolError(f"cid must be an integer, got {cid!r}")
                _, result = await self.render_state.components.handle_event(cid, event, value)
            else:
                view, socket = self.view, self.socket
                assert view is not None and socket is not None  # (not the properties)
                # The view's handle_event after its hooks: its reply, or a halting hook's.
                # (`telemetry.quiet`, inlined: every click.)
                handling: Awaitable[Any]
                if self._hooks.get("handle_event"):
                    handling = self._hooked_event(view, socket, event, value)
                elif (handler := self._async_handler) is not None and \
                        type(view).handle_event is handler and \
                        "handle_event" not in self._view_dict:  # (still the class's own)
                    handling = handler(view, event, value, socket)
                else:
                    handler = view.handle_event
                    # `call_user`'s own first test, inlined: an `async def` handler is called.
                    code = getattr(getattr(handler, "__func__", handler), "__code__", None)
                    handling = handler(event, value, socket) \
                        if code is not None and code.co_flags & CO_COROUTINE else \
                        call_user(handler, event, value, socket)
                if not signals.event_handled.receivers and \
                        telemetry.LEVEL_MEMO.get(DEBUG) is False:  # no span to enter
                    result = await handling
                else:
                    with telemetry.span(signals.event_handled, type(view), self.view_id, True,
                                        (view, socket, event, value)):
                        result = await handling
            hook_reply = result if event_type == "hook" else None
            rest = self._render_result(frame.ref, hook_reply=hook_reply)
            if rest is not None:
                await rest
        except ProtocolError as exc:
            self._refuse_malformed(frame, exc)

    async def _hooked_event(self, view: HostedView, socket: HostedSocket, event: str,
                            value: Any) -> Any:
        halted = await run_hooks(socket, "handle_event", event, value, socket)
        return halted.reply if halted is not None else \
            await call_user(view.handle_event, event, value, socket)

    async def _clear_flash(self, frame: p.Frame) -> None:
        try:
            clear_flash_event(self._socket, frame.payload.get("value"))
        except ValueError as exc:
            raise ProtocolError(str(exc)) from None
        await self._render_result_to_end(frame.ref)

    async def _live_patch(self, frame: p.Frame) -> None:
        url = frame.payload.get("url")
        route = resolve_live(url) if isinstance(url, str) else None
        if route is None or route.view_class is not type(self._view):
            # Another view (or none): the client live-redirects, or loads the page in full.
            self.out.reply(frame.ref, {"link_redirect": True})
            return
        await self._handle_params(route.url, route_params(route.url.query, route.kwargs))
        await self._render_result_to_end(frame.ref)

    async def _leave(self, frame: p.Frame) -> None:
        self.out.reply(frame.ref)
        self.out.close()
        raise _Closed

    async def _cids_will_destroy(self, frame: p.Frame) -> None:
        self.render_state.components.mark(_cids(frame))
        self.out.reply(frame.ref)

    async def _cids_destroyed(self, frame: p.Frame) -> None:
        # Only what is still marked: a component rendered again since stays.
        deleted = self.render_state.components.destroy(_cids(frame))
        self.out.reply(frame.ref, {"cids": deleted})

    async def _allow_upload(self, frame: p.Frame) -> None:
        response = await uploads.preflight(self._socket.upload_manager, frame.payload,
                                     view_id=self.view_id, join_ref=self.join_ref,
                                     topic=self.topic)
        self.render_state.components.touch_uploading()
        await self._render_result_to_end(frame.ref, response)

    async def _progress(self, frame: p.Frame) -> None:
        entry = uploads.progress(self._socket.upload_manager, frame.payload)
        callback = entry.config.progress_callback if entry is not None else None
        if callback is not None:
            await call_user(callback, entry, self._socket)
        self.render_state.components.touch_uploading()
        await self._render_result_to_end(frame.ref)

    async def _info(self, event: InfoEvent) -> None:
        self.timers.taken(event)
        update = update_from_info(event)
        if update is not None:  # send_update_after, or liveview.send_update over pub/sub
            self._socket.component_updates.append(update)
        else:
            with telemetry.span(signals.info_handled, type(self._view), self.view_id, True,
                                (self._view, self._socket, event)):
                if await run_hooks(self._socket, "handle_info", event, self._socket) is None:
                    await call_user(self._view.handle_info, event, self._socket)
        await self._render_result_to_end()

    async def _handle_params(self, url: Any, params: dict[str, list[Any]]) -> None:
        with telemetry.span(signals.params_handled, type(self._view), self.view_id, True,
                            (self._view, self._socket, params, url)):
            if await run_hooks(self._socket, "handle_params", url, params, self._socket) is None:
                await call_user(self._view.handle_params, url, params, self._socket)

    _handlers: dict[str, Callable[[ViewChannel, p.Frame], Awaitable[None]]] = {
        p.JOIN: _join,
        p.EVENT: _event,
        p.LIVE_PATCH: _live_patch,
        p.LEAVE: _leave,
        p.CIDS_WILL_DESTROY: _cids_will_destroy,
        p.CIDS_DESTROYED: _cids_destroyed,
        p.ALLOW_UPLOAD: _allow_upload,
        p.PROGRESS: _progress,
    }

    # After every handler: the one way out --------------------------------------------------------
    def _render_result(self, ref: str | None = None, response: dict[str, Any] | None = None,
                       *, hook_reply: Any = None, navigated: bool = False
                       ) -> Awaitable[None] | None:
        """Apply what the handler asked for, render, and send the result.

        `ref` is the client request the handler answers (None for pub/sub, timers and upload
        failures): it always gets a reply. A navigation away answers it and ends the view.

        Done here and now when nothing has to wait (every click: no coroutine): returns None.
        Otherwise returns the awaitable of what is left (a navigation or released uploads to
        apply, a render span or after_render hooks to run, a render that waits, dropped
        children to stop), to be awaited at once. `navigated`: the navigation was applied
        already (`_navigate_then_render`).
        """
        view, socket = self.view, self.socket
        assert view is not None and socket is not None  # (not the properties: every click pays)
        if not navigated and (socket.navigation is not None or socket.upload_manager.released):
            return self._navigate_then_render(ref, response, hook_reply)
        if socket.flash_new:  # (an empty one stays: no dict made and freed per click)
            socket.flash_new = {}
        # (`telemetry.quiet`, inlined: every click; no span to enter)
        if signals.view_rendered.receivers or telemetry.LEVEL_MEMO.get(DEBUG) is not False or \
                self._hooks.get("after_render"):
            return self._render_measured(ref, response, hook_reply)
        tree = self.render_state.render_now(view, socket)
        if not isinstance(tree, dict):  # (no coroutine for a render with nothing to await)
            return self._send_when_rendered(tree, ref, response, hook_reply)
        return self._send(ref, self.render_state.diff(tree, socket, hook_reply), response)

    async def _render_result_to_end(self, ref: str | None = None,
                                    response: dict[str, Any] | None = None) -> None:
        """`_render_result`, awaited to its end (handlers other than a click's)."""
        rest = self._render_result(ref, response)
        if rest is not None:
            await rest

    async def _navigate_then_render(self, ref: str | None, response: dict[str, Any] | None,
                                    hook_reply: Any) -> None:
        """`_render_result` after closing released uploads and following the navigation the
        handler asked for (patches run handle_params; a navigation away ends the view)."""
        socket = self._socket
        if socket.upload_manager.released:
            self._close_released_uploads()
        patch = await self._follow_patches() if socket.navigation is not None else None
        nav = socket.navigation
        if nav is not None:
            socket.navigation = None
            nav = self._live_or_full(nav)
            event = p.REDIRECT if nav.kind == "redirect" else p.LIVE_REDIRECT
            if self.nested:
                # Navigation from a nested view acts on the page (the root): the client
                # navigates its main view; this one goes on (a sticky view survives it,
                # a child stops with its parent).
                response = {**(response or {}), event: self._nav_payload(nav)}
                if ref is None:
                    self.out.push(event, response.pop(event))
            else:
                self.out.navigate_away(event, self._nav_payload(nav), ref)
                raise _Closed
        if patch is not None:
            self.out.push(p.LIVE_PATCH, {"kind": patch.history, "to": patch.to})
        await _to_end(self._render_result(ref, response, hook_reply=hook_reply, navigated=True))

    async def _render_measured(self, ref: str | None, response: dict[str, Any] | None,
                               hook_reply: Any) -> None:
        """`_render_result`'s render and diff in the `view_rendered` span (a span only if
        anyone listens), then the after_render hooks (if any), then the result is sent."""
        socket = self._socket
        diff = await self._measured_render(
            lambda tree: self.render_state.diff(tree, socket, hook_reply))
        await run_hooks(socket, "after_render", socket)
        await _to_end(self._send(ref, diff, response))

    async def _send_when_rendered(self, tree: Awaitable[dict[str, Any]], ref: str | None,
                                  response: dict[str, Any] | None, hook_reply: Any) -> None:
        """`_render_result` after a render that waits (in the ORM's thread, components)."""
        await _to_end(self._send(
            ref, self.render_state.diff(await tree, self._socket, hook_reply), response))

    def _send(self, ref: str | None, diff: dict[str, Any], response: dict[str, Any] | None
              ) -> Awaitable[None] | None:
        """The rendered result goes out; the children the render dropped must stop (the
        awaitable of that, else None)."""
        self.out.render_result(ref, diff, response)
        return self._stop_dropped_children() if self.render_state.dropped_children else None

    async def _measured_render(self, finish: Callable[[dict[str, Any]], dict[str, Any]]
                               ) -> dict[str, Any]:
        """Render the view and `finish` the tree (the join's full tree, a diff) in the
        `view_rendered` span: what the client is sent."""
        view, socket = self._view, self._socket
        with telemetry.span(signals.view_rendered, type(view), self.view_id, True,
                            (view, socket)) as measure:
            tree = self.render_state.render_now(view, socket)
            if not isinstance(tree, dict):  # (no coroutine for a render with nothing to await)
                tree = await tree
            measure.rendered()
            result = finish(tree)
            measure.diffed(result)
        return result

    def _close_released_uploads(self) -> None:
        for entry_ref in self._socket.upload_manager.take_released():
            self._close_upload(entry_ref)

    async def _follow_patches(self) -> Navigation | None:
        """Run handle_params for push_patch requests; the last patch is where the URL ends."""
        last = None
        for _ in range(MAX_PATCHES):
            nav = self._socket.navigation
            if nav is None or nav.kind != "patch":
                return last
            self._socket.navigation = None
            route = resolve_live(nav.to)
            if self.nested or route is None or route.view_class is not type(self._view):
                # A nested view has no URL of its own: its patch navigates the page.
                self._socket.navigation = Navigation("navigate", nav.to, nav.replace)
                return last
            await self._handle_params(route.url, route_params(route.url.query, route.kwargs))
            last = nav
        raise RuntimeError(f"push_patch loop: handle_params patched {MAX_PATCHES} times in a row")

    def _live_or_full(self, nav: Navigation) -> Navigation:
        """A live navigation to a URL outside this live session becomes a full redirect."""
        if nav.kind != "navigate":
            return nav
        route = resolve_live(nav.to)
        if route is None or route.view_class.live_session != self.live_session:
            return Navigation("redirect", nav.to)
        return nav

    def _nav_payload(self, nav: Navigation) -> dict[str, Any]:
        """`redirect` / `live_redirect` payload, with the flash the handler set (if any)."""
        payload: dict[str, Any] = {"to": nav.to}
        if nav.kind != "redirect":
            payload["kind"] = nav.history
        flash = take_flash_token(self._socket)
        if flash is not None:
            payload["flash"] = flash
        return payload

    async def _disconnect_view(self) -> None:
        """Run the view's optional `disconnect(socket)` once, when a joined view ends.

        It runs for leaves, navigations, rejoins, crashes and dropped sockets, while the
        view's groups are still joined (e.g. to broadcast that a user left). Not on a crash
        of the whole process: presence built on it needs an expiry too (docs/realtime.md).
        """
        if self.view is None or self.socket is None or self.render_state.tree is None:
            return
        try:
            async with asyncio.timeout(DISCONNECT_TIMEOUT):
                await call_user(self.view.disconnect, self.socket)
        except Exception as exc:
            logger.error("%s: %s disconnect() raised %s: %s", self.topic, self._view_name(),
                         type(exc).__name__, exc, exc_info=_traceback(exc))

    def _view_name(self) -> str:
        return type(self.view).__name__ if self.view is not None else "(not joined)"

    @property
    def _view(self) -> HostedView:
        assert self.view is not None, "view used before join"
        return self.view

    @property
    def _socket(self) -> HostedSocket:
        assert self.socket is not None, "socket used before join"
        return self.socket
