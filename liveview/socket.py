"""The sockets handed to LiveView methods.

Sockets only RECORD what a handler asks for (title, push events, navigation, flash,
uploads); the runtime hosting the view reads those records after the handler returns and
turns them into frames. Subscriptions and timers go straight to their services (pub/sub,
the view's timers). Nothing here knows the runtime or touches the websocket.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable, Generic, TypeGuard, TypeVar, Union

from . import pubsub
from .asyncwork import AsyncMixin, AsyncWork
from .components import SendUpdateMixin
from .core.streams import Stream, Streams
from .core.uploads import UploadConstraints
from .exceptions import ConnectedOnlyError
from .flash import Flash, FlashMixin
from .js import JS
from .lifecycle import Lifecycle, LifecycleMixin
from .navigation import Navigation, with_params
from .presence import PresenceMixin
from .timers import Timers
from .uploads import UploadConfig, UploadManager

T = TypeVar("T")

__all__ = ["ConnectedLiveViewSocket", "ConnectedOnlyError", "LiveViewSocket",
           "UnconnectedSocket", "is_connected"]

#: Methods that need a live connection; calling them on an UnconnectedSocket explains why.
CONNECTED_ONLY = frozenset({
    "subscribe", "broadcast", "schedule_info", "schedule_info_once", "push_patch",
    "push_event", "exec_js", "track", "untrack", "subscribe_presence", "list_presence",
    "pending_events", "upload_manager", "cancel_upload", "consume_uploaded_entries",
    "send_update", "send_update_after", "send_info",
})


class StreamsMixin:
    """Streams for both sockets: lists sent to the client once, then forgotten by the server.

    Render them with `{% for dom_id, item in streams.<name> %}<li id="{{ dom_id }}">...` inside
    an element with an `id` and `phx-update="stream"` (see docs/streams.md).
    """

    #: This view's streams by name (templates see them as `streams`).
    streams: Streams

    def stream(self, name: str, items: Iterable[Any], *, at: int = -1, reset: bool = False,
               limit: int | None = None) -> Stream:
        """Insert `items` into stream `name` (created on first use); `reset=True` first empties
        it on the client. `at=0` prepends, `limit=n` keeps the first n (-n: the last n)."""
        stream = self.streams.get_or_create(name)
        if reset:
            stream.reset()
        stream.insert_many(items, at=at, limit=limit)
        return stream

    def stream_insert(self, name: str, item: Any, *, at: int = -1, limit: int | None = None,
                      update_only: bool = False) -> None:
        """Insert `item` (or update it in place when the client already shows its DOM id)."""
        self.streams.get_or_create(name).insert(item, at=at, limit=limit,
                                                update_only=update_only)

    def stream_delete(self, name: str, item: Any) -> None:
        """Remove `item` from the client's stream `name`."""
        self.streams.get_or_create(name).delete(item)

    def stream_delete_by_dom_id(self, name: str, dom_id: str) -> None:
        """Remove the element with id `dom_id` from the client's stream `name`."""
        self.streams.get_or_create(name).delete_by_dom_id(dom_id)

    def stream_configure(self, name: str, *, dom_id: Callable[[Any], str]) -> None:
        """How items of `name` get their DOM id (default: `<name>-<pk or id>`)."""
        self.streams.configure(name, dom_id)


