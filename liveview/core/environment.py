"""What a rendered value may depend on besides the context: the active language and time zone.

The change tracker reads this at every tracked render (a view's, and each live component's)
and renders everything again when it differs from the last render's. Read through Django's
API, `translation.get_language()` and `timezone.get_current_timezone()` cost about 3 µs
together (two asgiref `Local` lookups, each taking a lock through two Python calls), more
than the rest of a counter's click.

So `current()` reads the same state more directly where it can. asgiref keeps each `Local`'s
values in one contextvar, as a storage object that it replaces (never changes) at every
`activate()`/`deactivate()`. (With `USE_I18N = False`, Django's `activate` sets nothing, so
the language's storage stays empty.) When both storages are set for this thread and both hold a
value, the pair of storage objects is the token: the same two objects hold the same language
and time zone. A connected view has both as a rule: its join activates its page's (see
`liveview.tokens.active_locale`). Every other case takes Django's API, whose answer then
depends on settings too:
- nothing is activated;
- a storage was made in another thread;
- asgiref's internals are not the ones this module knows (`FAST` is then False, and a test
  fails on it, so an upgrade that changes them is noticed).

The two kinds of token never compare equal: switching from one to the other renders everything
once, which is the safe direction.
"""
from __future__ import annotations

import contextvars
import threading
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import trans_real

_get_ident = threading.get_ident


def _contextvar_of(local: Any) -> contextvars.ContextVar[Any] | None:
    """The contextvar behind an asgiref `Local` (asgiref 3.9+), or None."""
    try:
        storage = object.__getattribute__(local, "_storage")
        var = object.__getattribute__(storage, "_data")
    except AttributeError:
        return None
    return var if isinstance(var, contextvars.ContextVar) else None


def _storage_type() -> type | None:
    """asgiref's storage class, if it is the thread-tagged one this module reads."""
    try:
        from asgiref.local import _Storage
    except ImportError:
        return None
    slots = getattr(_Storage, "__slots__", ())
    return _Storage if "thread_id" in slots and "data" in slots else None


_STORAGE: Any = _storage_type()
# Django's test signals replace the translation `Local` when LANGUAGE_CODE, LANGUAGES or
# LOCALE_PATHS change: its contextvar is looked up again when it is not the one last read.
# (One tuple, replaced whole: a thread reading it never sees one Local with another's var.)
_first_local = getattr(trans_real, "_active", None)
_language: tuple[Any, contextvars.ContextVar[Any] | None] = (
    _first_local, _contextvar_of(_first_local))
_zone_var = _contextvar_of(getattr(timezone, "_active", None))

#: Whether `current()` can read asgiref's storages (else it always takes Django's API).
FAST = _STORAGE is not None and _zone_var is not None and _language[1] is not None


def current() -> tuple[Any, ...]:
    """A token of the active language and time zone: equal tokens, same language and zone."""
    global _language
    if FAST:
        known = _language
        local = trans_real._active  # type: ignore[attr-defined]
        if local is not known[0]:
            known = _language = (local, _contextvar_of(local))
        language: Any = known[1].get(None) if known[1] is not None else None
        zone: Any = _zone_var.get(None)  # type: ignore[union-attr]
        if type(language) is _STORAGE and type(zone) is _STORAGE:
            me = _get_ident()
            if language.thread_id == me and zone.thread_id == me and \
                    "value" in language.data and "value" in zone.data:
                return (language, zone)
    return (translation.get_language(), timezone.get_current_timezone())
