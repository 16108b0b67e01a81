"""One schema per client message type, checked at the edge before any handler runs.

Pure: a table of the fields each message may carry, their types and whether they are
required. The router checks every frame of a known event against it and refuses a bad one
with an error reply; handlers then only see payloads of the right shape. Fields not listed
are allowed (the client adds some we do not read); an optional field may be null. `value` of
an event is whatever the page sends (its handler decides), so it is not checked here.
"""
from __future__ import annotations

from typing import Any, Callable

from . import protocol as p
from .errors import ProtocolError

_STR = (str,)
_OPT_STR = (str, type(None))
_DICT = (dict,)
_LIST = (list,)
_INT = (int,)
_OPT_INT = (int, type(None))

#: field -> (accepted types, required), per (topic kind, event).
Schema = dict[str, tuple[tuple[type, ...], bool]]

LV_SCHEMAS: dict[str, Schema] = {
    p.JOIN: {"url": (_STR, False), "redirect": (_STR, False), "params": (_DICT, False),
             "session": (_STR, False), "static": (_OPT_STR, False), "flash": (_OPT_STR, False),
             "sticky": ((bool,), False)},
    p.EVENT: {"type": (_STR, False), "event": (_STR, True), "meta": (_DICT, False),
              "uploads": (_DICT, False), "cid": (_OPT_INT, False)},
    p.LIVE_PATCH: {"url": (_STR, True)},
    p.LEAVE: {},
    p.ALLOW_UPLOAD: {"ref": (_STR, True), "entries": (_LIST, True), "cid": (_OPT_INT, False)},
    p.PROGRESS: {"ref": (_STR, True), "entry_ref": (_STR, True),
                 "progress": ((int, dict), True), "event": (_OPT_STR, False),
                 "cid": (_OPT_INT, False)},
    p.CIDS_WILL_DESTROY: {"cids": (_LIST, True)},
    p.CIDS_DESTROYED: {"cids": (_LIST, True)},
}

LVU_SCHEMAS: dict[str, Schema] = {
    # A missing token is the upload channel's to refuse (`invalid_token`, which the client knows).
    p.JOIN: {"token": (_STR, False)},
    p.LEAVE: {},
}


def check(frame: p.Frame) -> None:
    """ProtocolError (its message is the reply's reason) when `frame` breaks its schema."""
    reason = error(frame)
    if reason is not None:
        raise ProtocolError(reason)


def error(frame: p.Frame) -> str | None:
    """Why `frame` breaks its schema (the refusal's reason), or None when it fits.

    Frames of events without a schema pass: the handler of their topic refuses them.
    """
    if frame.topic.startswith(p.LV_TOPIC_PREFIX):
        fields = _LV_FIELDS.get(frame.event)
    elif frame.topic.startswith(p.UPLOAD_TOPIC_PREFIX):
        if frame.event == p.CHUNK:
            if not isinstance(frame.payload, bytes):
                return "invalid chunk: a chunk is a binary frame"
            return None
        fields = _LVU_FIELDS.get(frame.event)
    else:
        return None
    if fields is None:
        return None
    payload = frame.payload
    if not isinstance(payload, dict):
        return f"invalid {frame.event}: the payload must be an object"
    for field, types, required, bool_ok in fields:
        value = payload.get(field, _MISSING)
        if value is _MISSING or (value is None and not required):  # null: as if absent
            if required:
                return f"invalid {frame.event}: {field} missing"
            continue
        # JSON true is not a number (bool is an int to isinstance).
        if (value.__class__ is bool and not bool_ok) or not isinstance(value, types):
            return f"invalid {frame.event}: {field} must be {_names(types)}"
    if frame.event in (p.CIDS_WILL_DESTROY, p.CIDS_DESTROYED):
        return _cids_error(frame.event, payload["cids"])
    return None


def _python_fits_event(payload: dict[str, Any]) -> bool:
    """True when the payload of an `lv:` `event` frame fits its schema: the common frame (a
    click, a form change) checked in one expression rather than the table's walk (an absent
    field costs a `not in`). False says nothing: `error` then decides (and refuses a bad frame
    with its reason). Kept to LV_SCHEMAS[EVENT] (tests/core/test_schema.py compares the two).
    """
    return isinstance(payload.get("event"), str) \
        and ("type" not in payload or isinstance(payload["type"], _OPT_STR)) \
        and ("meta" not in payload or isinstance(payload["meta"], _OPT_DICT)) \
        and ("uploads" not in payload or isinstance(payload["uploads"], _OPT_DICT)) \
        and ("cid" not in payload or payload["cid"] is None
             or (isinstance(payload["cid"], int) and payload["cid"].__class__ is not bool))


_OPT_DICT = (dict, type(None))

try:
    # In C (setup.py builds it when a compiler is there); without it, the Python one.
    from ._frames import fits_event as _native_fits_event
except ImportError:  # pragma: no cover - a build without a compiler
    _native_fits_event = None  # type: ignore[assignment]

#: `_python_fits_event`, in C when the extension is built (liveview/core/_frames.c): every
#: click is checked.
fits_event: Callable[[dict[str, Any]], bool] = \
    _python_fits_event if _native_fits_event is None else _native_fits_event


Fields = tuple[tuple[str, tuple[type, ...], bool, bool], ...]


def _fields(schema: Schema) -> Fields:
    """`schema` as (field, types, required, bool accepted) tuples: every event frame is
    checked, so the table is walked in its cheapest form."""
    return tuple((field, types, required, bool in types)
                 for field, (types, required) in schema.items())


_LV_FIELDS = {event: _fields(schema) for event, schema in LV_SCHEMAS.items()}
_LVU_FIELDS = {event: _fields(schema) for event, schema in LVU_SCHEMAS.items()}


def _cids_error(event: str, cids: list[Any]) -> str | None:
    if not all(isinstance(cid, int) and not isinstance(cid, bool) for cid in cids):
        return f"invalid {event}: cids must be a list of integers"
    return None


def _names(types: tuple[type, ...]) -> str:
    names = {str: "a string", dict: "an object", list: "a list", int: "an integer",
             bool: "a boolean", type(None): "null"}
    return " or ".join(names.get(t, t.__name__) for t in types)


_MISSING = object()
