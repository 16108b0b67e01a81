"""Flash messages: short notices (`kind` → text) shown once, carried across navigation.

Inside a view the flash is plain state on the socket (`socket.flash`, rendered by the
template as `flash`). Only a signed, short-lived *flash token* crosses a navigation
(docs/internals.md, "Flash"):

- push_navigate / replace_navigate: the token rides in `live_redirect`'s `flash` field and the
  client hands it back in the next join's `flash`;
- redirect: the client stores the token in the `__phoenix_flash__` cookie (60 s) and the next
  HTTP render of a LiveView reads it (and deletes the cookie);
- the HTTP render puts its flash (including `django.contrib.messages`) in the static token, so
  the websocket render shows the same flash.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.messages.utils import get_level_tags
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import Promise

logger = logging.getLogger(__name__)

FLASH_SALT = "liveview.flash"
#: Seconds a flash token stays valid: long enough for a navigation, too short to replay.
FLASH_MAX_AGE = 60
#: The cookie the client sets from a `redirect`'s flash token (browser.ts:Browser.redirect).
FLASH_COOKIE = "__phoenix_flash__"
#: The built-in client event that clears the flash (`phx-click="lv:clear-flash"`).
CLEAR_FLASH_EVENT = "lv:clear-flash"

Flash = dict[str, str]


def check_kind(kind: Any, where: str) -> str:
    """`kind` if it is a non-empty str, else a TypeError saying what was received."""
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{where}: kind must be a non-empty str such as 'info' or 'error', "
                        f"got {kind!r}")
    return kind


class FlashMixin:
    """`put_flash` / `clear_flash` for both sockets; the runtime reads `flash_new`."""

    flash: Flash
    #: What the running handler put; a navigation carries these (not older messages along).
    flash_new: Flash

    def put_flash(self, kind: str, message: str) -> None:
        """Show `message` under `kind` ('info', 'error', ...) until cleared."""
        check_kind(kind, "put_flash")
        if not isinstance(message, (str, Promise)):
            raise TypeError(f"put_flash({kind!r}, ...): message must be a str, "
                            f"got {type(message).__name__}")
        self.flash = {**self.flash, kind: str(message)}
        self.flash_new = {**self.flash_new, kind: str(message)}

    def clear_flash(self, kind: str | None = None) -> None:
        """Remove the `kind` message, or every message when `kind` is None."""
        if kind is None:
            self.flash, self.flash_new = {}, {}  # (two dicts: never one object for both)
        else:
            check_kind(kind, "clear_flash")
            self.flash = {k: v for k, v in self.flash.items() if k != kind}
            self.flash_new = {k: v for k, v in self.flash_new.items() if k != kind}


def clean_flash(data: Any) -> Flash:
    """Keep only `str → str` entries of decoded token data (anything else is dropped)."""
    if not isinstance(data, Mapping):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and k and isinstance(v, str)}


def sign_flash(flash: Mapping[str, str]) -> str:
    """The flash token for `redirect` / `live_redirect` (valid FLASH_MAX_AGE seconds)."""
    return signing.dumps(dict(flash), salt=FLASH_SALT, compress=True)


def verify_flash(token: Any) -> Flash:
    """The flash in `token`; an empty flash (logged) if it is missing, expired or tampered."""
    if token is None or token == "":
        return {}
    if not isinstance(token, str):
        logger.warning("flash token must be a string, got %s; ignored", type(token).__name__)
        return {}
    try:
        data = signing.loads(token, salt=FLASH_SALT, max_age=FLASH_MAX_AGE)
    except signing.SignatureExpired:
        logger.info("flash token older than %ss; ignored", FLASH_MAX_AGE)
        return {}
    except signing.BadSignature:
        logger.warning("flash token with a bad signature; ignored")
        return {}
    return clean_flash(data)


def merge_messages(flash: Flash, messages: Iterable[Any]) -> Flash:
    """Add `django.contrib.messages` to `flash`, keyed by level tag ('info', 'error', ...).

    Several messages of one level are joined with a space: a flash holds one text per kind.
    """
    for message in messages:
        kind = getattr(message, "level_tag", "") or "info"
        text = str(message)
        flash[kind] = f"{flash[kind]} {text}" if flash.get(kind) else text
    return flash


def flash_from_request(request: HttpRequest) -> Flash:
    """The flash a page starts with: the redirect cookie, then pending Django messages.

    Reading the messages marks them used, as iterating them in a template does, so
    MessageMiddleware removes them from storage when the response goes out.
    """
    flash = verify_flash(request.COOKIES.get(FLASH_COOKIE))
    return merge_messages(flash, get_messages(request))


def forget_flash_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """Delete the redirect's flash cookie once a page has shown it."""
    if FLASH_COOKIE in request.COOKIES:
        response.delete_cookie(FLASH_COOKIE, path="/")


def join_flash(payload: Mapping[str, Any], static: Mapping[str, Any]) -> Flash:
    """The flash a joining view starts with.

    A live navigation hands back the flash token of its `live_redirect`; the first join of a
    page rendered over HTTP restores that render's flash from the static token. Rejoins
    (after a crash or reconnect) and navigations without a token start empty: the flash was
    already shown.
    """
    if payload.get("flash") is not None:
        return verify_flash(payload["flash"])
    params = payload.get("params")
    first = isinstance(params, Mapping) and params.get("_mounts") in (0, None)
    if payload.get("redirect") is None and first:
        return clean_flash(static.get("flash"))
    return {}


def take_flash_token(socket: Any) -> str | None:
    """The token a navigation carries: the messages the navigating handler put (as Phoenix)."""
    new, socket.flash_new = socket.flash_new, {}
    return sign_flash(new) if new else None


def clear_flash_event(socket: Any, value: Any) -> None:
    """Apply `lv:clear-flash`: `{"key": kind}` clears one kind, no key clears them all."""
    key = value.get("key") if isinstance(value, Mapping) else None
    if key is None:
        socket.clear_flash()
    elif isinstance(key, str) and key:
        socket.clear_flash(key)
    else:
        raise ValueError(f"{CLEAR_FLASH_EVENT}: value key must be a flash kind (a non-empty "
                         f"string) or absent to clear every kind, got {key!r}")


class FlashCookieMiddleware(MiddlewareMixin):
    """Turn the flash a `redirect` left in its cookie into django.contrib.messages.

    Without it, only LiveView pages read the cookie; with it (after MessageMiddleware), a
    redirect to any Django page shows the flash wherever that page shows its messages.
    Kinds map to message levels by tag ('info', 'error', ...); unknown kinds become INFO.
    """

    def process_request(self, request: HttpRequest) -> None:
        token = request.COOKIES.pop(FLASH_COOKIE, None)
        if token is None:
            return
        request._liveview_flash_cookie = True  # type: ignore[attr-defined]
        levels = {tag: level for level, tag in get_level_tags().items()}
        for kind, text in verify_flash(token).items():
            messages.add_message(request, levels.get(kind, messages.INFO), text,
                                 fail_silently=True)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(request, "_liveview_flash_cookie", False):
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response
