"""Reading event payloads in the demos: a browser sends what the page says, anything else can
send anything, so a value of the wrong type (or a payload that is not a dict) reads as missing
and the demo ignores the event or says so, never crashes."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def text(payload: Any, key: str, default: str = "") -> str:
    """`payload[key]` if the payload is a mapping and that value a string, else `default`."""
    value = payload.get(key) if isinstance(payload, Mapping) else None
    return value if isinstance(value, str) else default


def integer(payload: Any, key: str, default: int | None = None) -> int | None:
    """`payload[key]` as an int (from a number or digits, at most 18 of them), else `default`."""
    value = payload.get(key) if isinstance(payload, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value if abs(value) < 10**18 else default
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) <= 19:
        return int(value)
    return default
