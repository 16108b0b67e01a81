"""Seeded mutations of recorded client frames: what a buggy or hostile client could send.

`mutate(frame, rng, join)` returns the mutation's name and the frames to send instead of
`frame` (one or more). The same seed gives the same mutations, so a failure is reproducible
with the seed the suite prints.
"""
from __future__ import annotations

import json
import random
from typing import Any, Callable

from .recording import encode_binary

Raw = str | bytes

_OTHER_VALUES: list[Any] = [None, True, 0, -1, 2**63, 1.5e308, "", "x", [], {}, [1, "a"],
                            {"a": {"b": []}}]


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every node of a decoded JSON value (the root included)."""
    found = [path]
    if isinstance(value, list):
        for i, item in enumerate(value):
            found += _leaves(item, (*path, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _leaves(item, (*path, key))
    return found


def _replace(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[head] = _replace(value[head], tuple(rest), new)
    return copy


def _strings(value: Any) -> list[tuple]:
    return [p for p in _leaves(value) if isinstance(_get(value, p), str)]


def _get(value: Any, path: tuple) -> Any:
    for key in path:
        value = value[key]
    return value


def _type_swap(frame: list, rng: random.Random) -> list[Raw]:
    path = rng.choice(_leaves(frame))
    current = _get(frame, path)
    choices = [v for v in _OTHER_VALUES if type(v) is not type(current)]
    return [json.dumps(_replace(frame, path, rng.choice(choices)))]


def _huge(frame: list, rng: random.Random) -> list[Raw]:
    paths = _strings(frame) or [(4,)]
    path = rng.choice(paths)
    size = rng.choice([10_000, 300_000, 1_100_000])  # the last one is over MAX_FRAME_BYTES
    kind = rng.choice(["ascii", "wide", "number", "list"])
    if kind == "ascii":
        new: Any = "A" * size
    elif kind == "wide":
        new = "\U0001F600" * (size // 4)  # 4 bytes each: bytes, not characters, must count
    elif kind == "number":
        return [json.dumps(frame).replace(json.dumps(_get(frame, path)), "9" * size, 1)]
    else:
        new = list(range(size // 8))
    return [json.dumps(_replace(frame, path, new), ensure_ascii=False)]


def _deep(frame: list, rng: random.Random) -> list[Raw]:
    depth = rng.choice([1_000, 100_000])
    text = json.dumps(frame[:4])[:-1] + ", " + "[" * depth + "]" * depth + "]"
    return [text]


def _surrogate(frame: list, rng: random.Random) -> list[Raw]:
    path = rng.choice(_strings(frame) or [(3,)])
    lone = rng.choice(["\ud800", "\udfff", "\udc00x"])
    value = str(_get(frame, path))
    cut = rng.randrange(len(value) + 1)
    return [json.dumps(_replace(frame, path, value[:cut] + lone + value[cut:]))]


def _wrong_ref(frame: list, rng: random.Random) -> list[Raw]:
    index = rng.choice([0, 1])
    return [json.dumps(_replace(frame, (index,), rng.choice(
        ["999", "", None, 7, "x" * 300, "\u00e9", [1], {"a": 1}])))]


def _wrong_topic(frame: list, rng: random.Random) -> list[Raw]:
    topic = frame[2] if isinstance(frame[2], str) else ""
    return [json.dumps(_replace(frame, (2,), rng.choice(
        ["lv:phx-unknown", "lvu:0", "lvu:99", "phoenix", "", "lv:", topic + "x", "x" * 5000])))]


def _wrong_event(frame: list, rng: random.Random) -> list[Raw]:
    return [json.dumps(_replace(frame, (3,), rng.choice(
        ["phx_join", "phx_leave", "chunk", "heartbeat", "allow_upload", "progress", "event",
         "live_patch", "cids_destroyed", "cids_will_destroy", "unknown", ""])))]


def _as_binary(frame: list, rng: random.Random) -> list[Raw]:
    text = json.dumps(frame)
    if rng.random() < 0.5:
        return [text.encode()]  # the JSON, but in a binary frame
    head = [str(v) if v is not None else "" for v in frame[:4]]
    try:
        return [encode_binary(*head, text.encode())]  # a binary push on a text topic
    except ValueError:
        return [text.encode()]


def _not_array(frame: list, rng: random.Random) -> list[Raw]:
    return [json.dumps(rng.choice([{"topic": frame[2]}, "frame", 42, [], frame[:3],
                                   [*frame, "extra"], None]))]


MUTATIONS: dict[str, Callable[[list, random.Random], list[Raw]]] = {
    "type_swap": _type_swap, "huge": _huge, "deep": _deep, "surrogate": _surrogate,
    "wrong_ref": _wrong_ref, "wrong_topic": _wrong_topic, "wrong_event": _wrong_event,
    "as_binary": _as_binary, "not_array": _not_array,
}


def _mutate_binary(raw: bytes, rng: random.Random) -> tuple[str, list[Raw]]:
    name = rng.choice(["truncate", "as_text", "bad_lengths", "garbage", "wrong_topic"])
    if name == "truncate":
        return name, [raw[:rng.randrange(len(raw))]]
    if name == "as_text":
        return name, [raw.decode("latin-1")]
    if name == "bad_lengths":
        return name, [bytes([0, 255, 255, 255, 255]) + raw[5:]]
    if name == "garbage":
        return name, [rng.randbytes(rng.choice([1, 5, 64, 4096]))]
    lengths = raw[1:5]
    head_end = 5 + sum(lengths)
    fields = []
    start = 5
    for length in lengths:
        fields.append(raw[start:start + length].decode("utf-8", "replace"))
        start += length
    fields[2] = rng.choice(["lvu:99", "lv:phx-unknown", "phoenix", ""])
    return name, [encode_binary(*fields, raw[head_end:])]


def mutate(raw: Raw, rng: random.Random, join: Raw | None) -> tuple[str, list[Raw]]:
    """A mutation of `raw` (a frame as sent); `join` is the session's join, for duplicates."""
    if isinstance(raw, bytes):
        return _mutate_binary(raw, rng)
    roll = rng.random()
    if roll < 0.12:
        return "truncate", [raw[:rng.randrange(len(raw))]]
    if roll < 0.2 and join is not None:
        return "duplicate_join", [raw, join, join]
    frame = json.loads(raw)
    name = rng.choice(sorted(MUTATIONS))
    return name, MUTATIONS[name](frame, rng)
