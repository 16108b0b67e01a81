"""The LiveView base class users subclass, and `as_view()` for urls.py."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Callable, ClassVar, Generic, TypeVar
from urllib.parse import ParseResult

from django.http import HttpRequest, HttpResponse

from .callbacks import call_user
from .events import InfoEvent
from .rendering import TemplateRenderer
from .routing import LIVE_VIEW_MARK
from .socket import ConnectedLiveViewSocket, LiveViewSocket

logger = logging.getLogger(__name__)

T = TypeVar("T")


class LiveView(TemplateRenderer, Generic[T]):
    """A page whose state lives on the server and whose HTML updates over a websocket.

    Override `mount`, `handle_params`, `handle_event` and `handle_info` (async or sync) and
    set `template_name`, or override `render()`. Declare it with `MyView.as_view()`.
    """

    #: Django template holding the view's inner markup (rendered inside the layout).
    template_name: str | None = None
    #: Page layout (html/head/body); defaults to `LIVEVIEW["LAYOUT"]`.
    layout_template_name: str | None = None
    #: Tag of the element the view's markup is rendered in.
    container_tag: str = "div"
    #: Views may live-navigate (push_navigate, redirect links) only within one live session.
    live_session: str = "default"
    #: The socket handed to the view's methods once it is joined over the websocket.
    socket_class: type[ConnectedLiveViewSocket[Any]] = ConnectedLiveViewSocket
    #: Hooks run before `mount` (HTTP render and join) with `(params, session, socket)`;
    #: functions or dotted paths. Base classes' lists run first (see docs/lifecycle.md).
    on_mount: ClassVar[Sequence[Callable[..., Any] | str]] = ()

    def __init__(self, **kwargs: Any) -> None:
        for name, value in kwargs.items():
            setattr(self, name, value)

    async def mount(self, socket: LiveViewSocket[T], session: Any) -> None:
        """Set up `socket.context`; runs for the HTTP render and again on connect."""

    async def handle_params(self, url: ParseResult, params: dict[str, list[Any]],
                            socket: LiveViewSocket[T]) -> None:
        """React to the URL: after mount, and on every live patch."""

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[T]) -> Any:
        """A client event (phx-click, phx-change, hook pushEvent, ...)."""
        logger.warning("%s received event %r but does not override handle_event",
                       type(self).__name__, event)

    async def handle_info(self, event: InfoEvent, socket: ConnectedLiveViewSocket[T]) -> None:
        """A pub/sub message or a scheduled event."""
        logger.warning("%s received info %r but does not override handle_info",
                       type(self).__name__, getattr(event, "name", event))

    async def handle_async(self, name: str, result: Any,
                           socket: ConnectedLiveViewSocket[T]) -> None:
        """The end of `socket.start_async(name, ...)`: `result` is an AsyncResult, ok (with
        `result.result`) or failed (with the exception in `result.failed`)."""
        logger.warning("%s finished async %r but does not override handle_async",
                       type(self).__name__, name)

    async def disconnect(self, socket: ConnectedLiveViewSocket[T]) -> None:
        """The joined view is ending (leave, navigation, crash, closed tab): last words,
        e.g. a presence broadcast. Not called if the whole process dies."""

    async def has_access(self, user: Any) -> bool:
        """Whether `user` may see this view: checked before the HTTP render's mount and at
        every websocket join (see liveview.auth for the login and permission mixins)."""
        # Chain on, so access mixins listed after LiveView in the bases still apply.
        parent = getattr(super(), "has_access", None)
        if parent is None:
            return True
        return bool(await call_user(parent, user))

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., Any]:
        """A Django view for urls.py: the first HTTP render of this LiveView."""
        for key in initkwargs:
            if not hasattr(cls, key):
                raise TypeError(f"{cls.__name__}.as_view() got {key!r}, which is not an "
                                f"attribute of the class")

        async def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            from .page import render_page

            return await render_page(cls(**initkwargs), request, kwargs)

        view.view_class = cls  # type: ignore[attr-defined]
        setattr(view, LIVE_VIEW_MARK, cls)  # how URL routing tells a LiveView from other views
        view.view_initkwargs = initkwargs  # type: ignore[attr-defined]
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.__name__ = view.__qualname__ = cls.__name__
        return view
