"""Signed tokens: session and static (the LiveView container), upload and long-poll tokens.

Each kind is a `django.core.signing` token with its own salt and a max age. Session and
static tokens name the view id, which must match the topic joined (`lv:<id>`); upload tokens
name the joined view instance and the entry. User data stays in the Django session
(reachable from the websocket through the session cookie), never in a token; the one
exception is the `session=` dict a template passes to `{% live_render %}`, signed (readable
by the client, not forgeable) into the child's session token, as Phoenix does.
"""
from __future__ import annotations

import secrets
import zoneinfo
from dataclasses import dataclass
from typing import Any, TypedDict

from django.core import signing
from django.utils import timezone, translation

from .conf import liveview_settings
from .exceptions import TokenError, UploadTokenError

SESSION_SALT = "liveview.session"
STATIC_SALT = "liveview.static"
UPLOAD_SALT = "liveview.upload"
#: Upload tokens are used right after the preflight that made them.
UPLOAD_TOKEN_MAX_AGE = 600
LONGPOLL_SALT = "liveview.longpoll"


@dataclass(frozen=True)
class SessionToken:
    """What the server needs to remount a view: its id, class and live session.

    A nested view's token (`{% live_render %}`) also names the parent that rendered it (the
    join is only accepted while that parent, on the same websocket, renders it), the root of
    its tree, the `session` dict handed to its mount and whether it is sticky (a sticky view
    has no parent: it is a root of its own and outlives live navigation).

    `language` and `time_zone`: the language and the time zone (a zoneinfo key) active when
    the page (or the parent) was rendered (what LocaleMiddleware, the project's own
    middleware or the view's code chose), activated again at the join so that the connected
    renders use them too.
    """

    id: str
    view: str  # dotted path of the LiveView class
    live_session: str
    parent: str | None = None
    root: str | None = None
    session: dict[str, Any] | None = None
    sticky: bool = False
    language: str | None = None
    time_zone: str | None = None

    @property
    def nested(self) -> bool:
        """Rendered by `{% live_render %}` (a child or a sticky view), not by a URL."""
        return self.parent is not None or self.sticky


def new_view_id() -> str:
    """A fresh container id, `phx-` + URL-safe random characters (topic is `lv:<id>`)."""
    return "phx-" + secrets.token_urlsafe(12)


def sign_session(token: SessionToken) -> str:
    """The `data-phx-session` value."""
    data: dict[str, Any] = {"id": token.id, "view": token.view, "ls": token.live_session}
    if token.language is not None:
        data["l"] = token.language
    if token.time_zone is not None:
        data["z"] = token.time_zone
    if token.nested:
        data.update(p=token.parent, r=token.root, s=token.session or {}, st=token.sticky)
    return signing.dumps(data, salt=SESSION_SALT, compress=False)


def sign_static(view_id: str, flash: dict[str, str] | None = None) -> str:
    """The `data-phx-static` value: what is only known at the HTTP render."""
    return signing.dumps({"id": view_id, "flash": flash or {}}, salt=STATIC_SALT)


def _load(token: Any, salt: str) -> dict:
    if not isinstance(token, str) or not token:
        raise TokenError("missing token")
    try:
        data = signing.loads(token, salt=salt, max_age=liveview_settings.TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise TokenError("token expired") from None
    except signing.BadSignature:
        raise TokenError("bad signature") from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise TokenError("token has no view id")
    return data


def verify_session(token: Any, view_id: str) -> SessionToken:
    """Check a session token and that it belongs to the topic's view id."""
    data = _load(token, SESSION_SALT)
    if data["id"] != view_id:
        raise TokenError(f"session token is for {data['id']!r}, not {view_id!r}")
    parent, root, session = data.get("p"), data.get("r"), data.get("s")
    language, time_zone = data.get("l"), data.get("z")
    if not isinstance(parent, (str, type(None))) or not isinstance(root, (str, type(None))) \
            or not isinstance(session, (dict, type(None))) \
            or not isinstance(language, (str, type(None))) \
            or not isinstance(time_zone, (str, type(None))):
        raise TokenError("session token is malformed")
    return SessionToken(id=data["id"], view=str(data.get("view", "")),
                        live_session=str(data.get("ls", "default")), parent=parent, root=root,
                        session=session, sticky=data.get("st") is True, language=language,
                        time_zone=time_zone)


class Locale(TypedDict):
    """A SessionToken's `language` and `time_zone`."""

    language: str | None
    time_zone: str | None


def active_locale() -> Locale:
    """The `language` and `time_zone` of a SessionToken signed now: what is active (a time
    zone only when it is a zoneinfo zone, which its key names; a fixed offset stays behind)."""
    zone = timezone.get_current_timezone()
    return {"language": translation.get_language(),
            "time_zone": zone.key if isinstance(zone, zoneinfo.ZoneInfo) else None}


def verify_static(token: Any, view_id: str) -> dict:
    """Check a static token (None means the client had none) and return its data."""
    if token is None or token == "":
        return {"id": view_id, "flash": {}}
    data = _load(token, STATIC_SALT)
    if data["id"] != view_id:
        raise TokenError(f"static token is for {data['id']!r}, not {view_id!r}")
    return data


def sign_upload_token(view_id: str, join_ref: str | None, upload_ref: str, entry_ref: str,
                      cid: Any = None) -> str:
    """The token the client joins `lvu:<entry ref>` with: bound to one
    joined view instance (id and join ref), one upload config and one entry."""
    return signing.dumps({"v": view_id, "j": join_ref, "u": upload_ref, "e": entry_ref,
                          "c": cid if isinstance(cid, int) else None},
                         salt=UPLOAD_SALT, compress=False)


def verify_upload_token(token: Any) -> dict[str, Any]:
    """The upload token's claims; UploadTokenError when missing, tampered with or expired."""
    if not isinstance(token, str) or not token:
        raise UploadTokenError("missing upload token")
    try:
        data = signing.loads(token, salt=UPLOAD_SALT, max_age=UPLOAD_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise UploadTokenError("upload token expired") from None
    except signing.BadSignature:
        raise UploadTokenError("upload token has a bad signature") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "vjue"):
        raise UploadTokenError("upload token is malformed")
    return data


@dataclass(frozen=True)
class LongPollToken:
    """Where a long-poll session lives: its id, the process (node) holding it and, when the
    channel layer reaches other processes, that process's channel for forwarded requests."""

    session: str
    node: str
    channel: str | None = None


def sign_longpoll(token: LongPollToken) -> str:
    """The `token` a long-poll client sends with every request after the first."""
    return signing.dumps({"s": token.session, "n": token.node, "c": token.channel},
                         salt=LONGPOLL_SALT, compress=False)


def verify_longpoll(token: Any) -> LongPollToken:
    """The long-poll token's claims; TokenError when missing, tampered with or expired.

    Expiry is TOKEN_MAX_AGE as for session tokens; an idle session ends much sooner anyway
    (its token then names a session that is gone, which the client is told with a 410)."""
    if not isinstance(token, str) or not token:
        raise TokenError("missing long-poll token")
    try:
        data = signing.loads(token, salt=LONGPOLL_SALT, max_age=liveview_settings.TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise TokenError("long-poll token expired") from None
    except signing.BadSignature:
        raise TokenError("long-poll token has a bad signature") from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), str) or \
            not isinstance(data.get("n"), str) or not isinstance(data.get("c"), (str, type(None))):
        raise TokenError("long-poll token is malformed")
    return LongPollToken(session=data["s"], node=data["n"], channel=data["c"])
