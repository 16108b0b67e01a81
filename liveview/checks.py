"""System checks: misconfiguration found at startup, with an id and a hint.

Ids: E001 LIVEVIEW not a dict, E002 unknown LIVEVIEW key, E003 no ASGI_APPLICATION,
E004 a LIVEVIEW value of the wrong type or range, E005 ASGI_APPLICATION not importable,
E006 ASGI_APPLICATION routes no websocket to LiveView; W001 no CHANNEL_LAYERS, W002 client
bundle not found, W003 LiveView wrapped in a decorator, W004 `runserver` is not daphne's,
W005 ASGI_APPLICATION wraps the websocket routes in something these checks cannot look into.
"""
from __future__ import annotations

import os
from datetime import timedelta
from typing import Any, Callable, Iterator

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string

from .conf import DEFAULTS
from .lifecycle import check_on_mount_setting

ASGI_HINT = ("In your asgi.py: application = liveview_application(get_asgi_application()), with "
             "`from liveview.asgi import liveview_application` after get_asgi_application() "
             "(see the README, \"Install in your project\").")


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
        problems.extend(_check_values(user))
        for problem in check_on_mount_setting(user.get("ON_MOUNT", {})):
            problems.append(Error(problem, hint="See docs/lifecycle.md.", id="liveview.E004"))
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


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _bool(value: Any) -> bool:
    return isinstance(value, bool)


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _non_empty_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _seconds(value: Any) -> bool:
    return _positive_number(value) or (isinstance(value, timedelta) and value.total_seconds() > 0)


def _socket_path(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("/") and value.strip("/") != ""


def _limit(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _milliseconds_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool)
                             and value >= 0)


def _mmap_threshold(value: Any) -> bool:
    return value is None or (_positive_int(value) and value <= 32 * 1024 * 1024)


def _directory_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, (str, os.PathLike)) and str(value) != "")


# What each LIVEVIEW key accepts: (test, description). A value of the wrong type fails only when
# the code reading it runs (a str HANDLER_TIMEOUT breaks every join), so say it at startup.
VALUE_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "LAYOUT": (_non_empty_text, "a template name (non-empty str)"),
    "TITLE_PREFIX": (_text, "a str"),
    "TITLE_SUFFIX": (_text, "a str"),
    "TOKEN_MAX_AGE": (_seconds, "a positive number of seconds (int, float or timedelta)"),
    "MAX_FRAME_BYTES": (_positive_int, "a positive int (bytes)"),
    "HANDLER_TIMEOUT": (_positive_number, "a positive number of seconds (int or float)"),
    "SOCKET_PATH": (_socket_path, 'a URL path starting with "/", such as "/live"'),
    "UPLOAD_STORAGE": (_non_empty_text, "a storage alias of settings.STORAGES (str)"),
    "UPLOAD_TEMP_DIR": (_directory_or_none, "None or a directory path (str or Path)"),
    "UPLOAD_CHUNK_SIZE": (_positive_int, "a positive int (bytes)"),
    "LONGPOLL_FALLBACK_MS": (_milliseconds_or_none,
                             "None or 0 (no fallback), or milliseconds (int >= 0)"),
    "PRESENCE_HEARTBEAT": (_positive_number, "a positive number of seconds (int or float)"),
    "SHUTDOWN_TIMEOUT": (_limit, "a number of seconds >= 0 (0: close sockets at once)"),
    "CHANGE_TRACKING": (_bool, "True or False"),
    "MALLOC_MMAP_THRESHOLD": (_mmap_threshold, "None, or a positive int of bytes up to 32 MiB"),
    # Limits (docs/deployment.md, "Limits"): 0 turns one off.
    **{key: (_limit, "a number >= 0 (0 turns the limit off)")
       for key in ("MAILBOX_LIMIT", "OUTBOUND_BUFFER_LIMIT", "MAX_VIEWS_PER_SOCKET",
                   "MAX_JOINS_PER_SECOND", "MAX_FRAMES_PER_SECOND")},
}


def _check_values(user: dict[str, Any]) -> Iterator[Any]:
    """E004: each known LIVEVIEW key holds a value of the type and range the code expects."""
    for key in sorted(set(user) & set(VALUE_RULES)):
        valid, expected = VALUE_RULES[key]
        value = user[key]
        if not valid(value):
            yield Error(
                f"LIVEVIEW[{key!r}] must be {expected}, got {value!r} ({type(value).__name__})",
                hint=f"The default is {DEFAULTS[key]!r}; remove the key to use it.",
                id="liveview.E004")
    storage = user.get("UPLOAD_STORAGE")
    storages = getattr(settings, "STORAGES", {}) or {}
    if isinstance(storage, str) and storage and storage not in storages:
        yield Error(
            f"LIVEVIEW['UPLOAD_STORAGE'] is {storage!r}, which is not a key of settings.STORAGES",
            hint=f"Use one of: {', '.join(sorted(storages)) or '(none)'}.", id="liveview.E004")
    chunk = user.get("UPLOAD_CHUNK_SIZE", DEFAULTS["UPLOAD_CHUNK_SIZE"])
    frame = user.get("MAX_FRAME_BYTES", DEFAULTS["MAX_FRAME_BYTES"])
    if _positive_int(chunk) and _positive_int(frame):
        from .uploads import MAX_FRAME_HEADER

        if chunk + MAX_FRAME_HEADER > frame:
            yield Error(
                f"LIVEVIEW['UPLOAD_CHUNK_SIZE'] ({chunk}) plus the upload frame header "
                f"({MAX_FRAME_HEADER} bytes) exceeds LIVEVIEW['MAX_FRAME_BYTES'] ({frame}): "
                f"every upload would be refused",
                hint="Raise MAX_FRAME_BYTES or lower UPLOAD_CHUNK_SIZE.", id="liveview.E004")


