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
from .exceptions import NestedViewError
from .flash import flash_from_request, forget_flash_cookie
from .installed import require_installed
from .lifecycle import run_hooks, run_on_mount
from .nested import NESTED_KEY, ChildSpec, InlineHost, Placing, container, nested_session
from .routing import dotted_path, route_params
from .socket import UnconnectedSocket
from .tokens import SessionToken, active_locale, new_view_id, sign_session, sign_static


#: How deep child LiveViews may nest in one page (a view rendering itself would not end).
MAX_NESTING = 16


async def load_session(session: Any) -> None:
    """Load a lazy Django session now, so user code can read it from async code."""
    if session is not None:
        await session.akeys()


class _ChildStopped(Exception):
    """A child LiveView of the page refused the user or navigated away during its mount:
    the page answers as that child says (login, 403, redirect)."""

    def __init__(self, response: HttpResponse):
        self.response = response


async def _render_inline(view: Any, socket: Any, host: InlineHost, depth: int = 0) -> str:
    """The view's HTML, its components and child LiveViews rendered in place."""
    # Components render in place; the registry (and every component) goes with the request.
    components = ComponentRegistry()
    # A child's render is its own span (it is a view of its own), sent after its parent's.
    with telemetry.span(signals.view_rendered, type(view), socket.view_id, False,
                        (view, socket)) as measure:
        tree = await components.render(Placing(view, host), socket, {NESTED_KEY: host})
        measure.rendered()
        html = tree_to_html({**tree, COMPONENTS: components.inline_trees()})
        measure.diffed(tree, html=html)
    await run_hooks(socket, "after_render", socket)
    host.finish()
    for child in host.children.values():
        child_html = await _render_child(child, host, socket, depth + 1)
        html = html.replace(host.placeholder(child.id), child_html, 1)
    return html


async def _render_child(child: ChildSpec, host: InlineHost, parent_socket: Any,
                        depth: int) -> str:
    """A child's container with its own HTML inside (mounted for this request only; the
    browser joins it on its own topic once the page is connected)."""
    if depth > MAX_NESTING:
        raise NestedViewError(f"LiveViews nested over {MAX_NESTING} levels deep (does "
                              f"{child.view_path} render itself?)")
    request, user = parent_socket.request, parent_socket.user
    view = child.view_class()
    denied = await http_access_denied(view, request, user)
    if denied is not None:
        raise _ChildStopped(denied)
    session = nested_session(child.session, getattr(request, "session", None))
    socket: UnconnectedSocket[Any] = UnconnectedSocket(
        view_id=child.id, session=session, user=user, request=request)
    with telemetry.span(signals.view_mounted, type(view), child.id, False,
                        (view, socket, {}, session, None)):
        if await run_on_mount(view, {}, session, socket) is None:
            await call_user(view.mount, socket, session)
    if socket.navigation is not None:
        raise _ChildStopped(HttpResponseRedirect(socket.navigation.to))
    own = InlineHost(child.id, child.id if child.sticky else host.root_id, host.live_session)
    inner = await _render_inline(view, socket, own, depth)
    return container(child, host.token(child), parent_id=host.parent_id,
                     static=sign_static(child.id), inner=inner)


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
    try:
        inner = await _render_inline(view, socket, InlineHost(view_id, view_id,
                                                               view.live_session))
    except _ChildStopped as stopped:
        return stopped.response

    session_token = sign_session(SessionToken(view_id, dotted_path(type(view)),
                                              view.live_session, **active_locale()))
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
