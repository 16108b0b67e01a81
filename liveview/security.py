"""Websocket security: the Origin check at connection (and for long polling), the CSRF check
at join."""
from __future__ import annotations

from typing import Any

import logging
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
# Django's own CSRF token checks, used as its middleware uses them (not in the stubs).
from django.middleware.csrf import (  # type: ignore[attr-defined]
    CSRF_SESSION_KEY,
    InvalidTokenFormat,
    _check_token_format,
    _does_token_match,
)
from django.utils.http import is_same_domain

logger = logging.getLogger(__name__)


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


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


def _allowed_hosts() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:  # what Django's host check allows then
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def _secure(scope: dict[str, Any]) -> bool:
    """Whether the request came over TLS, as `HttpRequest.is_secure()` decides (a proxy's
    `SECURE_PROXY_SSL_HEADER` included)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        header, secure_value = proxy
        # Django names it as a META key: HTTP_X_FORWARDED_PROTO is X-Forwarded-Proto.
        name = header.removeprefix("HTTP_").replace("_", "-").lower().encode("latin-1")
        value = _header(scope, name)
        return value is not None and value.split(",")[0].strip() == secure_value
    return False


def _trusted(origin: str) -> bool:
    """`origin` is listed in CSRF_TRUSTED_ORIGINS (exactly, or under a `*.` subdomain)."""
    trusted = list(getattr(settings, "CSRF_TRUSTED_ORIGINS", []) or [])
    if origin in trusted:
        return True
    parsed = urlsplit(origin)
    for entry in trusted:
        if "*" not in entry:
            continue
        allowed = urlsplit(entry)
        if allowed.scheme == parsed.scheme and \
                is_same_domain(parsed.netloc, allowed.netloc.lstrip("*")):
            return True
    return False


def origin_allowed(scope: dict[str, Any], *, required: bool = True) -> bool:
    """Django's CSRF origin rule, for a websocket or long-poll request.

    The Host must be in ALLOWED_HOSTS, and the Origin must be this very site (same scheme,
    host and port as the request) or listed in CSRF_TRUSTED_ORIGINS, as
    `CsrfViewMiddleware` requires of unsafe requests. Without an Origin header: refused when
    `required` (browsers always send one on websockets).
    """
    origin = _header(scope, b"origin")
    if origin is None:
        return not required
    host = _header(scope, b"host")
    if not host:
        return False
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return False
    if origin == f"{'https' if _secure(scope) else 'http'}://{host}":
        return True
    return _trusted(origin)


class SameOriginWebsockets:
    """Refuses a websocket whose Origin is not this site (or a trusted origin), reading the
    settings at each connection (see `origin_allowed`)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            logger.warning("websocket from origin %r to host %r refused (not this site, and "
                           "not in CSRF_TRUSTED_ORIGINS)", _header(scope, b"origin"),
                           _header(scope, b"host"))
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
