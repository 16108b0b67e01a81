"""The first (HTTP) render: mount, handle_params, the view's HTML inside the layout."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import signals, telemetry
from .auth import http_access_denied
from .callbacks import call_user
from .conf import liveview_settings
from .components import ComponentRegistry
from .core.tree import tree_to_html
from .core.wire import COMPONENTS
from .flash import flash_from_request, forget_flash_cookie
from .installed import require_installed
from .lifecycle import run_hooks, run_on_mount
from .routing import dotted_path, route_params
from .socket import UnconnectedSocket
from .tokens import SessionToken, new_view_id, sign_session, sign_static


async def load_session(session: Any) -> None:
    """Load a lazy Django session now, so user code can read it from async code."""
    if session is not None:
        await session.akeys()


async def render_page(view: Any, request: HttpRequest, kwargs: dict[str, Any]
                      ) -> HttpResponse:
    """The full HTML page of the LiveView instance `view` for `request`.

    (`view` is not typed as LiveView: `LiveView.as_view()` calls this module, which must not
    import it back.)"""
    # Fail here, with the fix, when the app is missing from INSTALLED_APPS, before mount
    # runs and the layout lookup fails obscurely.
    require_installed()
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    session = getattr(request, "session", None)
    await load_session(session)
    user = await request.auser() if hasattr(request, "auser") else None
    denied = await http_access_denied(view, request, user)
    if denied is not None:
        return denied
    view_id = new_view_id()
    socket: UnconnectedSocket[Any] = UnconnectedSocket(
        view_id=view_id, session=session, user=user, request=request)
    socket.flash = flash_from_request(request)
    url = urlparse(request.build_absolute_uri())
    params = route_params(url.query, kwargs)
    # A navigation asked for by an on_mount hook (which then halts), mount or handle_params:
    # HTTP has no live navigation, every kind is a redirect.
    cls = type(view)
    with telemetry.span(signals.view_mounted, cls, view_id, False,
                        (view, socket, params, session, url)):
        halted = await run_on_mount(view, params, session, socket)
        if halted is None:
            await call_user(view.mount, socket, session)
    if halted is None and socket.navigation is None:
        with telemetry.span(signals.params_handled, cls, view_id, False,
                            (view, socket, params, url)):
            if await run_hooks(socket, "handle_params", url, params, socket) is None:
                await call_user(view.handle_params, url, params, socket)
    if socket.navigation is not None:
        return HttpResponseRedirect(socket.navigation.to)
    # Components render in place; the registry (and every component) goes with the request.
    components = ComponentRegistry()
    with telemetry.span(signals.view_rendered, cls, view_id, False,
                        (view, socket)) as measure:
        tree = await components.render(view, socket)
        measure.rendered()
        inner = tree_to_html({**tree, COMPONENTS: components.inline_trees()})
        measure.diffed(tree, html=inner)
    await run_hooks(socket, "after_render", socket)

    session_token = sign_session(SessionToken(view_id, dotted_path(type(view)),
                                              view.live_session))
    container = format_html(
        '<{tag} id="{id}" data-phx-main data-phx-session="{session}" '
        'data-phx-static="{static}">{inner}</{tag}>',
        tag=view.container_tag, id=view_id, session=session_token,
        static=sign_static(view_id, socket.flash), inner=mark_safe(inner))
    layout = view.layout_template_name or liveview_settings.LAYOUT
    context = {"liveview_content": container, "liveview_title": socket.live_title or "",
               "view": view}
    # Context processors (auth, messages, csrf) may touch the database: not on the loop.
    html = await sync_to_async(render_to_string)(layout, context, request)
    response = HttpResponse(html)
    forget_flash_cookie(request, response)
    return response