# Attributes under which ASGI wrappers keep the application they wrap: Channels' middleware
# (`inner`), OriginValidator and Django's ASGIStaticFilesHandler (`application`), and the
# common `app` of third-party ASGI middleware.
_WRAPPED_ATTRIBUTES = ("inner", "application", "app")


def _websocket_routing(app: Any, seen: set[int]) -> tuple[bool, bool]:
    """(routes the LiveView consumer, met an object it could not look into) for `app`."""
    from django.core.handlers.asgi import ASGIHandler

    from .runtime.consumer import LiveViewConsumer

    if id(app) in seen or len(seen) > 100:
        return False, False
    seen.add(id(app))
    consumer = getattr(app, "consumer_class", None)
    if isinstance(consumer, type):
        return issubclass(consumer, LiveViewConsumer), False
    if isinstance(app, ASGIHandler):
        return False, False
    mapping = getattr(app, "application_mapping", None)
    if isinstance(mapping, dict):
        websocket = mapping.get("websocket")
        return _websocket_routing(websocket, seen) if websocket is not None else (False, False)
    routes = getattr(app, "routes", None)
    if isinstance(routes, (list, tuple)):
        opaque = False
        for route in routes:
            found, unknown = _websocket_routing(getattr(route, "callback", route), seen)
            if found:
                return True, False
            opaque = opaque or unknown
        return False, opaque
    for attribute in _WRAPPED_ATTRIBUTES:
        inner = getattr(app, attribute, None)
        if inner is not None and callable(inner):
            return _websocket_routing(inner, seen)
    return False, True


@register()
def check_asgi_application(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """ASGI_APPLICATION must route /live/websocket to LiveView, or no page ever connects."""
    dotted = getattr(settings, "ASGI_APPLICATION", None)
    if not dotted or not isinstance(dotted, str):
        return []  # E003 (check_settings) reports it
    try:
        application = import_string(dotted)
    except Exception as exc:  # anything asgi.py raises: report it here, not at the first request
        return [Error(
            f"ASGI_APPLICATION {dotted!r} could not be imported: {type(exc).__name__}: {exc}",
            hint="Point ASGI_APPLICATION at the `application` of your project's asgi.py "
                 "(\"mysite.asgi.application\"). " + ASGI_HINT, id="liveview.E005")]
    from .conf import liveview_settings

    endpoint = liveview_settings.SOCKET_PATH.rstrip("/") + "/websocket"
    found, opaque = _websocket_routing(application, set())
    if found:
        return []
    if opaque:
        return [Warning(
            f"ASGI_APPLICATION {dotted!r} wraps its websocket routes in an application these "
            f"checks cannot look into, so they cannot tell whether {endpoint} reaches LiveView",
            hint=ASGI_HINT + " Silence liveview.W005 if your own routing includes "
                 "liveview.asgi.websocket_urlpatterns().", id="liveview.W005")]
    from django.core.handlers.asgi import ASGIHandler

    what = ("is Django's get_asgi_application(), which serves HTTP only"
            if isinstance(application, ASGIHandler) else "routes no websocket to LiveView")
    return [Error(
        f"ASGI_APPLICATION {dotted!r} {what}: LiveView pages render but never connect "
        f"(their websocket {endpoint} is refused)", hint=ASGI_HINT, id="liveview.E006")]


@register()
def check_runserver(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """`manage.py runserver` must be daphne's (ASGI, websockets), not Django's WSGI one."""
    from django.core.management import get_commands

    owner = get_commands().get("runserver")
    if owner == "daphne":
        return []
    if "daphne" in settings.INSTALLED_APPS:
        why = (f'"daphne" comes after {owner!r} in INSTALLED_APPS, whose runserver wins')
        fix = 'Move "daphne" to the start of INSTALLED_APPS.'
    else:
        why = '"daphne" is not in INSTALLED_APPS'
        fix = ('Put "daphne" first in INSTALLED_APPS, e.g. '
               'INSTALLED_APPS = ["daphne", *INSTALLED_APPS].')
    return [Warning(
        f"`manage.py runserver` is Django's WSGI server ({why}): it serves no websockets, so "
        f"LiveView pages render but never connect",
        hint=fix + " Silence liveview.W004 if you never use runserver (only daphne or uvicorn).",
        id="liveview.W004")]


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


@register("templates", "staticfiles")
def check_colocated_hooks(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """The colocated hooks build (manage.py liveview_build_hooks) matches the templates."""
    from django.template import TemplateSyntaxError

    from .colocated import STATIC_PATH, build_js, collect_hooks, parse_manifest, read_built

    try:
        hooks = collect_hooks()
    except TemplateSyntaxError as exc:
        return [Error(f"colocated hooks cannot be built: {exc}", id="liveview.E010")]
    built = read_built()
    if not hooks and built is None:
        return []
    if built is None or parse_manifest(built) != parse_manifest(build_js(hooks)):
        state = "missing" if built is None else "out of date"
        return [Warning(
            f"the colocated hooks build {STATIC_PATH} is {state}: the browser would run "
            f"{'no' if built is None else 'old'} code for "
            f"{', '.join(sorted(h.name for h in hooks)) or 'hooks that are gone'}",
            hint="Run `python manage.py liveview_build_hooks` (and collectstatic when "
                 "deploying).", id="liveview.W010")]
    return []
