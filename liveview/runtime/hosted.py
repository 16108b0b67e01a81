"""What the runtime needs from the views and sockets it hosts, as protocols.

The runtime sits below the views layer and never imports it: a LiveView class reaches the
runtime through URL routing, and its `socket_class` builds the socket the runtime hands to
its methods. Handlers may be sync or async; the runtime calls them through
`liveview.callbacks.call_user`.
"""
from __future__ import annotations

from typing import Any, Protocol

from ..asyncwork import AsyncWork
from ..core.streams import Streams
from ..flash import Flash
from ..navigation import Navigation
from ..pubsub import Subscriber
from ..timers import Timers
from ..uploads import UploadManager


class HostedSocket(Protocol):
    """A joined view's socket: the records the runtime reads after every handler."""

    context: Any
    live_title: str | None
    flash: Flash
    flash_new: Flash
    pending_events: list[tuple[str, Any]]
    navigation: Navigation | None
    upload_manager: UploadManager
    streams: Streams
    component_updates: list[Any]


class SocketFactory(Protocol):
    """How a view builds the socket of a websocket join."""

    def __call__(self, *, view_id: str, mailbox: Subscriber, timers: Timers, session: Any,
                 user: Any, scope: dict[str, Any], async_work: AsyncWork) -> HostedSocket: ...


class HostedView(Protocol):
    """A LiveView instance, as the runtime drives it."""

    live_session: str
    socket_class: SocketFactory

    def mount(self, socket: Any, session: Any) -> Any: ...

    def handle_params(self, url: Any, params: dict[str, list[Any]], socket: Any) -> Any: ...

    def handle_event(self, event: str, payload: Any, socket: Any) -> Any: ...

    def handle_info(self, event: Any, socket: Any) -> Any: ...

    def handle_async(self, name: str, result: Any, socket: Any) -> Any: ...

    def disconnect(self, socket: Any) -> Any: ...

    def has_access(self, user: Any) -> Any: ...

    def render(self, context: dict[str, Any]) -> Any: ...
