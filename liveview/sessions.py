"""The Django session and user of a websocket, read again whenever it matters.

A websocket lives for hours, and the session and user Channels read when it opened go stale:
each join reads them again from the session store, so a logout in another tab (or a password
change) takes effect at the next join.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.apps import apps


async def current_session_user(scope: dict[str, Any]) -> tuple[Any, Any]:
    """The websocket's session and user as the session store has them now.

    Channels resolves both when the websocket opens. A session not modified on this socket
    is reloaded, and the user resolved from it as Django's AuthenticationMiddleware does
    (session hash checked, so a password change logs out too); the scope is updated.
    """
    session = scope.get("session")
    if session is None:
        return None, scope.get("user")
    if not session.modified:
        try:
            del session._session_cache
        except AttributeError:  # never loaded yet
            pass
    await session.akeys()  # loads it, from async code
    user = scope.get("user")
    if apps.is_installed("django.contrib.auth"):
        from django.contrib.auth import aget_user

        # aget_user reads only `request.session`.
        user = await aget_user(SimpleNamespace(session=session))  # type: ignore[arg-type]
        scope["user"] = user
    return session, user
