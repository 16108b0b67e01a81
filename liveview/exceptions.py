"""Every exception `liveview` raises on purpose, in one tree.

```
LiveViewError                       base: catch this to catch them all
├── ProtocolError (ValueError)      a client frame that breaks the Phoenix wire format
├── TokenError                      a session, static or upload token that is tampered
│   └── UploadTokenError (ValueError)   with, expired, or for another view / entry
├── JoinRefused                     a join answered with an error reply (stale, unauthorized,
│                                   redirect); carries the reply's `response`
├── UploadError                     one upload error (`code`, `message`, `ref`); entries keep
│                                   them in `entry.errors`, templates show `message`
├── UploadRejected                  raised by an `external=` callable to refuse one entry
├── BroadcastError (TypeError)      a pub/sub message that cannot cross processes (msgpack)
├── ConnectedOnlyError (AttributeError)  a websocket-only socket feature used in the
│                                   HTTP render
├── AsyncCancelled                  the `failed` reason of async work cancelled by cancel_async
└── ConfigurationError (ImproperlyConfigured)  settings or an upload declared wrongly
```

The second bases keep older `except ValueError` / `except TypeError` /
`except ImproperlyConfigured` code working.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .core.errors import LiveViewError, ProtocolError

__all__ = [
    "AsyncCancelled",
    "BroadcastError",
    "ConfigurationError",
    "ConnectedOnlyError",
    "JoinRefused",
    "LiveViewError",
    "ProtocolError",
    "TokenError",
    "UploadError",
    "UploadRejected",
    "UploadTokenError",
]


class TokenError(LiveViewError):
    """A token that is tampered with, expired, or for another view."""


class UploadTokenError(TokenError, ValueError):
    """An upload token that is missing, tampered with, expired or malformed."""


class JoinRefused(LiveViewError):
    """A join answered with an error reply; `response` is what the client receives."""

    def __init__(self, response: dict[str, Any], log: str):
        super().__init__(log)
        self.response = response


class UploadError(LiveViewError):
    """One upload error: a Phoenix-style `code` (`too_large`, `not_accepted`, ...), a
    `message` to show, and the `ref` of the entry (or of the whole upload) it belongs to.

    Entries and configs hold these as values (`entry.errors`); `str(error)` is the message.
    """

    def __init__(self, code: str, message: str, ref: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"UploadError(code={self.code!r}, message={self.message!r}, ref={self.ref!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UploadError):
            return NotImplemented
        return (self.code, self.message, self.ref) == (other.code, other.message, other.ref)

    def __hash__(self) -> int:
        return hash((self.code, self.message, self.ref))


class UploadRejected(LiveViewError):
    """Raised by an `external=` callable of `allow_upload` to refuse one entry: the entry
    gets the error `code` with `message` (shown to the user), and never uploads."""

    def __init__(self, code: str = "external_rejected", message: str = ""):
        super().__init__(message or code)
        self.code = code
        self.message = message


class BroadcastError(LiveViewError, TypeError):
    """A broadcast message msgpack cannot carry between processes."""


class ConnectedOnlyError(LiveViewError, AttributeError):
    """A connected-only socket feature used during the HTTP render."""


class AsyncCancelled(LiveViewError):
    """Why an async operation failed: `cancel_async` stopped it (`str()` is the reason)."""


class ConfigurationError(LiveViewError, ImproperlyConfigured):
    """Settings, or an upload declaration, that cannot work."""


class NestedViewError(LiveViewError, ValueError):
    """`{% live_render %}` used wrongly: no id, an id used twice in one render, a class that
    is not a LiveView, a session that cannot be signed, outside a LiveView template."""
