"""Phoenix V2 framing: decoding client frames and building every outbound frame.

Pure functions, no I/O. The consumer hands raw websocket data in and gets plain
Python values (and JSON text) out; all wire event names live here.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Callable, NamedTuple

import orjson

from .errors import ProtocolError

#: Version of the phoenix_live_view npm package this server speaks to (package-lock.json).
CLIENT_VERSION = "1.2.12"

PHOENIX_TOPIC = "phoenix"
LV_TOPIC_PREFIX = "lv:"
UPLOAD_TOPIC_PREFIX = "lvu:"

# Client → server events.
JOIN = "phx_join"
LEAVE = "phx_leave"
HEARTBEAT = "heartbeat"
EVENT = "event"
LIVE_PATCH = "live_patch"
ALLOW_UPLOAD = "allow_upload"
PROGRESS = "progress"
CIDS_WILL_DESTROY = "cids_will_destroy"
CIDS_DESTROYED = "cids_destroyed"
CHUNK = "chunk"

# Server → client events.
REPLY = "phx_reply"
ERROR = "phx_error"
CLOSE = "phx_close"
DIFF = "diff"
REDIRECT = "redirect"
LIVE_REDIRECT = "live_redirect"

# Join error reasons the client understands (docs/internals.md, "Joining").
REASON_STALE = "stale"
REASON_UNAUTHORIZED = "unauthorized"
REASON_UNMATCHED_TOPIC = "unmatched topic"


class Frame(NamedTuple):
    """One client message: `[join_ref, ref, topic, event, payload]`.

    A named tuple, not a frozen dataclass: as immutable and as comparable, and made without
    a `object.__setattr__` per field (one frame per click)."""

    join_ref: str | None
    ref: str | None
    topic: str
    event: str
    payload: Any  # dict for text frames, bytes for binary (upload chunk) frames


# `Frame(*fields)` without the named tuple's generated Python `__new__` (every click).
_new_frame = tuple.__new__

#: Longest join_ref / ref, topic and event accepted (the client's are a few characters).
MAX_REF_CHARS = 64
MAX_TOPIC_CHARS = 256
MAX_EVENT_CHARS = 256

# A JSON escape of a UTF-16 surrogate: the only way a lone surrogate gets into decoded text
# (the websocket delivers valid UTF-8). Valid pairs decode to one character.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def decode_text(text: str) -> Frame:
    """Decode a V2 JSON array frame, checking its shape.

    A lone UTF-16 surrogate (a `\\ud800` escape without its pair) could never be sent back
    (UTF-8 cannot encode it): in the head (refs, topic, event) the frame is refused; in the
    payload it becomes U+FFFD, as a UTF-8 decoder would make it.

    orjson decodes (a third of the stdlib's time per frame); what it refuses (lone
    surrogates, NaN, nesting past 1024 levels) goes to the stdlib decoder, so the accepted
    frames and their values are the stdlib's, except integers past 64 bits (a float here).
    """
    try:
        data = orjson.loads(text)
        maybe_surrogates = False  # orjson refuses lone surrogates; valid pairs are one character
    except orjson.JSONDecodeError:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
            raise ProtocolError(f"frame is not JSON: {exc}") from None
        maybe_surrogates = True
    if not _head_fits(data):
        if not isinstance(data, list) or len(data) != 5:
            raise ProtocolError("frame must be a JSON array of 5 elements "
                                "[join_ref, ref, topic, event, payload]")
        raise ProtocolError(_head_error(*data))
    if maybe_surrogates and _SURROGATE_ESCAPE.search(text):
        join_ref, ref, topic, event, payload = data
        if any(_SURROGATE.search(v) for v in (join_ref, ref, topic, event) if v is not None):
            raise ProtocolError("lone UTF-16 surrogate in the frame head")
        return Frame(join_ref, ref, topic, event, _replace_surrogates(payload))
    return _new_frame(Frame, data)  # the 5-list as is: Frame(...) is a Python-level __new__


def _python_head_fits(data: Any) -> bool:
    """Whether `data` is a list of 5 whose head `decode_text` accepts (`_head_error`'s
    rules in one condition: a frame is decoded at every click)."""
    if not isinstance(data, list) or len(data) != 5:
        return False
    join_ref, ref, topic, event, payload = data
    return not (
        (join_ref is not None and (not isinstance(join_ref, str)
                                   or len(join_ref) > MAX_REF_CHARS))
        or (ref is not None and (not isinstance(ref, str) or len(ref) > MAX_REF_CHARS))
        or not isinstance(topic, str) or not isinstance(event, str)
        or len(topic) > MAX_TOPIC_CHARS or len(event) > MAX_EVENT_CHARS
        or not isinstance(payload, dict))


try:
    # The checks every frame passes, in C (setup.py builds it when a compiler is there);
    # without it, the Python ones, with the same results.
    from . import _frames as _native_frames
except ImportError:  # pragma: no cover - a build without a compiler
    _native_frames = None  # type: ignore[assignment]
else:
    _native_frames.set_limits(MAX_REF_CHARS, MAX_TOPIC_CHARS, MAX_EVENT_CHARS)
#: `_python_head_fits`, in C when the extension is built (liveview/core/_frames.c).
_head_fits: Callable[[Any], bool] = \
    _python_head_fits if _native_frames is None else _native_frames.head_fits


def _head_error(join_ref: Any, ref: Any, topic: Any, event: Any, payload: Any) -> str:
    """What is wrong with a frame's fields, first rule broken first."""
    for name, value in (("join_ref", join_ref), ("ref", ref)):
        if value is not None and not isinstance(value, str):
            return f"{name} must be a string or null, got {type(value).__name__}"
        if value is not None and len(value) > MAX_REF_CHARS:
            return f"{name} longer than {MAX_REF_CHARS} characters"
    if not isinstance(topic, str) or not isinstance(event, str):
        return "topic and event must be strings"
    if len(topic) > MAX_TOPIC_CHARS or len(event) > MAX_EVENT_CHARS:
        return (f"topic or event too long (at most {MAX_TOPIC_CHARS} and "
                f"{MAX_EVENT_CHARS} characters)")
    return f"payload must be an object, got {type(payload).__name__}"


