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