class UnconnectedSocket(FlashMixin, StreamsMixin, AsyncMixin, LifecycleMixin, Generic[T]):
    """The socket of the first (HTTP) render: state, title and flash only."""

    connected: bool = False

    def __init__(self, *, view_id: str, session: Any = None, user: Any = None,
                 request: Any = None):
        self.context: T = {}  # type: ignore[assignment]
        self.live_title: str | None = None
        self.view_id = view_id
        self.session = session
        self.user = user
        self.request = request
        self._uploads = UploadManager(self)
        #: Flash messages by kind, shown by the template as `flash` (see put_flash).
        self.flash: Flash = {}
        self.flash_new: Flash = {}
        self.streams = Streams()
        self.lifecycle = Lifecycle()
        #: A redirect asked for during the HTTP render (e.g. by an on_mount hook).
        self.navigation: Navigation | None = None

    # On the HTTP render a navigation is a redirect response (HTTP has no live navigation).
    async def push_navigate(self, path: str, params: dict[str, Any] | None = None) -> None:
        """Answer the HTTP render with a redirect to `path`."""
        self.navigation = Navigation("navigate", with_params(path, params))

    async def replace_navigate(self, path: str, params: dict[str, Any] | None = None) -> None:
        """Answer the HTTP render with a redirect to `path`."""
        self.navigation = Navigation("navigate", with_params(path, params), replace=True)

    async def redirect(self, path: str, params: dict[str, Any] | None = None) -> None:
        """Answer the HTTP render with a redirect to `path`."""
        self.navigation = Navigation("redirect", with_params(path, params))

    def allow_upload(self, upload_name: str, constraints: UploadConstraints | dict | None = None,
                     auto_upload: bool = False, progress: Callable[..., Any] | None = None,
                     *, chunk_size: int | None = None, external: Callable[..., Any] | None = None,
                     writer: Callable[..., Any] | None = None) -> UploadConfig:
        """Declare an upload so the first render can show its `{% live_file_input %}`."""
        return self._uploads.allow(upload_name, constraints, auto_upload=auto_upload,
                                   progress=progress, chunk_size=chunk_size, external=external,
                                   writer=writer)

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes that do not exist on this class.
        if name in CONNECTED_ONLY:
            raise ConnectedOnlyError(
                f"socket.{name} is only available once the websocket is connected; "
                f"guard it with `if is_connected(socket):` (mount and handle_params also "
                f"run for the first HTTP render, on an UnconnectedSocket)")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class ConnectedLiveViewSocket(FlashMixin, StreamsMixin, AsyncMixin, LifecycleMixin,
                              PresenceMixin, SendUpdateMixin, Generic[T]):
    """The socket of a view joined over the websocket."""

    connected: bool = True

    def __init__(self, *, view_id: str, mailbox: pubsub.Subscriber, timers: Timers,
                 session: Any = None, user: Any = None, scope: dict | None = None,
                 async_work: AsyncWork | None = None):
        self.context: T = {}  # type: ignore[assignment]
        self.live_title: str | None = None
        self.view_id = view_id
        self.session = session
        self.user = user
        self.scope = scope or {}
        #: Flash messages by kind, shown by the template as `flash` (see put_flash).
        self.flash: Flash = {}
        self.flash_new: Flash = {}
        self.streams = Streams()
        #: Events queued by push_event, sent with the next diff as `e`.
        self.pending_events: list[tuple[str, Any]] = []
        #: Upload configurations of this view (see allow_upload).
        self.upload_manager = UploadManager(self)
        #: The navigation requested by the last handler, taken by the runtime.
        self.navigation: Navigation | None = None
        self._mailbox = mailbox
        self._timers = timers
        #: The view's assign_async / start_async work (given by the runtime).
        self.async_work = async_work
        self.lifecycle = Lifecycle()

    # Real-time --------------------------------------------------------------------------
    async def subscribe(self, topic: str) -> None:
        """Receive every message broadcast on `topic` in `handle_info`."""
        await pubsub.subscribe(self._mailbox, topic)

    async def broadcast(self, topic: str, message: Any) -> None:
        """Send `message` to every view subscribed to `topic` (this one included)."""
        await pubsub.broadcast(topic, message)

    def schedule_info(self, event: Any, seconds: float) -> None:
        """Deliver `event` to `handle_info` every `seconds` until the view goes away."""
        self._timers.schedule(event, seconds, repeat=True)

    def schedule_info_once(self, event: Any, seconds: float) -> None:
        """Deliver `event` to `handle_info` once, after `seconds`."""
        self._timers.schedule(event, seconds, repeat=False)

    # Navigation -------------------------------------------------------------------------
    async def push_patch(self, path: str, params: dict[str, Any] | None = None, *,
                         replace: bool = False) -> None:
        """Change the URL within this view; `handle_params` runs with the new params.

        `replace=True` replaces the browser's history entry instead of adding one.
        """
        self.navigation = Navigation("patch", with_params(path, params), replace=replace)

    async def push_navigate(self, path: str, params: dict[str, Any] | None = None) -> None:
        """Switch to another LiveView without a page load (new history entry)."""
        self.navigation = Navigation("navigate", with_params(path, params))

    async def replace_navigate(self, path: str, params: dict[str, Any] | None = None) -> None:
        """Like push_navigate, replacing the current history entry."""
        self.navigation = Navigation("navigate", with_params(path, params), replace=True)

    async def redirect(self, path: str, params: dict[str, Any] | None = None) -> None:
        """Full page load of `path` (any URL, LiveView or not)."""
        self.navigation = Navigation("redirect", with_params(path, params))

    # Client events ----------------------------------------------------------------------
    async def push_event(self, event: str, value: dict[str, Any]) -> None:
        """Send `phx:<event>` to the page (hooks' handleEvent, window listeners)."""
        if not isinstance(event, str) or not event:
            raise ValueError(f"push_event: event must be a non-empty str, got {event!r}")
        self.pending_events.append((event, value))

    async def exec_js(self, to: str, js: JS | None = None, *, attr: str | None = None) -> None:
        """Run JS commands in the browser on each element matching the selector `to`: the
        commands `js`, or those held in the element's attribute `attr` (e.g. "data-show").

        Travels as the push event "js-exec", which the client bundle runs with
        liveSocket.execJS (docs/js-commands.md); commands without their own `to=` apply to
        the matched element."""
        if not isinstance(to, str) or not to:
            raise ValueError(f"exec_js: to must be a CSS selector, got {to!r}")
        if (js is None) == (attr is None):
            raise ValueError(f"exec_js: give either js (a JS value) or attr (an attribute "
                             f"name), got js={js!r}, attr={attr!r}")
        if js is not None and not isinstance(js, JS):
            raise ValueError(f"exec_js: js must be a liveview.JS value, got {js!r}")
        if attr is not None and (not isinstance(attr, str) or not attr):
            raise ValueError(f"exec_js: attr must be an attribute name, got {attr!r}")
        payload = {"to": to, "js": str(js)} if js is not None else {"to": to, "attr": attr}
        await self.push_event("js-exec", payload)

    # Uploads ----------------------------------------------------------------------------
    def allow_upload(self, upload_name: str, constraints: UploadConstraints | dict | None = None,
                     auto_upload: bool = False, progress: Callable[..., Any] | None = None,
                     *, chunk_size: int | None = None, external: Callable[..., Any] | None = None,
                     writer: Callable[..., Any] | None = None) -> UploadConfig:
        """Accept files for `upload_name`; render the returned config with live_file_input.

        `external(entry, socket) -> meta`: the browser uploads each entry elsewhere with the
        client uploader `meta["uploader"]` names (docs/uploads.md, "Direct to S3").
        `writer(name, entry, socket) -> UploadWriter`: chunks stream into it instead of a
        temp file (docs/uploads.md, "Upload writers").
        """
        return self.upload_manager.allow(upload_name, constraints, auto_upload=auto_upload,
                                         progress=progress, chunk_size=chunk_size,
                                         external=external, writer=writer)

    def cancel_upload(self, upload_name: str, entry_ref: str) -> bool:
        """Drop one entry of `upload_name` (its data too); False if it was already gone."""
        return self.upload_manager.get(upload_name).cancel_entry(entry_ref)

    async def consume_uploaded_entries(self, upload_name: str,
                                       func: Callable[..., Any]) -> list[Any]:
        """Call `func(upload, entry)` for each finished entry of `upload_name`; the results."""
        return await self.upload_manager.get(upload_name).consume_uploaded_entries(func)


LiveViewSocket = Union[ConnectedLiveViewSocket[T], UnconnectedSocket[T]]


def is_connected(socket: LiveViewSocket[T]) -> TypeGuard[ConnectedLiveViewSocket[T]]:
    """True for a socket joined over the websocket (narrows the type for checkers)."""
    return socket.connected
