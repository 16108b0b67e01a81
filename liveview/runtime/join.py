"""Checks a `phx_join` must pass before a view is mounted: tokens, CSRF, route, live session.

See docs/internals.md ("Joining") for what the client does with each refusal. A nested view
(`{% live_render %}`, docs/nested.md) is not routed: its class comes from its signed token,
and its join carries no URL.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import ParseResult

from ..core import protocol as p
from ..exceptions import JoinRefused, NestedViewError, TokenError
from ..nested import resolve_view
from ..routing import dotted_path, resolve_live
from ..security import csrf_token_valid
from ..tokens import SessionToken, verify_session, verify_static


@dataclass(frozen=True)
class JoinPlan:
    """What to mount: the class and its kwargs, the URL (None for a nested view), the URL's
    kwargs, the static token's data and the session token."""

    view_class: type[Any]
    initkwargs: dict[str, Any]
    url: ParseResult | None
    kwargs: dict[str, Any]
    static: dict[str, Any]
    token: SessionToken


def verify_join(payload: dict[str, Any], view_id: str, scope: dict[str, Any]) -> JoinPlan:
    """The view to mount, or JoinRefused.

    Bad, expired or foreign tokens and a wrong CSRF token are `stale` (the client reloads
    the page and gets fresh ones); a URL that is not this view, or a live navigation out of
    its live session, is `unauthorized` (the client loads that URL in full).
    """
    try:
        token = verify_session(payload.get("session"), view_id)
        static = verify_static(payload.get("static"), view_id)
    except TokenError as exc:
        raise JoinRefused({"reason": p.REASON_STALE}, f"bad token: {exc}") from None
    if not csrf_token_valid(scope, payload.get("params")):
        raise JoinRefused({"reason": p.REASON_STALE}, "CSRF token missing or wrong")
    if token.nested:
        try:
            view_class = resolve_view(token.view)
        except NestedViewError as exc:  # a class renamed since the page was rendered
            raise JoinRefused({"reason": p.REASON_STALE}, str(exc)) from None
        return JoinPlan(view_class, {}, None, {}, static, token)

    redirect = payload.get("redirect")
    url = redirect if redirect is not None else payload.get("url")
    if not isinstance(url, str):
        raise JoinRefused({"reason": p.REASON_UNAUTHORIZED}, "join without url or redirect")
    route = resolve_live(url)
    if route is None:
        raise JoinRefused({"reason": p.REASON_UNAUTHORIZED}, f"{url} is not a LiveView")
    if redirect is None and dotted_path(route.view_class) != token.view:
        raise JoinRefused({"reason": p.REASON_UNAUTHORIZED},
                          f"{url} routes to {dotted_path(route.view_class)}, "
                          f"the page was rendered by {token.view}")
    if redirect is not None and route.view_class.live_session != token.live_session:
        raise JoinRefused({"reason": p.REASON_UNAUTHORIZED},
                          f"{url} is in live session {route.view_class.live_session!r}, "
                          f"not {token.live_session!r}")
    return JoinPlan(route.view_class, route.initkwargs, route.url, route.kwargs, static, token)