def _replace_surrogates(value: Any) -> Any:
    """`value` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    return value


def decode_binary(data: bytes) -> Frame:
    """Decode a binary push (kind 0): five header bytes, four UTF-8 fields, raw payload."""
    if len(data) < 5 or data[0] != 0:
        raise ProtocolError("binary frame must start with kind 0 (push) and four length bytes")
    lengths = data[1:5]
    start = 5
    fields = []
    for length in lengths:
        end = start + length
        if end > len(data):
            raise ProtocolError("binary frame is shorter than its header says")
        try:
            fields.append(data[start:end].decode("utf-8"))
        except UnicodeDecodeError:
            raise ProtocolError("binary frame header is not UTF-8") from None
        start = end
    join_ref, ref, topic, event = fields
    return Frame(join_ref or None, ref or None, topic, event, data[start:])


# The first four fields of a text frame, read without parsing the whole (oversized) frame.
_HEAD = re.compile(r'^\s*\[\s*(null|"[^"\\]{0,64}")\s*,\s*(null|"[^"\\]{0,64}")\s*,'
                   r'\s*"([^"\\]{1,256})"')


def peek_head(text: str) -> tuple[str | None, str | None, str] | None:
    """`(join_ref, ref, topic)` from the start of a text frame, or None if unreadable."""
    match = _HEAD.match(text[:512])
    if not match:
        return None
    unquote = lambda v: None if v == "null" else v[1:-1]  # noqa: E731
    return unquote(match.group(1)), unquote(match.group(2)), match.group(3)


# orjson encodes every frame it can (a fifth of the stdlib's time); types the stdlib refuses
# (dates, dataclasses) it is told to refuse too, and what it cannot encode (a lone surrogate,
# integers past 64 bits, unknown types) goes to the stdlib encoder, which encodes or raises.
_ORJSON_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS)
# One encoder for every frame: json.dumps with options builds a new encoder per call. NaN is
# refused: `NaN` is not JSON, and the client's JSON.parse would throw on the whole frame.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
# For the rare frame holding a lone surrogate: escaped, it is valid JSON text in ASCII.
_ASCII_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _finite(value: Any) -> Any:
    """`value` with every NaN or infinite float (in lists, tuples and dicts) made None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    return value


def encode(join_ref: str | None, ref: str | None, topic: str, event: str, payload: Any) -> str:
    """The one way out: every server frame is serialised here.

    The text is always encodable in UTF-8 (a websocket text frame must be): a lone surrogate
    a handler put into its state is sent as a JSON escape, which the client decodes back.
    """
    frame = [join_ref, ref, topic, event, payload]
    try:
        return orjson.dumps(frame, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError
        return _encode_slowly(frame)


def _encode_slowly(frame: list[Any]) -> str:
    """`frame`'s text when orjson cannot make it (see `encode`)."""
    try:
        text = _ENCODER.encode(frame)
    except ValueError:  # NaN or infinity beside what orjson refused: null, as orjson sends it
        frame = _finite(frame)
        text = _ENCODER.encode(frame)
    if not text.isascii():  # O(1) in CPython: ASCII-only strings are flagged
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _ASCII_ENCODER.encode(frame)
    return text


def reply(join_ref: str | None, ref: str | None, topic: str, response: dict | None = None,
          *, ok: bool = True) -> str:
    """A `phx_reply` to the request `ref`."""
    # `encode`, inlined: every click is answered with one.
    frame = [join_ref, ref, topic, REPLY,
             {"status": "ok" if ok else "error", "response": response or {}}]
    try:
        return orjson.dumps(frame, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError
        return _encode_slowly(frame)


def push(join_ref: str | None, topic: str, event: str, payload: dict) -> str:
    """A server push (no ref) on `topic`, stamped with the channel's join_ref."""
    return encode(join_ref, None, topic, event, payload)


def channel_error(join_ref: str | None, topic: str) -> str:
    """`phx_error`: the server-side view died; the client rejoins and remounts."""
    return encode(join_ref, join_ref, topic, ERROR, {})


def channel_close(join_ref: str | None, topic: str) -> str:
    """`phx_close`: the channel ended cleanly; the client does not rejoin."""
    return encode(join_ref, join_ref, topic, CLOSE, {})
