"""One call to wire LiveView into a project's asgi.py."""
from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.auth import UserLazyObject, get_user
from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings
from django.http.cookie import parse_cookie
from django.urls import path
from django.utils.functional import LazyObject

from .conf import liveview_settings
from .runtime.consumer import LiveViewConsumer
from .runtime.longpoll import LongPollEndpoint


class WebsocketSessionMiddleware:
    """`cookies`, `session` and `user` in a websocket's scope, as Channels'
    `CookieMiddleware(SessionMiddleware(AuthMiddleware(inner)))` put them, in one layer.

    Those three layers each stay suspended for the socket's whole life, and most keep a copy
    of the scope: about 3 KiB a socket (tracemalloc of 2,000 idle views, bench/README.md,
    idle.py). Here one frame and one copy hold them. Channels' SessionMiddleware also wraps
    every outgoing frame to save the session on `http.response.start`, which a websocket never
    sends, at 10-15% of a counter click's CPU in our own code: there is no such wrapper.
    """

    def __init__(self, inner: Any):
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)  # nothing goes upstream
        cookie = next((value for name, value in scope.get("headers", ()) if name == b"cookie"),
                      None)
        scope["cookies"] = parse_cookie(cookie.decode("latin1")) if cookie is not None else {}
        if "session" not in scope:
            scope["session"] = LazyObject()
        store = import_module(settings.SESSION_ENGINE).SessionStore
        scope["session"]._wrapped = store(scope["cookies"].get(settings.SESSION_COOKIE_NAME))
        if "user" not in scope:
            scope["user"] = UserLazyObject()
        scope["user"]._wrapped = await get_user(scope)
        return await self.inner(scope, receive, send)


def websocket_urlpatterns() -> list[Any]:
    """The route of the LiveView websocket endpoint, to include in your own URLRouter."""
    socket_path = liveview_settings.SOCKET_PATH.strip("/")
    return [path(f"{socket_path}/websocket", LiveViewConsumer.as_asgi())]


def longpoll_application() -> LongPollEndpoint:
    """The LongPoll endpoint (`<SOCKET_PATH>/longpoll`, HTTP): the websocket's fallback.

    A new session's request goes through the websocket's session and auth middleware, so its
    views see the same session and user; the Origin check is the endpoint's own.
    """
    return LongPollEndpoint(
        connect=WebsocketSessionMiddleware)


class LongPollRouter:
    """HTTP requests to `<SOCKET_PATH>/longpoll` to the LongPoll endpoint, others to `http`."""

    def __init__(self, http_application: Any):
        self.http_application = http_application
        self.longpoll = longpoll_application()
        self.path = "/" + liveview_settings.SOCKET_PATH.strip("/") + "/longpoll"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        if path == self.path:
            return await self.longpoll(scope, receive, send)
        return await self.http_application(scope, receive, send)


def liveview_application(http_application: Any, websocket_routes: list[Any] | None = None
                         ) -> ProtocolTypeRouter:
    """HTTP to Django, websockets to LiveView (with session, user and origin check), and the
    LongPoll fallback (`/live/longpoll`) to the same runtime.

    `websocket_routes` are extra routes of your own, served beside the LiveView endpoint.
    With DEBUG on and django.contrib.staticfiles installed, static files (the client bundle
    among them) are served as `manage.py runserver` serves them, so `daphne` or `uvicorn` run
    directly in development give live pages too; with DEBUG off, serve them as for any Django
    site (collectstatic, then WhiteNoise or the reverse proxy).
    """
    from django.apps import apps
    from django.conf import settings
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from .security import SameOriginWebsockets

    if settings.DEBUG and settings.STATIC_URL and \
            apps.is_installed("django.contrib.staticfiles") and \
            not isinstance(http_application, ASGIStaticFilesHandler):
        http_application = ASGIStaticFilesHandler(http_application)
    routes = websocket_urlpatterns() + list(websocket_routes or [])
    return ProtocolTypeRouter({
        "http": LongPollRouter(http_application),
        "websocket": SameOriginWebsockets(
            WebsocketSessionMiddleware(URLRouter(routes))),
    })
