"""CSRF check at websocket join, against the token Django put in the page."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.middleware.csrf import (
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
