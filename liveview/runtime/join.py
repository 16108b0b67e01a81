"""Checks a `phx_join` must pass before a view is mounted: tokens, CSRF, route, live session.

See docs/internals.md ("Joining") for what the client does with each refusal.
"""
from __future__ import annotations

from typing import Any

from ..core import protocol as p
from ..exceptions import JoinRefused, TokenError
from ..routing import LiveRoute, dotted_path, resolve_live
from ..security import csrf_token_valid
from ..tokens import verify_session, verify_static


def verify_join(payload: dict[str, Any], view_id: str, scope: dict[str, Any]
                ) -> tuple[LiveRoute, dict[str, Any]]:
    """The route to mount and the static token's data, or JoinRefused.

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
    return route, static
