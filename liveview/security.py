"""Websocket security: the Origin check at connection, the CSRF check at join."""
from __future__ import annotations

from typing import Any

from channels.security.websocket import OriginValidator
from django.conf import settings
# Django's own CSRF token checks, used as its middleware uses them (not in the stubs).
from django.middleware.csrf import (  # type: ignore[attr-defined]
    CSRF_SESSION_KEY,
    InvalidTokenFormat,
    _check_token_format,
    _does_token_match,
)


def _csrf_secret(scope: dict[str, Any]) -> str | None:
    if settings.CSRF_USE_SESSIONS:
        session = scope.get("session")
        return session.get(CSRF_SESSION_KEY) if session is not None else None
    return (scope.get("cookies") or {}).get(settings.CSRF_COOKIE_NAME)


def csrf_token_valid(scope: dict[str, Any], join_params: Any) -> bool:
    """True if the join's `_csrf_token` matches the CSRF secret of this browser."""
    token = join_params.get("_csrf_token") if isinstance(join_params, dict) else None
    secret = _csrf_secret(scope)
    if not isinstance(token, str) or not isinstance(secret, str):
        return False
    try:
        _check_token_format(token)
        _check_token_format(secret)
    except InvalidTokenFormat:
        return False
    return _does_token_match(token, secret)


class AllowedHostsOrigins(OriginValidator):
    """Channels' AllowedHostsOriginValidator, reading ALLOWED_HOSTS at each connection.

    Channels' version copies ALLOWED_HOSTS when asgi.py is imported, which in a test run is
    before the test runner adds "testserver" (and before override_settings): the websocket of
    a test client would then be refused while its HTTP requests pass. Reading the setting per
    connection keeps both sides on the same list, as Django's host check does.
    """

    def __init__(self, application: Any) -> None:
        super().__init__(application, [])

    @property
    def allowed_origins(self) -> list[str]:
        hosts = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not hosts:  # what Django's host check allows then
            hosts = [".localhost", "127.0.0.1", "[::1]"]
        return hosts

    @allowed_origins.setter
    def allowed_origins(self, value: Any) -> None:
        """OriginValidator.__init__ assigns the list; the property reads the setting instead."""
