"""System checks: misconfiguration found at startup, with an id and a hint."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from .conf import DEFAULTS


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """LIVEVIEW keys, ASGI application and channel layer."""
    problems: list[Any] = []
    user = getattr(settings, "LIVEVIEW", {})
    if not isinstance(user, dict):
        problems.append(Error(
            f"LIVEVIEW must be a dict, got {type(user).__name__}",
            hint="Set LIVEVIEW = {} or remove it to use the defaults.", id="liveview.E001"))
    else:
        for key in sorted(set(user) - set(DEFAULTS)):
            problems.append(Error(
                f"LIVEVIEW has an unknown key {key!r}",
                hint=f"Known keys: {', '.join(sorted(DEFAULTS))}.", id="liveview.E002"))
    if not getattr(settings, "ASGI_APPLICATION", None):
        problems.append(Error(
            "ASGI_APPLICATION is not set: LiveView pages need the websocket endpoint",
            hint="Point it at your asgi.py application built with "
                 "liveview.asgi.liveview_application(get_asgi_application()).",
            id="liveview.E003"))
    if not getattr(settings, "CHANNEL_LAYERS", None):
        problems.append(Warning(
            "CHANNEL_LAYERS is not set: socket.subscribe/broadcast will fail",
            hint='Use {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}} for one '
                 "process, channels_redis.core.RedisChannelLayer for several.",
            id="liveview.W001"))
    return problems


@register("staticfiles")
def check_client_bundle(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """The built client (liveview/liveview.js) must be findable by staticfiles."""
    from django.contrib.staticfiles import finders

    if "django.contrib.staticfiles" in settings.INSTALLED_APPS and \
            not finders.find("liveview/liveview.js"):
        return [Warning(
            "the LiveView client bundle static/liveview/liveview.js was not found",
            hint="Build it with `npm ci && npm run build` (or `make setup`) in the liveview "
                 "source tree; installed wheels ship it.", id="liveview.W002")]
    return []


def _url_patterns(patterns: Any, prefix: str = "") -> Any:
    """(route, callback) for every URL pattern, includes walked."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from _url_patterns(pattern.url_patterns, route)
        else:
            yield route, pattern.callback


@register("urls", "security")
def check_decorated_liveviews(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """A LiveView's as_view() wrapped in a decorator: its checks do not run at websocket joins."""
    from django.urls import get_resolver

    from .views import LiveView

    problems: list[Any] = []
    for route, callback in _url_patterns(get_resolver().url_patterns):
        view_class = getattr(callback, "view_class", None)
        if not (isinstance(view_class, type) and issubclass(view_class, LiveView)) or \
                not hasattr(callback, "__wrapped__"):
            continue
        code = getattr(callback, "__code__", None)
        decorator = getattr(code, "co_qualname", None) or getattr(code, "co_name", "?")
        problems.append(Warning(
            f"URL pattern {route!r} wraps {view_class.__name__}.as_view() in a decorator "
            f"({decorator}); decorators run for the HTTP render only, not for the websocket "
            f"joins, so an access check there does not protect the live view",
            hint="Use liveview.login_required / permission_required / user_passes_test, the "
                 "LoginRequiredMixin / PermissionRequiredMixin / UserPassesTestMixin of "
                 "liveview.auth, or override LiveView.has_access (see docs/forms-and-auth.md). "
                 "Silence liveview.W003 if the decorator checks no access.",
            id="liveview.W003"))
    return problems


#: Limits that must be a number >= 0 (0 turns the limit off).
_LIMIT_SETTINGS = ("MAILBOX_LIMIT", "OUTBOUND_BUFFER_LIMIT", "MAX_VIEWS_PER_SOCKET",
                   "MAX_JOINS_PER_SECOND", "MAX_FRAMES_PER_SECOND")


@register()
def check_limits(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """The per-view and per-socket limits are numbers >= 0."""
    user = getattr(settings, "LIVEVIEW", {})
    if not isinstance(user, dict):
        return []  # reported by check_settings
    problems: list[Any] = []
    for key in _LIMIT_SETTINGS:
        value = user.get(key, DEFAULTS[key])
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            problems.append(Error(
                f"LIVEVIEW[{key!r}] must be a number >= 0, got {value!r}",
                hint=f"The default is {DEFAULTS[key]!r}; 0 turns the limit off.",
                id="liveview.E010"))
    return problems
