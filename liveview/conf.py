"""The `LIVEVIEW` settings dict, with defaults, read lazily and again whenever it changes."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS: dict[str, Any] = {
    # Template wrapping every LiveView page (html/head/body, csrf meta, client script).
    "LAYOUT": "liveview/layout.html",
    # Text around live_title in <title> (the client keeps them on title updates).
    "TITLE_PREFIX": "",
    "TITLE_SUFFIX": "",
    # Session and static tokens stay valid this long (seconds): a tab left open for a
    # week-end must still reconnect. Phoenix uses two weeks.
    "TOKEN_MAX_AGE": 14 * 24 * 3600,
    # Frames above this size (bytes) are refused without being parsed.
    "MAX_FRAME_BYTES": 1024 * 1024,
    # A handler still running after this many seconds is cancelled and the view
    # restarted, so every client request gets its answer before the client's 30 s timeout.
    "HANDLER_TIMEOUT": 25.0,
    # Path of the websocket endpoint; the client appends "/websocket".
    "SOCKET_PATH": "/live",
    # When the websocket has not opened after this many milliseconds (a proxy blocks it), the
    # client falls back to long polling (SOCKET_PATH + "/longpoll") and keeps it for the tab's
    # session. None or 0: no fallback. 2500 as in Phoenix's generated apps.
    "LONGPOLL_FALLBACK_MS": 2500,
    # Uploads: Django storage alias that ConsumedUpload.save() writes to, directory the
    # chunks stream into (None: the system temp dir), bytes per chunk (plus a frame header,
    # it must fit in MAX_FRAME_BYTES).
    "UPLOAD_STORAGE": "default",
    "UPLOAD_TEMP_DIR": None,
    "UPLOAD_CHUNK_SIZE": 64_000,
    # on_mount hooks for every view of a live session: {"session name": ["dotted.path", ...]},
    # run before the views' own on_mount hooks (docs/lifecycle.md).
    "ON_MOUNT": {},
    # Presence: each process announces its entries this often (seconds); a process silent
    # for three heartbeats is dead and its entries leave (docs/realtime.md, "Presence").
    "PRESENCE_HEARTBEAT": 5.0,
    # Bounds per view and per socket (docs/deployment.md, "Limits"). 0 turns a limit off.
    # Messages waiting in one view's mailbox; past it the view is restarted (phx_error).
    "MAILBOX_LIMIT": 1000,
    # Characters of frames waiting to go to one client (plus what the server still holds
    # for it, where it tells); past it the client is dropped and its browser reconnects.
    "OUTBOUND_BUFFER_LIMIT": 8 * 1024 * 1024,
    # Views one socket may have joined at once, joins a second, text frames a second.
    "MAX_VIEWS_PER_SOCKET": 100,
    "MAX_JOINS_PER_SECOND": 20,
    "MAX_FRAMES_PER_SECOND": 200,
    # On SIGTERM, views get this many seconds to finish what they were given before every
    # socket is closed with 1012 and clients reconnect elsewhere (docs/deployment.md,
    # "Restarts and deploys"). 0: close at once.
    "SHUTDOWN_TIMEOUT": 20.0,
    # Change tracking: after a handler, re-evaluate only the parts of a view's template whose
    # context values changed (docs/templates.md, "Change tracking"). False: render it all.
    "CHANGE_TRACKING": True,
    # glibc only: allocations of this many bytes and more get their own mmap and go back to
    # the system when freed, instead of glibc raising the threshold after the first large
    # free and keeping later large frames' buffers in the heap (docs/deployment.md, "Memory
    # after a burst"). None: leave the allocator alone.
    "MALLOC_MMAP_THRESHOLD": 128 * 1024,
}


class LiveViewSettings:
    """Attribute access to `settings.LIVEVIEW` merged over DEFAULTS.

    Read at the first access (Django's settings are not configured when this module is
    imported), every setting at once; the object then becomes a `_ReadSettings`, whose
    settings are plain attributes. Some are read on every websocket frame: a plain attribute
    costs ~20 instructions once CPython has specialized the read, one through a class with a
    `__getattr__` ~300 (CPython 3.11 never specializes those), and Django's LazySettings 3-5 us.
    `override_settings` (the `setting_changed` signal) makes it read them again.
    """

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown LIVEVIEW setting {name!r}; known: {sorted(DEFAULTS)}")
        user = getattr(settings, "LIVEVIEW", None) or {}
        for key, default in DEFAULTS.items():  # (a value set on the object stays: tests')
            self.__dict__.setdefault(key, user.get(key, default))
        object.__setattr__(self, "__class__", _ReadSettings)
        return self.__dict__[name]


class _ReadSettings:
    """`liveview_settings` once read: its settings in its `__dict__`, and no `__getattr__`
    (an unknown name is a plain AttributeError)."""


liveview_settings = LiveViewSettings()


def _forget_cached_settings(*, setting: str, **kwargs: Any) -> None:
    # Sent by override_settings (and pytest-django's `settings` fixture).
    if setting == "LIVEVIEW":
        liveview_settings.__dict__.clear()
        object.__setattr__(liveview_settings, "__class__", LiveViewSettings)


setting_changed.connect(_forget_cached_settings)
